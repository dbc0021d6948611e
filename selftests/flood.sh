#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# flood: tens of thousands of spoofed SYNs (tools/edu_fuzz flood) at a
# listener while a legitimate client keeps connecting to that same
# listener and moving data, checked by SHA-256.  A listener that answers a
# flood with SYN cookies keeps no state per SYN: the client gets in within
# a few seconds and memory stays flat.  One that queues every half-open
# connection fills its SYN queue (for synack_retries' minute) and drops
# the client's SYNs: this test fails there, which is its point.
#
#   +---- netns A ---------+        +---- netns B (DUT) -------------+        +---- netns W -------------+
#   | edu_fuzz client:     |        | edu_fuzz echo :7000, backlog   |        | no address, no           |
#   |  connect, 100 kB     |        |  128 (the flooded listener)    |        | forwarding               |
#   |  echoed, SHA-256     |        |                                |        | edu_fuzz flood: SYNs     |
#   | veth_a 10.200.1.1 ===|= veth =|= veth_b 10.200.1.2             |        | from 198.18.0.0/15,      |
#   +----------------------+        |  dut0 192.0.2.1 ===============|= veth =|= wire0 random ports,    |
#                                   |  198.18.0.0/15 via wire0's MAC |        | MSS, SACK, TS, wscale;   |
#                                   +--------------------------------+        | counts the SYN-ACKs      |
#                                                                             +--------------------------+
#
# Memory (MemAvailable, Slab, the protocol's slab caches, rows of
# /proc/edu_tcp by state) is printed before, during and after.  SYN cookie
# counters (SyncookiesSent, SyncookiesRecv, SyncookiesFailed: TcpExt for
# kernel TCP, /proc/net/edu_tcp_stat for edu_tcp) are checked where they
# exist; the flood completes a share of the answered handshakes (an ACK,
# then a RST) and sends bogus ACKs, so that cookies are both validated
# and refused.
#
# Knobs: EDU_FLOOD_SYNS (default 30000), EDU_FLOOD_RATE (SYNs/s, default
# 2000), EDU_FLOOD_BOGUS (bogus ACKs, default 2000), EDU_FLOOD_ACK_PCT
# (default 5), EDU_FLOOD_CONNECT_MS (the longest a legitimate connect may
# take, default 3000), EDU_FLOOD_SLAB_KB (the most Slab may grow, default
# 32768), EDU_FLOOD_ROWS (the most sockets B may hold, default 600),
# EDU_FLOOD_DRAIN (s for the half-open ones to go, default 90).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/wire.sh"

SYNS=${EDU_FLOOD_SYNS:-30000}
RATE=${EDU_FLOOD_RATE:-2000}
BOGUS=${EDU_FLOOD_BOGUS:-2000}
ACK_PCT=${EDU_FLOOD_ACK_PCT:-5}
CONNECT_MS=${EDU_FLOOD_CONNECT_MS:-3000}
SLAB_KB=${EDU_FLOOD_SLAB_KB:-32768}
MAX_ROWS=${EDU_FLOOD_ROWS:-600}
DRAIN=${EDU_FLOOD_DRAIN:-90}
SEED=${EDU_FLOOD_SEED:-$(( $(date +%s) % 1000000 * 1000 + RANDOM % 1000 ))}
PORT=7000
BACKLOG=128
# a client's limit per connection (connect and echo): the verdict is
# CONNECT_MS, this only bounds the wait
TO=10
NTESTS=6

require_env $NTESTS setup_wire
need_fuzz $NTESTS
tap_plan $NTESTS
note "seed $SEED; $SYNS SYNs at $RATE/s, $BOGUS bogus ACKs, $ACK_PCT% of answered SYNs completed"

if ! is_edu; then
	# kernel TCP: cookies when the queue overflows (the default, said
	# aloud), and its own SYN-RECV timeouts as short as edu_tcp's
	nsx "$NS_B" sysctl -qw net.ipv4.tcp_syncookies=1
fi

ip netns exec "$NS_B" timeout -k 5 900 "$FUZZ" echo -P "$EDU_PROTO" -p $PORT -b $BACKLOG \
	>"$T/echo.out" 2>"$T/echo.err" &
ECHO_PID=$!
BG_PIDS+=("$ECHO_PID")
for _ in $(seq 1 100); do
	grep -q '^listening' "$T/echo.out" && break
	nap 0.1
done

# The protocol's slab caches, "name active_objs" pairs.
slabs() {
	awk '$1 ~ /^(EDU_TCP|edu_|TCP$|request_sock_TCP|tw_sock_TCP)/ { printf "%s=%s ", $1, $2 }' \
		/proc/slabinfo 2>/dev/null
}

# mem LABEL: one line of memory and rows; sets MEM_SLAB and MEM_ROWS.
mem() {
	MEM_SLAB=$(meminfo_kb Slab)
	MEM_ROWS=$(rows "$NS_B" | wc -l)
	note "mem $1: MemAvailable $(meminfo_kb MemAvailable) kB, Slab $MEM_SLAB kB," \
		"$(slabs)rows $MEM_ROWS: $(rows_by_state "$NS_B")"
}

