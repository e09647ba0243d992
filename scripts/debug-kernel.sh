#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the kernel of the "debug" lane and install it into the build root; print
# its release (e.g. 6.12.118-fpdebug) on stdout.
#
# The source is Debian's own: the linux-source-X.Y package of the default lane's kernel
# (same Debian version as its linux-image package), fetched by apt-get inside the build root,
# which checks it against the hashes of the signed package index, as apt does for every
# package. The config is tinyconfig with scripts/debug-kernel.config merged in
# (scripts/kconfig/merge_config.sh), then olddefconfig: a kernel with only what the VM and the
# tests need (no ACPI, PCI or drivers beyond the serial port and loop) plus KASAN, lockdep,
# kmemleak and the other checkers, so that it builds in minutes on 2 cores, not an hour and a
# half (x86_64_defconfig's 2090 objects took 4961 s). Every "CONFIG_...=value" line of the
# fragment must be in the final config and every "# CONFIG_... is not set" line must not be
# enabled there (a missing dependency or a select would change them silently).
#
# Cache, all inside the build root ($FP_BR/opt/fp-debug-kernel, under FP_CACHE, never in the
# repository), keyed by source version + fragment + compiler and pahole versions:
#   src-VERSION/    the extracted source (shared by every key)
#   KEY/build/      the O= build directory; also the KDIR modules are built against
#   KEY/modroot/    modules_install output
#   KEY/build.log   the kernel build's output; KEY/build-seconds its duration, KEY/build-objects
#                   the number of objects it compiled (CC and AS lines of build.log)
# Installed into the build root like a Debian kernel: /boot/vmlinuz-REL, /boot/config-REL,
# /lib/modules/REL, and /usr/src/linux-headers-REL -> KEY/build (scripts/lib.sh fp_kdir).
# /opt/fp-debug-kernel/release holds "REL KEY" of the installed one (FP_KERNEL=debug).
# The build runs with nice -n 19 and -j$(nproc) (FP_DEBUG_KERNEL_JOBS overrides).
#
# usage: scripts/debug-kernel.sh [--config-only]
#   --config-only   write and check the config, do not build (prints the build directory)
# environment: FP_CACHE, FP_MIRROR (scripts/lib.sh), FP_DEBUG_KERNEL_JOBS
set -euo pipefail
. "$(dirname "$0")/lib.sh"

config_only=0
case "${1:-}" in
--config-only) config_only=1 ;;
'') ;;
-h | --help) sed -n '3,/^set /s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) fp_die "unknown argument $1 (see --help)" ;;
esac
[ "$(id -u)" = 0 ] || fp_die "must run as root (chroot into the build root)"

