#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of the VM test harness: scripts/vm-run.sh must fail, and name the reason, when
#   1. a kselftest program fails (selftests/harness/fail_test.c: 1 pass, 1 fail, 1 skip), and
#   2. a module WARNs (selftests/harness/warn_mod.c warns on load).
# Both VMs are small (--bare: no project modules or tests) and boot in parallel, one vCPU each.
# Before that, vm-run.sh --reparse judges the canned console logs of selftests/harness/logs/
# (crash mid-test, TAP scripts, skips, Debian's aux taint, oops, a slub red zone report, a
# KFENCE report, kmemleak reports of our modules before and after their unload, and one of
# the kernel's own, which must not fail the run) without booting.
# With FP_HARNESS_DEBUG_KVER set to the debug kernel's release (scripts/check.sh sets it when
# the debug lane ran; scripts/debug-kernel.sh prints it), three more VMs boot the debug kernel,
# each with one test-only module of selftests/harness/debug/ that plants a report: a
# use-after-free (KASAN), a lock-order inversion (lockdep), a leak (kmemleak). Each run must
# fail and name its report.
# Prints one "ok"/"not ok" line per check; exits 1 if any check fails.
#
# usage: scripts/harness-selftest.sh      environment: as scripts/vm-run.sh, and
#                                         FP_HARNESS_DEBUG_KVER
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -z "${FP_KVER:-}" ]; then
	FP_KVER=$("$FP_TOP/scripts/setup-buildroot.sh")
fi
export FP_KVER
kver=$FP_KVER
kdir=$(fp_kdir "$kver")
out=$FP_BUILD/harness-selftest
rm -rf "$out"
mkdir -p "$out"

fp_log "building the harness self-test module and program"
fp_br_run "make -C $kdir M=$FP_TOP/selftests/harness modules" >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; fp_die "could not build selftests/harness/warn_mod.ko"; }
fp_check_btf "$FP_TOP/selftests/harness" warn_mod.ko
fp_br_run "make -C selftests harness" >>"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; fp_die "could not build selftests/harness/fail_test"; }

