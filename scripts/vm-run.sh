#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's kernel in QEMU with the project's modules and run tests in it.
# See usage() below, or run: scripts/vm-run.sh --help
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<EOF
usage: scripts/vm-run.sh [options] [TEST...]

Boots /boot/vmlinuz-KVER of the build root in QEMU (TCG; KVM with FP_KVM=1) with an
initramfs holding busybox, kmod, bash, mkfs.ext4, mkfs.btrfs, btrfs, mkfs.xfs, the kernel's
own loop, ext4, btrfs, xfs, overlay and fuse modules (with what they need, loaded at boot;
those the kernel lacks are left out), the project's modules (installed under
/lib/modules/KVER/extra, depmod'ed, fanotify_fastpath loaded with modprobe) and the built
selftests (build/selftests, run in alphabetical order). Each TEST given (a program or a
script, e.g. one of your own) is copied in and run after them, under the same rules.

A test program is judged by kselftest's "# Totals:" line (a program that exits non-zero, or
prints no Totals line, counts as one failure; exit code 4 without Totals counts as skipped).
A script is judged by its TAP "ok" / "not ok" lines ("# SKIP" counts as skipped); a script
that prints none, or exits non-zero without a "not ok", counts as one failure. Once the
kernel has oopsed (taint D), the remaining tests are not run and count as failed.

The run fails (exit 1) on any failed test, a module that does not load or unload, a VM that
does not reach the end (crash, panic, hang, timeout), kernel log lines with Oops, WARNING:,
BUG:, Call Trace, RCU stalls, KASAN, KFENCE, UBSAN, lockdep reports, slab debugging
reports ("BUG kmalloc-64 (Tainted: ...): ..."), general protection faults or panics, any
kmemleak report of an object allocated by the project's modules (see below), and any taint
flag but O (out-of-tree) and E (unsigned module) (and X when Debian's kernel logged that it
set X for fanotify permission events). Each such problem counts as one failure in the
closing "N passed, N failed, N skipped" line.

Hardening: Debian's kernels boot with slub_debug=FZPU (red zones, poisoning, sanity checks,
owner tracking) on the caches the project's modules allocate from: every kmalloc cache
(kmalloc-*, also kmalloc-cg-* for accounted allocations) and the core's fp_anc_entry; the
kernel's own hot caches (dentries, inodes, files, fsnotify events) stay fast: with
slub_debug on every cache, tests with kselftest's 30 s timeout timed out on a loaded host.
KFENCE samples every cache (kfence.sample_interval=10). A kernel built with KASAN (the debug
lane, scripts/debug-kernel.sh) boots with slub_debug=FZPU for fp_anc_entry only (exact object
counts for selftests/fuzz_test.c). FP_VM_HARDEN=0 boots without.
On a kernel with kmemleak, the guest scans after the tests and again after unloading the
modules and prints the reports. A report counts as the project's when its backtrace has a
frame in one of the project's modules, or an address in module space without a symbol (an
unloaded module, or a module's init code, freed after init); other reports are the
kernel's own: listed, not failed.

Build first (scripts/build.sh, or make check / make vm-run), so that the modules and tests
in the tree are built for KVER.

options:
  --no-default-tests  do not run the project's selftests (they are still copied to /selftests)
  --only NAMES        run only these of the project's selftests (names as in
                      build/selftests/tests.list, separated by spaces or commas)
  --bare              no project modules, no project selftests, no loop, ext4, btrfs, xfs,
                      overlay and fuse modules and no btrfs or XFS tools (small initramfs)
  --module FILE.ko    also install FILE.ko and load it after the project's modules (repeatable)
  --kmod NAME         also copy and load module NAME of the kernel (and what it needs)
  --bin PATH          copy PATH of the build root with its libraries, e.g. /usr/sbin/bpftool
  --file SRC[:DEST]   copy a host file or directory into the guest (default DEST: /data/NAME)
  --timeout SECS      per-test timeout (default \$FP_TEST_TIMEOUT or 300)
  --append ARGS       extra kernel command line arguments
  --no-unload         do not unload the modules after the tests
  --keep              keep the run directory even when the run passed
  --result-file FILE  write "PASSED FAILED SKIPPED" to FILE and print no closing line
  --reparse RUN_DIR   judge the console.log of a kept run again, without booting
  -h, --help          this text

