#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab close: the four-way close, data in CLOSE-WAIT, TIME-WAIT (point 7)
# Documentation/labs/close.rst explains what this shows.
#
#   scripts/lab close                     in a throwaway guest (host side)
#   sudo scripts/labs/close.sh            on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup close
lab_run <<'EOF_PY'
import socket
from edulab import *

PORT, CPORT = 5000, 40004
C, S = ep(CIP, CPORT), ep(SIP, PORT)
MSL_MS = 1000               # TIME-WAIT lasts 2*MSL = 2 s in this lab


def main():
    begin("the four-way close", "point 7")
    param("msl_ms", MSL_MS)
    trace_start()
    srv = listener(PORT)
    cli = client(CPORT)
    conn = accept_from(srv, cli, PORT)
    c0 = counters(CLIENT)

    step("1. the client: shutdown(SHUT_WR) sends FIN seq=u; the server "
         "ACKs ack=u+1 and its recv() returns EOF")
    cli.shutdown(socket.SHUT_WR)
    eof = conn.recv(100)
    say("  server recv() -> %r" % eof)
    wait_row(CLIENT, "FIN-WAIT-2", 5)
    # Nothing happens for a moment: whatever the server sends now is its
    # answer to the FIN alone (a delayed-ACK timer would fire within 40 ms).
    time.sleep(0.2)
    show_proc(CLIENT)
    show_proc(SERVER)

    step("2. half closed: the server, in CLOSE-WAIT, still sends "
         "\"bye\" (seq=v); the client, in FIN-WAIT-2, still receives")
    conn.sendall(b"bye")
    got = cli.recv(100)
    say("  client recv() -> %r" % got)

    step("3. the server closes: FIN seq=w (LAST-ACK); the client ACKs "
         "ack=w+1 and waits in TIME-WAIT for 2*MSL = %d ms" % (2 * MSL_MS))
    conn.close()
    eof2 = cli.recv(100)
    say("  client recv() -> %r" % eof2)
    cli.close()
    tw = wait_row(CLIENT, "TIME-WAIT", 5)
    show_proc(CLIENT)
    show_proc(SERVER)
    s_left = [r["state"] for r in proc_rows(SERVER)]

    step("4. %d ms later the TIME-WAIT remainder expires" % (2 * MSL_MS))
    gone = wait_row(CLIENT, "TIME-WAIT", 2 * MSL_MS / 1000 + 5, gone=True)
    show_proc(CLIENT)
    c1 = counters(CLIENT)
    ev = trace_stop()

    step("the ladder")
    ladder(C, S)

    step("checks")
    c_out, s_out = segs(ev, C, S), segs(ev, S, C)
    x, y = c_out[0]["seq"], s_out[0]["seq"]
    fin = next((e for e in c_out if "F" in e["flags"]), None)
    sfin = next((e for e in s_out if "F" in e["flags"]), None)
    if not check(fin and sfin, "both FINs were traced"):
        return
    u, w = fin["seq"], sfin["seq"]
    ack_u = [e for e in s_out if e["ack"] == (u + 1) % 2**32 and e.ts > fin.ts]
    check(ack_u and ack_u[0]["flags"] == ".",
          "the server's ACK of the client's FIN: ack = u+1 (relative %u)" %
          ((u + 1 - x) % 2**32))
    data = [e for e in s_out if e["len"] and e["state"] == "CLOSE-WAIT"]
    answer = [e for e in ack_u if not data or e.ts < data[0].ts]
    check(len(answer) == 1, "the FIN was acknowledged once: one ACK, no "
          "duplicate, before the server's data",
          "%d segments: %s" % (len(answer), ", ".join(
              "%s ack=%u" % (e["flags"], (e["ack"] - x) % 2**32)
              for e in answer)))
    check(data and got == b"bye", "the server sent data in CLOSE-WAIT and "
          "the client (FIN-WAIT-2) received it",
          data and "seq=v=%u len=%u" % ((data[0]["seq"] - y) % 2**32,
                                         data[0]["len"]) or "none")
    check(data and w == (data[0]["seq"] + data[0]["len"]) % 2**32,
          "the server's FIN comes after its data: w = v + 3")
    ack_w = [e for e in c_out if e["ack"] == (w + 1) % 2**32]
    check(ack_w, "the client's last ACK: ack = w+1 (relative %u)" %
          ((w + 1 - y) % 2**32))
    cs, ss = [n for _, n in states(ev, C)], [n for _, n in states(ev, S)]
    check(cs[-4:] == ["FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"],
          "client: ESTABLISHED -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> "
          "CLOSED", " ".join(cs))
    check(ss[-3:] == ["CLOSE-WAIT", "LAST-ACK", "CLOSED"],
          "server: ESTABLISHED -> CLOSE-WAIT -> LAST-ACK -> CLOSED",
          " ".join(ss))
    check(tw and tw["timer"] == "timewait",
          "the client's /proc/edu_tcp row: TIME-WAIT, timer timewait")
    check(s_left == ["LISTEN"], "the server (LAST-ACK, then CLOSED) "
          "keeps nothing: only its listener is left", str(s_left))
    t_in = next((e.ts for e in ev if e.name == "state" and
                 e["src"] == C and e["new"] == "TIME-WAIT"), None)
    t_out = next((e.ts for e in ev if e.name == "state" and e["src"] == C
                  and e["old"] == "TIME-WAIT"), None)
    lasted = (t_out - t_in) * 1000 if t_in and t_out else -1
    check(gone and 2 * MSL_MS - 10 <= lasted <= 2 * MSL_MS + 1000,
          "TIME-WAIT lasted 2*MSL, then the row went", "%.0f ms" % lasted)
    d = delta(c0, c1, "TimeWaitCreated", "TimeWaitExpired")
    check(d == {"TimeWaitCreated": 1, "TimeWaitExpired": 1},
          "counters: TimeWaitCreated+1, TimeWaitExpired+1", str(d))


run(main)
EOF_PY
