#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The whole test suite ("make check"): set up or refresh the build root, build the modules
# (with BTF) and the selftests for each of Debian's kernels (lanes), run the selftests in a VM
# (scripts/vm-run.sh), the DKMS/install check (scripts/dkms-check.sh) and the Debian
# package check (scripts/deb-check.sh: install, VM, purge) per lane, build the Debian
# packages once (scripts/deb-build.sh, lintian-clean), run the harness self-test, and end
# with one line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
#
# Lanes: "default", "backports" (Debian 13's kernels), "cloud" and "rt" (the default kernel's
# flavours: a core subset, see lane_vm_args), "bookworm" (Debian 12: its build root, gcc-12,
# dkms and debhelper, its kernel 6.1, its own packages) and "debug": Debian's source of the default
# kernel built from tinyconfig with KASAN, lockdep, kmemleak and the other checkers
# (scripts/debug-kernel.sh, cached in FP_CACHE; on an empty cache its build, about 1000
# objects, took 16 minutes on the loaded 2-core machine, see Documentation/testing.md). The debug lane runs in
# the background from the start, in a copy of the tree (its module builds and VM run
# directories apart from the other lanes', which build in the tree itself): its kernel builds
# at nice 19 while the other lanes run, then its suite runs beside them; its report is
# printed after theirs. The debug lane runs the whole suite with longer timeouts
# (FP_DEBUG_VM_TIMEOUT, default 5400 s; FP_DEBUG_TEST_TIMEOUT, default 1800 s per test;
# FP_DEBUG_TIMEOUT_SCALE, default 8, multiplies every kselftest case's timeout), subtree_test's
# load cut (FP_DEBUG_TRACE_OPS, default 2500; FP_DEBUG_TINY_CACHE_DIRS, default 1000; see
# run_debug_lane), the fuzzer for FP_DEBUG_FUZZ_SECS (default 90), no DKMS or package check,
# and adds the harness self-test's planted KASAN, lockdep and kmemleak reports.
#
# usage: scripts/check.sh    environment: FP_CHECK_KERNELS (lanes, default "default backports
#                            cloud rt bookworm debug"), FP_KERNEL (only that kernel), FP_CACHE, and everything
#                            scripts/vm-run.sh reads (FP_VM_TIMEOUT, FP_KVM, ...)
set -euo pipefail
FP_KERNEL_SET_BY_USER=0
[ -n "${FP_KERNEL:-}" ] && FP_KERNEL_SET_BY_USER=1
. "$(dirname "$0")/lib.sh"

passed=0 failed=0 skipped=0
t0=$(date +%s)
# report RC LOG OK_TEXT FAIL_TEXT [SUMMARY_SED]: one counted TAP line for a check that exited
# RC. On success, the lines of LOG that the sed script SUMMARY_SED prints (none without it);
# on failure, all of LOG. Returns RC's truth.
report() {
	local rc=$1 log=$2

	if [ "$rc" = 0 ]; then
		echo "ok - $3"
		passed=$((passed + 1))
		[ -z "${5:-}" ] || sed -n "$5" "$log"
		return 0
	fi
	echo "not ok - $4:"
	sed 's/^/#   /' "$log"
	failed=$((failed + 1))
	return 1
}
lintian_lines='s/^  lintian: /# lintian: /p'
# shellcheck disable=SC2016 # a sed script
deb_check_lines='/==== deb-check passed/,$s/^/# /p'

