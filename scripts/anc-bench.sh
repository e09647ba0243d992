#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# "make anc-bench": build, boot the test VM once and run tools/bench/fp_anc_bench in it (see
# the header of tools/bench/fp_anc_bench.c for the rows): the ancestry cache's cost per event
# (hits at several depths and cache sizes, several attachments, misses) against no group and
# against the floor (a handler that drops every event), and its attach time and memory
# against inotify -r. Prints the per-run lines and markdown tables, which are also written to
# build/bench/anc-results.md. Asserts nothing about speed; fails only if it could not run.
#
# usage: scripts/anc-bench.sh [--ops N] [--runs N] [--sections abcde] [--max-dirs N]
#        defaults: 20000 ops per run, 5 runs per configuration, every section, prefills and
#        trees up to 100000 directories
# environment: as scripts/vm-run.sh. FP_VM_ICOUNT defaults to 1 here: the guest counts
# instructions (guest ns = instructions under icount), so the numbers repeat across boots
# and do not depend on the host's load; FP_VM_ICOUNT=0 measures the guest's TCG wall time.
# FP_VM_SMP defaults to 1, FP_VM_HARDEN to 0 (no slub_debug or KFENCE: they slow every allocation).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ops=20000 runs=5 sections=abcde max_dirs=100000
while [ $# -gt 0 ]; do
	case "$1" in
	--ops) ops=$2; shift ;;
	--runs) runs=$2; shift ;;
	--sections) sections=$2; shift ;;
	--max-dirs) max_dirs=$2; shift ;;
	-h | --help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) fp_die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
for v in "$ops" "$runs" "$max_dirs"; do
	case "$v" in '' | *[!0-9]*) fp_die "--ops, --runs and --max-dirs take numbers" ;; esac
done
case "$sections" in '' | *[!a-e]*) fp_die "--sections takes letters a to e" ;; esac
icount=${FP_VM_ICOUNT:-1}

start=$(date +%s)
"$FP_TOP/scripts/build.sh"
out=$FP_BUILD/bench
log=$out/anc-bench.log
[ -x "$out/fp_anc_bench" ] || fp_die "$out/fp_anc_bench was not built"

# The guest's init passes KEY=VALUE kernel arguments on to the programs it runs. The guest's
# timeout counts guest seconds (instructions under icount).
fp_log "running fp_anc_bench in the VM: $ops ops per run, $runs runs, sections $sections"
rc=0
FP_VM_ICOUNT=$icount FP_VM_HARDEN=${FP_VM_HARDEN:-0} FP_VM_SMP=${FP_VM_SMP:-1} FP_VM_TIMEOUT=${FP_VM_TIMEOUT:-3600} \
	"$FP_TOP/scripts/vm-run.sh" --no-default-tests --timeout 3000 \
	--append "FP_ANC_OPS=$ops FP_ANC_RUNS=$runs FP_ANC_SECTIONS=$sections FP_ANC_MAX_DIRS=$max_dirs FP_ANC_ICOUNT=$icount" \
	"$out/fp_anc_bench" | tee "$log" || rc=$?

{
	grep -E '^# (kernel |[0-9]+ ops per run)' "$log" | sed 's/^# //'
	echo "Host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo
	sed -n '/ANC-TABLE-BEGIN/,/ANC-TABLE-END/p' "$log" | sed -e 's/^# ANC-TABLE-BEGIN$//' \
		-e '/^# ANC-TABLE-END$/d' -e 's/^# \{0,1\}//'
} >"$out/anc-results.md"
if ! grep -q 'ANC-TABLE-BEGIN' "$log"; then
	echo "anc-bench: no result table (see $log)" >&2
	exit 1
fi
echo
cat "$out/anc-results.md"
echo
echo "anc-bench: wall time $(($(date +%s) - start)) s (build, boot and run); results in ${out#"$FP_TOP"/}/anc-results.md"
exit "$rc"
