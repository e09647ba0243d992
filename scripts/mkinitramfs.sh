#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test VM's initramfs. Runs INSIDE the build root (scripts/vm-run.sh calls it
# through fp_br_run), because busybox, kmod, bash and the shared libraries of the guest are
# taken from there, and depmod must be the build root's. Every path given must be visible
# inside the build root (the repository is; vm-run.sh copies anything else into its run
# directory first).
#
# usage: mkinitramfs.sh --kver KVER --out FILE [options]
#   --stage DIR        staging directory (default: FILE.d); emptied first
#   --module FILE.ko   install FILE.ko under /lib/modules/KVER/extra (repeatable)
#   --kmod NAME        copy module NAME of the kernel itself (e.g. ext4) from the build root's
#                      /lib/modules/KVER with every module it needs, and modprobe it at boot
#                      before the --load modules (repeatable)
#   --kmod-optional NAME  the same for a module the kernel may lack (e.g. btrfs on the debug
#                      kernel): skipped with a note when the kernel has no such module
#   --fs-tools         also mkfs.btrfs, btrfs (subvolumes, snapshots) and mkfs.xfs, where the
#                      build root has them (btrfs-progs, xfsprogs)
#   --load NAME        modprobe NAME at boot, in the order given (repeatable)
#   --selftests DIR    copy DIR (build/selftests) to /selftests
#   --test NAME=FILE   copy FILE into the guest and run it as test NAME (repeatable, in order)
#   --bin PATH         copy a program of the build root with its shared libraries (repeatable)
#   --file SRC=DEST    copy SRC to DEST in the guest (repeatable)
#   --timeout SECS     per-test timeout (default 180)
#   --no-unload        do not unload the project's modules after the tests
set -euo pipefail

die() { printf 'mkinitramfs: error: %s\n' "$*" >&2; exit 1; }

kver='' out='' stage='' timeout=180 unload=1 selftests='' fs_tools=0
modules=() kmods=() kmods_opt=() loads=() tests=() bins=() files=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) kver=$2; shift ;;
	--out) out=$2; shift ;;
	--stage) stage=$2; shift ;;
	--module) modules+=("$2"); shift ;;
	--load) loads+=("$2"); shift ;;
	--kmod) kmods+=("$2"); shift ;;
	--kmod-optional) kmods_opt+=("$2"); shift ;;
	--fs-tools) fs_tools=1 ;;
	--selftests) selftests=$2; shift ;;
	--test) tests+=("$2"); shift ;;
	--bin) bins+=("$2"); shift ;;
	--file) files+=("$2"); shift ;;
	--timeout) timeout=$2; shift ;;
	--no-unload) unload=0 ;;
	*) die "unknown argument: $1" ;;
	esac
	shift
done
if [ -z "$kver" ] || [ -z "$out" ]; then
	die "--kver and --out are required"
fi
[ -d "/lib/modules/$kver" ] || die "kernel $kver is not installed in the build root (rerun scripts/setup-buildroot.sh)"
here=$(cd "$(dirname "$0")" && pwd)
stage=${stage:-$out.d}

rm -rf "$stage"
mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,etc/fp,proc,sys,dev,tmp,run,root,mnt}
# Same merged-/usr layout as Debian: ldd's paths and kmod's /lib/modules work unchanged.
ln -s usr/bin "$stage/bin"
ln -s usr/sbin "$stage/sbin"
ln -s usr/lib "$stage/lib"
ln -s usr/lib64 "$stage/lib64"
mknod -m 600 "$stage/dev/console" c 5 1
mknod -m 666 "$stage/dev/null" c 1 3

