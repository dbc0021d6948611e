#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# programs: unmodified Debian programs over edu_tcp, through the preload
# library of tools/edu-tcpize: python3's http.server served to curl and
# wget (IPv4 and IPv6), iperf3 both ways, socat and nc, a capture decoded
# by tshark with tools/edu_tcp.lua.  Every transfer is checked by SHA-256,
# and every connection is shown to be edu_tcp's: the listener is a LISTEN
# row of /proc/edu_tcp, edu_tcp's counters grew, and the kernel's TCP
# (/proc/net/tcp, tcp6, its PassiveOpens) saw nothing of it.
#
#   +------------- netns A -------------+        +------------- netns B -------------+
#   | clients under edu-tcpize:         |        | servers under edu-tcpize:         |
#   |   curl, wget, iperf3 -c,          |        |   python3 -m http.server,         |
#   |   socat, nc                       |        |   iperf3 -s, socat TCP-LISTEN     |
#   | plain curl (kernel TCP)           |        | plain http.server (kernel TCP)    |
#   |                                   |        | tcpdump -> tshark + edu_tcp.lua   |
#   |   veth_a 10.200.1.1/24           ==========   veth_b 10.200.1.2/24           |
#   |          fd00:200:1::1/64         |  veth  |          fd00:200:1::2/64         |
#   +-----------------------------------+        +-----------------------------------+
#
# Two groups of cases wait for module work and fail until it lands, with a
# message that says so: IPv6 (socket(AF_INET6, SOCK_STREAM, 253)) and the
# iperf3 Retr/Cwnd columns, which iperf3 reads with getsockopt(IPPROTO_TCP,
# TCP_INFO).
#
# With EDU_PROTO=6 the same cases run against the kernel's TCP (the library
# is told to ask for protocol 6), which validates them -- those above that
# wait for module work included; the checks that only mean something for
# edu_tcp (the kernel's TCP saw nothing, a plain program is not reached)
# are left out or SKIP.
#
# Knobs: EDU_PROGRAMS_MB (size of the downloaded file, default 4),
# EDU_PROGRAMS_TIMEOUT (seconds per peer, default 60),
# EDU_PROGRAMS_IPERF_S (seconds of each iperf3 run, default 3).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

MB=${EDU_PROGRAMS_MB:-4}
TO=${EDU_PROGRAMS_TIMEOUT:-60}
IPERF_S=${EDU_PROGRAMS_IPERF_S:-3}
IP6_A=fd00:200:1::1
IP6_B=fd00:200:1::2
TCPIZE=$(pwd)/tools/edu-tcpize
AWAIT_V6="edu_tcp has no AF_INET6 sockets yet (awaits the ipv6 branch)"
AWAIT_INFO="iperf3 reads Retr/Cwnd with getsockopt(IPPROTO_TCP, TCP_INFO) (awaits the sockopt branch)"
NTESTS=13

setup_programs() {
	setup_pair || return 1
	nsx "$NS_A" ip -6 addr add "$IP6_A/64" dev "$DEV_A" nodad &&
		nsx "$NS_B" ip -6 addr add "$IP6_B/64" dev "$DEV_B" nodad
}

require_env $NTESTS setup_programs

for prog in curl wget iperf3 socat nc tcpdump tshark sha256sum; do
	command -v "$prog" >/dev/null || skip_all $NTESTS "needs $prog (scripts/deps)"
done
if [ ! -f build/tools/edu_tcpize.so ]; then
	gcc -O2 -I include/uapi -fPIC -shared -o "$T/edu_tcpize.so" tools/edu_tcpize.c -ldl -pthread ||
		skip_all $NTESTS "build/tools/edu_tcpize.so not built and cannot be compiled"
	export EDU_TCPIZE_LIB=$T/edu_tcpize.so
fi
# The protocol edu_tcp answers to, for the library (tools/edu-tcpize reads
# it too) and for the checks.
if is_edu; then
	PROTO=$(cat "$PARAM_DIR/proto" 2>/dev/null || echo 253)
else
	PROTO=6
fi
export EDU_TCP_PROTO=$PROTO
unset EDU_TCPIZE_QUIET EDU_TCPIZE_FALLBACK LD_PRELOAD
export HOME=$T			# tshark and wget look for configuration there
tap_plan $NTESTS

