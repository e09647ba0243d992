#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# "make bench": build, boot the test VM once and run tools/bench/fp_bench in it (see the
# header of tools/bench/fp_bench.c for the workload and the configurations). Prints the
# per-run lines and a markdown table, which is also written to build/bench/results.md.
# Asserts nothing about speed; fails only if the benchmark could not run.
#
# usage: scripts/bench.sh [--ops N] [--runs N] [--inside PERCENT]
#        defaults: 20000 ops per run, 5 runs per configuration, 5 % inside the subtree
# environment: as scripts/vm-run.sh (FP_KVM=1, FP_VM_MEM, FP_CACHE, ...); FP_VM_SMP defaults
# to 1 here: the reader and the workload share the CPU, so ops/s is their whole cost (two
# emulated CPUs on the two-core build machine gave bimodal, unrepeatable numbers)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ops=20000 runs=5 inside=5
while [ $# -gt 0 ]; do
	case "$1" in
	--ops) ops=$2; shift ;;
	--runs) runs=$2; shift ;;
	--inside) inside=$2; shift ;;
	-h | --help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) fp_die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
for v in "$ops" "$runs" "$inside"; do
	case "$v" in '' | *[!0-9]*) fp_die "--ops, --runs and --inside take numbers" ;; esac
done

"$FP_TOP/scripts/build.sh"
out=$FP_BUILD/bench
log=$out/bench.log
[ -x "$out/fp_bench" ] || fp_die "$out/fp_bench was not built"

# The guest's init passes KEY=VALUE kernel arguments on to the programs it runs.
fp_log "running fp_bench in the VM: $ops ops per run, $runs runs, $inside% inside"
rc=0
FP_VM_SMP=${FP_VM_SMP:-1} FP_VM_TIMEOUT=${FP_VM_TIMEOUT:-3600} "$FP_TOP/scripts/vm-run.sh" --no-default-tests \
	--timeout 3000 --append "FP_BENCH_OPS=$ops FP_BENCH_RUNS=$runs FP_BENCH_INSIDE=$inside" \
	"$out/fp_bench" | tee "$log" || rc=$?

sed -n '/BENCH-TABLE-BEGIN/,/BENCH-TABLE-END/p' "$log" | grep -v 'BENCH-TABLE-' |
	sed 's/^# //' >"$out/results.md"
{
	echo "Kernel and machine (from the guest):"
	grep -E '^# (kernel |[0-9]+ ops per run)' "$log" | sed 's/^# /  /'
} >"$out/environment.txt"
if [ ! -s "$out/results.md" ]; then
	echo "bench: no result table (see $log)" >&2
	exit 1
fi
echo
cat "$out/environment.txt"
echo "Host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo
cat "$out/results.md"
exit "$rc"
