#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab stale_syn: why three steps, not two: an old duplicate SYN (point 3)
# Documentation/labs/stale_syn.rst explains what this shows.
#
#   scripts/lab stale_syn                 in a throwaway guest (host side)
#   sudo scripts/labs/stale_syn.sh        on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup stale_syn
lab_run <<'EOF_PY'
import random
from edulab import *

PORT, CPORT = 5000, 40002
C, S = ep(CIP, CPORT), ep(SIP, PORT)


def main():
    begin("why three steps: an old duplicate SYN must not open a connection",
          "point 3")
    trace_start()
    with netns(SERVER):
        srv = edu_socket()
        srv.bind((SIP, PORT))
        srv.listen(8)
        srv.setblocking(False)
    c0, s0 = counters(CLIENT), counters(SERVER)
    # The client's packets wait 500 ms in a netem queue: the RST that ends
    # the story arrives late enough for us to look at the server meanwhile.
    slow = delay(CLIENT, "veth-c", 500)

    old = random.getrandbits(32)
    step("1. an old SYN arrives at the server: seq=%u, from %s, a port on "
         "which the client has NO connection (made by hand, raw socket)"
         % (old, C))
    with netns(CLIENT):
        wire = Wire(CIP)
    mss = struct.pack("!BBH", 2, 4, 1460)
    wire.send(SIP, segment(CIP, SIP, CPORT, PORT, old, 0, SYN, opts=mss))
    wire.close()

    if slow:
        step("2. the server cannot tell it is old: it makes a request in "
             "SYN-RCVD and answers SYN,ACK ack=%u" % ((old + 1) % 2**32))
        row = wait_row(SERVER, "SYN-RCVD", 5)
        show_proc(SERVER)
        check(row and row["remote_address"] == C,
              "the server holds a half-open request (SYN-RCVD), not a "
              "connection")
        try:
            srv.accept()
            accepted = True
        except BlockingIOError:
            accepted = False
        say("  accept() -> %s" % ("a connection!" if accepted else
                                   "EAGAIN: nothing to accept"))
        check(not accepted, "accept() has nothing to give the application: "
              "no resources handed out yet")

        step("3. the client has no such connection: it answers the SYN,ACK "
             "with RST; the server drops the request")
        gone = wait_row(SERVER, "SYN-RCVD", 5, gone=True)
        show_proc(SERVER)
        check(gone, "the half-open request is gone from the server's "
              "/proc/edu_tcp")
        undelay(CLIENT, "veth-c")
    else:
        say("  (no netem here: steps 2 and 3 happen too fast to watch; "
            "the trace below has them)")
        time.sleep(1)
    c1, s1 = counters(CLIENT), counters(SERVER)

    step("4. the genuine client now connects from the same port: a fresh "
         "handshake, nothing left over from the old SYN gets in the way")
    with netns(CLIENT):
        cli = edu_socket()
        cli.bind((CIP, CPORT))
        cli.settimeout(10)
        cli.connect((SIP, PORT))
    srv.settimeout(10)
    conn, _ = srv.accept()
    ci = info(cli)
    say("  connected; the client's ISN is %u, the old SYN had seq=%u"
        % (ci["iss"], old))
    ev = trace_stop()

    step("the ladder (tools/edu_ladder --all %s)" % trace_path())
    ladder(C, S, "--all")

    step("the counters that moved (/proc/net/edu_tcp_stat)")
    cd = delta(c0, c1, "DropNoSocket", "OutRsts")
    sd = delta(s0, s1, "PassiveOpens", "InRsts")
    say("  client: %s" % cd)
    say("  server: %s" % sd)

    step("checks")
    ack_of_old = (old + 1) % 2**32
    sa = [e for e in segs(ev, S, C) if e["flags"] == "S." and
          e["ack"] == ack_of_old]
    check(sa, "the server answered the old SYN with SYN,ACK ack=old+1")
    nosock = [e for e in segs(ev, S, C, "seg_in") if e["flags"] == "S." and
              e["state"] == "NONE"]
    check(nosock, "the SYN,ACK reached the client, where no socket has that "
          "address pair (state NONE in the trace)")
    rst = [e for e in segs(ev, C, S) if "R" in e["flags"]]
    check(rst and rst[0]["flags"] == "R" and rst[0]["seq"] == ack_of_old,
          "the client answered RST with seq = the SYN,ACK's ack "
          "(RFC 9293 3.10.7.1)", rst and "flags=%s seq=%u" % (
              rst[0]["flags"], rst[0]["seq"]) or "no RST")
    ss = states(ev, S)          # the listener's, then each request's
    first_child = ss[1:3]
    check(first_child == [("LISTEN", "SYN-RCVD"), ("SYN-RCVD", "CLOSED")],
          "the old SYN's request went SYN-RCVD -> CLOSED, never ESTABLISHED",
          str(first_child))
    check(cd == {"DropNoSocket": 1, "OutRsts": 1} and
          sd == {"PassiveOpens": 1, "InRsts": 1},
          "counters: client DropNoSocket+1 OutRsts+1, server "
          "PassiveOpens+1 InRsts+1")
    check(ci["iss"] != old and ss[-1] == ("SYN-RCVD", "ESTABLISHED"),
          "the genuine connection (its own ISN) completed afterwards")
    conn.close()
    cli.close()


run(main)
EOF_PY