# copy_prog PATH [DEST]: a program (or any ELF file) plus the shared libraries ldd names.
copy_prog() {
	local src=$1 dest=${2:-$1} lib
	install -D -m 0755 "$src" "$stage$dest"
	# ldd exits non-zero for static programs and scripts: nothing to copy then.
	{ ldd "$src" 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do
			[ -e "$stage$lib" ] && continue
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done
}

# busybox with its applets; kmod provides the module tools (the kernel's request_module
# runs /sbin/modprobe); bash for test scripts that want it.
copy_prog /bin/busybox /usr/bin/busybox
copy_prog /usr/bin/kmod /usr/bin/kmod
copy_prog /bin/bash /usr/bin/bash
# kmod opens liblzma with dlopen (ldd does not list it): needed for .ko.xz modules, the
# format of Debian's and of DKMS-installed modules.
lzma=/usr/lib/x86_64-linux-gnu/liblzma.so.5
[ ! -e "$lzma" ] || cp -L "$lzma" "$stage$lzma"
# fatrace, an unmodified fanotify program for the tests and the demo (selftests/fatrace_test.sh).
[ ! -x /usr/sbin/fatrace ] || copy_prog /usr/sbin/fatrace
# inotify-tools: fsnotifywait (fanotify, whole filesystem) and inotifywait (inotify, one watch
# per directory) for selftests/fsnotifywait_test.sh and the watcher benchmark.
# They buffer their output in a file: stdbuf -oL (coreutils, with its preload library).
for prog in fsnotifywait fsnotifywatch inotifywait inotifywatch; do
	[ ! -x "/usr/bin/$prog" ] || copy_prog "/usr/bin/$prog"
done
if [ -x /usr/bin/stdbuf ] && [ -r /usr/libexec/coreutils/libstdbuf.so ]; then
	copy_prog /usr/bin/stdbuf
	copy_prog /usr/libexec/coreutils/libstdbuf.so
fi
# mkfs.ext4 (e2fsprogs; busybox's mke2fs makes only ext2) for tests on ext4 on a loop device.
if [ -x /usr/sbin/mke2fs ]; then
	copy_prog /usr/sbin/mke2fs
	ln -s mke2fs "$stage/usr/sbin/mkfs.ext4"
	[ ! -r /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$stage/etc/"
fi
# btrfs-progs and xfsprogs for tests on btrfs (subvolumes, snapshots) and XFS on a loop device.
if [ "$fs_tools" = 1 ]; then
	for prog in /usr/sbin/mkfs.btrfs /usr/bin/btrfs /usr/sbin/mkfs.xfs; do
		[ ! -x "$prog" ] || copy_prog "$prog"
	done
	# mkfs.xfs -c options=FILE: the feature sets of the LTS kernels.
	[ ! -d /usr/share/xfsprogs/mkfs ] || {
		mkdir -p "$stage/usr/share/xfsprogs"
		cp -a /usr/share/xfsprogs/mkfs "$stage/usr/share/xfsprogs/"
	}
fi
for tool in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -s ../bin/kmod "$stage/usr/sbin/$tool"
done
for applet in $(/bin/busybox --list); do
	case "$applet" in
	modprobe | insmod | rmmod | lsmod | depmod | modinfo | init | linuxrc) continue ;;
	esac
	[ -e "$stage/usr/bin/$applet" ] || [ -e "$stage/usr/sbin/$applet" ] || ln -s busybox "$stage/usr/bin/$applet"
done
for b in "${bins[@]}"; do
	[ -f "$b" ] || die "--bin $b: no such program in the build root"
	copy_prog "$b"
done

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
install -m 0755 "$here/vm-init.sh" "$stage/init"

# Modules: ours under extra/, the kernel's own ones asked for with --kmod (and what they need)
# at their place under /lib/modules/KVER, the kernel's lists of built-in and ordered modules,
# then depmod so that modprobe and autoloading by alias work in the guest.
mdir=$stage/lib/modules/$kver
mkdir -p "$mdir/extra"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	if [ -e "/lib/modules/$kver/$f" ]; then
		cp "/lib/modules/$kver/$f" "$mdir/"
	fi
done
# kmod resolves what a module needs from the kernel's own index (modules.dep, soft
# dependencies such as ext4's and jbd2's crc32c, aliases): one "insmod FILE" line per module,
# in load order; "builtin NAME" for what is built in (nothing to copy).
: >"$stage/etc/fp/kmods"
for k in "${kmods_opt[@]}"; do
	if modprobe -S "$kver" --show-depends "$k" >/dev/null 2>&1; then
		kmods+=("$k")
	else
		echo "mkinitramfs: note: kernel $kver has no module $k, left out" >&2
	fi
done
for k in "${kmods[@]}"; do
	deps=$(modprobe -S "$kver" --show-depends "$k" 2>&1) || die "kernel module $k of $kver: $deps"
	while read -r how file _; do
		[ "$how" = insmod ] || continue
		case "$file" in
		"/lib/modules/$kver/"*) ;;
		*) die "kernel module $k of $kver needs $file, outside /lib/modules/$kver" ;;
		esac
		[ -e "$stage$file" ] && continue
		mkdir -p "$stage$(dirname "$file")"
		cp "$file" "$stage$file"
	done <<<"$deps"
	echo "$k" >>"$stage/etc/fp/kmods"
