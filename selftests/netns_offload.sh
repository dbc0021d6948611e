#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# netns_offload: segmentation offload (GSO) and checksum offload.  With the
# offload parameter on and a device that sums any protocol (veth), edu_tcp
# hands down super-segments of up to 64 KiB that veth carries whole; a
# device that cannot checksum (ethtool -K tx off) gets them cut into MSS
# segments by the module's gso_segment callback, as does netem when it
# corrupts one.  Every transfer is checked byte for byte by edu_xfer.
#
#   +------- netns A -------+                          +------- netns B -------+
#   | veth_a 10.200.1.1/24 =|====== direct veth =======|= veth_b 10.200.1.2/24 |
#   |  (offload on; netem:  |                          |  (offload on; netem:  |
#   |   loss+reorder, corr.)|                          |   corruption)         |
#   |                       |     +-- netns R --+      |                       |
#   | veth_ar 10.200.2.1/24=|=====|= veth_ra    |      |                       |
#   |  (offload on)         |     |  .2.2       |      |                       |
#   |  10.200.3.0/24 via R  |     |  forwarding |      | 10.200.2.0/24 via R   |
#   |                       |     |  veth_rb ===|======|= veth_br 10.200.3.2/24|
#   |                       |     |  .3.1 tx off|      |  (tx off)             |
#   +-----------------------+     +-------------+      +-----------------------+
#
# Cases: A<->B direct with offload (OutGsoSkbs moves on both sides, nothing
# is cut); A->R->B where R's egress toward B must cut A's super-segments
# (GsoSegmented in R) while B, whose device has no checksum offload, sends
# plain segments; loss and reordering, where a loss takes a whole
# super-segment; netem corruption, which makes netem cut super-segments
# through our callback; and the offload parameter off (no super-segments).
#
# With EDU_PROTO=6 (kernel TCP) the transfers run the same and the edu_tcp
# counter checks are skipped; the parameter case SKIPs.
#
# Knobs: EDU_OFFLOAD_BYTES (default 4M each way), EDU_OFFLOAD_TIMEOUT
# (default 60 s per peer), EDU_OFFLOAD_LOSS (percent, default 2),
# EDU_OFFLOAD_CORRUPT (percent, default 5; see t_corrupt).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BYTES=${EDU_OFFLOAD_BYTES:-4M}
TO=${EDU_OFFLOAD_TIMEOUT:-60}
LOSS=${EDU_OFFLOAD_LOSS:-2}
CORRUPT=${EDU_OFFLOAD_CORRUPT:-5}
NTESTS=5

NS_R=edu_r_$$
EXTRA_NS=("$NS_R")
DEV_AR=veth_ar
DEV_RA=veth_ra
DEV_RB=veth_rb
DEV_BR=veth_br
IP_AR=10.200.2.1
IP_RA=10.200.2.2
IP_RB=10.200.3.1
IP_BR=10.200.3.2

# veth_link NS1 DEV1 IP1 NS2 DEV2 IP2: a /24 veth link, up, with static
# neighbours (netem loss must not cost an ARP exchange), default features.
# Its MACs are fixed (02:ed:00:00:LINK:01 and :02), so that the neighbours
# need no lookup, and each end is set up by one ip(8) process.
VETH_LINKS=0
veth_link() {
	local n m1 m2
	VETH_LINKS=$((VETH_LINKS + 1))
	n=$(printf '%02x' $((VETH_LINKS + 16)))
	m1=02:ed:00:00:$n:01 m2=02:ed:00:00:$n:02
	ip link add "$2" netns "$1" address "$m1" type veth \
		peer name "$5" netns "$4" address "$m2" || return 1
	ip_batch "$1" <<EOF || return 1
addr add $3/24 dev $2
link set $2 up
neigh replace $6 lladdr $m2 dev $2 nud permanent
EOF
	ip_batch "$4" <<EOF
addr add $6/24 dev $5
link set $5 up
neigh replace $3 lladdr $m1 dev $5 nud permanent
EOF
}

