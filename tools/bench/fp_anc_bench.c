// SPDX-License-Identifier: GPL-2.0
/*
 * fp_anc_bench: what the ancestry cache costs, the decision of the subtree
 * handler (fanotify_fastpath_subtree_match()). Run by "make anc-bench"
 * (scripts/anc-bench.sh) in the test VM, by default under QEMU instruction
 * counting, where guest ns = instructions under icount. Prints numbers and
 * asserts nothing about speed.
 *
 * The operation: pwrite(fd, "x", 1, 0) on a file, one FAN_MODIFY event each,
 * OPS per run, timed with CLOCK_MONOTONIC. Every group is
 * fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_UNLIMITED_QUEUE)
 * with a FAN_MARK_FILESYSTEM mark for FAN_MODIFY on a tmpfs. Each
 * configuration has a tmpfs of its own, mounted under /tmp/fpab: so the
 * groups of all configurations stay alive (and their caches filled) through
 * the interleaved runs without their marks, or the cache's own filesystem
 * marks, being visited by each other's events.
 *
 * Subtree configurations attach "subtree" with an include root R and an
 * exclude root R/x and write a file in R/x/d1/.../dD: the event is dropped
 * by the cached answer "outside" for dD (a hit), while a miss would walk
 * D + 1 directories. Rows (configurations):
 *   a) no group; the floor (the same group with "fptest ret=1", which drops
 *      every event without looking at it); a hit at depth 1, 8, 32, 64; a
 *      file inside R (R/in/d1/.../d8) whose events are delivered, each read
 *      back by the writer before its next write (a reader thread made this row
 *      bimodal across boots: its scheduling decides how many events merge,
 *      5% between two boots of 6.12); two parts of
 *      a hit: the subtree handler with its roots on another tmpfs (the call
 *      without a lookup), and the floor plus the filesystem mark that
 *      another group's cache puts on this tmpfs (fsnotify visits it); a hit
 *      at depth 8 during a rename storm (a9: a child process, for the whole
 *      run, renames a directory back and forth on a tmpfs without roots and
 *      moves directories between fresh parents outside R on this one; the
 *      guest's one CPU runs both processes, so its ns include the storm's own
 *      work: what to read are its hits and walks per operation, and its
 *      events per operation, which must stay 0: every write is outside R,
 *      and the queue is read after each run);
 *   b) a hit (depth 1) with 1, 1000, 10000, 100000 entries in the cache
 *      (cache=200000; directories R/x/pN touched once before the runs);
 *   c) 1 to 4 groups, each with the subtree handler and the same roots, and
 *      floors with as many groups (fptest ret=1 on each);
 *   d) misses: cache=16, the writes cycle over 64 directories at depth 8
 *      (and at depth 64), each in a chain of its own, so that every event
 *      walks up to R/x and refills (evicting);
 *   e) attach time and kernel memory for trees of 1k, 10k and 100k
 *      directories (fan-out 10, a file in each) against inotify with one
 *      watch per directory (what "inotifywait -r" does: nftw() and
 *      inotify_add_watch() on each directory). The cache: time and memory
 *      of fp_attach with root=TREE at the default cap and with cache=<the
 *      tree's size>; with the latter, one event in every directory (a walk
 *      and a fill each; minus a second pass of hits, the cost of a first
 *      event), entries from FAN_FP_IOC_QUERY2, memory as the deltas of the
 *      attacher's memory cgroup (memory.stat slab_unreclaimable: the entries;
 *      kernel: everything, with the hash buckets) and of SUnreclaim in
 *      /proc/meminfo (after vm.stat_refresh). Queued events are read before
 *      memory is measured.
 * Configurations a) to d) run RUNS times each, interleaved, after a
 * warm-up round of every configuration (not counted) and after waiting for
 * a quiet guest; each run starts after 50 ms of idle (what the previous run
 * left, such as RCU callbacks, runs then). Reported:
 * median, minimum and spread ((max - min) / median) of ns per operation, the
 * difference to "no group", the ratio and difference to the floor (the floor
 * with as many groups in c), cache hits and walks per operation
 * (FAN_FP_IOC_QUERY2), the cache's entries, and the largest share of a run's
 * time the process was off the CPU (other tasks, interrupts: for misses, the
 * RCU callbacks freeing evicted entries).
 *
 * Options (environment; the VM runner passes kernel command line words on):
 * FP_ANC_OPS (20000), FP_ANC_RUNS (5), FP_ANC_SECTIONS (abcde),
 * FP_ANC_MAX_DIRS (100000: the largest prefill and tree), FP_ANC_ICOUNT
 * (1: booted with -icount, said in the output). The process moves itself into
 * the memory cgroup /sys/fs/cgroup/fpab. Tables are printed between
 * ANC-TABLE-BEGIN and ANC-TABLE-END, then a kselftest Totals line.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "bench.h"
#include "fp_lib.h"		/* tools/lib */

