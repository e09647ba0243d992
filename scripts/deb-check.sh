#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check the Debian packages (scripts/deb-build.sh) the way a user installs them, in a
# throwaway copy of the Debian build root of FP_RELEASE (trixie or bookworm; an overlay: the
# shared build root is never changed), for one kernel (a lane of make check):
#   0. what Debian's CI runs for "Testsuite: autopkgtest-pkg-dkms": dkms's own
#      /usr/lib/dkms/dkms-autopkgtest on the dkms package (install, dkms dependency, build
#      and install for every kernel with headers), then purge
#   1. apt-get install of the three packages (local .debs; their dependencies are in the
#      build root already, nothing is downloaded). The copy keeps the headers of this
#      kernel only (the build links of other kernels are removed), as on a machine running
#      it: the package's postinst has DKMS build and install for it
#   2. every module of module/ and handlers/ installed by DKMS for this kernel under
#      /lib/modules/KVER/updates/dkms, found by modinfo through depmod, with BTF (if the
#      headers ship vmlinux) and version = VERSION; dkms status says installed; fpctl, its
#      manual, completion and the systemd example in place; a program built with
#      "pkg-config --cflags fanotify-fastpath" includes the -dev package's uapi header
#   3. a VM booted with those modules and the packaged fpctl (scripts/deb-vm-test.sh):
#      nothing loaded, as after a boot; fatrace with "fpctl attach" by handler name (fpctl
#      loads the core, the handler module autoloads by its alias), the packaged bash
#      completion, the systemd drop-in's command
#   4. apt-get purge of the packages, and nothing left: no module files, no
#      /usr/src/fanotify-fastpath-*, no DKMS state (/var/lib/dkms, dkms status), no fpctl,
#      no headers
# Prints the time of each step; exits non-zero on the first failure.
#
# usage: scripts/deb-check.sh [--no-vm] [--keep] [DKMS_DEB TOOLS_DEB DEV_DEB]
#   without the .debs, scripts/deb-build.sh builds them (build/deb)
#   --no-vm   skip step 3
#   --keep    keep the overlay (in $FP_CACHE/deb-check.*) for inspection
# environment: FP_KERNEL (default | backports | VERSION), FP_KVER, FP_CACHE (scripts/lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
FP_OV_NAME=deb-check
. "$FP_TOP/scripts/overlay-lib.sh"

vm=1 keep=0 args=("$@") debs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-vm) vm=0 ;;
	--keep) keep=1 ;;
	-h | --help) sed -n '3,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) fp_die "unknown argument $1 (see --help)" ;;
	*) debs+=("$1") ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || fp_die "must run as root (mounts an overlay and chroots into it)"

fp_ov_private_mounts "${args[@]}"

kver=$FP_KVER
version=$(cat "$FP_TOP/VERSION")
pkg=fanotify-fastpath

