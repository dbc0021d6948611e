#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# interop: edu_tcp against the kernel's own TCP, through scripts/edu-gateway
# on a router that rewrites IP protocol 253 <-> 6 with tc.
#
#   +--- netns A: edu_tcp ---+     +------------- netns R: router --------------+     +--- netns B: kernel TCP ---+
#   | peers, edu_xfer (253)  |     |  ip_forward        scripts/edu-gateway     |     | peers, edu_xfer -p 6,     |
#   | veth_a 10.200.1.1/24 ==|=====|= veth_ra .1.254    veth_rb .2.254 =========|=====|= veth_b 10.200.2.2/24     |
#   |        fd00:1::1/64    |     |   fd00:1::fe         fd00:2::fe            |     |   fd00:2::2/64  nginx     |
#   | egress: netem          |     |        egress 253->6, ingress 6->253       |     | egress: netem             |
#   +------------------------+     +--------------------------------------------+     +---------------------------+
#
# Protocol 253 runs between A and R, protocol 6 between R and B: edu_tcp
# clients reach TCP servers (edu_xfer -p 6, python, nginx) and TCP clients
# reach edu_tcp servers.  Checked here: edu-gateway's command line; bulk
# transfers both ways under netem loss, delay and reordering (SHA-256 of
# both directions compared between the ends); a file fetched from nginx;
# urgent data both ways; keep-alive probes answered by Linux.  On the same
# topology (lib/interop.sh), interop_close.sh checks the ways a connection
# ends, interop_window.sh windows, options and checksums.
#
# Every link has its offloads off (as setup_pair's).  Knobs:
# EDU_INTEROP_BYTES (default 2M per direction under netem),
# EDU_XFER_TIMEOUT (default 120 s per peer).

set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$LIB_DIR/interop.sh"

BYTES=${EDU_INTEROP_BYTES:-2M}
TO=${EDU_XFER_TIMEOUT:-120}
NTESTS=6

interop_start $NTESTS

# ---- tests --------------------------------------------------------------------

t_gateway_cli() {
	local out dev=gw_test
	out=$("$GATEWAY" help) && [[ $out == *"add DEV"* ]] ||
		{ fail "help text"; return 1; }
	out=$(nsx "$NS_R" "$GATEWAY" add no_such_dev 2>&1) &&
		{ fail "add on a missing device succeeded"; return 1; }
	[[ $out == *"no such device"* ]] || { fail "missing device: '$out'"; return 1; }
	out=$(nsx "$NS_R" "$GATEWAY" add "$DEV_RB" 2>&1) &&
		{ fail "a second add succeeded"; return 1; }
	note "second add: $out"
	if command -v setpriv >/dev/null; then
		out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$GATEWAY" add lo 2>&1) &&
			{ fail "add as nobody succeeded"; return 1; }
		[[ $out == *root* ]] || { fail "not root: '$out'"; return 1; }
	fi
	# add and del on a scratch device: the offloads come back as they were
	nsx "$NS_R" ip link add "$dev" type veth peer name "${dev}_p" || return 1
	local before after
	before=$(nsx "$NS_R" ethtool -k "$dev" | grep -E '^(tx-checksumming|generic-segmentation-offload):')
	EDU_GATEWAY_STATE=$T/gw nsx "$NS_R" "$GATEWAY" add "$dev" --v4 >/dev/null ||
		{ fail "add --v4 $dev"; return 1; }
	nsx "$NS_R" ethtool -k "$dev" | grep -q '^generic-segmentation-offload: off' ||
		{ fail "gso still on"; return 1; }
	out=$(nsx "$NS_R" "$GATEWAY" status "$dev") || { fail "status"; return 1; }
	[[ $out == *"pedit"* ]] || { fail "status shows no pedit: $out"; return 1; }
	EDU_GATEWAY_STATE=$T/gw nsx "$NS_R" "$GATEWAY" del "$dev" >/dev/null || { fail "del"; return 1; }
	after=$(nsx "$NS_R" ethtool -k "$dev" | grep -E '^(tx-checksumming|generic-segmentation-offload):')
	[ "$before" = "$after" ] || { fail "offloads not restored: '$before' -> '$after'"; return 1; }
	nsx "$NS_R" "$GATEWAY" status "$dev" >/dev/null && { fail "status after del"; return 1; }
	nsx "$NS_R" tc qdisc show dev "$dev" | grep -q clsact && { fail "clsact left"; return 1; }
	nsx "$NS_R" ip link del "$dev"
	return 0
}

