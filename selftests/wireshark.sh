#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# wireshark: tools/edu_tcp.lua makes tshark (and Wireshark) decode edu_tcp
# as TCP, IPv4 and IPv6.  A curl download from python3's http.server, both
# under tools/edu-tcpize, is captured by tcpdump on B's veth; tshark with
# the plugin must show TCP's ports and SYN and find every checksum good
# (validation on: edu_tcp's pseudo-header says 6, as TCP's does), in
# packets whose IP protocol (IPv6 next header) is 253.
#
#   +------------- netns A -------------+        +------------- netns B -------------+
#   | curl under edu-tcpize             |        | http.server under edu-tcpize      |
#   |                                   |        | tcpdump -i veth_b -w cap.pcap     |
#   |   veth_a 10.200.1.1/24           ==========   veth_b 10.200.1.2/24           |
#   |          fd00:200:1::1/64         |  veth  |          fd00:200:1::2/64         |
#   +-----------------------------------+        +-----------------------------------+
#   (checksums in software on both veths, so the capture holds them)
#   tshark -X lua_script:tools/edu_tcp.lua -o tcp.check_checksum:TRUE -r cap.pcap
#
# The IPv6 case fails until edu_tcp has AF_INET6 sockets (the ipv6
# branch).  With EDU_PROTO=6 the kernel's TCP runs it.  Knob: EDU_PROGRAMS_TIMEOUT
# (seconds per peer, default 60).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/programs.sh"

NTESTS=2

programs_env $NTESTS curl tcpdump tshark
tap_plan $NTESTS

mkdir -p "$T/www"
head -c 65536 /dev/urandom >"$T/www/small.bin"
SMALL_SHA=$(sha256sum <"$T/www/small.bin" | cut -d' ' -f1)

# capture_case FAMILY PORT: tcpdump in B while curl fetches the small file,
# then tshark with tools/edu_tcp.lua: TCP's fields, a SYN, every checksum
# good (validation on), all in packets of protocol $PROTO.
capture_case() {
	local fam=$1 port=$2 addr host filter fields rows
	if [ "$fam" = 6 ]; then
		addr=$IP6_B host="[$IP6_B]" filter="ip6 proto $PROTO"
	else
		addr=$IP_B host=$IP_B filter="ip proto $PROTO"
	fi
	serve http "$NS_B" "$TCPIZE" run "$PYTHON" -m http.server --bind "$addr" \
		--directory "$T/www" "$port"
	if ! wait_listen "$NS_B" "$port" http; then
		[ "$fam" = 6 ] && is_edu && fail "$AWAIT_V6"
		return 1
	fi
	serve dump "$NS_B" tcpdump -i "$DEV_B" -n -U -Z root -w "$T/cap.pcap" "$filter"
	for _ in $(seq 1 100); do
		grep -q "listening on" "$T/dump.err" && break
		sleep 0.1
	done
	fetch curl cap_curl "http://$host:$port/small.bin" "$T/got.bin" ||
		{ fail "curl exited $?"; show_logs cap_curl http; return 1; }
	[ "$(sha256sum <"$T/got.bin" | cut -d' ' -f1)" = "$SMALL_SHA" ] ||
		{ fail "the download's SHA-256 differs"; return 1; }
	sleep 0.5
	kill -INT "${SRV_PID[dump]}"
	wait "${SRV_PID[dump]}" 2>/dev/null
	unset "SRV_PID[dump]"
	# ip.proto or ipv6.nxt says 253: TCP's fields there are the plugin's
	# doing (Wireshark 4.0 alone decodes 253 as nothing; checked once by
	# hand, as a second tshark start costs a minute in a busy TCG guest)
	fields=(-T fields -e tcp.srcport -e tcp.dstport -e tcp.flags.syn -e tcp.checksum.status)
	if [ "$fam" = 6 ]; then fields+=(-e ipv6.nxt); else fields+=(-e ip.proto); fi
	timeout -k 5 "$TO" tshark -n -X lua_script:tools/edu_tcp.lua -o tcp.check_checksum:TRUE \
		-r "$T/cap.pcap" "${fields[@]}" >"$T/tshark.out" 2>"$T/tshark.err" ||
		{ fail "tshark failed"; show_logs tshark; return 1; }
	rows=$(wc -l <"$T/tshark.out")
	note "tshark: $rows packets; first: $(head -n 1 "$T/tshark.out" | tr '\t' ' ')"
	[ "$rows" -ge 4 ] || { fail "only $rows packets captured"; show_logs dump tshark; return 1; }
	awk -F'\t' -v p="$port" '$1 == p || $2 == p' "$T/tshark.out" | grep -q . ||
		{ fail "no TCP ports decoded"; show_logs tshark; return 1; }
	awk -F'\t' '$3 == 1' "$T/tshark.out" | grep -q . || { fail "no SYN decoded"; return 1; }
	awk -F'\t' -v p="$PROTO" '$5 != p' "$T/tshark.out" | grep -q . &&
		{ fail "packets of another protocol than $PROTO captured"; return 1; }
	if awk -F'\t' '$4 != 1' "$T/tshark.out" | grep -q .; then
		fail "checksum not good (1) in every packet:"
		awk -F'\t' '$4 != 1' "$T/tshark.out" | head -n 5 | sed 's/^/#   /'
		return 1
	fi
	return 0
}

t_wireshark4() { capture_case 4 8021; }
t_wireshark6() { capture_case 6 8022; }

prog_test wireshark_lua_v4 t_wireshark4
prog_test wireshark_lua_v6 t_wireshark6
tap_exit
