#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Which functions of the modules compile to other instructions than at a git revision: builds
# the modules (without test modules) of REV and of the work tree against each kernel's headers
# in the build root, disassembles both (objdump -dr) and compares them function by function.
# Addresses and section-relative relocation offsets are left out (a string or a helper that
# moved is not a change of code); calls and other symbol references are compared. Lists the
# functions that differ, exist only at REV or only in the work tree, per module and kernel.
# For changes meant to add no code where they do not apply (module/compat.h on 6.12 and 7.x):
# "0 differ" on a kernel means every event-path instruction is the same there, which no
# benchmark can show as exactly.
#
# usage: scripts/code-diff.sh REV [KVER...]
#   KVER   kernels whose headers are in the build root (default: the default and backports
#          kernels, resolved as make check does)
# Exits 1 if any function differs or exists on one side only, 2 on errors.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || fp_die "usage: scripts/code-diff.sh REV [KVER...] (see --help)"
case "$1" in -h | --help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
rev=$(git -C "$FP_TOP" rev-parse --verify "$1^{commit}") || fp_die "$1 is not a revision"
shift
kvers=("$@")
if [ ${#kvers[@]} -eq 0 ]; then
	kvers=("$(FP_KERNEL=default fp_kver)" "$(FP_KERNEL=backports fp_kver)")
fi

work=$FP_BUILD/code-diff
rm -rf "$work"
mkdir -p "$work/old" "$work/new" "$work/ko"
git -C "$FP_TOP" archive "$rev" | tar -C "$work/old" -x
# shellcheck disable=SC2016 # expanded by the inner shell
(cd "$FP_TOP" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf -) | tar -C "$work/new" -x

# build SIDE KVER: the side's modules for KVER, copied to ko/SIDE/KVER/.
build() {
	local dir=$work/$1 kdir

	kdir=$(fp_kdir "$2")
	fp_br_run "make -s -C $kdir M=$dir FP_TEST_MODULES= clean >/dev/null 2>&1; make -s -C $kdir M=$dir FP_TEST_MODULES= modules >$dir/build.log 2>&1" ||
		{ cat "$dir/build.log" >&2; fp_die "$1 ($rev or the work tree) does not build for $2"; }
	mkdir -p "$work/ko/$1/$2"
	fp_modules_order "$dir" | while read -r ko; do cp "$dir/$ko" "$work/ko/$1/$2/"; done
}

# functions KO: "NAME<TAB>checksum of its normalized instructions", one line per function.
functions() {
	objdump -dr --no-show-raw-insn "$1" | awk '
		function flush() { if (name != "") print name "\t" body }
		/^[0-9a-f]+ <.*>:$/ { flush(); name = $2; gsub(/[<>:]/, "", name); body = ""; next }
		name == "" { next }
		/^ *[0-9a-f]+:/ {
			sub(/^ *[0-9a-f]+:[ \t]*/, "")
			gsub(/[0-9a-f]+ </, "<")
			gsub(/(\.[A-Za-z_][A-Za-z0-9_.]*)[+-]0x[0-9a-f]+/, "&@")
			gsub(/[+-]0x[0-9a-f]+@/, "")
			body = body "|" $0
		}
		END { flush() }' | while IFS=$'\t' read -r name body; do
		printf '%s\t%s\n' "$name" "$(printf '%s' "$body" | md5sum | cut -c1-16)"
	done | sort
}

rc=0
for kver in "${kvers[@]}"; do
	build old "$kver"
	build new "$kver"
	for ko in "$work/ko/new/$kver"/*.ko; do
		m=$(basename "$ko")
		if [ ! -e "$work/ko/old/$kver/$m" ]; then
			echo "$kver $m: only in the work tree"
			rc=1
			continue
		fi
		functions "$work/ko/old/$kver/$m" >"$work/old.$m.txt"
		functions "$ko" >"$work/new.$m.txt"
		same=$(join -t $'\t' "$work/old.$m.txt" "$work/new.$m.txt" | awk -F'\t' '$2 == $3' | wc -l)
		differ=$(join -t $'\t' "$work/old.$m.txt" "$work/new.$m.txt" | awk -F'\t' '$2 != $3 { print $1 }' | xargs)
		old_only=$(join -t $'\t' -v 1 "$work/old.$m.txt" "$work/new.$m.txt" | cut -f1 | xargs)
		new_only=$(join -t $'\t' -v 2 "$work/old.$m.txt" "$work/new.$m.txt" | cut -f1 | xargs)
		printf '%s %s: %s same, %s differ%s%s%s\n' "$kver" "$m" "$same" \
			"$(wc -w <<<"$differ")" "${differ:+ ($differ)}" \
			"${old_only:+; only at ${rev:0:12}: $old_only}" "${new_only:+; only in the work tree: $new_only}"
		[ -z "$differ$old_only$new_only" ] || rc=1
	done
done
exit $rc
