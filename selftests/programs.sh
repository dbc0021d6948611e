#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# programs: unmodified Debian programs over edu_tcp, through the preload
# library of tools/edu-tcpize: python3's http.server served to curl and
# wget (IPv4 and IPv6), socat and nc (tcpize.sh tests the library itself,
# iperf.sh has iperf3, wireshark.sh the captures).  Every transfer is checked by SHA-256,
# and every connection is shown to be edu_tcp's: the listener is a LISTEN
# row of /proc/edu_tcp, edu_tcp's counters grew, and the kernel's TCP
# (/proc/net/tcp, tcp6, its PassiveOpens) saw nothing of it.
#
#   +------------- netns A -------------+        +------------- netns B -------------+
#   | clients under edu-tcpize:         |        | servers under edu-tcpize:         |
#   |   curl, wget, socat, nc           |        |   python3 -m http.server,         |
#   |                                   |        |   socat TCP-LISTEN                |
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
# edu_tcp (the kernel's TCP saw nothing) are left out.
#
# Knobs: EDU_PROGRAMS_MB (size of the downloaded file, default 4),
# EDU_PROGRAMS_TIMEOUT (seconds per peer, default 60).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/programs.sh"

MB=${EDU_PROGRAMS_MB:-4}
NTESTS=6

programs_env $NTESTS curl wget socat nc sha256sum
tap_plan $NTESTS

mkdir -p "$T/www"
head -c "$((MB << 20))" /dev/urandom >"$T/www/big.bin"
BIG_SHA=$(sha256sum <"$T/www/big.bin" | cut -d' ' -f1)

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

prog_test http_server_v4_curl t_http4_curl
prog_test http_server_v4_wget t_http4_wget
prog_test http_server_v6_curl t_http6_curl
prog_test http_server_v6_wget t_http6_wget
prog_test socat_echo_lines t_socat
prog_test nc_to_socat_echo t_nc
tap_exit
