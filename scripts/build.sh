#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build everything the VM tests need, inside the build root, for Debian's kernel:
#   - all modules (core, handlers and, with FP_TEST_MODULES=1, the test modules) against
#     /usr/src/linux-headers-KVER, and check that each one carries BTF;
#   - the userspace selftests (selftests/Makefile) into build/selftests;
#   - on the default lane's kernel, release 0.1's fpctl and core module into
#     build/selftests/compat (scripts/compat-build.sh, for selftests/compat_test.sh).
# Sets up the build root first unless FP_KVER is already given (scripts/check.sh does that).
#
# usage: scripts/build.sh        environment: FP_KERNEL, FP_KVER, FP_CACHE (scripts/lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -z "${FP_KVER:-}" ]; then
	FP_KVER=$("$FP_TOP/scripts/setup-buildroot.sh")
fi
kver=$FP_KVER
kdir=$(fp_kdir "$kver")
[ -d "$FP_BR$kdir" ] || fp_die "kernel headers $kdir missing in the build root: run FP_KERNEL=$FP_KERNEL scripts/setup-buildroot.sh"
jobs=$(nproc)

fp_log "building modules for $kver"
# Kbuild rebuilds nothing when only the kernel changes between two flavours of one Debian
# kernel (-amd64, -cloud-amd64 share their headers' source tree, so every command line is
# the same): clean the modules built for another kernel first.
built=module/fanotify_fastpath.ko
if [ -e "$FP_TOP/$built" ] &&
	[ "$(fp_br_run "modinfo -F vermagic $built" 2>/dev/null | cut -d' ' -f1)" != "$kver" ]; then
	fp_br_run "make -C $kdir M=$FP_TOP FP_TEST_MODULES=1 clean >/dev/null"
fi
fp_br_run "make -j$jobs modules KDIR=$kdir FP_TEST_MODULES=1" ||
	fp_die "module build failed for kernel $kver (see the compiler output above)"
mapfile -t kos < <(fp_modules_order "$FP_TOP")
[ ${#kos[@]} -gt 0 ] || fp_die "the module build produced no modules (modules.order is empty)"
if [ ! -e "$FP_BR$kdir/vmlinux" ]; then
	# bookworm's 6.1 headers: no vmlinux, so no module BTF; 6.1 has no struct_ops types from
	# modules either (module/compat.h), so BPF handlers are unavailable there. Trixie's
	# headers always ship it.
	[ "$FP_RELEASE" = bookworm ] || fp_die "no vmlinux in $kdir: Debian $FP_RELEASE's headers ship one; rerun scripts/setup-buildroot.sh"
	fp_log "modules without BTF (no vmlinux in $kdir): ${kos[*]}"
else
	fp_check_btf "$FP_TOP" "${kos[@]}"
	# The struct_ops type must be one BTF type: 7.x refuses to register it when the module's
	# BTF holds two diverging copies (e.g. after a file includes <linux/memcontrol.h>; see
	# module/memcg.c).
	n=$(fp_br_run "bpftool btf dump file module/fanotify_fastpath.ko --base-btf $kdir/vmlinux" |
		grep -c "STRUCT 'fanotify_fastpath_ops'" || true)
	[ "$n" = 1 ] || fp_die "module/fanotify_fastpath.ko has $n BTF copies of struct fanotify_fastpath_ops, not 1: BPF handlers could not register"
	fp_log "modules with BTF: ${kos[*]}"
fi

# Userspace built in another release's build root (another glibc, a stub BPF skeleton on
# bookworm) is never reused: make would keep it.
if [ "$(cat "$FP_BUILD/release" 2>/dev/null || echo trixie)" != "$FP_RELEASE" ]; then
	rm -rf "$FP_BUILD/selftests" "$FP_BUILD/bench"
fi
fp_log "building selftests into ${FP_BUILD#"$FP_TOP"/}/selftests"
fp_br_run "make -C selftests -j$jobs KVER=$kver" ||
	fp_die "selftest build failed (see the compiler output above)"
# Release 0.1's fpctl and core module for selftests/compat_test.sh, on the default lane's
# kernel only (scripts/compat-build.sh; cached in the build root).
"$FP_TOP/scripts/compat-build.sh" "$kver"
mkdir -p "$FP_BUILD"
echo "$kver" >"$FP_BUILD/kver"
echo "$FP_RELEASE" >"$FP_BUILD/release"