# One line per lane for the end of the report: its verdict, totals and time.
lane_summary=()
finish() {
	fp_log "check finished in $(($(date +%s) - t0)) s"
	[ ${#lane_summary[@]} -eq 0 ] || printf '# %s\n' "${lane_summary[@]}"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit $((failed > 0))
}

# One lane per kernel: Debian trixie's default kernel and the newest trixie-backports kernel,
# unless FP_KERNEL names one (then only that one).
if [ -n "${FP_CHECK_KERNELS:-}" ]; then
	lanes=$FP_CHECK_KERNELS
elif [ "${FP_KERNEL_SET_BY_USER:-0}" = 1 ]; then
	lanes=$FP_KERNEL
else
	lanes="default backports cloud rt bookworm debug"
fi
fp_release_user=$FP_RELEASE

# The debug lane (run_debug_lane, below) starts in the background once the functions are
# defined; these are its files.
debug_dir=$FP_BUILD/debug-lane
debug_pid='' debug_out=$debug_dir/lane.out debug_res=$debug_dir/lane.result
debug_kver_file=$debug_dir/kver

# The Debian packages, once for all lanes (dkms is arch all, fpctl does not depend on the
# kernel): built in the background while the first lane builds; each lane installs them.
mkdir -p "$FP_BUILD"
deb_log=$FP_BUILD/deb-build.log
deb_status=''
"$FP_TOP/scripts/deb-build.sh" >"$FP_BUILD/deb-build.out" 2>"$deb_log" &
deb_build_pid=$!

# deb_ready: wait for the package build (once) and report it; true when the .debs exist.
deb_ready() {
	local rc=0

	if [ -z "$deb_status" ]; then
		wait "$deb_build_pid" || rc=$?
		deb_status=failed
		report "$rc" "$deb_log" "Debian packages: dpkg-buildpackage -us -uc, lintian without errors or warnings" \
			"Debian packages: build or lintian failed" "$lintian_lines" && deb_status=ok
	fi
	[ "$deb_status" = ok ]
}

# vm_suite TOP SEL KVER [vm-run.sh arguments]: the suite in a VM, from the tree TOP, for
# kernel KVER; prints its report and the lane's totals, and sets suite_totals to "PASSED
# FAILED SKIPPED" (a VM run that did not complete with no failed test counts one failure).
suite_totals=''
vm_suite() {
	local top=$1 sel=$2 kver=$3 res vm_rc=0 p=0 f=0 s=0

	shift 3
	res=$top/build/check-vm-results
	rm -f "$res"
	FP_KERNEL=$sel FP_KVER=$kver "$top/scripts/vm-run.sh" --result-file "$res" "$@" || vm_rc=$?
	[ ! -s "$res" ] || read -r p f s <"$res"
	if [ "$vm_rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - [$kver] VM run did not complete (scripts/vm-run.sh exit code $vm_rc)"
		f=1
	fi
	echo "# lane $kver: $p passed, $f failed, $s skipped"
	suite_totals="$p $f $s"
}

# What a lane runs besides the build and the DKMS check. Debian's generic kernels ("default",
# "backports") run the whole suite and the package check. The flavours of the default kernel
# ("cloud", "rt": the same source, other configs) run the tests that exercise the kernel
# (load, lifetimes, the filter against ground truth on every filesystem, BPF against C, the
# fuzzer for 45 s), not the userspace tools' tests, which the default lane runs on the same
# kernel version; and no package check (the package is the DKMS source the DKMS check builds
# against the flavour's headers).
lane_core_tests=00_smoke.sh,anc_bounds_test,ancestry_test,bpf_test,compare_test,core_test
lane_core_tests+=,handlers_test,modinfo_test.sh,subtree_test,unload_test,fuzz_test,uapi_test
lane_vm_args() {
	case "$1" in
	cloud | rt) echo "--only $lane_core_tests" ;;
	esac
}
lane_knobs() {
	case "$1" in
	cloud | rt) echo "FP_FUZZ_SECS=45" ;;
	esac
}
lane_packages() {
	case "$1" in
	cloud | rt) return 1 ;;
	esac
}

# Debian 12's lane ("bookworm") is its release's default kernel, built and packaged in its
# own build root; every other lane is a kernel of the release the caller chose (trixie).
lane_release() {
	case "$1" in
	bookworm) echo bookworm ;;
	*) echo "$fp_release_user" ;;
	esac
}
lane_kernel() {
	case "$1" in
	bookworm) echo default ;;
	*) echo "$1" ;;
	esac
}

# lane_dkms_also LANE: the lane's release's other kernels that get the DKMS check only (build
# with the release's compiler, install, load in a VM, remove): Debian 12's
# bookworm-backports 6.12, as Debian 12's DKMS builds it (gcc-12, dkms 3.0.10).
lane_dkms_also() {
	case "$1" in
	bookworm) echo backports ;;
	esac
}