#define TOP		"/tmp/fpab"
#define CG		"/sys/fs/cgroup/fpab"
#define MAX_CFG		32
#define MAX_GROUPS	4
#define MAX_FILES	64
#define WARMUP_OPS	1000
#define FANOUT		10

struct reader {
	int fan;
	long events;
};

/* Diagnostic configurations: parts of the cost of a hit. */
enum variant {
	VAR_NORMAL,
	VAR_ROOTS_ELSEWHERE,	/* subtree whose roots are on another tmpfs: no lookup */
	VAR_FOREIGN_WATCH,	/* floor, plus the cache's filesystem mark of another group */
};

struct cfg {
	char row[8];
	char name[96];
	const char *handler;	/* NULL: no group */
	char extra[32];		/* more handler arguments */
	int ngroups;
	int depth;		/* of the written directories below R/x (R/in if inside) */
	int nfiles;		/* directories written in turn, each a chain of its own */
	long prefill;		/* cached entries wanted before the runs */
	bool inside;		/* written files inside R: delivered, read by a reader */
	bool storm;		/* a rename storm runs beside the writes */
	enum variant variant;
	int floor;		/* the configuration to compare with; -1: none */
	char mnt[64];
	int fan[MAX_GROUPS];
	int fd[MAX_FILES];
	struct reader reader;
	double ns[BENCH_MAX_RUNS];
	double hits[BENCH_MAX_RUNS];	/* per operation */
	double walks[BENCH_MAX_RUNS];
	double read[BENCH_MAX_RUNS];	/* events read per operation */
	double off[BENCH_MAX_RUNS];	/* ns per operation the process was not running */
	__u64 entries;
};

#define ICOUNT_DESC	\
	"ns: CLOCK_MONOTONIC of a guest under QEMU -icount shift=0, guest ns = instructions under icount"

static const char *clock_desc = "ns: guest time (not instruction counting)";
static struct cfg cfgs[MAX_CFG];
static int ncfg;
static int dev = -1;

/* An empty file @dir/f; with @event, one FAN_MODIFY event on it (ftruncate). */
static int touch(const char *dir, bool event)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (event && ftruncate(fd, 0))
		ret = -errno;
	close(fd);
	return ret;
}

static int fan_group(const char *mnt, unsigned int flags)
{
	int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_UNLIMITED_QUEUE |
				FAN_CLOEXEC | flags, O_RDONLY);

	if (fan < 0)
		return -errno;
	if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_MODIFY, AT_FDCWD, mnt)) {
		int ret = -errno;

		close(fan);
		return ret;
	}
	return fan;
}

/* The cache counters summed over the groups of @c. */
static void cfg_query(struct cfg *c, __u64 *hits, __u64 *walks, __u64 *entries)
{
	struct fanotify_fastpath_info info;
	int g;

	*hits = 0;
	*walks = 0;
	*entries = 0;
	for (g = 0; g < c->ngroups && c->handler; g++) {
		if (fp_query(dev, c->fan[g], &info))
			continue;
		*hits += info.cache_hits;
		*walks += info.cache_walks;
		*entries += info.cache_entries;
	}
}

/* ---- a) to d): ns per pwrite ---------------------------------------------------------------- */

static struct cfg *add_cfg(const char *row, const char *name, const char *handler, int ngroups,
			   int depth, int floor)
{
	struct cfg *c = &cfgs[ncfg];

	memset(c, 0, sizeof(*c));
	snprintf(c->row, sizeof(c->row), "%s", row);
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->handler = handler;
	c->ngroups = handler ? ngroups : 0;
	c->depth = depth;
	c->nfiles = 1;
	c->floor = floor;
	c->reader.fan = -1;
	snprintf(c->mnt, sizeof(c->mnt), TOP "/%02d", ncfg);
	ncfg++;
	return c;
}

/* Read back the event of one write inside R (queued: the read does not block). */
static int read_back(struct reader *r)
{
	static char buf[4096];
	struct fanotify_event_metadata *ev = (void *)buf;
	ssize_t len = read(r->fan, buf, sizeof(buf));

	if (len < 0)
		return -errno;
	for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len))
		r->events++;
	return 0;
}

/* The @i-th write of a run on @c; inside R, its event read back. */
static int write_one(struct cfg *c, long i)
{
	if (pwrite(c->fd[i % c->nfiles], "x", 1, 0) != 1)
		return -errno;
	return c->inside ? read_back(&c->reader) : 0;
}

