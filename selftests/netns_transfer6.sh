#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# netns_transfer6: edu_tcp over IPv6 between two namespaces, checked byte
# for byte by edu_xfer -6 (every byte against the sender's pattern, and
# the SHA-256 of both directions compared between the two ends).
#
#   +----------- netns A -----------+          +----------- netns B -----------+
#   | edu_xfer -6 (client)          |          | edu_xfer -6 -l (server)       |
#   |   veth_a fd00:200:1::1/64 ====|== veth ==|==== veth_b fd00:200:1::2/64   |
#   |          10.200.1.1/24        |          |          10.200.1.2/24        |
#   |   egress qdisc: netem         |          |   egress qdisc: netem         |
#   +-------------------------------+          +-------------------------------+
#
# Cases: each way and both ways over IPv6; loss and corruption (netem),
# recovered by retransmission and caught by the IPv6 pseudo-header
# checksum; a dual-stack server (AF_INET6 on ::) serving an IPv4 client;
# /proc/edu_tcp's IPv6 row; and an ICMPv6 unreachable for a SYN ending
# connect() with TCP's errno.  That Wireshark finds every IPv6 checksum
# good (RFC 8200 8.1, next header 6) is wireshark.sh's wireshark_lua_v6,
# in the one tshark run a guest makes (a tshark start takes most of a
# minute there).
#
# Knobs: EDU_XFER_BYTES (default 2M), EDU_XFER_LOSS_BYTES (default 1M),
# EDU_XFER_TIMEOUT (default 60 s per peer).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BYTES=${EDU_XFER_BYTES:-2M}
LOSS_BYTES=${EDU_XFER_LOSS_BYTES:-1M}
TO=${EDU_XFER_TIMEOUT:-60}
IP6_A=fd00:200:1::1
IP6_B=fd00:200:1::2
NTESTS=10

# The IPv4 pair, and IPv6 addresses on it: no duplicate address detection
# (the address is usable at once), static neighbours as for IPv4.
setup_pair6() {
	setup_pair || return 1
	ip_batch "$NS_A" <<EOF || return 1
addr add $IP6_A/64 dev $DEV_A nodad
neigh replace $IP6_B lladdr $MAC_B dev $DEV_A nud permanent
EOF
	ip_batch "$NS_B" <<EOF
addr add $IP6_B/64 dev $DEV_B nodad
neigh replace $IP6_A lladdr $MAC_A dev $DEV_B nud permanent
EOF
}

require_env $NTESTS setup_pair6
need_xfer $NTESTS
tap_plan $NTESTS

XFER_FLAGS=(-6)

both_netem() {
	local rc
	impair "$NS_A" "$DEV_A" "$@" && impair "$NS_B" "$DEV_B" "$@"
	rc=$?
	[ $rc = 2 ] && SKIP_REASON="no sch_netem in this kernel"
	return $rc
}

t_a_to_b() { xfer "$BYTES" 0 "$IP6_B"; }
t_b_to_a() { xfer 0 "$BYTES" "$IP6_B"; }
t_both() { xfer "$BYTES" "$BYTES" "$IP6_B"; }

t_loss() {
	local rt
	both_netem loss 5% || return $?
	rt=$(counter "$NS_A" RetransSegs)
	xfer "$LOSS_BYTES" "$LOSS_BYTES" "$IP6_B" || return 1
	expect_delta "$NS_A" RetransSegs "$rt" -ge 1; [ $? = 1 ] && return 1
	return 0
}

t_corrupt() {
	local bc rc
	both_netem corrupt 2% || return $?
	bc=$(counter "$NS_B" DropBadCsum)
	xfer "$LOSS_BYTES" "$LOSS_BYTES" "$IP6_B" || return 1
	expect_delta "$NS_B" DropBadCsum "$bc" -ge 1
	rc=$?
	[ $rc = 1 ] && return 1
	return 0
}

