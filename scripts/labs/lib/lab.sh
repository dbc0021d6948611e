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
#   +------- netns "client" -------+         +------- netns "server" -------+
#   |  veth-c  10.200.1.1/24  =====|== veth ==|=====  veth-s  10.200.1.2/24  |
#   +------------------------------+         +------------------------------+
#
# Environment:
#   EDU_KO        module to load when edu_tcp is not loaded yet
#                 (default module/edu_tcp.ko); a loaded module is used as is
#   LAB_TIMEOUT   seconds the lab's program may run (default 120)

set -euo pipefail

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
LAB_CLIENT=lab-client-$$
LAB_SERVER=lab-server-$$
LAB_CIP=10.200.1.1
LAB_SIP=10.200.1.2
LAB_TRACING=/sys/kernel/tracing
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
		echo "${p#*=}" >"/sys/module/edu_tcp/parameters/${p%%=*}" 2>/dev/null
	done
	if [ -n "$LAB_EVENTS_WERE" ]; then
		echo "$LAB_EVENTS_WERE" >"$LAB_TRACING/events/edu_tcp/enable" 2>/dev/null
	fi
	ip netns del "$LAB_CLIENT" 2>/dev/null
	ip netns del "$LAB_SERVER" 2>/dev/null
}

lab_module() {
	local ko
	if [ -d /sys/module/edu_tcp ]; then
		return 0
	fi
	ko=${EDU_KO:-module/edu_tcp.ko}
	case "$ko" in /*) ;; *) ko=$LAB_ROOT/$ko ;; esac
	[ -f "$ko" ] || lab_die "edu_tcp is not loaded and $ko does not exist: build it (make)"
	insmod "$ko" || lab_die "insmod $ko failed (built for another kernel? see dmesg)"
	echo "lab: loaded $ko"
}

lab_network() {
	ip netns add "$LAB_CLIENT"
	ip netns add "$LAB_SERVER"
	ip link add veth-c netns "$LAB_CLIENT" type veth peer name veth-s netns "$LAB_SERVER"
	ip -n "$LAB_CLIENT" addr add "$LAB_CIP/24" dev veth-c
	ip -n "$LAB_SERVER" addr add "$LAB_SIP/24" dev veth-s
	ip -n "$LAB_CLIENT" link set lo up
	ip -n "$LAB_SERVER" link set lo up
	ip -n "$LAB_CLIENT" link set veth-c up
	ip -n "$LAB_SERVER" link set veth-s up
	# Known neighbours: no ARP exchange delays the first SYN.
	ip -n "$LAB_CLIENT" neigh replace "$LAB_SIP" dev veth-c nud permanent \
		lladdr "$(ip -n "$LAB_SERVER" -br link show veth-s | awk '{ print $3 }')"
	ip -n "$LAB_SERVER" neigh replace "$LAB_CIP" dev veth-s nud permanent \
		lladdr "$(ip -n "$LAB_CLIENT" -br link show veth-c | awk '{ print $3 }')"
}

lab_setup() {
	LAB_NAME=$1
	[ "$(id -u)" = 0 ] || lab_die "must run as root (or through scripts/lab $LAB_NAME)"
	local t
	for t in ip tc python3 insmod; do
		command -v "$t" >/dev/null || lab_die "$t is missing (scripts/deps)"
	done
	cd "$LAB_ROOT"
	lab_module
	for t in msl_ms syn_retries synack_retries rto_min_ms retries; do
		LAB_PARAMS_WERE+=("$t=$(cat "/sys/module/edu_tcp/parameters/$t")")
	done
	# veth always; netem where a lab delays packets (a lab copes without it)
	modprobe -q veth 2>/dev/null || true
	modprobe -q sch_netem 2>/dev/null || true
	trap lab_cleanup EXIT
	lab_network
	mountpoint -q "$LAB_TRACING" || mount -t tracefs tracefs "$LAB_TRACING"
	[ -e "$LAB_TRACING/events/edu_tcp/enable" ] ||
		lab_die "no edu_tcp tracepoints in $LAB_TRACING/events"
	LAB_EVENTS_WERE=$(cat "$LAB_TRACING/events/edu_tcp/enable")
	# 0 or 1 ("X" when only some events were on): put back exactly one
	case "$LAB_EVENTS_WERE" in 0 | 1) ;; *) LAB_EVENTS_WERE=0 ;; esac
}

lab_run() {
	local prog
	prog=$(cat)
	LAB_NAME=$LAB_NAME LAB_ROOT=$LAB_ROOT LAB_CLIENT=$LAB_CLIENT \
		LAB_SERVER=$LAB_SERVER LAB_CIP=$LAB_CIP LAB_SIP=$LAB_SIP \
		PYTHONPATH=$LAB_ROOT/scripts/labs/lib${PYTHONPATH:+:$PYTHONPATH} \
		PYTHONDONTWRITEBYTECODE=1 \
		timeout -k 5 "${LAB_TIMEOUT:-120}" python3 -u -c "$prog"
}
