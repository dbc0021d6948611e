#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# interop_close: how a connection between edu_tcp and the kernel's TCP ends,
# through scripts/edu-gateway (see interop.sh).
#
#   +--- netns A: edu_tcp ---+     +------------- netns R: router --------------+     +--- netns B: kernel TCP ---+
#   | peers, edu_xfer (253)  |     |  ip_forward        scripts/edu-gateway     |     | peers, edu_xfer -p 6,     |
#   | veth_a 10.200.1.1/24 ==|=====|= veth_ra .1.254    veth_rb .2.254 =========|=====|= veth_b 10.200.2.2/24     |
#   |        fd00:1::1/64    |     |   fd00:1::fe         fd00:2::fe            |     |   fd00:2::2/64  nginx     |
#   | egress: netem          |     |        egress 253->6, ingress 6->253       |     | egress: netem             |
#   +------------------------+     +--------------------------------------------+     +---------------------------+
#
# interop.sh's topology (lib/interop.sh): edu_tcp in A, the kernel's TCP
# in B, the gateway on R's veth_rb.  Checked here, with edu_tcp as client
# and as server: every close order (edu_tcp first, Linux first,
# simultaneous) ends with FINs only, no RST on either side, TIME-WAIT on
# the side that closed first; half-close (shutdown(SHUT_WR), then 1 MB the
# other way, SHA-256 checked, no RST); SO_LINGER {1,0} abort (the other end
# gets ECONNRESET); connection refused both ways (ECONNREFUSED).
#
# Every link has its offloads off.  Knob: EDU_XFER_TIMEOUT (default 120 s
# per peer).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$LIB_DIR/interop.sh"

TO=${EDU_XFER_TIMEOUT:-120}
NTESTS=10

interop_start $NTESTS

# ---- tests --------------------------------------------------------------------

# close orders: the connection must end with FINs only
t_close_edu_first() {
	local r tw
	connect_peers edu && exchange || return 1
	r=$(rsts_now)
	tw=$(counter "$NS_A" TimeWaitCreated)
	peer_cmd edu 10 close && peer_cmd tcp 30 recv_eof 30 && peer_cmd tcp 10 close || return 1
	sleep 1
	expect_delta "$NS_A" TimeWaitCreated "$tw" -eq 1 || return 1
	note "edu connection rows: $(edu_conn_state "$EDU_PORT")"
	expect_no_rst "$r"
}

t_close_tcp_first() {
	local r tw
	connect_peers edu && exchange || return 1
	r=$(rsts_now)
	tw=$(counter "$NS_A" TimeWaitCreated)
	peer_cmd tcp 10 close && peer_cmd edu 30 recv_eof 30 && peer_cmd edu 10 close || return 1
	sleep 1
	expect_delta "$NS_A" TimeWaitCreated "$tw" -eq 0 || return 1
	[ -z "$(edu_conn_state "$EDU_PORT")" ] ||
		{ fail "edu rows left: $(edu_conn_state "$EDU_PORT")"; return 1; }
	expect_no_rst "$r"
}

t_close_simultaneous() {
	local r tw
	connect_peers tcp && exchange || return 1
	r=$(rsts_now)
	tw=$(counter "$NS_A" TimeWaitCreated)
	# both FINs leave before either end has seen the other's
	peer_send edu shutdown wr
	peer_send tcp shutdown wr
	peer_wait edu 10 && peer_wait tcp 10 || return 1
	peer_cmd edu 30 recv_eof 30 && peer_cmd tcp 30 recv_eof 30 || return 1
	peer_cmd edu 10 close && peer_cmd tcp 10 close || return 1
	sleep 1
	expect_delta "$NS_A" TimeWaitCreated "$tw" -le 1 || return 1
	expect_no_rst "$r"
}

# one end shuts its write side, then 1 MB comes from the other, checked
half_close() { # WRITER READER
	local r s1 s2
	r=$(rsts_now)
	peer_cmd "$2" 10 shutdown wr && peer_cmd "$1" 30 recv_eof 30 || return 1
	[ "$(reply_word 2)" = 0 ] || { fail "$1 read data before EOF"; return 1; }
	peer_send "$1" send_sha 1048576 5
	peer_cmd "$2" "$TO" recv_sha 1048576 "$TO" || return 1
	s2=$(reply_word 3)
	peer_wait "$1" "$TO" || return 1
	s1=$(reply_word 3)
	[ "$s1" = "$s2" ] || { fail "SHA-256 differs: sent $s1, received $s2"; return 1; }
	peer_cmd "$1" 10 close && peer_cmd "$2" 30 recv_eof 30 || return 1
	[ "$(reply_word 2)" = 0 ] || { fail "more data after the 1 MB"; return 1; }
	peer_cmd "$2" 10 close || return 1
	sleep 1
	expect_no_rst "$r"
}

t_half_close_edu_wr() { connect_peers edu && exchange && half_close tcp edu; }
t_half_close_tcp_wr() { connect_peers tcp && exchange && half_close edu tcp; }

abort() { # ABORTER OTHER
	peer_cmd "$1" 10 linger0 && peer_cmd "$1" 10 close || return 1
	peer_cmd "$2" 30 recv_eof 30
	[[ $REPLY == "err ECONNRESET"* ]] || { fail "$2 saw '$REPLY', not ECONNRESET"; return 1; }
}

t_linger_edu_aborts() { connect_peers edu && exchange && abort edu tcp; }
t_linger_tcp_aborts() { connect_peers tcp && exchange && abort tcp edu; }

refused() { # CLIENT ADDR
	peers_up || return 1
	peer_cmd "$1" 30 connect "$2" 9 20
	[[ $REPLY == "err ECONNREFUSED"* ]] || { fail "connect got '$REPLY'"; return 1; }
}

t_refused_edu_client() { refused edu "$IP_B"; }
t_refused_tcp_client() { refused tcp "$IP_A"; }


run_timed close_edu_first t_close_edu_first
run_timed close_tcp_first t_close_tcp_first
run_timed close_simultaneous t_close_simultaneous
run_timed half_close_edu_shut_wr t_half_close_edu_wr
run_timed half_close_tcp_shut_wr t_half_close_tcp_wr
run_timed linger0_edu_aborts t_linger_edu_aborts
run_timed linger0_tcp_aborts t_linger_tcp_aborts
run_timed refused_edu_client t_refused_edu_client
run_timed refused_tcp_client t_refused_tcp_client
tap_exit