# The topology above (for require_env, instead of setup_pair).
setup_offload() {
	local ns
	command -v ethtool >/dev/null || { note "needs ethtool"; return 1; }
	for ns in "$NS_A" "$NS_R" "$NS_B"; do
		ip netns add "$ns" || return 1
		nsx "$ns" ip link set lo up || return 1
	done
	veth_link "$NS_A" "$DEV_A" "$IP_A" "$NS_B" "$DEV_B" "$IP_B" || return 1
	veth_link "$NS_A" "$DEV_AR" "$IP_AR" "$NS_R" "$DEV_RA" "$IP_RA" || return 1
	veth_link "$NS_R" "$DEV_RB" "$IP_RB" "$NS_B" "$DEV_BR" "$IP_BR" || return 1
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1 || return 1
	nsx "$NS_A" ip route add "${IP_BR%.*}.0/24" via "$IP_RA" || return 1
	nsx "$NS_B" ip route add "${IP_AR%.*}.0/24" via "$IP_RB" || return 1
	# R -> B: no checksum offload, so no super-segment may leave R whole
	# (and B's own connections over this link get no offload either).
	if ! nsx "$NS_R" ethtool -K "$DEV_RB" tx off >/dev/null 2>&1 ||
		! nsx "$NS_B" ethtool -K "$DEV_BR" tx off >/dev/null 2>&1; then
		note "ethtool -K tx off failed"
		return 1
	fi
}

require_env $NTESTS setup_offload

need_xfer $NTESTS
tap_plan $NTESTS

ns_of() { # A|R|B
	case $1 in
	A) echo "$NS_A" ;;
	R) echo "$NS_R" ;;
	B) echo "$NS_B" ;;
	esac
}

# ---- counters -----------------------------------------------------------

declare -A C0
COUNTERS="OutGsoSkbs GsoSegmented RetransSegs DropBadCsum OutSegs"

# Remember every counter of every namespace before a transfer.
snapshot() {
	local w n
	C0=()
	for w in A R B; do
		for n in $COUNTERS; do
			C0[$w:$n]=$(counter "$(ns_of "$w")" "$n")
		done
	done
}

# delta A|R|B NAME: how much a counter moved since snapshot(), empty when
# there is no such counter (kernel TCP).
delta() {
	local now before=${C0[$1:$2]}
	now=$(counter "$(ns_of "$1")" "$2")
	[ -n "$now" ] && [ -n "$before" ] && echo "$((now - before))"
}

# want A|R|B NAME OP VALUE: expect_delta on a snapshot() value, its notes
# labelled with the namespace.  Fails only when the check fails; a counter
# kernel TCP does not have passes (with a note).
want() {
	local out rc
	out=$(expect_delta "$(ns_of "$1")" "$2" "${C0[$1:$2]}" "$3" "$4")
	rc=$?
	printf '%s\n' "$out" | sed "s/^# /# $1: /"
	[ "$rc" != 1 ]
}

# Notes on the counters that explain a run without deciding it.
note_deltas() { # NAME...
	local w n line
	for n in "$@"; do
		line=
		for w in A R B; do
			line+=" $w=$(delta "$w" "$n" || echo -)"
		done
		note "$n deltas:$line"
	done
}

# What decides whether super-segments are built: the parameter and the
# devices' features.  Shown when a case fails.
offload_diag() {
	local w dev
	if is_edu; then
		note "offload parameter: $(cat "$PARAM_DIR/offload" 2>&1)"
	fi
	for w in A:$DEV_A A:$DEV_AR R:$DEV_RA R:$DEV_RB B:$DEV_B B:$DEV_BR; do
		dev=${w#*:}
		note "${w%%:*} $dev: $(nsx "$(ns_of "${w%%:*}")" ethtool -k "$dev" 2>&1 |
			awk '/^(tx-checksumming|scatter-gather|tcp-segmentation-offload|generic-segmentation-offload|tx-sctp-segmentation):/ {
				printf "%s %s  ", $1, $2 }')"
	done
	for w in A R B; do
		note "netns $w qdiscs:"
		nsx "$(ns_of "$w")" tc -s qdisc show 2>&1 | sed 's/^/#   /'
	done
}

# ---- transfers ----------------------------------------------------------

# netem's drop counter on a device ("dropped N" of tc -s), for notes.
netem_dropped() { # NS DEV
	nsx "$1" tc -s qdisc show dev "$2" 2>/dev/null |
		awk '/dropped/ { sub(",", "", $7); print $7; exit }'
}

# ---- cases --------------------------------------------------------------

# Both ends hand veth super-segments, which it carries whole: nobody cuts.
t_direct() {
	local ok=0
	snapshot
	xfer "$BYTES" "$BYTES" || return 1
	note_deltas OutSegs
	want A OutGsoSkbs -ge 1 || ok=1
	want B OutGsoSkbs -ge 1 || ok=1
	want A GsoSegmented -eq 0 || ok=1
	want B GsoSegmented -eq 0 || ok=1
	return "$ok"
}

# A's super-segments cross R's tx-off egress, which must cut them: every
# wire segment toward B is MSS-sized and summed in software.  B's device
# has no checksum offload, so B sends plain segments that need nothing.
t_routed() {
	local ok=0
	snapshot
	xfer "$BYTES" "$BYTES" "$IP_BR" || return 1
	note_deltas OutSegs
	want A OutGsoSkbs -ge 1 || ok=1
	want R GsoSegmented -ge 1 || ok=1
	want A GsoSegmented -eq 0 || ok=1
	want B OutGsoSkbs -eq 0 || ok=1
	want B GsoSegmented -eq 0 || ok=1
	return "$ok"
}

