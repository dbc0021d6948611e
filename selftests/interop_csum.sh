#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# interop_csum: edu_tcp against the kernel's TCP through scripts/edu-gateway
# (see interop.sh): checksums of offloaded segments after the rewrite, IPv6.
#
#   +--- netns A: edu_tcp ---+     +------------- netns R: router --------------+     +--- netns B: kernel TCP ---+
#   | peers, edu_xfer (253)  |     |  ip_forward        scripts/edu-gateway     |     | peers, edu_xfer -p 6,     |
#   | veth_a 10.200.1.1/24 ==|=====|= veth_ra .1.254    veth_rb .2.254 =========|=====|= veth_b 10.200.2.2/24     |
#   |        fd00:1::1/64    |     |   fd00:1::fe         fd00:2::fe            |     |   fd00:2::2/64  nginx     |
#   | egress: netem          |     |        egress 253->6, ingress 6->253       |     | egress: netem             |
#   +------------------------+     +--------------------------------------------+     +---------------------------+
#
# interop.sh's topology (lib/interop.sh): edu_tcp in A, the kernel's TCP
# in B, the gateway on R's veth_rb.  Checked here: checksums after the
# rewrite of edu_tcp segments that A's device was to finish
# (CHECKSUM_PARTIAL: the sum starts at the IP header's last word) and of
# its super-segments (GSO), which reach the gateway's device whole and must
# be cut there with every checksum right and nothing lost; IPv6 through the
# gateway when edu_tcp has AF_INET6 sockets.
#
# Every link has its offloads off, except A's where a test turns them on.
# Knob: EDU_XFER_TIMEOUT (default 120 s per peer).

set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$LIB_DIR/interop.sh"

TO=${EDU_XFER_TIMEOUT:-120}
NTESTS=3

interop_start $NTESTS

# ---- tests --------------------------------------------------------------------
# A's device finishes edu_tcp's checksum (CHECKSUM_PARTIAL, sum starting at
# the IP header's last word); the router rewrites 253 to 6 and its device
# (tx off) computes it: Linux must find every checksum right.
partial_case() { # BYTES, then ethtool features for A's device
	local ce rc=0 n=$1
	shift
	nsx "$NS_A" ethtool -K "$DEV_A" "$@" >/dev/null 2>&1 || { fail "ethtool $*"; return 1; }
	ce=$(tcp_counter InCsumErrors)
	xfer_edu_to_tcp "$n" "$n" || rc=1
	note "Linux InCsumErrors +$(($(tcp_counter InCsumErrors) - ce))"
	[ "$(tcp_counter InCsumErrors)" = "$ce" ] || { fail "Linux saw bad checksums"; rc=1; }
	offloads "$NS_A" "$DEV_A" off
	return $rc
}

t_checksum_partial() { partial_case 1M tx on sg off tso off gso off; }

# Super-segments (GSO) from A: they cross the veth whole and reach the
# gateway's device, which cannot carry them: they must be cut, each
# segment with its checksum right, and none lost on a clean path.
t_gso_super_segments() {
	local g rt drops d0 rc
	g=$(counter "$NS_A" OutGsoSkbs)
	rt=$(counter "$NS_A" RetransSegs)
	d0=$(nsx_sys "$NS_R" cat "/sys/class/net/$DEV_RB/statistics/tx_dropped")
	partial_case 256K tx on sg on tso on gso on
	rc=$?
	drops=$(($(nsx_sys "$NS_R" cat "/sys/class/net/$DEV_RB/statistics/tx_dropped") - d0))
	note "edu OutGsoSkbs +$(($(counter "$NS_A" OutGsoSkbs) - g)), router $DEV_RB tx_dropped +$drops"
	# Without super-segments this case tests nothing of its own.
	expect_delta "$NS_A" OutGsoSkbs "$g" -gt 0 || rc=1
	# TCP's segmentation refuses a checksum that does not start at the
	# transport header: each super-segment would be dropped here, and
	# only retransmissions would deliver the data.
	[ "$drops" = 0 ] || { fail "router dropped $drops super-segments"; rc=1; }
	expect_delta "$NS_A" RetransSegs "$rt" -eq 0 || rc=1
	return $rc
}

t_ipv6() {
	local want got
	if ! nsx "$NS_A" "$PYTHON" -S -c "import socket; socket.socket(socket.AF_INET6, socket.SOCK_STREAM, $EDU_PROTO)" 2>/dev/null; then
		SKIP_REASON="edu_tcp has no IPv6 sockets here"
		return 2
	fi
	head -c 1000000 /dev/urandom >"$T/v6blob"
	want=$(sha256sum <"$T/v6blob" | cut -d' ' -f1)
	nsx "$NS_B" timeout 60 "$PYTHON" -S -c '
import socket, sys
l = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, 6)
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("'"$IP6_B"'", 8086)); l.listen(1); l.settimeout(50)
c, _ = l.accept()
c.sendall(open(sys.argv[1], "rb").read()); c.close()' "$T/v6blob" &
	BG_PIDS+=($!)
	sleep 1
	got=$(nsx "$NS_A" timeout 60 "$PYTHON" -S -c '
import hashlib, socket
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, '"$EDU_PROTO"')
s.settimeout(50); s.connect(("'"$IP6_B"'", 8086))
h = hashlib.sha256()
while True:
    b = s.recv(65536)
    if not b:
        break
    h.update(b)
print(h.hexdigest())')
	note "v6 fetch: $got"
	[ "$got" = "$want" ] || { fail "IPv6 SHA-256 $got, want $want"; return 1; }
}


run_timed checksum_partial t_checksum_partial
run_timed gso_super_segments t_gso_super_segments
run_timed ipv6 t_ipv6
tap_exit
