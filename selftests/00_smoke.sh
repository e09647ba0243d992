#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Smoke test, run first in the VM: the core module is loaded the way the harness promises
# (by modprobe from /lib/modules/KVER/extra, with BTF) and shows its user interfaces.
# Prints TAP.

n=0
fails=0
t() {
	desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		fails=$((fails + 1))
	fi
}

mod=fanotify_fastpath
kver=$(uname -r)

readable() { cat "$1" >/dev/null; }
vermagic_matches() { modinfo -F vermagic "$mod" | grep -q "^$kver "; }
helper_is_kmod() { readlink -f "$(cat /proc/sys/kernel/modprobe)" | grep -q '/kmod$'; }

echo "TAP version 13"
echo "1..7"
t "core module $mod is loaded" grep -q "^$mod " /proc/modules
t "control device /dev/$mod is a character device" test -c "/dev/$mod"
t "/sys/kernel/$mod/available is readable" readable "/sys/kernel/$mod/available"
# BTF serves the BPF handlers only: a kernel without them (6.1, "features" without bpf) gets
# modules built without BTF (its headers have no vmlinux).
if grep -qw bpf "/sys/kernel/$mod/features"; then
	t "the kernel loaded the module's BTF (/sys/kernel/btf/$mod)" test -r "/sys/kernel/btf/$mod"
else
	n=$((n + 1))
	echo "ok $n the kernel loaded the module's BTF # SKIP no BPF handlers on this kernel (/sys/kernel/$mod/features)"
fi
t "module taint shows O (out-of-tree)" grep -q O "/sys/module/$mod/taint"
t "kmod finds the installed module for $kver" vermagic_matches
t "the kernel's module helper is kmod's modprobe" helper_is_kmod
[ "$fails" -eq 0 ]
