// SPDX-License-Identifier: GPL-2.0
/*
 * fp_bench: what a subtree filter in the kernel saves a filesystem-wide
 * fanotify watcher, against the floor of the design and the tools users
 * would pick instead. Run by "make bench" (scripts/bench.sh) in the test VM,
 * by default under QEMU instruction counting (guest ns = instructions, so
 * the numbers repeat across boots and do not depend on the host's load).
 * Prints numbers and asserts nothing about speed.
 *
 * Every run mounts a tmpfs of its own on /tmp/fpb with a tree made before
 * any watcher starts: 16 directories outside the subtree /tmp/fpb/root and
 * 4 inside it. Filesystem-wide groups mark only that tmpfs.
 *
 * Table 1, notification events. Workload (main thread): OPS file
 * lifecycles, each open(O_CREAT) + write(64 bytes) + close + unlink, four
 * events (create, modify, close_write, delete); INSIDE percent of them in
 * the subtree's directories, the rest spread over the outside ones.
 * Configurations (rows):
 *   none        no watcher
 *   fsnotify floor  a filesystem mark whose ignore mask equals its mask:
 *               fsnotify drops every event before any group code runs
 *   our floor   a filesystem-wide group with the "fptest ret=1" handler,
 *               which drops every event without looking at it (the hook's
 *               own cost)
 *   subtree C / BPF  the group with the subtree handler (C: root=ROOT; BPF:
 *               subtree_bpf and FAN_FP_IOC_SET_ROOT), with a reader that
 *               resolves every event's path (open_by_handle_at + readlink,
 *               what a correct fid-mode watcher does), or that only drains
 *   userspace   the group without a handler; the reader resolves every
 *               event and keeps those under the root
 *   inotify     one watch per directory of the subtree (what "inotifywait
 *               -r" sets up); the reader builds each event's path
 *   inode marks a fanotify group with an inode mark (FAN_EVENT_ON_CHILD) on
 *               every directory of the subtree; the reader resolves
 * Groups report FAN_REPORT_DFID_NAME with an unlimited queue, for create,
 * delete, modify, close_write and moves, on directories too. A reader stops
 * at the event of a marker file the workload creates in the root when it is
 * done, so a run's time includes reading everything it produced.
 *
 * Table 2, permission events. Workload: OPS open(O_RDONLY) + close of
 * existing files, INSIDE percent inside. Rows: no group; a filesystem-wide
 * FAN_OPEN_PERM group whose responder allows everything; the same with the
 * subtree handler (C, BPF) attached with FAN_FP_ATTACH_PERM_SKIP_ALLOWS,
 * where the kernel allows outside the subtree without asking.
 *
 * The guest has one CPU: the watcher and the workload share it, so a run's
 * time is their whole cost. Every configuration runs RUNS times, interleaved,
 * after a warm-up round; each run starts after 50 ms of idle (what the
 * previous run left, such as RCU callbacks, runs then). Reported: median
 * ops/s, the ratio to "none" and to our floor, the difference per event to
 * both (ns; instructions under icount), the spread ((max - min) / median of
 * the runs), workload and reader CPU time, events read and kept, round trips.
 * "# RATIO" lines give the ratios of the medians and of the minima with more
 * digits, for comparing boots (scripts/bench.sh --boots 2).
 *
 * Options (environment; the VM runner passes kernel command line words on):
 * FP_BENCH_OPS (20000), FP_BENCH_RUNS (5), FP_BENCH_INSIDE (percent, 5),
 * FP_BENCH_ICOUNT (1: booted with -icount, said in the output),
 * FP_BENCH_ROWS (the rows to run, by id, comma-separated: e.g.
 * "fsfloor,floor"; "none" and "floor", or "perm-none" and "perm-allow", the
 * references, always run with their table's rows; default: all). Tables are
 * printed between BENCH-TABLE-BEGIN and BENCH-TABLE-END, then a kselftest
 * Totals line.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "fp_lib.h"		/* tools/lib */
#include "subtree.skel.h"	/* generated from selftests/bpf/subtree.bpf.c */

#define TOP		"/tmp/fpb"
#define ROOT		TOP "/root"
#define MARKER		"fpb.stop"
#define NR_OUT_DIRS	16
#define NR_IN_DIRS	4
#define NR_DIRS		(NR_OUT_DIRS + NR_IN_DIRS)
#define EVENTS_PER_OP	4

