#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# hostile: random and mutated segments (tools/edu_fuzz fuzz) at a listener,
# a closed port and live connections of the DUT, while a legitimate client
# moves data checked by SHA-256 both ways, before, during and after.  Then
# every connection must go away and the drop counters must have counted
# the malformed segments.  guest-run-tests unloads the module afterwards
# and fails on any WARNING, KASAN, lockdep ... report in dmesg.
#
#   +---- netns A ---------+        +---- netns B (DUT) -------------+        +---- netns W -------------+
#   | edu_xfer clients,    |        | edu_fuzz echo :7000 (fuzzed)   |        | no address, no           |
#   | edu_fuzz client      |        | edu_xfer -l (one per transfer) |        | forwarding               |
#   |                      |        | :7001 closed (fuzzed)          |        | edu_fuzz fuzz: AF_PACKET |
#   | veth_a 10.200.1.1 ===|= veth =|= veth_b 10.200.1.2             |        | on wire0, spoofs         |
#   +----------------------+        |  dut0 192.0.2.1 ===============|= veth =|= wire0 198.18.0.0/15,   |
#                                   |  198.18.0.0/15 via wire0's MAC |        |  completes handshakes,   |
#                                   +--------------------------------+        |  aims at their windows   |
#                                                                             +--------------------------+
#
# Knobs: EDU_HOSTILE_SEGS (default 100000), EDU_HOSTILE_SEED (default: from
# the clock; printed, and in the fuzzer test's name), EDU_HOSTILE_CONNS
# (live connections the fuzzer keeps, default 8), EDU_HOSTILE_RATE
# (segments/s, default 0: as fast as it can), EDU_HOSTILE_DRAIN (s
# for every socket to go, default 60).  With EDU_PROTO=6 the kernel's TCP
# is the DUT; the edu_tcp drop counters are then replaced by TCP's InErrs
# and InCsumErrors (TCP drops no segment for its options and counts no
# data offset past the segment).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/wire.sh"

SEGS=${EDU_HOSTILE_SEGS:-100000}
SEED=${EDU_HOSTILE_SEED:-$(( $(date +%s) % 1000000 * 1000 + RANDOM % 1000 ))}
CONNS=${EDU_HOSTILE_CONNS:-8}
RATE=${EDU_HOSTILE_RATE:-0}
DRAIN=${EDU_HOSTILE_DRAIN:-60}
TO=60
PORT=7000
CLOSED=7001
NTESTS=6

require_env $NTESTS setup_wire
need_xfer $NTESTS
need_fuzz $NTESTS
tap_plan $NTESTS
note "seed $SEED (EDU_HOSTILE_SEED=$SEED replays the fuzzer's segments)"

# Half-open children and closing connections give up soon, so that the
# drain below is bounded by seconds.
# (Not param_set: run_test restores those after each test.)
declare -A OLD_PARAMS
restore_params() {
	local p
	for p in "${!OLD_PARAMS[@]}"; do
		echo "${OLD_PARAMS[$p]}" >"$PARAM_DIR/$p"
	done
}
if is_edu; then
	for p in synack_retries=2 msl_ms=1000 orphan_retries=3 retries=5; do
		param_allowed "${p%=*}" || exit 1
		OLD_PARAMS[${p%=*}]=$(cat "$PARAM_DIR/${p%=*}")
		echo "${p#*=}" >"$PARAM_DIR/${p%=*}"
	done
	trap 'restore_params; cleanup' EXIT
else
	nsx "$NS_B" sysctl -qw net.ipv4.tcp_synack_retries=2 net.ipv4.tcp_fin_timeout=2 \
		net.ipv4.tcp_orphan_retries=3 net.ipv4.tcp_retries2=5
fi

ip netns exec "$NS_B" timeout -k 5 900 "$FUZZ" echo -P "$EDU_PROTO" -p $PORT -b 1024 \
	>"$T/echo.out" 2>"$T/echo.err" &
