#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests for tools/edu_ladder on a synthetic trace (selftests/data/
# handshake.trace): no module or root needed, so this runs on the host too.
# The fixture holds one full connection (handshake, "hello"/"world", the
# client's FIN lost once and retransmitted, data in CLOSE-WAIT, TIME-WAIT and
# its expiry) and a second one refused with RST by a port nobody listens on.
#
# Output is TAP 13.
set -u

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
LADDER=${LADDER:-tools/edu_ladder}
TRACE=selftests/data/handshake.trace
C1=10.200.1.1:40000 S1=10.200.1.2:5000
C2=10.200.1.1:40002 S2=10.200.1.2:5001

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The first connection's diagram, used by many tests.
"$LADDER" "$TRACE" >"$tmp/c1" 2>"$tmp/c1.err"
c1_rc=$?
# Every connection's diagram: what variants of the trace must reproduce.
"$LADDER" --all "$TRACE" >"$tmp/ref" 2>&1

# --- helpers ----------------------------------------------------------------

# has FILE REGEX...: every (extended) regex matches some line of FILE.
has() {
	local f=$1 re
	shift
	for re in "$@"; do
		grep -qE -- "$re" "$f" || { echo "# missing /$re/ in $f"; return 1; }
	done
}

# in_order FILE STRING...: the fixed strings appear on lines in this order.
in_order() {
	local f=$1 s n last=0
	shift
	for s in "$@"; do
		n=$(grep -nF -- "$s" "$f" | awk -F: -v l="$last" '$1 > l { print $1; exit }')
		if [ -z "$n" ]; then
			echo "# '$s' not found after line $last of $f"
			return 1
		fi
		last=$n
	done
}

# count FILE STRING: how many lines contain the fixed string.
count() { grep -cF -- "$2" "$1"; }

# Lines that are arrows: "|--..." to the right, "|<-..." to the left.
arrows() { grep -E '\|(--|<-|   X-)' "$1"; }

# --- tests ------------------------------------------------------------------

t_help() {
	"$LADDER" --help >"$tmp/help" && has "$tmp/help" -- '--live' '--watch' '--filter'
}

t_draws() {
	if [ "$c1_rc" -ne 0 ] || [ -s "$tmp/c1.err" ]; then
		sed 's/^/# /' "$tmp/c1.err"
		return 1
	fi
	# Client on the left, server on the right, named on the first line.
	has "$tmp/c1" "^ +$C1 +$S1\$" '\(client\) +\(server\)'
}

t_handshake_arrows() {
	has "$tmp/c1" \
		'^ +\|-+ SYN seq=0 -+>\|$' \
		'^ +\|<-+ SYN,ACK seq=0 ack=1 -+\|$' \
		'^ +\|-+ ACK seq=1 ack=1 -+>\|$'
}

t_handshake_states() {
	# Each side's state beside its own line: client left, server right.
	has "$tmp/c1" \
		'^ +\[SYN-SENT\] \| +\| \[LISTEN\]$' \
		'^ +\| +\| \[SYN-RCVD\]$' \
		'^ +\[ESTABLISHED\] \| +\|$' \
		'^ +\| +\| \[ESTABLISHED\]$'
}

t_handshake_order() {
	in_order "$tmp/c1" "[SYN-SENT]" "SYN seq=0" "| [SYN-RCVD]" \
		"SYN,ACK seq=0 ack=1" "[ESTABLISHED] |" "ACK seq=1 ack=1" \
		"| [ESTABLISHED]"
}

t_data() {
	has "$tmp/c1" \
		'\|-+ PSH,ACK seq=1 ack=1 len=5 -+>\|' \
		'\|<-+ PSH,ACK seq=1 ack=6 len=5 -+\|' \
		'^ +\| \* delayed-ACK timer fired' \
		'\|-+ ACK seq=6 ack=6 -+>\|' &&
		in_order "$tmp/c1" "| [ESTABLISHED]" "PSH,ACK seq=1 ack=1 len=5" \
			"PSH,ACK seq=1 ack=6 len=5" "delayed-ACK" "ACK seq=6 ack=6"
}

t_fin_retransmit() {
	# The first FIN never arrives (X), the timer fires, the copy arrives.
	has "$tmp/c1" \
		'\|-+ FIN,ACK seq=6 ack=6 \(lost\) -+X +\|$' \
		'\| \* retransmission timer fired' \
		'\|-+ FIN,ACK seq=6 ack=6 \(retransmit\) -+>\|$' \
		'backoff=1, rto=400 ms' &&
		in_order "$tmp/c1" "[FIN-WAIT-1]" "(lost)" "retransmission timer" \
			"(retransmit)" "backoff=1"
}

