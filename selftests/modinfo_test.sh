#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# modinfo of every project module installed in the VM (the test modules fp_test_* aside):
#   all:      description, license GPL, one version for all (the VERSION file), vermagic of
#             the running kernel, and depmod resolves the name to the file under test
#   core:     the loaded fanotify_fastpath is that file (same srcversion)
#   handlers: depends on fanotify_fastpath, has fanotify-fastpath-NAME aliases, "modprobe
#             fanotify-fastpath-NAME" registers handler NAME from that module, and every
#             handler the module registers has its alias (attach by name can load it)
# Prints TAP.
#
# environment: FP_MODULE_DIR  directory under /lib/modules/KVER to check (default: extra,
#                             where the test VM installs the tree's modules; the DKMS check,
#                             scripts/dkms-check.sh, uses updates/dkms)
set -u
kver=$(uname -r)
dir=/lib/modules/$kver/${FP_MODULE_DIR:-extra}
sysfs=/sys/kernel/fanotify_fastpath
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# check DESCRIPTION COMMAND...: one TAP line for the command's success.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
field() { modinfo -F "$1" "$2" 2>/dev/null; }
loaded() { [ -d "/sys/module/$1" ]; }

echo "TAP version 13"
echo "# modules in $dir"

mods=() files=()
for f in "$dir"/*.ko*; do
	[ -e "$f" ] || continue
	m=$(basename "$f")
	m=${m%%.ko*}
	case "$m" in fp_test_*) continue ;; esac
	mods+=("$m") files+=("$f")
done
if [ ${#mods[@]} -eq 0 ]; then
	not_ok "no project module in $dir"
	echo "1..$n"
	exit 1
fi
core=("$dir"/fanotify_fastpath.ko*)
check "core module fanotify_fastpath is in $dir" test -e "${core[0]}"

core_loaded_here=0
if ! loaded fanotify_fastpath; then
	check "modprobe fanotify_fastpath" modprobe fanotify_fastpath
	core_loaded_here=1
fi
version=$(field version "${core[0]}")

for i in "${!mods[@]}"; do
	m=${mods[$i]} f=${files[$i]}
	echo "# $m: $f"
	check "$m: description" test -n "$(field description "$f")"
	check "$m: license GPL" test "$(field license "$f")" = GPL
	check "$m: version '$(field version "$f")' = core's '$version'" \
		test -n "$version" -a "$(field version "$f")" = "$version"
	check "$m: vermagic $kver" test "$(field vermagic "$f" | cut -d' ' -f1)" = "$kver"
	check "$m: depmod resolves it to $f" test "$(modinfo -n "$m" 2>/dev/null)" = "$f"
	if [ "$m" = fanotify_fastpath ]; then
		check "$m: the loaded module is this file (srcversion)" \
			test "$(cat /sys/module/fanotify_fastpath/srcversion 2>/dev/null)" = "$(field srcversion "$f")"
		continue
	fi

	# A handler module.
	check "$m: depends on fanotify_fastpath" \
		grep -qx fanotify_fastpath < <(field depends "$f" | tr , '\n')
	mapfile -t aliases < <(field alias "$f" | grep '^fanotify-fastpath-')
	check "$m: has fanotify-fastpath-NAME aliases (${aliases[*]:-none})" test ${#aliases[@]} -gt 0
	was_loaded=0
	loaded "$m" && was_loaded=1
	for a in "${aliases[@]}"; do
		name=${a#fanotify-fastpath-}
		[ "$was_loaded" = 1 ] || rmmod "$m" 2>/dev/null
		check "$m: modprobe $a registers handler $name" \
			sh -c "modprobe '$a' && test \"\$(cat $sysfs/handlers/$name/module)\" = '$m'"
	done
	for h in "$sysfs"/handlers/*; do
		if [ ! -d "$h" ] || [ "$(cat "$h/module")" != "$m" ]; then
			continue
		fi
		name=$(basename "$h")
		check "$m: registered handler $name has alias fanotify-fastpath-$name" \
			grep -qx "fanotify-fastpath-$name" < <(printf '%s\n' "${aliases[@]}")
	done
	if [ "$was_loaded" = 0 ] && loaded "$m"; then
		check "$m: unloads" rmmod "$m"
	fi
done

if [ "$core_loaded_here" = 1 ]; then
	check "rmmod fanotify_fastpath" rmmod fanotify_fastpath
fi
echo "1..$n"
[ "$failed" = 0 ]
