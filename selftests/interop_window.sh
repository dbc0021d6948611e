#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# interop_window: edu_tcp against the kernel's TCP through scripts/edu-gateway
# (see interop.sh): windows and TCP options.
#
#   +--- netns A: edu_tcp ---+     +------------- netns R: router --------------+     +--- netns B: kernel TCP ---+
#   | peers, edu_xfer (253)  |     |  ip_forward        scripts/edu-gateway     |     | peers, edu_xfer -p 6,     |
#   | veth_a 10.200.1.1/24 ==|=====|= veth_ra .1.254    veth_rb .2.254 =========|=====|= veth_b 10.200.2.2/24     |
#   |        fd00:1::1/64    |     |   fd00:1::fe         fd00:2::fe            |     |   fd00:2::2/64  nginx     |
#   | egress: netem          |     |        egress 253->6, ingress 6->253       |     | egress: netem             |
#   +------------------------+     +--------------------------------------------+     +---------------------------+
#
# interop.sh's topology (lib/interop.sh): edu_tcp in A, the kernel's TCP
# in B, the gateway on R's veth_rb.  Checked here: window scaling on a 20 ms
# path (both SYNs carry it, the windows exceed 64 KB, EDU_INTEROP_BIG moved
# each way); a receiver whose window stays below one MSS, Linux's and
# edu_tcp's (jumbo frames: MSS 8960; review K1, which stalls the edu_tcp
# sender); the kernel's SYN options edu_tcp does not implement
# (SACK-permitted, timestamps) ignored, none in edu_tcp's SYN-ACK.
#
# Every link has its offloads off.  Knobs: EDU_INTEROP_BIG (default 4M),
# EDU_XFER_TIMEOUT (default 120 s per peer).

set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$LIB_DIR/interop.sh"

BIG=${EDU_INTEROP_BIG:-4M}
TO=${EDU_XFER_TIMEOUT:-120}
NTESTS=4

interop_start $NTESTS

# ---- tests --------------------------------------------------------------------


# 20 ms of round trip; edu_tcp must scale its window both ways.
t_window_scaling() {
	local s1 s2 snd_wnd rcv_wnd syn synack n t0 ms
	netem_both delay 10ms || return $?
	capture_start
	connect_peers edu || return 1
	capture_stop
	syn=$(syn_line "$IP_A.* > $IP_B")
	synack=$(syn_line "$IP_B.* > $IP_A")
	note "SYN: $syn"
	note "SYN-ACK: $synack"
	if [ -s "$T/syn.txt" ]; then
		[[ $syn == *wscale* ]] || { fail "edu_tcp's SYN has no window scale"; return 1; }
		[[ $synack == *wscale* ]] || { fail "Linux's SYN-ACK has no window scale"; return 1; }
	fi
	n=$(numfmt --from=iec "$BIG")
	t0=$(now_ms)
	peer_send edu send_sha "$n" 3
	peer_cmd tcp "$TO" recv_sha "$n" "$TO" || return 1
	s2=$(reply_word 3)
	peer_wait edu "$TO" || return 1
	s1=$(reply_word 3)
	ms=$(($(now_ms) - t0))
	[ "$s1" = "$s2" ] || { fail "SHA-256 differs A->B"; return 1; }
	peer_cmd edu 10 info || return 1
	snd_wnd=$(info_get snd_wnd)
	note "A->B $n bytes in $ms ms; edu snd_wnd $snd_wnd, snd_wscale $(info_get snd_wscale)"
	[ "$snd_wnd" -gt 65535 ] || { fail "Linux's window at edu_tcp is $snd_wnd, not scaled"; return 1; }
	t0=$(now_ms)
	peer_send tcp send_sha "$n" 4
	peer_cmd edu "$TO" recv_sha "$n" "$TO" || return 1
	s2=$(reply_word 3)
	peer_wait tcp "$TO" || return 1
	s1=$(reply_word 3)
	ms=$(($(now_ms) - t0))
	[ "$s1" = "$s2" ] || { fail "SHA-256 differs B->A"; return 1; }
	peer_cmd edu 10 info || return 1
	rcv_wnd=$(info_get rcv_wnd)
	note "B->A $n bytes in $ms ms; edu rcv_wnd $rcv_wnd, rcv_wscale $(info_get rcv_wscale)"
	[ "$rcv_wnd" -gt 65535 ] || { fail "edu_tcp's window is $rcv_wnd, not scaled"; return 1; }
}

