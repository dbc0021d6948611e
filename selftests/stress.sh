#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# stress: many short connections at once, both ways, under loss, for a
# bounded time; then every connection must go away and the counters must
# add up.  The load is tools/edu_stress, one process whose threads play in
# both namespaces (see its header for what each thread does):
#
#   +---------------- netns A ----------------+      +---------------- netns B ----------------+
#   | echo server   :47000 <-------------------|------|---- echo clients (-j), keep-alive client |
#   | queue listener:47001 (closed, queued) <--|------|---- 2 queue clients                      |
#   | sink          :47002 (closes mid-stream)<|------|---- sink client (writes until reset)     |
#   | echo clients, keep-alive client ---------|------|---> echo server   :47000                 |
#   | 2 queue clients -------------------------|------|---> queue listener:47001                 |
#   | sink client -----------------------------|------|---> sink          :47002                 |
#   |        veth_a 10.200.1.1/24 =============|======|============ veth_b 10.200.1.2/24          |
#   |        egress: netem delay + loss        |      |        egress: netem delay + loss        |
#   +------------------------------------------+      +------------------------------------------+
#
# Echo connections are checked byte for byte; some abort with SO_LINGER
# {1, 0}, some close with echoed data unread (a RST); listeners are closed
# with children queued; sinks close while data arrives.  Loss makes RTOs
# fire, keep-alive idle 1 s makes probes, msl_ms (edu_tcp) makes TIME-WAIT
# records expire within the run, so the timers race the system calls on
# every CPU.
#
# Knobs: EDU_STRESS_SECONDS (load time, default 25), EDU_STRESS_WORKERS
# (echo clients per side, default 6), EDU_STRESS_STALL (longest wait for
# one event before it counts as a stall, default 45 s), EDU_STRESS_LOSS
# (percent, default 5), EDU_STRESS_DELAY (default 2ms), EDU_STRESS_DRAIN
# (how long the connections may take to go away, default 60 s),
# EDU_STRESS_MSL_MS (default 1000).  With EDU_PROTO=6 the kernel's TCP
# runs it: its TIME-WAIT lasts 60 s whatever one sets, so TIME-WAIT rows
# are not waited for and their expiry is not checked; FIN-WAIT-2 orphans
# get tcp_fin_timeout 2 s.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SECS=${EDU_STRESS_SECONDS:-25}
WORKERS=${EDU_STRESS_WORKERS:-6}
STALL=${EDU_STRESS_STALL:-45}
LOSS=${EDU_STRESS_LOSS:-5}
DELAY=${EDU_STRESS_DELAY:-2ms}
DRAIN=${EDU_STRESS_DRAIN:-60}
MSL_MS=${EDU_STRESS_MSL_MS:-1000}
NTESTS=7

require_env $NTESTS

STRESS=build/tools/edu_stress
if [ ! -x "$STRESS" ]; then
	gcc -O2 -I include/uapi -o "$T/edu_stress" tools/edu_stress.c -pthread 2>/dev/null ||
		skip_all $NTESTS "$STRESS not built and cannot be compiled"
	STRESS=$T/edu_stress
fi
tap_plan $NTESTS

# The counters the tests look at, per namespace, before and after.
NAMES="InSegs OutSegs RetransSegs InErrs DropShort DropBadOffset DropBadCsum
DropBadOption DropNoSocket DropOutOfWindow DropListenOverflow DropMemory
OutRsts InRsts ActiveOpens PassiveOpens AttemptFails EstabResets
TimeWaitCreated TimeWaitExpired DelayedAcks RtoExpired KeepAliveProbes
KeepAliveTimeouts"
declare -A C0 C1