/* The directories and files of @c, its groups, a short warm-up, the prefill. */
static int cfg_setup(struct cfg *c)
{
	char root[96], path[PATH_MAX], other[96], args[256];
	int ret, g, i, k;
	long n;

	ret = bench_mount_tmpfs(c->mnt);
	if (!ret && c->storm)
		ret = bench_mount_tmpfs(TOP "/storm");
	if (ret)
		return ret;
	snprintf(root, sizeof(root), "%s/R", c->mnt);
	for (i = 0; i < c->nfiles; i++) {
		/* R/x/d1/d2/... or, for several files, R/x/c<i>/d2/... (chains of their own) */
		int len = snprintf(path, sizeof(path), "%s/%s", root, c->inside ? "in" : "x");

		for (k = 1; k <= c->depth; k++) {
			if (k == 1 && c->nfiles > 1)
				len += snprintf(path + len, sizeof(path) - len, "/c%d", i);
			else
				len += snprintf(path + len, sizeof(path) - len, "/d%d", k);
		}
		ret = bench_mkdirs(path);
		if (ret)
			return ret;
		snprintf(path + len, sizeof(path) - len, "/f");
		c->fd[i] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (c->fd[i] < 0)
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/x", root);
	ret = bench_mkdirs(path);
	if (ret)
		return ret;
	snprintf(args, sizeof(args), "root=%s exclude=%s/x%s", root, root, c->extra);
	if (c->variant != VAR_NORMAL) {
		/* A second tmpfs, MNT/other: R there, or the foreign group's mark. */
		snprintf(other, sizeof(other), "%s/other", c->mnt);
		ret = bench_mount_tmpfs(other);
		if (ret)
			return ret;
		if (c->variant == VAR_ROOTS_ELSEWHERE)
			snprintf(args, sizeof(args), "root=%s", other);
	}
	for (g = 0; g < c->ngroups; g++) {
		bool foreign = c->variant == VAR_FOREIGN_WATCH && g == 1;

		c->fan[g] = fan_group(foreign ? other : c->mnt, 0);
		if (c->fan[g] < 0)
			return c->fan[g];
		if (!strcmp(c->handler, "fptest") && !foreign)
			ret = fp_attach(dev, c->fan[g], "fptest", "ret=1");
		else
			ret = fp_attach(dev, c->fan[g], "subtree", args);
		if (ret)
			return ret;
	}
	c->reader.fan = c->fan[0];
	/* Warm-up: the written directories' answers are cached from here on. */
	for (i = 0; i < WARMUP_OPS; i++) {
		ret = write_one(c, i);
		if (ret)
			return ret;
	}
	/* Prefill: one event in each of prefill - 1 more directories R/x/pN. */
	for (n = 1; n < c->prefill; n++) {
		snprintf(path, sizeof(path), "%s/x/p%06ld", root, n);
		if (mkdir(path, 0755))
			return -errno;
		ret = touch(path, true);
		if (ret)
			return ret;
	}
	return 0;
}

static void cfg_teardown(struct cfg *c)
{
	int g, i;

	for (i = 0; i < c->nfiles; i++)
		if (c->fd[i] > 0)
			close(c->fd[i]);
	for (g = 0; g < c->ngroups; g++)
		if (c->fan[g] > 0)
			close(c->fan[g]);
	if (c->variant != VAR_NORMAL) {
		char path[96];

		snprintf(path, sizeof(path), "%s/other", c->mnt);
		umount2(path, MNT_DETACH);
	}
	if (c->storm)
		umount2(TOP "/storm", MNT_DETACH);
	umount2(c->mnt, MNT_DETACH);
}

/*
 * The rename storm of row a9 (see the header), in a child process until it is
 * killed: a thread would make the whole benchmark multi-threaded, and glibc's
 * system call wrappers then cost more in every row.
 */
static void storm_child(const char *mnt)
{
	char a[128], b[128], pa[128], pb[128], from[160], to[160];
	long i;

	snprintf(a, sizeof(a), TOP "/storm/a");
	snprintf(b, sizeof(b), TOP "/storm/b");
	mkdir(a, 0755);
	for (i = 0;; i++) {
		if (rename(a, b) || rename(b, a))
			_exit(1);
		snprintf(pa, sizeof(pa), "%s/p%ld", mnt, i);
		snprintf(pb, sizeof(pb), "%s/q%ld", mnt, i);
		snprintf(from, sizeof(from), "%s/x", pa);
		snprintf(to, sizeof(to), "%s/x", pb);
		if (mkdir(pa, 0755) || mkdir(pb, 0755) || mkdir(from, 0755) || rename(from, to))
			_exit(1);
		rmdir(to);
		rmdir(pa);
		rmdir(pb);
	}
}

/* Stop the storm: its child is killed; leftovers of its last step are removed. */
static void storm_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* Events queued in @c's first group (read without blocking, and counted). */
static long drain_count(struct cfg *c)
{
	struct reader r = { .fan = c->fan[0] };
	int fl = fcntl(r.fan, F_GETFL);

	fcntl(r.fan, F_SETFL, fl | O_NONBLOCK);
	while (!read_back(&r))
		;
	fcntl(r.fan, F_SETFL, fl);
	return r.events;
}

/* One run of @ops writes on @c, recorded as run @run (-1: the warm-up, not recorded). */
static int run_once(struct cfg *c, long ops, int run)
{
	pid_t storm = -1;
	__u64 h0, w0, h1, w1, entries;
	long i, r0 = c->reader.events;
	double t0, t1, c0, c1;
	int ret;

	/*
	 * Let what the previous run left behind (RCU callbacks freeing evicted
	 * entries, kworkers) finish while the guest idles: no run pays for
	 * another's. Under icount an idle guest costs no host time.
	 */
	usleep(50000);
	if (c->storm) {
		storm = fork();
		if (storm < 0)
			return -errno;
		if (!storm)
			storm_child(c->mnt);
	}
	cfg_query(c, &h0, &w0, &entries);
	c0 = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = bench_now_ns();
	for (i = 0; i < ops; i++) {
		ret = write_one(c, i);
		if (ret)
			return ret;
	}
	t1 = bench_now_ns();
	c1 = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	cfg_query(c, &h1, &w1, &c->entries);
	if (c->storm) {
		storm_stop(storm);
		c->reader.events += drain_count(c);
	}
	if (run < 0)
		return 0;
	c->ns[run] = (t1 - t0) / ops;
	c->off[run] = ((t1 - t0) - (c1 - c0)) / ops;
	c->hits[run] = (double)(h1 - h0) / ops;
	c->walks[run] = (double)(w1 - w0) / ops;
	c->read[run] = (double)(c->reader.events - r0) / ops;
	return 0;
}

/*
 * Wait until nothing else runs: chunks of 20,000 writes on @c (tens of ms,
 * several scheduler slices) until three in a row ran with less than 0.5% of
 * their time off the CPU (after boot, e.g., the crypto self-tests of
 * cryptomgr_test take half of the CPU for a second). Returns the guest
 * seconds waited.
 */
static double wait_quiet(struct cfg *c)
{
	double t0 = bench_now_ns();
	int quiet = 0;

	while (quiet < 3 && bench_now_ns() - t0 < 60e9) {
		if (run_once(c, 20000, 0))
			break;
		quiet = c->off[0] < c->ns[0] * 0.005 ? quiet + 1 : 0;
	}
	return (bench_now_ns() - t0) / 1e9;
}

/* The ratios to "none" and to the floor with more digits, for comparing boots. */
static void print_ratio_lines(int runs, int none)
{
	int i, pick;

	/* row, then to none and to the floor: of the medians (pick 0), of the minima (-1) */
	for (i = 0; i < ncfg; i++) {
		printf("# RATIO anc-%s", cfgs[i].row);
		for (pick = 0; pick >= -1; pick--) {
			double v = bench_stat(cfgs[i].ns, runs, pick);
			double base = bench_stat(cfgs[none].ns, runs, pick);
			double fl = cfgs[i].floor >= 0 ?
				    bench_stat(cfgs[cfgs[i].floor].ns, runs, pick) : 0;

			printf(" %.5f %.5f", v / base, fl ? v / fl : 0);
		}
		printf("\n");
	}
}

static void print_runs_table(int runs, int none)
{
	double base = bench_stat(cfgs[none].ns, runs, 0);
	int i;

	printf("# | row | configuration | ns/op median | min | spread | ns vs none | ");
	printf("ratio to floor | ns vs floor | hits/op | walks/op | entries | off-CPU max |\n");
	printf("# | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
	printf(" ---: |\n");
	for (i = 0; i < ncfg; i++) {
		struct cfg *c = &cfgs[i];
		double med = bench_stat(c->ns, runs, 0), lo = bench_stat(c->ns, runs, -1);
		double spread = (bench_stat(c->ns, runs, 1) - lo) / med * 100;
		double off[BENCH_MAX_RUNS];
		int run;

		for (run = 0; run < runs; run++)
			off[run] = c->off[run] / c->ns[run] * 100;

		printf("# | %s | %s", c->row, c->name);
		if (c->inside || c->storm)
			printf(" (events read/op %.2f)", bench_stat(c->read, runs, 0));
		printf(" | %.0f | %.0f | %.2f%% | %+.0f |", med, lo, spread, med - base);
		if (c->floor >= 0 && c->floor != i) {
			double fl = bench_stat(cfgs[c->floor].ns, runs, 0);

			printf(" %.3f | %+.0f |", med / fl, med - fl);
		} else {
			printf(" %s | - |", c->floor == i ? "1.000" : "-");
		}
		if (c->handler && strcmp(c->handler, "fptest"))
			printf(" %.3f | %.3f | %llu |", bench_stat(c->hits, runs, 0),
			       bench_stat(c->walks, runs, 0), (unsigned long long)c->entries);
		else
			printf(" - | - | - |");
		printf(" %.2f%% |\n", bench_stat(off, runs, 1));
	}
}

static int bench_runs(const char *sections, long ops, int runs, long max_dirs)
{
	static const int depths[] = { 1, 8, 32, 64 };
	static const long sizes[] = { 1, 1000, 10000, 100000 };
	int none, floor1, floors[MAX_GROUPS + 1], i, run, ret = 0;
	char row[8], name[96];
	struct cfg *c;

	ncfg = 0;
	none = ncfg;
	add_cfg("a0", "no group", NULL, 0, 1, -1);
	floor1 = ncfg;
	c = add_cfg("a1", "floor: fptest ret=1 (drops every event)", "fptest", 1, 1, ncfg);
	cfgs[none].floor = floor1;
	floors[1] = floor1;
	if (strchr(sections, 'a')) {
		for (i = 0; i < 4; i++) {
			snprintf(row, sizeof(row), "a%d", i + 2);
			snprintf(name, sizeof(name), "subtree, hit at depth %d (outside)",
				 depths[i]);
			add_cfg(row, name, "subtree", 1, depths[i], floor1);
		}
		c = add_cfg("a6", "subtree, delivered: inside R, depth 8, each event read back",
			    "subtree", 1, 8, floor1);
		c->inside = true;
		c = add_cfg("a7", "part of a hit: subtree with its roots on another tmpfs",
			    "subtree", 1, 8, floor1);
		c->variant = VAR_ROOTS_ELSEWHERE;
		c = add_cfg("a8",
			    "part of a hit: floor + another group's cache watching this tmpfs",
			    "fptest", 2, 8, floor1);
		c->variant = VAR_FOREIGN_WATCH;
		c = add_cfg("a9", "subtree, hit at depth 8 (outside) during a rename storm",
			    "subtree", 1, 8, floor1);
		c->storm = true;
	}
	if (strchr(sections, 'b')) {
		for (i = 0; i < 4 && sizes[i] <= max_dirs; i++) {
			snprintf(row, sizeof(row), "b%d", i + 1);
			snprintf(name, sizeof(name),
				 "subtree, hit, %ld directories cached (cache=200000)", sizes[i]);
			c = add_cfg(row, name, "subtree", 1, 1, floor1);
			c->prefill = sizes[i];
			snprintf(c->extra, sizeof(c->extra), " cache=200000");
		}
	}
	if (strchr(sections, 'c')) {
		for (i = 2; i <= MAX_GROUPS; i++) {
			snprintf(row, sizeof(row), "c%df", i);
			snprintf(name, sizeof(name), "floor with %d groups (fptest ret=1 on each)",
				 i);
			floors[i] = ncfg;
			add_cfg(row, name, "fptest", i, 8, ncfg);
		}
		for (i = 1; i <= MAX_GROUPS; i++) {
			snprintf(row, sizeof(row), "c%d", i);
			snprintf(name, sizeof(name), "%d group(s) with subtree, hit at depth 8", i);
			add_cfg(row, name, "subtree", i, 8, floors[i]);
		}
	}
	if (strchr(sections, 'd')) {
		for (i = 0; i < 2; i++) {
			snprintf(row, sizeof(row), "d%d", i + 1);
			snprintf(name, sizeof(name),
				 "subtree, misses: cache=16, 64 directories at depth %d in turn",
				 i ? 64 : 8);
			c = add_cfg(row, name, "subtree", 1, i ? 64 : 8, floor1);
			c->nfiles = MAX_FILES;
			snprintf(c->extra, sizeof(c->extra), " cache=16");
		}
	}

	for (i = 0; i < ncfg && !ret; i++) {
		double t0 = bench_now_ns();

		ret = cfg_setup(&cfgs[i]);
		if (ret)
			printf("# setup of %s (%s) failed: %s\n", cfgs[i].row, cfgs[i].name,
			       strerror(-ret));
		else
			printf("# set up %s in %.1f guest s\n", cfgs[i].row,
			       (bench_now_ns() - t0) / 1e9);
		fflush(stdout);
	}
	if (!ret)
		printf("# waited %.1f guest s for a quiet guest\n", wait_quiet(&cfgs[none]));
	/*
	 * run -1: a warm-up round, not counted. The first full run of the
	 * misses (d1) cost 2.5% more than the others: its evictions grow the
	 * entries' slab, which the later runs reuse.
	 */
	for (run = -1; run < runs && !ret; run++) {
		for (i = 0; i < ncfg && !ret; i++) {
			c = &cfgs[i];
			ret = run_once(c, ops, run);
			if (ret) {
				printf("# run %d of %s failed: %s\n", run, c->row, strerror(-ret));
				break;
			}
		}
	}
	for (run = 0; run < runs && !ret; run++)
		for (i = 0; i < ncfg; i++) {
			c = &cfgs[i];
			printf("# run %d %-4s %8.0f ns/op %6.0f off-CPU", run, c->row, c->ns[run],
			       c->off[run]);
			printf(" %.3f hits/op %.3f walks/op\n", c->hits[run], c->walks[run]);
		}
	if (!ret) {
		printf("# ANC-TABLE-BEGIN\n");
		printf("# Per pwrite(fd, \"x\", 1, 0) (one FAN_MODIFY event), %ld ops per run, ",
		       ops);
		printf("%d runs per configuration, interleaved; %s.\n#\n", runs, clock_desc);
		print_runs_table(runs, none);
		printf("# ANC-TABLE-END\n");
		print_ratio_lines(runs, none);
	}
	for (i = 0; i < ncfg; i++)
		cfg_teardown(&cfgs[i]);
	return ret;
}

/* ---- e) attach time and memory against inotify -r ---------------------------------------- */

/* A value of the cgroup's memory.stat, bytes; -1 if absent. */
static long long cg_stat(const char *key)
{
	char line[256];
	long long v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen(CG "/memory.stat", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = atoll(line + kl + 1);
	if (f)
		fclose(f);
	return v;
}

/* SUnreclaim of /proc/meminfo in bytes, after folding the per-CPU counters. */
static long long sunreclaim(void)
{
	char line[256];
	long long kb = -1;
	FILE *f;

	bench_write_file("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "SUnreclaim:", 11))
			kb = atoll(line + 11);
	if (f)
		fclose(f);
	return kb * 1024;
}

struct mem {
	long long slab, kernel, sunreclaim;
};

/* Memory now: after RCU callbacks ran and memcg statistics were flushed (every 2 s). */
static void mem_now(struct mem *m)
{
	sleep(3);
	m->slab = cg_stat("slab_unreclaimable");
	m->kernel = cg_stat("kernel");
	m->sunreclaim = sunreclaim();
}

struct tree_result {
	long dirs;
	double attach_ns, fill_ns, hit_ns;	/* per directory for fill and hit */
	double attach_default_ns;		/* attach at the default cap */
	struct mem attach_default;
	__u64 entries;
	struct mem attach, fill, fp;		/* deltas: attach, passes, both */
	double walk_ns;
	long watches;
	struct mem ino;
};

static char (*tree_paths)[128];
static long tree_n;

/* Directory i > 0 is child (i - 1) % FANOUT of directory (i - 1) / FANOUT. */
static int make_tree(const char *top, long n)
{
	long i;
	int ret;

	free(tree_paths);
	tree_paths = calloc(n, sizeof(*tree_paths));
	if (!tree_paths)
		return -ENOMEM;
	tree_n = n;
	snprintf(tree_paths[0], sizeof(tree_paths[0]), "%s", top);
	ret = bench_mkdirs(top);
	for (i = 0; i < n && !ret; i++) {
		if (i) {
			const char *parent = tree_paths[(i - 1) / FANOUT];
			size_t len = strlen(parent);

			/* parent + "/" + one digit (FANOUT is 10) */
			if (len + 3 > sizeof(tree_paths[0])) {
				ret = -ENAMETOOLONG;
				break;
			}
			memcpy(tree_paths[i], parent, len);
			tree_paths[i][len] = '/';
			tree_paths[i][len + 1] = '0' + (i - 1) % FANOUT;
			tree_paths[i][len + 2] = 0;
			if (mkdir(tree_paths[i], 0755))
				ret = -errno;
		}
		if (!ret)
			ret = touch(tree_paths[i], false);
	}
	return ret;
}

static void drain(int fan)
{
	static char buf[65536];

	while (read(fan, buf, sizeof(buf)) > 0)
		;
}

/* One event in every directory of the tree; returns ns per directory (queue read untimed). */
static double tree_pass(int fan, int *err)
{
	double total = 0, t0;
	long i = 0, end;
	int ret = 0;

	while (i < tree_n && !ret) {
		end = i + 1024 < tree_n ? i + 1024 : tree_n;
		t0 = bench_now_ns();
		for (; i < end && !ret; i++)
			ret = touch(tree_paths[i], true);
		total += bench_now_ns() - t0;
		drain(fan);
	}
	*err = ret;
	return total / tree_n;
}

/*
 * What a watcher of changes asks for. Not IN_ALL_EVENTS: the walk's own
 * opendir/readdir/closedir would queue IN_OPEN, IN_ACCESS and IN_CLOSE_NOWRITE
 * events, whose memory would count as the watches'.
 */
#define INOTIFY_MASK	(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVE | IN_CREATE | \
			 IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)

static int inotify_fd = -1;
static long inotify_watches;

static int add_watch(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type != FTW_D)
		return 0;
	if (inotify_add_watch(inotify_fd, path, INOTIFY_MASK) < 0)
		return -errno;
	inotify_watches++;
	return 0;
}

static void mem_delta(struct mem *d, const struct mem *a, const struct mem *b)
{
	d->slab = b->slab - a->slab;
	d->kernel = b->kernel - a->kernel;
	d->sunreclaim = b->sunreclaim - a->sunreclaim;
}

static int bench_tree(long n, struct tree_result *r)
{
	struct fanotify_fastpath_info info;
	char mnt[64], top[80], args[160];
	struct mem m0, ma, m1, m2;
	double t0;
	int fan, ret;

	memset(r, 0, sizeof(*r));
	r->dirs = n;
	snprintf(mnt, sizeof(mnt), TOP "/tree%ld", n);
	snprintf(top, sizeof(top), "%s/t", mnt);
	ret = bench_mount_tmpfs(mnt) ?: make_tree(top, n);
	if (ret)
		return ret;

	/* The attach at the default cap (cache_max), then the measured one with cache=n. */
	fan = fan_group(mnt, FAN_NONBLOCK);
	if (fan < 0)
		return fan;
	snprintf(args, sizeof(args), "root=%s", top);
	mem_now(&m0);
	t0 = bench_now_ns();
	ret = fp_attach(dev, fan, "subtree", args);
	r->attach_default_ns = bench_now_ns() - t0;
	mem_now(&ma);
	mem_delta(&r->attach_default, &m0, &ma);
	close(fan);
	if (ret)
		return ret;
	fan = fan_group(mnt, FAN_NONBLOCK);
	if (fan < 0)
		return fan;
	mem_now(&m0);
	snprintf(args, sizeof(args), "root=%s cache=%ld", top, n);
	t0 = bench_now_ns();
	ret = fp_attach(dev, fan, "subtree", args);
	r->attach_ns = bench_now_ns() - t0;
	mem_now(&ma);
	if (!ret)
		r->fill_ns = tree_pass(fan, &ret);
	if (!ret)
		r->hit_ns = tree_pass(fan, &ret);
	if (!ret)
		ret = fp_query(dev, fan, &info);
	if (!ret) {
		r->entries = info.cache_entries;
		mem_now(&m1);
		mem_delta(&r->attach, &m0, &ma);
		mem_delta(&r->fill, &ma, &m1);
		mem_delta(&r->fp, &m0, &m1);
	}
	close(fan);
	if (ret)
		return ret;

	inotify_fd = inotify_init1(IN_CLOEXEC);
	if (inotify_fd < 0)
		return -errno;
	inotify_watches = 0;
	mem_now(&m1);
	t0 = bench_now_ns();
	ret = nftw(top, add_watch, 64, FTW_PHYS);
	r->walk_ns = bench_now_ns() - t0;
	if (ret == -1)
		ret = -errno;
	r->watches = inotify_watches;
	mem_now(&m2);
	mem_delta(&r->ino, &m1, &m2);
	close(inotify_fd);
	inotify_fd = -1;
	umount2(mnt, MNT_DETACH);
	return ret;
}

static void print_tree_tables(struct tree_result *r, int n)
{
	long cache_max = -1;
	char line[32];
	FILE *f;
	int i;

	f = fopen("/sys/module/fanotify_fastpath/parameters/cache_max", "r");
	if (f && fgets(line, sizeof(line), f))
		cache_max = atol(line);
	if (f)
		fclose(f);

	printf("# Ancestry cache: fp_attach of subtree with root=TREE at the default cap ");
	printf("(cache_max) and with cache=<directories>, then (the latter) one event in every ");
	printf("directory; memory: deltas of the attacher's memory cgroup and of SUnreclaim; ");
	printf("%s\n#\n", clock_desc);
	printf("# | directories | attach ns, cache_max=%ld | attach KiB, cache_max | ", cache_max);
	printf("attach ns, cache=dirs | attach KiB, cache=dirs | entries | ");
	printf("first event - hit ns | entries: memcg slab B/entry | SUnreclaim B/entry | ");
	printf("attach + entries: memcg kernel B/dir |\n");
	printf("# | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < n; i++) {
		double e = r[i].entries ? r[i].entries : 1;

		printf("# | %ld | %.0f | %.1f | %.0f | %.1f | %llu | %.0f |", r[i].dirs,
		       r[i].attach_default_ns, r[i].attach_default.kernel / 1024.0, r[i].attach_ns,
		       r[i].attach.kernel / 1024.0, (unsigned long long)r[i].entries,
		       r[i].fill_ns - r[i].hit_ns);
		printf(" %.0f | %.0f | %.0f |\n", r[i].fill.slab / e, r[i].fill.sunreclaim / e,
		       r[i].fp.kernel / e);
	}
	printf("#\n# inotify, one watch per directory ");
	printf("(nftw + inotify_add_watch, as inotifywait -r; ");
	printf("mask: modify, attrib, close_write, moves, create, delete, *_self)\n");
	printf("#\n# | directories | walk ns | walk ns/dir | watches | memcg slab B/watch | ");
	printf("memcg kernel B/watch | SUnreclaim B/watch |\n");
	printf("# | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < n; i++) {
		double w = r[i].watches ? r[i].watches : 1;

		printf("# | %ld | %.0f | %.0f | %ld | %.0f | %.0f | %.0f |\n", r[i].dirs,
		       r[i].walk_ns, r[i].walk_ns / w, r[i].watches, r[i].ino.slab / w,
		       r[i].ino.kernel / w, r[i].ino.sunreclaim / w);
	}
	printf("#\n# inotify watches also pin every directory's inode (~1 KB each: struct inode ");
	printf("and the filesystem's part), which the cache does not; on tmpfs every inode\n");
	printf("# stays in memory anyway, so the deltas above do not show it.\n");
}

static int bench_trees(long max_dirs)
{
	static const long sizes[] = { 1000, 10000, 100000 };
	struct tree_result r[3];
	int i, n = 0, ret = 0;

	for (i = 0; i < 3 && sizes[i] <= max_dirs && !ret; i++) {
		double t0 = bench_now_ns();

		ret = bench_tree(sizes[i], &r[i]);
		if (ret) {
			printf("# tree of %ld directories failed: %s\n", sizes[i], strerror(-ret));
			break;
		}
		n++;
		printf("# tree %ld: attach %.0f ns (default cap %.0f), %llu entries, ", sizes[i],
		       r[i].attach_ns, r[i].attach_default_ns, (unsigned long long)r[i].entries);
		printf("fill %.0f ns/dir, ", r[i].fill_ns);
		printf("hit %.0f ns/dir, inotify %.0f ns (%.1f guest s in all)\n", r[i].hit_ns,
		       r[i].walk_ns, (bench_now_ns() - t0) / 1e9);
		fflush(stdout);
	}
	if (n) {
		printf("# ANC-TABLE-BEGIN\n");
		print_tree_tables(r, n);
		printf("# ANC-TABLE-END\n");
	}
	free(tree_paths);
	tree_paths = NULL;
	return ret;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void print_env(long ops, int runs, bool icount)
{
	bench_print_env(icount);
	printf("# %ld ops per run, %d runs per configuration\n", ops, runs);
	if (icount)
		clock_desc = ICOUNT_DESC;
}

/* The memory cgroup whose statistics e) reads; the process moves into it. */
static int enter_cgroup(void)
{
	int ret;

	ret = bench_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (ret)
		return ret;
	if (mkdir(CG, 0755) && errno != EEXIST)
		return -errno;
	return bench_write_file(CG "/cgroup.procs", "0");
}

int main(void)
{
	long ops = bench_env_long("FP_ANC_OPS", 20000, 100, 10000000);
	int runs = bench_env_long("FP_ANC_RUNS", 5, 1, BENCH_MAX_RUNS);
	long max_dirs = bench_env_long("FP_ANC_MAX_DIRS", 100000, 1000, 100000);
	bool icount = bench_env_long("FP_ANC_ICOUNT", 0, 0, 1);
	const char *sections = getenv("FP_ANC_SECTIONS");
	struct rlimit rl = { 4096, 4096 };
	double t0 = bench_now_ns();
	int ret;

	if (!sections || !*sections)
		sections = "abcde";
	printf("TAP version 13\n1..1\n");
	print_env(ops, runs, icount);
	setrlimit(RLIMIT_NOFILE, &rl);
	bench_write_file("/proc/sys/fs/inotify/max_user_watches", "1048576");
	ret = enter_cgroup();
	if (ret)
		printf("# memory cgroup %s: %s (memcg columns will be wrong)\n", CG,
		       strerror(-ret));
	dev = fp_open_dev();
	ret = dev < 0 ? -errno : 0;
	if (!ret)
		ret = fp_ensure_loaded("fp_subtree") ?: fp_ensure_loaded("fp_test_handler");
	if (ret) {
		printf("# setup failed: %s\n", strerror(-ret));
		goto out;
	}
	if (strpbrk(sections, "abcd"))
		ret = bench_runs(sections, ops, runs, max_dirs);
	if (!ret && strchr(sections, 'e'))
		ret = bench_trees(max_dirs);
	printf("# guest time of the whole benchmark: %.1f s\n", (bench_now_ns() - t0) / 1e9);
out:
	if (dev >= 0)
		close(dev);
	printf("%s 1 fp_anc_bench\n", ret ? "not ok" : "ok");
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", !ret, !!ret);
	return ret ? 1 : 0;
}
