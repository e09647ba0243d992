#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": build, then boot the VM and run the demo script selftests/demo.sh (with the
# project's modules loaded and the built selftests copied to /selftests, not run). Until
# selftests/demo.sh exists, scripts/demo-placeholder.sh runs instead. The demo script runs
# under scripts/vm-run.sh's rules: it prints TAP ("ok 1 ..."), and the kernel log must stay
# clean. Extra arguments go to vm-run.sh.
#
# usage: scripts/demo.sh [vm-run.sh options]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$FP_TOP/scripts/build.sh"
demo=$FP_TOP/selftests/demo.sh
if [ ! -f "$demo" ]; then
	fp_log "selftests/demo.sh does not exist yet: running the placeholder demo"
	demo=$FP_TOP/scripts/demo-placeholder.sh
fi
exec "$FP_TOP/scripts/vm-run.sh" --no-default-tests "$@" "$demo"