if [ ${#debs[@]} -eq 0 ]; then
	step "build the packages"
	mapfile -t debs < <("$FP_TOP/scripts/deb-build.sh" | tail -n 3)
	done_step "dpkg-buildpackage + lintian"
fi
if [ ${#debs[@]} != 3 ] || [ ! -r "${debs[0]}" ] || [ ! -r "${debs[1]}" ] || [ ! -r "${debs[2]}" ]; then
	fail "need the three .debs (fanotify-fastpath-dkms, -tools, -dev): ${debs[*]}"
fi

# The throwaway build root.
fp_ov_mount

# Only this kernel has headers in the copy (DKMS would build for every kernel with a build
# link on a first install in a chroot).
for b in "$FP_BR"/lib/modules/*/build; do
	[ "$b" = "$FP_BR/lib/modules/$kver/build" ] || rm -f "$b"
done
mkdir -p "$FP_BR/var/tmp/debs"
cp "${debs[@]}" "$FP_BR/var/tmp/debs/"

# What Debian's CI runs for "Testsuite: autopkgtest-pkg-dkms" (debian/control): dkms's own
# script installs the package, checks that it depends on dkms, and builds and installs the
# modules for every kernel with headers (here: this one). Then back to the clean state.
step "autopkgtest-pkg-dkms (/usr/lib/dkms/dkms-autopkgtest)"
# As autopkgtest does, the built packages are in an apt repository of their own (bookworm's
# script takes package names only).
fp_br_run "cd /var/tmp/debs && dpkg-scanpackages . /dev/null >Packages 2>/dev/null &&
	echo 'deb [trusted=yes] file:/var/tmp/debs ./' >/etc/apt/sources.list.d/fp-local.list &&
	apt-get update -qq -o Dir::Etc::sourcelist=/etc/apt/sources.list.d/fp-local.list \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0" || fail "could not set up the local apt repository"
rc=0
fp_br_run "AUTOPKGTEST_ARTIFACTS=/var/tmp /usr/lib/dkms/dkms-autopkgtest $pkg-dkms >/var/tmp/autopkgtest.log 2>&1" || rc=$?
sed -n 's/^I: \(PASS\|FAIL\|SKIP\)/  autopkgtest: \1/p' "$FP_BR/var/tmp/autopkgtest.log" 2>/dev/null || true
# "I: PASS fanotify-fastpath/VERSION KVER" (bookworm: "I: PASS KVER").
if [ "$rc" != 0 ] || ! awk -v k="$kver" '$1 == "I:" && $2 == "PASS" && $NF == k { f = 1 } END { exit !f }' \
	"$FP_BR/var/tmp/autopkgtest.log"; then
	tail -n 40 "$FP_BR/var/tmp/autopkgtest.log" >&2
	fail "dkms-autopkgtest: exit code $rc, or no PASS for $kver"
fi
fp_br_run "DEBIAN_FRONTEND=noninteractive apt-get purge -y $pkg-dkms >/tmp/purge.log 2>&1 || { cat /tmp/purge.log; exit 1; }" ||
	fail "apt-get purge after dkms-autopkgtest failed"
done_step "autopkgtest-pkg-dkms"

step "apt-get install (postinst: dkms build + install for $kver)"
if ! fp_br_run "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /var/tmp/debs/*.deb >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }"; then
	log=$FP_BR/var/lib/dkms/$pkg/$version/build/make.log
	[ ! -r "$log" ] || { echo "---- $log ----"; tail -n 40 "$log"; } >&2
	fail "apt-get install of the packages failed"
fi
done_step "apt install (dkms build)"

step "verify what the packages installed"
# shellcheck disable=SC2016 # expanded by the inner shell
br_script '
	set -u
	kver=$1 version=$2 pkg=$3
	dir=/lib/modules/$kver/updates/dkms
	bad=0
	no() { echo "  FAIL $*"; bad=1; }
	# The modules Kbuild builds without test modules: the core and handlers/Kbuild.
	src=/usr/src/$pkg-$version
	[ -r "$src/dkms.conf" ] || no "$src/dkms.conf missing"
	mods="fanotify_fastpath $(sed -n "s/^[[:space:]]*obj-m[[:space:]]*[:+]\{0,1\}=[[:space:]]*\(.*\)\.o/\1/p" "$src/handlers/Kbuild")"
	n=0
	for m in $mods; do
		n=$((n + 1))
		f=$(ls "$dir/$m".ko* 2>/dev/null | head -n 1)
		[ -n "$f" ] || { no "$m: not installed in $dir"; continue; }
		echo "  $f"
		[ "$(modinfo -k "$kver" -n "$m")" = "$f" ] || no "$m: depmod resolves it to $(modinfo -k "$kver" -n "$m")"
		[ "$(modinfo -F version "$f")" = "$version" ] || no "$m: version $(modinfo -F version "$f"), not $version"
		[ "$(modinfo -F vermagic "$f" | cut -d" " -f1)" = "$kver" ] || no "$m: vermagic is not $kver"
		case "$f" in
		*.xz) xz -dc "$f" >/tmp/m.ko ;;
		*.zst) zstd -qdc "$f" >/tmp/m.ko ;;
		*) cp "$f" /tmp/m.ko ;;
		esac
		# BTF where the headers ship vmlinux (all but the 6.1 of Debian 12, whose
		# kernel could not use module BTF: see module/compat.h).
		if [ -e "/usr/src/linux-headers-$kver/vmlinux" ]; then
			readelf -S -W /tmp/m.ko | grep -q " \.BTF " || no "$m: no .BTF section (pahole)"
		fi
	done
	[ "$(ls "$dir" | wc -l)" = "$n" ] || no "$dir holds $(ls "$dir" | wc -l) files, expected $n: $(ls "$dir")"
	dkms status "$pkg" | grep -q "$pkg/$version, $kver, .*: installed" || no "dkms status: $(dkms status "$pkg")"
	dkms status "$pkg"
	for f in /usr/sbin/fpctl /usr/share/man/man8/fpctl.8.gz /usr/share/bash-completion/completions/fpctl \
		/usr/share/doc/$pkg-tools/examples/fpctl-attach.conf; do
		[ -e "$f" ] || no "$f missing"
	done
	[ "$(fpctl --version | cut -d" " -f2)" = "$version" ] || no "fpctl --version: $(fpctl --version)"
	exit $bad
' "$kver" "$version" "$pkg" || fail "the installed packages are not as expected"
# The -dev package: a program finds the uapi header through pkg-config and compiles.
# shellcheck disable=SC2016 # expanded by the inner shell
br_script '
	set -u
	version=$1
	[ "$(pkg-config --modversion fanotify-fastpath)" = "$version" ] ||
		{ echo "  FAIL pkg-config fanotify-fastpath: $(pkg-config --modversion fanotify-fastpath 2>&1)"; exit 1; }
	echo "  pkg-config --cflags fanotify-fastpath: $(pkg-config --cflags fanotify-fastpath)"
	printf "%s\n" "#include <stdio.h>" "#include <linux/fanotify_fastpath.h>" \
		"int main(void) { struct fanotify_fastpath_args a = { .version = FAN_FP_VERSION };" \
		"printf(\"%u %lu\\n\", a.version, (unsigned long)FAN_FP_IOC_ATTACH); return 0; }" >/var/tmp/uapi.c
	gcc -Wall -Werror $(pkg-config --cflags fanotify-fastpath) -o /var/tmp/uapi /var/tmp/uapi.c &&
		/var/tmp/uapi >/dev/null || { echo "  FAIL a program using <linux/fanotify_fastpath.h> does not build"; exit 1; }
	[ -r /usr/include/fanotify-fastpath/fp_kfuncs.h ] || { echo "  FAIL no fp_kfuncs.h"; exit 1; }
' "$version" || fail "the -dev package does not work"
out=$FP_BUILD/deb-check/$kver
rm -rf "$out"
mkdir -p "$out"
cp -a "$FP_BR/lib/modules/$kver/updates/dkms" "$out/"
done_step "verify installed files"

if [ "$vm" = 1 ]; then
	step "VM: the packaged modules and fpctl"
	# The initramfs is built in the copy, so --bin takes the packaged fpctl (with
	# libjson-c) and --file the packaged completion and example.
	files=(--file "$out/dkms:/lib/modules/$kver/updates/dkms"
		--file "$FP_BR/usr/share/bash-completion/completions/fpctl:/usr/share/bash-completion/completions/fpctl"
		--file "$FP_BR/usr/share/doc/$pkg-tools/examples/fpctl-attach.conf:/usr/share/doc/$pkg-tools/examples/fpctl-attach.conf"
		--file "$FP_TOP/selftests/fpctl_completion_test.sh:/data/fpctl_completion_test.sh"
		--file "$FP_TOP/selftests/fpctl_service_test.sh:/data/fpctl_service_test.sh")
	if ! FP_BR=$FP_BR "$FP_TOP/scripts/vm-run.sh" --bare --bin /usr/sbin/fpctl "${files[@]}" \
		"$FP_TOP/scripts/deb-vm-test.sh"; then
		fail "the packaged modules or fpctl failed in the VM"
	fi
	done_step "VM boot + tests"
fi

step "apt-get purge"
fp_br_run "DEBIAN_FRONTEND=noninteractive apt-get purge -y $pkg-dkms $pkg-tools $pkg-dev >/tmp/purge.log 2>&1 || { cat /tmp/purge.log; exit 1; }" ||
	fail "apt-get purge failed"
# shellcheck disable=SC2016 # expanded by the inner shell
br_script '
	kver=$1 version=$2 pkg=$3
	bad=0
	no() { echo "  FAIL $*"; bad=1; }
	left=$(find /lib/modules/$kver -path "*/updates/*" -name "*.ko*" 2>/dev/null)
	[ -z "$left" ] || no "module files left: $left"
	modinfo -k "$kver" fanotify_fastpath >/dev/null 2>&1 && no "modinfo still finds fanotify_fastpath"
	left=$(ls -d /usr/src/$pkg-* 2>/dev/null)
	[ -z "$left" ] || no "left in /usr/src: $left"
	[ ! -e /var/lib/dkms/$pkg ] || no "DKMS state left: /var/lib/dkms/$pkg: $(find /var/lib/dkms/$pkg | head)"
	[ -z "$(dkms status "$pkg")" ] || no "dkms status: $(dkms status "$pkg")"
	for f in /usr/sbin/fpctl /usr/share/bash-completion/completions/fpctl /usr/share/doc/$pkg-tools \
		/usr/include/fanotify-fastpath /usr/share/pkgconfig/fanotify-fastpath.pc; do
		[ ! -e "$f" ] || no "$f left"
	done
	st=$(dpkg-query -W -f="\${Package} \${db:Status-Abbrev}\n" "$pkg-*" 2>/dev/null | grep -v " [up]n *$")
	[ -z "$st" ] || no "dpkg still has the packages: $st"
	exit $bad
' "$kver" "$version" "$pkg" || fail "apt-get purge left something behind"
done_step "purge + verify"

echo
fp_ov_passed "$pkg $version on $kver"