t_close() {
	has "$tmp/c1" '\|<-+ ACK seq=6 ack=7 -+\|' \
		'\|<-+ PSH,ACK seq=6 ack=7 len=4 -+\|' \
		'\|<-+ FIN,ACK seq=10 ack=7 -+\|' \
		'\|-+ ACK seq=7 ack=11 -+>\|' &&
		in_order "$tmp/c1" "(retransmit)" "| [CLOSE-WAIT]" \
			"ACK seq=6 ack=7" "[FIN-WAIT-2] |" \
			"PSH,ACK seq=6 ack=7 len=4" "ACK seq=7 ack=10" \
			"| [LAST-ACK]" "FIN,ACK seq=10 ack=7" "[TIME-WAIT] |" \
			"ACK seq=7 ack=11" "| [CLOSED]" \
			"TIME-WAIT over after 4.000 s" "[CLOSED] |"
}

t_each_segment_once() {
	# 13 segments were sent (the FIN twice): 13 arrows, no more.
	local n
	n=$(arrows "$tmp/c1" | wc -l)
	[ "$n" -eq 13 ] || { echo "# $n arrows"; return 1; }
	[ "$(count "$tmp/c1" "SYN seq=0 ")" -eq 1 ] &&
		[ "$(count "$tmp/c1" "FIN,ACK seq=6 ack=6")" -eq 2 ] &&
		[ "$(count "$tmp/c1" "PSH,ACK seq=1 ack=1 len=5")" -eq 1 ]
}

t_first_only_with_note() {
	! grep -qF "$C2" <(head -n -3 "$tmp/c1") &&
		has "$tmp/c1" '^note: 1 more connection' "--filter $C2,$S2"
}

t_filter() {
	"$LADDER" --filter "$C2,$S2" "$TRACE" >"$tmp/c2" || return 1
	has "$tmp/c2" "^ +$C2 +$S2\$" \
		'^ +\[SYN-SENT\] \| +\|$' \
		'\|-+ SYN seq=0 -+>\|' \
		'x dropped: no_socket .*\|$' \
		'\|<-+ RST,ACK seq=0 ack=1 -+\|' \
		'^ +\[CLOSED\] \|' &&
		in_order "$tmp/c2" "SYN seq=0" "no_socket" "RST,ACK" "[CLOSED]" &&
		! grep -qF "$C1" "$tmp/c2"
}

t_filter_either_order() {
	"$LADDER" --filter "$S2,$C2" "$TRACE" >"$tmp/c2r" &&
		"$LADDER" --filter "$S2" "$TRACE" >"$tmp/c2s" &&
		cmp -s "$tmp/c2" "$tmp/c2r" && cmp -s "$tmp/c2" "$tmp/c2s"
}

t_filter_errors() {
	"$LADDER" --filter 10.9.9.9:1,10.9.9.8:2 "$TRACE" >/dev/null 2>&1
	[ $? -eq 1 ] || return 1
	"$LADDER" --filter nonsense "$TRACE" >/dev/null 2>&1
	[ $? -eq 2 ]
}

t_absolute() {
	"$LADDER" --absolute "$TRACE" >"$tmp/abs" || return 1
	has "$tmp/abs" 'SYN seq=2891364057 ' \
		'SYN,ACK seq=1154760312 ack=2891364058 ' \
		'PSH,ACK seq=2891364058 ack=1154760313 len=5' \
		'FIN,ACK seq=2891364063 ack=1154760318' &&
		[ "$(count "$tmp/abs" "FIN,ACK seq=2891364063 ack=1154760318")" -eq 2 ] &&
		! grep -qF "SYN seq=0" "$tmp/abs" &&
		[ "$(arrows "$tmp/abs" | wc -l)" -eq 13 ]
}

t_all() {
	"$LADDER" --all "$TRACE" >"$tmp/all" || return 1
	in_order "$tmp/all" "$C1" "TIME-WAIT over" "$C2" "RST,ACK" &&
		! grep -q '^note:' "$tmp/all" &&
		[ "$(arrows "$tmp/all" | wc -l)" -eq 15 ]
}

t_list() {
	"$LADDER" --list "$TRACE" >"$tmp/list" &&
		[ "$(wc -l <"$tmp/list")" -eq 2 ] &&
		has "$tmp/list" "^1: $C1 <-> $S1" "^2: $C2 <-> $S2"
}

t_stdin() {
	"$LADDER" - <"$TRACE" >"$tmp/stdin" && cmp -s "$tmp/c1" "$tmp/stdin"
}

