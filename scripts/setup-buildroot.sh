#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Set up (or refresh) the Debian $FP_RELEASE build root (trixie by default, bookworm for
# kernel 6.1; see scripts/lib.sh) used to build modules, BPF programs and
# test binaries for Debian kernels, and install the host tools the VM runner needs.
# Idempotent: a second run reuses the cache and takes seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || fp_die "must run as root (debootstrap, chroot and apt-get need it)"

# One setup at a time per cache (make check sets up the build root for a lane and for the
# Debian packages at once), the host's packages included.
mkdir -p "$FP_CACHE"
exec 9>"$FP_CACHE/.setup.lock"
flock 9

# Host tools. apt waits for the dpkg lock (another apt on the machine, such as one started at
# boot) instead of failing.
apt_wait=(-o DPkg::Lock::Timeout=600)
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v cpio >/dev/null || need+=(cpio)
command -v zstd >/dev/null || need+=(zstd)
command -v unshare >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
	fp_log "installing host packages: ${need[*]}"
	apt-get "${apt_wait[@]}" update -qq || fp_die "apt-get update failed on the host; check network and /etc/apt/sources.list*"
	DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
		fp_die "could not install host packages ${need[*]}; install them by hand with apt-get"
fi

mirror=$(fp_mirror)
secmirror=$(fp_security_mirror)

if [ ! -e "$FP_BR/.fp-debootstrap-done" ]; then
	fp_log "debootstrap $FP_RELEASE into $FP_BR (about 30 s)"
	rm -rf "$FP_BR"
	debootstrap --variant=minbase "$FP_RELEASE" "$FP_BR" "$mirror" >"$FP_CACHE/debootstrap-$FP_RELEASE.log" 2>&1 ||
		fp_die "debootstrap failed; see $FP_CACHE/debootstrap-$FP_RELEASE.log (mirror: $mirror; override with FP_MIRROR)"
	touch "$FP_BR/.fp-debootstrap-done"
fi

# apt sources: the release, its updates, backports and (if the host names one) security.
{
	printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates %s-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" "$FP_RELEASE" "$FP_RELEASE" "$FP_RELEASE"
	if [ -n "$secmirror" ]; then
		printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$secmirror" "$FP_RELEASE"
	fi
} >"$FP_BR/etc/apt/sources.list.d/debian.sources.new"
if ! cmp -s "$FP_BR/etc/apt/sources.list.d/debian.sources.new" "$FP_BR/etc/apt/sources.list.d/debian.sources" 2>/dev/null; then
	mv "$FP_BR/etc/apt/sources.list.d/debian.sources.new" "$FP_BR/etc/apt/sources.list.d/debian.sources"
	rm -f "$FP_BR/etc/apt/sources.list" "$FP_BR/.fp-apt-updated"
else
	rm -f "$FP_BR/etc/apt/sources.list.d/debian.sources.new"
fi

# Refresh package lists at most once a day (kernel security updates move the target).
if [ -z "$(find "$FP_BR/.fp-apt-updated" -mmin -1440 2>/dev/null)" ]; then
	fp_log "apt-get update in the build root"
	fp_br_run "apt-get update -qq" || fp_die "apt-get update failed in the build root (mirror: $mirror)"
	touch "$FP_BR/.fp-apt-updated"
fi

# e2fsprogs: mke2fs for the VM (ext4 on a loop device, scripts/mkinitramfs.sh).
# build-essential, debhelper, dh-dkms, lintian: the Debian packages (debian/,
# scripts/deb-check.sh); libjson-c-dev: fpctl --json; inotify-tools: fsnotifywait and
# inotifywait for the VM (selftests/fsnotifywait_test.sh, make bench-watchers);
# bash-completion: fpctl's completion is tested against it in the VM; btrfs-progs (mkfs.btrfs,
# btrfs subvolume/snapshot) and xfsprogs (mkfs.xfs) for the VM, libfuse3-dev for the FUSE
# server of the tests (selftests/fuse/fp_passthrough.c): selftests/subtree_test.c on btrfs,
# XFS, overlayfs and FUSE; pkgconf: the -dev package's pkg-config file (scripts/deb-check.sh).
tools="$FP_GCC gcc make dwarves clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev
kmod xz-utils zstd binutils sparse coccinelle busybox-static cpio perl python3 dkms fatrace
libcap-dev shellcheck libpython3-dev ocaml-nox ocaml-findlib e2fsprogs
build-essential debhelper dh-dkms lintian libjson-c-dev inotify-tools bash-completion
btrfs-progs xfsprogs libfuse3-dev pkgconf"
stamp=$(echo "$tools" | md5sum | cut -c1-12)
if [ ! -e "$FP_BR/.fp-tools-$stamp" ]; then
	fp_log "installing the toolchain in the build root (about 1 minute)"
	fp_br_run "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${tools//$'\n'/ } >/dev/null && apt-get clean" ||
		fp_die "toolchain install failed in the build root; rerun with a working mirror (FP_MIRROR)"
	touch "$FP_BR/.fp-tools-$stamp"
fi

