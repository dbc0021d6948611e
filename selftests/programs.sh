#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# programs: unmodified Debian programs over edu_tcp, through the preload
# library of tools/edu-tcpize: python3's http.server served to curl and
# wget (IPv4 and IPv6), socat and nc (iperf.sh has iperf3, wireshark.sh
# the captures).  Every transfer is checked by SHA-256,
# and every connection is shown to be edu_tcp's: the listener is a LISTEN
# row of /proc/edu_tcp, edu_tcp's counters grew, and the kernel's TCP
# (/proc/net/tcp, tcp6, its PassiveOpens) saw nothing of it.
#
#   +------------- netns A -------------+        +------------- netns B -------------+
#   | clients under edu-tcpize:         |        | servers under edu-tcpize:         |
#   |   curl, wget, socat, nc           |        |   python3 -m http.server,         |
#   |                                   |        |   socat TCP-LISTEN                |
#   | plain curl (kernel TCP)           |        | plain http.server (kernel TCP)    |
#   |   veth_a 10.200.1.1/24           ==========   veth_b 10.200.1.2/24           |
#   |          fd00:200:1::1/64         |  veth  |          fd00:200:1::2/64         |
#   +-----------------------------------+        +-----------------------------------+
#
# The IPv6 cases wait for module work (socket(AF_INET6, SOCK_STREAM, 253))
# and fail until it lands, with a message that says so.
#
# With EDU_PROTO=6 the same cases run against the kernel's TCP (the library
# is told to ask for protocol 6), which validates them -- those above that
# wait for module work included; the checks that only mean something for
# edu_tcp (the kernel's TCP saw nothing, a plain program is not reached)
# are left out or SKIP.
#
# Knobs: EDU_PROGRAMS_MB (size of the downloaded file, default 4),
# EDU_PROGRAMS_TIMEOUT (seconds per peer, default 60).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/programs.sh"

MB=${EDU_PROGRAMS_MB:-4}
NTESTS=9

programs_env $NTESTS curl wget socat nc sha256sum
tap_plan $NTESTS

mkdir -p "$T/www"
head -c "$((MB << 20))" /dev/urandom >"$T/www/big.bin"
head -c 65536 /dev/urandom >"$T/www/small.bin"
BIG_SHA=$(sha256sum <"$T/www/big.bin" | cut -d' ' -f1)
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
	nsx "$NS_A" timeout -k 5 "$TO" "$PYTHON" "$LIB_DIR/sockprobe.py" >"$f" 2>&1
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

# ---- http.server, curl, wget ----------------------------------------------------
# http_case TOOL FAMILY PORT: http.server under edu-tcpize in B, TOOL under
# edu-tcpize in A, the big file, its SHA-256, and the proof it was edu_tcp.
http_case() {
	local tool=$1 fam=$2 port=$3 addr host sha rc
	if [ "$fam" = 6 ]; then addr=$IP6_B host="[$IP6_B]"; else addr=$IP_B host=$IP_B; fi
	mark_counters
	serve http "$NS_B" "$TCPIZE" run "$PYTHON" -m http.server --bind "$addr" \
		--directory "$T/www" "$port"
	if ! wait_listen "$NS_B" "$port" http; then
		[ "$fam" = 6 ] && is_edu && fail "$AWAIT_V6"
		return 1
	fi
	local t0
	t0=$(now_ms)
	fetch "$tool" "$tool" "http://$host:$port/big.bin" "$T/got.bin"
	rc=$?
	note "$tool: exit $rc, $((MB)) MiB in $(($(now_ms) - t0)) ms"
	[ $rc = 0 ] || { fail "$tool exited $rc"; show_logs "$tool" http; return 1; }
	sha=$(sha256sum <"$T/got.bin" | cut -d' ' -f1)
	[ "$sha" = "$BIG_SHA" ] ||
		{ fail "SHA-256 differs: got $(stat -c %s "$T/got.bin") bytes, $sha"; return 1; }
	said_active "$tool" || return 1
	edu_conns_only "$port" 1
}

t_http4_curl() { http_case curl 4 8001; }
t_http4_wget() { http_case wget 4 8002; }
t_http6_curl() { http_case curl 6 8003; }
t_http6_wget() { http_case wget 6 8004; }

# ---- socat, nc ------------------------------------------------------------------

# A socat server in B echoes (EXEC:cat) what each connection sends.
echo_server() { # PORT
	# -t: after the client's FIN, wait for cat's echo to end (socat's
	# default half a second is less than starting cat takes in a busy guest)
	serve echo "$NS_B" "$TCPIZE" run socat -t "$TO" -T "$TO" \
		"TCP4-LISTEN:$1,bind=$IP_B,reuseaddr,fork" EXEC:cat
	wait_listen "$NS_B" "$1" echo
}

lines() { # N: numbered lines, as a person would type them
	seq 1 "$1" | sed 's/$/: the quick brown fox jumps over the lazy dog/'
}

echo_check() { # CLIENT_NAME PORT WANT_SHA
	local got
	got=$(sha256sum <"$T/$1.out" | cut -d' ' -f1)
	[ "$got" = "$3" ] || {
		fail "$1: echo differs ($(wc -l <"$T/$1.out") lines back)"
		show_logs "$1" echo
		return 1
	}
	said_active "$1" || return 1
	edu_conns_only "$2" 1
}

t_socat() {
	local rc
	mark_counters
	echo_server 7001 || return 1
	lines 2000 >"$T/lines.txt"
	nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run socat -t 5 -T "$TO" \
		- "TCP4:$IP_B:7001" <"$T/lines.txt" >"$T/socat_c.out" 2>"$T/socat_c.err"
	rc=$?
	[ $rc = 0 ] || { fail "socat client exited $rc"; show_logs socat_c echo; return 1; }
	echo_check socat_c 7001 "$(sha256sum <"$T/lines.txt" | cut -d' ' -f1)"
}

# openbsd nc: -N shuts the write side down at the end of its input, then
# it reads the echo until the server closes.
t_nc() {
	local rc
	mark_counters
	echo_server 7002 || return 1
	lines 500 >"$T/lines.txt"
	nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run nc -N "$IP_B" 7002 \
		<"$T/lines.txt" >"$T/nc_c.out" 2>"$T/nc_c.err"
	rc=$?
	[ $rc = 0 ] || { fail "nc exited $rc"; show_logs nc_c echo; return 1; }
	echo_check nc_c 7002 "$(sha256sum <"$T/lines.txt" | cut -d' ' -f1)"
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
prog_test http_server_v4_curl t_http4_curl
prog_test http_server_v4_wget t_http4_wget
prog_test http_server_v6_curl t_http6_curl
prog_test http_server_v6_wget t_http6_wget
prog_test socat_echo_lines t_socat
prog_test nc_to_socat_echo t_nc
prog_test untouched_program_stays_tcp t_untouched
tap_exit