environment:
  FP_KERNEL      default | backports | an exact version (see scripts/lib.sh)
  FP_KVER        exact kernel version to use (overrides FP_KERNEL)
  FP_VM_TIMEOUT  whole-run timeout in seconds (default 1800)
  FP_TEST_TIMEOUT per-test timeout in seconds (default 300)
  FP_KVM=1       use KVM instead of TCG (needs a working /dev/kvm)
  FP_VM_MEM, FP_VM_SMP  guest memory (default 2G) and CPUs (default 2)
  FP_VM_TCG=single|multi  TCG threading (default single: one host thread runs every
                 guest CPU in turn). Multi-threaded TCG in the host's QEMU 7.2 can keep
                 a stale translation of kernel text the guest has just patched: a
                 boot then dies on an int3 in a patched jump label (seen once in CI,
                 "Oops: int3" in sched_clock_tick). Single-threaded TCG translates and
                 invalidates on one thread, so it cannot. It ran the 7.3 lane in 308 s
                 against 294 s, with 302 s of host CPU against 365 s.
  FP_VM_ICOUNT=1 count instructions: single-threaded TCG, one CPU and
                 "-icount shift=0,sleep=off", so that guest time advances 1 ns per
                 executed guest instruction (and jumps to the next timer when the guest
                 is idle). Guest ns = instructions under icount: benchmark times are then
                 independent of the host's load and repeat across boots; they are
                 instruction counts, not cycles (cache misses, barriers, retpolines are
                 undercounted). Not with FP_KVM=1; FP_VM_SMP must be 1 or unset.
                 Guest-side timeouts (--timeout) are in guest seconds then. Boots with
                 rcu_nocbs=0: RCU callbacks always run in the rcuo kthread.
  FP_VERBOSE=1   also show the guest's kernel log on the console stream
  FP_CACHE       cache directory (build root), see scripts/lib.sh
EOF
}

default_tests=1 bare=0 keep=0 unload=1 result_file='' append='' reparse='' only=''
# slub_debug makes every allocation slower: subtree_test took more than 180 s with it on a
# loaded host.
test_timeout=${FP_TEST_TIMEOUT:-300}
extra_modules=() user_tests=() bins=() files=() kmods=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-default-tests) default_tests=0 ;;
	--only) [ $# -ge 2 ] || fp_die "--only needs NAMES"; only=${2//,/ }; shift ;;
	--bare) bare=1 default_tests=0 ;;
	--module) [ $# -ge 2 ] || fp_die "--module needs a FILE.ko"; extra_modules+=("$2"); shift ;;
	--kmod) [ $# -ge 2 ] || fp_die "--kmod needs a module NAME"; kmods+=("$2"); shift ;;
	--bin) [ $# -ge 2 ] || fp_die "--bin needs a PATH"; bins+=("$2"); shift ;;
	--file) [ $# -ge 2 ] || fp_die "--file needs SRC[:DEST]"; files+=("$2"); shift ;;
	--timeout) [ $# -ge 2 ] || fp_die "--timeout needs SECS"; test_timeout=$2; shift ;;
	--append) [ $# -ge 2 ] || fp_die "--append needs ARGS"; append=$2; shift ;;
	--no-unload) unload=0 ;;
	--keep) keep=1 ;;
	--result-file) [ $# -ge 2 ] || fp_die "--result-file needs FILE"; result_file=$2; shift ;;
	--reparse) [ $# -ge 2 ] || fp_die "--reparse needs RUN_DIR"; reparse=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; user_tests+=("$@"); break ;;
	-*) fp_die "unknown option $1 (see --help)" ;;
	*) user_tests+=("$1") ;;
	esac
	shift
done
case "$test_timeout" in '' | *[!0-9]*) fp_die "--timeout / FP_TEST_TIMEOUT must be a number of seconds" ;; esac
vm_timeout=${FP_VM_TIMEOUT:-1800}
case "$vm_timeout" in '' | *[!0-9]*) fp_die "FP_VM_TIMEOUT must be a number of seconds" ;; esac
if [ "${FP_VM_ICOUNT:-0}" = 1 ]; then
	[ "${FP_KVM:-0}" != 1 ] || fp_die "FP_VM_ICOUNT=1 needs TCG: unset FP_KVM"
	[ "${FP_VM_SMP:-1}" = 1 ] || fp_die "FP_VM_ICOUNT=1 runs one CPU: unset FP_VM_SMP or set it to 1"
fi