# The build root with the default lane's kernel: that kernel's version picks the source.
base_kver=$(FP_KERNEL=default "$FP_TOP/scripts/setup-buildroot.sh")
series=$(echo "$base_kver" | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p')
[ -n "$series" ] || fp_die "cannot tell the kernel series of $base_kver"
srcver=$(fp_br_run "apt-cache show linux-image-$base_kver" | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$srcver" ] || fp_die "no Debian version found for linux-image-$base_kver"

top=/opt/fp-debug-kernel
frag=$FP_TOP/scripts/debug-kernel.config
exec 8>"$FP_CACHE/.debug-kernel.lock"
flock 8

# Build tools beyond the module toolchain.
if [ ! -e "$FP_BR/.fp-debug-kernel-tools" ]; then
	fp_log "installing the kernel build tools in the build root (flex, bison, bc, libssl-dev)"
	fp_br_run "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends flex bison bc libssl-dev >/dev/null && apt-get clean" ||
		fp_die "could not install flex, bison, bc, libssl-dev in the build root"
	touch "$FP_BR/.fp-debug-kernel-tools"
fi

tools=$(fp_br_run "gcc-14 --version | head -n 1; pahole --version")
key=$(printf '%s\n%s\n%s\n' "$srcver" "$tools" "$(cat "$frag")" | sha256sum | cut -c1-12)
kd=$top/$key
o=$kd/build
fp_log "debug kernel: linux-source-$series $srcver, config key $key"

if [ ! -e "$FP_BR$kd/.done" ]; then
	src=$top/src-$srcver
	if [ ! -e "$FP_BR$src/.done" ]; then
		fp_log "fetching and extracting linux-source-$series=$srcver (about 2 minutes)"
		fp_br_run "set -e; rm -rf /tmp/dk && mkdir -p /tmp/dk && chmod 777 /tmp/dk && cd /tmp/dk &&
			apt-get download -qq linux-source-$series=$srcver &&
			dpkg-deb --fsys-tarfile linux-source-${series}_*.deb |
				tar -x ./usr/src/linux-source-$series.tar.xz &&
			rm -rf $src && mkdir -p $src &&
			tar -xJf usr/src/linux-source-$series.tar.xz -C $src --strip-components=1 &&
			touch $src/.done" || fp_die "could not fetch or extract linux-source-$series=$srcver"
	fi

	fp_log "configuring in $o (tinyconfig + ${frag#"$FP_TOP"/})"
	# An interrupted build of this key resumes: same config, make rebuilds only what is missing.
	fp_br_run "set -e; mkdir -p $o && cd $src &&
		make -s O=$o tinyconfig >/dev/null &&
		scripts/kconfig/merge_config.sh -m -O $o $o/.config $frag >/dev/null &&
		make -s O=$o olddefconfig >/dev/null" || fp_die "kernel configuration failed"
	# Every option the fragment sets must have survived (a missing dependency drops it).
	missing=$(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=\(.*\)$/\1=\2/p' "$frag" | while read -r want; do
		grep -qxF -- "$want" "$FP_BR$o/.config" || echo "$want"
	done)
	[ -z "$missing" ] || fp_die "the debug kernel's config lost: $(echo "$missing" | tr '\n' ' ')"
	# And every option it turns off must be off.
	unwanted=$(sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p' "$frag" | while read -r opt; do
		grep "^$opt=" "$FP_BR$o/.config" || true
	done)
	[ -z "$unwanted" ] || fp_die "the debug kernel's config enables what the fragment turns off: $(echo "$unwanted" | tr '\n' ' ')"
	if [ "$config_only" = 1 ]; then
		echo "$FP_BR$o"
		exit 0
	fi

	jobs=${FP_DEBUG_KERNEL_JOBS:-$(nproc)}
	fp_log "building the debug kernel with -j$jobs, nice 19 (log: $FP_BR$kd/build.log; tens of minutes)"
	t0=$(date +%s)
	if ! fp_br_run "cd $src && nice -n 19 make O=$o -j$jobs bzImage modules >$kd/build.log 2>&1 &&
		nice -n 19 make O=$o INSTALL_MOD_PATH=$kd/modroot modules_install >>$kd/build.log 2>&1"; then
		tail -n 40 "$FP_BR$kd/build.log" >&2
		fp_die "the debug kernel build failed (log: $FP_BR$kd/build.log)"
	fi
	echo $(($(date +%s) - t0)) >"$FP_BR$kd/build-seconds"
	grep -cE '^  (CC|AS) ' "$FP_BR$kd/build.log" >"$FP_BR$kd/build-objects" || true
	fp_log "debug kernel built in $(cat "$FP_BR$kd/build-seconds") s ($(cat "$FP_BR$kd/build-objects") objects; load average $(cut -d' ' -f1-3 /proc/loadavg))"
	touch "$FP_BR$kd/.done"
elif [ "$config_only" = 1 ]; then
	echo "$FP_BR$o"
	exit 0
fi

rel=$(cat "$FP_BR$o/include/config/kernel.release")
[ -n "$rel" ] || fp_die "no kernel release in $o"
if [ "$(cat "$FP_BR$top/release" 2>/dev/null)" != "$rel $key" ]; then
	fp_log "installing debug kernel $rel into the build root"
	fp_br_run "set -e; cp $o/arch/x86/boot/bzImage /boot/vmlinuz-$rel && cp $o/.config /boot/config-$rel &&
		rm -rf /lib/modules/$rel && cp -a $kd/modroot/lib/modules/$rel /lib/modules/$rel &&
		ln -sfn ../..$o /usr/src/linux-headers-$rel &&
		echo '$rel $key' >$top/release" || fp_die "could not install the debug kernel into the build root"
	# Builds of other keys are stale now (a few GB each).
	for d in "$FP_BR$top"/*/; do
		case "$(basename "$d")" in "$key" | src-*) ;; *) rm -rf "$d" ;; esac
	done
fi
echo "$rel"