mkdir -p "$T/www"
head -c "$((MB << 20))" /dev/urandom >"$T/www/big.bin"
head -c 65536 /dev/urandom >"$T/www/small.bin"
BIG_SHA=$(sha256sum <"$T/www/big.bin" | cut -d' ' -f1)
SMALL_SHA=$(sha256sum <"$T/www/small.bin" | cut -d' ' -f1)

# ---- servers ------------------------------------------------------------------

declare -A SRV_PID
# serve NAME NS CMD...: a server in the background, under timeout.
serve() {
	local name=$1 ns=$2
	shift 2
	nsx "$ns" timeout -k 5 "$TO" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	SRV_PID[$name]=$!
	BG_PIDS+=($!)
}

stop_servers() {
	local name
	for name in "${!SRV_PID[@]}"; do
		kill "${SRV_PID[$name]}" 2>/dev/null
		wait "${SRV_PID[$name]}" 2>/dev/null
	done
	SRV_PID=()
}

show_logs() { # NAME...: a peer's output, for the reader of a failure
	local name f
	for name in "$@"; do
		for f in "$T/$name.out" "$T/$name.err"; do
			[ -s "$f" ] && head -n 40 "$f" | sed "s/^/#   $name: /"
		done
	done
	return 0
}

# ---- which TCP is it ------------------------------------------------------------

# edu_listen_row NS PORT: the LISTEN row of /proc/edu_tcp whose local
# address ends in :PORT (the v4 and v6 forms alike).
edu_listen_row() {
	nsx "$1" cat /proc/edu_tcp 2>/dev/null | awk -v p=":$2" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["state"] == "LISTEN" && substr($col["local_address"], length($col["local_address"]) - length(p) + 1) == p'
}

# kernel_tcp_rows NS PORT: rows of /proc/net/tcp and tcp6 with PORT at
# either end -- a listener, a connection, a TIME-WAIT: any trace of TCP.
kernel_tcp_rows() {
	local hex
	hex=$(printf '%04X' "$2")
	nsx "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v h="$hex" '
		$1 ~ /^[0-9]+:$/ { n = split($2, l, ":"); m = split($3, r, ":");
			if (l[n] == h || r[m] == h) print }'
}

kernel_listens() { # NS PORT
	kernel_tcp_rows "$1" "$2" | awk '$4 == "0A"' | grep -q .
}

# wait_listen NS PORT NAME: until edu_tcp listens there; a server that
# died, or one that listens with the kernel's TCP, fails at once.
# (EDU_PROTO=6: until the kernel's TCP listens.)
wait_listen() {
	local ns=$1 port=$2 name=$3 i
	for i in $(seq 1 300); do
		if is_edu; then
			[ -n "$(edu_listen_row "$ns" "$port")" ] && return 0
		else
			kernel_listens "$ns" "$port" && return 0
		fi
		if is_edu && kernel_listens "$ns" "$port"; then
			fail "$name listens on $port with the kernel's TCP, not edu_tcp"
			show_logs "$name"
			return 1
		fi
		if ! kill -0 "${SRV_PID[$name]}" 2>/dev/null; then
			fail "$name exited before it listened on $port"
			show_logs "$name"
			return 1
		fi
		[ "$i" = 300 ] || sleep 0.1
	done
	fail "$name: no LISTEN row (protocol $PROTO) on port $port after 30 s"
	show_logs "$name"
	return 1
}

wait_kernel_listen() { # NS PORT NAME
	local i
	for i in $(seq 1 300); do
		kernel_listens "$1" "$2" && return 0
		kill -0 "${SRV_PID[$3]}" 2>/dev/null || break
		sleep 0.1
	done
	fail "$3: no kernel TCP listener on $2"
	show_logs "$3"
	return 1
}

# Counters before a case, for edu_conns_only after it.
mark_counters() {
	EDU_PASSIVE0=$(counter "$NS_B" PassiveOpens)
	EDU_ACTIVE0=$(counter "$NS_A" ActiveOpens)
	TCP_PASSIVE0=$(snmp_get "$NS_B" /proc/net/snmp Tcp PassiveOpens)
	TCP_ACTIVE0=$(snmp_get "$NS_A" /proc/net/snmp Tcp ActiveOpens)
}

