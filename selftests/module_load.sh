#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# module_load: loading and unloading edu_tcp itself.  Runs first, with the
# module NOT loaded, and leaves it unloaded (scripts/guest-run-tests loads it
# for the other tests and flags a module this script left behind).
#
#   insmod edu_tcp.ko proto=N --> module_init: N must be 253 or 254, else
#        |                       -EINVAL and one pr_err line saying why
#        v
#   inet_protosw (SOCK_STREAM, N) + net_protocol N + /proc/edu_tcp ...
#        ^
#   python3 holding socket(AF_INET, SOCK_STREAM, N): a module reference,
#   so rmmod must fail with EBUSY until the socket is closed.
#
# Module path: $EDU_KO (default module/edu_tcp.ko).  Needs root and a kernel
# that can load this .ko; otherwise the whole plan SKIPs with the reason.
set -u

KO=${EDU_KO:-module/edu_tcp.ko}
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
SYS=/sys/module/edu_tcp
NTESTS=13
N=0
FAILED=0
PASSED=0
T=$(mktemp -d /tmp/edu_modload.XXXXXX)
HOLDER=

note() { echo "# $*"; }
fail() { echo "# FAIL: $*"; }

skip_all() {
	local i
	echo "TAP version 13"
	echo "1..$NTESTS"
	for i in $(seq 1 $NTESTS); do echo "ok $i # SKIP $1"; done
	rm -rf "$T"
	exit 4
}

result() { # rc name
	N=$((N + 1))
	if [ "$1" = 0 ]; then
		echo "ok $N $2"
		PASSED=$((PASSED + 1))
	else
		dmesg | tail -n 20 | sed 's/^/# dmesg: /'
		for f in /proc/edu_tcp /proc/net/edu_tcp_stat; do
			[ -r "$f" ] && sed "s|^|# $f: |" "$f"
		done
		echo "not ok $N $2"
		FAILED=1
	fi
}

loaded() { [ -d "$SYS" ]; }

cleanup() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null && wait "$HOLDER" 2>/dev/null
	# Leave the module unloaded, as we found it.
	loaded && rmmod edu_tcp 2>/dev/null
	rm -rf "$T"
}

# Error-level kernel messages that mention edu_tcp, counted so that a test
# can look at the lines one insmod added.
err_lines() {
	dmesg --level=emerg,alert,crit,err 2>/dev/null | grep -c 'edu_tcp'
}

# sock TYPE PROTO: "ok" or the errno name of socket(AF_INET, TYPE, PROTO).
sock() {
	"$PYTHON" -S - "$1" "$2" <<'EOF'
import errno, socket, sys
t = {"stream": socket.SOCK_STREAM, "dgram": socket.SOCK_DGRAM,
     "seqpacket": socket.SOCK_SEQPACKET}[sys.argv[1]]
try:
    socket.socket(socket.AF_INET, t, int(sys.argv[2])).close()
    print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
EOF
}

# A loopback connection with one byte each way, to show the module works.
loopback_echo() { # PROTO
	timeout 20 "$PYTHON" -S - "$1" <<'EOF'
import socket, sys
p = int(sys.argv[1])
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, p)
l.bind(("127.0.0.1", 0)); l.listen(1)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, p)
c.settimeout(10); c.connect(l.getsockname())
a, _ = l.accept(); a.settimeout(10)
c.sendall(b"x"); assert a.recv(1) == b"x"
a.sendall(b"y"); assert c.recv(1) == b"y"
c.close(); assert a.recv(1) == b""
a.close(); l.close()
print("ok")
EOF
}

# The aliases inet_create() and inet6_create() ask for on
# socket(AF_INET or AF_INET6, SOCK_STREAM, 253) with nobody serving it, so
# that modprobe can load edu_tcp then.
t_alias() {
	local want got rc=0
	got=$(modinfo -F alias "$KO") || { fail "modinfo -F alias failed"; return 1; }
	for want in net-pf-2-proto-253-type-1 net-pf-10-proto-253-type-1; do
		printf '%s\n' "$got" | grep -qx -- "$want" && continue
		fail "no alias $want; modinfo says: ${got:-nothing}"
		rc=1
	done
	return $rc
}

# insmod with a bad proto= must fail, leave nothing loaded and explain
# itself in exactly one error line.
t_bad_proto() { # value
	local before after out
	before=$(err_lines)
	if out=$(insmod "$KO" "proto=$1" 2>&1); then
		fail "insmod proto=$1 succeeded"
		rmmod edu_tcp
		return 1
	fi
	note "insmod proto=$1: $out"
	loaded && { fail "module present after failed insmod"; return 1; }
	after=$(err_lines)
	dmesg --level=emerg,alert,crit,err | grep 'edu_tcp' | tail -n $((after - before > 0 ? after - before : 1)) |
		sed 's/^/# dmesg: /'
	[ $((after - before)) = 1 ] ||
		{ fail "$((after - before)) new edu_tcp error lines in dmesg, want 1"; return 1; }
	return 0
}