kver=$(fp_kver)
if [ ! -e "$FP_BR/.fp-kernel-$kver" ]; then
	fp_log "installing headers and image of kernel $kver"
	# A backports kernel may pre-depend on a newer linux-base, found only in backports too
	# (trixie-backports' 7.x; bookworm-backports' 6.12 does not, and its linux-base is older
	# than bookworm's own). Pin just that package, and only when the install needs it:
	# "-t trixie-backports" would also upgrade linux-libc-dev and bpftool, which the
	# userspace builds take from the release itself.
	extra=''
	if fp_br_run "apt-cache madison linux-image-$kver" | grep -q " $FP_RELEASE-backports/" &&
		! fp_br_run "apt-get install -s -qq --no-install-recommends linux-headers-$kver linux-image-$kver >/dev/null 2>&1"; then
		extra="linux-base/$FP_RELEASE-backports"
	fi
	fp_br_run "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-headers-$kver linux-image-$kver $extra >/dev/null && apt-get clean" ||
		fp_die "could not install linux-headers-$kver / linux-image-$kver in the build root"
	[ -r "$FP_BR/boot/vmlinuz-$kver" ] || fp_die "vmlinuz-$kver missing in $FP_BR/boot"
	# bookworm's 6.1 headers ship no vmlinux: its modules are built without BTF, which 6.1
	# could not use anyway (no struct_ops types from modules before 6.9, see module/compat.h).
	[ -r "$FP_BR/usr/src/linux-headers-$kver/vmlinux" ] || [ "$FP_RELEASE" = bookworm ] ||
		fp_die "BTF vmlinux missing in linux-headers-$kver"
	touch "$FP_BR/.fp-kernel-$kver"
fi

# Pieces of the kernel source we use (never committed): kselftest harness, checkpatch,
# coccinelle scripts, and fs/notify for reference.
if [ ! -e "$FP_BR$FP_SRC_DIR/.done" ]; then
	fp_log "extracting selftest harness, checkpatch and coccinelle from linux-source-$FP_SRC_SERIES (about 1 minute)"
	fp_br_run "set -e; rm -rf /tmp/ls && mkdir -p /tmp/ls && cd /tmp/ls && apt-get download -qq linux-source-$FP_SRC_SERIES &&
		dpkg-deb --fsys-tarfile linux-source-${FP_SRC_SERIES}_*.deb | tar -x --wildcards './usr/src/linux-source-$FP_SRC_SERIES.tar.xz' &&
		rm -rf $FP_SRC_DIR && mkdir -p $FP_SRC_DIR &&
		tar -xJf usr/src/linux-source-$FP_SRC_SERIES.tar.xz -C $FP_SRC_DIR --strip-components=1 --wildcards \
			'linux-source-$FP_SRC_SERIES/scripts/checkpatch.pl' 'linux-source-$FP_SRC_SERIES/scripts/spelling.txt' \
			'linux-source-$FP_SRC_SERIES/scripts/const_structs.checkpatch' 'linux-source-$FP_SRC_SERIES/scripts/coccicheck' \
			'linux-source-$FP_SRC_SERIES/scripts/coccinelle/*' 'linux-source-$FP_SRC_SERIES/scripts/kernel-doc' \
			'linux-source-$FP_SRC_SERIES/tools/testing/selftests/kselftest_harness.h' \
			'linux-source-$FP_SRC_SERIES/tools/testing/selftests/kselftest.h' \
			'linux-source-$FP_SRC_SERIES/fs/notify/*' 'linux-source-$FP_SRC_SERIES/include/linux/fsnotify*' \
			'linux-source-$FP_SRC_SERIES/include/linux/fanotify.h' 'linux-source-$FP_SRC_SERIES/kernel/bpf/bpf_struct_ops.c' \
			'linux-source-$FP_SRC_SERIES/Documentation/userspace-api/ioctl/ioctl-number.rst' &&
		touch $FP_SRC_DIR/.src-done" || fp_die "could not fetch or extract linux-source-$FP_SRC_SERIES"
	# The selftests are written for 6.12's kselftest harness, whatever the kernel: 6.1's runs
	# a test whose fixture setup said SKIP, and lacks __printf. bookworm-security carries
	# linux-source-6.12 too.
	if [ "$FP_SRC_SERIES" != 6.12 ]; then
		fp_log "extracting the kselftest harness from linux-source-6.12"
		fp_br_run "set -e; rm -rf /tmp/ls && mkdir -p /tmp/ls && cd /tmp/ls && apt-get download -qq linux-source-6.12 &&
			dpkg-deb --fsys-tarfile linux-source-6.12_*.deb | tar -x --wildcards './usr/src/linux-source-6.12.tar.xz' &&
			tar -xJf usr/src/linux-source-6.12.tar.xz -C $FP_SRC_DIR --strip-components=1 --wildcards \
				'linux-source-6.12/tools/testing/selftests/kselftest_harness.h' \
				'linux-source-6.12/tools/testing/selftests/kselftest.h'" ||
			fp_die "could not fetch or extract the kselftest harness of linux-source-6.12"
	fi
	touch "$FP_BR$FP_SRC_DIR/.done"
fi

fp_log "build root ready: $FP_BR (kernel $kver)"
echo "$kver"