t_netem_edu_client() {
	netem_both delay 5ms 2ms reorder 10% 50% loss 1% || return $?
	xfer_edu_to_tcp "$BYTES" "$BYTES"
}

t_netem_tcp_client() {
	netem_both delay 5ms 2ms reorder 10% 50% loss 1% || return $?
	xfer_tcp_to_edu "$BYTES" "$BYTES"
}

t_nginx() {
	local conf=$T/nginx.conf www=$T/www want got pid
	command -v nginx >/dev/null || { SKIP_REASON="no nginx"; return 2; }
	mkdir -p "$www" "$T/nginx_tmp"
	head -c 3000000 /dev/urandom >"$www/blob"
	want=$(sha256sum "$www/blob" | cut -d' ' -f1)
	cat >"$conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx.err;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx_tmp/body;
	proxy_temp_path $T/nginx_tmp/proxy;
	fastcgi_temp_path $T/nginx_tmp/fastcgi;
	uwsgi_temp_path $T/nginx_tmp/uwsgi;
	scgi_temp_path $T/nginx_tmp/scgi;
	server { listen $IP_B:8080; root $www; }
}
EOF
	nsx "$NS_B" timeout "$TO" nginx -e "$T/nginx.err" -p "$T" -c "$conf" &
	pid=$!
	BG_PIDS+=("$pid")
	for _ in $(seq 1 100); do
		nsx "$NS_B" ss -ltn | grep -q ":8080 " && break
		nap 0.1
	done
	got=$(nsx "$NS_A" timeout 60 "$PYTHON" -S - "$IP_B" "$EDU_PROTO" <<'EOF'
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, int(sys.argv[2]))
s.settimeout(50)
s.connect((sys.argv[1], 8080))
s.sendall(b"GET /blob HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n")
buf = bytearray()
while True:
    c = s.recv(65536)
    if not c:
        break
    buf += c
head, _, body = bytes(buf).partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), len(body), hashlib.sha256(body).hexdigest())
EOF
	)
	note "nginx: $got"
	kill_tree "$pid"
	wait "$pid" 2>/dev/null
	sed 's/^/#   nginx.err: /' "$T/nginx.err" 2>/dev/null | tail -n 5
	[[ $got == "HTTP/1.1 200 OK 3000000 $want" ]] || { fail "fetch: '$got', want sha $want"; return 1; }
}

t_urgent() {
	connect_peers edu && exchange || return 1
	peer_cmd edu 10 send_oob X && peer_cmd tcp 30 recv_oob 30 || return 1
	[ "$(reply_word 2)" = X ] || { fail "tcp got urgent '$(reply_word 2)'"; return 1; }
	peer_cmd tcp 10 send_oob Y && peer_cmd edu 30 recv_oob 30 || return 1
	[ "$(reply_word 2)" = Y ] || { fail "edu got urgent '$(reply_word 2)'"; return 1; }
	exchange
}

t_keepalive() {
	local kp
	connect_peers edu && exchange || return 1
	kp=$(counter "$NS_A" KeepAliveProbes)
	peer_cmd edu 10 keepalive 1 1 3 || return 1
	sleep 6
	expect_delta "$NS_A" KeepAliveProbes "$kp" -ge 2 || return 1
	peer_cmd edu 10 alive && peer_cmd tcp 10 alive || return 1
	exchange
}

run_timed gateway_cli t_gateway_cli
run_timed netem_edu_client_both_ways t_netem_edu_client
run_timed netem_tcp_client_both_ways t_netem_tcp_client
run_timed nginx_fetch t_nginx
run_timed urgent_both_ways t_urgent
run_timed keepalive_answered t_keepalive
tap_exit
