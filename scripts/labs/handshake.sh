#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab handshake: the three-way handshake, state by state (points 1 and 2)
# Documentation/labs/handshake.rst explains what this shows.
#
#   scripts/lab handshake                 in a throwaway guest (host side)
#   sudo scripts/labs/handshake.sh        on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup handshake
lab_run <<'EOF_PY'
import errno
from edulab import *

PORT, CPORT = 5000, 40001
C, S = ep(CIP, CPORT), ep(SIP, PORT)


def main():
    begin("the three-way handshake",
          "points 1 (a connection) and 2 (the handshake)")
    trace_start()

    step("1. the server: socket(AF_INET, SOCK_STREAM, %d), bind, listen" % PROTO)
    with netns(SERVER):
        srv = edu_socket()
        srv.bind((SIP, PORT))
        srv.listen(8)
    # Every packet the client sends waits 600 ms in a netem queue, so that
    # each state lasts long enough to be seen in /proc/edu_tcp.
    slow = delay(CLIENT, "veth-c", 600)
    if not slow:
        say("  (no netem here: the handshake runs at full speed and the "
            "snapshots are skipped)")

    step("2. the client: connect() sends the SYN (non-blocking, so we can "
         "look while it travels)")
    with netns(CLIENT):
        cli = edu_socket()
        cli.bind((CIP, CPORT))
        cli.setblocking(False)
        err = cli.connect_ex((SIP, PORT))
    say("  connect() -> %s" % errno.errorcode.get(err, err))
    if slow:
        c_row = wait_row(CLIENT, "SYN-SENT", 2)
        s_rows = [r["state"] for r in proc_rows(SERVER)]
        show_proc(CLIENT)
        show_proc(SERVER)
        check(c_row and s_rows == ["LISTEN"],
              "while the SYN travels: client SYN-SENT, server only LISTEN",
              "server rows: %s" % s_rows)

        step("3. the SYN arrived: the server made a half-open request in "
             "SYN-RCVD and answered SYN,ACK; the client, on that SYN,ACK, is "
             "ESTABLISHED")
        s_row = wait_row(SERVER, "SYN-RCVD", 5)
        c_row = wait_row(CLIENT, "ESTABLISHED", 5)
        s_still = [r for r in proc_rows(SERVER) if r["state"] == "SYN-RCVD"]
        show_proc(CLIENT)
        show_proc(SERVER)
        check(s_row and c_row and s_still,
              "the client is ESTABLISHED while the server still waits in "
              "SYN-RCVD for the last ACK")

    step("4. the client's ACK arrived: the request became a socket, "
         "ESTABLISHED, and accept() returns it")
    srv.settimeout(10)
    conn, peer = srv.accept()
    say("  accept() -> a connection from %s:%d" % peer)
    if slow:
        show_proc(CLIENT)
        show_proc(SERVER)
        undelay(CLIENT, "veth-c")
    ci, si = info(cli), info(conn)
    ev = trace_stop()

    step("the ladder (tools/edu_ladder %s; numbers relative to each ISN)"
         % trace_path())
    ladder(C, S)

    c_out, s_out = segs(ev, C, S), segs(ev, S, C)
    step("the same three segments as the trace has them (absolute numbers)")
    show_segs([e for e in ev if e.name == "seg_out" and e in c_out + s_out][:3])

    step("what the connection is (point 1): the socket pair, the "
         "sequence numbers, the windows -- EDU_TCP_INFO of each end")
    say("  %-16s %18s %18s" % ("", "client", "server"))
    say("  %-16s %18s %18s" % ("local address", C, S))
    say("  %-16s %18s %18s" % ("remote address", S, C))
    for k in ("state_name", "iss", "irs", "snd_una", "snd_nxt", "rcv_nxt",
              "snd_wnd", "rcv_wnd", "snd_wscale", "rcv_wscale", "mss"):
        say("  %-16s %18s %18s" % (k, ci[k], si[k]))

    step("checks")
    syn = next((e for e in c_out if "S" in e["flags"]), None)
    synack = next((e for e in s_out if "S" in e["flags"]), None)
    if not check(syn and synack, "a SYN and a SYN,ACK were traced"):
        return
    x, y = syn["seq"], synack["seq"]
    last = next((e for e in c_out if e["flags"] == "." and e.ts > synack.ts),
                None)
    check(syn["flags"] == "S", "step 1: the client's SYN carries SYN=1 "
          "seq=x and no ACK", "flags=%s seq=%u" % (syn["flags"], x))
    check(synack["flags"] == "S." and synack["ack"] == x + 1,
          "steps 2 and 3 in ONE segment: ACK=1 ack=x+1 and SYN=1 seq=y",
          "flags=%s seq=%u ack=%u" % (synack["flags"], y, synack["ack"]))
    before = [e for e in s_out if e.ts < synack.ts]
    check(not before, "the server sent nothing before its SYN,ACK "
          "(no separate ACK, then SYN)")
    check(last and last["seq"] == x + 1 and last["ack"] == y + 1,
          "step 4: the client's ACK=1 ack=y+1 (seq=x+1)",
          last and "seq=%u ack=%u" % (last["seq"], last["ack"]) or "none")
    cs, ss = states(ev, C), states(ev, S)
    check(cs[:2] == [("CLOSED", "SYN-SENT"), ("SYN-SENT", "ESTABLISHED")],
          "client: CLOSED -> SYN-SENT -> ESTABLISHED", str(cs))
    check(("LISTEN", "SYN-RCVD") in ss and ("SYN-RCVD", "ESTABLISHED") in ss,
          "server: LISTEN -> SYN-RCVD -> ESTABLISHED (the accepted child)",
          str(ss))
    check(ci["iss"] == si["irs"] == x and si["iss"] == ci["irs"] == y,
          "both ends agree on both initial sequence numbers")
    check(ci["snd_nxt"] == si["rcv_nxt"] == x + 1 and
          si["snd_nxt"] == ci["rcv_nxt"] == y + 1,
          "each side's SND.NXT is the other's RCV.NXT (ISN + 1: the SYN)")
    check(ci["snd_wnd"] == si["rcv_wnd"] and si["snd_wnd"] == ci["rcv_wnd"],
          "each side's send window is what the other offered")
    conn.close()
    cli.close()


run(main)
EOF_PY
