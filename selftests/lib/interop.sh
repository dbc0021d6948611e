# SPDX-License-Identifier: GPL-2.0
#
# Shared by interop.sh and interop_window.sh (source it after common.sh):
# the router topology with scripts/edu-gateway between edu_tcp (netns A)
# and the kernel's TCP (netns B), and peers of both protocols.  See the
# diagram at the top of interop.sh.

GATEWAY=$(cd "$LIB_DIR/../.." && pwd)/scripts/edu-gateway
export PEER_PY=$LIB_DIR/interop_peer.py

NS_R=edu_r_$$
EXTRA_NS+=("$NS_R")
IP_B=10.200.2.2
R_A=10.200.1.254
R_B=10.200.2.254
IP6_A=fd00:1::1
IP6_B=fd00:2::2
DEV_RA=veth_ra
DEV_RB=veth_rb
GW_ERR=
GW_OK=0

# Fixed MACs (common.sh has A's and B's): the static neighbours, so that
# netem's loss drops only segments, need no lookup.
MAC_RA=02:ed:00:00:01:fe
MAC_RB=02:ed:00:00:02:fe

link() { # NS1 DEV1 MAC1 NS2 DEV2 MAC2
	ip link add "$2" netns "$1" address "$3" type veth \
		peer name "$5" netns "$4" address "$6"
}

offloads() { # NS DEV on|off
	nsx "$1" ethtool -K "$2" tx "$3" sg "$3" tso "$3" gso "$3" >/dev/null 2>&1
}

# One ip(8) process per namespace (common.sh's ip_batch): each `nsx NS ip`
# is two program starts, most of a second each on the debug guest.  Static
# neighbours for both families: no ARP or neighbour discovery to lose, or
# to wait for while a link-local address is still tentative.
setup_gateway() {
	local ns
	for ns in "$NS_A" "$NS_B" "$NS_R"; do
		ip netns add "$ns" || return 1
	done
	link "$NS_A" "$DEV_A" "$MAC_A" "$NS_R" "$DEV_RA" "$MAC_RA" &&
		link "$NS_R" "$DEV_RB" "$MAC_RB" "$NS_B" "$DEV_B" "$MAC_B" || return 1
	ip_batch "$NS_A" <<EOF || return 1
link set lo up
addr add $IP_A/24 dev $DEV_A
addr add $IP6_A/64 dev $DEV_A nodad
link set $DEV_A up
route add default via $R_A
route add ::/0 via fd00:1::fe
neigh replace $R_A lladdr $MAC_RA dev $DEV_A nud permanent
neigh replace fd00:1::fe lladdr $MAC_RA dev $DEV_A nud permanent
EOF
	ip_batch "$NS_R" <<EOF || return 1
link set lo up
addr add $R_A/24 dev $DEV_RA
addr add fd00:1::fe/64 dev $DEV_RA nodad
addr add $R_B/24 dev $DEV_RB
addr add fd00:2::fe/64 dev $DEV_RB nodad
link set $DEV_RA up
link set $DEV_RB up
neigh replace $IP_A lladdr $MAC_A dev $DEV_RA nud permanent
neigh replace $IP_B lladdr $MAC_B dev $DEV_RB nud permanent
neigh replace $IP6_A lladdr $MAC_A dev $DEV_RA nud permanent
neigh replace $IP6_B lladdr $MAC_B dev $DEV_RB nud permanent
EOF
	ip_batch "$NS_B" <<EOF || return 1
link set lo up
addr add $IP_B/24 dev $DEV_B
addr add $IP6_B/64 dev $DEV_B nodad
link set $DEV_B up
route add default via $R_B
route add ::/0 via fd00:2::fe
neigh replace $R_B lladdr $MAC_RB dev $DEV_B nud permanent
neigh replace fd00:2::fe lladdr $MAC_RB dev $DEV_B nud permanent
EOF
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	offloads "$NS_A" "$DEV_A" off && offloads "$NS_R" "$DEV_RA" off &&
		offloads "$NS_B" "$DEV_B" off || return 1
	# The gateway's own failure (a kernel without tc actions) skips the
	# whole plan with its message, not as a topology error.
	GW_ERR=$(EDU_GATEWAY_STATE=$T/gw nsx "$NS_R" "$GATEWAY" add "$DEV_RB" 2>&1) &&
		GW_OK=1 || { [ -n "$GW_ERR" ] || GW_ERR="edu-gateway add failed"; }
	return 0
}