# edu_conns_only PORT N: since mark_counters, at least N connections were
# opened by edu_tcp each side, none by the kernel's TCP, which also holds
# no row on PORT (its TIME-WAIT would outlive any connection it carried).
edu_conns_only() {
	local port=$1 n=$2 rc=0 rows
	expect_delta "$NS_B" PassiveOpens "$EDU_PASSIVE0" -ge "$n" || rc=1
	expect_delta "$NS_A" ActiveOpens "$EDU_ACTIVE0" -ge "$n" || rc=1
	is_edu || return $rc	# counter() gave the kernel's TCP counters
	[ "$(snmp_get "$NS_B" /proc/net/snmp Tcp PassiveOpens)" = "$TCP_PASSIVE0" ] ||
		{ fail "the kernel's TCP accepted connections in B"; rc=1; }
	[ "$(snmp_get "$NS_A" /proc/net/snmp Tcp ActiveOpens)" = "$TCP_ACTIVE0" ] ||
		{ fail "the kernel's TCP opened connections in A"; rc=1; }
	rows=$(kernel_tcp_rows "$NS_A" "$port"; kernel_tcp_rows "$NS_B" "$port")
	if [ -n "$rows" ]; then
		fail "/proc/net/tcp{,6} has rows on port $port:"
		printf '%s\n' "$rows" | sed 's/^/#   /'
		rc=1
	fi
	return $rc
}

# said_active NAME: the client's stderr has edu-tcpize's line.
said_active() {
	grep -q "^edu-tcpize: .* -> protocol $PROTO (" "$T/$1.err" ||
		{ fail "$1 did not say edu-tcpize took effect"; show_logs "$1"; return 1; }
}

# ---- the library itself -----------------------------------------------------------

probe_get() { # FILE NAME
	awk -v n="$2" '$1 == n { print $2 }' "$1"
}

# What each kind of socket becomes in a preloaded program, and in one
# that is not: only TCP's requests change; the line is said exactly once.
t_mapping() {
	local f=$T/probe.out rc=0 name want
	nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run "$PYTHON" "$LIB_DIR/sockprobe.py" \
		>"$f" 2>"$T/probe.err" || { fail "sockprobe exited $?"; show_logs probe; return 1; }
	for want in inet_stream:$PROTO inet_stream_tcp:$PROTO \
		inet_stream_nonblock:$PROTO inet_dgram:17 \
		inet_raw_icmp:1 unix_stream:0 udp_to_self:ok; do
		name=${want%%:*}
		[ "$(probe_get "$f" "$name")" = "${want#*:}" ] ||
			{ fail "preloaded $name: $(probe_get "$f" "$name"), expected ${want#*:}"; rc=1; }
	done
	# An explicit 253 is not TCP's request: untouched (without edu_tcp: refused)
	if is_edu; then
		[ "$(probe_get "$f" inet_stream_253)" = 253 ] || { fail "253 changed"; rc=1; }
	fi
	[ "$(grep -c '^edu-tcpize:' "$T/probe.err")" = 1 ] ||
		{ fail "expected one edu-tcpize line on stderr"; rc=1; }
	said_active probe || rc=1
	EDU_TCPIZE_QUIET=1 nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run "$PYTHON" \
		"$LIB_DIR/sockprobe.py" >"$f" 2>"$T/probe.err"
	[ "$(probe_get "$f" inet_stream)" = "$PROTO" ] || { fail "quiet: not edu_tcp"; rc=1; }
	[ ! -s "$T/probe.err" ] || { fail "EDU_TCPIZE_QUIET=1 still printed"; rc=1; }
	nsx "$NS_A" timeout -k 5 "$TO" "$PYTHON" "$LIB_DIR/sockprobe.py" >"$f" 2>&1
	[ "$(probe_get "$f" inet_stream)" = 6 ] ||
		{ fail "without edu-tcpize: $(probe_get "$f" inet_stream), expected 6"; rc=1; }
	[ $rc = 0 ] || show_logs probe
	return $rc
}

