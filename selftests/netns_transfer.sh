#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# netns_transfer: bulk data across a veth link, clean and impaired, checked
# byte for byte by edu_xfer (every received byte against the sender's
# pattern, plus SHA-256 of both directions compared between the two ends).
#
#   +---------- netns A ----------+            +---------- netns B ----------+
#   | edu_xfer (client)           |            | edu_xfer -l (server)        |
#   |   sends N_A, expects N_B    |            |   sends N_B, expects N_A    |
#   |   veth_a 10.200.1.1/24 =====|== veth ====|===== veth_b 10.200.1.2/24   |
#   |   egress qdisc: netem/tbf   |            |   egress qdisc: netem/tbf   |
#   +-----------------------------+            +-----------------------------+
#
# Impairments: delay, loss 1/5/10%, duplication, reordering, corruption,
# rate limit.  Checksums are computed in software (ethtool -K tx off) so that
# corruption is caught by the receiver's checksum, not hidden by offload.
#
# Knobs: EDU_XFER_BYTES (default 2M, clean and mild cases),
# EDU_XFER_LOSS_BYTES (default 1M, heavy cases), EDU_XFER_TIMEOUT (default
# 60 s per peer).  Without sch_netem (a development host) the loss cases
# fall back to an nftables drop rule and the other netem cases SKIP.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BYTES=${EDU_XFER_BYTES:-2M}
LOSS_BYTES=${EDU_XFER_LOSS_BYTES:-1M}
TO=${EDU_XFER_TIMEOUT:-60}
NTESTS=11

require_env $NTESTS

need_xfer $NTESTS
tap_plan $NTESTS

# netem on both veths, or SKIP when this kernel has none.
both_netem() {
	local rc
	impair "$NS_A" "$DEV_A" "$@" && impair "$NS_B" "$DEV_B" "$@"
	rc=$?
	[ $rc = 2 ] && SKIP_REASON="no sch_netem in this kernel"
	return $rc
}

t_a_to_b() { xfer "$BYTES" 0; }
t_b_to_a() { xfer 0 "$BYTES"; }
t_both() { xfer "$BYTES" "$BYTES"; }

t_delay() {
	both_netem delay 10ms || return $?
	xfer "$BYTES" "$BYTES"
}

# Loss on A's egress hits A's data and A's ACKs for B's data; both must
# be recovered by retransmission, which the counter then shows.
loss_case() {
	local pct=$1 rt rc
	lose A "$pct"
	rc=$?
	if [ $rc != 0 ]; then
		SKIP_REASON="neither netem nor nftables to drop segments"
		return $rc
	fi
	rt=$(counter "$NS_A" RetransSegs)
	xfer "$LOSS_BYTES" "$LOSS_BYTES" || return 1
	expect_delta "$NS_A" RetransSegs "$rt" -ge 1; [ $? = 1 ] && return 1
	return 0
}

t_loss1() { loss_case 1; }
t_loss5() { loss_case 5; }
t_loss10() { loss_case 10; }

t_duplicate() {
	both_netem duplicate 5% || return $?
	xfer "$BYTES" "$BYTES"
}

t_reorder() {
	# netem reorders by sending some packets at once and delaying the rest.
	both_netem delay 5ms reorder 25% 50% || return $?
	xfer "$BYTES" "$BYTES"
}

t_corrupt() {
	local bc rc
	both_netem corrupt 2% || return $?
	bc=$(counter "$NS_B" DropBadCsum)
	xfer "$LOSS_BYTES" "$LOSS_BYTES" || return 1
	# Most flipped bits land in the segment, which only our checksum sees.
	expect_delta "$NS_B" DropBadCsum "$bc" -ge 1
	rc=$?
	[ $rc = 1 ] && return 1
	return 0
}

t_rate() {
	impair_rate "$NS_A" "$DEV_A" 20mbit && impair_rate "$NS_B" "$DEV_B" 20mbit ||
		{ fail "tbf"; return 1; }
	xfer "$LOSS_BYTES" "$LOSS_BYTES"
}

run_test a_to_b t_a_to_b
run_test b_to_a t_b_to_a
run_test both_ways t_both
run_test netem_delay_10ms t_delay
run_test loss_1pct t_loss1
run_test loss_5pct t_loss5
run_test loss_10pct t_loss10
run_test netem_duplicate_5pct t_duplicate
run_test netem_reorder t_reorder
run_test netem_corrupt_2pct t_corrupt
run_test rate_limit_20mbit t_rate
tap_exit