# An AF_INET6 server on :: (IPV6_V6ONLY off by default) and an AF_INET
# client: the IPv4 connection goes through the dual-stack listener.
t_dualstack() {
	local v6only
	v6only=$(nsx "$NS_B" sysctl -n net.ipv6.bindv6only)
	[ "$v6only" = 0 ] || { SKIP_REASON="net.ipv6.bindv6only=1"; return 2; }
	XFER_FLAGS=()
	XFER_SRV_FLAGS=(-6)
	XFER_SRV_ADDR=::
	xfer "$BYTES" "$BYTES" "$IP_B"
	local rc=$?
	XFER_FLAGS=(-6)
	XFER_SRV_FLAGS=()
	unset XFER_SRV_ADDR
	return $rc
}

# The row of a live IPv6 connection, with both endpoints bracketed.
t_proc_row() {
	local pid row rc=0
	is_edu || { SKIP_REASON="EDU_PROTO=6: no /proc/edu_tcp"; return 2; }
	: >"$T/srv.out"
	nsx "$NS_B" timeout -k 5 "$TO" "$XFER" -6 -l -q -t "$TO" -a "$IP6_B" \
		-e 0 7777 >"$T/srv.out" 2>"$T/srv.err" &
	pid=$!
	BG_PIDS+=("$pid")
	wait_line "$T/srv.out" listening 100 0.05
	row=$(nsx "$NS_B" cat /proc/edu_tcp | awk '$2 == "['"$IP6_B"']:7777"')
	note "row: $row"
	case $row in
	*" [::]:0 LISTEN "*) ;;
	*) fail "no IPv6 LISTEN row for [$IP6_B]:7777"; rc=1 ;;
	esac
	kill_tree "$pid"
	wait "$pid" 2>/dev/null
	return $rc
}

# ICMPv6 for a SYN (RFC 4443 3.1, RFC 1122 4.2.3.9): A connects to an
# address only a blackhole route in B knows of, and B answers the SYN as a
# router would, with a destination unreachable (lib/icmp6_reject.py).
# connect() must end at once with the errno TCP gives (code 1,
# administratively prohibited: EACCES; code 4, port unreachable:
# ECONNREFUSED), not after the SYN retries.
IP6_NONE=fd00:200:1::99

# icmp_start NS DEV SRC TARGET KIND VALUE: in NS, answer from SRC a
# segment to TARGET seen on DEV (see lib/icmp6_reject.py); its pid in
# ICMP_PID, its output in $T/icmp.out.
icmp_start() {
	nsx "$1" timeout -k 2 60 "$PYTHON" -S "$LIB_DIR/icmp6_reject.py" "$2" \
		"$3" "$4" "$5" "$6" 50 >"$T/icmp.out" 2>"$T/icmp.err" &
	ICMP_PID=$!
	BG_PIDS+=("$ICMP_PID")
	for _ in $(seq 1 100); do
		grep -q '^ready' "$T/icmp.out" && return 0
		nap 0.05
	done
	fail "icmp6_reject.py: $(cat "$T/icmp.err")"
	return 1
}

