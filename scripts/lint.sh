#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# "make lint": static checks of the project's code, all run inside the build root:
#   sparse      make -C KDIR M=... C=2 (every module, test modules and the harness modules);
#               any warning or error in our files is a finding
#   coccicheck  the kernel's scripts/coccicheck, MODE=report, every semantic patch, over a
#               scratch copy of our C sources (coccicheck scans whole directories)
#   checkpatch  checkpatch.pl --strict --no-tree --terse -f on every .c/.h under module/,
#               handlers/, include/, selftests/ and tools/
#   shell       shellcheck on every shell script (scripts/, selftests/, .ci/run, the bash
#               completion of tools/fpctl)
# Zero findings: exit 0. Otherwise the findings are printed and the exit code is 1.
#
# usage: scripts/lint.sh     environment: FP_KERNEL, FP_KVER, FP_CACHE (scripts/lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -z "${FP_KVER:-}" ]; then
	FP_KVER=$("$FP_TOP/scripts/setup-buildroot.sh")
fi
kdir=$(fp_kdir "$FP_KVER")
src=/opt/fp-linux-source
out=$FP_BUILD/lint
rm -rf "$out"
mkdir -p "$out"
cd "$FP_TOP"

# Our files: tracked and new ones, not ignored ones (generated .mod.c, build/ ...).
list_files() {
	if git -C "$FP_TOP" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$FP_TOP" ls-files --cached --others --exclude-standard -- "$@"
	else
		find "$@" -type f 2>/dev/null | grep -v '\.mod\.c$'
	fi | while read -r f; do [ -f "$f" ] && echo "$f"; done | LC_ALL=C sort -u
}
mapfile -t cfiles < <(list_files module handlers include selftests tools | grep -E '\.[ch]$' || true)
mapfile -t kcfiles < <(printf '%s\n' "${cfiles[@]}" | grep -E '^(module|handlers|include|selftests/modules|selftests/harness/(warn_mod|debug/))' || true)
mapfile -t shfiles < <(list_files scripts selftests tools .ci | while read -r f; do
	case "$f" in
	*.sh | .ci/run | *.bash-completion) echo "$f" ;;
	*) head -n 1 "$f" | grep -Eq '^#!.*(ba)?sh' && echo "$f" ;;
	esac
done || true)

total=0
# report NAME FILE: print the findings of one tool and count them.
report() {
	local n
	n=$(grep -c . "$2" || true)
	if [ "$n" -gt 0 ]; then
		echo "== $1: $n finding(s)"
		cat "$2"
	else
		echo "== $1: clean"
	fi
	total=$((total + n))
}

# Our paths as the tools print them: absolute or relative to the repository.
ours="^($FP_TOP/)?(module|handlers|include|selftests|tools)/[^:]*:[0-9]+:"

fp_log "sparse (C=2)"
: >"$out/sparse"
for m in "$FP_TOP" "$FP_TOP/selftests/harness" "$FP_TOP/selftests/harness/debug"; do
	if ! fp_br_run "make -C $kdir M=$m FP_TEST_MODULES=1 C=2 modules" >"$out/sparse.log" 2>&1; then
		echo "build with C=2 failed in ${m#"$FP_TOP"}:" >>"$out/sparse"
		tail -n 20 "$out/sparse.log" >>"$out/sparse"
	fi
	grep -E "$ours" "$out/sparse.log" | sed "s|^$FP_TOP/||" >>"$out/sparse" || true
	cat "$out/sparse.log" >>"$out/sparse.all"
done
report sparse "$out/sparse"

fp_log "coccicheck (MODE=report)"
: >"$out/cocci"
if [ ${#kcfiles[@]} -gt 0 ]; then
	# Scratch copy in the build root's private /tmp; report paths are mapped back.
	scratch=/tmp/fp-cocci
	incs="-I $FP_TOP/include -I $kdir/include -I $kdir/arch/x86/include -I $kdir/arch/x86/include/generated"
	# spatch --jobs makes temporary directories in the current one: run it in the scratch copy.
	fp_br_run "mkdir -p $scratch && cp --parents ${kcfiles[*]} $scratch/ && cd $scratch &&
		srctree=$src KBUILD_EXTMOD=$scratch MODE=report J=$(nproc) LINUXINCLUDE='$incs' \
		$src/scripts/coccicheck" >"$out/cocci.log" 2>&1 || echo "coccicheck exited with an error" >>"$out/cocci"
	grep -q '^coccicheck failed' "$out/cocci.log" && echo "coccicheck failed: see $out/cocci.log" >>"$out/cocci"
	grep "^$scratch/" "$out/cocci.log" | sed "s|^$scratch/||" >>"$out/cocci" || true
fi
report coccicheck "$out/cocci"

fp_log "checkpatch --strict"
: >"$out/checkpatch"
if [ ${#cfiles[@]} -gt 0 ]; then
	# --terse prints nothing for clean files: judge by the exit code (0 clean, 1 findings).
	# module/compat.h exists to test kernel versions: LINUX_VERSION_CODE (and its
	# comparison with KERNEL_VERSION()) is allowed there only.
	fp_br_run "perl $src/scripts/checkpatch.pl --strict --no-tree --terse --show-types -f ${cfiles[*]/module\/compat.h/};
		echo checkpatch-exit=\$?;
		perl $src/scripts/checkpatch.pl --strict --no-tree --terse --show-types \
			--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat.h;
		echo checkpatch-exit=\$?" >"$out/checkpatch.log" 2>&1 || true
	grep -E ': (ERROR|WARNING|CHECK):' "$out/checkpatch.log" >>"$out/checkpatch" || true
	if [ "$(grep -cE '^checkpatch-exit=[01]$' "$out/checkpatch.log")" != 2 ]; then
		echo "checkpatch did not run: see $out/checkpatch.log" >>"$out/checkpatch"
	fi
fi
report checkpatch "$out/checkpatch"

fp_log "shellcheck"
: >"$out/shellcheck"
if [ ${#shfiles[@]} -gt 0 ]; then
	fp_br_run "shellcheck -f gcc ${shfiles[*]}" >"$out/shellcheck" 2>&1 || true
fi
report shellcheck "$out/shellcheck"

if [ "$total" -gt 0 ]; then
	echo "lint: $total finding(s) (logs in ${out#"$FP_TOP"/})"
	exit 1
fi
echo "lint: no findings"
