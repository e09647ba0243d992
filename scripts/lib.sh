# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # variables here are used by the scripts that source this
# Common settings for the project's scripts. Source it; do not run it.
#
# Environment (all optional):
#   FP_CACHE   cache directory outside the repository (build root, downloads, VM runs)
#              default: /var/cache/fanotify-fastpath
#   FP_RELEASE Debian release of the build root: trixie (default; kernels 6.12 and 7.x) or
#              bookworm (kernel 6.1, built with gcc-12); selects the default FP_BR
#   FP_BR      build root directory; default: $FP_CACHE/buildroot-$FP_RELEASE
#   FP_KERNEL  target kernel: "default" (what the release's linux-headers-amd64 depends on today),
#              "cloud" and "rt" (the same for trixie's -cloud-amd64 and -rt-amd64 flavours),
#              "backports" (the newest $FP_RELEASE-backports kernel), "debug" (the debug kernel
#              scripts/debug-kernel.sh built and installed last) or an exact version such as
#              6.12.57+deb13-amd64
#   FP_MIRROR  Debian mirror URL; default: read from this machine's apt configuration
#   FP_SECURITY_MIRROR  Debian security mirror URL; default: from apt configuration

FP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FP_CACHE=${FP_CACHE:-/var/cache/fanotify-fastpath}
FP_RELEASE=${FP_RELEASE:-trixie}
case "$FP_RELEASE" in
trixie) FP_GCC=gcc-14 FP_SRC_SERIES=6.12 ;;
bookworm) FP_GCC=gcc-12 FP_SRC_SERIES=6.1 ;;
*) printf 'error: FP_RELEASE=%s: only trixie and bookworm are supported\n' "$FP_RELEASE" >&2; exit 1 ;;
esac
FP_BR=${FP_BR:-$FP_CACHE/buildroot-$FP_RELEASE}
FP_KERNEL=${FP_KERNEL:-default}
FP_SRC_DIR=/opt/fp-linux-source	# inside the build root
FP_BUILD=$FP_TOP/build			# build outputs (gitignored)
# The last commit of release 0.1 (interface version 1 of the control device's ioctls). Its
# fpctl and core module are built by scripts/compat-build.sh for selftests/compat_test.sh
# (the old fpctl on the current modules, the current fpctl on the old core). The only place
# the revision is named.
FP_COMPAT_REV=226d7001376ab27558e9ffc4956802bff236fbf7

fp_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fp_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# fp_apt_uri SUITE_REGEX: first URIs entry of an apt source whose suites match.
fp_apt_uri() {
	local want=$1 f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v want="$want" '
			/^[[:space:]]*$/ { if (uri != "" && suites ~ want) { print uri; exit } uri = ""; suites = ""; next }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { suites = $0 }
			END { if (uri != "" && suites ~ want) print uri }' "$f"
	done | head -n 1
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk -v want="$want" '$1 == "deb" && $0 ~ want {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f"
	done | head -n 1
}

fp_mirror() {
	local m=${FP_MIRROR:-}
	[ -n "$m" ] || m=$(fp_apt_uri '(bookworm|trixie|sid|stable)( |$|-updates)' | head -n 1)
	[ -n "$m" ] || fp_die "no Debian mirror found in /etc/apt/sources.list*; set FP_MIRROR=<url of a Debian mirror>"
	echo "${m%/}"
}

fp_security_mirror() {
	local m=${FP_SECURITY_MIRROR:-}
	[ -n "$m" ] || m=$(fp_apt_uri '-security' | head -n 1)
	echo "${m%/}"
}

# fp_br_run CMD...: run a shell command inside the build root, with the repository
# bind-mounted at the same path. A private mount namespace makes the mounts vanish when
# the command exits, so concurrent runs never interfere and nothing is left mounted.
fp_br_run() {
	[ -x "$FP_BR/usr/bin/apt-get" ] || fp_die "build root $FP_BR is not set up: run scripts/setup-buildroot.sh"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private -- /bin/bash -c '
		set -e
		br=$1 top=$2; shift 2
		mount -t proc proc "$br/proc"
		mount -t tmpfs tmpfs "$br/tmp"
		mkdir -p "$br/dev/pts"
		mount -t devpts -o newinstance devpts "$br/dev/pts" 2>/dev/null || true	# apt wants a pty
		# After /tmp: a repository under /tmp (a fresh clone) must stay visible.
		mkdir -p "$br$top"
		mount --bind "$top" "$br$top"
		exec chroot "$br" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			FP_KVER="${FP_KVER:-}" CI="${CI:-}" \
			/bin/bash -c "cd \"$top\" && $*"' fp "$FP_BR" "$FP_TOP" "$*"
}