ECHO_PID=$!
BG_PIDS+=("$ECHO_PID")
for ((i = 0; i < 100; i++)); do
	first_line "$T/echo.out" listening && break
	nap 0.1
done

# declare -A counters of B, before and after the fuzzer
declare -A C0 C1
stat_lines() {
	if is_edu; then
		nsx "$NS_B" cat /proc/net/edu_tcp_stat
		return
	fi
	nsx "$NS_B" cat /proc/net/snmp | awk '
		$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == "Tcp:" { for (i = 2; i <= NF; i++) print n[i], $i }'
}
snap() {
	local -n arr=$1
	local n v
	while read -r n v; do arr[$n]=$v; done < <(stat_lines)
}
delta() { echo $(( ${C1[$1]:-0} - ${C0[$1]:-0} )); }

# echo_client N BYTES: N echo connections through the fuzzed listener.
echo_client() {
	nsx "$NS_A" timeout -k 5 $((TO * $1)) "$FUZZ" client -P "$EDU_PROTO" -d "$IP_B" \
		-p $PORT -n "$1" -z "$2" -T "$TO" -s "$RANDOM" >"$T/client.out" 2>&1
	local rc=$? line
	while IFS= read -r line; do
		[[ $line == conn* ]] && echo "#   echo: $line"
	done <"$T/client.out"
	[ $rc = 0 ] || { fail "echo client exit $rc"; show_file "#   " "$T/client.out"; }
	return $rc
}

t_before() {
	grep -q '^listening' "$T/echo.out" || { fail "echo server did not listen"; return 1; }
	xfer 200000 200000 && echo_client 2 100000
}

DURING_OK=0
DURING_FAIL=0
t_fuzz() {
	local rc t0 n k
	snap C0
	t0=$(now_ms)
	nsx "$NS_W" timeout -k 5 600 "$FUZZ" fuzz -P "$EDU_PROTO" -i "$WIRE_DEV" \
		-M "$DUT_MAC" -d "$DUT_IP" -p $PORT -c $CLOSED -S "$SPOOF_NET" \
		-n "$SEGS" -C "$CONNS" -s "$SEED" -r "$RATE" -w 3 >"$T/fuzz.out" 2>"$T/fuzz.err" &
	local fpid=$!
	# the legitimate client, all along: transfers and echoes
	while kill -0 "$fpid" 2>/dev/null; do
		if xfer 100000 100000 >"$T/during.log" 2>&1 && echo_client 1 50000 >>"$T/during.log"; then
			DURING_OK=$((DURING_OK + 1))
		else
			DURING_FAIL=$((DURING_FAIL + 1))
			sed 's/^/#   /' "$T/during.log"
		fi
	done
	wait "$fpid"
	rc=$?
	FUZZ_MS=$(($(now_ms) - t0))
	snap C1
	note "edu_fuzz exit $rc after $FUZZ_MS ms, $(fuzz_stat "$T/fuzz.out" fuzz_rate) segments/s"
	grep -Ev '^seed' "$T/fuzz.out" | tr '\n' ' ' | fold -s -w 110 | sed 's/^/#   /'
	echo
	sed 's/^/#   stderr: /' "$T/fuzz.err"
	n=$(awk '$1 == "SENT" { s += $3 } END { print s + 0 }' "$T/fuzz.out")
	k=$(awk '$1 == "ANOMALIES" { print $2 }' "$T/fuzz.out")
	[ "$rc" = 0 ] || { fail "edu_fuzz exit $rc, ${k:-?} anomalies (seed $SEED)"; return 1; }
	[ "$n" -ge "$SEGS" ] || { fail "only $n segments sent"; return 1; }
	[ "$(fuzz_stat "$T/fuzz.out" established)" -gt 0 ] ||
		{ fail "the fuzzer established no connection of its own"; return 1; }
	[ "$(fuzz_stat "$T/fuzz.out" echoed_bytes)" -gt 0 ] ||
		{ fail "nothing echoed on the fuzzer's connections"; return 1; }
	return 0
}