# lane_debs: the lane's release's two .debs in the array debs, or false. trixie's come from
# the background build (deb_ready); another release's are built here, in its build root
# (scripts/deb-build.sh, about 10 s), and reported as a test of their own.
lane_debs() {
	local out=$FP_BUILD/deb-build-$FP_RELEASE.out log=$FP_BUILD/deb-build-$FP_RELEASE.log rc=0

	if [ "$FP_RELEASE" = trixie ]; then
		deb_ready || return 1
		mapfile -t debs <"$FP_BUILD/deb-build.out"
		return 0
	fi
	"$FP_TOP/scripts/deb-build.sh" >"$out" 2>"$log" || rc=$?
	report "$rc" "$log" "[$FP_RELEASE] Debian packages: dpkg-buildpackage -us -uc, lintian without errors or warnings" \
		"[$FP_RELEASE] Debian packages: build or lintian failed" "$lintian_lines" || return 1
	mapfile -t debs <"$out"
}

# run_lane LANE: build for one kernel and run the VM tests; adds to the totals.
run_lane() {
	local p0=$passed f0=$failed s0=$skipped t=$SECONDS

	FP_RELEASE=$(lane_release "$1")
	export FP_RELEASE
	lane_kver='?'
	run_lane_in "$1" "$(lane_kernel "$1")"
	FP_RELEASE=$fp_release_user
	lane_summarize "$1" "$lane_kver" $((passed - p0)) $((failed - f0)) $((skipped - s0)) $((SECONDS - t))
}

# lane_summarize LANE KVER PASSED FAILED SKIPPED SECONDS: a line of lane_summary.
lane_summarize() {
	local verdict=ok

	[ "$4" = 0 ] || verdict="NOT OK"
	lane_summary+=("$(printf 'lane %-9s %-28s %-6s %4s passed, %s failed, %s skipped, %4s s' \
		"$1" "$2" "$verdict" "$3" "$4" "$5" "$6")")
}

