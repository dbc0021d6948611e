#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tcpize: the preload library of tools/edu-tcpize itself.  What each kind
# of socket becomes in a preloaded program (selftests/lib/sockprobe.py asks
# the kernel, SO_PROTOCOL): only TCP's requests turn into edu_tcp, UDP
# still carries datagrams; the line on stderr said once, or not at all
# when quiet; a failure returned and said, the fallback only on request;
# and in the same run a program without edu-tcpize keeps the kernel's TCP,
# each kind of client refused by the other kind's server.
#
#   +------------- netns A -------------+        +------------- netns B -------------+
#   | sockprobe.py (with and without)   |        | http.server under edu-tcpize :8011|
#   | curl with and without edu-tcpize  |        | plain http.server (kernel) :8012  |
#   |   veth_a 10.200.1.1/24           ==========   veth_b 10.200.1.2/24           |
#   +-----------------------------------+  veth  +-----------------------------------+
#
# With EDU_PROTO=6 the library asks for protocol 6 (validating the checks);
# the plain-beside-preloaded case then SKIPs.  Knob: EDU_PROGRAMS_TIMEOUT
# (seconds per peer, default 60).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/programs.sh"

NTESTS=3

programs_env $NTESTS curl sha256sum
tap_plan $NTESTS

mkdir -p "$T/www"
head -c 65536 /dev/urandom >"$T/www/small.bin"
SMALL_SHA=$(sha256sum <"$T/www/small.bin" | cut -d' ' -f1)

# ---- the library itself -----------------------------------------------------------

probe_get() { # FILE NAME
	awk -v n="$2" '$1 == n { print $2 }' "$1"
}

# What each kind of socket becomes in a preloaded program, and in one
# that is not: only TCP's requests change; the line is said exactly once.
t_mapping() {
	local f=$T/probe.out rc=0 name want
	nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run "$PYTHON" "$LIB_DIR/sockprobe.py" \
		>"$f" 2>"$T/probe.err" || { fail "sockprobe exited $?"; show_logs probe; return 1; }
	for want in inet_stream:$PROTO inet_stream_tcp:$PROTO \
		inet_stream_nonblock:$PROTO inet_dgram:17 \
		inet_raw_icmp:1 unix_stream:0 udp_to_self:ok; do
		name=${want%%:*}
		[ "$(probe_get "$f" "$name")" = "${want#*:}" ] ||
			{ fail "preloaded $name: $(probe_get "$f" "$name"), expected ${want#*:}"; rc=1; }
	done
	# An explicit 253 is not TCP's request: untouched (without edu_tcp: refused)
	if is_edu; then
		[ "$(probe_get "$f" inet_stream_253)" = 253 ] || { fail "253 changed"; rc=1; }
	fi
	[ "$(grep -c '^edu-tcpize:' "$T/probe.err")" = 1 ] ||
		{ fail "expected one edu-tcpize line on stderr"; rc=1; }
	said_active probe || rc=1
	EDU_TCPIZE_QUIET=1 nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run "$PYTHON" \
		"$LIB_DIR/sockprobe.py" >"$f" 2>"$T/probe.err"
	[ "$(probe_get "$f" inet_stream)" = "$PROTO" ] || { fail "quiet: not edu_tcp"; rc=1; }
	[ ! -s "$T/probe.err" ] || { fail "EDU_TCPIZE_QUIET=1 still printed"; rc=1; }
	nsx "$NS_A" timeout -k 5 "$TO" "$PYTHON" -S "$LIB_DIR/sockprobe.py" >"$f" 2>&1
	[ "$(probe_get "$f" inet_stream)" = 6 ] ||
		{ fail "without edu-tcpize: $(probe_get "$f" inet_stream), expected 6"; rc=1; }
	[ $rc = 0 ] || show_logs probe
	return $rc
}