# netem without corruption queues a super-segment whole, so a loss takes
# up to 64 KiB at once and reordering moves whole super-segments.
t_loss_reorder() {
	local rc
	impair "$NS_A" "$DEV_A" delay 5ms reorder 25% 50% loss "$LOSS%"
	rc=$?
	if [ "$rc" != 0 ]; then
		[ "$rc" = 2 ] && SKIP_REASON="no sch_netem in this kernel"
		return "$rc"
	fi
	snapshot
	xfer "$BYTES" "$BYTES" || return 1
	note "netem on A dropped $(netem_dropped "$NS_A" "$DEV_A") packets"
	note_deltas OutGsoSkbs GsoSegmented RetransSegs
	want A OutGsoSkbs -ge 1 || return 1
	return 0
}

# netem corrupts a super-segment by first cutting it with skb_gso_segment
# (our callback, counted in the sender's namespace) and flipping a bit in
# the first piece; the receiver's checksum must catch what lands in the
# segment.  netem decides once per skb and corrupts only the first piece,
# so at 1% a 4 MiB transfer (about 64 super-segments each way) often has
# no corruption at all: the default is 5%, and the GsoSegmented check is
# made only when the expected number of corrupted super-segments is >= 5.
t_corrupt() {
	local rc gso cut w n
	impair "$NS_A" "$DEV_A" corrupt "$CORRUPT%" && impair "$NS_B" "$DEV_B" corrupt "$CORRUPT%"
	rc=$?
	if [ "$rc" != 0 ]; then
		[ "$rc" = 2 ] && SKIP_REASON="no sch_netem in this kernel"
		return "$rc"
	fi
	snapshot
	xfer "$BYTES" "$BYTES" || return 1
	note_deltas OutGsoSkbs GsoSegmented DropBadCsum RetransSegs
	is_edu || return 0
	# netem's cut happens in the sender's namespace, never in R.
	want R GsoSegmented -eq 0 || return 1
	for w in A B; do
		for n in OutGsoSkbs GsoSegmented; do
			[ -n "$(delta "$w" "$n")" ] ||
				{ fail "counter $n missing in netns $w"; return 1; }
		done
	done
	gso=$(($(delta A OutGsoSkbs) + $(delta B OutGsoSkbs)))
	cut=$(($(delta A GsoSegmented) + $(delta B GsoSegmented)))
	[ "$gso" -ge 1 ] || { fail "no super-segment was sent"; return 1; }
	if [ $((gso * CORRUPT)) -lt 500 ]; then
		note "$gso super-segments at $CORRUPT%: too few to expect a cut; $cut cut"
		return 0
	fi
	[ "$cut" -ge 1 ] || {
		fail "$gso super-segments at $CORRUPT% corruption, none cut by netem"
		return 1
	}
	[ "$cut" -le "$gso" ] || {
		fail "$cut super-segments cut, more than the $gso sent"
		return 1
	}
	note "$cut of $gso super-segments cut by netem"
	return 0
}

# offload=0: every segment summed in software and MSS-sized, even on a
# device that could take super-segments.
t_param_off() {
	local ok=0
	if ! is_edu; then
		SKIP_REASON="kernel TCP has no offload parameter"
		return 2
	fi
	param_set offload 0 || { fail "cannot set the offload parameter"; return 1; }
	snapshot
	xfer "$BYTES" "$BYTES" || return 1
	note_deltas OutSegs
	want A OutGsoSkbs -eq 0 || ok=1
	want B OutGsoSkbs -eq 0 || ok=1
	want A GsoSegmented -eq 0 || ok=1
	want B GsoSegmented -eq 0 || ok=1
	return "$ok"
}

# run_test's dump_diag shows the connections and counters; add the
# offload state to it.
with_diag() {
	local rc
	"$@"
	rc=$?
	[ "$rc" = 1 ] && offload_diag
	return "$rc"
}

c_direct() { with_diag t_direct; }
c_routed() { with_diag t_routed; }
c_loss_reorder() { with_diag t_loss_reorder; }
c_corrupt() { with_diag t_corrupt; }
c_param_off() { with_diag t_param_off; }

run_test direct_gso_both_ways c_direct
run_test routed_cut_by_router c_routed
run_test netem_loss_reorder c_loss_reorder
run_test netem_corrupt_cuts c_corrupt
run_test param_offload_off c_param_off
tap_exit