# interop_start N: topology, gateway and tools, or a whole-plan skip.
interop_start() {
	require_env "$1" setup_gateway
	# (interop.sh's first test checks what `edu-gateway status` says)
	[ "$GW_OK" = 1 ] || skip_all "$1" "edu-gateway: ${GW_ERR##*$'\n'}"
	need_xfer "$1"
	XFER=$(cd "$(dirname "$XFER")" && pwd)/${XFER##*/}
	printf '#!/bin/sh\nexec %s -p 6 "$@"\n' "$XFER" >"$T/xfer_tcp"
	printf '#!/bin/sh\nexec %s -p %s "$@"\n' "$XFER" "$EDU_PROTO" >"$T/xfer_edu"
	chmod +x "$T/xfer_tcp" "$T/xfer_edu"
	tap_plan "$1"
	note "$GW_ERR"
}

# run_test with the peers kept for the next test unless this one did not
# pass, and how long it took (the guests are slow; this shows where).
run_timed() { # NAME FUNCTION
	local t0=$SECONDS passed=$TAP_PASSED
	KEEP_PEERS=1
	run_test "$@"
	[ "$TAP_PASSED" != "$passed" ] || peer_stop_all
	note "$1 took $((SECONDS - t0)) s"
}

# ---- helpers ----------------------------------------------------------------

# The kernel TCP's counters of namespace B.
tcp_counter() { snmp_get "$NS_B" /proc/net/snmp Tcp "$1"; }
tcpext_counter() { snmp_get "$NS_B" /proc/net/netstat TcpExt "$1"; }

# edu_tcp client in A to a kernel TCP server in B; transfers both ways.
xfer_edu_to_tcp() { # A_SENDS B_SENDS
	XFER_A=$T/xfer_edu XFER_B=$T/xfer_tcp xfer "$1" "$2" "$IP_B"
}

# kernel TCP client in B to an edu_tcp server in A.
xfer_tcp_to_edu() { # B_SENDS A_SENDS
	local a=$NS_A b=$NS_B
	NS_A=$b NS_B=$a XFER_A=$T/xfer_tcp XFER_B=$T/xfer_edu xfer "$1" "$2" "$IP_A"
}

# The peers "edu" (edu_tcp, netns A) and "tcp" (kernel TCP, netns B) live
# across tests, since a python start costs seconds in a TCG guest: a test
# gets them reset (no socket, default buffers), or new ones when a test
# failed or one died.
peers_up() {
	if [ -n "${PEER_PID[edu]:-}" ] && [ -n "${PEER_PID[tcp]:-}" ] &&
		kill -0 "${PEER_PID[edu]}" 2>/dev/null && kill -0 "${PEER_PID[tcp]}" 2>/dev/null; then
		peer_cmd edu 10 close && peer_cmd tcp 10 close &&
			peer_cmd edu 10 rcvbuf 0 && peer_cmd tcp 10 rcvbuf 0 && return 0
	fi
	peer_stop_all
	EDU_PROTO=$EDU_PROTO PEER_NOWAIT=1 peer_start edu "$NS_A" &&
		EDU_PROTO=6 PEER_NOWAIT=1 peer_start tcp "$NS_B" || return 1
	peer_wait edu 60 && peer_wait tcp 60
}

# The peers, connected: CLIENT is edu or tcp.  EDU_PORT is then the
# edu_tcp end's local port.
connect_peers() { # CLIENT
	local port
	peers_up || return 1
	if [ "$1" = edu ]; then
		peer_cmd tcp 20 listen 0.0.0.0 0 || return 1
		port=$(reply_word 2)
		peer_cmd edu 30 connect "$IP_B" "$port" 30 || return 1
		EDU_PORT=$(reply_word 2)
		peer_cmd tcp 30 accept 30
	else
		peer_cmd edu 20 listen 0.0.0.0 0 || return 1
		port=$(reply_word 2)
		EDU_PORT=$port
		peer_cmd tcp 30 connect "$IP_A" "$port" 30 || return 1
		peer_cmd edu 30 accept 30
	fi
}

# Some data each way, checked, so that a connection is really up.
exchange() {
	peer_cmd edu 30 send 20000 7 && peer_cmd tcp 30 recv 20000 7 &&
		peer_cmd tcp 30 send 30000 8 && peer_cmd edu 30 recv 30000 8
}

# RST counters of both ends, to compare after a close that must send none.
rsts_now() {
	echo "$(counter "$NS_A" OutRsts) $(counter "$NS_A" InRsts) $(tcp_counter OutRsts)"
}

expect_no_rst() { # BEFORE ("out in tcp_out")
	local a b
	read -r -a b <<<"$1"
	read -r -a a <<<"$(rsts_now)"
	note "RSTs: edu out +$((a[0] - b[0])) in +$((a[1] - b[1])), tcp out +$((a[2] - b[2]))"
	[ "${a[0]}" = "${b[0]}" ] && [ "${a[1]}" = "${b[1]}" ] && [ "${a[2]}" = "${b[2]}" ] ||
		{ fail "a RST was sent"; return 1; }
}

# The states of A's edu_tcp rows with local port PORT (TIME-WAIT records
# of earlier tests stay 60 s).
edu_conn_state() { # PORT
	local st
	st=$(nsx "$NS_A" awk -v p=":$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		substr($c["local_address"], length($c["local_address"]) - length(p) + 1) == p {
			print $c["state"] }' /proc/edu_tcp 2>/dev/null | sort -u | tr '\n' ' ')
	echo "${st% }"
}

# A SYN capture on B's link (seen as TCP after the gateway).
capture_start() {
	command -v tcpdump >/dev/null || return 2
	nsx "$NS_B" timeout 120 tcpdump -n -l -v -i "$DEV_B" -c 2 \
		'tcp[tcpflags] & tcp-syn != 0' >"$T/syn.txt" 2>"$T/syn.err" &
	CAP_PID=$!
	for _ in $(seq 1 100); do
		grep -q listening "$T/syn.err" && return 0
		nap 0.05
	done
	return 0
}

capture_stop() {
	for _ in $(seq 1 100); do
		[ "$(grep -c 'Flags \[S' "$T/syn.txt")" -ge 2 ] && break
		nap 0.05
	done
	kill_tree "$CAP_PID"
	wait "$CAP_PID" 2>/dev/null
	sed 's/^/#   tcpdump: /' "$T/syn.txt"
}

# The TCP line of the first SYN matching "SRC.* > DST" (-v prints the IP
# header on a line of its own before it).
syn_line() { grep -E "$1.*Flags \[S" "$T/syn.txt" | head -n 1; }


netem_both() {
	impair "$NS_A" "$DEV_A" "$@" && impair "$NS_B" "$DEV_B" "$@"
	local rc=$?
	[ $rc = 2 ] && SKIP_REASON="no sch_netem in this kernel"
	return $rc
}
