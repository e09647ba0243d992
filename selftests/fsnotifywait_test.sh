#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The recursive watcher people already have, unmodified: inotify-tools' fsnotifywait watching
# a whole filesystem through fanotify (-S), turned into an exact recursive watcher of one tree
# by "fpctl attach --pid PID subtree root=TREE" (one mark, no per-directory watch, no walk).
# The tree exists before the attach, with nested directories. Afterwards fsnotifywait's
# output must hold every event of the activity inside the tree (creations, writes,
# deletions, directories made, moves in and out, at every depth, in directories older and
# newer than the attach) and nothing else: no event of the same activity beside the tree,
# no move's other half outside it. Before the attach it reports both, after detaching both
# again. On a tmpfs and on ext4 (a loop device). Prints TAP.
#
# environment: FPCTL  fpctl (default: beside this script, else /selftests/fpctl)
# shellcheck disable=SC2317 # functions are also called through check()
set -u
here=$(cd "$(dirname "$0")" && pwd)
fpctl=${FPCTL:-$here/fpctl}
[ -x "$fpctl" ] || fpctl=/selftests/fpctl
base=/tmp/fsnotifywait-test.$$
n=0 failed=0 wpid='' mnt='' img=''

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
stop_watcher() {
	[ -z "$wpid" ] || { kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null; }
	wpid=''
}
unmount() {
	stop_watcher
	[ -z "$mnt" ] || umount "$mnt" 2>/dev/null
	mnt=''
}
finish() {
	unmount
	rm -rf "$base"
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}

# wait_for PATTERN: wait up to 10 s for a line of the watcher's output matching PATTERN.
wait_for() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q -- "$1" "$out" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# after N: the output lines after line N.
after() { tail -n +"$(($1 + 1))" "$out"; }

# has EVENT PATH FILE: FILE has a line for PATH whose events (fanotify merges them, e.g.
# MODIFY,CLOSE_WRITE,CLOSE) include EVENT. fsnotifywait resolves the directory's file handle
# and appends " (deleted)" to names that are gone (deletions, moves' old names).
has() { grep -Eq "^([A-Z_]+,)*$1(,[A-Z_]+)* $2( \(deleted\))?\$" "$3"; }

# activity DIR TAG OTHER: creations, writes, deletions, a new directory with a file, a file
# and a directory moved in from directory OTHER and a file out to it, at several depths of
# DIR's tree. Its twin runs beside the tree ($mnt/beside, with $mnt/third), so a filter that
# lets anything outside through is caught.
activity() {
	local d=$1 t=$2 o=$3
	echo "$t" >"$d/top_$t"				# CREATE, MODIFY, CLOSE_WRITE
	echo "$t" >"$d/a/b/c/deep_$t"
	echo "$t" >>"$d/a/existing"			# MODIFY of a file older than the attach
	rm "$d/a/b/gone_$t"				# DELETE
	mkdir "$d/a/newdir_$t"				# CREATE,ISDIR
	echo "$t" >"$d/a/newdir_$t/innew"		# a file in a directory newer than the attach
	mv "$o/movein_$t" "$d/a/b/moved_in_$t"		# MOVED_TO in the tree (MOVED_FROM outside)
	mv "$d/a/moveout_$t" "$o/moved_out_$t"		# MOVED_FROM in the tree (MOVED_TO outside)
	mkdir "$o/dirin_$t" && mv "$o/dirin_$t" "$d/a/dir_in_$t"	# a directory moved in
	echo "$t" >"$d/a/dir_in_$t/after_move"		# ... and written into right away
}

# prepare DIR TAG OTHER: what activity DIR TAG OTHER removes and moves.
prepare() {
	echo x >"$1/a/b/gone_$2"
	echo x >"$3/movein_$2"
	echo x >"$1/a/moveout_$2"
}