# A protocol nothing serves: socket() fails with the kernel's errno, said
# once; EDU_TCPIZE_FALLBACK=1 hands out kernel TCP instead, loudly.
t_failure() {
	local f=$T/probe.out other rc=0
	other=$((PROTO == 254 ? 253 : 254))
	EDU_TCP_PROTO=$other nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run "$PYTHON" \
		"$LIB_DIR/sockprobe.py" >"$f" 2>"$T/probe.err"
	[ "$(probe_get "$f" inet_stream)" = err:EPROTONOSUPPORT ] ||
		{ fail "protocol $other: $(probe_get "$f" inet_stream), expected err:EPROTONOSUPPORT"; rc=1; }
	[ "$(probe_get "$f" inet_dgram)" = 17 ] || { fail "UDP affected"; rc=1; }
	[ "$(grep -c "as protocol $other failed: Protocol not supported" "$T/probe.err")" = 1 ] ||
		{ fail "the failure was not said exactly once"; rc=1; }
	EDU_TCP_PROTO=$other EDU_TCPIZE_FALLBACK=1 nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run \
		"$PYTHON" "$LIB_DIR/sockprobe.py" >"$f" 2>"$T/probe.err"
	[ "$(probe_get "$f" inet_stream)" = 6 ] ||
		{ fail "fallback: $(probe_get "$f" inet_stream), expected 6"; rc=1; }
	grep -q "NOT edu_tcp" "$T/probe.err" || { fail "the fallback was not said"; rc=1; }
	[ $rc = 0 ] || show_logs probe
	return $rc
}

# ---- what is left alone ----------------------------------------------------------

# In the same run, a program without edu-tcpize keeps the kernel's TCP; and
# the two do not meet: each client is refused by the other kind's server.
t_untouched() {
	local rc=0 p0
	is_edu || { SKIP_REASON="only edu_tcp can be told apart from the kernel's TCP"; return 2; }
	serve edu_http "$NS_B" "$TCPIZE" run "$PYTHON" -m http.server --bind "$IP_B" \
		--directory "$T/www" 8011
	serve tcp_http "$NS_B" "$PYTHON" -m http.server --bind "$IP_B" --directory "$T/www" 8012
	wait_listen "$NS_B" 8011 edu_http || return 1
	wait_kernel_listen "$NS_B" 8012 tcp_http || return 1
	[ -z "$(edu_listen_row "$NS_B" 8012)" ] || { fail "plain server is in /proc/edu_tcp"; rc=1; }
	kernel_listens "$NS_B" 8011 && { fail "edu-tcpize'd server in /proc/net/tcp"; rc=1; }
	p0=$(counter "$NS_B" PassiveOpens)
	fetch plain-curl plain "http://$IP_B:8012/small.bin" "$T/got.bin" ||
		{ fail "plain curl from the plain server: exit $?"; show_logs plain tcp_http; rc=1; }
	[ "$(sha256sum <"$T/got.bin" | cut -d' ' -f1)" = "$SMALL_SHA" ] ||
		{ fail "plain download differs"; rc=1; }
	grep -q edu-tcpize "$T/plain.err" && { fail "the plain client says edu-tcpize"; rc=1; }
	expect_delta "$NS_B" PassiveOpens "$p0" -eq 0 || rc=1
	kernel_tcp_rows "$NS_B" 8012 | grep -q . ||
		{ fail "no trace of the plain connection in /proc/net/tcp"; rc=1; }
	# curl's exit 7: could not connect (the other side's RST)
	fetch curl cross1 "http://$IP_B:8012/small.bin" "$T/got.bin"
	[ $? = 7 ] || { fail "edu_tcp client reached a kernel TCP server"; show_logs cross1; rc=1; }
	fetch plain-curl cross2 "http://$IP_B:8011/small.bin" "$T/got.bin"
	[ $? = 7 ] || { fail "kernel TCP client reached an edu_tcp server"; show_logs cross2; rc=1; }
	return $rc
}

prog_test tcpize_socket_mapping t_mapping
prog_test tcpize_failure_said_and_fallback t_failure
prog_test untouched_program_stays_tcp t_untouched
tap_exit
