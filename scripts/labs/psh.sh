#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab psh: PSH marks the last segment of each write (point 8)
# Documentation/labs/psh.rst explains what this shows.
#
#   scripts/lab psh                       in a throwaway guest (host side)
#   sudo scripts/labs/psh.sh              on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup psh
lab_run <<'EOF_PY'
import socket
from edulab import *

PORT, CPORT = 5000, 40007
C, S = ep(CIP, CPORT), ep(SIP, PORT)
# (bytes, flags) of each write: small, several segments, exactly two full
# segments, one with MSG_MORE ("more is coming: don't push yet"), small.
WRITES = [(100, 0), (5000, 0), (2920, 0), (10, socket.MSG_MORE), (10, 0)]


def main():
    begin("PSH: push", "point 8 (PSH)")
    trace_start()
    srv = listener(PORT)
    cli = client(CPORT)
    conn = accept_from(srv, cli, PORT)
    mss = cli.getsockopt(SOL_EDU_TCP, EDU_TCP_MAXSEG)
    say("  the client's MSS (EDU_TCP_MAXSEG): %d bytes" % mss)

    got = 0
    for i, (n, flags) in enumerate(WRITES, 1):
        step("write %d: send(%d bytes%s), then wait until it is "
             "acknowledged" % (i, n, ", MSG_MORE" if flags else ""))
        cli.send(b"x" * n, flags)
        wait_acked(cli)
        while got < sum(w for w, _ in WRITES[:i]):
            got += len(conn.recv(65536))
    ev = trace_stop()

    step("the ladder")
    ladder(C, S)

    step("checks")
    c_out = segs(ev, C, S)
    seen, data = set(), []
    for e in c_out:
        if e["len"] and e["seq"] not in seen:     # not a retransmission
            seen.add(e["seq"])
            data.append((e["len"], "P" in e["flags"]))
    say("  data segments (length, PSH): %s" % data)
    want = []
    for n, flags in WRITES:
        while n > mss:
            want.append((mss, False))
            n -= mss
        want.append((n, not flags))
    check(data == want, "PSH on the last segment of each write, on no "
          "other, and not after MSG_MORE", "expected %s" % want)
    check(got == sum(n for n, _ in WRITES),
          "the server received all %d bytes" % got)
    # The receiver's side: a PSH segment is acknowledged at once; the
    # MSG_MORE one (no PSH) waits for the delayed-ACK timer.
    more = [e for e in c_out if e["len"] == 10 and "P" not in e["flags"]]
    delack = more and [e for e in ev if e.name == "timer" and
                       e["src"] == S and e["kind"] == "delack" and
                       e.ts > more[0].ts]
    check(delack, "the segment without PSH was acknowledged by the "
          "server's delayed-ACK timer (40 ms)")
    psh = [e for e in c_out if e["len"] == 100]
    quick = psh and [e for e in ev if e.name == "timer" and
                     e["src"] == S and psh[0].ts < e.ts < psh[0].ts + 0.04]
    check(psh and not quick, "the first PSH segment was acknowledged "
          "at once, no timer involved")
    conn.close()
    cli.close()


run(main)
EOF_PY