# fp_kver: resolve the target kernel version (e.g. 6.12.57+deb13-amd64) from the build root's
# package lists: the Depends of the newest linux-headers-amd64 in the selected suite(s).
fp_kver() {
	local re ver pkg=linux-headers-amd64
	case "$FP_KERNEL" in
	default) re=" $FP_RELEASE(-updates|-security)?/" ;;
	cloud | rt) re=" $FP_RELEASE(-updates|-security)?/" pkg=linux-headers-$FP_KERNEL-amd64 ;;
	backports) re=" $FP_RELEASE-backports/" ;;
	debug)
		ver=$(cut -d' ' -f1 "$FP_BR/opt/fp-debug-kernel/release" 2>/dev/null) ||
			fp_die "no debug kernel installed: run scripts/debug-kernel.sh"
		echo "$ver"
		return
		;;
	*) echo "$FP_KERNEL"; return ;;
	esac
	ver=$(fp_br_run "apt-cache madison $pkg" | awk -F' [|] ' -v re="$re" '$3 ~ re { gsub(/ /, "", $2); print $2 }' |
		sort -V | tail -n 1)
	[ -n "$ver" ] || fp_die "could not resolve $pkg for FP_KERNEL=$FP_KERNEL (rerun scripts/setup-buildroot.sh)"
	fp_br_run "apt-cache show $pkg=$ver" | sed -n 's/^Depends:.*linux-headers-\([^ ,]*-amd64\).*/\1/p' | head -n 1
}

# fp_kdir KVER: the kernel headers directory inside the build root.
fp_kdir() { echo "/usr/src/linux-headers-$1"; }

# fp_resolve_kver: $FP_KVER if set (check.sh exports it), else resolve it from FP_KERNEL.
fp_resolve_kver() {
	if [ -n "${FP_KVER:-}" ]; then
		echo "$FP_KVER"
	else
		fp_kver
	fi
}

# fp_modules_order DIR: the .ko files (relative to DIR) that the last Kbuild run in DIR built.
# modules.order names objects (.o), absolutely or relative to DIR depending on the kernel.
fp_modules_order() {
	[ -r "$1/modules.order" ] || return 0
	sed -e 's/\.o$/.ko/' -e "s|^$1/||" -e 's|^\./||' "$1/modules.order"
}

# fp_check_btf DIR KO...: fail unless every module has a .BTF section (pahole ran). Paths are
# relative to DIR, which must be inside the repository (the build root sees it there).
fp_check_btf() {
	local dir=$1 ko missing
	shift
	[ $# -gt 0 ] || return 0
	for ko in "$@"; do
		[ -e "$dir/$ko" ] || fp_die "module $dir/$ko is listed in modules.order but was not built"
	done
	missing=$(fp_br_run "cd '$dir' && for ko in $*; do readelf -S -W \"\$ko\" | grep -q ' \.BTF ' || echo \"\$ko\"; done") ||
		fp_die "readelf failed in the build root"
	if [ -n "$missing" ]; then
		printf 'error: module without a .BTF section: %s\n' "$missing" >&2
		fp_die "modules must carry BTF (struct_ops and BPF need it): make sure dwarves (pahole) is installed in the build root and linux-headers ship vmlinux; rerun scripts/setup-buildroot.sh"
	fi
}

# fp_compat_kernel KVER: true when scripts/compat-build.sh builds the 0.1 artifacts for KVER,
# i.e. FP_RELEASE is trixie and KVER is its generic 6.12 kernel (the default lane). The other
# lanes (7.x, the cloud and rt flavours, bookworm's 6.1, the debug kernel) do not build them,
# and selftests/compat_test.sh skips there; it applies the same rule to uname -r in the guest.
fp_compat_kernel() {
	[ "$FP_RELEASE" = trixie ] || return 1
	case "$1" in
	6.12.*+deb13-amd64) return 0 ;;
	*) return 1 ;;
	esac
}
