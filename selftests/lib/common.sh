# SPDX-License-Identifier: GPL-2.0
#
# Shared by the selftests/*.sh network tests (source it, don't run it):
# TAP output, two network namespaces joined by a veth pair, impairments,
# scripted socket peers (lib/peer.py), /proc/edu_tcp rows and counters.
#
#   ns A: veth_a 10.200.1.1/24  <====veth====>  veth_b 10.200.1.2/24 :ns B
#
# The protocol comes from $EDU_PROTO (default 253).  With EDU_PROTO=6 the
# scripts run against the kernel's TCP, which validates the tests; edu_tcp
# counters are then mapped to the kernel's /proc/net/snmp where one exists,
# and checks with no TCP equivalent SKIP with a reason.

EDU_PROTO=${EDU_PROTO:-253}
export EDU_PROTO
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# /usr/bin/python3 first: a pyenv shim is a shell script, slow in a TCG guest.
# The tests' own python (peers, probes, injectors) runs with -S: it uses
# the standard library alone, and site's .pth hooks of the host's
# dist-packages took longer than the rest of a start on the debug guest.
# Real programs (http.server in programs.sh) start as a user starts them.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
PARAM_DIR=/sys/module/edu_tcp/parameters

NS_A=edu_a_$$
NS_B=edu_b_$$
DEV_A=veth_a
DEV_B=veth_b
IP_A=10.200.1.1
IP_B=10.200.1.2
T=$(mktemp -d /tmp/edu_selftest.XXXXXX)

# Namespaces a test creates beyond A and B (a router, say): cleanup()
# deletes them and dump_diag() shows them.
EXTRA_NS=()

TAP_N=0
TAP_FAILED=0
TAP_PASSED=0
declare -A PEER_FD PEER_RFD PEER_PID PARAM_SAVED
BG_PIDS=()

is_edu() { [ "$EDU_PROTO" != 6 ]; }
# A command in namespace NS.  nsenter enters only the network namespace,
# a third cheaper than `ip netns exec` (no mount namespace, no remount of
# /sys), which counts in a TCG guest; /proc/net and /proc/edu_tcp follow
# the network namespace, /sys does not: nsx_sys for /sys/class/net.
nsx() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
nsx_sys() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# `nsx NS CMD &` puts a subshell in the background, and CMD (a timeout,
# its peer) is the subshell's child: a kill of the subshell's pid alone
# would leave the peer running, its sockets holding the module.  The
# children first: a timeout passes SIGTERM on to its command.
kill_tree() { # PID
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		kill_tree "$c"
	done
	kill "$1" 2>/dev/null
}
# bash's own clock: no date(1) to start, which costs in a TCG guest
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# nap SECONDS: sleep(1) without starting it: a read that times out on a
# FIFO nobody writes (held open read-write, so the open does not block).
# Opened here, once: subshells inherit it.
NAP_FD=
mkfifo "$T/nap" && exec {NAP_FD}<>"$T/nap"
nap() {
	[ -n "$NAP_FD" ] || { sleep "$1"; return 0; }
	read -r -t "$1" -u "$NAP_FD" _
	return 0
}

# wait_gone PID SECONDS: until PID has exited, or SECONDS have passed.
wait_gone() {
	local until=$(($(now_ms) + $2 * 1000))
	while kill -0 "$1" 2>/dev/null; do
		[ "$(now_ms)" -lt "$until" ] || return 1
		nap 0.05
	done
}

# first_line FILE WORD: the first line of FILE whose first word is WORD,
# in $LINE; fails when there is none.
LINE=
first_line() {
	local w
	LINE=
	while IFS= read -r LINE; do
		read -r w _ <<<"$LINE"
		[ "$w" = "$2" ] && return 0
	done 2>/dev/null <"$1"
	LINE=
	return 1
}

# wait_line FILE WORD TRIES SECONDS: until FILE has a line whose first word
# is WORD (in $LINE), trying TRIES times SECONDS apart.
wait_line() {
	local i
	for ((i = 0; i < $3; i++)); do
		first_line "$1" "$2" && return 0
		nap "$4"
	done
	return 1
}

# word N LINE: LINE's word N, from 0.
word() {
	local -a w
	read -r -a w <<<"$2"
	echo "${w[$1]:-}"
}

