#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# "make bench-watchers": recursive watchers on trees of 1k, 10k and 100k directories, in the
# VM: inotifywait -r against fsnotifywait -S with fpctl's subtree handler
# (tools/bench/watchers.sh says what is measured). Builds first, boots the VM once, prints
# the table.
#
# usage: scripts/bench-watchers.sh [--dirs "N N ..."] [--burst N]
# environment: FP_KERNEL, FP_CACHE, FP_VM_MEM (default 2G), FP_VM_TIMEOUT (default 3600),
# FP_VM_HARDEN (default 0 here: no slub_debug or KFENCE, which slow every allocation)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dirs="1000 10000 100000" burst=200
while [ $# -gt 0 ]; do
	case "$1" in
	--dirs) dirs=$2; shift ;;
	--burst) burst=$2; shift ;;
	-h | --help) sed -n '3,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) fp_die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
"$FP_TOP/scripts/build.sh"
mkdir -p "$FP_BUILD"
conf=$FP_BUILD/bench-watchers.conf
printf 'FP_BENCH_DIRS="%s"\nFP_BENCH_BURST=%s\n' "$dirs" "$burst" >"$conf"
log=$FP_BUILD/bench-watchers.log
FP_VM_TIMEOUT=${FP_VM_TIMEOUT:-3600}
export FP_VM_TIMEOUT
FP_VM_HARDEN=${FP_VM_HARDEN:-0} "$FP_TOP/scripts/vm-run.sh" --no-default-tests \
	--timeout "$FP_VM_TIMEOUT" --file "$conf:/data/bench-watchers.conf" \
	"$FP_TOP/tools/bench/watchers.sh" | tee "$log"
echo
echo "kernel $(cat "$FP_BUILD/kver"), $(date -u +%Y-%m-%d):"
grep '^|' "$log"
