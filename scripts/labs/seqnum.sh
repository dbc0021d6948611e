#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab seqnum: SYN and FIN take a sequence number, a pure ACK none (points 4, 6)
# Documentation/labs/seqnum.rst explains what this shows.
#
#   scripts/lab seqnum                    in a throwaway guest (host side)
#   sudo scripts/labs/seqnum.sh           on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup seqnum
lab_run <<'EOF_PY'
import socket
from edulab import *

PORT, CPORT = 5000, 40003
C, S = ep(CIP, CPORT), ep(SIP, PORT)


def table(title, out, isn):
    """The segments one side sent, with what each takes of the sequence
    space: its data, plus one for SYN, plus one for FIN."""
    say("  %s (relative to its ISN %u):" % (title, isn))
    say("    %-6s %6s %5s %9s %9s   %s" % ("flags", "seq", "len", "takes",
                                           "next seq", "ack"))
    for e in out:
        rel = (e["seq"] - isn) % 2**32
        say("    %-6s %6u %5u %9u %9u   %s" % (
            e["flags"], rel, e["len"], e.plen, rel + e.plen,
            e["rack"] if "." in e["flags"] else "-"))


def main():
    begin("sequence numbers: who consumes what", "points 4 and 6")
    trace_start()
    srv = listener(PORT)
    cli = client(CPORT)

    step("1. handshake; the client sends \"hello\" (5 bytes)")
    conn = accept_from(srv, cli, PORT)
    cli.sendall(b"hello")
    wait_acked(cli)
    conn.recv(5)

    step("2. the server answers \"hi!\" (3 bytes); the client acknowledges "
         "it with a pure ACK")
    conn.sendall(b"hi!")
    wait_acked(conn)
    cli.recv(3)

    step("3. the client sends \"world!\" (6 bytes)")
    cli.sendall(b"world!")
    wait_acked(cli)
    conn.recv(6)
    ci = info(cli)
    say("  client EDU_TCP_INFO: iss=%u snd_nxt=%u -> snd_nxt - iss = %u "
        "after %d segments sent" % (ci["iss"], ci["snd_nxt"],
                                    (ci["snd_nxt"] - ci["iss"]) % 2**32,
                                    ci["segs_out"]))

    step("4. the client closes its sending side (FIN), then the server "
         "closes (FIN)")
    cli.shutdown(socket.SHUT_WR)
    eof = conn.recv(1)
    conn.close()
    eof2 = cli.recv(1)
    cli.close()
    ev = trace_stop()

    step("the ladder")
    ladder(C, S)

    step("what each segment takes of the sequence space")
    c_out, s_out = segs(ev, C, S), segs(ev, S, C)
    x, y = c_out[0]["seq"], s_out[0]["seq"]
    table("client -> server", c_out, x)
    table("server -> client", s_out, y)

    step("checks")
    check(eof == b"" and eof2 == b"", "both ends read EOF after the "
          "other's FIN")
    # Walk the client's segments: each new one must start where the
    # previous left off.  A segment starting below that is a
    # retransmission (a slow guest may have one) and is left out.
    nxt, ok, pure = x, True, []
    for i, e in enumerate(c_out):
        if e["seq"] != nxt:
            if (nxt - e["seq"]) % 2**32 < 2**31 and e.plen:
                continue            # retransmitted
            ok = False
            say("  client segment %d starts at %u, expected %u" %
                (i, e["seq"], nxt))
        if e.plen == 0:
            pure.append(e)
        nxt = (e["seq"] + e.plen) % 2**32
    check(ok, "every client segment starts where the previous one ended "
          "(seq + len + SYN + FIN)")
    syn = c_out[0]
    check(syn["flags"] == "S" and c_out[1]["seq"] == (x + 1) % 2**32,
          "SYN: no data, yet it takes one number: the next segment has "
          "seq=x+1")
    after_pure = [e for e in pure if any(
        d["seq"] == e["seq"] and d.ts > e.ts for d in c_out if d.plen)]
    check(len(after_pure) >= 2, "pure ACKs take none: %d pure ACKs had the "
          "same seq as the segment after them (the seed note is wrong "
          "here)" % len(after_pure),
          ", ".join("ack seq=%u" % ((e["seq"] - x) % 2**32)
                    for e in after_pure))
    check((ci["snd_nxt"] - ci["iss"]) % 2**32 == 1 + 5 + 6,
          "before the FIN: SND.NXT - ISS = 1 (SYN) + 11 (data), although "
          "%d segments were sent" % ci["segs_out"])
    fin = next((e for e in c_out if "F" in e["flags"]), None)
    sfin = next((e for e in s_out if "F" in e["flags"]), None)
    acks_fin = fin and [e for e in s_out if "." in e["flags"] and
                        e["ack"] == (fin["seq"] + 1) % 2**32]
    check(fin and fin["len"] == 0 and acks_fin,
          "FIN: no data, yet it takes one number: the server's ACK has "
          "ack = FIN's seq + 1")
    acks_sfin = sfin and [e for e in c_out if "." in e["flags"] and
                          e["ack"] == (sfin["seq"] + 1) % 2**32]
    check(sfin and acks_sfin, "and the server's FIN likewise: the client "
          "acknowledges FIN's seq + 1")
    racks = {e["rack"] for e in s_out if "." in e["flags"]}
    check({1, 6, 12, 13} <= racks, "every byte is acknowledged: the "
          "server's acks (relative) include 1, 6, 12 and 13",
          str(sorted(racks)))


run(main)
EOF_PY
