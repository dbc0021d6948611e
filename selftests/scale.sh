#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scale: 10 000 concurrent idle connections between two namespaces of one
# guest, held open at once, counted in /proc/edu_tcp (kernel TCP: ss), the
# memory they cost measured (Slab and MemAvailable before and while they
# are held, per connection, both ends), then all closed at once: every
# socket must go away (TIME-WAIT with msl_ms 1000 included).
#
#   +---------- netns A ---------------+            +---------- netns B ----------------+
#   | edu_fuzz hold: N connections at  |            | edu_fuzz echo :7000, backlog      |
#   |  once (-j connects in flight),   |            |  4096: accepts and holds them     |
#   |  one process, RLIMIT_NOFILE N+64 |            |  (epoll), RLIMIT_NOFILE N+64      |
#   |   veth_a 10.200.1.1/24 ==========|== veth ====|========== veth_b 10.200.1.2/24    |
#   +----------------------------------+            +-----------------------------------+
#
# Knobs: EDU_SCALE_CONNS (default 10000), EDU_SCALE_INFLIGHT (default 256),
# EDU_SCALE_TIMEOUT (s to establish them all, default 240), EDU_SCALE_DRAIN
# (s for all to go, default 90), EDU_SCALE_MAX_KB (the most Slab one
# connection, both ends, may cost, default 64).  The guest needs memory for
# them: scripts/vm-run's default 1024 MiB holds 10 000 (see
# Documentation/testing.rst for what was measured).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/wire.sh"

N=${EDU_SCALE_CONNS:-10000}
INFLIGHT=${EDU_SCALE_INFLIGHT:-256}
EST_TO=${EDU_SCALE_TIMEOUT:-240}
DRAIN=${EDU_SCALE_DRAIN:-90}
MAX_KB=${EDU_SCALE_MAX_KB:-64}
PORT=7000
NTESTS=3

require_env $NTESTS
need_fuzz $NTESTS
tap_plan $NTESTS

declare -A OLD_PARAMS
restore_params() {
	local p
	for p in "${!OLD_PARAMS[@]}"; do
		echo "${OLD_PARAMS[$p]}" >"$PARAM_DIR/$p"
	done
}
if is_edu; then
	OLD_PARAMS[msl_ms]=$(cat "$PARAM_DIR/msl_ms")
	echo 1000 >"$PARAM_DIR/msl_ms"
	trap 'restore_params; cleanup' EXIT
else
	nsx "$NS_B" sysctl -qw net.core.somaxconn=4096
fi
nsx "$NS_A" sysctl -qw net.ipv4.ip_local_port_range="20000 60999"

# count_state NS STATE
count_state() {
	local col=4
	is_edu || col=1
	rows "$1" | awk -v c=$col -v s="$2" '$c == s { n++ } END { print n + 0 }'
}

mem_note() { # LABEL
	note "mem $1: MemAvailable $(meminfo_kb MemAvailable) kB, Slab $(meminfo_kb Slab) kB" \
		"(SUnreclaim $(meminfo_kb SUnreclaim) kB)," \
		"$(awk '$1 ~ /^(EDU_TCP|TCP$|request_sock_TCP|tw_sock_TCP)/ { printf "%s=%s ", $1, $2 }' \
			/proc/slabinfo 2>/dev/null)"
}

SLAB0=$(meminfo_kb Slab)
AVAIL0=$(meminfo_kb MemAvailable)
mem_note before

ip netns exec "$NS_B" timeout -k 5 900 "$FUZZ" echo -P "$EDU_PROTO" -p $PORT -b 4096 \
	-n $((N + 100)) >"$T/echo.out" 2>"$T/echo.err" &
ECHO_PID=$!
BG_PIDS+=("$ECHO_PID")
for _ in $(seq 1 100); do
	grep -q '^listening' "$T/echo.out" && break
	nap 0.1
done

