#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Placeholder demo (runs in the VM until selftests/demo.sh exists): load the core module
# and show the handlers it offers. Prints TAP.
echo "TAP version 13"
echo "1..1"
if modprobe fanotify_fastpath && avail=$(cat /sys/kernel/fanotify_fastpath/available); then
	echo "# handlers available: ${avail:-(none)}"
	echo "ok 1 core module loaded, /sys/kernel/fanotify_fastpath/available read"
else
	echo "not ok 1 core module not loaded or /sys/kernel/fanotify_fastpath/available unreadable"
	exit 1
fi