# "Name value" for every counter of NS, read at once (a process in a TCG
# guest costs a good part of a second).  Kernel TCP: common.sh's mapping of
# edu_tcp's names to /proc/net/snmp, plus the timers' TcpExt equivalents.
stat_lines() { # NS
	if is_edu; then
		nsx "$1" cat /proc/net/edu_tcp_stat
		return
	fi
	nsx "$1" cat /proc/net/snmp /proc/net/netstat | awk '
		!($1 in hdr) { for (i = 2; i <= NF; i++) col[$1, i] = $i; hdr[$1] = 1; next }
		{ for (i = 2; i <= NF; i++) v[$1 col[$1, i]] = $i }
		END {
			n = split("InSegs OutSegs RetransSegs InErrs OutRsts ActiveOpens " \
				"PassiveOpens AttemptFails EstabResets", t, " ")
			for (i = 1; i <= n; i++) print t[i], v["Tcp:" t[i]]
			print "DropBadCsum", v["Tcp:InCsumErrors"]
			print "RtoExpired", v["TcpExt:TCPTimeouts"]
			print "DelayedAcks", v["TcpExt:DelayedACKs"]
			print "KeepAliveProbes", v["TcpExt:TCPKeepAlive"]
			print "DropListenOverflow", v["TcpExt:ListenOverflows"]
		}'
}

snap() { # ARRAY-NAME
	local -n arr=$1
	local n v
	while read -r n v; do
		[ -n "$v" ] && arr[A:$n]=$v
	done < <(stat_lines "$NS_A")
	while read -r n v; do
		[ -n "$v" ] && arr[B:$n]=$v
	done < <(stat_lines "$NS_B")
}

# delta SIDE NAME: the counter's growth over the run; empty if none.
delta() {
	local b=${C0[$1:$2]:-} a=${C1[$1:$2]:-}
	[ -n "$a" ] && [ -n "$b" ] && echo $((a - b))
}

# res NAME SIDE: a RESULT of edu_stress (0 if it printed none).
declare -A R
read_results() {
	local tag n s v
	while read -r tag n s v; do
		[ "$tag" = RESULT ] && R[$n:$s]=$v
	done <"$T/stress.out"
}
res() { echo "${R[$1:$2]:-0}"; }
res2() { echo $(($(res "$1" A) + $(res "$1" B))); }

# The ERROR lines of edu_stress that match an extended regex.
errors_of() { grep -E "^ERROR [AB] ($1)" "$T/stress.out"; }
ERR_SHORT='echo (normal|keepalive) '
ERR_CLOSE='echo (abort|unread|unknown) |sink '
ERR_QUEUE='queue '

show_errors() { # REGEX
	local e
	e=$(errors_of "$1")
	[ -z "$e" ] && return 1
	echo "$e" | sed 's/^/#   /'
	return 0
}

# Rows of /proc/edu_tcp (kernel TCP: of ss, TIME-WAIT left out) in NS.
conn_rows() {
	if is_edu; then
		nsx "$1" cat /proc/edu_tcp | sed 1d
	else
		nsx "$1" ss -Htan | awk '$1 != "TIME-WAIT"'
	fi
}

# ---- the run ----------------------------------------------------------------

LOSS_HOW=netem
if is_edu; then
	param_set msl_ms "$MSL_MS" || note "cannot set msl_ms"
else
	for ns in "$NS_A" "$NS_B"; do
		nsx "$ns" sysctl -qw net.ipv4.tcp_fin_timeout=2
	done
fi
impair "$NS_A" "$DEV_A" delay "$DELAY" loss "$LOSS%" &&
	impair "$NS_B" "$DEV_B" delay "$DELAY" loss "$LOSS%"
case $? in
0) ;;
2)
	unimpair_all
	if lose A "$LOSS" && lose B "$LOSS"; then LOSS_HOW=nft; else LOSS_HOW=none; fi
	;;
*) LOSS_HOW=none ;;
esac
note "loss $LOSS% by $LOSS_HOW, delay $DELAY, $SECS s of load, $WORKERS echo clients per side" \
	"(set up in ${SECONDS} s)"

snap C0
t0=$(now_ms)
timeout -k 5 $((SECS + STALL + 40)) "$STRESS" -P "$EDU_PROTO" \
	-A "$NS_A" -a "$IP_A" -B "$NS_B" -b "$IP_B" \
	-t "$SECS" -s "$STALL" -j "$WORKERS" >"$T/stress.out" 2>"$T/stress.err"
STRESS_RC=$?
RUN_MS=$(($(now_ms) - t0))
read_results
note "edu_stress: exit $STRESS_RC after $RUN_MS ms"
# Its comments, HUNG threads and what stalled connections looked like.
grep -Ev '^(RESULT|ERROR)' "$T/stress.out" | sed 's/^/#   /'
sed 's/^/#   stderr: /' "$T/stress.err"