t_color() {
	# Piped: plain.  --color: ANSI escapes.  --no-color wins.
	local esc=$'\033'
	! grep -qF "$esc" "$tmp/c1" &&
		"$LADDER" --color "$TRACE" | grep -qF "${esc}[" &&
		! "$LADDER" --color --no-color "$TRACE" | grep -qF "$esc"
}

t_width() {
	local f
	for f in "" "--absolute" "--absolute -v --time --all" "--time --all"; do
		# shellcheck disable=SC2086 # $f is a list of options
		"$LADDER" $f "$TRACE" >"$tmp/w" || return 1
		if awk 'length > 80 { bad = 1 } END { exit !bad }' "$tmp/w"; then
			echo "# a line over 80 columns with '$f'"
			return 1
		fi
	done
	"$LADDER" --width 100 --absolute -v --all "$TRACE" >"$tmp/w100" &&
		! awk 'length > 100 { bad = 1 } END { exit !bad }' "$tmp/w100" &&
		awk 'length > 80 { wide = 1 } END { exit !wide }' "$tmp/w100" &&
		! "$LADDER" --width 40 "$TRACE" >/dev/null 2>&1
}

t_formats() {
	# The same events as printed with the tgid column, by trace-cmd report
	# and by perf script must give the same diagram.
	grep -v '^#' "$TRACE" >"$tmp/plain"
	sed -E 's/^( *)([^ ]+)-([0-9]+) +\[/\1\2-\3 (  \3) [/' "$tmp/plain" >"$tmp/tgid"
	sed -E 's/\] [.a-zA-Z0-9]{5} +/]  /; s/(edu_tcp_[a-z_]+): /\1:      /' \
		"$tmp/plain" >"$tmp/tcmd"
	sed -E 's/^ *([^ ]+)-([0-9]+) +\[([0-9]+)\] [^ ]+ +/ \1 \2 [\3]  /;
		s/ (edu_tcp_[a-z_]+):/ edu_tcp:\1:/' "$tmp/plain" >"$tmp/perf"
	local f
	for f in tgid tcmd perf; do
		grep -q 'edu_tcp_seg_out' "$tmp/$f" || return 1
		"$LADDER" --all "$tmp/$f" >"$tmp/$f.out" || return 1
		cmp -s "$tmp/ref" "$tmp/$f.out" ||
			{ echo "# $f differs"; return 1; }
	done
}

t_robust() {
	# Other tracers' events, an event this tool does not know, garbage,
	# a line cut short (skipped, with a warning) and lost events.
	{
		echo "          <idle>-0     [001] d..2.    52.000001: sched_switch: prev_comm=swapper/1"
		echo "garbage without structure"
		echo "           python3-1   [000] .....    52.000002: edu_tcp_frobnicate: src=1.2.3.4:1 dst=1.2.3.4:2 x=1"
		cat "$TRACE"
		echo "           python3-1   [000] .....    58.000000: edu_tcp_seg_out: src=$C1 dst=$S1 flags=P. seq=5 ack=1 rseq=99 rack=1 len=5 win=5"
		echo "           python3-1   [000] .....    58.000001: edu_tcp_state: src=$C1 dst=$S1 old=CLOSED new=ESTABL"
		echo "CPU:1 [LOST 42 EVENTS]"
		printf '           python3-1   [000] .....    58.000002: edu_tcp_seg_out: src=%s dst=%s fla' "$C1" "$S1"
	} >"$tmp/noisy"
	"$LADDER" "$tmp/noisy" >"$tmp/noisy.out" 2>"$tmp/noisy.err" || return 1
	has "$tmp/noisy.err" 'skipped 3 damaged' &&
		has "$tmp/noisy.out" 'lost 42 events' &&
		! grep -qF "rseq=99" "$tmp/noisy.out" &&
		! grep -qF "seq=99" "$tmp/noisy.out" &&
		diff <(grep -v 'lost 42' "$tmp/noisy.out") "$tmp/c1" >/dev/null
}

t_event_order_variants() {
	# The module may trace a receipt before the send it came from (the
	# receive can run inside the send call), or the retransmit event
	# after the segment it announces: one arrow each all the same.
	awk '
		/edu_tcp_seg_out/ { held = $0; next }
		held != "" && /edu_tcp_seg_in/ { print; print held; held = ""; next }
		held != "" { print held; held = "" }
		{ print }
		END { if (held != "") print held }' "$TRACE" >"$tmp/swapped"
	[ "$(grep -c seg_out "$tmp/swapped")" -eq "$(grep -c seg_out "$TRACE")" ] || return 1
	awk '
		/edu_tcp_retransmit/ { held = $0; next }
		{ print }
		held != "" { print held; held = "" }' "$TRACE" >"$tmp/retx_after"
	"$LADDER" --all "$tmp/swapped" | cmp -s - "$tmp/ref" ||
		{ echo "# swapped differs"; return 1; }
	"$LADDER" --all "$tmp/retx_after" | cmp -s - "$tmp/ref" ||
		{ echo "# retransmit-after differs"; return 1; }
}