# run_lane_in LANE SELECTOR: run_lane for the kernel SELECTOR (FP_KERNEL) of FP_RELEASE.
run_lane_in() {
	local lane=$1 sel=$2 kver dkms_pid deb_pid='' deblog p=0 f=0 s=0 t_lane vm_args=() debs=()
	local dkms_kernels x xk e rc

	t_lane=$(date +%s)
	fp_log "lane $lane: setting up the build root"
	if ! kver=$(FP_KERNEL=$sel "$FP_TOP/scripts/setup-buildroot.sh"); then
		echo "not ok - [$lane] build root setup failed (see the messages above)"
		failed=$((failed + 1))
		return
	fi
	fp_log "lane $lane: target kernel $kver"
	lane_kver=$kver
	if ! FP_KERNEL=$sel FP_KVER=$kver "$FP_TOP/scripts/build.sh"; then
		echo "not ok - [$kver] build failed (see the messages above); VM tests not run"
		failed=$((failed + 1))
		return
	fi
	# Packaging as users install it: make install/uninstall and DKMS add/build/install/remove
	# for this kernel, the DKMS-built modules loaded in a VM of their own
	# (scripts/dkms-check.sh). It works in a throwaway overlay of the build root and its own
	# output directories, so it runs while the selftests run.
	# The lane's other kernels (lane_dkms_also) get it too, one after the other.
	dkms_kernels=("$sel:$kver")
	for x in $(lane_dkms_also "$lane"); do
		if xk=$(FP_KERNEL=$x "$FP_TOP/scripts/setup-buildroot.sh"); then
			dkms_kernels+=("$x:$xk")
		else
			echo "not ok - [$lane] build root setup for its $x kernel failed (see the messages above)"
			failed=$((failed + 1))
		fi
	done
	(
		for e in "${dkms_kernels[@]}"; do
			rc=0
			FP_KERNEL=${e%%:*} FP_KVER=${e#*:} "$FP_TOP/scripts/dkms-check.sh" \
				>"$FP_BUILD/dkms-check-${e#*:}.log" 2>&1 || rc=$?
			echo "$rc" >"$FP_BUILD/dkms-check-${e#*:}.rc"
		done
	) &
	dkms_pid=$!
	# The Debian packages as users install them: apt install (DKMS builds for this kernel),
	# the VM with the packaged modules and fpctl, apt purge; in a throwaway overlay too.
	deblog=$FP_BUILD/deb-check-$kver.log
	if lane_packages "$lane" && lane_debs; then
		FP_KERNEL=$sel FP_KVER=$kver "$FP_TOP/scripts/deb-check.sh" "${debs[@]: -3}" >"$deblog" 2>&1 &
		deb_pid=$!
	fi

	# Longer timeouts than vm-run.sh's own: the debug lane's VM and this lane's DKMS and
	# package VMs run beside this one on 2 cores (subtree_test took 110 s alone and ran past
	# 300 s beside them on a loaded machine).
	read -ra vm_args <<<"$(lane_vm_args "$lane")"
	FP_TEST_TIMEOUT=${FP_TEST_TIMEOUT:-900} FP_VM_TIMEOUT=${FP_VM_TIMEOUT:-3600} \
		vm_suite "$FP_TOP" "$sel" "$kver" "${vm_args[@]}" \
		--append "FP_TIMEOUT_SCALE=${FP_TIMEOUT_SCALE:-2} $(lane_knobs "$lane")"
	read -r p f s <<<"$suite_totals"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))

	wait "$dkms_pid" || true
	for e in "${dkms_kernels[@]}"; do
		xk=${e#*:}
		report "$(cat "$FP_BUILD/dkms-check-$xk.rc" 2>/dev/null || echo 1)" "$FP_BUILD/dkms-check-$xk.log" \
			"[$xk] DKMS and make install: build, install, load in the VM, remove, older kernels refused" \
			"[$xk] DKMS and make install check failed" || true
	done
	if [ -n "$deb_pid" ]; then
		rc=0
		wait "$deb_pid" || rc=$?
		report "$rc" "$deblog" "[$kver] Debian packages: autopkgtest-pkg-dkms, apt install (DKMS), -dev through pkg-config, VM with nothing loaded (fpctl loads it), apt purge leaves nothing" \
			"[$kver] Debian package check failed" "$deb_check_lines" || true
	fi
	fp_log "lane $kver finished in $(($(date +%s) - t_lane)) s"
}