# boot: build the initramfs in a new run directory and boot it; sets kver, run, log, qrc, elapsed.
boot() {
	command -v qemu-system-x86_64 >/dev/null || fp_die "qemu-system-x86_64 not found: run scripts/setup-buildroot.sh (installs qemu-system-x86)"
	kver=$(fp_resolve_kver)
	[ -n "$kver" ] || fp_die "no kernel version resolved; run scripts/setup-buildroot.sh"
	kernel=$FP_BR/boot/vmlinuz-$kver
	[ -r "$kernel" ] || fp_die "$kernel missing: run FP_KERNEL=$FP_KERNEL scripts/setup-buildroot.sh"

	# The run directory must be inside the repository: the build root sees the repository only.
	mkdir -p "$FP_BUILD/vm"
	# Keep the 20 newest run directories of failed runs, drop older ones.
	find "$FP_BUILD/vm" -mindepth 1 -maxdepth 1 -name 'run.*' -printf '%T@ %p\n' | sort -rn | tail -n +20 |
		cut -d' ' -f2- | while read -r old; do rm -rf "$old"; done
	run=$(mktemp -d "$FP_BUILD/vm/run.XXXXXX")
	mk=(--kver "$kver" --out "$run/initramfs.img" --stage "$run/stage" --timeout "$test_timeout")
	[ "$unload" = 1 ] || mk+=(--no-unload)

	if [ "$bare" = 0 ]; then
		# ext4 on a loop device for the tests (selftests/subtree_test.c); btrfs, XFS,
		# overlayfs and FUSE (FUSE built in on Debian's kernels) with mkfs.btrfs, btrfs and
		# mkfs.xfs for its other filesystems, where the kernel has them as modules (the
		# debug kernel has FUSE, btrfs and overlayfs built in and no XFS: those cases skip).
		mk+=(--kmod loop --kmod ext4 --fs-tools)
		for k in btrfs xfs overlay fuse; do
			mk+=(--kmod-optional "$k")
		done
		mapfile -t kos < <(fp_modules_order "$FP_TOP")
		[ ${#kos[@]} -gt 0 ] || fp_die "no built modules in $FP_TOP/modules.order: build first (scripts/build.sh)"
		for ko in "${kos[@]}"; do
			[ -e "$FP_TOP/$ko" ] || fp_die "$ko is in modules.order but not built: rebuild (scripts/build.sh)"
			mk+=(--module "$FP_TOP/$ko")
		done
		mk+=(--load fanotify_fastpath)
		[ -d "$FP_BUILD/selftests" ] || fp_die "$FP_BUILD/selftests missing: build the selftests (scripts/build.sh)"
		if [ "$default_tests" = 1 ] && [ -n "$only" ]; then
			# All copied, the named ones listed (mkinitramfs.sh runs what tests.list names).
			mkdir -p "$run/selftests-only"
			(cd "$FP_BUILD/selftests" && find . -path ./.obj -prune -o -path ./tests.list -prune -o -print | cpio -pdm --quiet "$run/selftests-only")
			for t in $only; do
				grep -qxF "$t" "$FP_BUILD/selftests/tests.list" || fp_die "--only: $t is not in build/selftests/tests.list"
				echo "$t"
			done >"$run/selftests-only/tests.list"
			mk+=(--selftests "$run/selftests-only")
		elif [ "$default_tests" = 1 ]; then
			mk+=(--selftests "$FP_BUILD/selftests")
		else
			# Copied in for the user's tests to use, not run.
			mkdir -p "$run/selftests-norun"
			(cd "$FP_BUILD/selftests" && find . -path ./.obj -prune -o -path ./tests.list -prune -o -print | cpio -pdm --quiet "$run/selftests-norun")
			mk+=(--selftests "$run/selftests-norun")
		fi
	fi
	for k in "${kmods[@]}"; do
		mk+=(--kmod "$k")
	done
	mkdir -p "$run/in"
	for m in "${extra_modules[@]}"; do
		[ -f "$m" ] || fp_die "module $m not found"
		cp "$m" "$run/in/"
		mk+=(--module "$run/in/$(basename "$m")" --load "$(basename "$m" .ko)")
	done
	declare -A seen=()
	for t in "${user_tests[@]}"; do
		[ -f "$t" ] || fp_die "test $t not found"
		name=$(basename "$t")
		case "$name" in *[!A-Za-z0-9._+-]*) fp_die "test name $name: use only letters, digits and ._+-" ;; esac
		[ -z "${seen[$name]:-}" ] || fp_die "two tests named $name: rename one"
		seen[$name]=1
		mkdir -p "$run/in/tests"
		cp "$t" "$run/in/tests/$name"
		mk+=(--test "$name=$run/in/tests/$name")
	done
	for b in "${bins[@]}"; do
		mk+=(--bin "$b")
	done
	n=0
	for f in "${files[@]}"; do
		src=${f%%:*}
		dest=${f#"$src"}
		dest=${dest#:}
		[ -e "$src" ] || fp_die "--file $src not found"
		[ -n "$dest" ] || dest=/data/$(basename "$src")
		n=$((n + 1))
		mkdir -p "$run/in/files/$n"
		cp -a "$src" "$run/in/files/$n/"
		mk+=(--file "$run/in/files/$n/$(basename "$src")=$dest")
	done

	fp_log "building the initramfs in $run"
	fp_br_run "$(printf '%q ' "$FP_TOP/scripts/mkinitramfs.sh" "${mk[@]}")" ||
		fp_die "initramfs build failed (run directory kept: $run)"
	rm -rf "$run/stage"

	smp=${FP_VM_SMP:-2} clock=''
	if [ "${FP_VM_ICOUNT:-0}" = 1 ]; then
		# icount needs single-threaded TCG; sleep=off: an idle guest jumps to its next timer.
		accel=(-accel "tcg,thread=single" -cpu max -icount "shift=0,sleep=off")
		smp=1
		# RCU callbacks in the rcuo kthread, not in whichever softirq or ksoftirqd comes
		# first: runs that free entries through RCU were bimodal (2.6% apart within one
		# boot); with the offload, 0.07% within a boot and 0.03% across boots.
		append="rcu_nocbs=0 $append"
		clock=', icount shift=0: guest ns = instructions under icount'
	elif [ "${FP_KVM:-0}" = 1 ]; then
		[ -w /dev/kvm ] || fp_die "FP_KVM=1 but /dev/kvm is not usable"
		accel=(-accel kvm -cpu host)
	else
		case ${FP_VM_TCG:=single} in
		single | multi) ;;
		*) fp_die "FP_VM_TCG=$FP_VM_TCG: use single or multi" ;;
		esac
		# la57=off: 4-level paging, as nearly every machine runs. With 5-level paging, a
		# debug (KASAN) kernel once reported a wild-memory-access at a 5-level direct map
		# address (ff11...) in an early-boot interrupt, before /init.
		accel=(-accel "tcg,thread=$FP_VM_TCG" -cpu "max,la57=off")
	fi
	log=$run/console.log
	harden=''
	if [ "${FP_VM_HARDEN:-1}" != 0 ]; then
		if grep -qx 'CONFIG_KASAN=y' "$FP_BR/boot/config-$kver" 2>/dev/null; then
			harden='slub_debug=FZPU,fp_anc_entry'
		else
			harden='slub_debug=FZPU,kmalloc-*,fp_anc_entry kfence.sample_interval=10'
		fi
	fi
	# no_timer_check: on a loaded host, TCG can miss the early IO-APIC timer check, which
	# then panics ("IO-APIC + timer doesn't work!").
	cmdline="console=ttyS0 panic=-1 loglevel=4 no_timer_check $harden $append"
	fp_log "booting $kver (${accel[1]}, $smp CPU(s)$clock), whole-run timeout ${vm_timeout}s, console log $log"

	# Serial console to stdout (filtered below) and to the log. No monitor and no stdin: runs
	# unattended in CI; -display none instead of -nographic so a terminal is never grabbed.
	qemu=(qemu-system-x86_64 "${accel[@]}" -m "${FP_VM_MEM:-2G}" -smp "$smp"
		-nodefaults -display none -no-reboot -monitor none
		-chardev "stdio,id=con,logfile=$log,signal=off" -serial chardev:con
		-kernel "$kernel" -initrd "$run/initramfs.img" -append "$cmdline")
	start=$(date +%s)
	set +e
	timeout -k 10 "$vm_timeout" "${qemu[@]}" </dev/null 2>"$run/qemu.stderr" |
		awk -v verbose="${FP_VERBOSE:-0}" '
			{ sub(/\r$/, "") }
			/### FP-DMESG-BEGIN/ { hide = (verbose != 1); print "### FP-DMESG-BEGIN (kernel log: see the console log)"; fflush(); next }
			/### FP-DMESG-END/ { hide = 0 }
			!hide { print; fflush() }'
	qrc=${PIPESTATUS[0]}
	set -e
	elapsed=$(($(date +%s) - start))
}

if [ -n "$reparse" ]; then
	# Re-evaluate a kept run (no build, no boot).
	run=$(cd "$reparse" && pwd)
	log=$run/console.log
	[ -r "$log" ] || fp_die "$log not found"
	kver=$(sed -n 's/.*### FP-INIT-START \([^[:space:]]*\).*/\1/p' "$log" | head -n 1)
	qrc=0 elapsed=0
else
	boot
fi

# Parse the console log. Output lines:
#   TEST <name> <passed> <failed> <skipped> <note>
#   FAIL <reason>          a problem outside the tests, counted as one failure
#   KLOG <line>            a kernel log line matching a problem pattern
#   TAINT <n> / AUXTAINT (Debian's fanotify permission taint message seen) / DONE / NOINIT
parse() {
	tr -d '\r' <"$log" | awk '
	function finish(   p, f, s, note) {
		if (cur == "") return
		p = 0; f = 0; s = 0; note = ""
		if (kind == "bin" && totals != "" && rc != "unfinished") {
			split(totals, v, " ")
			p = v[1] + v[3]; f = v[2] + v[4] + v[6]; s = v[5]
			if (rc != 0 && rc != 4 && f == 0) { f = 1; note = "exit code " rc }
		} else {
			# A script, or a program cut short: its TAP lines, and one failure for a
			# program without Totals, a non-zero exit or no result at all.
			p = tp; f = tf; s = ts
			if (rc == "unfinished") {
				f++; note = "did not finish (VM died or hung)"
			} else if (kind == "bin") {
				if (rc == 4 && p + f + s == 0) { s = 1; note = "skipped (exit code 4)" }
				else { f++; note = "no kselftest Totals line, exit code " rc }
			} else {
				if (rc != 0 && rc != 4 && f == 0) { f = 1; note = "exit code " rc }
				if (p + f + s == 0) {
					if (rc == 4) { s = 1; note = "skipped (exit code 4)" }
					else { f = 1; note = "printed no TAP result, exit code " rc }
				}
			}
		}
		if (timedout) { if (f == 0) f = 1; note = "timed out after " secs " s" }
		if (left > 0) {
			# A test must wait for what it starts; after a timeout, its orphans.
			if (!timedout) f++
			note = note (note == "" ? "" : "; ") left " of its processes still running (killed)"
		}
		if (f > 0 && fails != "") note = note " || " fails
		print "TEST", cur, p, f, s, note
		cur = ""
	}
	/### FP-TEST-BEGIN / {
		finish()
		sub(/.*### FP-TEST-BEGIN /, ""); cur = $1; kind = $2
		totals = ""; tp = tf = ts = 0; rc = "unfinished"; fails = ""; timedout = 0; secs = 0; left = 0
		next
	}
	/### FP-TEST-END / {
		line = $0; sub(/.*### FP-TEST-END /, "", line); split(line, w, " ")
		for (i = 2; i in w; i++) {
			split(w[i], kv, "=")
			if (kv[1] == "rc") rc = kv[2] + 0
			if (kv[1] == "secs") secs = kv[2] + 0
			if (kv[1] == "timeout") timedout = (kv[2] == "1")
			if (kv[1] == "left") left = kv[2] + 0
		}
		finish(); next
	}
	/### FP-INIT-START/ { init = 1; next }
	/### FP-SETUP-FAIL / { sub(/.*### FP-SETUP-FAIL /, ""); print "FAIL guest setup: " $0; next }
	/### FP-MODLOAD-END / {
		sub(/.*### FP-MODLOAD-END /, "")
		if ($2 != "rc=0") print "FAIL module load: modprobe " $1 " failed (" $2 ")"
		next
	}
	/### FP-UNLOAD-FAIL / { sub(/.*### FP-UNLOAD-FAIL /, ""); print "FAIL module unload: rmmod " $0 " failed"; next }
	/### FP-TAINTED / { sub(/.*### FP-TAINTED /, ""); print "TAINT", $1 + 0; next }
	/### FP-ALL-DONE/ { done = 1; next }
	# kmemleak reports (see vm-init.sh): one record per "unreferenced object".
	function leak_flush(   first) {
		if (rec == "") return
		first = rec; sub(/\n.*/, "", first)
		# An unsymbolized module-space frame: an unloaded module or a freed init section of ours.
		# Module space is 0xffffffffa0000000 to 0xffffffffff000000 (from 0xffffffffc0000000
		# with KASLR, as on the Debian kernels; the debug kernel has no KASLR).
		if ((ours != "" && rec ~ ours) || rec ~ /\n *(\[<[0-9a-f]+>\] )?0xffffffff([a-e]|f[0-e])[0-9a-f]+(\n|$)/)
			print "LEAK " leakwhen ": " first
		else
			print "KLEAK " leakwhen ": " first
		rec = ""
	}
	/### FP-OURMODS / {
		s = $0; sub(/.*### FP-OURMODS */, "", s); gsub(/ +$/, "", s); gsub(/ +/, "|", s)
		if (s != "") ours = "\\[(" s ")\\]"
		next
	}
	/### FP-KMEMLEAK-BEGIN / { leakwhen = $NF; inleak = 1; rec = ""; next }
	/### FP-KMEMLEAK-END / { leak_flush(); inleak = 0; next }
	inleak {
		if ($0 ~ /unreferenced object/) { leak_flush(); rec = $0 } else if (rec != "") rec = rec "\n" $0
		next
	}
	# Kernel messages (timestamped), from the live console or the dmesg dump.
	/Using fanotify permission checks may lead to deadlock; tainting kernel/ { print "AUXTAINT" }
	# Messages of kmemleak itself: its report is judged above, record by record.
	/\[ *[0-9]+\.[0-9]+\].*kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread (started|ended)|[0-9]+ new suspected memory leaks)/ { next }
	/\[ *[0-9]+\.[0-9]+\]/ {
		if ($0 ~ /Oops|WARNING:|BUG:|kernel BUG|BUG [^ ]+ \((Not tainted|Tainted)|Call Trace|rcu_sched self-detected stall|rcu: INFO|KASAN|KFENCE|UBSAN|kmemleak|possible circular locking|general protection fault|Kernel panic/) {
			k = $0; sub(/^.*\[ *[0-9]+\.[0-9]+\] */, "", k)
			if (!(k in klog)) { klog[k] = 1; print "KLOG " $0 }
		}
		next
	}
	cur != "" && kind == "bin" && /# Totals: pass:/ {
		t = $0; sub(/.*# Totals: /, "", t); gsub(/[a-z]+:/, "", t); totals = t
		next
	}
	cur != "" && /^not ok / { tf++; if (length(fails) < 300) fails = fails (fails == "" ? "" : "; ") $0; next }
	cur != "" && /^ok / { if (toupper($0) ~ /# *SKIP/) ts++; else tp++; next }
	/### FP-TEST-NOTRUN / {
		finish(); sub(/.*### FP-TEST-NOTRUN /, "")
		print "TEST", $1, 0, 1, 0, "not run: the kernel oopsed earlier (taint D)"
		next
	}
	/### FP-UNLOAD-SKIPPED/ { print "FAIL module unload: skipped, the kernel oopsed (taint D)"; next }
	END {
		finish()
		if (!init) print "NOINIT"
		if (done) print "DONE"
	}'
}
mapfile -t results < <(parse)

passed=0 failed=0 skipped=0 reasons=() summary=() klog=() taint='' done=0 other=0 auxtaint=0 noinit=0
leaks=() kleaks=()
for r in "${results[@]}"; do
	case "$r" in
	TEST\ *)
		read -r _ name p f s note <<<"$r"
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		# Not in the "N passed, N failed" form: only the closing line has that.
		line=$(printf '%-24s pass %d, fail %d, skip %d' "$name" "$p" "$f" "$s")
		# note is "SHORT NOTE || not ok lines": the summary gets the short part.
		short=${note%%|| *}
		short=${short% }
		detail=${note/#|| /}
		detail=${detail/ || /; }
		if [ "$f" -gt 0 ]; then
			summary+=("not ok $line${short:+ ($short)}")
			reasons+=("test $name: $f failed${detail:+: $detail}")
		else
			summary+=("ok     $line${short:+ ($short)}")
		fi
		;;
	FAIL\ *) reasons+=("${r#FAIL }") other=$((other + 1)) ;;
	KLOG\ *) klog+=("${r#KLOG }") ;;
	LEAK\ *) leaks+=("${r#LEAK }") ;;
	KLEAK\ *) kleaks+=("${r#KLEAK }") ;;
	TAINT\ *) taint=${r#TAINT } ;;
	AUXTAINT) auxtaint=1 ;;
	DONE) done=1 ;;
	NOINIT) noinit=1 ;;
	esac
