#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# labs: every lab of Documentation/labs/ still shows what it teaches.
# Runs each scripts/labs/*.sh (as root, edu_tcp already loaded, as
# scripts/guest-run-tests leaves it) and reports one TAP line per lab.  A lab
# asserts its own lesson and exits non-zero when the module stopped showing
# it; its whole output is then repeated here as TAP comments.
#
# Environment: EDU_LABS (names, default all), EDU_LAB_TIMEOUT (seconds per
# lab, default 150).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

labs=()
for f in scripts/labs/*.sh; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .sh)
	if [ -n "${EDU_LABS:-}" ]; then
		case " $EDU_LABS " in *" $name "*) ;; *) continue ;; esac
	fi
	labs+=("$name")
done

echo "TAP version 13"
echo "1..${#labs[@]}"

skip_all() {
	local i
	for i in "${!labs[@]}"; do
		echo "ok $((i + 1)) lab ${labs[$i]} # SKIP $1"
	done
	exit 4
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -d /sys/module/edu_tcp ] || skip_all "edu_tcp is not loaded"
command -v python3 >/dev/null || skip_all "needs python3"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
n=0
for name in "${labs[@]}"; do
	n=$((n + 1))
	t0=$SECONDS
	timeout -k 10 "${EDU_LAB_TIMEOUT:-150}" bash "scripts/labs/$name.sh" \
		>"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		# what was checked, and the verdict
		grep -E '^  (ok  |FAIL)  |^lab [a-z_]+: ' "$tmp/out" | sed 's/^/# /'
		echo "ok $n lab $name ($((SECONDS - t0))s)"
	else
		sed 's/^/# /' "$tmp/out"
		[ "$rc" = 124 ] && echo "# timed out after ${EDU_LAB_TIMEOUT:-150}s"
		echo "not ok $n lab $name (exit status $rc)"
		failed=1
	fi
done
exit "$failed"