done
: >"$stage/etc/fp/modules"
for m in "${modules[@]}"; do
	[ -f "$m" ] || die "module $m not found"
	magic=$(modinfo -F vermagic "$m" | awk '{ print $1 }')
	[ "$magic" = "$kver" ] ||
		die "module $m was built for kernel '$magic', not $kver: rebuild it (scripts/build.sh or make check)"
	cp "$m" "$mdir/extra/"
	basename "$m" .ko >>"$stage/etc/fp/modules"
done
depmod -b "$stage" "$kver" || die "depmod failed for the modules in $mdir"
printf '%s\n' "${loads[@]}" | sed '/^$/d' >"$stage/etc/fp/load"

# Tests: name, kind (bin = kselftest program with a Totals line, script = TAP), guest path.
: >"$stage/etc/fp/tests"
add_test() {
	local name=$1 path=$2 kind=script
	if [ "$(head -c 4 "$stage$path" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		kind=bin
	fi
	chmod 0755 "$stage$path"
	printf '%s\t%s\t%s\n' "$name" "$kind" "$path" >>"$stage/etc/fp/tests"
}
if [ -n "$selftests" ]; then
	[ -d "$selftests" ] || die "selftests directory $selftests missing: build them (make -C selftests)"
	mkdir -p "$stage/selftests"
	# Everything but the objects: helpers and data files may sit beside the tests.
	(cd "$selftests" && find . -path ./.obj -prune -o -type f -print) | while read -r f; do
		if [ -x "$selftests/$f" ] && [ "$(head -c 2 "$selftests/$f")" != '#!' ]; then
			copy_prog "$selftests/$f" "/selftests/${f#./}"
		else
			install -D -m "$(stat -c %a "$selftests/$f")" "$selftests/$f" "$stage/selftests/${f#./}"
		fi
	done
	if [ -r "$selftests/tests.list" ]; then
		while read -r t; do
			[ -n "$t" ] || continue
			[ -e "$stage/selftests/$t" ] || die "test $t is in $selftests/tests.list but was not built"
			add_test "$t" "/selftests/$t"
		done <"$selftests/tests.list"
	fi
fi
for t in "${tests[@]}"; do
	name=${t%%=*} src=${t#*=}
	[ -f "$src" ] || die "test $src not found"
	if [ "$(head -c 2 "$src")" = '#!' ]; then
		install -D -m 0755 "$src" "$stage/usertests/$name"
	else
		copy_prog "$src" "/usertests/$name"
	fi
	add_test "$name" "/usertests/$name"
done
for f in "${files[@]}"; do
	src=${f%%=*} dest=${f#*=}
	[ -e "$src" ] || die "--file $src not found"
	mkdir -p "$stage$(dirname "$dest")"
	cp -a "$src" "$stage$dest"
done

printf 'FP_KVER=%s\nFP_TEST_TIMEOUT=%s\nFP_UNLOAD=%s\n' "$kver" "$timeout" "$unload" >"$stage/etc/fp/config"

# Compressed newc cpio; the Debian kernel unpacks zstd (CONFIG_RD_ZSTD=y) fast.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	zstd -q -3 -T0 -f -o "$out" || die "could not write $out"
