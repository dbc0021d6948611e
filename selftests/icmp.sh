#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# icmp: ICMP errors about our segments (review K3; RFC 1122 4.2.3.9,
# RFC 1191, RFC 5927): an unreachable ends connect() at once, PMTU
# discovery gets bulk data through a path narrower than either link, the
# error reaches IP_RECVERR's queue, and an ICMP quoting a sequence number
# not in flight changes nothing.
#
#   +-- netns A ---+          +------ netns R ------+          +-- netns B ---+
#   | client       |          | router, forwarding  |          | server       |
#   | 10.200.1.1 ==|== veth ==|= 10.200.1.2         |          |              |
#   |   MTU 1500   |          |         10.200.2.1 =|== veth ==|= 10.200.2.2  |
#   +--------------+          | routes to both nets |          |   MTU 1500   |
#                             | with mtu 1280: DF   |          | nft: reject  |
#                             | packets over it get |          | (cases a, c) |
#                             | frag. needed        |          +--------------+
#                             +---------------------+
#
# Kernel TCP runs the same unreachable cases as the reference.  Every peer
# runs under timeout; transfers are checked by SHA-256 both ways (edu_xfer).
# Knobs: EDU_ICMP_BYTES (default 4M), EDU_ICMP_TIMEOUT (default 90 s).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BYTES=${EDU_ICMP_BYTES:-4M}
TO=${EDU_ICMP_TIMEOUT:-90}
NS_R=edu_r_$$
EXTRA_NS=("$NS_R")
IP_A=10.200.1.1
IP_RA=10.200.1.2
IP_RB=10.200.2.1
IP_B=10.200.2.2
PATH_MTU=1280
NTESTS=8
PROBE=$LIB_DIR/icmp_probe.py

setup_routed() {
	local ns
	ip netns add "$NS_A" && ip netns add "$NS_R" && ip netns add "$NS_B" || return 1
	ip link add veth_a netns "$NS_A" type veth peer name veth_ra netns "$NS_R" || return 1
	ip link add veth_b netns "$NS_B" type veth peer name veth_rb netns "$NS_R" || return 1
	# every error must be sent: the cases follow each other fast
	for ns in "$NS_A" "$NS_R" "$NS_B"; do
		nsx "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 || return 1
	done
	# one ip(8) process a namespace (common.sh's ip_batch)
	ip_batch "$NS_A" <<EOF || return 1
link set lo up
addr add $IP_A/24 dev veth_a
link set veth_a up
route add default via $IP_RA
EOF
	ip_batch "$NS_B" <<EOF || return 1
link set lo up
addr add $IP_B/24 dev veth_b
link set veth_b up
route add default via $IP_RB
EOF
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1 || return 1
	# The narrow part of the path, as a tunnel would make it: both links
	# carry 1500 bytes, the router forwards no more than 1280 either way.
	ip_batch "$NS_R" <<EOF
link set lo up
addr add $IP_RA/24 dev veth_ra
addr add $IP_RB/24 dev veth_rb
link set veth_ra up
link set veth_rb up
route replace 10.200.1.0/24 dev veth_ra src $IP_RA mtu $PATH_MTU
route replace 10.200.2.0/24 dev veth_rb src $IP_RB mtu $PATH_MTU
EOF
}

require_env $NTESTS setup_routed
command -v nft >/dev/null || skip_all $NTESTS "needs nft"
# the guest cannot autoload what nft asks for over netlink
modprobe -q nf_tables 2>/dev/null
modprobe -q nft_reject_ipv4 2>/dev/null
need_xfer $NTESTS
tap_plan $NTESTS

# reject PROTO ICMP-TYPE: B answers PROTO's packets with that ICMP error.
# Returns 2 (skip) where the kernel has no nf_tables (the debug guest's).
reject() {
	have_nft || { SKIP_REASON="no nf_tables in this kernel"; return 2; }
	nsx "$NS_B" nft -f - <<EOF
add table ip edu_icmp
add chain ip edu_icmp in { type filter hook input priority 0; }
add rule ip edu_icmp in ip protocol $1 reject with icmp type $2
EOF
}

unreject() { nsx "$NS_B" nft delete table ip edu_icmp 2>/dev/null; }

# refused PROTO ICMP-TYPE ERRNO LIMIT_MS: connect() must fail with ERRNO
# (TCP's: icmp_err_convert[]) within LIMIT_MS.  Without the ICMP it would
# take the SYN's whole backoff, about 127 s.
refused() {
	local out word errname ms rc
	reject "$1" "$2"
	rc=$?
	[ $rc = 0 ] || { [ $rc = 2 ] || fail "nft"; return $rc; }
	out=$(nsx "$NS_A" timeout -k 5 30 "$PYTHON" -S "$PROBE" connect "$IP_B" 5000 "$1")
	unreject
	note "protocol $1, $2: $out"
	read -r word errname ms <<<"$out"
	if [ "$word" != err ] || [ "$errname" != "$3" ]; then
		fail "connect() did not fail with $3"
		return 1
	fi
	[ "${ms:-99999}" -lt "$4" ] || { fail "connect() took $ms ms"; return 1; }
}

t_prot_unreach_edu() {
	local ab
	ab=$(counter "$NS_A" IcmpConnAborts)
	refused "$EDU_PROTO" prot-unreachable ENOPROTOOPT 1000 || return $?
	is_edu || return 0
	expect_delta "$NS_A" IcmpConnAborts "$ab" -eq 1
}
# Kernel TCP only notes an error that arrives while connect() still holds
# the socket, as it often does on a short path, and its SYN's first
# timeout (1 s) then reports it: it gets 3 s.
t_prot_unreach_tcp() { refused 6 prot-unreachable ENOPROTOOPT 3000; }
t_port_unreach_edu() { refused "$EDU_PROTO" port-unreachable ECONNREFUSED 1000; }
t_port_unreach_tcp() { refused 6 port-unreachable ECONNREFUSED 3000; }