#define EVENTS		(FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_CLOSE_WRITE | \
			 FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR)
#define IN_EVENTS	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | \
			 IN_MOVED_FROM | IN_MOVED_TO)

enum kind {
	K_NONE, K_IGNORE, K_FLOOR, K_C, K_BPF, K_USER, K_INOTIFY, K_INODE_MARKS,
	K_PERM_NONE, K_PERM_ALLOW, K_PERM_C, K_PERM_BPF,
};

enum reader_mode { R_NONE, R_RESOLVE, R_DRAIN, R_RESPOND };

struct cfg {
	const char *id;		/* short, for the RATIO lines */
	const char *name;
	enum kind kind;
	enum reader_mode mode;
	bool skip;		/* not in FP_BENCH_ROWS */
	double ns[BENCH_MAX_RUNS];	/* per operation, until everything was read */
	double work_cpu[BENCH_MAX_RUNS];	/* ms */
	double reader_cpu[BENCH_MAX_RUNS];	/* ms */
	double read[BENCH_MAX_RUNS];	/* events read (permission: round trips) */
	double kept[BENCH_MAX_RUNS];
};

#define ROW(i, n, k, m)	{ .id = (i), .name = (n), .kind = (k), .mode = (m) }

static struct cfg cfgs[] = {
	ROW("none", "none (no watcher)", K_NONE, R_NONE),
	ROW("fsfloor", "fsnotify floor: filesystem mark, ignore mask = mask", K_IGNORE, R_NONE),
	ROW("floor", "our floor: hook + handler dropping everything (fptest ret=1)",
	    K_FLOOR, R_NONE),
	ROW("c", "subtree C, reader resolves paths", K_C, R_RESOLVE),
	ROW("c-drain", "subtree C, reader only drains", K_C, R_DRAIN),
	ROW("bpf", "subtree BPF, reader resolves paths", K_BPF, R_RESOLVE),
	ROW("bpf-drain", "subtree BPF, reader only drains", K_BPF, R_DRAIN),
	ROW("user", "userspace filter: every event resolved", K_USER, R_RESOLVE),
	ROW("inotify", "inotify, one watch per subtree directory", K_INOTIFY, R_RESOLVE),
	ROW("inode", "fanotify inode marks on the subtree's directories", K_INODE_MARKS, R_RESOLVE),
	ROW("perm-none", "none (no group)", K_PERM_NONE, R_NONE),
	ROW("perm-allow", "FAN_OPEN_PERM group, responder allows all", K_PERM_ALLOW, R_RESPOND),
	ROW("perm-c", "the same + subtree C, PERM_SKIP_ALLOWS", K_PERM_C, R_RESPOND),
	ROW("perm-bpf", "the same + subtree BPF, PERM_SKIP_ALLOWS", K_PERM_BPF, R_RESPOND),
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_CFG		((int)ARRAY_SIZE(cfgs))
#define FIRST_PERM	10

static inline bool is_perm(const struct cfg *c)
{
	return c->kind >= K_PERM_NONE;
}

/* One run's watcher: a fanotify or inotify fd and the thread reading it. */
struct watcher {
	const struct cfg *cfg;
	int fd, mnt;
	pthread_t thread;
	char wd_path[NR_DIRS + 2][64];	/* inotify: wd -> directory */
	ino_t marker_ino;		/* permission: the marker file's inode */
	int stopping;			/* permission: the marker is being opened */
	long read, kept;
	double cpu_ms, done_ns;
	int error;
};

static char dirs[NR_DIRS][64];	/* outside ones first */
static int dev = -1;

static double thread_cpu_ms(void)
{
	return bench_clock_ns(CLOCK_THREAD_CPUTIME_ID) / 1e6;
}

/* Resolve one DFID_NAME record to "DIR/NAME" (what a watcher has to do per event). */
static bool resolve(int mnt, struct fanotify_event_info_fid *fid, char *path, size_t size)
{
	struct file_handle *fh = (void *)fid->handle;
	const char *name = (const char *)(fh + 1) + fh->handle_bytes;
	char link[64], dir[PATH_MAX];
	ssize_t len;
	int fd;

	fd = open_by_handle_at(mnt, fh, O_PATH);
	if (fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, dir, sizeof(dir) - 1);
	close(fd);
	if (len <= 0)
		return false;
	dir[len] = 0;
	snprintf(path, size, "%s/%s", dir, name);
	return true;
}

static bool fid_name_is(struct fanotify_event_info_fid *fid, const char *name)
{
	struct file_handle *fh = (void *)fid->handle;

	return !strcmp((const char *)(fh + 1) + fh->handle_bytes, name);
}

static union {
	struct fanotify_event_metadata md;
	struct inotify_event in;
	char b[65536];
} rbuf;	/* aligned for the 64-bit member of the metadata */

/* Returns true at the marker's event. */
static bool fan_event(struct watcher *w, struct fanotify_event_metadata *ev)
{
	struct fanotify_event_info_fid *fid = (void *)(ev + 1);
	char path[PATH_MAX + 256];

	if (ev->fd >= 0)
		close(ev->fd);
	if (ev->event_len <= sizeof(*ev) || fid->hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME)
		return false;
	if (w->cfg->mode == R_DRAIN) {
		w->kept++;
		return fid_name_is(fid, MARKER);
	}
	if (!resolve(w->mnt, fid, path, sizeof(path)) || strncmp(path, ROOT "/", strlen(ROOT) + 1))
		return false;
	w->kept++;
	return !strcmp(path, ROOT "/" MARKER);
}

static bool inotify_event(struct watcher *w, struct inotify_event *ev)
{
	char path[PATH_MAX];

	if (ev->wd < 0 || ev->wd >= NR_DIRS + 2 || !ev->len)
		return false;
	snprintf(path, sizeof(path), "%s/%s", w->wd_path[ev->wd], ev->name);
	if (strncmp(path, ROOT "/", strlen(ROOT) + 1))
		return false;
	w->kept++;
	return !strcmp(path, ROOT "/" MARKER);
}

/* Answer FAN_ALLOW; true at the marker's event (once the workload is done). */
static bool perm_event(struct watcher *w, struct fanotify_event_metadata *ev)
{
	struct fanotify_response resp = { .fd = ev->fd, .response = FAN_ALLOW };
	struct stat st;
	bool done = false;

	if (ev->fd < 0)
		return false;
	if (write(w->fd, &resp, sizeof(resp)) != sizeof(resp))
		w->error = errno;
	w->kept++;
	if (__atomic_load_n(&w->stopping, __ATOMIC_ACQUIRE) && !fstat(ev->fd, &st))
		done = st.st_ino == w->marker_ino;
	close(ev->fd);
	return done;
}

static void *reader_fn(void *p)
{
	struct watcher *w = p;
	bool done = false;

	while (!done) {
		ssize_t len = read(w->fd, rbuf.b, sizeof(rbuf.b));
		char *pos = rbuf.b;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			w->error = errno;
			break;
		}
		if (w->cfg->kind == K_INOTIFY) {
			while (pos < rbuf.b + len) {
				struct inotify_event *ev = (void *)pos;

				w->read++;
				done |= inotify_event(w, ev);
				pos += sizeof(*ev) + ev->len;
			}
			continue;
		}
		for (struct fanotify_event_metadata *ev = &rbuf.md; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			w->read++;
			done |= w->cfg->mode == R_RESPOND ? perm_event(w, ev) : fan_event(w, ev);
		}
	}
	w->done_ns = bench_now_ns();
	w->cpu_ms = thread_cpu_ms();
	return NULL;
}

