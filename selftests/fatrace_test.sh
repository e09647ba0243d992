#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An unmodified program, for real: Debian's fatrace watches the whole system (it marks every
# mounted filesystem with a device, and always "/"), and fpctl attaches a handler to its
# fanotify group from outside. From fatrace's own output:
#   before attaching it reports activity inside and outside the subtree,
#   after "fpctl attach --pid $(pidof fatrace) ..." only the activity inside, in directories
#   that existed before the attach (old, old/deeper) as in new ones,
#   after "fpctl detach" both again.
# The handler is "subtree root=DIR" (handlers/fp_subtree.c), loaded on demand by the attach.
# The files live on "/" (the initramfs), which fatrace always watches; /tmp is a tmpfs
# without a device, which fatrace skips. Prints TAP.
# shellcheck disable=SC2317 # functions are also called through check()
set -u
here=$(cd "$(dirname "$0")" && pwd)
# Beside this script (a selftest), else where the VM keeps the built selftests.
fpctl=${FPCTL:-$here/fpctl}
[ -x "$fpctl" ] || fpctl=/selftests/fpctl
top=/fatrace-test.$$
inside=$top/inside
outside=$top/outside
out=/tmp/fatrace.$$.out
n=0 failed=0 fpid='' loaded_here=

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
	[ -z "$fpid" ] || { kill -INT "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; }
	rm -rf "$top" "$out"
	# Unload the handler module if this test loaded it (it pins the core module).
	if [ -n "$loaded_here" ]; then
		for ((i = 0; i < 50; i++)); do
			rmmod "$loaded_here" 2>/dev/null && break
			sleep 0.1
		done
		check "rmmod $loaded_here" test ! -d "/sys/module/$loaded_here"
	fi
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}
bail() {
	not_ok "$*"
	finish
}

# wait_line PATTERN: wait up to 10 s for fatrace to print a line matching PATTERN.
wait_line() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q -- "$1" "$out" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# activity TAG: open, write and close files inside and outside the subtree, then a marker
# file inside, and wait until fatrace printed the marker: everything before it is in $out.
activity() {
	local i
	for i in 1 2 3 4 5; do
		echo "$1" >"$inside/inside_$1_$i"
		echo "$1" >"$outside/outside_$1_$i"
		cat "$inside/inside_$1_$i" "$outside/outside_$1_$i" >/dev/null
	done
	echo "$1" >"$inside/marker_$1"
	wait_line "$inside/marker_$1"
}

# count FROM PATTERN: fatrace lines after line FROM that mention PATTERN.
count() { tail -n +"$(($1 + 1))" "$out" | grep -c -- "$2"; }
lines() { wc -l <"$out"; }

echo "TAP version 13"
command -v fatrace >/dev/null || bail "fatrace is not installed in the VM"
[ -x "$fpctl" ] || bail "fpctl not found at $fpctl"
# A tree that exists before the attach: the subtree handler must not be blind below its root.
mkdir -p "$inside/old/deeper" "$outside" || bail "cannot create $top"

# Not loaded: "fpctl attach" loads it by its alias, as on an installed system.
handler=(subtree "root=$inside")
[ -d /sys/module/fp_subtree ] || loaded_here=fp_subtree

fatrace -o "$out" &
fpid=$!
# fatrace marks the filesystems after creating its group: wait until it reports.
for ((i = 0; i < 100; i++)); do
	echo x >"$inside/probe_$i"
	sleep 0.1
	grep -q "$inside/probe_" "$out" 2>/dev/null && break
done
check "fatrace (pid $fpid) reports events on /" grep -q "$inside/probe_" "$out"
check "fpctl query: nothing attached yet (exit code 10)" \
	sh -c "'$fpctl' query --pid $fpid >/dev/null 2>&1; test \$? = 10"

from=$(lines)
check "before attaching: activity recorded" activity before
in_before=$(count "$from" "$inside/inside_before")
out_before=$(count "$from" "$outside")
echo "# before: $in_before lines inside, $out_before lines outside"
check "before attaching: fatrace reports inside ($in_before) and outside ($out_before)" \
	test "$in_before" -gt 0 -a "$out_before" -gt 0

msg=$("$fpctl" attach --pid "$fpid" "${handler[@]}" 2>&1)
rc=$?
echo "# fpctl attach --pid $fpid ${handler[*]}: $msg"
[ "$rc" = 0 ] || bail "fpctl attach to fatrace failed with exit code $rc"
ok "fpctl attach --pid $fpid ${handler[*]}"

from=$(lines)
check "after attaching: activity recorded" activity after
in_after=$(count "$from" "$inside/inside_after")
out_after=$(count "$from" "$outside")
echo "# after: $in_after lines inside, $out_after lines outside"
check "after attaching: fatrace still reports inside ($in_after lines)" test "$in_after" -gt 0
check "after attaching: fatrace reports nothing outside ($out_after lines)" test "$out_after" = 0

# A new user's first try: files at every level of a tree that existed before the attach, a
# new directory, a file outside.
from=$(lines)
echo >"$inside/top.txt"
echo >"$inside/old/inold.txt"
echo >"$inside/old/deeper/indeeper.txt"
mkdir "$inside/new"
echo >"$inside/new/innew.txt"
echo >"$outside/outside.txt"
echo >"$inside/marker_tree"
wait_line "$inside/marker_tree"
for f in top.txt old/inold.txt old/deeper/indeeper.txt new/innew.txt; do
	check "pre-existing tree: fatrace reports $f" test "$(count "$from" "$inside/$f")" -gt 0
done
check "pre-existing tree: nothing from outside.txt" test "$(count "$from" outside.txt)" = 0

q=$("$fpctl" query --pid "$fpid" 2>&1)
while read -r line; do echo "# $line"; done <<<"$q"
dropped=$(echo "$q" | sed -n 's/.* dropped \([0-9]*\) .*/\1/p')
check "fpctl query: handler ${handler[0]}, events dropped (${dropped:-none})" \
	test -n "$dropped" -a "${dropped:-0}" -gt 0 -a -n "$(echo "$q" | grep "handler ${handler[0]}")"
"$fpctl" show | sed 's/^/# /'
check "fpctl show names fatrace[$fpid]" sh -c "'$fpctl' show | grep -q 'fatrace\\[$fpid\\]:'"

check "fpctl detach --pid $fpid" sh -c "'$fpctl' detach --pid $fpid >/dev/null"
from=$(lines)
check "after detaching: activity recorded" activity detached
out_detached=$(count "$from" "$outside")
check "after detaching: fatrace reports outside again ($out_detached lines)" \
	test "$out_detached" -gt 0
finish
