#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# small_window: a receiver whose window stays below one MSS must still get
# all of a bulk transfer (review K1: the sender waited for a window of one
# MSS, with no timer running, and the connection hung for good).
#
#   +------------- netns A -------------+        +------- netns B -------+
#   | lo 127.0.0.1: bulk.py serve/send  |        |                       |
#   |   MSS 65495, SO_RCVBUF 32768:     |        |                       |
#   |   window <= 32 KiB                |        |                       |
#   | bulk.py send (client)             |        | bulk.py serve         |
#   |   veth_a 10.200.1.1/24 ===========|= veth =|== veth_b 10.200.1.2   |
#   |                                   |        |   MSS 1460, SO_RCVBUF |
#   |                                   |        |   1024: window ~1 KiB |
#   +-----------------------------------+        +-----------------------+
#
# Each case writes EDU_SMALLWIN_BYTES (default 1M; on the veth
# EDU_SMALLWIN_VETH_BYTES, default 1M too) of random data and
# compares the SHA-256 both ends computed; each peer runs under timeout
# (EDU_SMALLWIN_TIMEOUT, default 60 s; 1 MB takes 3-15 s in a TCG guest).  The same transfer over the
# kernel's TCP runs beside each edu_tcp one, as the reference, and both
# times are printed.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BYTES=$(numfmt --from=iec "${EDU_SMALLWIN_BYTES:-1M}")
VETH_BYTES=$(numfmt --from=iec "${EDU_SMALLWIN_VETH_BYTES:-1M}")
TO=${EDU_SMALLWIN_TIMEOUT:-60}
NTESTS=4

require_env $NTESTS
tap_plan $NTESTS

# bulk SRV_NS CLI_NS ADDR PROTO RCVBUF: one transfer, CLI_NS to SRV_NS.
bulk() {
	local sns=$1 cns=$2 addr=$3 proto=$4 rcvbuf=$5 port spid crc t0 sent recv
	t0=$(now_ms)
	: >"$T/srv.out"
	nsx "$sns" timeout -k 5 "$TO" "$PYTHON" -S "$LIB_DIR/bulk.py" serve \
		"$addr" "$proto" "$rcvbuf" >"$T/srv.out" 2>"$T/srv.err" &
	spid=$!
	wait_line "$T/srv.out" listening 200 0.05
	port=$(word 1 "$LINE")
	[ -n "$port" ] || { fail "server did not listen"; cat "$T/srv.err"; kill_tree "$spid"; return 1; }
	nsx "$cns" timeout -k 5 "$TO" "$PYTHON" -S "$LIB_DIR/bulk.py" send \
		"$addr" "$port" "$proto" "$BYTES" >"$T/cli.out" 2>"$T/cli.err"
	crc=$?
	wait "$spid"
	note "protocol $proto to $addr, SO_RCVBUF $rcvbuf: client exit $crc," \
		"server exit $?, $(($(now_ms) - t0)) ms"
	sed 's/^/#   client: /' "$T/cli.out" "$T/cli.err"
	sed 's/^/#   server: /' "$T/srv.out" "$T/srv.err"
	sent=$(awk '/^sent/ { print $2, $3 }' "$T/cli.out")
	recv=$(awk '/^recv/ { print $2, $3 }' "$T/srv.out")
	if [ "$crc" != 0 ] || [ -z "$sent" ]; then
		fail "the transfer did not complete"
		return 1
	fi
	[ "$sent" = "$recv" ] || { fail "digests differ: sent $sent, received $recv"; return 1; }
}

t_lo_edu() { bulk "$NS_A" "$NS_A" 127.0.0.1 "$EDU_PROTO" 32768; }
t_lo_tcp() { bulk "$NS_A" "$NS_A" 127.0.0.1 6 32768; }
t_veth_edu() { BYTES=$VETH_BYTES bulk "$NS_B" "$NS_A" "$IP_B" "$EDU_PROTO" 1024; }
t_veth_tcp() { BYTES=$VETH_BYTES bulk "$NS_B" "$NS_A" "$IP_B" 6 1024; }

run_test lo_rcvbuf_32k_edu t_lo_edu
run_test lo_rcvbuf_32k_kernel_tcp t_lo_tcp
run_test veth_rcvbuf_1k_edu t_veth_edu
run_test veth_rcvbuf_1k_kernel_tcp t_veth_tcp
tap_exit