# Console log parsing, no VM: every selftests/harness/logs/CASE/console.log must be judged as
# CASE/expect says ("EXIT PASSED FAILED SKIPPED").
parse_results=()
for case_dir in "$FP_TOP"/selftests/harness/logs/*/; do
	case_name=$(basename "$case_dir")
	rc=0
	"$FP_TOP/scripts/vm-run.sh" --reparse "$case_dir" --result-file "$out/$case_name.result" \
		>"$out/$case_name.log" 2>&1 || rc=$?
	parse_results+=("$case_name|$(cat "$case_dir/expect")|$rc $(cat "$out/$case_name.result" 2>/dev/null)")
done

fp_log "booting two VMs (failing test; warning module); logs in ${out#"$FP_TOP"/}"
export FP_VM_SMP=1 FP_VM_TIMEOUT=${FP_HARNESS_VM_TIMEOUT:-180}
"$FP_TOP/scripts/vm-run.sh" --bare "$FP_BUILD/selftests/harness/fail_test" >"$out/fail.log" 2>&1 &
fail_pid=$!
"$FP_TOP/scripts/vm-run.sh" --bare --module "$FP_TOP/selftests/harness/warn_mod.ko" >"$out/warn.log" 2>&1 &
warn_pid=$!
fail_rc=0 warn_rc=0
wait "$fail_pid" || fail_rc=$?
wait "$warn_pid" || warn_rc=$?

# The debug kernel's planted reports, built in a copy (the build directory must be the
# module's own per kernel), booted one after the other (a KASAN kernel under TCG is slow).
debug_kver=${FP_HARNESS_DEBUG_KVER:-}
declare -A dbg_rc=()
if [ -n "$debug_kver" ]; then
	dsrc=$FP_BUILD/harness-debug
	rm -rf "$dsrc"
	mkdir -p "$dsrc"
	cp "$FP_TOP"/selftests/harness/debug/Kbuild "$FP_TOP"/selftests/harness/debug/*.c "$dsrc/"
	fp_br_run "make -C $(fp_kdir "$debug_kver") M=$dsrc modules" >"$out/build-debug.log" 2>&1 ||
		{ cat "$out/build-debug.log" >&2; fp_die "could not build selftests/harness/debug for $debug_kver"; }
	for m in uaf_mod lockorder_mod leak_mod; do
		fp_log "booting the debug kernel with $m"
		dbg_rc[$m]=0
		FP_KVER=$debug_kver FP_VM_TIMEOUT=${FP_HARNESS_DEBUG_VM_TIMEOUT:-900} \
			"$FP_TOP/scripts/vm-run.sh" --bare --module "$dsrc/$m.ko" >"$out/$m.log" 2>&1 ||
			dbg_rc[$m]=$?
	done
fi

nok=0
# expect DESCRIPTION COMMAND...: one line per check.
expect() {
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		nok=$((nok + 1))
	fi
}
has() { grep -Eq -- "$2" "$out/$1"; }
hasnt() { ! grep -Eq -- "$2" "$out/$1"; }

for r in "${parse_results[@]}"; do
	IFS='|' read -r case_name want got <<<"$r"
	expect "console log '$case_name' judged as '$want' (exit passed failed skipped), got '$got'" \
		test "$want" = "$got"
done
expect "failing test: vm-run.sh exits non-zero (exit code $fail_rc)" test "$fail_rc" -ne 0
expect "failing test: the failed test is named" has fail.log '^FAILED: test fail_test: 1 failed.*not ok [0-9]+ global\.fails_on_purpose'
expect "failing test: counted as 1 passed, 1 failed, 1 skipped" has fail.log '^1 passed, 1 failed, 1 skipped$'
expect "failing test: no other failure reason" hasnt fail.log '^FAILED: (kernel log|taint|VM|module|guest)'
expect "warning module: vm-run.sh exits non-zero (exit code $warn_rc)" test "$warn_rc" -ne 0
expect "warning module: the kernel WARNING is named" has warn.log '^FAILED: kernel log: .*WARNING:.*warn_mod'
expect "warning module: the W taint is named" has warn.log '^FAILED: taint: .*bit 9 \(W\)'
expect "warning module: counted as 0 passed, 2 failed" has warn.log '^0 passed, 2 failed, 0 skipped$'

if [ -n "$debug_kver" ]; then
	expect "KASAN: vm-run.sh exits non-zero (exit code ${dbg_rc[uaf_mod]})" test "${dbg_rc[uaf_mod]}" -ne 0
	expect "KASAN: the use-after-free is named" has uaf_mod.log '^FAILED: kernel log: .*BUG: KASAN: .*use-after-free.*uaf_mod'
	expect "lockdep: vm-run.sh exits non-zero (exit code ${dbg_rc[lockorder_mod]})" test "${dbg_rc[lockorder_mod]}" -ne 0
	expect "lockdep: the circular locking dependency is named" has lockorder_mod.log '^kernel: .*possible circular locking dependency'
	expect "kmemleak: vm-run.sh exits non-zero (exit code ${dbg_rc[leak_mod]})" test "${dbg_rc[leak_mod]}" -ne 0
	expect "kmemleak: the leak is attributed to the module" has leak_mod.log '^FAILED: kmemleak: [1-9][0-9]* unreferenced object'
	expect "kmemleak: no other failure reason" hasnt leak_mod.log '^FAILED: (kernel log|taint|VM|module|guest)'
fi

# The inner runs fail on purpose and keep their run directories: drop them once checked.
if [ "$nok" -eq 0 ]; then
	sed -n 's/^run directory kept ([^)]*): //p' "$out"/*.log |
		while read -r d; do
			case "$d" in "$FP_BUILD"/vm/run.*) rm -rf "$d" ;; esac
		done
fi
if [ "$nok" -gt 0 ]; then
	echo "harness self-test: $nok check(s) failed; vm-run.sh output in $out/fail.log and $out/warn.log"
	exit 1
fi
