#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab rst: RST refuses a connection and aborts one (point 8)
# Documentation/labs/rst.rst explains what this shows.
#
#   scripts/lab rst                       in a throwaway guest (host side)
#   sudo scripts/labs/rst.sh              on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup rst
lab_run <<'EOF_PY'
import errno
import socket
import struct
from edulab import *

PORT, CLOSED_PORT = 5000, 5999
CPORT_A, CPORT_B = 40005, 40006


def main():
    begin("RST: reset", "point 8 (RST)")
    trace_start()
    c0, s0 = counters(CLIENT), counters(SERVER)

    step("A. connect() to port %d, where nothing listens" % CLOSED_PORT)
    with netns(CLIENT):
        cli = edu_socket()
        cli.bind((CIP, CPORT_A))
        cli.settimeout(10)
    try:
        cli.connect((SIP, CLOSED_PORT))
        err = 0
    except OSError as e:
        err = e.errno
    say("  connect() -> %s" % (errno.errorcode.get(err, err) if err
                               else "connected?!"))
    cli.close()
    c1, s1 = counters(CLIENT), counters(SERVER)

    step("B. an established connection; the client sends \"abc\", then "
         "sets SO_LINGER {on, 0 s} and closes: an abort")
    srv = listener(PORT)
    cli = client(CPORT_B)
    conn = accept_from(srv, cli, PORT)
    cli.sendall(b"abc")
    wait_acked(cli)
    conn.recv(3)
    si = info(conn)
    cli.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                   struct.pack("ii", 1, 0))
    cli.close()
    try:
        data = conn.recv(100)
        rerr = 0
        say("  server recv() -> %r" % data)
    except OSError as e:
        rerr = e.errno
        say("  server recv() -> %s" % errno.errorcode.get(rerr, rerr))
    show_proc(CLIENT)
    show_proc(SERVER)
    s2 = counters(SERVER)
    ev = trace_stop()

    step("the ladders: A, then B")
    ladder(ep(CIP, CPORT_A), ep(SIP, CLOSED_PORT))
    say()
    ladder(ep(CIP, CPORT_B), ep(SIP, PORT))

    step("checks, A: a SYN to a closed port")
    a_c, a_s = ep(CIP, CPORT_A), ep(SIP, CLOSED_PORT)
    syn = next((e for e in segs(ev, a_c, a_s) if e["flags"] == "S"), None)
    rst = next((e for e in segs(ev, a_s, a_c) if "R" in e["flags"]), None)
    check(err == errno.ECONNREFUSED, "connect() failed with ECONNREFUSED")
    check(syn and rst and rst["flags"] == "R." and rst["seq"] == 0 and
          rst["ack"] == (syn["seq"] + 1) % 2**32,
          "the server's kernel answered RST,ACK seq=0 ack=SYN's seq+1 "
          "(RFC 9293 3.10.7.1)", rst and "flags=%s seq=%u ack=%u" % (
              rst["flags"], rst["seq"], rst["ack"]) or "no RST")
    check(states(ev, a_c)[-1:] == [("SYN-SENT", "CLOSED")],
          "the client went SYN-SENT -> CLOSED", str(states(ev, a_c)))
    d = (delta(s0, s1, "DropNoSocket", "OutRsts"),
         delta(c0, c1, "InRsts", "AttemptFails"))
    check(d == ({"DropNoSocket": 1, "OutRsts": 1},
                {"InRsts": 1, "AttemptFails": 1}),
          "counters: server DropNoSocket+1 OutRsts+1, client InRsts+1 "
          "AttemptFails+1", str(d))

    step("checks, B: SO_LINGER {1, 0} then close()")
    b_c, b_s = ep(CIP, CPORT_B), ep(SIP, PORT)
    b_out = segs(ev, b_c, b_s)
    rst = next((e for e in b_out if "R" in e["flags"]), None)
    check(rst and rst["flags"] == "R." and rst["seq"] == si["rcv_nxt"],
          "the client sent RST (no FIN) with seq = the server's RCV.NXT",
          rst and "flags=%s seq=%u, server rcv_nxt=%u" % (
              rst["flags"], rst["seq"], si["rcv_nxt"]) or "no RST")
    check(not [e for e in b_out if "F" in e["flags"]], "no FIN was sent")
    check(rerr == errno.ECONNRESET, "the server's recv() failed with "
          "ECONNRESET")
    check(states(ev, b_c)[-1:] == [("ESTABLISHED", "CLOSED")],
          "the client went ESTABLISHED -> CLOSED at once: no FIN-WAIT, "
          "no TIME-WAIT", str(states(ev, b_c)))
    check(not [r for r in proc_rows(CLIENT)], "nothing left in the "
          "client's /proc/edu_tcp")
    conn_states = [t for t in states(ev, b_s) if t[0] != "CLOSED"]
    check(conn_states[-1:] == [("ESTABLISHED", "CLOSED")],
          "the server's connection went ESTABLISHED -> CLOSED",
          str(conn_states))
    d = delta(s1, s2, "InRsts", "EstabResets")
    check(d == {"InRsts": 1, "EstabResets": 1},
          "counters: server InRsts+1 EstabResets+1", str(d))
    conn.close()
    srv.close()


run(main)
EOF_PY