# Jumbo frames make the MSS (8960) larger than the window a small receive
# buffer gives (a few KB): a sender must send what the window allows.
jumbo() { # MTU
	local x
	for x in "$NS_A:$DEV_A" "$NS_R:$DEV_RA" "$NS_R:$DEV_RB" "$NS_B:$DEV_B"; do
		nsx "${x%%:*}" ip link set dev "${x#*:}" mtu "$1" || return 1
	done
}

tiny_receiver() { # SENDER RECEIVER CLIENT
	local s1 s2 n=262144 rc=0
	jumbo 9000 || { fail "mtu 9000"; return 1; }
	peers_up && peer_cmd "$2" 10 rcvbuf 1024 || { jumbo 1500; return 1; }
	if [ "$3" = edu ]; then
		peer_cmd tcp 20 listen 0.0.0.0 0 && peer_cmd edu 30 connect "$IP_B" "$(reply_word 2)" 30 &&
			peer_cmd tcp 30 accept 30 || { jumbo 1500; return 1; }
	else
		peer_cmd edu 20 listen 0.0.0.0 0 && peer_cmd tcp 30 connect "$IP_A" "$(reply_word 2)" 30 &&
			peer_cmd edu 30 accept 30 || { jumbo 1500; return 1; }
	fi
	peer_cmd edu 5 info && note "edu mss $(info_get mss) snd_wnd $(info_get snd_wnd) rcv_wnd $(info_get rcv_wnd)"
	peer_send "$1" send_sha $n 9
	if peer_cmd "$2" 20 recv_sha $n 20; then
		s2=$(reply_word 3)
		peer_wait "$1" 30 && s1=$(reply_word 3)
		[ "${s1:-}" = "$s2" ] || { fail "SHA-256 differs"; rc=1; }
	else
		fail "$1 -> $2 stalled with a window below one MSS (review K1)"
		nsx "$NS_A" cat /proc/edu_tcp | sed 's/^/#   /'
		# The receiver aborts: a stalled sender would stay forever, and
		# hold the module.
		peer_cmd "$2" 5 linger0
		peer_cmd "$2" 5 close
		peer_wait "$1" 10
		rc=1
	fi
	jumbo 1500
	return $rc
}

t_tiny_window_linux_receiver() { tiny_receiver edu tcp tcp; }
t_tiny_window_edu_receiver() { tiny_receiver tcp edu edu; }

# Linux's SYN offers SACK-permitted and timestamps; edu_tcp implements
# neither, must answer with a SYN-ACK that carries none, and work.
t_options_ignored() {
	local syn synack
	command -v tcpdump >/dev/null || { SKIP_REASON="no tcpdump"; return 2; }
	capture_start
	connect_peers tcp || return 1
	capture_stop
	syn=$(syn_line "$IP_B.* > $IP_A")
	synack=$(syn_line "$IP_A.* > $IP_B")
	note "SYN: $syn"
	note "SYN-ACK: $synack"
	[[ $syn == *sackOK* && $syn == *TS\ val* ]] ||
		{ fail "Linux's SYN offers no SACK or timestamps (tcpdump?)"; return 1; }
	[ -n "$synack" ] || { fail "no SYN-ACK captured"; return 1; }
	[[ $synack == *sackOK* || $synack == *TS\ val* ]] &&
		{ fail "edu_tcp's SYN-ACK carries SACK or timestamps"; return 1; }
	exchange && peer_cmd tcp 10 close && peer_cmd edu 30 recv_eof 30
}

run_timed window_scaling_20ms t_window_scaling
run_timed tiny_window_linux_receiver t_tiny_window_linux_receiver
run_timed tiny_window_edu_receiver t_tiny_window_edu_receiver
run_timed syn_options_ignored t_options_ignored
tap_exit