/* The tree of a run, on a fresh tmpfs: directories, and for permission runs a file in each. */
static int make_tree(bool files)
{
	char path[128];
	int i, fd, ret;

	ret = bench_mount_tmpfs(TOP);
	if (ret)
		return ret;
	if (mkdir(TOP "/out", 0755) || mkdir(ROOT, 0755))
		return -errno;
	for (i = 0; i < NR_DIRS; i++) {
		if (i < NR_OUT_DIRS)
			snprintf(dirs[i], sizeof(dirs[i]), TOP "/out/o%d", i);
		else
			snprintf(dirs[i], sizeof(dirs[i]), ROOT "/i%d", i - NR_OUT_DIRS);
		if (mkdir(dirs[i], 0755))
			return -errno;
		snprintf(path, sizeof(path), "%s/f", dirs[i]);
		fd = files ? open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) : 0;
		if (fd < 0)
			return -errno;
		if (files)
			close(fd);
	}
	fd = files ? open(ROOT "/" MARKER, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) : 0;
	if (fd < 0)
		return -errno;
	if (files)
		close(fd);
	return 0;
}

static int fan_mark(int fan, unsigned int flags, __u64 mask, const char *path)
{
	return fanotify_mark(fan, FAN_MARK_ADD | flags, mask, AT_FDCWD, path) ? -errno : 0;
}