# Every connection must go away: with msl_ms small, TIME-WAIT in seconds.
t0=$(now_ms)
DRAIN_LEFT=
while :; do
	DRAIN_LEFT=$(conn_rows "$NS_A"; conn_rows "$NS_B")
	[ -z "$DRAIN_LEFT" ] && break
	[ $(($(now_ms) - t0)) -gt $((DRAIN * 1000)) ] && break
	nap 0.2
done
DRAIN_MS=$(($(now_ms) - t0))
snap C1
note "measured by ${SECONDS} s"

# ---- the tests ----------------------------------------------------------------

t_short() {
	local s rc=0 ok
	for s in A B; do
		note "from $s: $(res echo_ok $s) echo connections verified" \
			"($(res echo_bytes $s) bytes, $(res echo_ka $s) with keep-alive)," \
			"$(res ka_ok $s) after a keep-alive pause;" \
			"$(res srv_clean $s) clean on $s's echo server"
		ok=$(res echo_ok $s)
		[ "$ok" -gt 0 ] || { fail "no echo connection from $s verified"; rc=1; }
		[ "$(res ka_ok $s)" -gt 0 ] ||
			{ fail "no keep-alive connection from $s verified"; rc=1; }
	done
	[ "$(res2 corrupt)" = 0 ] || { fail "$(res2 corrupt) wrong bytes received"; rc=1; }
	if show_errors "$ERR_SHORT"; then
		fail "echo connections failed"
		rc=1
	fi
	return $rc
}

t_queue() {
	local s rc=0
	for s in A B; do
		note "$s: $(res q_listens $s) listeners, $(res q_closed_queued $s)" \
			"closed with children queued; $s's clients:" \
			"$(res q_reset $s) reset, $(res q_refused $s) refused"
		[ "$(res q_closed_queued $s)" -gt 0 ] ||
			{ fail "no listener in $s closed with a child queued"; rc=1; }
		[ "$(res q_reset $s)" -gt 0 ] ||
			{ fail "no queue client in $s was reset by a closed listener"; rc=1; }
	done
	if show_errors "$ERR_QUEUE"; then
		fail "queue clients or listeners failed"
		rc=1
	fi
	return $rc
}

t_close() {
	local s o rc=0 d
	for s in A B; do
		[ $s = A ] && o=B || o=A
		note "$s: $(res sink_conns $s) sink connections, $(res sink_reset $s) ended" \
			"by a reset; $o's sink: $(res sink_close $o) closes with data" \
			"unread, $(res sink_abort $o) aborts, $(res sink_bytes $o) bytes checked"
		note "$s: $(res abort_done $s) SO_LINGER {1,0} aborts" \
			"($(res srv_abort_reset $o) seen as resets by $o," \
			"$(res srv_early_reset $o) before the header), $(res unread_done $s)" \
			"closes with echo unread ($(res srv_unread_reset $o) resets seen)"
		[ "$(res sink_reset $s)" -gt 0 ] ||
			{ fail "no sink client in $s got its reset"; rc=1; }
		[ "$(res sink_close $o)" -gt 0 ] && [ "$(res sink_abort $o)" -gt 0 ] ||
			{ fail "$o's sink did not both close and abort"; rc=1; }
		[ "$(res abort_done $s)" -gt 0 ] && [ "$(res srv_abort_reset $o)" -gt 0 ] ||
			{ fail "no abort from $s seen as a reset by $o"; rc=1; }
		[ "$(res unread_done $s)" -gt 0 ] ||
			{ fail "no close with unread data in $s"; rc=1; }
		d=$(delta $s OutRsts)
		note "$s: OutRsts +${d:-?}"
		[ "${d:-0}" -gt 0 ] || { fail "$s sent no RST"; rc=1; }
	done
	if show_errors "$ERR_CLOSE"; then
		fail "aborts or closes with data arriving went wrong"
		rc=1
	fi
	return $rc
}

