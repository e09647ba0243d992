#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fpctl's bash completion (tools/fpctl/fpctl.bash-completion, installed by the tools package
# as /usr/share/bash-completion/completions/fpctl), sourced in bash and asked as bash asks
# it on TAB: commands, options, handler names (registered ones and those an installed module
# provides by its alias), --pid (only processes holding a fanotify descriptor: fatrace here)
# and --fd (that process's fanotify descriptors), root= directories. Prints TAP.
#
# environment: FP_COMPLETION  the completion file (default: beside this script, as the
#                             selftest build copies it, or in /selftests, else the
#                             installed one)
set -u
here=$(cd "$(dirname "$0")" && pwd)
comp=${FP_COMPLETION:-$here/fpctl.bash-completion}
[ -r "$comp" ] || comp=/selftests/fpctl.bash-completion
[ -r "$comp" ] || comp=/usr/share/bash-completion/completions/fpctl
n=0 failed=0 fpid=''

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
finish() {
	[ -z "$fpid" ] || { kill -INT "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null; }
	echo "1..$n"
	[ "$failed" = 0 ]
	exit
}

# complete WORD...: what the completion offers for the command line WORD... where the last
# word is the one being completed (may be empty); one candidate a line in $out.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$func" fpctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	out=$(printf '%s\n' "${COMPREPLY[@]}")
}
# expect DESC PATTERN... -- WORD...: every PATTERN (a whole line) is among the candidates.
expect() {
	local desc=$1 pats=() p
	shift
	while [ "$1" != -- ]; do pats+=("$1"); shift; done
	shift
	complete_line "$@"
	for p in "${pats[@]}"; do
		if ! grep -qx -- "$p" <<<"$out"; then
			not_ok "$desc: '$p' missing from [${out//$'\n'/ }]"
			return
		fi
	done
	ok "$desc: [${out//$'\n'/ }]"
}
# expect_not DESC PATTERN -- WORD...: PATTERN is not among the candidates.
expect_not() {
	local desc=$1 p=$2
	shift 3
	complete_line "$@"
	if grep -qx -- "$p" <<<"$out"; then not_ok "$desc: '$p' offered"; else ok "$desc"; fi
}

echo "TAP version 13"
echo "# completion file: $comp"
if [ ! -r "$comp" ]; then
	not_ok "no completion file ($comp)"
	finish
fi
# shellcheck source=/dev/null
. "$comp"
func=$(complete -p fpctl 2>/dev/null | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
if [ -z "$func" ]; then
	not_ok "sourcing $comp registers a completion for fpctl"
	finish
fi
ok "sourcing it registers completion function $func for fpctl"

expect "objects and old spellings" handler attachment root tag version help list show attach detach query -- fpctl ""
expect "an object's prefix" attachment attach -- fpctl at
expect "help OBJECT" query -- fpctl help q
expect "attachment verbs" list show add detach -- fpctl attachment ""
expect "handler verbs" list show -- fpctl handler ""
expect "list options" --json --pretty -- fpctl list --
expect "attach options" --pid --fd --replace --perm-skip-allows --wait -- fpctl attach --
expect "attachment add options" --pid --fd --replace -- fpctl attachment add --
expect "root list options" --id --pid --fd -- fpctl root list --

# Handler names: every registered one, and subtree (fp_subtree's alias) even when not loaded.
mapfile -t avail < <(tr ' ' '\n' </sys/kernel/fanotify_fastpath/available 2>/dev/null | sed '/^$/d')
expect "handler names: registered (${avail[*]}) and installed (subtree)" \
	"${avail[@]}" subtree -- fpctl attach --pid 1 ""

# --pid: processes with a fanotify descriptor only.
if command -v fatrace >/dev/null; then
	fatrace -o /tmp/fpctl-comp.$$.out &
	fpid=$!
	fd=''
	for ((i = 0; i < 100; i++)); do
		for f in /proc/"$fpid"/fd/*; do
			[ "$(readlink "$f")" = 'anon_inode:[fanotify]' ] && fd=${f##*/}
		done
		[ -z "$fd" ] || break
		sleep 0.1
	done
	expect "--pid offers fatrace (pid $fpid), which holds a fanotify fd" "$fpid" -- fpctl attach --pid ""
	expect_not "--pid does not offer this shell ($$), which holds none" "$$" -- fpctl attach --pid ""
	if [ -n "$fd" ]; then
		expect "--fd offers fatrace's fanotify fd $fd" "$fd" -- fpctl query --pid "$fpid" --fd ""
	else
		not_ok "fatrace (pid $fpid) holds no fanotify fd after 10 s"
	fi
else
	ok "--pid # SKIP fatrace is not installed"
fi

expect "subtree argument" root= -- fpctl attach --pid 1 subtree ""
mkdir -p /tmp/fpctl-comp.$$/tree
expect "root= completes directories" "root=/tmp/fpctl-comp.$$/tree" -- \
	fpctl attach --pid 1 subtree "root=/tmp/fpctl-comp.$$/tr"
expect "root verbs" list add del -- fpctl root ""
rm -rf /tmp/fpctl-comp.$$ /tmp/fpctl-comp.$$.out
finish
