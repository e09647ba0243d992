#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# "make bench": for each kernel, build, boot the VM and run tools/bench/fp_bench (the watcher
# table: the fsnotify floor, our floor, the subtree handler in C and BPF, userspace filtering,
# inotify and fanotify inode marks; permission events) and tools/bench/fp_anc_bench's scaling
# sections a-d (per-event cost against depth, cached entries and attachments, 1-byte pwrite)
# in the same boot. See the headers of both programs for the workloads. Prints the per-run
# lines and markdown tables, also written to build/bench/KVER/results.md. Asserts nothing
# about speed; fails only if a benchmark could not run.
#
# usage: scripts/bench.sh [--ops N] [--runs N] [--inside PERCENT] [--boots N] [--no-scaling]
#                        [--rows LIST]
#   --ops, --runs, --inside  fp_bench's operations per run (20000), runs per configuration (5)
#                   and percent of operations inside the subtree (5)
#   --boots N       boot each kernel N times (default 1) and print, for every ratio, how far
#                   the boots disagree (the largest relative difference is the repeatability)
#   --no-scaling    fp_bench only
#   --rows LIST     fp_bench's rows by id, comma-separated (e.g. fsfloor,floor; see its header)
# Kernels: FP_KERNEL if set (default, backports), else both.
# environment: as scripts/vm-run.sh. FP_VM_ICOUNT defaults to 1: the guest counts
# instructions (guest ns = instructions), so the numbers repeat across boots and do not depend
# on the host's load; FP_VM_ICOUNT=0 measures TCG wall time. One guest CPU (FP_VM_SMP=1): the
# watcher and the workload share it, so a run's time is their whole cost. FP_VM_HARDEN
# defaults to 0: the tests' slub_debug and KFENCE would make every allocation slower (they
# made delivered events 2.2 and cache misses 11 times as expensive).
set -euo pipefail
FP_KERNEL_SET_BY_USER=0
[ -n "${FP_KERNEL:-}" ] && FP_KERNEL_SET_BY_USER=1
. "$(dirname "$0")/lib.sh"

ops=20000 runs=5 inside=5 boots=1 scaling=1 rows=all
while [ $# -gt 0 ]; do
	case "$1" in
	--ops) ops=$2; shift ;;
	--runs) runs=$2; shift ;;
	--inside) inside=$2; shift ;;
	--boots) boots=$2; shift ;;
	--no-scaling) scaling=0 ;;
	--rows) rows=$2; shift ;;
	-h | --help) sed -n '3,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) fp_die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
for v in "$ops" "$runs" "$inside" "$boots"; do
	case "$v" in '' | *[!0-9]*) fp_die "--ops, --runs, --inside and --boots take numbers" ;; esac
done
[ "$boots" -ge 1 ] || fp_die "--boots must be at least 1"
case "$rows" in *[!a-z0-9,-]*) fp_die "--rows takes row ids separated by commas" ;; esac
icount=${FP_VM_ICOUNT:-1}
kernels="default backports"
[ "$FP_KERNEL_SET_BY_USER" = 1 ] && kernels=$FP_KERNEL

# compare_boots LOG...: for each ratio of the "# RATIO ID MED-NONE MED-FLOOR MIN-NONE MIN-FLOOR"
# lines, the smallest and largest value over the logs and their relative difference, and the
# largest difference of the medians' ratios and of the minima's.
compare_boots() {
	awk '$2 == "RATIO" {
		for (i = 4; i <= 7; i++) {
			if ($i == 0) continue
			k = $3 " " (i % 2 ? "vs-floor" : "vs-none") (i < 6 ? "" : ", minima")
			if (!(k in lo) || $i < lo[k]) lo[k] = $i
			if (!(k in hi) || $i > hi[k]) hi[k] = $i
		}
	}
	END {
		for (k in lo) {
			d = (hi[k] - lo[k]) / lo[k] * 100
			m = k ~ /minima/
			if (d > worst[m]) { worst[m] = d; wk[m] = k }
			printf "  %-32s %.5f .. %.5f  %.3f%%\n", k, lo[k], hi[k], d
		}
		printf "largest disagreement between boots, ratios of the medians: %.3f%% (%s)\n", worst[0], wk[0]
		printf "largest disagreement between boots, ratios of the minima: %.3f%% (%s)\n", worst[1], wk[1]
	}' "$@" | sort
}