/* The watcher of @c's kind, set up on the tree; its reader thread not started yet. */
static int watcher_setup(struct watcher *w)
{
	enum kind k = w->cfg->kind;
	unsigned int skip = is_perm(w->cfg) ? FAN_FP_ATTACH_PERM_SKIP_ALLOWS : 0;
	struct stat st;
	int i, wd, ret = 0;

	if (k == K_NONE || k == K_PERM_NONE)
		return 0;
	if (k == K_INOTIFY) {
		w->fd = inotify_init1(IN_CLOEXEC);
		if (w->fd < 0)
			return -errno;
		/* The root, then the subtree's directories. */
		for (i = NR_OUT_DIRS - 1; i < NR_DIRS; i++) {
			const char *d = i < NR_OUT_DIRS ? ROOT : dirs[i];

			wd = inotify_add_watch(w->fd, d, IN_EVENTS);
			if (wd < 0 || wd >= NR_DIRS + 2)
				return wd < 0 ? -errno : -ERANGE;
			snprintf(w->wd_path[wd], sizeof(w->wd_path[wd]), "%s", d);
		}
		return 0;
	}
	if (is_perm(w->cfg)) {
		if (stat(ROOT "/" MARKER, &st))
			return -errno;
		w->marker_ino = st.st_ino;
		w->fd = fanotify_init(FAN_CLASS_CONTENT | FAN_UNLIMITED_QUEUE | FAN_CLOEXEC,
				      O_RDONLY | O_CLOEXEC);
		if (w->fd < 0)
			return -errno;
		ret = fan_mark(w->fd, FAN_MARK_FILESYSTEM, FAN_OPEN_PERM, TOP);
	} else {
		w->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME |
				      FAN_UNLIMITED_QUEUE | FAN_CLOEXEC, O_RDONLY);
		if (w->fd < 0)
			return -errno;
		w->mnt = open(TOP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (w->mnt < 0)
			return -errno;
		if (k == K_INODE_MARKS) {
			ret = fan_mark(w->fd, 0, EVENTS | FAN_EVENT_ON_CHILD, ROOT);
			for (i = NR_OUT_DIRS; i < NR_DIRS && !ret; i++)
				ret = fan_mark(w->fd, 0, EVENTS | FAN_EVENT_ON_CHILD, dirs[i]);
			return ret;
		}
		ret = fan_mark(w->fd, FAN_MARK_FILESYSTEM, EVENTS, TOP);
	}
	if (ret)
		return ret;
	switch (k) {
	case K_IGNORE:
		return fan_mark(w->fd, FAN_MARK_FILESYSTEM | FAN_MARK_IGNORE_SURV, EVENTS, TOP);
	case K_FLOOR:
		return fp_attach(dev, w->fd, "fptest", "ret=1");
	case K_C:
	case K_PERM_C:
		return fp_attach_flags(dev, w->fd, "subtree", "root=" ROOT, skip);
	case K_BPF:
	case K_PERM_BPF:
		return fp_attach_flags(dev, w->fd, "subtree_bpf", NULL, skip) ?:
		       fp_root_path(dev, w->fd, ROOT, 0);
	default:
		return 0;
	}
}

static int workload(bool perm, long ops, long inside)
{
	char path[128], data[64];
	long i;
	int fd;

	memset(data, 'x', sizeof(data));
	for (i = 0; i < ops; i++) {
		const char *dir = i % 100 < inside ? dirs[NR_OUT_DIRS + i % NR_IN_DIRS] :
						     dirs[i % NR_OUT_DIRS];

		if (perm) {
			snprintf(path, sizeof(path), "%s/f", dir);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				return -errno;
			close(fd);
			continue;
		}
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data)) {
			if (fd >= 0)
				close(fd);
			return -errno;
		}
		close(fd);
		if (unlink(path))
			return -errno;
	}
	return 0;
}

