#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian packages (debian/) in the build root and check them with lintian:
#   1. a clean export of the tree (tracked and new files, nothing ignored) to
#      build/deb/src/fanotify-fastpath-VERSION;
#   2. dpkg-buildpackage -us -uc there (debian/rules refuses a debian/changelog whose
#      version is not the VERSION file's): fanotify-fastpath-dkms_VERSION_all.deb,
#      fanotify-fastpath-tools_VERSION_amd64.deb, fanotify-fastpath-dev_VERSION_all.deb and
#      the source package, in build/deb (build/deb-RELEASE for another release);
#   3. lintian on the .changes (binary and source packages): any error or warning fails
#      (overrides are in debian/*.lintian-overrides, each with its reason); the whole
#      output, info tags too, is in build/deb/lintian.log.
# Prints the paths of the three .debs on success (last three lines: dkms, tools, dev).
#
# usage: scripts/deb-build.sh        environment: FP_CACHE (scripts/lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ ! -x "$FP_BR/usr/bin/dpkg-buildpackage" ] || [ ! -x "$FP_BR/usr/bin/dh_dkms" ]; then
	"$FP_TOP/scripts/setup-buildroot.sh" >/dev/null
fi
version=$(cat "$FP_TOP/VERSION")
# Packages are built per release, in its own build root (Debian 12's dpkg-shlibdeps would
# not accept fpctl built against trixie's glibc): build/deb for trixie, build/deb-bookworm.
out=$FP_BUILD/deb
[ "$FP_RELEASE" = trixie ] || out=$FP_BUILD/deb-$FP_RELEASE
src=$out/src/fanotify-fastpath-$version
rm -rf "$out"
mkdir -p "$src"

# The same export as scripts/dkms-check.sh: what a user's checkout holds.
if git -C "$FP_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	git -C "$FP_TOP" ls-files -z --cached --others --exclude-standard |
		(cd "$FP_TOP" && xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$FP_TOP" --null -T - -cf - | tar -C "$src" -xf -
else
	tar -C "$FP_TOP" --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' -cf - . | tar -C "$src" -xf -
fi

fp_log "dpkg-buildpackage -us -uc (${out#"$FP_TOP"/})"
if ! fp_br_run "cd '$src' && dpkg-buildpackage -us -uc >'$out/build.log' 2>&1"; then
	tail -n 40 "$out/build.log" >&2
	fp_die "dpkg-buildpackage failed (whole log: ${out#"$FP_TOP"/}/build.log)"
fi
changes=$(cd "$out/src" && ls ./*.changes)
dkms_deb=$out/src/fanotify-fastpath-dkms_${version}_all.deb
tools_deb=$(ls "$out/src/fanotify-fastpath-tools_${version}"_*.deb)
dev_deb=$out/src/fanotify-fastpath-dev_${version}_all.deb
[ -r "$dkms_deb" ] || fp_die "dpkg-buildpackage built no $dkms_deb"
[ -r "$dev_deb" ] || fp_die "dpkg-buildpackage built no $dev_deb"

fp_log "lintian (errors and warnings fail; info tags are shown)"
rc=0
# An older release's lintian does not know debian/control's Standards-Version (trixie's
# policy): that one tag is expected there; every other warning still fails.
suppress=''
[ "$FP_RELEASE" = trixie ] || suppress='--suppress-tags newer-standards-version'
fp_br_run "cd '$out/src' && lintian --allow-root --info --display-info --fail-on error,warning $suppress $changes" >"$out/lintian.log" 2>&1 || rc=$?
sed 's/^/  lintian: /' "$out/lintian.log" >&2
[ -s "$out/lintian.log" ] || echo "  lintian: (no tags)" >&2
[ "$rc" = 0 ] || fp_die "lintian reports errors or warnings (${out#"$FP_TOP"/}/lintian.log)"
echo "$dkms_deb"
echo "$tools_deb"
echo "$dev_deb"