t_tw_events() {
	# A module may trace its TIME-WAIT mini-sockets under their own names:
	# edu_tcp_seg_in_tw reads as seg_in, edu_tcp_tw_expired as the
	# TIME-WAIT timer and the end of the connection.
	sed -E '/kind=timewait/s/edu_tcp_timer: (.*) kind=timewait/edu_tcp_tw_expired: \1/;
		/old=TIME-WAIT new=CLOSED/d' "$TRACE" >"$tmp/tw"
	grep -q edu_tcp_tw_expired "$tmp/tw" || return 1
	"$LADDER" --all "$tmp/tw" | cmp -s - "$tmp/ref" || return 1
	sed -E 's/edu_tcp_seg_in: (.*state=FIN-WAIT-2)/edu_tcp_seg_in_tw: \1/' \
		"$TRACE" >"$tmp/tw2"
	grep -q edu_tcp_seg_in_tw "$tmp/tw2" &&
		"$LADDER" --all "$tmp/tw2" | cmp -s - "$tmp/ref"
}

t_one_side() {
	# Only the server is traced (the client is another machine): arrows
	# come from the server's seg_in, and nothing is called lost.
	grep -vE "edu_tcp_(seg_out|state|timer|retransmit): src=10\.200\.1\.1:" \
		"$TRACE" >"$tmp/server_only"
	"$LADDER" "$tmp/server_only" >"$tmp/so" || return 1
	has "$tmp/so" '\|-+ SYN seq=0 -+>\|' '\|<-+ SYN,ACK seq=0 ack=1 -+\|' \
		'\|-+ FIN,ACK seq=6 ack=6 -+>\|' '\| \[LAST-ACK\]' &&
		! grep -qF "(lost)" "$tmp/so" &&
		[ "$(arrows "$tmp/so" | wc -l)" -eq 12 ]
}

t_reuse() {
	# The same 4-tuple used again after TIME-WAIT is a new connection.
	{
		cat "$TRACE"
		sed -n '/old=CLOSED new=SYN-SENT/,/SYN-RCVD new=ESTABLISHED/p' "$TRACE" |
			grep -F "$C1" | sed -E 's/ 5([0-9])\./ 6\1./;
				s/seq=2891364057/seq=12345/; s/ack=2891364058/ack=12346/;
				s/seq=2891364058/seq=12346/'
	} >"$tmp/reuse"
	"$LADDER" --list "$tmp/reuse" >"$tmp/reuse.list" &&
		[ "$(grep -cF "$C1 <-> $S1" "$tmp/reuse.list")" -eq 2 ] &&
		"$LADDER" --all "$tmp/reuse" >"$tmp/reuse.out" &&
		[ "$(count "$tmp/reuse.out" "SYN seq=0 ")" -eq 3 ]
}

t_drop() {
	# A segment dropped by the receiver before any seg_in: X, and why.
	cat >"$tmp/drop" <<EOF
 python3-9 [000] ..... 10.000000: edu_tcp_seg_out: src=$C1 dst=$S1 flags=P. seq=100 ack=200 rseq=1 rack=1 len=3 win=512 opts=- state=ESTABLISHED
 python3-9 [000] ..s1. 10.000010: edu_tcp_drop: src=$C1 dst=$S1 reason=bad_csum
 python3-9 [000] ..... 10.000020: edu_tcp_seg_out: src=$S1 dst=$C1 flags=. seq=200 ack=100 rseq=1 rack=1 len=0 win=512 opts=- state=ESTABLISHED
 python3-9 [000] ..s1. 10.000030: edu_tcp_seg_in: src=$S1 dst=$C1 flags=. seq=200 ack=100 rseq=1 rack=1 len=0 win=512 opts=- state=ESTABLISHED
EOF
	"$LADDER" "$tmp/drop" >"$tmp/drop.out" &&
		has "$tmp/drop.out" '\|-+ PSH,ACK seq=1 ack=1 len=3 -+X +\|' \
			'x dropped: bad_csum \(bad checksum\) \|$' \
			'\|<-+ ACK seq=1 ack=1 -+\|'
}