icmp_case() {
	local code=$1 want=$2 t0 ms rc pid in0 ab0
	in0=$(counter "$NS_A" IcmpIn)
	ab0=$(counter "$NS_A" IcmpConnAborts)
	nsx "$NS_A" ip -6 neigh replace "$IP6_NONE" lladdr "$MAC_B" dev "$DEV_A" nud permanent &&
		nsx "$NS_B" ip -6 route replace blackhole "$IP6_NONE/128" ||
		{ fail "cannot route $IP6_NONE into a blackhole"; return 1; }
	icmp_start "$NS_B" "$DEV_B" "$IP6_B" "$IP6_NONE" unreach "$code" || return 1
	pid=$ICMP_PID
	t0=$(now_ms)
	nsx "$NS_A" timeout -k 5 "$TO" "$XFER" -6 -q -t 20 "$IP6_NONE" 9 \
		>"$T/cli.out" 2>"$T/cli.err"
	rc=$?
	ms=$(($(now_ms) - t0))
	wait "$pid"
	note "connect: exit $rc after $ms ms: $(cat "$T/cli.err"); B: $(cat "$T/icmp.out")"
	[ "$rc" = 3 ] || { fail "connect did not fail as a socket error"; return 1; }
	# only the ICMP gives this errno: without it connect() would still be
	# repeating its SYN (its last one after ~1 min) when edu_xfer -t 20
	# gives up; the bound leaves room for the debug guest's slow helper
	grep -q "$want" "$T/cli.err" || { fail "not '$want'"; return 1; }
	[ "$ms" -lt 15000 ] || { fail "connect took $ms ms"; return 1; }
	# counted as IPv4's are (kernel TCP has no such counters)
	is_edu || return 0
	expect_delta "$NS_A" IcmpIn "$in0" -ge 1 &&
		expect_delta "$NS_A" IcmpConnAborts "$ab0" -eq 1
}

t_icmp_prohibited() { icmp_case 1 "Permission denied"; }
t_icmp_port() { icmp_case 4 "Connection refused"; }

# The peers are gone, but a FIN may still wait in netem: give the closing
# sockets the time to finish before the qdisc goes (with their packets),
# or an orphan repeats its FIN into a deleted namespace and holds the
# module for minutes.  TIME-WAIT records hold nothing.
settle() {
	local ns rows t0
	is_edu || return 0
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt 10000 ]; do
		rows=$(for ns in "$NS_A" "$NS_B"; do
			nsx "$ns" awk 'NR > 1 && $4 != "TIME-WAIT"' /proc/edu_tcp
		done)
		if [ -z "$rows" ]; then
			note "closed after $(($(now_ms) - t0)) ms"
			return 0
		fi
		nap 0.1
	done
	fail "sockets still closing after 10 s:"
	echo "$rows" | sed 's/^/#   /'
	return 1
}

# RFC 8201: a Packet Too Big for a data segment in flight lowers the path
# MTU, which the route then shows, and the MSS: the transfer goes on in
# smaller segments and arrives intact.  A answers its own first large
# segment, as a router between A and B would; B's ACKs wait 50 ms in
# netem so that the segment is still unacknowledged when the error comes
# (RFC 5927 4.1: an error for data already acknowledged is not believed).
t_pmtu() {
	local out rc
	impair "$NS_B" "$DEV_B" delay 50ms
	rc=$?
	[ $rc = 2 ] && SKIP_REASON="no sch_netem in this kernel"
	[ $rc = 0 ] || return $rc
	icmp_start "$NS_A" "$DEV_A" "$IP6_A" "$IP6_B" toobig 1280 || return 1
	xfer "$LOSS_BYTES" 0 "$IP6_B" || return 1
	settle || return 1
	wait "$ICMP_PID" || { fail "no segment above 1280 bytes to answer"; return 1; }
	out=$(nsx "$NS_A" ip -6 route get "$IP6_B")
	note "B: $(cat "$T/icmp.out"); A: $out"
	case $out in
	*" mtu 1280 "*) ;;
	*) fail "the route to $IP6_B has not learnt MTU 1280"; return 1 ;;
	esac
}

run_test v6_a_to_b t_a_to_b
run_test v6_b_to_a t_b_to_a
run_test v6_both_ways t_both
run_test v6_loss_5pct t_loss
run_test v6_corrupt_2pct t_corrupt
run_test dualstack_server_v4_client t_dualstack
run_test v6_proc_row t_proc_row
run_test v6_icmp_admin_prohibited_ends_connect t_icmp_prohibited
run_test v6_icmp_port_unreachable_ends_connect t_icmp_port
run_test v6_packet_too_big_lowers_mtu t_pmtu
tap_exit
