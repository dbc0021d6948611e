# SPDX-License-Identifier: GPL-2.0
#
# Shared by hostile.sh and flood.sh (source it after lib/common.sh): the
# pair of lib/common.sh plus a "wire" namespace W on a second veth of B,
# where tools/edu_fuzz writes and reads raw frames.  W owns no address
# and does not forward, so what B sends to the spoofed sources reaches
# edu_fuzz (AF_PACKET) and no stack answers it; B routes the spoofed
# subnet to W through a static neighbour (no ARP):
#
#   ns A  veth_a 10.200.1.1 ==== veth_b 10.200.1.2  ns B (DUT)
#                                dut0 192.0.2.1 ==== wire0  ns W (no address)
#                                198.18.0.0/15 via 192.0.2.2 (wire0's MAC)

NS_W=edu_w_$$
DUT_DEV=dut0
WIRE_DEV=wire0
DUT_IP=192.0.2.1
WIRE_GW=192.0.2.2
DUT_MAC=02:ed:00:00:01:01
WIRE_MAC=02:ed:00:00:01:02
SPOOF_NET=198.18.0.0/15

FUZZ=build/tools/edu_fuzz

# need_fuzz N: FUZZ, built by make selftests or compiled here, or all N
# tests skip.
need_fuzz() {
	[ -x "$FUZZ" ] && return 0
	gcc -O2 -Wall -I include/uapi -o "$T/edu_fuzz" tools/edu_fuzz.c 2>/dev/null ||
		skip_all "$1" "$FUZZ not built and cannot be compiled"
	FUZZ=$T/edu_fuzz
}

setup_wire() {
	setup_pair || return 1
	ip netns add "$NS_W" || return 1
	EXTRA_NS+=("$NS_W")
	ip link add "$DUT_DEV" netns "$NS_B" address "$DUT_MAC" type veth \
		peer name "$WIRE_DEV" netns "$NS_W" address "$WIRE_MAC" || return 1
	nsx "$NS_B" ip addr add "$DUT_IP/24" dev "$DUT_DEV" || return 1
	nsx "$NS_B" ip link set "$DUT_DEV" up || return 1
	nsx "$NS_W" ip link set lo up || return 1
	nsx "$NS_W" ip link set "$WIRE_DEV" up || return 1
	nsx "$NS_B" ip neigh replace "$WIRE_GW" lladdr "$WIRE_MAC" dev "$DUT_DEV" \
		nud permanent || return 1
	nsx "$NS_B" ip route add "$SPOOF_NET" via "$WIRE_GW" dev "$DUT_DEV" || return 1
	# Checksummed in software, one segment a frame: edu_fuzz checks the
	# checksum of every segment it reads.
	nsx "$NS_B" ethtool -K "$DUT_DEV" tx off gso off tso off >/dev/null 2>&1 ||
		{ note "ethtool -K $DUT_DEV tx off failed"; return 1; }
	# Spoofed sources arrive where the route to them leads, but let no
	# reverse-path filter decide that.
	nsx "$NS_B" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		"net.ipv4.conf.$DUT_DEV.rp_filter=0" || return 1
	nsx "$NS_W" sysctl -qw net.ipv4.ip_forward=0 || return 1
}

# fuzz_stat FILE NAME: the value of a "STAT NAME N" line (empty if none).
fuzz_stat() {
	awk -v n="$2" '$1 == "STAT" && $2 == n { print $3; exit }' "$1"
}

# meminfo_kb FIELD: a /proc/meminfo value in kB.
meminfo_kb() {
	awk -v f="$1:" '$1 == f { print $2; exit }' /proc/meminfo
}

# rows NS: sockets of our protocol in NS, TIME-WAIT included (edu_tcp:
# /proc/edu_tcp; kernel TCP: ss).
rows() {
	if is_edu; then
		nsx "$1" cat /proc/edu_tcp | sed 1d
	else
		nsx "$1" ss -Htan
	fi
}

# rows_by_state NS: "STATE COUNT ..." on one line.
rows_by_state() {
	local col=4
	is_edu || col=1
	rows "$1" | awk -v c=$col '{ n[$c]++ } END { for (s in n) printf "%s %d ", s, n[s] }'
}