# show_file PREFIX FILE...: each line of each FILE, after PREFIX (sed
# 's/^/PREFIX/' without starting sed).
show_file() {
	local prefix=$1 f line
	shift
	for f in "$@"; do
		[ -r "$f" ] || continue
		while IFS= read -r line || [ -n "$line" ]; do
			printf '%s%s\n' "$prefix" "$line"
		done <"$f"
	done
}

# ---- another namespace's /proc/net, read without a program ---------------
#
# Every program a test starts costs much of a second on the debug guest
# (KASAN, lockdep and kmemleak under TCG), and reading a counter used to
# take two (nsenter, awk).  /proc/PID/net/ is PID's namespace's /proc/net,
# edu_tcp's table (net/edu_tcp) and counters (net/edu_tcp_stat) included,
# so one sleeping process per namespace, its anchor, lets bash's own read
# take any of them from here.

declare -A NS_PID

# ns_anchor NS...: start NS's anchor (require_env does it for the
# namespaces its set-up made; a test that adds one later may call it).
# It lives as long as a peer may (a script killed before its cleanup must
# not leave it holding the namespace for a day); netns_read falls back to
# nsenter once it is gone.
ns_anchor() {
	local ns
	for ns in "$@"; do
		[ -z "${NS_PID[$ns]:-}" ] || continue
		nsenter --net="/run/netns/$ns" sleep "${EDU_PEER_LIFETIME:-900}" \
			</dev/null >/dev/null 2>&1 &
		NS_PID[$ns]=$!
	done
}

ns_anchors_stop() {
	local ns
	for ns in "${!NS_PID[@]}"; do
		kill "${NS_PID[$ns]}" 2>/dev/null
		wait "${NS_PID[$ns]}" 2>/dev/null
	done
	NS_PID=()
}

# netns_read NS NAME: NS's /proc/net/NAME, whole, in $NET_TEXT (empty if
# it cannot be read).  Through the anchor once it is in NS (nsenter has
# entered it: the -ef test, a stat); until then, or without one, by
# nsenter and cat.
NET_TEXT=
netns_read() {
	local pid=${NS_PID[$1]:-}
	NET_TEXT=
	if [ -n "$pid" ] && [ "/proc/$pid/ns/net" -ef "/run/netns/$1" ]; then
		# read returns 1 at the end of the file, which is the point
		{ IFS= read -r -d '' NET_TEXT <"/proc/$pid/net/$2"; } 2>/dev/null
		return 0
	fi
	NET_TEXT=$(nsx "$1" cat "/proc/net/$2" 2>/dev/null)
}

# table_rows NS: the rows of NS's /proc/net/edu_tcp (no header line) in
# the array ROWS, and the header's column numbers in COL (COL[state]...).
declare -A COL
ROWS=()
table_rows() {
	local -a names
	local i
	netns_read "$1" edu_tcp
	mapfile -t ROWS <<<"$NET_TEXT"
	read -r -a names <<<"${ROWS[0]:-}"
	COL=()
	for i in "${!names[@]}"; do
		COL[${names[i]}]=$i
	done
	ROWS=("${ROWS[@]:1}")
	[ -n "${ROWS[*]}" ] || ROWS=()
}
SCRIPT_T0=$(now_ms)
note() { echo "# $*"; }
# Record why a test failed; the caller then returns 1.
fail() { echo "# FAIL: $*"; }

# ---- TAP ------------------------------------------------------------------

tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
	# where a guest's minutes go, with run_test's per-test times
	note "(setup: $(($(now_ms) - SCRIPT_T0)) ms)"
}

dump_diag() {
	local ns
	for ns in "$NS_A" "$NS_B" "${EXTRA_NS[@]}"; do
		ip netns list 2>/dev/null | grep -qw "$ns" || continue
		echo "# --- netns $ns"
		if [ -r /proc/edu_tcp ]; then
			echo "# cat /proc/edu_tcp"
			nsx "$ns" cat /proc/edu_tcp 2>&1 | sed 's/^/#   /'
		fi
		if nsx "$ns" test -r /proc/net/edu_tcp_stat; then
			echo "# cat /proc/net/edu_tcp_stat"
			nsx "$ns" cat /proc/net/edu_tcp_stat 2>&1 | sed 's/^/#   /'
		fi
		if ! is_edu; then
			nsx "$ns" ss -tanoi 2>&1 | sed 's/^/#   /'
		fi
		nsx "$ns" tc qdisc show 2>&1 | sed 's/^/#   /'
	done
}

