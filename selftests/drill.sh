#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# drill: one TCP behaviour per script.  tools/edu_drill runs every
# selftests/drill/*.pkt (packetdrill's line format: segments in, segments
# expected out, system calls) against the loaded edu_tcp, each script in a
# fresh pair of namespaces that the tool makes itself; they are anonymous
# (held by the tool's file descriptors), so they end with it, even if it is
# killed:
#
#   +---- netns dut (anonymous) --------+          +---- netns wire (anonymous) ---+
#   | edu_tcp sockets: the script's     |          | no IPv4 address, forwarding  |
#   | socket/bind/listen/accept/...     |          | off: its kernel drops what   |
#   |   dut0 192.0.2.1/24 ==============|== veth ==|== wire0                      |
#   |   neigh 192.0.2.2 -> wire0's MAC  |          | edu_drill, AF_PACKET on      |
#   |   (static: no ARP)                |          | wire0: injects the remote    |
#   +-----------------------------------+          | peer "192.0.2.2", sniffs the |
#                                                  | DUT's segments               |
#                                                  +------------------------------+
#
# Each script's first comment says what it shows and which RFC section.
# Output is edu_drill's TAP; a script marked "known-bug:" that fails is
# reported "not ok ... # TODO known module bug: ...".
#
# Runs as root with edu_tcp loaded and veth available (make check's guest).
# Environment: EDU_DRILL_TIMEOUT (s for all scripts, default 270),
# EDU_DRILL_JOBS (scripts at once, default 2: most of a script's time is
# spent waiting for the DUT's timers; one that sets module parameters
# runs alone), EDU_DRILL_ARGS (e.g. "-v" or "--tolerance 0.5").  Arguments: scripts or
# directories to run instead of selftests/drill.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

skip_all() {
	echo "TAP version 13"
	echo "1..0 # SKIP $1"
	exit 4
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -d /sys/module/edu_tcp ] || skip_all "edu_tcp is not loaded"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# A timing failure gets one more try: guests share loaded hosts.
# Word splitting of EDU_DRILL_ARGS is the point: it holds options.
# shellcheck disable=SC2086
timeout -k 5 "${EDU_DRILL_TIMEOUT:-270}" "$PY" -S tools/edu_drill --retries 1 --jobs "${EDU_DRILL_JOBS:-2}" \
	${EDU_DRILL_ARGS:-} "${@:-selftests/drill}"
rc=$?
[ "$rc" = 124 ] && echo "# drill: timed out after ${EDU_DRILL_TIMEOUT:-270} s"
exit "$rc"