declare -A K0 K1
cookie_lines() {
	if is_edu; then
		nsx "$NS_B" cat /proc/net/edu_tcp_stat | grep -E '^(Syncookies|DropMemory )'
	else
		nsx "$NS_B" cat /proc/net/netstat | awk '
			$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
			$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (n[i] ~ /^Syncookies/) print n[i], $i }'
	fi
}
ksnap() {
	local -n arr=$1
	local n v
	while read -r n v; do arr[$n]=$v; done < <(cookie_lines)
}

# client LABEL N: N echo connections from A; each must connect within
# CONNECT_MS and get its 100 kB back intact.  Appends to $T/client.all.
CLIENT_MAX_MS=0
client() {
	local rc slow
	nsx "$NS_A" timeout -k 5 $((TO * $2 + 10)) "$FUZZ" client -P "$EDU_PROTO" -d "$IP_B" \
		-p $PORT -n "$2" -z 100000 -T "$TO" -s "$RANDOM" >"$T/client.out" 2>&1
	rc=$?
	sed "s/^/$1 /" "$T/client.out" >>"$T/client.all"
	slow=$(awk -v m="$CONNECT_MS" '$1 == "conn" && $5 > m' "$T/client.out")
	CLIENT_MAX_MS=$(awk -v m="$CLIENT_MAX_MS" '$1 == "conn" && $5 > m { m = $5 } END { print m }' \
		"$T/client.out")
	[ "$rc" = 0 ] && [ -z "$slow" ]
}

t_before() {
	grep -q '^listening' "$T/echo.out" || { fail "echo server did not listen"; return 1; }
	mem before
	SLAB0=$MEM_SLAB
	client before 2 || { sed 's/^/#   /' "$T/client.out"; fail "no clean connection before the flood"; return 1; }
	grep '^conn' "$T/client.out" | sed 's/^/#   /'
}

DURING_OK=0
DURING_BAD=0
SLAB_MAX=0
ROWS_MAX=0
# What the listener did with the SYNs (edu_tcp counters; kernel TCP's
# TcpExt ListenOverflows/ListenDrops are among its cookie_lines' peers).
listen_counters() {
	if is_edu; then
		nsx "$NS_B" awk '$1 ~ /^(DropListenOverflow|PassiveOpens|SynAckRetrans|InErrs)$/ {
			printf "%s=%s ", $1, $2 }' /proc/net/edu_tcp_stat
	else
		nsx "$NS_B" cat /proc/net/netstat | awk '
			$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
			$1 == "TcpExt:" { for (i = 2; i <= NF; i++)
				if (n[i] ~ /^(ListenOverflows|ListenDrops|TCPReqQFullDrop|TCPReqQFullDoCookies)$/)
					printf "%s=%s ", n[i], $i }'
	fi
}

# The half-open records a flood leaves give up after SYNACK_RETRIES
# repeats (1+2+4+8 s of RTO: 15 s) rather than the default's minute:
# t_after waits for them, and the guests' time is CI's.  The kernel's
# TCP keeps its sysctl.
SYNACK_RETRIES=${EDU_FLOOD_SYNACK_RETRIES:-3}
PIN_ONE_CPU=
command -v taskset >/dev/null && PIN_ONE_CPU="taskset -c 0"
short_synack_retries() { ! is_edu || param_set synack_retries "$SYNACK_RETRIES"; }

t_flood() {
	local rc fpid t0 last=0
	short_synack_retries
	note "listener before: $(listen_counters)"
	ksnap K0
	: >"$T/client.all"
	t0=$(now_ms)
	# On one CPU: a veth queues what it is handed on the sending CPU, so
	# from two CPUs a handshake's RST could be taken in before its ACK
	# (the ACK behind hundreds of SYNs), and the connection that ACK then
	# opens would stay open, for edu_tcp and kernel TCP alike.
	nsx "$NS_W" timeout -k 5 600 $PIN_ONE_CPU "$FUZZ" flood -P "$EDU_PROTO" -i "$WIRE_DEV" \
		-M "$DUT_MAC" -d "$DUT_IP" -p $PORT -S "$SPOOF_NET" -n "$SYNS" -r "$RATE" \
		-B "$BOGUS" -A "$ACK_PCT" -m 1460 -s "$SEED" -w 2 >"$T/flood.out" 2>"$T/flood.err" &
	fpid=$!
	sleep 1
	while kill -0 "$fpid" 2>/dev/null; do
		if [ $(($(now_ms) - last)) -gt 3000 ]; then
			mem "during (+$(($(now_ms) - t0)) ms)"
			[ "$MEM_SLAB" -gt "$SLAB_MAX" ] && SLAB_MAX=$MEM_SLAB
			[ "$MEM_ROWS" -gt "$ROWS_MAX" ] && ROWS_MAX=$MEM_ROWS
			last=$(now_ms)
		fi
		if client during 1; then
			DURING_OK=$((DURING_OK + 1))
		else
			DURING_BAD=$((DURING_BAD + 1))
		fi
	done
	wait "$fpid"
	rc=$?
	FLOOD_MS=$(($(now_ms) - t0))
	ksnap K1
	note "listener after: $(listen_counters)"
	mem "right after the flood"
	[ "$MEM_ROWS" -gt "$ROWS_MAX" ] && ROWS_MAX=$MEM_ROWS
	note "edu_fuzz flood exit $rc after $FLOOD_MS ms"
	grep -Ev '^seed' "$T/flood.out" | tr '\n' ' ' | fold -s -w 110 | sed 's/^/#   /'
	echo
	sed 's/^/#   stderr: /' "$T/flood.err"
	[ "$rc" = 0 ] || { fail "edu_fuzz flood exit $rc"; return 1; }
	[ "$(fuzz_stat "$T/flood.out" syns_sent)" = "$SYNS" ] || { fail "not every SYN sent"; return 1; }
}