# run_test NAME FUNCTION: the function returns 0 (pass), 1 (fail) or 2
# (skip, reason in $SKIP_REASON).  Peers, impairments and module
# parameters are reset after each test so that one failure doesn't cascade;
# a test that sets KEEP_PEERS=1 hands its peers on to the next one.
KEEP_PEERS=0
run_test() {
	local name=$1 fn=$2 rc p t0
	SKIP_REASON=
	t0=$(now_ms)
	"$fn"
	rc=$?
	[ "$KEEP_PEERS" = 1 ] || peer_stop_all
	unimpair_all
	for p in "${!PARAM_SAVED[@]}"; do
		param_restore "$p"
	done
	TAP_N=$((TAP_N + 1))
	case $rc in
	0) echo "ok $TAP_N $name"; TAP_PASSED=$((TAP_PASSED + 1)) ;;
	2) echo "ok $TAP_N $name # SKIP ${SKIP_REASON:-no reason given}" ;;
	3) dump_diag
	   echo "not ok $TAP_N $name # TODO ${TODO_REASON:-known bug}" ;;
	*)
		dump_diag
		echo "not ok $TAP_N $name"
		TAP_FAILED=1
		;;
	esac
	# where a guest's minutes go, for make check's budget
	note "($(($(now_ms) - t0)) ms)"
}

# kselftest exit codes: 1 on failure, 4 when everything was skipped.
tap_exit() {
	if [ "$TAP_FAILED" != 0 ]; then exit 1; fi
	if [ "$TAP_PASSED" = 0 ] && [ "$TAP_N" != 0 ]; then exit 4; fi
	exit 0
}

# Whole-script skip (no root, no ip netns, ...): a plan of N skipped tests.
skip_all() { # N reason
	local i
	tap_plan "$1"
	for i in $(seq 1 "$1"); do echo "ok $i # SKIP $2"; done
	exit 4
}

# need_xfer N: set XFER to the edu_xfer transfer tool, compiling a private
# copy if it was not built; without either the script's N tests skip.
need_xfer() {
	XFER=build/tools/edu_xfer
	[ -x "$XFER" ] && return 0
	gcc -O2 -I include/uapi -o "$T/edu_xfer" tools/edu_xfer.c 2>/dev/null ||
		skip_all "$1" "$XFER not built and cannot be compiled"
	XFER=$T/edu_xfer
}

# xfer A_SENDS B_SENDS [B_ADDR]: one edu_xfer connection from $NS_A to
# B_ADDR (default $IP_B) in $NS_B; each end sends its bytes while
# receiving the other's, every peer under timeout $TO.  Both must exit 0
# and agree on both digests.  Needs need_xfer.  XFER_A and XFER_B, when
# set, run at A's and B's end instead of $XFER (interop.sh: one per protocol).
# XFER_FLAGS (an array, empty by default) goes to both ends: (-6) for
# AF_INET6 sockets; XFER_CLI_FLAGS and XFER_SRV_FLAGS to one end only.
XFER_FLAGS=()
XFER_CLI_FLAGS=()
XFER_SRV_FLAGS=()
xfer() {
	local na=$1 nb=$2 addr=${3:-$IP_B} seed=$((RANDOM + 1)) port spid crc src t0
	local srv_addr=${XFER_SRV_ADDR:-$addr}
	t0=$(now_ms)
	# Emptied here, before the server starts: its own redirection comes
	# after the fork, and until then the file holds the last server's port.
	: >"$T/srv.out"
	nsx "$NS_B" timeout -k 5 "$TO" "${XFER_B:-$XFER}" "${XFER_FLAGS[@]}" "${XFER_SRV_FLAGS[@]}" \
		-l -q -t "$TO" -a "$srv_addr" \
		-n "$nb" -e "$na" -s "$seed" 0 >"$T/srv.out" 2>"$T/srv.err" &
	spid=$!
	wait_line "$T/srv.out" listening 200 0.05
	port=$(word 1 "$LINE")
	[ -n "$port" ] || { fail "server did not listen"; show_file "" "$T/srv.err"; kill_tree "$spid"; return 1; }
	nsx "$NS_A" timeout -k 5 "$TO" "${XFER_A:-$XFER}" "${XFER_FLAGS[@]}" "${XFER_CLI_FLAGS[@]}" \
		-q -t "$TO" -n "$na" -e "$nb" \
		-s "$seed" "$addr" "$port" >"$T/cli.out" 2>"$T/cli.err"
	crc=$?
	wait "$spid"
	src=$?
	note "A -> $addr: client exit $crc, server exit $src, $(($(now_ms) - t0)) ms"
	show_file "#   client: " "$T/cli.out" "$T/cli.err"
	show_file "#   server: " "$T/srv.out" "$T/srv.err"
	if [ "$crc" != 0 ] || [ "$src" != 0 ]; then
		fail "edu_xfer failed"
		return 1
	fi
	# "sent BYTES DIGEST" at one end is "recv BYTES DIGEST" at the other
	xfer_agree "$T/cli.out" "$T/srv.out" || { fail "A->B digests differ"; return 1; }
	xfer_agree "$T/srv.out" "$T/cli.out" || { fail "B->A digests differ"; return 1; }
	return 0
}

