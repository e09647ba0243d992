#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check the DKMS packaging (dkms.conf) the way a user installs it, in a throwaway copy of the
# Debian build root of FP_RELEASE (trixie or bookworm, with that release's dkms; an overlay:
# the shared build root is never changed):
#   0. make install and make uninstall (modules in /lib/modules/KVER/updates, depmod)
#   1. dkms add (a clean export of this tree), dkms build -k KVER, dkms install -k KVER;
#      openssl is installed in the copy first, so dkms signs the modules with its MOK key
#   2. verify the installed files: every module of module/ and handlers/ (as Kbuild builds
#      them without test modules) under /lib/modules/KVER/updates/dkms, found by modinfo
#      through depmod, with description, license GPL, version = VERSION, vermagic KVER,
#      fanotify-fastpath-* aliases and a dependency on fanotify_fastpath for handlers, BTF
#      (if the headers ship vmlinux), and a signature by dkms's key
#   3. boot the VM with the DKMS-built modules installed in /lib/modules/KVER/updates/dkms
#      instead of the tree's, load and check them with modprobe (selftests/modinfo_test.sh),
#      then attach the DKMS-built subtree handler to fatrace with fpctl
#      (selftests/fatrace_test.sh; fpctl from build/selftests, built by scripts/build.sh)
#   4. dkms remove --all, and verify that nothing is left
#   5. kernels outside the support matrix are refused with a message, not a compiler error:
#      dkms build for a 5.10 kernel exits 77 (BUILD_EXCLUSIVE), and make against headers
#      that say 5.10 stops in Kbuild with "needs Linux 6.1 or newer"
# Prints the time of each step; exits non-zero on the first failure, with the build log of a
# failed build.
#
# usage: scripts/dkms-check.sh [--no-vm] [--keep]
#   --no-vm   skip step 3
#   --keep    keep the overlay (in $FP_CACHE/dkms-check.*) for inspection
# environment: FP_KERNEL (default | backports | VERSION), FP_KVER, FP_CACHE (scripts/lib.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
FP_OV_NAME=dkms-check
. "$FP_TOP/scripts/overlay-lib.sh"

vm=1 keep=0 args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--no-vm) vm=0 ;;
	--keep) keep=1 ;;
	-h | --help) sed -n '3,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) fp_die "unknown argument $1 (see --help)" ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || fp_die "must run as root (mounts an overlay and chroots into it)"

fp_ov_private_mounts "${args[@]}"

kver=$FP_KVER
shared_br=$FP_BR
version=$(cat "$FP_TOP/VERSION")
pkg=fanotify-fastpath
out=$FP_BUILD/dkms/$kver

# The throwaway build root.
fp_ov_mount

