#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM of scripts/deb-check.sh (vm-run.sh --bare): the modules DKMS built when the
# fanotify-fastpath-dkms package was installed were copied to /lib/modules/KVER/updates/dkms,
# the packaged fpctl to /usr/sbin, its bash completion and systemd example to where the
# tools package puts them. Index the modules with depmod; then, with the packaged fpctl and
# no module loaded (as after a boot), the systemd example's command attaches the subtree
# handler by name to fatrace (selftests/fpctl_service_test.sh): fpctl loads the core module
# (modprobe), and the handler's module autoloads by alias from updates/dkms; and the
# packaged completion works
# (selftests/fpctl_completion_test.sh). Prints TAP (the scripts' lines, one after another).
rc=0 n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); rc=1; echo "not ok $n - $*"; }
echo "TAP version 13"
depmod -a || not_ok "depmod -a"
kdir=/lib/modules/$(uname -r)/updates/dkms
for m in fanotify_fastpath fp_subtree; do
	case "$(modinfo -n "$m" 2>/dev/null)" in
	"$kdir"/*) ok "modinfo: $m is the packaged $(modinfo -n "$m")" ;;
	*) not_ok "modinfo: $m resolves to '$(modinfo -n "$m" 2>&1)', not to $kdir" ;;
	esac
done
# As after a boot: nothing has loaded the core module.
for m in fanotify_fastpath fp_subtree; do
	if [ -d "/sys/module/$m" ]; then
		not_ok "$m is not loaded before the first fpctl command"
	else
		ok "$m is not loaded before the first fpctl command"
	fi
done
echo "1..$n"
FP_DROPIN=/usr/share/doc/fanotify-fastpath-tools/examples/fpctl-attach.conf FPCTL=/usr/sbin/fpctl \
	/data/fpctl_service_test.sh || rc=1
echo "TAP version 13"
if [ -d /sys/module/fanotify_fastpath ]; then
	echo "ok 1 - the attach loaded the core module, no modprobe by hand ($(modinfo -n fanotify_fastpath))"
else
	echo "not ok 1 - the attach did not load the core module"
	rc=1
fi
if [ -d /sys/module/fp_subtree ]; then
	echo "ok 2 - attach by name autoloaded fp_subtree from $(modinfo -n fp_subtree)"
else
	echo "not ok 2 - attach by name did not autoload fp_subtree"
	rc=1
fi
echo "1..2"
FP_COMPLETION=/usr/share/bash-completion/completions/fpctl /data/fpctl_completion_test.sh || rc=1
for m in fp_subtree fanotify_fastpath; do
	[ -d "/sys/module/$m" ] || continue
	modprobe -r "$m" || { echo "not ok - modprobe -r $m"; rc=1; }
done
exit "$rc"