xfer_agree() { # SENDER_OUT RECEIVER_OUT
	local sent
	first_line "$1" sent || return 1
	sent=${LINE#sent }
	first_line "$2" recv && [ "${LINE#recv }" = "$sent" ]
}

# ---- topology -------------------------------------------------------------

# Fixed, locally administered MAC addresses: the static neighbour entries
# below need no lookup.
MAC_A=02:ed:00:00:00:0a
MAC_B=02:ed:00:00:00:0b

# ip_batch NS: the ip(8) commands on stdin, run in NS by one process
# (each `nsx NS ip ...` is two program starts, seconds on the debug guest);
# it stops at the first that fails, and fails then.
ip_batch() { ip -n "$1" -batch -; }

# Checksums in software: veth would otherwise leave a CHECKSUM_PARTIAL skb
# unchecked on receive, and netem's corruption would go unseen.  No GSO
# either, so that netem loses, duplicates and corrupts single segments
# (kernel TCP would otherwise hand it 64 KiB super-packets).
offloads_off() { # NS DEV
	nsx "$1" ethtool -K "$2" tx off gso off tso off >/dev/null 2>&1 ||
		nsx "$1" ethtool -K "$2" tx off >/dev/null 2>&1 ||
		{ note "ethtool -K $2 tx off failed"; return 1; }
}

setup_pair() {
	ip netns add "$NS_A" && ip netns add "$NS_B" || return 1
	ip link add "$DEV_A" netns "$NS_A" address "$MAC_A" type veth \
		peer name "$DEV_B" netns "$NS_B" address "$MAC_B" || return 1
	# Static neighbours: a 100% loss impairment must drop only our
	# segments, not ARP, or a lost ARP would end a connect() with
	# EHOSTUNREACH instead of letting SYN retransmission run.
	ip_batch "$NS_A" <<EOF || return 1
link set lo up
addr add $IP_A/24 dev $DEV_A
link set $DEV_A up
neigh replace $IP_B lladdr $MAC_B dev $DEV_A nud permanent
EOF
	ip_batch "$NS_B" <<EOF || return 1
link set lo up
addr add $IP_B/24 dev $DEV_B
link set $DEV_B up
neigh replace $IP_A lladdr $MAC_A dev $DEV_B nud permanent
EOF
	offloads_off "$NS_A" "$DEV_A" && offloads_off "$NS_B" "$DEV_B"
}

cleanup() {
	local pid p ns t0
	t0=$(now_ms)
	peer_stop_all
	for pid in "${BG_PIDS[@]}"; do
		kill_tree "$pid"
	done
	ns_anchors_stop
	for p in "${!PARAM_SAVED[@]}"; do
		echo "${PARAM_SAVED[$p]}" >"$PARAM_DIR/$p" 2>/dev/null
	done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	for ns in "${EXTRA_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T"
	note "(cleanup: $(($(now_ms) - t0)) ms)"
}

# Common preconditions; exits with a whole-plan skip when unmet.  The
# topology comes from SETUP_FUNCTION (default setup_pair: A and B joined by
# a veth pair with offloads off); it must at least create $NS_A and $NS_B.
require_env() { # N [SETUP_FUNCTION]
	[ "$(id -u)" = 0 ] || skip_all "$1" "needs root"
	command -v ip >/dev/null || skip_all "$1" "needs iproute2"
	command -v "$PYTHON" >/dev/null || skip_all "$1" "needs python3"
	if is_edu && [ ! -d /sys/module/edu_tcp ]; then
		skip_all "$1" "edu_tcp is not loaded"
	fi
	trap cleanup EXIT
	"${2:-setup_pair}" || { cleanup; skip_all "$1" "cannot create network namespaces/veth"; }
	ns_anchor "$NS_A" "$NS_B" "${EXTRA_NS[@]}"
}

# ---- module parameters ----------------------------------------------------

# Parameters are the module's, shared by every namespace, and
# scripts/guest-run-tests runs tests side by side: it says in
# EDU_TEST_KIND which kind it took this test for.  A test it runs beside
# others may set only what that kind allows (a PARAM_TESTS test: timers,
# retries, offload; a transfer or a TIMING_TESTS test: nothing), so that a
# test that starts to set something is listed where it belongs.
PARAMS_OF_PARAM_TESTS="msl_ms syn_retries synack_retries retries orphan_retries offload"
param_allowed() { # name
	case "${EDU_TEST_KIND:-alone}" in
	alone) return 0 ;;
	param) [[ " $PARAMS_OF_PARAM_TESTS " == *" $1 "* ]] && return 0 ;;
	esac
	echo "# FAIL: this test sets parameter $1 while it runs beside other tests" \
		"(EDU_TEST_KIND=$EDU_TEST_KIND): list it in scripts/guest-run-tests'" \
		"ALONE_TESTS or PARAM_TESTS" >&2
	return 1
}

