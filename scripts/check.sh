#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite ("make check"): set up or refresh the build root, build the modules
# (with BTF) and the selftests for Debian's kernel, run the selftests in a VM
# (scripts/vm-run.sh), run the harness self-test, and end with one line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# usage: scripts/check.sh    environment: FP_KERNEL (default | backports | VERSION), FP_CACHE,
#                            and everything scripts/vm-run.sh reads (FP_VM_TIMEOUT, FP_KVM, ...)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

passed=0 failed=0 skipped=0
t0=$(date +%s)
finish() {
	fp_log "check finished in $(($(date +%s) - t0)) s"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit $((failed > 0))
}

fp_log "setting up the build root (FP_KERNEL=$FP_KERNEL)"
if ! FP_KVER=$("$FP_TOP/scripts/setup-buildroot.sh"); then
	echo "not ok - build root setup failed (see the messages above)"
	failed=$((failed + 1))
	finish
fi
export FP_KVER
fp_log "target kernel: $FP_KVER"

if "$FP_TOP/scripts/build.sh"; then
	res=$FP_BUILD/check-vm-results
	rm -f "$res"
	vm_rc=0
	"$FP_TOP/scripts/vm-run.sh" --result-file "$res" || vm_rc=$?
	if [ -s "$res" ]; then
		read -r p f s <"$res"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	fi
	if [ "$vm_rc" -ne 0 ] && { [ ! -s "$res" ] || [ "$f" -eq 0 ]; }; then
		echo "not ok - VM run did not complete (scripts/vm-run.sh exit code $vm_rc)"
		failed=$((failed + 1))
	fi
else
	echo "not ok - build failed (see the messages above); VM tests not run"
	failed=$((failed + 1))
fi

# The harness self-test needs neither the project's modules nor its tests: run it anyway.
log=$FP_BUILD/harness-selftest.log
mkdir -p "$FP_BUILD"
if "$FP_TOP/scripts/harness-selftest.sh" >"$log" 2>&1; then
	echo "ok - harness self-test: vm-run.sh reports a failing test and a kernel WARNING"
	passed=$((passed + 1))
else
	echo "not ok - harness self-test: vm-run.sh did not report a planted failure correctly"
	sed 's/^/#   /' "$log"
	failed=$((failed + 1))
fi
finish
