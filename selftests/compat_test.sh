#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Compatibility between releases: release 0.1's binaries against this tree's and back.
# scripts/compat-build.sh builds 0.1's fpctl and core module (FP_COMPAT_REV in
# scripts/lib.sh, the last commit of 0.1, interface version 1) into compat/ beside this script.
#
# 1. 0.1's fpctl on the current modules (the version 1 ioctls, kept for old binaries):
#    fatrace (an unmodified fanotify program) watches "/"; the old fpctl attaches the test
#    handler "fptest drop=dropme" (selftests/modules/fp_test_handler.c: drops the events of
#    entries whose name contains "dropme") to its group. From fatrace's own output: before
#    the attach it reports both kinds of files, after it only the others, after the detach
#    both again. "query --pid" (exit 0, names the handler), "show" (the attachment and
#    fatrace) and "detach --pid" (exit 0) must work.
# 2. The current fpctl on 0.1's core module: the current modules are unloaded, 0.1's core is
#    inserted, and "fpctl attach --pid PID fptest" and "fpctl query --pid PID" must exit with
#    12 and say on stderr that the module is "older than this fpctl". Then the old core is
#    unloaded and the current modules are loaded back as they were.
#
# The 0.1 pieces are built for the default lane's kernel only (trixie's generic 6.12, the
# rule of fp_compat_kernel in scripts/lib.sh, applied here to uname -r): there they must
# exist (missing is a failure); on every other kernel the test skips. Prints TAP.
#
# environment: FPCTL  the current fpctl (default: beside this script, else /selftests/fpctl)
# shellcheck disable=SC2317 # functions are also called through check()
set -u
here=$(cd "$(dirname "$0")" && pwd)
compat=$here/compat
old_fpctl=$compat/fpctl-0.1
old_core=$compat/fanotify_fastpath-0.1.ko
fpctl=${FPCTL:-$here/fpctl}
[ -x "$fpctl" ] || fpctl=/selftests/fpctl
core=fanotify_fastpath
top=/compat-test.$$
out=/tmp/compat-test.$$.out
err=/tmp/compat-test.$$.err
n=0 failed=0 fpid='' core_src0='' holders0='' params0=''

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip_all() {
	ok "compat_test # SKIP $*"
	echo "1..$n"
	exit 0
}

# The modules that use the core (its holders), one per line.
holders() { ls "/sys/module/$core/holders" 2>/dev/null; }
srcversion() { cat "/sys/module/$core/srcversion" 2>/dev/null; }
# The core's writable parameters as NAME=VALUE lines (a reload resets them).
params() {
	local p
	for p in "/sys/module/$core/parameters"/*; do
		case "$(stat -c %a "$p" 2>/dev/null)" in
		[2367]??) echo "${p##*/}=$(cat "$p")" ;;
		esac
	done
}

# unload MODULE: rmmod, retried for up to 30 s (a group's last reference may go late).
unload() {
	local i
	[ -d "/sys/module/$1" ] || return 0
	for ((i = 0; i < 300; i++)); do
		rmmod "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	rmmod "$1"
}

# unload_core: every holder of the core, then the core.
unload_core() {
	local m
	for m in $(holders); do
		unload "$m" || return 1
	done
	unload "$core"
}

stop_fatrace() {
	[ -n "$fpid" ] || return 0
	kill -INT "$fpid" 2>/dev/null
	wait "$fpid" 2>/dev/null
	fpid=''
}

# start_fatrace: fatrace watching "/" into $out, its pid in $fpid, once it reports events.
start_fatrace() {
	local i
	rm -f "$out"	# fatrace -o refuses an existing file
	fatrace -o "$out" &
	fpid=$!
	for ((i = 0; i < 100; i++)); do
		echo x >"$top/probe_$i"
		sleep 0.1
		grep -q "$top/probe_" "$out" 2>/dev/null && return 0
	done
	return 1
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

# activity TAG: write and read files named keep_TAG_N and dropme_TAG_N, then a marker file,
# and wait until fatrace printed the marker: everything delivered before it is in $out.
activity() {
	local i
	for i in 1 2 3; do
		echo "$1" >"$top/keep_$1_$i"
		echo "$1" >"$top/dropme_$1_$i"
		cat "$top/keep_$1_$i" "$top/dropme_$1_$i" >/dev/null
	done
	echo "$1" >"$top/keep_$1_marker"
	wait_line "$top/keep_$1_marker"
}

# count FROM PATTERN: fatrace lines after line FROM that mention PATTERN.
count() { tail -n +"$(($1 + 1))" "$out" | grep -c -- "$2"; }
lines() { wc -l <"$out"; }

# restore: the core module of the start (by its srcversion) and its holders of the start,
# nothing more; a check that it worked.
restore() {
	local m extra=''
	[ -n "$core_src0" ] || return 0
	if [ "$(srcversion)" != "$core_src0" ]; then
		unload_core
		modprobe "$core"
		while IFS='=' read -r m v; do
			[ -z "$m" ] || echo "$v" >"/sys/module/$core/parameters/$m"
		done <<<"$params0"
	fi
	for m in $holders0; do
		[ -d "/sys/module/$m" ] || modprobe "$m"
	done
	for m in $(holders); do
		case " $(echo "$holders0" | tr '\n' ' ') " in
		*" $m "*) ;;
		*) unload "$m" || extra="$extra $m" ;;
		esac
	done
	check "modules as at the start: core $core_src0, holders: $(echo "$holders0" | tr '\n' ' ')" \
		test "$(srcversion)" = "$core_src0" -a "$(holders)" = "$holders0" -a -z "$extra"
	check "the core's parameters as at the start: $(echo "$params0" | tr '\n' ' ')" \
		test "$(params)" = "$params0"
	core_src0=''
}