# run_debug_lane: build (or reuse) the debug kernel, then the whole suite on it; no DKMS check
# (DKMS is about Debian's packaged headers). Runs in the background, in a copy of the tree
# ($debug_dir/src: the other lanes build in the tree itself), and writes its report to
# $debug_out and "PASSED FAILED SKIPPED" to $debug_res; the kernel version goes to
# $debug_kver_file as soon as the kernel is ready (the harness self-test boots it too). The
# tests read these knobs from the kernel command line (the kernel passes NAME=VALUE to /init's
# environment): every kselftest case's timeout times 8 (the KASAN kernel under TCG is slower,
# and the Debian lanes' VMs run beside it),
# and subtree_test's two model-checking loads cut (its random traces 10000 -> 2500 operations,
# tiny_cache's 5000 (tmpfs) / 2000 (ext4) directories on each side -> 1000): uncut,
# subtree_test alone ran past 900 s on the debug kernel, and the whole suite took about 27
# minutes. The fuzzer keeps its 90 s.
debug_knobs="FP_TIMEOUT_SCALE=${FP_DEBUG_TIMEOUT_SCALE:-8} FP_FUZZ_SECS=${FP_DEBUG_FUZZ_SECS:-90}"
debug_knobs+=" FP_TRACE_OPS=${FP_DEBUG_TRACE_OPS:-2500} FP_TINY_CACHE_DIRS=${FP_DEBUG_TINY_CACHE_DIRS:-1000}"
run_debug_lane() {
	local kver src=$debug_dir/src p=0 f=0 s=0 t_lane

	t_lane=$(date +%s)
	echo "0 1 0" >"$debug_res"	# until the lane says otherwise: one failure
	fp_log "lane debug: building the debug kernel (scripts/debug-kernel.sh; log: ${debug_dir#"$FP_TOP"/}/kernel.log)"
	if ! "$FP_TOP/scripts/debug-kernel.sh" >"$debug_dir/kernel.out" 2>"$debug_dir/kernel.log" ||
		! kver=$(tail -n 1 "$debug_dir/kernel.out") || [ -z "$kver" ]; then
		echo "not ok - [debug] debug kernel build failed:"
		tail -n 60 "$debug_dir/kernel.log" | sed 's/^/#   /'
		return
	fi
	sed -n 's/.*\(debug kernel built in .*\)/# \1/p' "$debug_dir/kernel.log"
	echo "$kver" >"$debug_kver_file"
	fp_log "lane debug: target kernel $kver, copying the tree to ${src#"$FP_TOP"/}"
	rm -rf "$src"
	mkdir -p "$src"
	# The tracked and the new files (a fresh clone or a work tree with edits); without git,
	# the tree minus build outputs.
	if git -C "$FP_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$FP_TOP" && git ls-files -z --cached --others --exclude-standard |
			xargs -0 cp --parents -a -t "$src" 2>/dev/null) || true
	else
		tar -C "$FP_TOP" --exclude=./build --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
			--warning=no-file-changed -c . | tar -C "$src" -x || true
	fi
	if ! FP_KERNEL=debug FP_KVER=$kver "$src/scripts/build.sh"; then
		echo "not ok - [$kver] build failed (see the messages above); VM tests not run"
		return
	fi
	FP_VM_TIMEOUT=${FP_DEBUG_VM_TIMEOUT:-5400} FP_TEST_TIMEOUT=${FP_DEBUG_TEST_TIMEOUT:-1800} \
		vm_suite "$src" debug "$kver" --append "$debug_knobs"
	read -r p f s <<<"$suite_totals"
	echo "$p $f $s $kver $(($(date +%s) - t_lane))" >"$debug_res"
	fp_log "lane $kver finished in $(($(date +%s) - t_lane)) s"
}

case " $lanes " in
*" debug "*)
	rm -rf "$debug_dir"
	mkdir -p "$debug_dir"
	run_debug_lane >"$debug_out" 2>&1 &
	debug_pid=$!
	fp_log "lane debug: started in the background (report: ${debug_out#"$FP_TOP"/})"
	;;
esac

for lane in $lanes; do
	[ "$lane" = debug ] || run_lane "$lane"
done

# No lane ran (all failed before their checks): still report the package build.
[ -n "$deb_status" ] || deb_ready || true

# The harness self-test needs neither the project's modules nor its tests: run it anyway.
log=$FP_BUILD/harness-selftest.log
mkdir -p "$FP_BUILD"
# With the debug lane, it also boots the debug kernel with planted KASAN, lockdep and kmemleak
# reports: it waits for that kernel (not for the lane's tests, which go on beside it).
debug_kver=''
if [ -n "$debug_pid" ]; then
	while [ ! -s "$debug_kver_file" ] && kill -0 "$debug_pid" 2>/dev/null; do
		sleep 5
	done
	[ -s "$debug_kver_file" ] && debug_kver=$(cat "$debug_kver_file")
fi
rc=0
FP_HARNESS_DEBUG_KVER=$debug_kver "$FP_TOP/scripts/harness-selftest.sh" >"$log" 2>&1 || rc=$?
report "$rc" "$log" "harness self-test: vm-run.sh reports a failing test, a kernel WARNING and planted slab, KFENCE and kmemleak reports" \
	"harness self-test: vm-run.sh did not report a planted failure correctly" || true

if [ -n "$debug_pid" ]; then
	fp_log "waiting for the debug lane"
	wait "$debug_pid" || true
	cat "$debug_out"
	dk='?' dt=$((SECONDS))
	read -r p f s dk dt <"$debug_res" || { p=0 f=1 s=0; }
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	lane_summarize debug "${dk:-?}" "$p" "$f" "$s" "${dt:-$SECONDS}"
fi
finish