rc=0
start=$(date +%s)
for k in $kernels; do
	kver=$(FP_KERNEL=$k "$FP_TOP/scripts/setup-buildroot.sh")
	FP_KERNEL=$k FP_KVER=$kver "$FP_TOP/scripts/build.sh"
	out=$FP_BUILD/bench
	if [ ! -x "$out/fp_bench" ] || [ ! -x "$out/fp_anc_bench" ]; then
		fp_die "the benchmarks were not built"
	fi
	dir=$out/$kver
	mkdir -p "$dir"
	progs=("$out/fp_bench")
	[ "$scaling" = 1 ] && progs+=("$out/fp_anc_bench")
	logs=()
	for b in $(seq 1 "$boots"); do
		log=$dir/boot$b.log
		logs+=("$log")
		fp_log "kernel $kver, boot $b of $boots: ${progs[*]##*/} ($ops ops, $runs runs, $inside% inside, icount $icount)"
		# The guest's init passes KEY=VALUE kernel arguments on to the programs it runs; its
		# timeout counts guest seconds (instructions under icount).
		FP_KERNEL=$k FP_KVER=$kver FP_VM_ICOUNT=$icount FP_VM_HARDEN=${FP_VM_HARDEN:-0} \
			FP_VM_SMP=${FP_VM_SMP:-1} FP_VM_TIMEOUT=${FP_VM_TIMEOUT:-3600} "$FP_TOP/scripts/vm-run.sh" \
			--no-default-tests --timeout 3000 --append "FP_BENCH_OPS=$ops FP_BENCH_RUNS=$runs \
FP_BENCH_INSIDE=$inside FP_BENCH_ICOUNT=$icount FP_ANC_RUNS=$runs FP_ANC_SECTIONS=abcd \
FP_ANC_ICOUNT=$icount FP_BENCH_ROWS=${rows/#all/}" "${progs[@]}" | tee "$log" || rc=1
	done
	{
		echo "Kernel $kver, $(date -u +%Y-%m-%d), $boots boot(s); from the guest:"
		grep -E '^# (kernel |ns: |boot options|[0-9]+ ops per run)' "${logs[0]}" | sort -u | sed 's/^# /  /'
		echo "Host: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
		echo
		sed -n '/BENCH-TABLE-BEGIN/,/BENCH-TABLE-END/p' "${logs[0]}" | grep -v 'BENCH-TABLE-' |
			sed 's/^# \{0,1\}//'
		if [ "$scaling" = 1 ]; then
			echo
			echo "Scaling (fp_anc_bench sections a-d, 1-byte pwrite, ns per operation):"
			sed -n '/ANC-TABLE-BEGIN/,/ANC-TABLE-END/p' "${logs[0]}" | grep -v 'ANC-TABLE-' |
				sed 's/^# \{0,1\}//'
		fi
		if [ "$boots" -gt 1 ]; then
			echo
			echo "Ratios across $boots boots (min .. max, relative difference):"
			compare_boots "${logs[@]}"
		fi
	} >"$dir/results.md"
	grep -q 'BENCH-TABLE-BEGIN' "${logs[0]}" || { echo "bench: no result table (see ${logs[0]})" >&2; rc=1; }
	echo
	cat "$dir/results.md"
done
echo
echo "bench: wall time $(($(date +%s) - start)) s; results in ${FP_BUILD#"$FP_TOP"/}/bench/KVER/results.md"
exit "$rc"