# Set an edu_tcp parameter, remembering the first old value for cleanup.
param_set() { # name value
	local f=$PARAM_DIR/$1
	param_allowed "$1" || return 1
	[ -w "$f" ] || return 1
	[ -n "${PARAM_SAVED[$1]+x}" ] || PARAM_SAVED[$1]=$(cat "$f")
	echo "$2" >"$f"
}

param_restore() { # name
	[ -n "${PARAM_SAVED[$1]+x}" ] || return 0
	echo "${PARAM_SAVED[$1]}" >"$PARAM_DIR/$1"
	unset "PARAM_SAVED[$1]"
}

# ---- counters ---------------------------------------------------------------

# snmp_get NS FILE PREFIX FIELD: /proc/net/snmp style "Prefix: names" then
# "Prefix: values" lines (FILE: /proc/net/snmp, /proc/net/netstat).
snmp_get() {
	local line i
	local -a names=() vals
	netns_read "$1" "${2#/proc/net/}"
	while IFS= read -r line; do
		[[ $line == "$3: "* ]] || continue
		if [ ${#names[@]} = 0 ]; then
			read -r -a names <<<"$line"
			continue
		fi
		read -r -a vals <<<"$line"
		for i in "${!names[@]}"; do
			[ "${names[i]}" = "$4" ] && { echo "${vals[i]}"; break; }
		done
		return 0
	done <<<"$NET_TEXT"
}

# counter NS NAME: an edu_tcp_stat counter, or with EDU_PROTO=6 the
# kernel TCP counter that means the same; empty when there is none.
counter() {
	local ns=$1 name=$2
	local re=$'(^|\n)'"$name"' ([0-9]+)'
	if is_edu; then
		netns_read "$ns" edu_tcp_stat
		[[ $NET_TEXT =~ $re ]] && echo "${BASH_REMATCH[2]}"
		return 0
	fi
	case $name in
	InSegs | OutSegs | RetransSegs | InErrs | OutRsts | ActiveOpens | \
		PassiveOpens | AttemptFails | EstabResets)
		snmp_get "$ns" /proc/net/snmp Tcp "$name" ;;
	DropBadCsum) snmp_get "$ns" /proc/net/snmp Tcp InCsumErrors ;;
	SynRetrans) snmp_get "$ns" /proc/net/netstat TcpExt TCPSynRetrans ;;
	# Kernel TCP has no FIN-only counter; with only a FIN in flight
	# every retransmission is the FIN (or a probe standing for it).
	FinRetrans) snmp_get "$ns" /proc/net/snmp Tcp RetransSegs ;;
	*) ;;
	esac
}

