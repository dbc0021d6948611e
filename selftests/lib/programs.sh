# SPDX-License-Identifier: GPL-2.0
#
# Shared by selftests/programs.sh and wireshark.sh (source it after
# common.sh, don't run it): unmodified programs run under tools/edu-tcpize
# as servers in B and clients in A, and the checks that say which TCP
# carried them -- edu_tcp's (/proc/edu_tcp, its counters) or the kernel's
# (/proc/net/tcp, tcp6, /proc/net/snmp).  With EDU_PROTO=6 the library is
# told to ask for protocol 6 and the checks look for the kernel's TCP.
#
#   ns A: veth_a 10.200.1.1/24 fd00:200:1::1/64 <==> fd00:200:1::2/64 10.200.1.2/24 veth_b :ns B

TO=${EDU_PROGRAMS_TIMEOUT:-60}
IP6_A=fd00:200:1::1
IP6_B=fd00:200:1::2
TCPIZE=$(pwd)/tools/edu-tcpize
AWAIT_V6="edu_tcp has no AF_INET6 sockets yet (awaits the ipv6 branch)"

setup_programs() {
	setup_pair || return 1
	nsx "$NS_A" ip -6 addr add "$IP6_A/64" dev "$DEV_A" nodad &&
		nsx "$NS_B" ip -6 addr add "$IP6_B/64" dev "$DEV_B" nodad
}

# programs_env N PROGRAM...: the namespaces, the programs (or a whole-plan
# skip), the preload library, and $PROTO, the protocol the connections
# must use.
programs_env() {
	local n=$1 prog
	shift
	require_env "$n" setup_programs
	for prog in "$@"; do
		command -v "$prog" >/dev/null || skip_all "$n" "needs $prog (scripts/deps)"
	done
	if [ ! -f build/tools/edu_tcpize.so ]; then
		gcc -O2 -I include/uapi -fPIC -shared -o "$T/edu_tcpize.so" tools/edu_tcpize.c \
			-ldl -pthread ||
			skip_all "$n" "build/tools/edu_tcpize.so not built and cannot be compiled"
		export EDU_TCPIZE_LIB=$T/edu_tcpize.so
	fi
	# The protocol edu_tcp answers to, for the library (tools/edu-tcpize
	# reads it too) and for the checks.
	if is_edu; then
		PROTO=$(cat "$PARAM_DIR/proto" 2>/dev/null || echo 253)
	else
		PROTO=6
	fi
	export EDU_TCP_PROTO=$PROTO
	unset EDU_TCPIZE_QUIET EDU_TCPIZE_FALLBACK LD_PRELOAD
	export HOME=$T		# tshark and wget look for configuration there
}

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
		kill_tree "${SRV_PID[$name]}"
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
	local row
	local -a f
	table_rows "$1"
	for row in "${ROWS[@]}"; do
		read -r -a f <<<"$row"
		[ "${f[COL[state]]}" = LISTEN ] && [[ ${f[COL[local_address]]} == *":$2" ]] &&
			echo "$row"
	done
	return 0
}

# kernel_tcp_rows NS PORT: rows of /proc/net/tcp and tcp6 with PORT at
# either end -- a listener, a connection, a TIME-WAIT: any trace of TCP.
kernel_tcp_rows() {
	local hex file row
	local -a f
	printf -v hex '%04X' "$2"
	for file in tcp tcp6; do
		netns_read "$1" "$file"
		while IFS= read -r row; do
			read -r -a f <<<"$row"
			[[ ${f[0]:-} =~ ^[0-9]+:$ ]] || continue
			[[ ${f[1]} == *":$hex" || ${f[2]} == *":$hex" ]] && echo "$row"
		done <<<"$NET_TEXT"
	done
	return 0
}

kernel_listens() { # NS PORT
	local row
	local -a f
	while IFS= read -r row; do
		read -r -a f <<<"$row"
		[ "${f[3]:-}" = 0A ] && return 0
	done <<<"$(kernel_tcp_rows "$1" "$2")"
	return 1
}

# wait_listen NS PORT NAME: until edu_tcp listens there; a server that
# died, or one that listens with the kernel's TCP, fails at once.
# (EDU_PROTO=6: until the kernel's TCP listens.)
wait_listen() {
	local ns=$1 port=$2 name=$3 i
	for ((i = 1; i <= 300; i++)); do
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
		[ "$i" = 300 ] || nap 0.1
	done
	fail "$name: no LISTEN row (protocol $PROTO) on port $port after 30 s"
	show_logs "$name"
	return 1
}

wait_kernel_listen() { # NS PORT NAME
	local i
	for ((i = 1; i <= 300; i++)); do
		kernel_listens "$1" "$2" && return 0
		kill -0 "${SRV_PID[$3]}" 2>/dev/null || break
		nap 0.1
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

# ---- clients ----------------------------------------------------------------------

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

# prog_test NAME FUNCTION: run_test, its time noted, then its servers stopped.
prog_test() {
	local t0
	t0=$(now_ms)
	run_test "$1" "$2"
	note "$1: $(($(now_ms) - t0)) ms"
	stop_servers
}