# A protocol nothing serves: socket() fails with the kernel's errno, said
# once; EDU_TCPIZE_FALLBACK=1 hands out kernel TCP instead, loudly.
t_failure() {
	local f=$T/probe.out other rc=0
	other=$((PROTO == 254 ? 253 : 254))
	EDU_TCP_PROTO=$other nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run "$PYTHON" \
		"$LIB_DIR/sockprobe.py" >"$f" 2>"$T/probe.err"
	[ "$(probe_get "$f" inet_stream)" = err:EPROTONOSUPPORT ] ||
		{ fail "protocol $other: $(probe_get "$f" inet_stream), expected err:EPROTONOSUPPORT"; rc=1; }
	[ "$(probe_get "$f" inet_dgram)" = 17 ] || { fail "UDP affected"; rc=1; }
	[ "$(grep -c "as protocol $other failed: Protocol not supported" "$T/probe.err")" = 1 ] ||
		{ fail "the failure was not said exactly once"; rc=1; }
	EDU_TCP_PROTO=$other EDU_TCPIZE_FALLBACK=1 nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run \
		"$PYTHON" "$LIB_DIR/sockprobe.py" >"$f" 2>"$T/probe.err"
	[ "$(probe_get "$f" inet_stream)" = 6 ] ||
		{ fail "fallback: $(probe_get "$f" inet_stream), expected 6"; rc=1; }
	grep -q "NOT edu_tcp" "$T/probe.err" || { fail "the fallback was not said"; rc=1; }
	[ $rc = 0 ] || show_logs probe
	return $rc
}

# ---- http.server, curl, wget ----------------------------------------------------

# fetch TOOL NAME URL OUT: one download under edu-tcpize (or "plain"
# TOOL: without it), every peer under timeout.
fetch() {
	local tool=$1 name=$2 url=$3 out=$4 pre=("$TCPIZE" run)
	case $tool in plain-*) pre=() tool=${tool#plain-} ;; esac
	case $tool in
	curl)
		nsx "$NS_A" timeout -k 5 "$TO" "${pre[@]}" curl -q -sS -g --noproxy '*' \
			--max-time "$TO" -o "$out" "$url" >"$T/$name.out" 2>"$T/$name.err" ;;
	wget)
		nsx "$NS_A" timeout -k 5 "$TO" "${pre[@]}" wget --no-config --no-proxy -q \
			--tries=1 --timeout="$TO" -O "$out" "$url" >"$T/$name.out" 2>"$T/$name.err" ;;
	esac
}

# http_case TOOL FAMILY PORT: http.server under edu-tcpize in B, TOOL under
# edu-tcpize in A, the big file, its SHA-256, and the proof it was edu_tcp.
http_case() {
	local tool=$1 fam=$2 port=$3 addr host sha rc
	if [ "$fam" = 6 ]; then addr=$IP6_B host="[$IP6_B]"; else addr=$IP_B host=$IP_B; fi
	mark_counters
	serve http "$NS_B" "$TCPIZE" run "$PYTHON" -m http.server --bind "$addr" \
		--directory "$T/www" "$port"
	if ! wait_listen "$NS_B" "$port" http; then
		[ "$fam" = 6 ] && is_edu && fail "$AWAIT_V6"
		return 1
	fi
	local t0
	t0=$(now_ms)
	fetch "$tool" "$tool" "http://$host:$port/big.bin" "$T/got.bin"
	rc=$?
	note "$tool: exit $rc, $((MB)) MiB in $(($(now_ms) - t0)) ms"
	[ $rc = 0 ] || { fail "$tool exited $rc"; show_logs "$tool" http; return 1; }
	sha=$(sha256sum <"$T/got.bin" | cut -d' ' -f1)
	[ "$sha" = "$BIG_SHA" ] ||
		{ fail "SHA-256 differs: got $(stat -c %s "$T/got.bin") bytes, $sha"; return 1; }
	said_active "$tool" || return 1
	edu_conns_only "$port" 1
}

t_http4_curl() { http_case curl 4 8001; }
t_http4_wget() { http_case wget 4 8002; }
t_http6_curl() { http_case curl 6 8003; }
t_http6_wget() { http_case wget 6 8004; }

# ---- iperf3 ----------------------------------------------------------------------

