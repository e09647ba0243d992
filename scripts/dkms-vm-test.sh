#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM of scripts/dkms-check.sh (vm-run.sh --bare): the DKMS-built modules were
# copied to /lib/modules/KVER/updates/dkms after the initramfs's depmod, as on an installed
# system. Index them with depmod, check and load them with selftests/modinfo_test.sh, then,
# with the core module loaded, run selftests/fatrace_test.sh: fpctl attaches the subtree
# handler to fatrace, which loads the DKMS-built fp_subtree by its alias. The scripts and
# fpctl were copied to /data. Prints TAP (the two scripts' lines, one after the other).
depmod -a || echo "not ok - depmod -a"
FP_MODULE_DIR=updates/dkms /data/modinfo_test.sh
rc=$?
if [ ! -x /data/fpctl ]; then
	echo "ok - fatrace with fpctl # SKIP fpctl was not built (make -C tools/fpctl)"
	exit "$rc"
fi
modprobe fanotify_fastpath || echo "not ok - modprobe fanotify_fastpath"
FPCTL=/data/fpctl /data/fatrace_test.sh || rc=1
modprobe -r fanotify_fastpath || echo "not ok - modprobe -r fanotify_fastpath"
exit "$rc"