/* One run of @c (@run: its index; -1 for the warm-up). Returns 0 or -errno. */
static int run_once(struct cfg *c, long ops, long inside, int run)
{
	struct watcher w = { .cfg = c, .fd = -1, .mnt = -1 };
	bool reader = c->mode != R_NONE, perm = is_perm(c);
	double t0, t1, c0, c1;
	int ret, fd;

	ret = make_tree(perm) ?: watcher_setup(&w);
	if (!ret && reader && pthread_create(&w.thread, NULL, reader_fn, &w))
		ret = -EAGAIN;
	if (ret) {
		reader = false;
		goto out;
	}

	usleep(50000);
	c0 = thread_cpu_ms();
	t0 = bench_now_ns();
	ret = workload(perm, ops, inside);
	c1 = thread_cpu_ms();
	if (reader) {
		__atomic_store_n(&w.stopping, 1, __ATOMIC_RELEASE);
		fd = open(ROOT "/" MARKER, (perm ? O_RDONLY : O_WRONLY | O_CREAT) | O_CLOEXEC,
			  0644);
		if (fd >= 0)
			close(fd);
		pthread_join(w.thread, NULL);
		reader = false;
		t1 = w.done_ns;
		if (w.error && !ret)
			ret = -w.error;
	} else {
		t1 = bench_now_ns();
	}
	if (run >= 0) {
		c->ns[run] = (t1 - t0) / ops;
		c->work_cpu[run] = c1 - c0;
		c->reader_cpu[run] = w.cpu_ms;
		c->read[run] = w.read;
		c->kept[run] = w.kept;
	}
out:
	if (reader) {
		pthread_cancel(w.thread);
		pthread_join(w.thread, NULL);
	}
	if (w.mnt >= 0)
		close(w.mnt);
	if (w.fd >= 0)
		close(w.fd);
	if (umount2(TOP, MNT_DETACH) && !ret)
		ret = -errno;
	return ret;
}

/* FP_BENCH_ROWS: mark the rows not asked for; the references of a table run with it. */
static void select_rows(const char *rows)
{
	bool notif = false, perm = false;
	char list[512];
	int i;

	if (!rows || !*rows)
		return;
	snprintf(list, sizeof(list), ",%s,", rows);
	for (i = 0; i < NR_CFG; i++) {
		char id[32];

		snprintf(id, sizeof(id), ",%s,", cfgs[i].id);
		cfgs[i].skip = !strstr(list, id);
		if (!cfgs[i].skip)
			*(is_perm(&cfgs[i]) ? &perm : &notif) = true;
	}
	cfgs[0].skip = !notif;
	cfgs[2].skip = !notif;
	cfgs[FIRST_PERM].skip = !perm;
	cfgs[FIRST_PERM + 1].skip = !perm;
}

static int nr_runs;

/* The median and the minimum of a configuration's values over the runs. */
static double med(const double *v)
{
	return bench_stat(v, nr_runs, 0);
}

static double lo(const double *v)
{
	return bench_stat(v, nr_runs, -1);
}