t_live() {
	# --live against a stand-in tracefs: trace_pipe is a FIFO, fed in
	# pieces that split lines.  The events are enabled while it runs and
	# disabled again when it ends.
	local d=$tmp/tracing
	mkdir -p "$d/events/edu_tcp"
	echo 0 >"$d/events/edu_tcp/enable"
	echo 1 >"$d/tracing_on"
	mkfifo "$d/trace_pipe"
	timeout 20 "$LADDER" --live --tracing-dir "$d" >"$tmp/live" 2>&1 &
	local pid=$!
	timeout 20 python3 - "$d" "$TRACE" <<'EOF' || return 1
import sys, time
d, trace = sys.argv[1], sys.argv[2]
with open(d + "/trace_pipe", "wb", buffering=0) as pipe:
    # The tool opens the FIFO after enabling the events.
    with open(d + "/events/edu_tcp/enable") as f:
        if f.read().strip() != "1":
            sys.exit("# events not enabled while running")
    data = open(trace, "rb").read()
    for i in range(0, len(data), 333):
        pipe.write(data[i:i + 333])
        time.sleep(0.005)
EOF
	wait "$pid" || return 1
	[ "$(cat "$d/events/edu_tcp/enable")" = 0 ] &&
		has "$tmp/live" '\|-+ SYN seq=0 -+>\|' \
			'\|-+ FIN,ACK seq=6 ack=6 \(retransmit\) -+>\|' \
			'listener 10.200.1.2:5000: CLOSED -> LISTEN' \
			'\|<-+ RST,ACK seq=0 ack=1 -+\|' &&
		[ "$(arrows "$tmp/live" | wc -l)" -eq 15 ]
}

t_watch() {
	cat >"$tmp/proc" <<EOF
sl local_address remote_address state tx_queue rx_queue timer timer_ms retrans uid inode cwnd srtt_us rto_ms
0 $S1 0.0.0.0:0 LISTEN 0 0 off 0 0 0 12345 0 0 0
1 $C1 $S1 TIME-WAIT 0 0 timewait 3712 0 0 0 0 0 0
EOF
	"$LADDER" --watch --once --proc "$tmp/proc" >"$tmp/watch" &&
		has "$tmp/watch" '^sl +local_address +remote_address +state' \
			"^0 +$S1 +0\.0\.0\.0:0 +LISTEN " \
			"^1 +$C1 +$S1 +TIME-WAIT +timewait +3712" &&
		! grep -q inode "$tmp/watch" &&
		"$LADDER" --watch --once --wide --proc "$tmp/proc" | grep -q 'inode' &&
		! "$LADDER" --watch --once --proc "$tmp/nonexistent" 2>/dev/null
}

t_time() {
	"$LADDER" --time "$TRACE" >"$tmp/time" &&
		has "$tmp/time" '^ +0\.000000s +\[SYN-SENT\] \|' \
			'^ +0\.405828s +\|.* FIN,ACK seq=6 ack=6 \(retransmit\)' \
			'TIME-WAIT over after 4\.000 s'
}

# The same connection over IPv6, as %pISpc prints its endpoints.
t_ipv6() {
	sed -e 's/10\.200\.1\.1:/[fd00:200:1::1]:/g' \
		-e 's/10\.200\.1\.2:/[fd00:200:1::2]:/g' "$TRACE" >"$tmp/v6.trace"
	"$LADDER" "$tmp/v6.trace" >"$tmp/v6" 2>"$tmp/v6.err" ||
		{ sed 's/^/# /' "$tmp/v6.err"; return 1; }
	has "$tmp/v6" '^ +\[fd00:200:1::1\]:40000 +\[fd00:200:1::2\]:5000$' \
		'^ +\|-+ SYN seq=0 -+>\|$' '^ +\|<-+ SYN,ACK seq=0 ack=1 -+\|$' &&
		[ "$(arrows "$tmp/v6" | wc -l)" = "$(arrows "$tmp/c1" | wc -l)" ]
}

tests=(t_help t_draws t_handshake_arrows t_handshake_states t_handshake_order
	t_data t_fin_retransmit t_close t_each_segment_once
	t_first_only_with_note t_filter t_filter_either_order t_filter_errors
	t_absolute t_all t_list t_stdin t_color t_width t_formats t_robust
	t_event_order_variants t_tw_events t_one_side t_reuse t_drop t_live t_watch t_time
	t_ipv6)

echo "TAP version 13"
echo "1..${#tests[@]}"
n=0 failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	if out=$("$t" 2>&1); then
		echo "ok $n ${t#t_}"
	else
		echo "not ok $n ${t#t_}"
		failed=$((failed + 1))
	fi
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^\([^#]\)/# \1/'
done
[ "$failed" -eq 0 ]
