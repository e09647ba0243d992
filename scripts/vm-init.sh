#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /init of the test VM (busybox sh; scripts/mkinitramfs.sh installs it). Mounts the usual
# filesystems, loads the project's modules, runs every test with a timeout between markers
# that scripts/vm-run.sh parses, unloads the modules, prints the kernel log and the taint
# flags, and powers off. It never stops early: the host must see every result.
#
# Markers (one line each, prefixed "### FP-"):
#   INIT-START, SETUP-FAIL <what>, MODLOAD-END <name> rc=<n>,
#   TEST-BEGIN <name> <kind>, TEST-END <name> rc=<n> secs=<n> timeout=<0|1> left=<n>
#   (left: processes of the test still running after it ended, killed then),
#   TEST-NOTRUN <name> (after an oops), UNLOAD-FAIL <name>, UNLOAD-SKIPPED, DMESG-BEGIN, DMESG-END, TAINTED <n>, ALL-DONE
#   OURMODS <name>... (the project's modules), KMEMLEAK-BEGIN <when>, KMEMLEAK-END <when>
#   (kernels with kmemleak: its report after the tests, and again after the unload)
# shellcheck disable=SC3045 # busybox sh's read supports -r with IFS as used here

export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C

setup_fail() {
	echo "### FP-SETUP-FAIL $*"
}

mnt() {
	mkdir -p "$3"
	mount -t "$1" "$2" "$3" || setup_fail "mount -t $1 $3"
}

mnt proc proc /proc
mnt sysfs sysfs /sys
mnt devtmpfs devtmpfs /dev
mnt devpts devpts /dev/pts
mnt tmpfs tmpfs /dev/shm
mnt tmpfs tmpfs /tmp
mnt tmpfs tmpfs /run
mnt bpf bpf /sys/fs/bpf
mnt debugfs debugfs /sys/kernel/debug
mnt tracefs tracefs /sys/kernel/tracing
mnt cgroup2 cgroup2 /sys/fs/cgroup
hostname fp-vm
ln -sf /proc/self/fd /dev/fd
echo "### FP-INIT-START $(uname -r)"

FP_TEST_TIMEOUT=180
FP_UNLOAD=1
# shellcheck source=/dev/null
. /etc/fp/config

# The kernel's own modules the tests need (e.g. loop and ext4), then the project's.
cat /etc/fp/kmods /etc/fp/load | while read -r m; do
	[ -n "$m" ] || continue
	modprobe "$m"
	echo "### FP-MODLOAD-END $m rc=$?"
done

oopsed() { [ $(($(cat /proc/sys/kernel/tainted) & 128)) -ne 0 ]; }

# reap N: kill what test run N left running and print how many. The test's processes carry
# FP_TEST_RUN=N in their environment (forked kselftest cases and helpers inherit it; busybox
# timeout's own watcher process does not): timeout kills only the test's own process, and a
# case it orphaned could keep the core module pinned for every test after it. Processes still
# exiting get half a second; zombies have no environment to match.
test_pids() {
	for e in /proc/[0-9]*/environ; do
		if { tr '\0' '\n' <"$e" | grep -qx "FP_TEST_RUN=$1"; } 2>/dev/null; then
			p=${e#/proc/}
			echo "${p%/environ}"
		fi
	done
}
reap() {
	[ -n "$(test_pids "$1")" ] || { echo 0; return; }
	sleep 0.5
	n=0
	for p in $(test_pids "$1"); do
		echo "# left running: pid $p: $({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null)" >&2
		kill -9 "$p" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}

run=0
while IFS='	' read -r name kind path; do
	[ -n "$name" ] || continue
	# After an oops the kernel may hold dead locks: later tests would only hang.
	if oopsed; then
		echo "### FP-TEST-NOTRUN $name"
		continue
	fi
	echo "### FP-TEST-BEGIN $name $kind"
	start=$(date +%s)
	run=$((run + 1))
	(cd "$(dirname "$path")" &&
		exec timeout -k 10 "$FP_TEST_TIMEOUT" env FP_TEST_RUN=$run "$path" </dev/null 2>&1)
	rc=$?
	secs=$(($(date +%s) - start))
	to=0
	[ "$rc" -ge 128 ] && [ "$secs" -ge "$FP_TEST_TIMEOUT" ] && to=1
	echo "### FP-TEST-END $name rc=$rc secs=$secs timeout=$to left=$(reap "$run")"
done </etc/fp/tests

# kmemleak (the debug kernel): two scans (an object is reported once it is older than 5 s and
# no scan finds a reference to it), then the report. Before the unload, frames of our modules
# are symbolized; after it, their addresses are not (scripts/vm-run.sh tells them apart).
echo "### FP-OURMODS $(tr '\n-' ' _' </etc/fp/modules)"
kmemleak_report() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	sleep 6
	echo scan >/sys/kernel/debug/kmemleak
	echo "### FP-KMEMLEAK-BEGIN $1"
	cat /sys/kernel/debug/kmemleak
	echo "### FP-KMEMLEAK-END $1"
	echo clear >/sys/kernel/debug/kmemleak
}
oopsed || kmemleak_report after-tests

# Unload every project module still loaded (tests may have loaded more). A module whose last
# user went away asynchronously can be busy for a while: retry for up to 60 s. A BPF
# struct_ops map drops its module reference after an RCU Tasks grace period: on 7.3 under
# instruction counting (make bench), 20 s after fp_bench had destroyed its link and map.
if [ "$FP_UNLOAD" = 1 ] && oopsed; then
	echo "### FP-UNLOAD-SKIPPED"
elif [ "$FP_UNLOAD" = 1 ]; then
	tries=0
	while :; do
		left=''
		while read -r m; do
			mm=$(echo "$m" | tr - _)
			grep -q "^$mm " /proc/modules || continue
			rmmod "$mm" 2>/dev/null || left="$left $mm"
		done </etc/fp/modules
		[ -n "$left" ] || break
		tries=$((tries + 1))
		if [ "$tries" -ge 120 ]; then
			for mm in $left; do
				rmmod "$mm"
				echo "### FP-UNLOAD-FAIL $mm refcnt=$(cat "/sys/module/$mm/refcnt" 2>/dev/null)"
			done
			break
		fi
		sleep 0.5
	done
fi

[ "$FP_UNLOAD" != 1 ] || oopsed || kmemleak_report after-unload

echo "### FP-DMESG-BEGIN"
dmesg
echo "### FP-DMESG-END"
echo "### FP-TAINTED $(cat /proc/sys/kernel/tainted)"
echo "### FP-ALL-DONE"
# The debug lane's kernel has no ACPI, so it cannot power the machine off (the CPU would just
# halt): it reboots instead; QEMU runs with -no-reboot, so either way the VM ends.
[ -d /sys/firmware/acpi ] || reboot -f
poweroff -f