# iperf_verdict: python's verdict on the two JSON reports of one run: what
# failed, one line each ("# " lines are notes); nothing else when all is
# well.  The sender's report must have its Retr and Cwnd columns: the
# retransmissions no more than edu_tcp's RetransSegs counted in its
# namespace, and with loss at least one.
iperf_verdict() { # CLIENT_JSON SERVER_JSON RETRANS_SEGS WANT_RETRANS
	"$PYTHON" - "$@" <<'EOF'
import json, sys
cli, srv, segs, want = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
reports = {}
for role, path in (("client", cli), ("server", srv)):
    try:
        with open(path) as f:
            reports[role] = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{role} JSON unreadable: {e}")
        sys.exit(0)
for role, j in reports.items():
    if "error" in j:
        print(f"{role} reports an error: {j['error']}")
# The client hears the server's figures; the server knows its own side.
for k in ("sum_sent", "sum_received"):
    b = reports["client"].get("end", {}).get(k, {}).get("bytes", 0)
    if not b > 0:
        print(f"client {k}.bytes = {b}")
senders = [j["end"]["streams"][0]["sender"] for j in reports.values()
           if j.get("end", {}).get("streams") and j["end"]["streams"][0]["sender"].get("sender")]
if len(senders) != 1:
    print(f"{len(senders)} reports claim the sending side")
    sys.exit(0)
s = senders[0]
if not s.get("bytes", 0) > 0:
    print(f"the sender's report: bytes = {s.get('bytes')}")
print(f"# sender: bytes={s.get('bytes')} retransmits={s.get('retransmits')} "
      f"max_snd_cwnd={s.get('max_snd_cwnd')} mean_rtt={s.get('mean_rtt')} (RetransSegs {segs})")
if "retransmits" not in s:
    print("no Retr column (retransmits) in the sender's report")
if not s.get("max_snd_cwnd", 0) > 0:
    print(f"Cwnd column empty: max_snd_cwnd = {s.get('max_snd_cwnd')}")
r = s.get("retransmits", -1)
if want and not 0 < r <= segs:
    print(f"Retr column {r}: expected 1..{segs} (edu_tcp's RetransSegs) under loss")
if not want and not 0 <= r <= segs:
    print(f"Retr column {r}: expected 0..{segs} (edu_tcp's RetransSegs)")
EOF
}

# iperf_case REVERSE LOSS_PCT PORT: iperf3 -s in B, iperf3 -c in A, both
# under edu-tcpize and reporting JSON; the control and the data connection
# both edu_tcp.  With -R, B sends.  Loss on the sender's egress.
iperf_case() {
	local rev=$1 loss=$2 port=$3 sender_ns=$NS_A sender_dev=$DEV_A rc segs0 v bad
	local dir=()
	[ "$rev" = 1 ] && sender_ns=$NS_B sender_dev=$DEV_B dir=(-R)
	if [ "$loss" != 0 ]; then
		impair "$sender_ns" "$sender_dev" loss "$loss%" >/dev/null
		rc=$?
		[ $rc = 2 ] && SKIP_REASON="no sch_netem in this kernel"
		[ $rc = 0 ] || return $rc
	fi
	mark_counters
	segs0=$(counter "$sender_ns" RetransSegs)
	serve iperf_s "$NS_B" "$TCPIZE" run iperf3 -s -1 -B "$IP_B" -p "$port" --json
	wait_listen "$NS_B" "$port" iperf_s || return 1
	nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run iperf3 -c "$IP_B" -p "$port" \
		-t "$IPERF_S" --json "${dir[@]}" \
		>"$T/iperf_c.out" 2>"$T/iperf_c.err"
	rc=$?
	wait "${SRV_PID[iperf_s]}" 2>/dev/null
	unset "SRV_PID[iperf_s]"
	note "iperf3 -c ${dir[*]}: exit $rc, loss $loss%"
	v=$(iperf_verdict "$T/iperf_c.out" "$T/iperf_s.out" \
		"$(($(counter "$sender_ns" RetransSegs) - segs0))" "$([ "$loss" != 0 ] && echo 1)")
	printf '%s\n' "$v" | grep '^#'
	bad=$(printf '%s\n' "$v" | grep -v '^#' | grep .)
	[ $rc = 0 ] || bad="iperf3 -c exited $rc${bad:+
$bad}"
	said_active iperf_c || bad="${bad:+$bad
}no edu-tcpize line"
	# the control connection and the data connection
	edu_conns_only "$port" 2 || bad="${bad:+$bad
}not edu_tcp alone"
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad" | while read -r l; do fail "$l"; done
		case $bad in
		*Cwnd* | *Retr* | *"reports an error"*) is_edu && fail "$AWAIT_INFO" ;;
		esac
		show_logs iperf_c iperf_s
		return 1
	fi
	return 0
}

