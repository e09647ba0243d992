#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs in the VM (scripts/bench-watchers.sh, "make bench-watchers"): recursive watching of
# one directory tree by inotify-tools' two programs, unmodified:
#   inotifywait -m -r TREE               inotify, one watch per directory, added by a walk at
#                                        start and for each new directory as it appears
#   fsnotifywait -m -S MOUNT + fpctl attach --pid PID subtree root=TREE
#                                        one fanotify filesystem mark, the subtree handler
#                                        dropping what is outside TREE in the kernel
# for trees of N directories (default 1000, 10000, 100000), each on a fresh tmpfs. Per run:
#   ready     seconds from starting the watcher until it watches the whole tree
#             (inotifywait's "Watches established."; for fsnotifywait that and fpctl attach)
#   kmem      kernel memory of the watcher's memory cgroup ("slab" of memory.stat, which
#             holds inotify's watches and fanotify's marks, events and the ancestry cache;
#             fpctl runs in the same cgroup, the attachment is charged to it), after start
#             and after the burst below
#   missed    right after the watcher is ready, a burst: 200 new directories, each with a
#             file written at once, and 200 directories moved into the tree from beside it,
#             each with a file written at once in a subdirectory; the files whose CREATE the
#             watcher never reported (of 200 each)
# Prints a Markdown table and one TAP line.
#
# environment (or /data/bench-watchers.conf): FP_BENCH_DIRS="1000 10000 100000",
# FP_BENCH_BURST=200
set -u
# shellcheck source=/dev/null
[ ! -r /data/bench-watchers.conf ] || . /data/bench-watchers.conf
sizes=${FP_BENCH_DIRS:-1000 10000 100000}
burst=${FP_BENCH_BURST:-200}
fpctl=${FPCTL:-/selftests/fpctl}
base=/tmp/bench-watchers
cg=/sys/fs/cgroup
rows=() wpid=''

now() { echo "$EPOCHREALTIME"; }	# bash 5; busybox date has no %N
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
slab() { awk '$1 == "slab" { print $2 }' "$1/memory.stat"; }
kib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1024 }'; }

# wait_file FILE PATTERN SECS: wait until FILE has a line matching PATTERN.
wait_file() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# make_tree DIR N: about N directories, three levels deep (10 x 10 x N/100).
make_tree() {
	awk -v root="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++)
		printf "%s/a%d/b%d/c%d\n", root, i % 10, int(i / 10) % 10, i }' | xargs mkdir -p
}

# run WATCHER N: one row.
run() {
	local w=$1 n=$2 mnt=$base/mnt tree out err grp t0 t1 k0 k1 k2 ndirs i missed_new missed_mv
	mkdir -p "$mnt"
	mount -t tmpfs -o size=1G tmpfs "$mnt" || return 1
	tree=$mnt/tree
	mkdir -p "$tree" "$mnt/beside"
	make_tree "$tree" "$n"
	ndirs=$(find "$tree" -type d | wc -l)
	for ((i = 0; i < burst; i++)); do
		mkdir -p "$mnt/beside/mv_$i/sub"
	done
	out=$base/$w.$n.out err=$base/$w.$n.err grp=$cg/bench_${w}_$n
	mkdir "$grp"
	k0=$(slab "$grp")
	sync
	echo 3 >/proc/sys/vm/drop_caches 2>/dev/null

	t0=$(now)
	if [ "$w" = inotifywait ]; then
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$grp" \
			stdbuf -oL inotifywait -m -r -e create,modify,close_write,delete,move --format '%e %w%f' \
			-o "$out" "$tree" 2>"$err" &
		wpid=$!
		wait_file "$err" "Watches established" 3000 || echo "# $w $n: not established: $(tail -c 300 "$err")"
	else
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$grp" \
			stdbuf -oL fsnotifywait -m -S -e create,modify,close_write,delete,move --format '%e %w%f' \
			-o "$out" "$mnt" 2>"$err" &
		wpid=$!
		wait_file "$err" "Watches established" 300 || echo "# $w $n: not established: $(tail -c 300 "$err")"
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$grp" \
			"$fpctl" attach --pid "$wpid" subtree "root=$tree" >/dev/null ||
			echo "# $w $n: fpctl attach failed"
	fi
	t1=$(now)
	k1=$(slab "$grp")

	# The burst: new directories written into at once, directories moved in and written into.
	for ((i = 0; i < burst; i++)); do
		mkdir "$tree/a0/new_$i" && echo x >"$tree/a0/new_$i/f"
	done
	for ((i = 0; i < burst; i++)); do
		mv "$mnt/beside/mv_$i" "$tree/a1/mv_$i" && echo x >"$tree/a1/mv_$i/sub/f"
	done
	echo x >"$tree/marker"
	wait_file "$out" "$tree/marker" 120 || echo "# $w $n: marker not seen within 120 s"
	k2=$(slab "$grp")
	missed_new=$((burst - $(grep -Ec "^([A-Z_]+,)*CREATE(,[A-Z_]+)* $tree/a0/new_[0-9]+/f$" "$out")))
	missed_mv=$((burst - $(grep -Ec "^([A-Z_]+,)*CREATE(,[A-Z_]+)* $tree/a1/mv_[0-9]+/sub/f$" "$out")))
	outside=$(grep -vc " $tree/" "$out")

	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	wpid=''
	umount "$mnt"
	rmdir "$grp" 2>/dev/null
	rows+=("$(printf '| %d | %s | %s s | %s KiB | %s KiB | %d | %d | %d |' "$ndirs" "$w" \
		"$(elapsed "$t0" "$t1")" "$(kib $((k1 - k0)))" "$(kib $((k2 - k0)))" \
		"$missed_new" "$missed_mv" "$outside")")
	echo "# ${rows[-1]}"
}

echo "TAP version 13"
mkdir -p "$base"
grep -qw memory "$cg/cgroup.subtree_control" || echo +memory >"$cg/cgroup.subtree_control"
echo 2000000 >/proc/sys/fs/inotify/max_user_watches
[ -e /sys/kernel/fanotify_fastpath ] || modprobe fanotify_fastpath
for n in $sizes; do
	run inotifywait "$n"
	run fsnotifywait "$n"
done
echo "| directories | watcher | until watching | kernel memory after start | after the burst | files missed in $burst new dirs | in $burst moved-in dirs | events outside the tree |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${rows[@]}" | sed 's/| fsnotifywait |/| fsnotifywait -S + fpctl subtree |/; s/| inotifywait |/| inotifywait -r |/'
echo "ok 1 - watcher benchmark ($sizes directories)"
echo "1..1"
