#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The example systemd drop-in of the tools package (tools/fpctl/examples/fpctl-attach.conf):
# run its ExecStartPost command the way systemd does, right after starting the "service"
# (fatrace, an unmodified fanotify program watching the whole system) with $MAINPID its pid,
# and root=/srv/data replaced by a test directory. The service must end up with the subtree
# handler attached (fpctl --wait covers the moment before it has created its group), and
# report only the activity inside the directory. Prints TAP.
#
# environment: FP_DROPIN  the drop-in (default: beside this script as the selftest build
#                         copies it, or in /selftests, else the installed example)
#              FPCTL      fpctl (default: beside this script, else /selftests/fpctl)
set -u
here=$(cd "$(dirname "$0")" && pwd)
dropin=${FP_DROPIN:-$here/fpctl-attach.conf}
[ -r "$dropin" ] || dropin=/selftests/fpctl-attach.conf
[ -r "$dropin" ] || dropin=/usr/share/doc/fanotify-fastpath-tools/examples/fpctl-attach.conf
fpctl=${FPCTL:-$here/fpctl}
[ -x "$fpctl" ] || fpctl=/selftests/fpctl
top=/fpctl-service.$$
out=/tmp/fpctl-service.$$.out
n=0 failed=0 mainpid=''

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
	[ -z "$mainpid" ] || { kill -INT "$mainpid" 2>/dev/null; wait "$mainpid" 2>/dev/null; }
	rm -rf "$top" "$out"
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}
bail() { not_ok "$*"; finish; }

echo "TAP version 13"
[ -r "$dropin" ] || bail "no drop-in ($dropin)"
command -v fatrace >/dev/null || bail "fatrace is not installed in the VM"
echo "# drop-in: $dropin"
line=$(sed -n 's/^ExecStartPost=//p' "$dropin")
check "the drop-in has one ExecStartPost line" test "$(grep -c '^ExecStartPost=' "$dropin")" = 1
# shellcheck disable=SC2016 # $MAINPID is systemd's, replaced below
case "$line" in
*'fpctl attach'*'--pid $MAINPID'*subtree*root=*) ok "ExecStartPost: $line" ;;
*) bail "ExecStartPost is not 'fpctl attach ... --pid \$MAINPID subtree root=...': $line" ;;
esac
mkdir -p "$top/data/old/deeper" "$top/other" || bail "cannot create $top"

# systemd: start the main process, then ExecStartPost with $MAINPID (no shell involved:
# systemd splits the line into words itself, and so does read -a here).
fatrace -o "$out" &
mainpid=$!
read -r -a cmd <<<"$line"
for i in "${!cmd[@]}"; do
	case "${cmd[i]}" in
	*/fpctl) cmd[i]=$fpctl ;;
	\$MAINPID) cmd[i]=$mainpid ;;
	root=*) cmd[i]=root=$top/data ;;
	esac
done
echo "# ${cmd[*]}"
msg=$("${cmd[@]}" 2>&1)
rc=$?
echo "# $msg"
check "ExecStartPost command succeeds right after the start (exit code $rc)" test "$rc" = 0
q=$("$fpctl" query --pid "$mainpid" --json 2>&1)
echo "# $q"
check "the service's group has the subtree handler" grep -q '"handler":"subtree"' <<<"$q"

# Only the activity under root= reaches the service.
sleep 0.5
for d in data data/old/deeper other; do
	echo x >"$top/$d/file"
done
echo x >"$top/data/marker"
for ((i = 0; i < 200; i++)); do
	grep -q "$top/data/marker" "$out" 2>/dev/null && break
	sleep 0.05
done
check "the service reports a file in root=" grep -q "$top/data/file" "$out"
check "the service reports a file deeper in a directory older than the attach" \
	grep -q "$top/data/old/deeper/file" "$out"
check "the service reports nothing outside root=" sh -c "! grep -q '$top/other' '$out'"
finish
