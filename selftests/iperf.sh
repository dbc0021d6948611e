#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# iperf: iperf3 over edu_tcp, both under tools/edu-tcpize, both directions
# (the reverse run under 2% loss on the sender's egress), a few seconds
# each.  Both JSON reports are read: bytes moved, no error, and the
# sender's Retr and Cwnd columns filled -- Retr between 0 (1 under loss)
# and edu_tcp's RetransSegs in the sender's namespace, Cwnd above 0.  Both
# of iperf3's connections (control and data) must be edu_tcp's: edu_tcp's
# counters grew by two, the kernel's TCP saw nothing.
#
#   +------------- netns A -------------+        +------------- netns B -------------+
#   | iperf3 -c [-R] --json             |        | iperf3 -s -1 -B 10.200.1.2 --json |
#   |   (under edu-tcpize)              |        |   (under edu-tcpize)              |
#   |   veth_a 10.200.1.1/24           ==========   veth_b 10.200.1.2/24           |
#   |   egress netem loss (forward)     |  veth  |   egress netem loss (reverse)     |
#   +-----------------------------------+        +-----------------------------------+
#
# iperf3 reads Retr and Cwnd with getsockopt(IPPROTO_TCP, TCP_INFO): until
# edu_tcp answers it (the sockopt branch) both cases fail, saying so.  With
# EDU_PROTO=6 the kernel's TCP runs them, which validates the checks.
#
# Knobs: EDU_PROGRAMS_IPERF_S (seconds of each run, default 3),
# EDU_PROGRAMS_TIMEOUT (seconds per peer, default 60).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/programs.sh"

IPERF_S=${EDU_PROGRAMS_IPERF_S:-3}
AWAIT_INFO="iperf3 reads Retr/Cwnd with getsockopt(IPPROTO_TCP, TCP_INFO) (awaits the sockopt branch)"
NTESTS=2

programs_env $NTESTS iperf3
tap_plan $NTESTS

# iperf_verdict: python's verdict on the two JSON reports of one run: what
# failed, one line each ("# " lines are notes); nothing else when all is
# well.  The sender's report must have its Retr and Cwnd columns: the
# retransmissions no more than edu_tcp's RetransSegs counted in its
# namespace, and with loss at least one.
iperf_verdict() { # CLIENT_JSON SERVER_JSON RETRANS_SEGS WANT_RETRANS
	"$PYTHON" -S - "$@" <<'EOF'
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

prog_test iperf3_v4_forward t_iperf_fwd
prog_test iperf3_v4_reverse_loss_2pct t_iperf_rev_loss
tap_exit
