#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM of scripts/dkms-check.sh (vm-run.sh --bare): the DKMS-built modules were
# copied to /lib/modules/KVER/updates/dkms after the initramfs's depmod, as on an installed
# system. Index them with depmod, then load and check them with selftests/modinfo_test.sh
# (copied to /data). Prints TAP.
depmod -a || echo "# depmod -a failed"
FP_MODULE_DIR=updates/dkms exec /data/modinfo_test.sh
