# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# What scripts/dkms-check.sh and scripts/deb-check.sh share: a throwaway overlay of the build
# root in a mount namespace of their own, a command runner inside it, and timed steps.
# Sourced after scripts/lib.sh; the caller sets FP_OV_NAME (the script's name, for messages
# and the overlay's directory) and keep (1: leave the overlay for inspection).

# fp_ov_private_mounts ARGS...: re-run the calling script with ARGS in a mount namespace of
# its own (mounts stay private to it), once FP_KVER is known.
fp_ov_private_mounts() {
	if [ -z "${FP_OV_NS:-}" ]; then
		if [ -z "${FP_KVER:-}" ]; then
			FP_KVER=$("$FP_TOP/scripts/setup-buildroot.sh")
		fi
		export FP_KVER FP_OV_NS=1
		exec unshare --mount --propagation private -- "$0" "$@"
	fi
}

fp_ov_t_start=$(date +%s%N)
fp_ov_timings=()

# Elapsed time since $1 (nanoseconds since the epoch) as seconds with one decimal.
fp_ov_secs_since() {
	local ds=$((($(date +%s%N) - $1) / 100000000))
	echo "$((ds / 10)).$((ds % 10))"
}
step() { fp_log "== $*"; fp_ov_t0=$(date +%s%N); }
done_step() { fp_ov_timings+=("$(printf '%-32s %6s s' "$1" "$(fp_ov_secs_since "$fp_ov_t0")")"); }
fail() {
	printf '%s: FAILED (kernel %s): %s\n' "$FP_OV_NAME" "${FP_KVER:-?}" "$*" >&2
	exit 1
}

# fp_ov_mount: mount the overlay over the build root (in $FP_CACHE/$FP_OV_NAME.XXXXXX) and
# point FP_BR at it; unmounted, and removed unless keep=1, when the script exits.
fp_ov_mount() {
	fp_ov=$(mktemp -d "$FP_CACHE/$FP_OV_NAME.XXXXXX")
	trap fp_ov_cleanup EXIT
	mkdir -p "$fp_ov/upper" "$fp_ov/work" "$fp_ov/root"
	mount -t overlay overlay -o "lowerdir=$FP_BR,upperdir=$fp_ov/upper,workdir=$fp_ov/work" \
		"$fp_ov/root" || fail "cannot mount an overlay over $FP_BR"
	FP_BR=$fp_ov/root
	[ -d "$FP_BR/usr/src/linux-headers-$FP_KVER" ] ||
		fail "headers of $FP_KVER missing in the build root: run FP_KERNEL=$FP_KERNEL scripts/setup-buildroot.sh"
}

fp_ov_cleanup() {
	umount "$fp_ov/root" 2>/dev/null || true
	if [ "${keep:-0}" = 1 ]; then
		fp_log "overlay kept: upper layer $fp_ov/upper"
	else
		rm -rf "$fp_ov"
	fi
}

# br_script SCRIPT ARGS...: run a bash script with arguments in the (throwaway) build root.
br_script() {
	local script=$1
	shift
	fp_br_run "$(printf '%q ' bash -c "$script" fp "$@")"
}

# fp_ov_passed: the closing lines, with the time of every step.
fp_ov_passed() {
	echo "==== $FP_OV_NAME passed: $* ($(fp_ov_secs_since "$fp_ov_t_start") s) ===="
	printf '  %s\n' "${fp_ov_timings[@]}"
}