# expect_delta NS NAME BEFORE OP VALUE: compare (now - before) with VALUE
# using test(1)'s OP (-ge, -eq ...).  Returns 0 ok, 1 wrong, 2 no counter.
expect_delta() {
	local now
	now=$(counter "$1" "$2")
	if [ -z "$3" ] || [ -z "$now" ]; then
		if is_edu; then
			fail "counter $2 missing in /proc/net/edu_tcp_stat"
			return 1
		fi
		note "kernel TCP has no counter like $2: not checked"
		return 2
	fi
	if test "$((now - $3))" "$4" "$5"; then
		note "$2 delta $((now - $3)) ($4 $5)"
		return 0
	fi
	fail "$2 delta is $((now - $3)), expected $4 $5 (before $3, now $now)"
	return 1
}

# ---- /proc/edu_tcp ----------------------------------------------------------

# proc_row NS LOCAL REMOTE: "state timer timer_ms" of the row with these
# addresses (a.b.c.d:port), found by header column names.
proc_row() {
	local row
	local -a f
	table_rows "$1"
	for row in "${ROWS[@]}"; do
		read -r -a f <<<"$row"
		[ "${f[COL[local_address]]}" = "$2" ] && [ "${f[COL[remote_address]]}" = "$3" ] || continue
		echo "${f[COL[state]]} ${f[COL[timer]]} ${f[COL[timer_ms]]}"
		return 0
	done
}

# ---- impairments ------------------------------------------------------------

IMPAIRED=()

# impair NS DEV NETEM-ARGS...: netem on DEV's egress.  Returns 2 when this
# kernel has no netem (the host validating the tests), 1 on other errors.
impair() {
	local ns=$1 dev=$2 err
	shift 2
	err=$(nsx "$ns" tc qdisc replace dev "$dev" root netem "$@" 2>&1) && {
		IMPAIRED+=("$ns:$dev")
		return 0
	}
	note "tc netem $*: $err"
	case $err in *"unknown"* | *"not found"*) return 2 ;; esac
	return 1
}

# netem's rate where there is netem (the guest cannot autoload sch_tbf),
# else a token bucket (a host without sch_netem).
impair_rate() { # NS DEV RATE
	local rc
	impair "$1" "$2" rate "$3" >/dev/null
	rc=$?
	[ $rc = 2 ] || return $rc
	nsx "$1" tc qdisc replace dev "$2" root tbf rate "$3" burst 32kbit latency 100ms || return 1
	IMPAIRED+=("$1:$2")
}

# Asked once a script (nft and nf_tables do not come and go).
HAVE_NFT=
have_nft() {
	if [ -z "$HAVE_NFT" ]; then
		HAVE_NFT=no
		command -v nft >/dev/null && nsx "$NS_B" nft list tables >/dev/null 2>&1 &&
			HAVE_NFT=yes
	fi
	[ "$HAVE_NFT" = yes ]
}

# lose FROM PERCENT: drop PERCENT% of our protocol's packets sent by
# namespace FROM (A or B).  netem on FROM's veth when it exists; otherwise
# an nftables rule on the receiving side, so the host without sch_netem can
# still validate loss tests.  Returns 2 when neither is available.
lose() {
	local from=$1 pct=$2 ns dev to saddr rc
	if [ "$from" = A ]; then
		ns=$NS_A dev=$DEV_A to=$NS_B saddr=$IP_A
	else
		ns=$NS_B dev=$DEV_B to=$NS_A saddr=$IP_B
	fi
	impair "$ns" "$dev" loss "$pct%" >/dev/null
	rc=$?
	[ $rc = 2 ] || return $rc
	have_nft || return 2
	local rule="ip saddr $saddr ip protocol $EDU_PROTO"
	[ "$pct" = 100 ] || rule="$rule numgen random mod 100 < $pct"
	nsx "$to" nft -f - <<EOF || return 1
add table ip edu_loss
add chain ip edu_loss in { type filter hook prerouting priority -300; }
add rule ip edu_loss in $rule drop
EOF
	IMPAIRED+=("nft:$to")
}