done
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	why="timed out after ${vm_timeout}s (FP_VM_TIMEOUT)"
else
	why="kernel crash, panic or hang; qemu exit code $qrc"
fi
if [ "$noinit" = 1 ]; then
	reasons+=("VM: the guest never reached /init ($why)") other=$((other + 1))
elif [ "$done" = 0 ]; then
	reasons+=("VM: no end marker ($why)") other=$((other + 1))
fi
if [ ${#klog[@]} -gt 0 ]; then
	reasons+=("kernel log: ${#klog[@]} problem line(s), first: ${klog[0]}") other=$((other + 1))
fi
if [ ${#leaks[@]} -gt 0 ]; then
	reasons+=("kmemleak: ${#leaks[@]} unreferenced object(s) allocated by the project's modules, first: ${leaks[0]}") other=$((other + 1))
fi
if [ -n "$taint" ]; then
	letters=PFSRMBUDAWCIOELKXTN	# bit 0 = P ... bit 18 = N, as in Documentation/admin-guide/tainted-kernels.rst
	# O (out-of-tree) and E (unsigned) are expected for our modules. Debian's kernel also sets
	# X (aux) with its "Using fanotify permission checks may lead to deadlock" message when a
	# group asks for permission events: allowed only when that message is in the log.
	allowed=$((4096 | 8192))
	[ "$auxtaint" = 0 ] || allowed=$((allowed | 65536))
	bad=$((taint & ~allowed))
	bits=''
	for ((b = 0; b < 32; b++)); do
		if (((bad >> b) & 1)); then
			bits+=" bit $b (${letters:b:1})"
		fi
	done
	[ -z "$bits" ] || reasons+=("taint: kernel tainted $taint, not allowed:$bits") other=$((other + 1))
elif [ "$done" = 1 ]; then
	reasons+=("taint: the guest printed no taint value") other=$((other + 1))
fi
# Each problem outside the tests counts as one failure.
failed=$((failed + other))

# Kernel problems: show the guest's whole kernel log (warnings are not on the live console),
# as the run directory may be gone by the time someone reads a CI log.
if [ ${#klog[@]} -gt 0 ] && [ "${FP_VERBOSE:-0}" != 1 ]; then
	echo "---- guest kernel log ----"
	tr -d '\r' <"$log" | sed -n '/### FP-DMESG-BEGIN/,/### FP-DMESG-END/{/### FP-DMESG-/d;p}'
	echo "---- end of guest kernel log ----"
fi
echo
echo "==== VM run summary (kernel $kver, ${elapsed}s${clock:-}) ===="
for s in "${summary[@]}"; do echo "$s"; done
for k in "${klog[@]:0:20}"; do echo "kernel: $k"; done
for k in "${leaks[@]:0:20}"; do echo "kmemleak (ours): $k"; done
for k in "${kleaks[@]:0:20}"; do echo "kmemleak (the kernel's own, not failed): $k"; done
if [ ${#leaks[@]} -gt 0 ]; then
	echo "---- kmemleak reports ----"
	tr -d '\r' <"$log" | sed -n '/### FP-KMEMLEAK-BEGIN/,/### FP-KMEMLEAK-END/p'
	echo "---- end of kmemleak reports ----"
fi
[ ${#klog[@]} -le 20 ] || echo "kernel: ... $((${#klog[@]} - 20)) more, see the console log"
for r in "${reasons[@]}"; do echo "FAILED: $r"; done
status=0
[ ${#reasons[@]} -eq 0 ] || status=1
if [ -n "$reparse" ]; then
	echo "judged again: $log"
elif [ "$status" = 1 ]; then
	[ ! -s "$run/qemu.stderr" ] || { echo "qemu stderr:"; sed 's/^/  /' "$run/qemu.stderr"; }
	echo "run directory kept (console.log, initramfs.img): $run"
elif [ "$keep" = 1 ]; then
	echo "run directory kept (console.log, initramfs.img): $run"
else
	rm -rf "$run"
fi
if [ -n "$result_file" ]; then
	echo "$passed $failed $skipped" >"$result_file"
else
	echo "$passed passed, $failed failed, $skipped skipped"
fi
exit "$status"
