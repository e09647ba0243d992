#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo ("make demo", scripts/demo.sh), run in the VM: Debian's fatrace, unmodified, watches
# every file access on the system. A workload writes files in a project directory and, ten
# times as much, elsewhere. Then "fpctl attach --pid $(pidof fatrace) subtree root=PROJECT"
# makes the kernel drop every event outside the project before it reaches fatrace, without
# restarting or changing fatrace. The demo counts fatrace's output lines before and after,
# shows the handler's counters, and prints a summary. It is also a test: it prints TAP.
# (fatrace's CPU time is not shown: under QEMU's TCG its tick-based accounting is noise.)
# The subtree handler's module (handlers/fp_subtree.c) is not loaded beforehand: the attach
# loads it by its alias, as on an installed system.
set -u
here=$(cd "$(dirname "$0")" && pwd)
fpctl=${FPCTL:-$here/fpctl}
[ -x "$fpctl" ] || fpctl=/selftests/fpctl
demo=/demo
project=$demo/project
noise=$demo/noise
out=/tmp/fatrace.demo
n=0 failed=0 fpid=
NOISE_FILES=${DEMO_NOISE_FILES:-400}
PROJECT_FILES=${DEMO_PROJECT_FILES:-40}

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
say() { echo "# $*"; }
finish() {
	[ -z "$fpid" ] || { kill -INT "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; }
	rm -rf "$demo" "$out"
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}
bail() {
	not_ok "$*"
	finish
}
show() {
	while IFS= read -r line; do say "    $line"; done
}

# workload TAG: PROJECT_FILES files in the project, NOISE_FILES elsewhere (written, read
# back), then a marker in the project; returns once fatrace has printed the marker, so that
# all of the workload's events are in its output.
workload() {
	local i
	mkdir -p "$project/src/lib/$1" "$noise/$1"
	for ((i = 0; i < NOISE_FILES; i++)); do
		echo "$1 $i" >"$noise/$1/noise_$i.log"
		if ((i % 10 == 0)); then
			echo "$1 $i" >"$project/src/lib/$1/data_$i.txt"
			cat "$project/src/lib/$1/data_$i.txt" >/dev/null
		fi
	done
	echo finished >"$project/src/lib/$1/marker"
	for ((i = 0; i < 400; i++)); do
		grep -q "$project/src/lib/$1/marker" "$out" && return 0
		sleep 0.05
	done
	return 1
}

# phase TAG: run the workload; sets lines_all, lines_in (about the project), lines_out (not
# about the project), lines_noise (about the noise directory).
phase() {
	local from
	from=$(wc -l <"$out")
	workload "$1" || bail "fatrace never reported the end of the $1 workload"
	lines_all=$(tail -n +"$((from + 1))" "$out" | wc -l)
	lines_in=$(tail -n +"$((from + 1))" "$out" | grep -c -- "$project")
	lines_out=$((lines_all - lines_in))
	lines_noise=$(tail -n +"$((from + 1))" "$out" | grep -c -- "$noise")
}

echo "TAP version 13"
say "fanotify fastpath demo on Linux $(uname -r)"
say
command -v fatrace >/dev/null || bail "fatrace is not installed in the VM"
[ -x "$fpctl" ] || bail "fpctl not found"
handler=(subtree "root=$project")
# The project is a tree that exists before the handler attaches (every phase's directory).
mkdir -p "$project/src/lib/before" "$project/src/lib/after" "$noise"

fatrace -o "$out" &
fpid=$!
for ((i = 0; i < 100; i++)); do
	echo x >"$project/probe"
	sleep 0.1
	grep -q "$project/probe" "$out" 2>/dev/null && break
done
grep -q "$project/probe" "$out" || bail "fatrace (pid $fpid) reports no events on /"
say
say "\$ fatrace -o $out &        # pid $fpid, watches every mounted filesystem"
say "workload: $PROJECT_FILES files written and read in $project, $NOISE_FILES files written in $noise"

phase before
b_all=$lines_all b_in=$lines_in b_out=$lines_out b_noise=$lines_noise
say "before attaching: fatrace printed $b_all lines ($b_in in the project, $b_out elsewhere)"
if [ "$b_in" -gt 0 ] && [ "$b_noise" -gt 0 ]; then
	ok "without a handler fatrace reports the project and the noise"
else
	not_ok "without a handler fatrace reports the project ($b_in) and the noise ($b_noise)"
fi

say
say "\$ fpctl attach --pid \$(pidof fatrace) ${handler[*]}"
if "$fpctl" attach --pid "$fpid" "${handler[@]}" 2>&1 | show; [ "${PIPESTATUS[0]}" = 0 ]; then
	ok "fpctl attached ${handler[0]} to the running fatrace"
else
	bail "fpctl attach failed"
fi

phase after
a_all=$lines_all a_in=$lines_in a_out=$lines_out a_noise=$lines_noise
say "after attaching:  fatrace printed $a_all lines ($a_in in the project, $a_out elsewhere)"
if [ "$a_in" -gt 0 ] && [ "$a_noise" = 0 ]; then
	ok "with the handler fatrace reports the project, not the noise"
else
	not_ok "with the handler fatrace reports the project ($a_in), not the noise ($a_noise)"
fi
say "\$ fpctl list"
"$fpctl" list | show
say
say "\$ fpctl query --pid \$(pidof fatrace)"
"$fpctl" query --pid "$fpid" | show
say "\$ fpctl show"
"$fpctl" show | show
q=$("$fpctl" query --pid "$fpid")
seen=$(sed -n 's/.*seen \([0-9]*\) .*/\1/p' <<<"$q")
dropped=$(sed -n 's/.* dropped \([0-9]*\) .*/\1/p' <<<"$q")

if "$fpctl" detach --pid "$fpid" >/dev/null; then
	ok "fpctl detached the handler; fatrace keeps running"
else
	not_ok "fpctl detach failed"
fi

pct() { [ "$2" -gt 0 ] && echo $(($1 * 100 / $2)) || echo 0; }
say
say "================================ summary ================================"
say "fatrace (Debian's, unmodified), same workload twice:"
say "                        lines printed   about the project   about anything else"
say "$(printf '%-22s  %13s   %17s   %19s' "without a handler" "$b_all" "$b_in" "$b_out")"
say "$(printf '%-22s  %13s   %17s   %19s' "with ${handler[0]}" "$a_all" "$a_in" "$a_out")"
say "the handler saw ${seen:-?} events in the kernel and dropped ${dropped:-?} before they were queued:"
say "fatrace printed $(pct "$a_all" "$b_all")% of the lines it printed before, only about the project,"
say "and was neither restarted nor changed (line counts vary between runs: fanotify merges"
say "queued events on the same file)."
say "========================================================================="
finish