# A clean export of the tree (tracked and new files, nothing ignored), as a user's checkout.
src=/var/tmp/$pkg-src
mkdir -p "$FP_BR$src"
if git -C "$FP_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # expanded by the inner shell
	git -C "$FP_TOP" ls-files -z --cached --others --exclude-standard |
		(cd "$FP_TOP" && xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$FP_TOP" --null -T - -cf - | tar -C "$FP_BR$src" -xf -
else
	tar -C "$FP_TOP" --exclude=./build --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		-cf - . | tar -C "$FP_BR$src" -xf -
fi

step "reference build (what Kbuild builds without test modules)"
fp_br_run "cp -a $src /var/tmp/reference && make -s -C /var/tmp/reference KDIR=$(fp_kdir "$kver") FP_TEST_MODULES= modules >/dev/null" ||
	fail "the tree does not build for $kver: see the compiler output above (dkms build would fail the same way)"
# modules.order names objects: NAME.o, or NAME.ko before 6.2.
mapfile -t expected < <(sed -e 's|.*/||' -e 's|\.k\{0,1\}o$||' "$FP_BR/var/tmp/reference/modules.order")
[ ${#expected[@]} -gt 0 ] || fail "the reference build produced no modules"
fp_log "modules dkms must install: ${expected[*]}"
done_step "reference build"

step "make install / make uninstall"
# shellcheck disable=SC2016 # expanded by the inner shell
br_script '
	set -u
	src=$1 kdir=$2 kver=$3; shift 3
	cp -a "$src" /var/tmp/make-install && cd /var/tmp/make-install || exit 1
	make -s install KDIR="$kdir" >/tmp/install.log 2>&1 || { cat /tmp/install.log; exit 1; }
	bad=0
	for m in "$@"; do
		f=$(modinfo -k "$kver" -n "$m" 2>/dev/null)
		case "$f" in
		/lib/modules/$kver/updates/*) echo "  make install: $f" ;;
		*) echo "  FAIL make install: $m resolves to \"$f\""; bad=1 ;;
		esac
	done
	make -s uninstall KDIR="$kdir" >/tmp/uninstall.log 2>&1 || { cat /tmp/uninstall.log; exit 1; }
	for m in "$@"; do
		if modinfo -k "$kver" -n "$m" >/dev/null 2>&1; then
			echo "  FAIL make uninstall left $m"
			bad=1
		fi
	done
	left=$(find "/lib/modules/$kver/updates" -type f 2>/dev/null)
	[ -z "$left" ] || { echo "  FAIL make uninstall left: $left"; bad=1; }
	exit $bad
' "$src" "$(fp_kdir "$kver")" "$kver" "${expected[@]}" || fail "make install / make uninstall"
done_step "make install + uninstall"

step "openssl for dkms's signing key"
signing=1
if ! fp_br_run "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssl >/dev/null 2>&1"; then
	signing=0
	fp_log "openssl could not be installed in the throwaway build root: modules will be unsigned"
fi
done_step "install openssl (throwaway root)"

step "dkms add"
fp_br_run "dkms add $src" || fail "dkms add failed"
done_step "dkms add"

step "dkms build -k $kver"
if ! fp_br_run "dkms build -k $kver $pkg/$version"; then
	echo "---- compiler errors (/var/lib/dkms/$pkg/$version/build/make.log) ----" >&2
	log=$FP_BR/var/lib/dkms/$pkg/$version/build/make.log
	if [ -r "$log" ]; then
		grep -E 'error|Error|warning:' "$log" >&2 || tail -n 40 "$log" >&2
	fi
	fail "dkms build failed for $kver"
fi
done_step "dkms build"

step "dkms install -k $kver"
fp_br_run "dkms install -k $kver $pkg/$version" || fail "dkms install failed"
done_step "dkms install"

step "verify the installed modules"
# shellcheck disable=SC2016 # expanded by the inner shell
br_script '
	set -u
	kver=$1 version=$2 signing=$3; shift 3
	dir=/lib/modules/$kver/updates/dkms
	bad=0
	no() { echo "  FAIL $*"; bad=1; }
	for m in "$@"; do
		f=$(ls "$dir/$m".ko* 2>/dev/null | head -n 1)
		[ -n "$f" ] || { no "$m: not installed in $dir"; continue; }
		echo "  $f"
		[ "$(modinfo -k "$kver" -n "$m")" = "$f" ] || no "$m: modinfo/depmod resolve it to $(modinfo -k "$kver" -n "$m")"
		[ -n "$(modinfo -F description "$f")" ] || no "$m: no description"
		[ "$(modinfo -F license "$f")" = GPL ] || no "$m: license is not GPL"
		[ "$(modinfo -F version "$f")" = "$version" ] || no "$m: version $(modinfo -F version "$f"), not $version"
		[ "$(modinfo -F vermagic "$f" | cut -d" " -f1)" = "$kver" ] || no "$m: vermagic is not $kver"
		if [ "$m" != fanotify_fastpath ]; then
			modinfo -F depends "$f" | tr , "\n" | grep -qx fanotify_fastpath || no "$m: does not depend on fanotify_fastpath"
			modinfo -F alias "$f" | grep -q "^fanotify-fastpath-" || no "$m: no fanotify-fastpath-NAME alias"
		fi
		# BTF where the headers ship vmlinux (all but the 6.1 of Debian 12).
		if [ -e "/usr/src/linux-headers-$kver/vmlinux" ]; then
			case "$f" in
			*.xz) xz -dc "$f" >/tmp/m.ko ;;
			*.zst) zstd -qdc "$f" >/tmp/m.ko ;;
			*) cp "$f" /tmp/m.ko ;;
			esac
			readelf -S -W /tmp/m.ko | grep -q " \.BTF " || no "$m: no .BTF section (pahole)"
		fi
		signer=$(modinfo -F signer "$f")
		if [ "$signing" = 1 ]; then
			[ -n "$signer" ] && echo "    signed by: $signer" || no "$m: not signed although dkms has a key"
		fi
	done
	n=$(ls "$dir" | wc -l)
	[ "$n" = "$#" ] || no "$dir holds $n files, expected $#: $(ls "$dir")"
	dkms status | grep -q "installed" || no "dkms status does not say installed"
	dkms status
	exit $bad
' "$kver" "$version" "$signing" "${expected[@]}" || fail "installed modules are not as expected"
rm -rf "$out"
mkdir -p "$out"
cp -a "$FP_BR/lib/modules/$kver/updates/dkms" "$out/"
done_step "verify installed files"

if [ "$vm" = 1 ]; then
	step "VM: load the DKMS-installed modules"
	# The VM boots the kernel of the shared build root; none of the tree's modules is in it.
	files=(--file "$out/dkms:/lib/modules/$kver/updates/dkms"
		--file "$FP_TOP/selftests/modinfo_test.sh:/data/modinfo_test.sh"
		--file "$FP_TOP/selftests/fatrace_test.sh:/data/fatrace_test.sh")
	if [ -x "$FP_BUILD/selftests/fpctl" ]; then
		files+=(--file "$FP_BUILD/selftests/fpctl:/data/fpctl")
	else
		fp_log "no $FP_BUILD/selftests/fpctl (scripts/build.sh builds it): fatrace part skipped"
	fi
	# fpctl needs libjson-c (--json): --bin copies it from the build root.
	if ! FP_BR=$shared_br "$FP_TOP/scripts/vm-run.sh" --bare "${files[@]}" \
		--bin /usr/lib/x86_64-linux-gnu/libjson-c.so.5 \
		"$FP_TOP/scripts/dkms-vm-test.sh"; then
		fail "the VM could not load the DKMS-installed modules"
	fi
	done_step "VM boot + modprobe + checks"
fi

step "dkms remove --all"
fp_br_run "dkms remove $pkg/$version --all" || fail "dkms remove failed"
# shellcheck disable=SC2016 # expanded by the inner shell
br_script '
	kver=$1 pkg=$2
	left=$(ls /lib/modules/$kver/updates/dkms 2>/dev/null)
	[ -z "$left" ] || { echo "  FAIL left in updates/dkms: $left"; exit 1; }
	modinfo -k "$kver" fanotify_fastpath >/dev/null 2>&1 && { echo "  FAIL modinfo still finds fanotify_fastpath"; exit 1; }
	[ -z "$(dkms status "$pkg")" ] || { echo "  FAIL dkms status: $(dkms status "$pkg")"; exit 1; }
	exit 0
' "$kver" "$pkg" || fail "dkms remove left files behind"
done_step "dkms remove + verify"

step "kernels older than 6.1 are refused"
fp_br_run "dkms add $src >/dev/null" || fail "dkms add (again) failed"
rc=0
msg=$(fp_br_run "dkms build -k 5.10.0-99-amd64 $pkg/$version 2>&1") || rc=$?
printf '  dkms: %s\n' "${msg//$'\n'/$'\n'  dkms: }"
if [ "$rc" != 77 ] || ! echo "$msg" | grep -q BUILD_EXCLUSIVE; then
	fail "dkms build for 5.10.0-99-amd64: exit code $rc, expected 77 with the BUILD_EXCLUSIVE message"
fi
[ ! -e "$FP_BR/var/lib/dkms/$pkg/$version/5.10.0-99-amd64" ] || fail "dkms left a build for 5.10.0-99-amd64"
fp_br_run "dkms remove $pkg/$version --all >/dev/null" || fail "dkms remove failed"
# The headers are this lane's; VERSION and PATCHLEVEL on the command line make Kbuild see 5.10.
rc=0
msg=$(fp_br_run "cd /var/tmp/reference && make -s KDIR=$(fp_kdir "$kver") FP_TEST_MODULES= VERSION=5 PATCHLEVEL=10 modules 2>&1") || rc=$?
echo "$msg" | grep -m1 'needs Linux' | sed 's/^/  make: /'
if [ "$rc" = 0 ] || ! echo "$msg" | grep -q 'needs Linux 6.1 or newer; these headers are 5.10'; then
	fail "make against 5.10 headers: exit code $rc, without the \"needs Linux 6.1 or newer\" message"
fi
done_step "dkms build -k 5.10 + make refuse"

echo
fp_ov_passed "$pkg $version on $kver"
echo "  DKMS-built modules kept in ${out#"$FP_TOP"/}/dkms"