t_proto_254() {
	local out rc=0
	out=$(insmod "$KO" proto=254 2>&1) || { fail "insmod proto=254: $out"; return 1; }
	[ "$(cat $SYS/parameters/proto 2>/dev/null)" = 254 ] ||
		{ fail "parameters/proto is not 254"; rc=1; }
	[ "$(sock stream 254)" = ok ] || { fail "socket(SOCK_STREAM, 254) refused"; rc=1; }
	[ "$(sock stream 253)" = EPROTONOSUPPORT ] ||
		{ fail "253 still served with proto=254"; rc=1; }
	[ "$(loopback_echo 254)" = ok ] || { fail "no connection under 254"; rc=1; }
	rmmod edu_tcp || { fail "rmmod after proto=254"; return 1; }
	return $rc
}

t_insmod() {
	local out
	out=$(insmod "$KO" 2>&1) || { fail "insmod: $out"; return 1; }
	loaded || { fail "$SYS missing"; return 1; }
	[ "$(cat $SYS/parameters/proto)" = 253 ] || { fail "proto is not 253"; return 1; }
	[ "$(loopback_echo 253)" = ok ] || { fail "no loopback connection"; return 1; }
}

t_params() {
	local kv name want got rc=0
	for kv in proto=253 msl_ms=30000 syn_retries=6 synack_retries=5 \
		rto_min_ms=200 retries=15; do
		name=${kv%%=*} want=${kv#*=}
		got=$(cat "$SYS/parameters/$name" 2>/dev/null)
		[ "$got" = "$want" ] || { fail "$name is '${got}', want $want"; rc=1; }
	done
	# Runtime knobs are writable (and take the new value) ...
	for name in msl_ms syn_retries synack_retries rto_min_ms retries; do
		got=$(cat "$SYS/parameters/$name")
		if ! echo 7 >"$SYS/parameters/$name" 2>/dev/null ||
			[ "$(cat "$SYS/parameters/$name")" != 7 ]; then
			fail "$name is not writable"
			rc=1
		fi
		echo "$got" >"$SYS/parameters/$name"
	done
	# ... but the protocol number is fixed at load time.
	if echo 254 >"$SYS/parameters/proto" 2>/dev/null; then
		fail "proto is writable at runtime"
		rc=1
	fi
	return $rc
}

t_proc_files() {
	local hdr want names rc=0 n
	want="sl local_address remote_address state tx_queue rx_queue timer timer_ms retrans uid inode cwnd srtt_us rto_ms"
	[ -r /proc/edu_tcp ] || { fail "/proc/edu_tcp missing"; return 1; }
	hdr=$(head -n 1 /proc/edu_tcp | tr -s ' \t' ' ' | sed 's/^ //; s/ $//')
	[ "$hdr" = "$want" ] || { fail "header '$hdr'"; rc=1; }
	[ -r /proc/net/edu_tcp_stat ] || { fail "/proc/net/edu_tcp_stat missing"; return 1; }
	names="InSegs OutSegs RetransSegs InErrs DropShort DropBadOffset DropBadCsum
		DropBadOption DropNoSocket DropOutOfWindow DropListenOverflow
		DropMemory OutRsts InRsts ChallengeAcks ActiveOpens PassiveOpens
		AttemptFails EstabResets SynRetrans SynAckRetrans FinRetrans
		TimeWaitCreated TimeWaitExpired DelayedAcks FastRetrans RtoExpired
		PersistProbes OutOfOrderQueued OutGsoSkbs GsoSegmented
		KeepAliveProbes KeepAliveTimeouts SyncookiesSent SyncookiesRecv
		SyncookiesFailed PeerMssClamped ChallengeAcksSkipped
		InvalidAcksSkipped OutOfOrderCovered OutOfOrderPruned
		PersistAborts TimeWaitOverflow AbortOnMemory MemoryPressures
		IcmpIn IcmpNoSocket IcmpOutOfWindow IcmpConnAborts
		IcmpSoftErrors PmtuUpdates
		MemoryPages MemoryPressure Orphans"
	for n in $names; do
		grep -Eq "^$n [0-9]+\$" /proc/net/edu_tcp_stat ||
			{ fail "no '$n <number>' line in edu_tcp_stat"; rc=1; }
	done
	return $rc
}

t_socket_types() {
	local rc=0 got
	got=$(sock stream 253); [ "$got" = ok ] || { fail "stream: $got"; rc=1; }
	got=$(sock dgram 253); [ "$got" = EPROTONOSUPPORT ] || { fail "dgram: $got"; rc=1; }
	got=$(sock seqpacket 253); [ "$got" = ESOCKTNOSUPPORT ] || { fail "seqpacket: $got"; rc=1; }
	return $rc
}

# A socket pins the module: rmmod must refuse while it is open.
t_rmmod_busy() {
	local out i
	"$PYTHON" -S -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 253)
s.bind(("127.0.0.1", 0)); s.listen(1)
print("ready", flush=True)
time.sleep(120)' >"$T/holder.out" 2>&1 &
	HOLDER=$!
	for i in $(seq 1 100); do
		grep -q ready "$T/holder.out" && break
		sleep 0.1
	done
	grep -q ready "$T/holder.out" || { fail "holder: $(cat "$T/holder.out")"; return 1; }
	if out=$(rmmod edu_tcp 2>&1); then
		fail "rmmod succeeded with a socket open"
		return 1
	fi
	note "rmmod with a socket open: $out"
	case $out in
	*"in use"* | *busy* | *Busy* | *EBUSY*) ;;
	*) fail "rmmod failed, but not as 'in use'"; return 1 ;;
	esac
	loaded || { fail "module gone"; return 1; }
	note "refcnt $(cat $SYS/refcnt 2>/dev/null)"
	return 0
}