mkfifo "$T/hold.in"
ip netns exec "$NS_A" timeout -k 5 900 "$FUZZ" hold -P "$EDU_PROTO" -d "$IP_B" -p $PORT \
	-n "$N" -j "$INFLIGHT" -T "$EST_TO" <"$T/hold.in" >"$T/hold.out" 2>"$T/hold.err" &
HOLD_PID=$!
BG_PIDS+=("$HOLD_PID")
exec {HOLD_FD}>"$T/hold.in"

t_establish() {
	local t0 a b
	t0=$(now_ms)
	while ! grep -q '^established' "$T/hold.out"; do
		kill -0 "$HOLD_PID" 2>/dev/null || break
		[ $(($(now_ms) - t0)) -gt $(((EST_TO + 30) * 1000)) ] && break
		sleep 1
	done
	sed 's/^/#   hold: /' "$T/hold.out" "$T/hold.err"
	grep -q '^established' "$T/hold.out" || { fail "edu_fuzz hold did not report"; return 1; }
	sleep 2		# the last ACKs, the last accept()s
	a=$(count_state "$NS_A" ESTABLISHED)
	b=$(count_state "$NS_B" ESTABLISHED)
	is_edu || { a=$(count_state "$NS_A" ESTAB); b=$(count_state "$NS_B" ESTAB); }
	note "$(awk '/^established/ { print $2 " connections in " $3 " ms" }' "$T/hold.out");" \
		"ESTABLISHED rows: A $a, B $b"
	note "A: $(rows_by_state "$NS_A")"
	note "B: $(rows_by_state "$NS_B")"
	[ "$(fuzz_stat "$T/hold.out" hold_established)" = "$N" ] ||
		{ fail "$(fuzz_stat "$T/hold.out" hold_established) of $N established"; return 1; }
	[ "$a" = "$N" ] && [ "$b" = "$N" ] || { fail "rows: A $a, B $b, expected $N"; return 1; }
}

t_memory() {
	local slab avail per
	mem_note "with $N connections held"
	slab=$(( $(meminfo_kb Slab) - SLAB0 ))
	avail=$(( AVAIL0 - $(meminfo_kb MemAvailable) ))
	per=$((slab * 1024 / N))
	note "per connection (both ends): Slab $per bytes, MemAvailable $((avail * 1024 / N)) bytes"
	SCALE_PER=$per
	[ "$per" -le $((MAX_KB * 1024)) ] || { fail "$per bytes per connection"; return 1; }
}

t_teardown() {
	local t0 left
	t0=$(now_ms)
	exec {HOLD_FD}>&-
	wait "$HOLD_PID"
	note "edu_fuzz hold exit $?: $(grep '^closed' "$T/hold.out")"
	while :; do
		left=$(rows "$NS_A"; rows "$NS_B" | grep -v LISTEN)
		is_edu || left=$(echo "$left" | awk 'NF && $1 != "TIME-WAIT"')
		[ -z "$left" ] && break
		[ $(($(now_ms) - t0)) -gt $((DRAIN * 1000)) ] && break
		sleep 1
	done
	kill "$ECHO_PID" 2>/dev/null
	wait "$ECHO_PID" 2>/dev/null
	grep STAT "$T/echo.out" | tr '\n' ' ' | sed 's/^/# echo server: /'
	echo
	mem_note "after"
	if [ -n "$left" ]; then
		note "A: $(rows_by_state "$NS_A")"
		note "B: $(rows_by_state "$NS_B")"
		echo "$left" | head -n 20 | sed 's/^/#   left: /'
		fail "$(echo "$left" | wc -l) sockets left after $DRAIN s"
		return 1
	fi
	sleep 1
	left=$(rows "$NS_B")
	is_edu || left=$(echo "$left" | awk 'NF && $1 != "TIME-WAIT"')
	[ -z "$left" ] || { fail "the listener is still there: $left"; return 1; }
	note "every socket gone $(($(now_ms) - t0)) ms after the close"
}

run_test "$N concurrent connections established" t_establish
run_test "memory per connection bounded ($MAX_KB KiB)" t_memory
run_test "all $N closed, every socket gone within $DRAIN s" t_teardown
tap_exit