# run_fs NAME: the whole check on the filesystem mounted at $mnt.
run_fs() {
	local fs=$1 tree=$mnt/tree beside=$mnt/beside from bad exp
	out=$base/$fs.out
	mkdir -p "$tree/a/b/c" "$beside/a/b/c" "$mnt/third" || { not_ok "$fs: cannot create the trees"; return; }
	echo x >"$tree/a/existing"
	echo x >"$beside/a/existing"
	mkdir -p "$beside/a/b" && echo x >"$beside/a/b/placeholder"

	# %w%f: the path (fsnotifywait resolves the directory from the event's file handle).
	# stdbuf: it writes its output file through stdio, fully buffered otherwise.
	stdbuf -oL fsnotifywait -m -S -q --format '%e %w%f' -o "$out" "$mnt" 2>"$base/$fs.err" &
	wpid=$!
	for ((i = 0; i < 100; i++)); do
		echo x >"$tree/probe_$i"
		sleep 0.1
		grep -q "probe_" "$out" 2>/dev/null && break
	done
	if ! grep -q "probe_" "$out" 2>/dev/null; then
		not_ok "$fs: fsnotifywait -S reports events ($(head -c 300 "$base/$fs.err"))"
		stop_watcher
		return
	fi
	ok "$fs: fsnotifywait -m -S (pid $wpid) reports events of the filesystem"

	# Before: both the tree and beside it.
	prepare "$tree" before "$beside"
	prepare "$beside" before "$mnt/third"
	from=$(wc -l <"$out")
	activity "$tree" before "$beside"
	activity "$beside" before "$mnt/third"
	echo x >"$tree/marker_before"
	wait_for "$tree/marker_before"
	after "$from" >"$base/$fs.before"
	check "$fs: before the attach: events inside ($(after "$from" | grep -c " $tree/")) and beside ($(after "$from" | grep -c " $beside/"))" \
		test "$(after "$from" | grep -c " $tree/")" -gt 0 -a "$(after "$from" | grep -c " $beside/")" -gt 0

	msg=$("$fpctl" attach --pid "$wpid" subtree "root=$tree" 2>&1)
	check "$fs: fpctl attach --pid $wpid subtree root=$tree: $msg" \
		sh -c "'$fpctl' query --pid $wpid | grep -q 'handler subtree'"

	prepare "$tree" after "$beside"
	prepare "$beside" after "$mnt/third"
	from=$(wc -l <"$out")
	activity "$tree" after "$beside"
	activity "$beside" after "$mnt/third"
	echo x >"$tree/marker_after"
	wait_for "$tree/marker_after"
	after "$from" >"$base/$fs.after"
	# Nothing but the tree: every line names a path in it, but one. The link count's ATTRIB
	# of the file deleted in the tree (fsnotify sends it with the file alone, no directory;
	# the file's name was in the tree) comes with the file's handle: fsnotifywait prints
	# "ATTRIB " with no path when it cannot resolve it (the file is gone), on ext4 at times
	# "ATTRIB //", and when the dentry is still cached the file's old path with a "/"
	# (without a handler fanotify merges it with the file's DELETE_SELF). The deletion
	# beside the tree makes one too, which must be dropped: exactly one is expected.
	bad=$(grep -v " $tree/" "$base/$fs.after" | grep -Evx 'ATTRIB /*')
	check "$fs: after the attach: the link count's ATTRIB of the file deleted in the tree, not beside it" \
		test "$(grep -Ecx "ATTRIB (/*|$tree/a/b/gone_after/?)" "$base/$fs.after")" = 1
	echo "# $(wc -l <"$base/$fs.after") events after the attach:"
	sed 's/^/#   /' "$base/$fs.after"
	# Not judged here: the self events of files (MOVE_SELF, DELETE_SELF; fsnotifywait prints
	# them with the file's own handle) that fsnotifywait prints without a handler.
	echo "# self events of files: $(grep -Ec '(MOVE|DELETE)_SELF' "$base/$fs.before") before the attach, $(grep -Ec '(MOVE|DELETE)_SELF' "$base/$fs.after") after"
	check "$fs: after the attach: no event outside the tree${bad:+ (got: $(echo "$bad" | head -n 3 | tr '\n' ';'))}" \
		test -z "$bad"
	# Every kind of event inside, at every depth.
	for exp in "CREATE $tree/top_after" "CLOSE_WRITE $tree/top_after" \
		"CREATE $tree/a/b/c/deep_after" "MODIFY $tree/a/existing" \
		"DELETE $tree/a/b/gone_after" "CREATE $tree/a/newdir_after" \
		"CREATE $tree/a/newdir_after/innew" "MOVED_TO $tree/a/b/moved_in_after" \
		"MOVED_FROM $tree/a/moveout_after" "MOVED_TO $tree/a/dir_in_after" \
		"CREATE $tree/a/dir_in_after/after_move" "CREATE $tree/marker_after"; do
		check "$fs: after the attach: $exp" has "${exp%% *}" "${exp#* }" "$base/$fs.after"
	done

	check "$fs: fpctl detach --pid $wpid" sh -c "'$fpctl' detach --pid $wpid >/dev/null"
	from=$(wc -l <"$out")
	echo x >"$beside/after_detach"
	echo x >"$tree/marker_detach"
	wait_for "$tree/marker_detach"
	after "$from" >"$base/$fs.detached"
	check "$fs: after detaching: events beside the tree again" \
		has CREATE "$beside/after_detach" "$base/$fs.detached"
	stop_watcher
}

echo "TAP version 13"
command -v fsnotifywait >/dev/null || { not_ok "fsnotifywait (inotify-tools) is not in the VM"; finish; }
[ -x "$fpctl" ] || { not_ok "fpctl not found at $fpctl"; finish; }
mkdir -p "$base"

mnt=$base/tmpfs
if ! mkdir -p "$mnt" || ! mount -t tmpfs tmpfs "$mnt"; then
	not_ok "mount tmpfs"
	finish
fi
run_fs tmpfs
unmount

if command -v mkfs.ext4 >/dev/null; then
	img=$base/ext4.img mnt=$base/ext4
	mkdir -p "$mnt"
	if dd if=/dev/zero of="$img" bs=1M count=32 2>/dev/null && mkfs.ext4 -q "$img" &&
		mount -t ext4 -o loop "$img" "$mnt"; then
		run_fs ext4
	else
		not_ok "ext4 on a loop device"
	fi
	unmount
else
	skip "ext4: no mkfs.ext4 in the VM"
fi
finish