t_iperf_fwd() { iperf_case 0 0 5201; }
t_iperf_rev_loss() { iperf_case 1 2 5202; }

# ---- socat, nc ------------------------------------------------------------------

# A socat server in B echoes (EXEC:cat) what each connection sends.
echo_server() { # PORT
	serve echo "$NS_B" "$TCPIZE" run socat -T "$TO" \
		"TCP4-LISTEN:$1,bind=$IP_B,reuseaddr,fork" EXEC:cat
	wait_listen "$NS_B" "$1" echo
}

lines() { # N: numbered lines, as a person would type them
	seq 1 "$1" | sed 's/$/: the quick brown fox jumps over the lazy dog/'
}

echo_check() { # CLIENT_NAME PORT WANT_SHA
	local got
	got=$(sha256sum <"$T/$1.out" | cut -d' ' -f1)
	[ "$got" = "$3" ] || {
		fail "$1: echo differs ($(wc -l <"$T/$1.out") lines back)"
		show_logs "$1" echo
		return 1
	}
	said_active "$1" || return 1
	edu_conns_only "$2" 1
}

t_socat() {
	local rc
	mark_counters
	echo_server 7001 || return 1
	lines 2000 >"$T/lines.txt"
	nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run socat -t 5 -T "$TO" \
		- "TCP4:$IP_B:7001" <"$T/lines.txt" >"$T/socat_c.out" 2>"$T/socat_c.err"
	rc=$?
	[ $rc = 0 ] || { fail "socat client exited $rc"; show_logs socat_c echo; return 1; }
	echo_check socat_c 7001 "$(sha256sum <"$T/lines.txt" | cut -d' ' -f1)"
}

# openbsd nc: -N shuts the write side down at the end of its input, then
# it reads the echo until the server closes.
t_nc() {
	local rc
	mark_counters
	echo_server 7002 || return 1
	lines 500 >"$T/lines.txt"
	nsx "$NS_A" timeout -k 5 "$TO" "$TCPIZE" run nc -N "$IP_B" 7002 \
		<"$T/lines.txt" >"$T/nc_c.out" 2>"$T/nc_c.err"
	rc=$?
	[ $rc = 0 ] || { fail "nc exited $rc"; show_logs nc_c echo; return 1; }
	echo_check nc_c 7002 "$(sha256sum <"$T/lines.txt" | cut -d' ' -f1)"
}

# ---- what is left alone ----------------------------------------------------------

# In the same run, a program without edu-tcpize keeps the kernel's TCP; and
# the two do not meet: each client is refused by the other kind's server.
t_untouched() {
	local rc=0 p0
	is_edu || { SKIP_REASON="only edu_tcp can be told apart from the kernel's TCP"; return 2; }
	serve edu_http "$NS_B" "$TCPIZE" run "$PYTHON" -m http.server --bind "$IP_B" \
		--directory "$T/www" 8011
	serve tcp_http "$NS_B" "$PYTHON" -m http.server --bind "$IP_B" --directory "$T/www" 8012
	wait_listen "$NS_B" 8011 edu_http || return 1
	wait_kernel_listen "$NS_B" 8012 tcp_http || return 1
	[ -z "$(edu_listen_row "$NS_B" 8012)" ] || { fail "plain server is in /proc/edu_tcp"; rc=1; }
	kernel_listens "$NS_B" 8011 && { fail "edu-tcpize'd server in /proc/net/tcp"; rc=1; }
	p0=$(counter "$NS_B" PassiveOpens)
	fetch plain-curl plain "http://$IP_B:8012/small.bin" "$T/got.bin" ||
		{ fail "plain curl from the plain server: exit $?"; show_logs plain tcp_http; rc=1; }
	[ "$(sha256sum <"$T/got.bin" | cut -d' ' -f1)" = "$SMALL_SHA" ] ||
		{ fail "plain download differs"; rc=1; }
	grep -q edu-tcpize "$T/plain.err" && { fail "the plain client says edu-tcpize"; rc=1; }
	expect_delta "$NS_B" PassiveOpens "$p0" -eq 0 || rc=1
	kernel_tcp_rows "$NS_B" 8012 | grep -q . ||
		{ fail "no trace of the plain connection in /proc/net/tcp"; rc=1; }
	# curl's exit 7: could not connect (the other side's RST)
	fetch curl cross1 "http://$IP_B:8012/small.bin" "$T/got.bin"
	[ $? = 7 ] || { fail "edu_tcp client reached a kernel TCP server"; show_logs cross1; rc=1; }
	fetch plain-curl cross2 "http://$IP_B:8011/small.bin" "$T/got.bin"
	[ $? = 7 ] || { fail "kernel TCP client reached an edu_tcp server"; show_logs cross2; rc=1; }
	return $rc
}