t_timers() {
	local n d rc=0
	if [ "$LOSS_HOW" = none ]; then
		SKIP_REASON="no netem and no nftables: no loss, no retransmission timeouts"
		return 2
	fi
	for n in RtoExpired DelayedAcks KeepAliveProbes TimeWaitExpired; do
		if ! is_edu && [ $n = TimeWaitExpired ]; then
			note "kernel TCP keeps TIME-WAIT 60 s: $n not checked"
			continue
		fi
		if [ -z "$(delta A $n)" ] || [ -z "$(delta B $n)" ]; then
			fail "no counter $n"
			rc=1
			continue
		fi
		d=$(($(delta A $n) + $(delta B $n)))
		note "$n +$d (A +$(delta A $n), B +$(delta B $n))"
		[ "$d" -gt 0 ] || { fail "$n did not rise: that timer never fired"; rc=1; }
	done
	return $rc
}

t_workers() {
	local e
	note "edu_stress exit $STRESS_RC after $RUN_MS ms; $(res2 stalls) stalls," \
		"$(res errors -) errors"
	if grep -q '^HUNG' "$T/stress.out"; then
		grep '^HUNG' "$T/stress.out" | sed 's/^/#   /'
		fail "threads did not finish by their deadline"
		return 1
	fi
	case $STRESS_RC in
	0) ;;
	1) ;;	# errors, each reported by the test it belongs to
	124 | 137) fail "edu_stress hung: killed by timeout"; return 1 ;;
	*) fail "edu_stress exit status $STRESS_RC"; return 1 ;;
	esac
	[ -n "${R[errors:-]:-}" ] || { fail "no report from edu_stress"; return 1; }
	e=$(grep '^ERROR' "$T/stress.out" | grep -Ev "^ERROR [AB] ($ERR_SHORT|$ERR_CLOSE|$ERR_QUEUE)")
	if [ -n "$e" ]; then
		echo "$e" | sed 's/^/#   /'
		fail "errors outside the other tests"
		return 1
	fi
	return 0
}

t_gone() {
	if [ -n "$DRAIN_LEFT" ]; then
		echo "$DRAIN_LEFT" | sed 's/^/#   left: /'
		fail "$(echo "$DRAIN_LEFT" | wc -l) connection(s) still there after ${DRAIN} s"
		return 1
	fi
	note "no connection left $DRAIN_MS ms after the load"
	return 0
}

t_counters() {
	local s o n d rc=0 in out
	for s in A B; do
		[ $s = A ] && o=B || o=A
		d=
		for n in $NAMES; do
			[ -n "$(delta $s $n)" ] && d="$d $n+$(delta $s $n)"
		done
		note "$s:$d" | fold -s -w 100 | sed '2,$s/^/#   /'
		for n in DropShort DropBadOffset DropBadCsum DropBadOption; do
			d=$(delta $s $n)
			[ -z "$d" ] && continue
			[ "$d" = 0 ] || { fail "$s: $n +$d, yet nothing malformed was sent"; rc=1; }
		done
		if is_edu; then
			d=$(($(delta $s InErrs) - $(delta $s DropListenOverflow) - $(delta $s DropMemory)))
			[ "$d" = 0 ] ||
				{ fail "$s: InErrs beyond listen overflows and memory: $d"; rc=1; }
		fi
		# Nothing is in flight any more: a side cannot have received
		# more than the other sent, and loss took only a few percent.
		in=$(delta $s InSegs)
		out=$(delta $o OutSegs)
		if [ -n "$in" ] && [ -n "$out" ]; then
			# kernel TCP leaves the odd segment uncounted
			is_edu || out=$((out + out / 1000))
			[ "$in" -le "$out" ] ||
				{ fail "$s received $in segments, $o sent only $out"; rc=1; }
			[ $((in * 100)) -ge $((out * (80 - LOSS))) ] ||
				{ fail "$s received $in segments of $o's $out"; rc=1; }
		fi
	done
	return $rc
}

run_test "parallel short connections both ways ($(res2 echo_ok) + $(res2 ka_ok) verified)" t_short
run_test "listeners closed with children queued ($(res2 q_closed_queued) times)" t_queue
run_test "closes while data arrives, SO_LINGER aborts" t_close
run_test "timers fired: RTO, delayed ACK, keep-alive, TIME-WAIT" t_timers
run_test "every worker finished in time" t_workers
run_test "all connections gone" t_gone
run_test "counters add up" t_counters
tap_exit