t_during() {
	note "$DURING_OK rounds (a 100 kB transfer each way + a 50 kB echo) passed," \
		"$DURING_FAIL failed, during $FUZZ_MS ms of fuzzing"
	[ "$DURING_FAIL" = 0 ] && [ "$DURING_OK" -gt 0 ]
}

t_after() {
	xfer 500000 500000 && echo_client 3 200000
}

# edu_tcp: each malformed class raised its own counter by what was sent
# (99% at least: a loaded guest may lose the odd frame on the way).
# Kernel TCP: checksum errors counted, each also an InErrs.
t_counters() {
	local n e d rc=0 all=""
	for n in "${!C1[@]}"; do
		d=$(delta "$n")
		[ "$d" = 0 ] || all="$all $n+$d"
	done
	note "B:$all" | fold -s -w 110 | sed '2,$s/^/#   /'
	if is_edu; then
		for n in DropShort DropBadOffset DropBadCsum DropBadOption; do
			e=$(awk -v n=$n '$1 == "EXPECT" && $2 == n { print $3 }' "$T/fuzz.out")
			d=$(delta $n)
			note "$n +$d, $e such segments sent"
			[ "${e:-0}" -gt 0 ] || { fail "no $n segment sent"; rc=1; continue; }
			if [ "$d" -gt "$e" ] || [ $((d * 100)) -lt $((e * 99)) ]; then
				fail "$n +$d for $e segments"
				rc=1
			fi
		done
		e=0
		for n in DropShort DropBadOffset DropBadCsum DropBadOption; do
			e=$((e + $(delta $n)))
		done
		[ "$(delta InErrs)" -ge "$e" ] ||
			{ fail "InErrs +$(delta InErrs) below the malformed drops ($e)"; rc=1; }
		[ "$(delta DropNoSocket)" -gt 0 ] || { fail "nothing counted DropNoSocket"; rc=1; }
		[ "$(delta OutRsts)" -gt 0 ] || { fail "no RST sent"; rc=1; }
	else
		e=$(awk '$1 == "EXPECT" && $2 == "DropBadCsum" { print $3 }' "$T/fuzz.out")
		d=$(delta InCsumErrors)
		note "InCsumErrors +$d for $e bad checksums; InErrs +$(delta InErrs)"
		if [ "$d" -gt "$e" ] || [ $((d * 100)) -lt $((e * 99)) ]; then
			fail "InCsumErrors +$d for $e segments"
			rc=1
		fi
		[ "$(delta InErrs)" -ge "$d" ] || { fail "InErrs below InCsumErrors"; rc=1; }
		note "kernel TCP: DropShort, DropBadOffset, DropBadOption have no counter: not checked"
	fi
	return $rc
}

t_drain() {
	local t0 left
	kill "$ECHO_PID" 2>/dev/null
	wait "$ECHO_PID" 2>/dev/null
	grep STAT "$T/echo.out" | tr '\n' ' ' | sed 's/^/# echo server: /'
	echo
	t0=$(now_ms)
	while :; do
		left=$(rows "$NS_B"; rows "$NS_A")
		is_edu || left=$(echo "$left" | awk 'NF && $1 != "TIME-WAIT"')
		[ -z "$left" ] && break
		[ $(($(now_ms) - t0)) -gt $((DRAIN * 1000)) ] && break
		nap 0.5
	done
	if [ -n "$left" ]; then
		note "B: $(rows_by_state "$NS_B")"
		echo "$left" | head -n 40 | sed 's/^/#   left: /'
		fail "$(echo "$left" | wc -l) socket(s) left after $DRAIN s"
		return 1
	fi
	note "every socket gone $(($(now_ms) - t0)) ms after the echo server stopped"
}

run_test "transfers and echoes before the fuzzer" t_before
run_test "fuzzer: $SEGS segments (seed $SEED), every answer sane" t_fuzz
run_test "transfers and echoes during the fuzzer" t_during
run_test "transfers and echoes after the fuzzer, through the fuzzed listener" t_after
run_test "malformed segments counted" t_counters
run_test "every socket drains within $DRAIN s" t_drain
tap_exit