# ---- Wireshark -------------------------------------------------------------------

# capture_case FAMILY PORT: tcpdump in B while curl fetches the small file,
# then tshark with tools/edu_tcp.lua: TCP's fields, a SYN, every checksum
# good (validation on); without the plugin, no TCP at all.
capture_case() {
	local fam=$1 port=$2 addr host filter fields rows i
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
	for i in $(seq 1 100); do
		grep -q "listening on" "$T/dump.err" && break
		sleep 0.1
	done
	fetch curl cap_curl "http://$host:$port/small.bin" "$T/got.bin" ||
		{ fail "curl exited $?"; show_logs cap_curl http; return 1; }
	sleep 0.5
	kill -INT "${SRV_PID[dump]}"
	wait "${SRV_PID[dump]}" 2>/dev/null
	unset "SRV_PID[dump]"
	fields=(-T fields -e tcp.srcport -e tcp.dstport -e tcp.flags.syn -e tcp.checksum.status)
	timeout -k 5 "$TO" tshark -X lua_script:tools/edu_tcp.lua -o tcp.check_checksum:TRUE \
		-r "$T/cap.pcap" "${fields[@]}" >"$T/tshark.out" 2>"$T/tshark.err" ||
		{ fail "tshark failed"; show_logs tshark; return 1; }
	rows=$(wc -l <"$T/tshark.out")
	note "tshark: $rows packets; first: $(head -n 1 "$T/tshark.out" | tr '\t' ' ')"
	[ "$rows" -ge 4 ] || { fail "only $rows packets captured"; show_logs dump tshark; return 1; }
	awk -v p="$port" '$1 == p || $2 == p' "$T/tshark.out" | grep -q . ||
		{ fail "no TCP ports decoded"; show_logs tshark; return 1; }
	awk '$3 == 1' "$T/tshark.out" | grep -q . || { fail "no SYN decoded"; return 1; }
	if awk '$4 != 1' "$T/tshark.out" | grep -q .; then
		fail "checksum not good (1) in every packet:"
		awk '$4 != 1' "$T/tshark.out" | head -n 5 | sed 's/^/#   /'
		return 1
	fi
	is_edu || return 0	# the kernel's TCP needs no plugin
	timeout -k 5 "$TO" tshark -r "$T/cap.pcap" "${fields[@]}" >"$T/tshark.out" 2>/dev/null
	if awk 'NF > 0' "$T/tshark.out" | grep -q .; then
		fail "tshark decodes TCP without the plugin: this test proves nothing"
		return 1
	fi
	return 0
}

t_wireshark4() { capture_case 4 8021; }
t_wireshark6() { capture_case 6 8022; }

prog_test() { # NAME FUNCTION
	run_test "$1" "$2"
	stop_servers
}

prog_test tcpize_socket_mapping t_mapping
prog_test tcpize_failure_said_and_fallback t_failure
prog_test http_server_v4_curl t_http4_curl
prog_test http_server_v4_wget t_http4_wget
prog_test http_server_v6_curl t_http6_curl
prog_test http_server_v6_wget t_http6_wget
prog_test iperf3_v4_forward t_iperf_fwd
prog_test iperf3_v4_reverse_loss_2pct t_iperf_rev_loss
prog_test socat_echo_lines t_socat
prog_test nc_to_socat_echo t_nc
prog_test untouched_program_stays_tcp t_untouched
prog_test wireshark_lua_v4 t_wireshark4
prog_test wireshark_lua_v6 t_wireshark6
tap_exit
