#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the release 0.1 pieces that selftests/compat_test.sh runs against the current ones:
# fpctl and the core module fanotify_fastpath.ko of FP_COMPAT_REV (scripts/lib.sh, the last
# commit of 0.1), built from that revision's own tree (its tools/fpctl, tools/lib and uapi
# header; its module/ and Kbuild) inside the build root, against KVER's headers, the way
# scripts/build.sh builds the current ones. They are copied into build/selftests/compat/
# (the VM gets build/selftests as /selftests):
#   fpctl-VERSION               0.1's fpctl (dynamically linked, as the package ships it)
#   fanotify_fastpath-VERSION.ko  0.1's core module, with BTF
#   REVISION                    the revision and its VERSION
# VERSION is that tree's VERSION file (0.1).
#
# Only for the default lane's kernel (fp_compat_kernel in scripts/lib.sh: trixie's generic
# 6.12); for any other kernel build/selftests/compat is removed and the test skips.
#
# The tree comes from "git archive FP_COMPAT_REV" of the repository (run on the host: the
# build root has no git); a shallow clone without that commit fails with a message.
# Cache, outside the repository (Kbuild's "make clean" of the tree deletes every .ko and .o
# under it, build/ included): $FP_BR/opt/fp-compat/KEY, KEY = revision, kernel, and the
# versions of the compiler, pahole and json-c in the build root. A cached build is only
# copied.
#
# usage: scripts/compat-build.sh KVER     environment: FP_CACHE, FP_RELEASE (scripts/lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || fp_die "usage: scripts/compat-build.sh KVER"
kver=$1
out=$FP_BUILD/selftests/compat
rm -rf "$out"
if ! fp_compat_kernel "$kver"; then
	fp_log "compat: no 0.1 build for $kver ($FP_RELEASE): compat_test skips on it"
	exit 0
fi
t0=$SECONDS
kdir=$(fp_kdir "$kver")
rev=$FP_COMPAT_REV
git -C "$FP_TOP" cat-file -e "$rev^{commit}" 2>/dev/null ||
	fp_die "compat: revision $rev (the last 0.1 commit, FP_COMPAT_REV in scripts/lib.sh) is not in the repository at $FP_TOP: a shallow clone? (git fetch --unshallow)"

tools=$(fp_br_run "dpkg-query -W -f='\${Package} \${Version}\n' $FP_GCC dwarves libjson-c-dev") ||
	fp_die "compat: cannot read the toolchain versions in the build root"
key=$(printf '%s\n%s\n%s\n' "$rev" "$kver" "$tools" | sha256sum | cut -c1-12)
top=/opt/fp-compat
kd=$top/$key
mkdir -p "$FP_BR$top"
exec 8>"$FP_CACHE/.compat-$FP_RELEASE.lock"
flock 8

if [ ! -e "$FP_BR$kd/.done" ]; then
	fp_log "compat: building fpctl and fanotify_fastpath.ko of ${rev:0:12} (0.1) for $kver"
	tmp=$top/.tmp-$key
	rm -rf "$FP_BR$tmp"
	mkdir -p "$FP_BR$tmp/src" "$FP_BR$tmp/out"
	git -C "$FP_TOP" archive --format=tar "$rev" | tar -x -C "$FP_BR$tmp/src" ||
		fp_die "compat: git archive $rev failed"
	ver=$(cat "$FP_BR$tmp/src/VERSION")
	# The modules of that tree (the core and its handlers: its Kbuild builds both), then its
	# fpctl with its own Makefile, headers and fp_lib.h.
	if ! fp_br_run "set -e; cd $tmp/src
		make -j$(nproc) modules KDIR=$kdir >$tmp/build.log 2>&1
		make -C tools/fpctl OUT=$tmp/out OBJ=$tmp/obj >>$tmp/build.log 2>&1
		readelf -S -W module/fanotify_fastpath.ko | grep -q ' \.BTF ' || { echo 'no .BTF section' >>$tmp/build.log; exit 1; }
		cp module/fanotify_fastpath.ko $tmp/out/fanotify_fastpath-$ver.ko
		mv $tmp/out/fpctl $tmp/out/fpctl-$ver
		printf '%s %s\n' $rev $ver >$tmp/out/REVISION"; then
		tail -n 40 "$FP_BR$tmp/build.log" >&2
		fp_die "compat: the build of ${rev:0:12} for $kver failed (log above)"
	fi
	rm -rf "$FP_BR$kd"
	mv "$FP_BR$tmp/out" "$FP_BR$kd"
	touch "$FP_BR$kd/.done"
	rm -rf "${FP_BR:?}$tmp"
	fp_log "compat: built in $((SECONDS - t0)) s (cached in $FP_BR$kd)"
fi
mkdir -p "$out"
cp "$FP_BR$kd"/fpctl-* "$FP_BR$kd"/fanotify_fastpath-*.ko "$FP_BR$kd/REVISION" "$out/"
fp_log "compat: $(cd "$out" && echo *) in ${out#"$FP_TOP"/} ($((SECONDS - t0)) s)"
