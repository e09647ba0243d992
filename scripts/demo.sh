#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# "make demo": build, boot the VM and run selftests/demo.sh in it: Debian's fatrace, unmodified,
# watches the whole system; fpctl attaches the subtree handler to its fanotify group from
# outside; the demo shows fatrace's output and CPU time before and after, and a summary.
# Shows the demo's own output; the full console log is kept with --raw (or on failure).
#
# usage: scripts/demo.sh [--raw] [vm-run.sh options]
#   --raw   show the whole VM console (boot messages, TAP lines, run summary)
# environment: FP_KERNEL, FP_KVER, FP_CACHE (scripts/lib.sh), DEMO_NOISE_FILES and
#              DEMO_PROJECT_FILES are not passed to the VM (edit selftests/demo.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

raw=0
if [ "${1:-}" = --raw ]; then
	raw=1
	shift
fi

"$FP_TOP/scripts/build.sh"
fp_log "booting the VM for the demo (about 15 s)"
if [ "$raw" = 1 ]; then
	exec "$FP_TOP/scripts/vm-run.sh" --no-default-tests "$@" "$FP_TOP/selftests/demo.sh"
fi

# The demo's comment lines ("# ...", TAP diagnostics) are its human-readable output; its TAP
# results and the runner's verdict follow them.
set +e
"$FP_TOP/scripts/vm-run.sh" --no-default-tests "$@" "$FP_TOP/selftests/demo.sh" |
	awk '
		/### FP-TEST-BEGIN demo.sh/ { on = 1; next }
		/### FP-TEST-END demo.sh/ { on = 0; next }
		on && /^# ?/ { sub(/^# ?/, ""); print; fflush(); next }
		on && /^(not )?ok / { results = results "  " $0 "\n"; next }
		/^==== VM run summary/ { tail = 1 }
		tail { print; fflush() }
		END { if (results != "") printf "\nTAP results:\n%s", results }'
rc=${PIPESTATUS[0]}
exit "$rc"