# Closing the socket (its process exits) releases the module.
t_rmmod_after_close() {
	local i out
	kill "$HOLDER" 2>/dev/null
	wait "$HOLDER" 2>/dev/null
	HOLDER=
	# Socket release is synchronous on close, but allow RCU-deferred
	# frees a moment before calling it a leak.
	for i in 1 2 3 4 5; do
		out=$(rmmod edu_tcp 2>&1) && break
		sleep 0.5
	done
	loaded && { fail "rmmod after close: $out"; return 1; }
	[ "$i" = 1 ] || note "rmmod needed $i attempts"
	[ ! -e /proc/edu_tcp ] || { fail "/proc/edu_tcp still there"; return 1; }
	[ ! -e /proc/net/edu_tcp_stat ] || { fail "/proc/net/edu_tcp_stat still there"; return 1; }
	[ "$(sock stream 253)" = EPROTONOSUPPORT ] ||
		{ fail "socket(SOCK_STREAM, 253) without the module: $(sock stream 253)"; return 1; }
	return 0
}

t_reload() {
	local out
	out=$(insmod "$KO" 2>&1) || { fail "insmod again: $out"; return 1; }
	[ "$(loopback_echo 253)" = ok ] || { fail "no loopback connection after reload"; return 1; }
	[ -r /proc/edu_tcp ] || { fail "/proc/edu_tcp missing after reload"; return 1; }
}

t_final_unload() {
	local i out
	for i in 1 2 3 4 5; do
		out=$(rmmod edu_tcp 2>&1) && break
		sleep 0.5
	done
	loaded && { fail "rmmod: $out"; return 1; }
	return 0
}

# ---- preconditions ---------------------------------------------------------

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -f "$KO" ] || skip_all "$KO not built"
command -v insmod >/dev/null && command -v rmmod >/dev/null || skip_all "needs kmod"
vermagic=$(modinfo -F vermagic "$KO" 2>/dev/null)
[ "${vermagic%% *}" = "$(uname -r)" ] ||
	skip_all "$KO is for '${vermagic%% *}', running $(uname -r)"
if loaded; then
	rmmod edu_tcp 2>/dev/null || skip_all "edu_tcp is loaded and cannot be removed"
fi
trap cleanup EXIT

echo "TAP version 13"
echo "1..$NTESTS"
t_alias; result $? "module aliases for socket(AF_INET and AF_INET6, SOCK_STREAM, 253)"
t_bad_proto 6; result $? "insmod proto=6 refused"
t_bad_proto 17; result $? "insmod proto=17 refused"
t_bad_proto 300; result $? "insmod proto=300 refused"
t_proto_254; result $? "insmod proto=254 serves 254 only"
t_insmod; result $? "insmod"
if loaded; then
	t_params; result $? "module parameters"
	t_proc_files; result $? "proc files"
	t_socket_types; result $? "socket types"
	t_rmmod_busy; result $? "rmmod refused while a socket is open"
	t_rmmod_after_close; result $? "rmmod after close, proc files gone"
	t_reload; result $? "reload"
	t_final_unload; result $? "rmmod after reload"
else
	for name in "module parameters" "proc files" "socket types" \
		"rmmod refused while a socket is open" \
		"rmmod after close, proc files gone" "reload" "rmmod after reload"; do
		N=$((N + 1))
		echo "not ok $N $name # module did not load"
		FAILED=1
	done
fi

[ "$FAILED" = 0 ] || exit 1
[ "$PASSED" -gt 0 ] || exit 4
exit 0