finish() {
	stop_fatrace
	restore
	rm -rf "$top" "$out" "$err"
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}
bail() {
	not_ok "$*"
	finish
}

echo "TAP version 13"
# The rule of fp_compat_kernel (scripts/lib.sh): trixie's generic 6.12 kernels.
kver=$(uname -r)
case "$kver" in
6.12.*+deb13-amd64) ;;
*) skip_all "release 0.1's fpctl and core module are built for the default lane's kernel (trixie's generic 6.12) only, not for $kver (scripts/compat-build.sh)" ;;
esac
[ -x "$old_fpctl" ] || bail "0.1's fpctl missing: $old_fpctl (scripts/build.sh runs scripts/compat-build.sh on $kver)"
[ -r "$old_core" ] || bail "0.1's core module missing: $old_core (scripts/build.sh runs scripts/compat-build.sh on $kver)"
[ -x "$fpctl" ] || bail "fpctl not found at $fpctl"
command -v fatrace >/dev/null || bail "fatrace is not installed in the VM"
echo "# 0.1: $(cat "$compat/REVISION" 2>/dev/null); $("$old_fpctl" --version 2>&1)"
core_src0=$(srcversion)
[ -n "$core_src0" ] || bail "the core module $core is not loaded at the start"
holders0=$(holders)
params0=$(params)
echo "# at the start: core srcversion $core_src0, holders: $(echo "$holders0" | tr '\n' ' ')"
mkdir -p "$top" || bail "cannot create $top"

# ---- 1. 0.1's fpctl on the current modules ----
start_fatrace || bail "fatrace (pid $fpid) reports no event on /"
from=$(lines)
check "before attaching: activity recorded" activity before
keep=$(count "$from" "$top/keep_before_[0-9]")
drop=$(count "$from" "$top/dropme_before_")
check "before attaching: fatrace reports keep_* ($keep lines) and dropme_* ($drop lines)" \
	test "$keep" -gt 0 -a "$drop" -gt 0

msg=$("$old_fpctl" attach --pid "$fpid" fptest drop=dropme 2>&1)
rc=$?
echo "# fpctl-0.1 attach --pid $fpid fptest drop=dropme: exit $rc: $msg"
[ "$rc" = 0 ] || bail "0.1's fpctl: attach --pid $fpid fptest drop=dropme failed with exit code $rc"
ok "0.1's fpctl: attach --pid $fpid fptest drop=dropme (exit 0)"

from=$(lines)
check "attached: activity recorded" activity attached
keep=$(count "$from" "$top/keep_attached_[0-9]")
drop=$(count "$from" "$top/dropme_attached_")
check "attached: fatrace still reports keep_* ($keep lines)" test "$keep" -gt 0
check "attached: fatrace reports no dropme_* ($drop lines): the handler dropped them" test "$drop" = 0

q=$("$old_fpctl" query --pid "$fpid" 2>&1)
rc=$?
while read -r line; do echo "# $line"; done <<<"$q"
check "0.1's fpctl: query --pid $fpid exits 0 ($rc)" test "$rc" = 0
check "0.1's fpctl: query --pid $fpid names the handler fptest" grep -q "handler fptest" <<<"$q"

s=$("$old_fpctl" show 2>&1)
rc=$?
while read -r line; do echo "# $line"; done <<<"$s"
check "0.1's fpctl: show exits 0 ($rc)" test "$rc" = 0
check "0.1's fpctl: show lists fptest held by fatrace[$fpid]" \
	grep -q "fptest.*fatrace\[$fpid\]:" <<<"$s"

msg=$("$old_fpctl" detach --pid "$fpid" 2>&1)
rc=$?
echo "# fpctl-0.1 detach --pid $fpid: exit $rc: $msg"
check "0.1's fpctl: detach --pid $fpid exits 0 ($rc)" test "$rc" = 0
from=$(lines)
check "detached: activity recorded" activity detached
keep=$(count "$from" "$top/keep_detached_[0-9]")
drop=$(count "$from" "$top/dropme_detached_")
check "detached: fatrace reports keep_* ($keep lines) and dropme_* again ($drop lines)" \
	test "$keep" -gt 0 -a "$drop" -gt 0
stop_fatrace

# ---- 2. the current fpctl on 0.1's core module ----
unload_core || bail "cannot unload the current modules (holders: $(holders | tr '\n' ' '))"
ok "current modules unloaded"
msg=$(insmod "$old_core" 2>&1)
rc=$?
[ "$rc" = 0 ] || bail "insmod $old_core failed (exit $rc): $msg"
old_src=$(modinfo -F srcversion "$old_core")
check "0.1's core module loaded (srcversion $(srcversion), the file's $old_src)" \
	test "$(srcversion)" = "$old_src" -a "$old_src" != "$core_src0"

start_fatrace || bail "fatrace (pid $fpid) reports no event on / (0.1's core loaded)"
for cmd in "attach --pid $fpid fptest" "query --pid $fpid"; do
	# shellcheck disable=SC2086 # the command's words
	"$fpctl" $cmd >/dev/null 2>"$err"
	rc=$?
	while read -r line; do echo "# fpctl $cmd: stderr: $line"; done <"$err"
	check "current fpctl on 0.1's core: $cmd exits 12 ($rc)" test "$rc" = 12
	check "current fpctl on 0.1's core: $cmd says \"older than this fpctl\" on stderr" \
		grep -q "older than this fpctl" "$err"
done
stop_fatrace
echo "# holders of 0.1's core: $(holders | tr '\n' ' ')"
check "0.1's core module and its holders unloaded" unload_core
finish
