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

NTESTS=3
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
elif cmd == "hold":
    # accept one connection, read nothing, close when told (a RST: unread data)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    print("listening", flush=True)
    c = ls.accept()[0]
    while not os.path.exists(sys.argv[5]):
        time.sleep(0.05)
    c.close()
    print("done", flush=True)
elif cmd == "fill":
    # queue what a non-blocking send takes, until EAGAIN has lasted 1 s
    import fcntl, struct, termios
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.connect((addr, port))
    s.setblocking(False)
    total, buf, since = 0, b"x" * 65536, None
    while since is None or time.time() - since < 1.0:
        try:
            total += s.send(buf)
            since = None
        except BlockingIOError:
            since = since or time.time()
            time.sleep(0.05)
    outq = struct.unpack("i", fcntl.ioctl(s, termios.TIOCOUTQ, b"\0" * 4))[0]
    print("filled %d %d" % (total, outq), flush=True)
    while not os.path.exists(sys.argv[5]):
        time.sleep(0.05)
    s.setblocking(True)
    s.settimeout(10)
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
    print("closed", flush=True)
PY

server_start() { # N [hold]
	: >"$T/srv.out"
	nsx "$NS_B" timeout 60 "$PYTHON" -S "$T/b.py" "${2:-server}" "$IP_B" "$PORT" "$1" \
		"$T/release" >"$T/srv.out" 2>&1 &
	BG_PIDS+=($!)
	wait_line "$T/srv.out" listening 200 0.05 && return 0
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
	nsx "$NS_A" timeout 30 "$PYTHON" -S "$T/b.py" clients "$IP_B" "$PORT" 3 ||
		{ fail "clients failed"; return 1; }
	wait_line "$T/srv.out" done 100 0.1
	nap 0.5
	rows=$(tw_rows "$NS_A")
	[ "$rows" = 2 ] || { fail "$rows TIME-WAIT rows, expected 2"; return 1; }
	expect_delta "$NS_A" TimeWaitCreated "$cr" -eq 2; [ $? = 1 ] && return 1
	expect_delta "$NS_A" TimeWaitOverflow "$ov" -eq 1; [ $? = 1 ] && return 1
	return 0
}

# Pages edu_tcp has charged, as /proc/net/protocols shows them (from
# struct proto's memory_allocated; -1 if it had none).
mem_pages() {
	awk '$1 == "EDU_TCP" { print $4 }' /proc/net/protocols
}

# The same, exact (every CPU's batch included): edu_tcp_stat's gauge.
mem_exact() {
	awk '$1 == "MemoryPages" { print $2 }' /proc/net/edu_tcp_stat
}

# A connection whose peer reads nothing, filled by non-blocking sends;
# sets FILLED ("bytes_sent outq") and leaves both ends waiting.
fill_start() {
	rm -f "$T/release"
	server_start 1 hold || return 1
	nsx "$NS_A" timeout 60 "$PYTHON" -S "$T/b.py" fill "$IP_B" "$PORT" 1 \
		"$T/release" >"$T/cli.out" 2>&1 &
	BG_PIDS+=($!)
	for _ in $(seq 1 200); do
		grep -q '^filled' "$T/cli.out" && break
		nap 0.1
	done
	FILLED=$(awk '/^filled/ { print $2, $3 }' "$T/cli.out")
	[ -n "$FILLED" ] || { fail "no fill: $(cat "$T/cli.out")"; return 1; }
	note "sent, unacknowledged: $FILLED"
}

# The server closes (a RST: it read nothing), the client then; all memory
# must come back.
fill_release() {
	local pages
	touch "$T/release"
	wait_line "$T/cli.out" closed 100 0.1 && wait_line "$T/srv.out" done 100 0.1
	# MemoryPages is exact; /proc/net/protocols shows memory_allocated,
	# which the kernel settles in per-CPU batches (as TCP's), so a page a
	# CPU may still owe it, at most, once every page came back
	for _ in $(seq 1 50); do
		pages=$(mem_exact)
		[ "$pages" = 0 ] && [ "$(mem_pages)" -le "$(nproc)" ] && return 0
		nap 0.1
	done
	fail "MemoryPages $pages, memory column $(mem_pages) after every socket closed, expected 0 (column: at most $(nproc))"
	return 1
}

# The memory column counts what a socket holds and gives it all back.
t_mem_column() {
	local pages
	fill_start || return 1
	pages=$(mem_pages)
	note "memory column while data is queued: $pages pages (exact: $(mem_exact))"
	[ "${pages:--1}" -gt 0 ] || { fail "memory column '$pages', expected > 0"; fill_release; return 1; }
	FILL_DEFAULT=${FILLED#* }
	fill_release || return 1
}

# mem tiny (8 pages for all of edu_tcp): a non-blocking send gets EAGAIN
# with little queued, rather than a full 512 KiB send buffer.
t_mem_tiny() {
	local outq mp
	param_set mem 8,8,8 || { fail "cannot set mem"; return 1; }
	mp=$(counter "$NS_A" MemoryPressures)
	fill_start || return 1
	outq=${FILLED#* }
	[ "$outq" -lt 131072 ] || { fail "$outq bytes queued with mem=8,8,8"; fill_release; return 1; }
	[ "${FILL_DEFAULT:-0}" -gt 262144 ] ||
		{ fail "only ${FILL_DEFAULT:-?} bytes queued with the default mem"; fill_release; return 1; }
	expect_delta "$NS_A" MemoryPressures "$mp" -ge 1; [ $? = 1 ] && { fill_release; return 1; }
	fill_release || return 1
}

run_test "max_tw_buckets=2: three active closes leave two TIME-WAIT records" t_tw_buckets
run_test "memory column > 0 while data is queued, 0 after close" t_mem_column
run_test "mem=8,8,8: a non-blocking send stops early (EAGAIN)" t_mem_tiny
tap_exit
