#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab isn: initial sequence numbers are unpredictable and agreed (point 5)
# Documentation/labs/isn.rst explains what this shows.
#
#   scripts/lab isn                       in a throwaway guest (host side)
#   sudo scripts/labs/isn.sh              on a machine that may load edu_tcp
# shellcheck source=scripts/labs/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lab.sh"
lab_setup isn
lab_run <<'EOF_PY'
from edulab import *

PORT, FIRST, N = 5000, 41000, 5
MSL_MS = 250                # TIME-WAIT lasts 2*MSL = 0.5 s in this lab


def connect(srv, cport):
    with netns(CLIENT):
        cli = edu_socket()
        cli.bind((CIP, cport))
        cli.settimeout(10)
        cli.connect((SIP, PORT))
    conn, _ = srv.accept()
    return cli, conn


def main():
    begin("initial sequence numbers (ISNs)", "point 5")
    param("msl_ms", MSL_MS)
    trace_start()
    with netns(SERVER):
        srv = edu_socket()
        srv.bind((SIP, PORT))
        srv.listen(16)
        srv.settimeout(10)

    step("1. %d connections, client ports %d..%d, one after the other; "
         "EDU_TCP_INFO of both ends" % (N, FIRST, FIRST + N - 1))
    pairs = [connect(srv, FIRST + i) for i in range(N)]
    rows = [(info(c), info(s)) for c, s in pairs]
    say("  %-18s %12s %12s   %12s %12s" % ("client port", "client iss",
                                            "server irs", "server iss",
                                            "client irs"))
    for i, (ci, si) in enumerate(rows):
        say("  %-18d %12u %12u   %12u %12u" % (FIRST + i, ci["iss"],
                                                si["irs"], si["iss"],
                                                ci["irs"]))
    c_isn = [ci["iss"] for ci, _ in rows]
    s_isn = [si["iss"] for _, si in rows]
    diffs = [(b - a) % 2**32 for a, b in zip(c_isn, c_isn[1:])]
    say("  differences between successive client ISNs (mod 2^32): %s" %
        diffs)

    step("2. the same address pair twice: close the connection from port "
         "%d, let its TIME-WAIT (2*MSL = %d ms) pass, connect again from "
         "the same port" % (FIRST, 2 * MSL_MS))
    cli, conn = pairs[0]
    cli.close()
    conn.close()
    gone = wait_row(CLIENT, "TIME-WAIT", 10, gone=True)
    cli2, conn2 = connect(srv, FIRST)
    ci2, si2 = info(cli2), info(conn2)
    ev = trace_stop()
    syns = [e for e in segs(ev, ep(CIP, FIRST), ep(SIP, PORT))
            if e["flags"] == "S"]
    dt = syns[-1].ts - syns[0].ts if len(syns) >= 2 else 0
    grew_c = (ci2["iss"] - c_isn[0]) % 2**32
    grew_s = (si2["iss"] - s_isn[0]) % 2**32
    ticks = dt * 250000     # RFC 9293 3.4.1: the clock ticks every 4 us
    say("  first ISN  %12u (client)   %12u (server)" % (c_isn[0], s_isn[0]))
    say("  second ISN %12u (client)   %12u (server)" % (ci2["iss"],
                                                        si2["iss"]))
    say("  grew by    %12u            %12u" % (grew_c, grew_s))
    say("  %.6f s passed between the two SYNs: %.0f ticks of a 4 us clock"
        % (dt, ticks))

    step("the connection from port %d drawn with tools/edu_ladder "
         "--absolute: the ISNs themselves" % (FIRST + 1))
    ladder(ep(CIP, FIRST + 1), ep(SIP, PORT), "--absolute")

    step("checks")
    check(all(ci["iss"] == si["irs"] and si["iss"] == ci["irs"]
              for ci, si in rows + [(ci2, si2)]),
          "each end knows the other's ISN: client iss == server irs, "
          "server iss == client irs")
    every = c_isn + s_isn
    check(len(set(every)) == len(every),
          "all %d ISNs differ" % len(every))
    counter_like = all(0 < d <= 65536 for d in diffs)
    check(not counter_like, "successive ISNs are not a counter "
          "(not every step small and positive)", str(diffs))
    check(gone, "the first connection's TIME-WAIT ended (msl_ms=%d)" %
          MSL_MS)
    tol = 0.05 * ticks + 5000     # 5 %, and 20 ms for a busy guest
    check(len(syns) >= 2 and abs(grew_c - ticks) <= tol and
          abs(grew_s - ticks) <= tol,
          "same address pair: the ISN moved on by the time elapsed, one per "
          "4 us (RFC 6528: ISN = M + F, F unchanged)",
          "client +%u, server +%u, expected %.0f +- %.0f" %
          (grew_c, grew_s, ticks, tol))
    for c, s in pairs[1:] + [(cli2, conn2)]:
        c.close()
        s.close()


run(main)
EOF_PY