# recverr PROTO: the error is in IP_RECVERR's queue, as TCP puts it there.
recverr() {
	local out rc
	reject "$1" prot-unreachable
	rc=$?
	[ $rc = 0 ] || { [ $rc = 2 ] || fail "nft"; return $rc; }
	out=$(nsx "$NS_A" timeout -k 5 30 "$PYTHON" -S "$PROBE" connect "$IP_B" 5000 "$1" recverr)
	unreject
	note "protocol $1 with IP_RECVERR: $(echo "$out" | tr '\n' ' ')"
	echo "$out" | grep -qx "errqueue errno=ENOPROTOOPT origin=2 type=3 code=2" ||
		{ fail "no ICMP protocol unreachable in the error queue"; return 1; }
}

t_recverr_edu() { recverr "$EDU_PROTO"; }
t_recverr_tcp() { recverr 6; }

# An ICMP fragmentation-needed that B forges for A's connection: first
# with a sequence number far from what is in flight (believed by nobody:
# counted, MSS unchanged), then with SND.UNA (believed: the MSS and the
# route's PMTU go down, which shows the forged message reaches us).
t_forged_frag() {
	local lport rport una mss oow pu
	is_edu || { SKIP_REASON="edu_tcp's counters and EDU_TCP_INFO"; return 2; }
	nsx "$NS_A" ip route flush cache
	peer_start srv "$NS_B" && peer_start cli "$NS_A" || return 1
	peer_cmd srv 10 listen "$IP_B" 0 || return 1
	rport=$(reply_word 2)
	peer_send srv accept 30
	peer_cmd cli 30 connect "$IP_B" "$rport" 30 || return 1
	lport=$(reply_word 2)
	peer_wait srv 30 || return 1
	peer_cmd cli 10 info || return 1
	una=$(info_get snd_una) mss=$(info_get mss)
	oow=$(counter "$NS_A" IcmpOutOfWindow) pu=$(counter "$NS_A" PmtuUpdates)
	nsx "$NS_B" "$PYTHON" -S "$PROBE" frag "$IP_A" "$IP_B" "$lport" "$rport" \
		$((una + 0x40000000)) 1000 "$IP_A" "$EDU_PROTO" >/dev/null || return 1
	nap 0.5
	expect_delta "$NS_A" IcmpOutOfWindow "$oow" -eq 1 || return 1
	expect_delta "$NS_A" PmtuUpdates "$pu" -eq 0 || return 1
	peer_cmd cli 10 info || return 1
	[ "$(info_get mss)" = "$mss" ] || { fail "MSS $mss became $(info_get mss)"; return 1; }
	nsx "$NS_B" "$PYTHON" -S "$PROBE" frag "$IP_A" "$IP_B" "$lport" "$rport" \
		"$una" 1000 "$IP_A" "$EDU_PROTO" >/dev/null || return 1
	nap 0.5
	expect_delta "$NS_A" PmtuUpdates "$pu" -eq 1 || return 1
	peer_cmd cli 10 info || return 1
	[ "$(info_get mss)" = 960 ] || { fail "MSS is $(info_get mss), not 960"; return 1; }
	note "$(nsx "$NS_A" ip route get "$IP_B" | tr '\n' ' ')"
	nsx "$NS_A" ip route get "$IP_B" | grep -q "mtu 1000" ||
		{ fail "the route's PMTU was not lowered"; return 1; }
	nsx "$NS_A" ip route flush cache
}

# RFC 1191 through the router: 4 MB each way, both ends discover 1280.
t_pmtud() {
	local pa pb
	nsx "$NS_A" ip route flush cache
	nsx "$NS_B" ip route flush cache
	pa=$(counter "$NS_A" PmtuUpdates) pb=$(counter "$NS_B" PmtuUpdates)
	xfer "$BYTES" "$BYTES" "$IP_B" || return 1
	note "A: $(nsx "$NS_A" ip route get "$IP_B" | tr '\n' ' ')"
	note "B: $(nsx "$NS_B" ip route get "$IP_A" | tr '\n' ' ')"
	nsx "$NS_A" ip route get "$IP_B" | grep -q "mtu $PATH_MTU" ||
		{ fail "A's route to B has no PMTU $PATH_MTU"; return 1; }
	nsx "$NS_B" ip route get "$IP_A" | grep -q "mtu $PATH_MTU" ||
		{ fail "B's route to A has no PMTU $PATH_MTU"; return 1; }
	is_edu || return 0
	expect_delta "$NS_A" PmtuUpdates "$pa" -ge 1 || return 1
	expect_delta "$NS_B" PmtuUpdates "$pb" -ge 1
}

run_test prot_unreachable_ends_connect t_prot_unreach_edu
run_test prot_unreachable_kernel_tcp t_prot_unreach_tcp
run_test port_unreachable_ends_connect t_port_unreach_edu
run_test port_unreachable_kernel_tcp t_port_unreach_tcp
run_test ip_recverr_queue t_recverr_edu
run_test ip_recverr_queue_kernel_tcp t_recverr_tcp
run_test forged_frag_needed_out_of_window t_forged_frag
run_test pmtud_4m_each_way t_pmtud
tap_exit