unimpair_all() {
	local i
	for i in "${IMPAIRED[@]}"; do
		case $i in
		nft:*) nsx "${i#nft:}" nft delete table ip edu_loss 2>/dev/null ;;
		*) nsx "${i%%:*}" tc qdisc del dev "${i#*:}" root 2>/dev/null ;;
		esac
	done
	IMPAIRED=()
}

# ---- scripted peers (lib/peer.py) ------------------------------------------

# PEER_PY: the peer program (default lib/peer.py; interop.sh's extends it).
# Its replies come through a FIFO that peer_wait blocks on (bash's read -t):
# no polling, which under TCG would take a vCPU from the test itself.
# Each reply is also kept in $T/NAME.out for the diagnostics.
peer_start() { # NAME NS
	local name=$1 ns=$2 fd rfd
	rm -f "$T/$name.in" "$T/$name.rep"
	mkfifo "$T/$name.in" "$T/$name.rep" || return 1
	: >"$T/$name.out"
	# A net against a peer left behind, not a test's time limit: peers
	# kept across tests (KEEP_PEERS) live several tests long, which on
	# the debug guest (KASAN and lockdep under TCG) is minutes.
	nsx "$ns" timeout "${EDU_PEER_LIFETIME:-900}" "$PYTHON" -S "${PEER_PY:-$LIB_DIR/peer.py}" \
		<"$T/$name.in" >"$T/$name.rep" 2>"$T/$name.err" &
	PEER_PID[$name]=$!
	exec {fd}>"$T/$name.in"
	PEER_FD[$name]=$fd
	# read-write: the open does not wait for the peer's end
	exec {rfd}<>"$T/$name.rep"
	PEER_RFD[$name]=$rfd
	# PEER_NOWAIT=1: the caller waits for "ok ready" (peers start in parallel)
	[ "${PEER_NOWAIT:-0}" = 1 ] || peer_wait "$name" 60
}

peer_send() { # NAME COMMAND...
	# a dead peer fails the test (peer_wait), not the script (SIGPIPE)
	(echo "${*:2}" >&"${PEER_FD[$1]}") 2>/dev/null
}

# peer_wait NAME [TIMEOUT_S]: the next reply line, in $REPLY.
peer_wait() {
	local name=$1
	REPLY=
	if read -r -t "${2:-20}" -u "${PEER_RFD[$name]}" REPLY; then
		echo "$REPLY" >>"$T/$name.out"
		note "$name: $REPLY"
		[ "${REPLY%% *}" = ok ]
		return
	fi
	REPLY="err TIMEOUT (no reply from peer $name)"
	note "$name: $REPLY"
	sed 's/^/#   stderr: /' "$T/$name.err"
	return 1
}

peer_cmd() { # NAME TIMEOUT_S COMMAND...
	note "$1> ${*:3}"
	peer_send "$1" "${@:3}"
	peer_wait "$1" "$2"
}

peer_stop_all() {
	local name fd
	for name in "${!PEER_FD[@]}"; do
		fd=${PEER_FD[$name]}
		# in a subshell: a peer that is gone already would make the
		# write raise SIGPIPE, which must not end the whole script
		(echo exit >&"$fd") 2>/dev/null
		exec {fd}>&-
		# Give it a moment to close its sockets, then make sure.
		wait_gone "${PEER_PID[$name]}" 5 || kill_tree "${PEER_PID[$name]}"
		wait "${PEER_PID[$name]}" 2>/dev/null
		fd=${PEER_RFD[$name]}
		exec {fd}<&-
		rm -f "$T/$name.in" "$T/$name.rep"
	done
	PEER_FD=()
	PEER_RFD=()
	PEER_PID=()
}

# word N of $REPLY (0-based after "ok"), e.g. the port of "ok listening 5000".
reply_word() {
	local -a w
	read -r -a w <<<"$REPLY"
	echo "${w[$1]}"
}

# info_get KEY: a field of the last "ok info k=v ..." reply.
info_get() {
	local kv
	for kv in $REPLY; do
		[ "${kv%%=*}" = "$1" ] && { echo "${kv#*=}"; return 0; }
	done
	return 1
}