static void print_tables(int runs, long ops)
{
	const struct cfg *none = &cfgs[0], *floor = &cfgs[2], *pnone = &cfgs[FIRST_PERM];
	const struct cfg *c;

	nr_runs = runs;
	printf("# BENCH-TABLE-BEGIN\n");
	if (none->skip)
		goto perm;
	printf("# Notification events: %ld create+write+close+unlink per run, 4 events each.\n#\n",
	       ops);
	printf("# | configuration | ops/s | vs none | vs our floor | per event over none ");
	printf("| per event over our floor | spread | workload CPU ms | reader CPU ms ");
	printf("| events read | kept |\n");
	printf("# | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (c = cfgs; c < cfgs + FIRST_PERM; c++) {
		if (c->skip)
			continue;
		printf("# | %s | %.0f | %.3f | %.3f | %+.0f | %+.0f | %.2f%% | %.0f |", c->name,
		       1e9 / med(c->ns), med(none->ns) / med(c->ns), med(floor->ns) / med(c->ns),
		       (med(c->ns) - med(none->ns)) / EVENTS_PER_OP,
		       (med(c->ns) - med(floor->ns)) / EVENTS_PER_OP, bench_spread(c->ns, runs),
		       med(c->work_cpu));
		if (c->mode == R_NONE)
			printf(" - | - | - |\n");
		else
			printf(" %.0f | %.0f | %.0f |\n", med(c->reader_cpu), med(c->read),
			       med(c->kept));
	}
perm:
	if (pnone->skip)
		goto end;
	printf("#\n# Permission events: %ld open+close of existing files per run.\n#\n", ops);
	printf("# | configuration | ops/s | vs none | spread | workload CPU ms ");
	printf("| responder CPU ms | round trips | saved |\n");
	printf("# | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (c = pnone; c < cfgs + NR_CFG; c++) {
		if (c->skip)
			continue;
		printf("# | %s | %.0f | %.3f | %.2f%% | %.0f |", c->name, 1e9 / med(c->ns),
		       med(pnone->ns) / med(c->ns), bench_spread(c->ns, runs), med(c->work_cpu));
		if (c->mode == R_NONE)
			printf(" - | - | - |\n");
		else
			printf(" %.0f | %.0f | %.0f |\n", med(c->reader_cpu), med(c->kept),
			       med(cfgs[FIRST_PERM + 1].kept) - med(c->kept));
	}
end:
	printf("# BENCH-TABLE-END\n");
	/* id, then to none and to our floor: of the medians, of the minima */
	for (c = cfgs; c < cfgs + NR_CFG; c++) {
		const struct cfg *base = is_perm(c) ? pnone : none;

		if (c->skip)
			continue;
		printf("# RATIO %s %.5f %.5f %.5f %.5f\n", c->id, med(base->ns) / med(c->ns),
		       is_perm(c) ? 0 : med(floor->ns) / med(c->ns),
		       lo(base->ns) / lo(c->ns), is_perm(c) ? 0 : lo(floor->ns) / lo(c->ns));
	}
}

int main(void)
{
	long ops = bench_env_long("FP_BENCH_OPS", 20000, 100, 10000000);
	int runs = bench_env_long("FP_BENCH_RUNS", 5, 1, BENCH_MAX_RUNS);
	long inside = bench_env_long("FP_BENCH_INSIDE", 5, 0, 100);
	bool icount = bench_env_long("FP_BENCH_ICOUNT", 0, 0, 1);
	struct bpf_link *link = NULL;
	double t0 = bench_now_ns();
	struct subtree *skel;
	int run, i, ret = 0;

	printf("TAP version 13\n1..1\n");
	bench_print_env(icount);
	printf("# %ld ops per run, %ld%% inside the subtree, %d runs per configuration\n", ops,
	       inside, runs);
	select_rows(getenv("FP_BENCH_ROWS"));
	dev = fp_open_dev();
	skel = subtree__open_and_load();
	if (skel)
		link = bpf_map__attach_struct_ops(skel->maps.subtree_bpf_ops);
	if (dev < 0 || !link || fp_ensure_loaded("fp_subtree") ||
	    fp_ensure_loaded("fp_test_handler")) {
		printf("# setup failed: dev %d, BPF link %p\n", dev, (void *)link);
		ret = -1;
		goto out;
	}

	/* run -1: the warm-up round, not counted. */
	for (run = -1; run < runs && !ret; run++) {
		for (i = 0; i < NR_CFG && !ret; i++) {
			struct cfg *c = &cfgs[i];

			if (c->skip)
				continue;
			ret = run_once(c, ops, inside, run);
			if (ret) {
				printf("# run %d of %s failed: %s\n", run, c->name, strerror(-ret));
				break;
			}
			if (run < 0)
				continue;
			printf("# run %d %-10s %9.0f ns/op %6.0f ms reader %7.0f read %7.0f kept\n",
			       run, c->id, c->ns[run], c->reader_cpu[run], c->read[run],
			       c->kept[run]);
			fflush(stdout);
		}
	}
	if (!ret)
		print_tables(runs, ops);
	printf("# guest time of the whole benchmark: %.1f s\n", (bench_now_ns() - t0) / 1e9);
out:
	if (link)
		bpf_link__destroy(link);
	if (skel)
		subtree__destroy(skel);
	if (dev >= 0)
		close(dev);
	printf("%s 1 fp_bench\n", ret ? "not ok" : "ok");
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n", !ret, !!ret);
	return ret ? 1 : 0;
}
