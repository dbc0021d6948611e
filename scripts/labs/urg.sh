#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab urg: URG, the urgent pointer, MSG_OOB and SIOCATMARK (point 8)
# Documentation/labs/urg.rst explains what this shows.
#
#   scripts/lab urg                       in a throwaway guest (host side)
#   sudo scripts/labs/urg.sh              on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup urg
lab_run <<'EOF_PY'
import fcntl
import select
import socket
from edulab import *

PORT, CPORT = 5000, 40008
C, S = ep(CIP, CPORT), ep(SIP, PORT)
SIOCATMARK = 0x8905


def at_mark(sock):
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), SIOCATMARK,
                                          b"\0" * 4))[0]


def main():
    begin("URG: urgent data", "point 8 (URG)")
    trace_start()
    with netns(SERVER):
        srv = edu_socket()
        srv.bind((SIP, PORT))
        srv.listen(8)
        srv.settimeout(10)
        wire = Wire()       # a copy of every segment the server receives
    with netns(CLIENT):
        cli = edu_socket()
        cli.bind((CIP, CPORT))
        cli.settimeout(10)
    cli.connect((SIP, PORT))
    conn, _ = srv.accept()
    conn.settimeout(10)
    x = info(cli)["iss"]

    step("1. the client sends \"abc\", then \"xyz!\" with MSG_OOB (its "
         "last byte, '!', is the urgent one), then \"def\"")
    cli.send(b"abc")
    wait_acked(cli)
    cli.send(b"xyz!", socket.MSG_OOB)
    wait_acked(cli)
    cli.send(b"def")
    wait_acked(cli)
    segments = [p for p in wire.seen() if p["src"] == C and p["data"]]
    for p in segments:
        say("  on the wire: seq=%u len=%u flags=%s urgent pointer=%u%s" % (
            (p["seq"] - x) % 2**32, len(p["data"]),
            "URG" if p["flags"] & URG else "-", p["urp"],
            "  -> the urgent byte is seq %u, %r" % (
                (p["seq"] + p["urp"] - 1 - x) % 2**32,
                p["data"][p["urp"] - 1:p["urp"]]) if p["flags"] & URG
            else ""))

    step("2. the server: select() reports an exceptional condition; "
         "recv(MSG_OOB) takes the urgent byte out of band")
    _, _, exc = select.select([], [], [conn], 2)
    say("  select(): %s" % ("exceptional condition (urgent data)" if exc
                            else "nothing"))
    oob = conn.recv(1, socket.MSG_OOB)
    say("  recv(1, MSG_OOB) -> %r" % oob)

    step("3. ordinary reads stop at the mark; SIOCATMARK says when the "
         "next byte is where the urgent byte was")
    reads = []
    for _ in range(2):
        mark = at_mark(conn)
        data = conn.recv(100)
        say("  SIOCATMARK=%d, recv(100) -> %r" % (mark, data))
        reads.append((mark, data))
    ev = trace_stop()

    step("the ladder")
    ladder(C, S)

    step("checks")
    urg = [p for p in segments if p["flags"] & URG]
    check(len(urg) == 1 and urg[0]["data"] == b"xyz!",
          "exactly one segment carries URG: the one with \"xyz!\"")
    check(urg and urg[0]["urp"] == 4 and
          urg[0]["data"][urg[0]["urp"] - 1:urg[0]["urp"]] == b"!",
          "its urgent pointer is 4: it points just past the urgent byte "
          "'!' (RFC 6093, RFC 9293 3.8.5)")
    check([p["csum_ok"] for p in segments] == [True] * len(segments),
          "every segment's checksum is TCP's (pseudo-header protocol 6)")
    traced = [e for e in segs(ev, C, S) if "U" in e["flags"]]
    check(traced and traced[0]["flags"] == "PU.",
          "the trace shows the flags as PU. (PSH, URG, ACK)")
    check(exc, "select() saw the urgent data as an exceptional condition")
    check(oob == b"!", "recv(MSG_OOB) returned the urgent byte '!'")
    check(reads == [(0, b"abcxyz"), (1, b"def")],
          "the first read stopped at the mark (\"abcxyz\"), SIOCATMARK was "
          "then 1, and '!' is not in the ordinary stream", str(reads))
    wire.close()
    conn.close()
    cli.close()


run(main)
EOF_PY
