#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bounds: what closed connections and queued data may hold is bounded, as
# in Linux (review D1, D4 and section 2): TIME-WAIT records by
# max_tw_buckets, orphans by max_orphans, and all edu_tcp memory by the
# `mem` triple (tcp_mem's pages: below, pressure, hard limit), charged to
# struct proto's memory_allocated, which /proc/net/protocols shows.
#
#   +------ netns A ------+              +------ netns B ------+
#   | clients (python)    |              | server (python)     |
#   | veth_a 10.200.1.1 ==|==== veth ====|== veth_b 10.200.1.2 |
#   +---------------------+              +---------------------+
#
# edu_tcp only: the module's parameters are set for each test and put back.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

NTESTS=1
is_edu || skip_all $NTESTS "edu_tcp's own module parameters"
require_env $NTESTS
tap_plan $NTESTS
PORT=5300

# The python side, one file: "server ADDR PORT N" accepts N connections,
# reads each to its end and closes it; "clients ADDR PORT N" opens N,
# then closes them all first (active closes).
cat >"$T/b.py" <<'PY'
import os, socket, sys, time
proto = int(os.environ.get("EDU_PROTO", "253"))
cmd, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if cmd == "server":
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    print("listening", flush=True)
    conns = [ls.accept()[0] for _ in range(n)]
    for c in conns:
        while c.recv(65536):
            pass
        c.close()
    print("done", flush=True)
elif cmd == "clients":
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
        s.connect((addr, port))
        socks.append(s)
    for s in socks:
        s.close()
    print("closed", flush=True)
PY

server_start() { # N
	nsx "$NS_B" timeout 60 "$PYTHON" "$T/b.py" server "$IP_B" "$PORT" "$1" \
		>"$T/srv.out" 2>&1 &
	BG_PIDS+=($!)
	for _ in $(seq 1 200); do
		grep -q '^listening' "$T/srv.out" && return 0
		sleep 0.05
	done
	fail "server did not start: $(cat "$T/srv.out")"
	return 1
}

tw_rows() { # NS
	nsx "$1" cat /proc/edu_tcp | awk '$4 == "TIME-WAIT"' | wc -l
}

# max_tw_buckets=2 and three active closes: two records, the third
# connection closes without one (TimeWaitOverflow).
t_tw_buckets() {
	local ov cr rows
	param_set max_tw_buckets 2 || { fail "cannot set max_tw_buckets"; return 1; }
	ov=$(counter "$NS_A" TimeWaitOverflow)
	cr=$(counter "$NS_A" TimeWaitCreated)
	server_start 3 || return 1
	nsx "$NS_A" timeout 30 "$PYTHON" "$T/b.py" clients "$IP_B" "$PORT" 3 ||
		{ fail "clients failed"; return 1; }
	for _ in $(seq 1 100); do
		grep -q '^done' "$T/srv.out" && break
		sleep 0.1
	done
	sleep 0.5
	rows=$(tw_rows "$NS_A")
	[ "$rows" = 2 ] || { fail "$rows TIME-WAIT rows, expected 2"; return 1; }
	expect_delta "$NS_A" TimeWaitCreated "$cr" -eq 2; [ $? = 1 ] && return 1
	expect_delta "$NS_A" TimeWaitOverflow "$ov" -eq 1; [ $? = 1 ] && return 1
	return 0
}

run_test "max_tw_buckets=2: three active closes leave two TIME-WAIT records" t_tw_buckets
tap_exit
