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
# One capture holds both downloads and one tshark run decodes it: tshark
# starts slowly in a TCG guest (most of a minute on the debug kernel).
# With EDU_PROTO=6 the kernel's TCP runs it.  Knob: EDU_PROGRAMS_TIMEOUT
# (seconds per peer, default 60).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/programs.sh"

NTESTS=3
PORT4=8021
PORT6=8022

programs_env $NTESTS curl tcpdump tshark
tap_plan $NTESTS

mkdir -p "$T/www"
head -c 65536 /dev/urandom >"$T/www/small.bin"
SMALL_SHA=$(sha256sum <"$T/www/small.bin" | cut -d' ' -f1)
DECODED=0

# fetch_small FAMILY PORT: http.server in B, curl in A, the file checked.
fetch_small() {
	local fam=$1 port=$2 addr host
	if [ "$fam" = 6 ]; then addr=$IP6_B host="[$IP6_B]"; else addr=$IP_B host=$IP_B; fi
	serve "http$fam" "$NS_B" "$TCPIZE" run "$PYTHON" -m http.server --bind "$addr" \
		--directory "$T/www" "$port"
	wait_listen "$NS_B" "$port" "http$fam" || return 1
	fetch curl "cap_curl$fam" "http://$host:$port/small.bin" "$T/got$fam.bin" ||
		{ fail "curl (IPv$fam) exited $?"; show_logs "cap_curl$fam" "http$fam"; return 1; }
	[ "$(sha256sum <"$T/got$fam.bin" | cut -d' ' -f1)" = "$SMALL_SHA" ] ||
		{ fail "the IPv$fam download's SHA-256 differs"; return 1; }
}

# tcpdump in B while curl fetches the small file over IPv4, then IPv6;
# then tshark with tools/edu_tcp.lua, once, over the capture.
t_capture() {
	local fields
	serve dump "$NS_B" tcpdump -i "$DEV_B" -n -U -Z root -w "$T/cap.pcap" \
		"ip proto $PROTO or ip6 proto $PROTO"
	for _ in $(seq 1 100); do
		grep -q "listening on" "$T/dump.err" && break
		nap 0.1
	done
	fetch_small 4 $PORT4 && fetch_small 6 $PORT6 || return 1
	nap 0.5
	kill -INT "${SRV_PID[dump]}"
	wait "${SRV_PID[dump]}" 2>/dev/null
	unset "SRV_PID[dump]"
	# ip.proto or ipv6.nxt says 253: TCP's fields there are the plugin's
	# doing (Wireshark 4.0 alone decodes 253 as nothing; checked once by
	# hand)
	fields=(-T fields -e tcp.srcport -e tcp.dstport -e tcp.flags.syn -e tcp.checksum.status
		-e ip.proto -e ipv6.nxt)
	timeout -k 5 "$TO" tshark -n -X lua_script:tools/edu_tcp.lua -o tcp.check_checksum:TRUE \
		-r "$T/cap.pcap" "${fields[@]}" >"$T/tshark.out" 2>"$T/tshark.err" ||
		{ fail "tshark failed"; show_logs tshark; return 1; }
	DECODED=1
}

# decode_case FAMILY PORT: in tshark's rows of that connection, TCP's
# ports and a SYN, every checksum good (validation on), all in packets of
# protocol $PROTO of that family.
decode_case() {
	local fam=$1 port=$2 col rows
	[ "$DECODED" = 1 ] || { fail "nothing decoded (see the capture test)"; return 1; }
	col=5
	[ "$fam" = 6 ] && col=6
	awk -F'\t' -v p="$port" '$1 == p || $2 == p' "$T/tshark.out" >"$T/rows$fam"
	rows=$(wc -l <"$T/rows$fam")
	note "tshark: $rows IPv$fam packets; first: $(head -n 1 "$T/rows$fam" | tr '\t' ' ')"
	if [ "$rows" -lt 4 ]; then
		fail "only $rows packets of port $port decoded as TCP"
		show_logs dump tshark
		return 1
	fi
	awk -F'\t' '$3 == 1' "$T/rows$fam" | grep -q . || { fail "no SYN decoded"; return 1; }
	awk -F'\t' -v c=$col -v p="$PROTO" '$c != p' "$T/rows$fam" | grep -q . &&
		{ fail "IPv$fam packets of another protocol than $PROTO"; return 1; }
	if awk -F'\t' '$4 != 1' "$T/rows$fam" | grep -q .; then
		fail "checksum not good (1) in every packet:"
		awk -F'\t' '$4 != 1' "$T/rows$fam" | head -n 5 | sed 's/^/#   /'
		return 1
	fi
	return 0
}

t_wireshark4() { decode_case 4 $PORT4; }
t_wireshark6() { decode_case 6 $PORT6; }

prog_test capture_v4_and_v6_downloads t_capture
prog_test wireshark_lua_v4 t_wireshark4
prog_test wireshark_lua_v6 t_wireshark6
tap_exit
