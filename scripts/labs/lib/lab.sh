# SPDX-License-Identifier: GPL-2.0
#
# What every lab script shares (source it, don't run it).  A lab runs as
# root, inside a scripts/vm-run guest or on any Linux machine that may load
# edu_tcp:
#
#   lab_setup NAME    load edu_tcp if it is not loaded, build two network
#                     namespaces joined by a veth pair, mount tracefs
#   lab_run           run the lab's python3 program (read from stdin) with
#                     scripts/labs/lib on its path; its exit status is the lab's
#
#   +------- netns "client" -------+          +------- netns "server" -------+
#   |  veth-c  10.200.1.1/24  =====|== veth ==|=====  veth-s  10.200.1.2/24  |
#   +------------------------------+          +------------------------------+
#
# Every program started costs up to a second in an emulated guest, so this
# file starts as few as it can: builtins where they do, one `ip -batch` for
# several commands, fixed MAC addresses instead of asking for them.
#
# Environment:
#   EDU_KO        module to load when edu_tcp is not loaded yet
#                 (default module/edu_tcp.ko); a loaded module is used as is
#   LAB_TIMEOUT   seconds the lab's program may run (default 120)

set -euo pipefail

LAB_ROOT=${BASH_SOURCE[0]%/*}/../../..
LAB_ROOT=$(cd "$LAB_ROOT" && pwd)
LAB_CLIENT=lab-client-$$
LAB_SERVER=lab-server-$$
LAB_CIP=10.200.1.1
LAB_SIP=10.200.1.2
LAB_CMAC=02:00:0a:c8:01:01
LAB_SMAC=02:00:0a:c8:01:02
LAB_TRACING=/sys/kernel/tracing
LAB_PARAMS=/sys/module/edu_tcp/parameters
LAB_EVENTS_WERE=
LAB_PARAMS_WERE=()
LAB_NAME=

lab_die() {
	echo "lab ${LAB_NAME:-?}: $*" >&2
	exit 1
}

# shellcheck disable=SC2317 # run by the EXIT trap
lab_cleanup() {
	set +e
	local p
	# what a lab program set and could not put back (killed by timeout)
	for p in "${LAB_PARAMS_WERE[@]}"; do
		echo "${p#*=}" >"$LAB_PARAMS/${p%%=*}" 2>/dev/null
	done
	if [ -n "$LAB_EVENTS_WERE" ]; then
		echo "$LAB_EVENTS_WERE" >"$LAB_TRACING/events/edu_tcp/enable" 2>/dev/null
	fi
	printf 'netns del %s\nnetns del %s\n' "$LAB_CLIENT" "$LAB_SERVER" |
		ip -force -batch - 2>/dev/null
}

lab_module() {
	local ko
	[ -d /sys/module/edu_tcp ] && return 0
	ko=${EDU_KO:-module/edu_tcp.ko}
	case "$ko" in /*) ;; *) ko=$LAB_ROOT/$ko ;; esac
	[ -f "$ko" ] || lab_die "edu_tcp is not loaded and $ko does not exist: build it (make)"
	insmod "$ko" || lab_die "insmod $ko failed (built for another kernel? see dmesg)"
	echo "lab: loaded $ko"
}

# The two namespaces, the veth pair between them, addresses and (static)
# neighbours, so that no ARP exchange delays the first SYN.
lab_network() {
	ip -batch - <<-EOF
	netns add $LAB_CLIENT
	netns add $LAB_SERVER
	link add veth-c address $LAB_CMAC netns $LAB_CLIENT type veth peer name veth-s address $LAB_SMAC netns $LAB_SERVER
	EOF
	ip -n "$LAB_CLIENT" -batch - <<-EOF
	addr add $LAB_CIP/24 dev veth-c
	link set lo up
	link set veth-c up
	neigh replace $LAB_SIP lladdr $LAB_SMAC dev veth-c nud permanent
	EOF
	ip -n "$LAB_SERVER" -batch - <<-EOF
	addr add $LAB_SIP/24 dev veth-s
	link set lo up
	link set veth-s up
	neigh replace $LAB_CIP lladdr $LAB_CMAC dev veth-s nud permanent
	EOF
	# What a lab shows must be what went on the wire: no checksum
	# offload, so edu_tcp computes every checksum and sends one segment
	# per packet (Documentation/protocol.rst, "Offloads").
	ip netns exec "$LAB_CLIENT" ethtool -K veth-c tx off >/dev/null
	ip netns exec "$LAB_SERVER" ethtool -K veth-s tx off >/dev/null
}

lab_setup() {
	local t v
	LAB_NAME=$1
	[ "$EUID" = 0 ] || lab_die "must run as root (or through scripts/lab $LAB_NAME)"
	for t in ip tc ethtool python3 insmod; do
		command -v "$t" >/dev/null || lab_die "$t is missing (scripts/deps)"
	done
	cd "$LAB_ROOT"
	lab_module
	for t in msl_ms syn_retries synack_retries rto_min_ms retries; do
		read -r v <"$LAB_PARAMS/$t"
		LAB_PARAMS_WERE+=("$t=$v")
	done
	# veth always; netem where a lab delays packets (a lab copes without it)
	[ -d /sys/module/veth ] || modprobe veth
	[ -d /sys/module/sch_netem ] || modprobe -q sch_netem 2>/dev/null || true
	trap lab_cleanup EXIT
	lab_network
	[ -d "$LAB_TRACING/events" ] || mount -t tracefs tracefs "$LAB_TRACING"
	[ -e "$LAB_TRACING/events/edu_tcp/enable" ] ||
		lab_die "no edu_tcp tracepoints in $LAB_TRACING/events"
	read -r LAB_EVENTS_WERE <"$LAB_TRACING/events/edu_tcp/enable"
	# 0 or 1 ("X" when only some events were on): put back exactly one
	case "$LAB_EVENTS_WERE" in 0 | 1) ;; *) LAB_EVENTS_WERE=0 ;; esac
}

lab_run() {
	local prog py=python3
	prog=$(</dev/stdin)
	# /usr/bin/python3 first: a pyenv shim is a shell script, slow in a
	# guest.  -S: a lab needs the standard library alone, and the start-up
	# hooks of site-packages cost more than the rest of a start there.
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	LAB_NAME=$LAB_NAME LAB_ROOT=$LAB_ROOT LAB_CLIENT=$LAB_CLIENT \
		LAB_SERVER=$LAB_SERVER LAB_CIP=$LAB_CIP LAB_SIP=$LAB_SIP \
		PYTHONPATH=$LAB_ROOT/scripts/labs/lib${PYTHONPATH:+:$PYTHONPATH} \
		PYTHONDONTWRITEBYTECODE=1 \
		timeout -k 5 "${LAB_TIMEOUT:-120}" "$py" -S -u -c "$prog"
}