t_during() {
	note "during $FLOOD_MS ms of flood: $DURING_OK connections in time and intact," \
		"$DURING_BAD not (slowest connect $CLIENT_MAX_MS ms, limit $CONNECT_MS ms)"
	# the failures, else a sample
	{ grep '^during conn [0-9]* FAIL' "$T/client.all" ||
		grep '^during conn' "$T/client.all" | head -n 5; } | head -n 30 | sed 's/^/#   /'
	[ "$DURING_OK" -gt 0 ] && [ "$DURING_BAD" = 0 ] && return 0
	fail "the legitimate client did not get through the flood"
	return 1
}

t_memory() {
	local grew=$((SLAB_MAX - SLAB0)) rc=0
	note "Slab grew by at most $grew kB (limit $SLAB_KB kB); at most $ROWS_MAX sockets in B" \
		"(limit $MAX_ROWS)"
	[ "$grew" -le "$SLAB_KB" ] || { fail "Slab grew by $grew kB"; rc=1; }
	[ "$ROWS_MAX" -le "$MAX_ROWS" ] || { fail "$ROWS_MAX sockets in B"; rc=1; }
	return $rc
}

t_cookies() {
	local n d rc=0 all=""
	if [ -z "$(cookie_lines)" ]; then
		SKIP_REASON="no SyncookiesSent/Recv/Failed counters in $(is_edu &&
			echo /proc/net/edu_tcp_stat || echo TcpExt)"
		return 2
	fi
	for n in SyncookiesSent SyncookiesRecv SyncookiesFailed; do
		all="$all $n+$((${K1[$n]:-0} - ${K0[$n]:-0}))"
	done
	note "$all"
	for n in SyncookiesSent SyncookiesRecv SyncookiesFailed; do
		[ -n "${K1[$n]:-}" ] || { fail "no counter $n"; rc=1; continue; }
		d=$((${K1[$n]} - ${K0[$n]:-0}))
		case $n in
		SyncookiesRecv) [ "$ACK_PCT" = 0 ] && continue ;;
		SyncookiesFailed) [ "$BOGUS" = 0 ] && continue ;;
		esac
		[ "$d" -gt 0 ] || { fail "$n did not rise"; rc=1; }
	done
	# A cookie costs the listener no memory, so a flood answered with
	# cookies must not make it drop SYNs for lack of it: not in a full
	# backlog either, which is what a listener locked by accept() on
	# one CPU while the flood arrives on another would have.
	if [ -n "${K1[DropMemory]:-}" ]; then
		d=$((K1[DropMemory] - ${K0[DropMemory]:-0}))
		note "DropMemory +$d"
		[ "$d" = 0 ] || { fail "$d segments dropped for memory during the flood"; rc=1; }
	fi
	return $rc
}

# Half-open connections first (a listener without cookies stays full of
# them for synack_retries' minute), then the client again.
t_after() {
	local t0 left rc=0
	short_synack_retries
	t0=$(now_ms)
	while :; do
		left=$(rows "$NS_B" | awk 'NF && $0 !~ /LISTEN|TIME.WAIT/')
		[ -z "$left" ] && break
		[ $(($(now_ms) - t0)) -gt $((DRAIN * 1000)) ] && break
		sleep 1
	done
	mem after
	if [ -n "$left" ]; then
		echo "$left" | head -n 20 | sed 's/^/#   left: /'
		fail "$(echo "$left" | wc -l) sockets besides the listener after $DRAIN s"
		rc=1
	else
		note "only the listener left $(($(now_ms) - t0)) ms after the flood"
	fi
	client after 2 || { sed 's/^/#   /' "$T/client.out"; fail "no clean connection after the flood"; rc=1; }
	return $rc
}

run_test "legitimate connections before the flood" t_before
run_test "flood: $SYNS spoofed SYNs at $RATE/s and $BOGUS bogus ACKs (seed $SEED)" t_flood
run_test "during the flood every legitimate connection gets in within $CONNECT_MS ms, data intact" t_during
run_test "memory and sockets bounded during the flood" t_memory
run_test "SYN cookies sent, validated and refused; no SYN dropped for memory" t_cookies
run_test "after the flood: half-open ones gone within $DRAIN s, connections again" t_after
tap_exit
