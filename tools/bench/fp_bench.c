// SPDX-License-Identifier: GPL-2.0
/*
 * fp_bench: what a subtree filter in the kernel saves a filesystem-wide
 * fanotify watcher. Run by "make bench" (scripts/bench.sh) in the test VM;
 * prints numbers and asserts nothing about speed.
 *
 * Workload (main thread): OPS file lifecycles on /tmp (tmpfs), each
 * open(O_CREAT) + write(64 bytes) + close + unlink, no stat; INSIDE percent
 * of them in four directories of the monitored subtree /tmp/fpb/root (made
 * after the handler is attached), the rest spread over 16 directories outside it.
 *
 * Configurations, each run RUNS times, interleaved, in the same boot:
 *   none       no fanotify group
 *   userspace  a filesystem-wide group (FAN_REPORT_DFID_NAME, create, delete,
 *              modify, close_write, moves, on dirs too, unlimited queue) whose
 *              reader thread filters by path: for every event it resolves
 *              the directory handle (open_by_handle_at + readlink of
 *              /proc/self/fd), as a correct fid-mode watcher must, and keeps
 *              the events under the root
 *   bpf        the same group and reader, with the BPF subtree handler
 *              (subtree_bpf, root added with FAN_FP_IOC_ROOT)
 *   c          the same group and reader, with the C subtree handler
 *              (subtree, args root=/tmp/fpb/root)
 * The reader stops at the event of a marker file the workload creates in the
 * root when it is done. With two or more CPUs the workload thread runs on
 * CPU 0 and the reader on CPU 1; scripts/bench.sh boots one CPU by default
 * (the reader and the workload share it, so ops/s measures their whole
 * cost), because two emulated CPUs on a two-core host gave bimodal results.
 *
 * Reported per configuration, each the median over the runs: workload
 * ops/s (with the minimum and maximum) and its ratio to "none", CPU time
 * of the workload thread, CPU time of the reader thread, events the reader
 * read and kept, and how long the reader needed after the workload ended
 * to reach the marker (drain).
 *
 * Options come from the environment (the VM runner passes them on the
 * kernel command line): FP_BENCH_OPS (default 20000), FP_BENCH_RUNS (5),
 * FP_BENCH_INSIDE (percent, 5). Prints a markdown table between
 * BENCH-TABLE-BEGIN and BENCH-TABLE-END, and a kselftest Totals line.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "fp_lib.h"		/* tools/lib */
#include "subtree.skel.h"	/* generated from selftests/bpf/subtree.bpf.c */

#define TOP		"/tmp/fpb"
#define ROOT		TOP "/root"
#define MARKER		"fpb.stop"
#define NR_OUT_DIRS	16
#define NR_IN_DIRS	4
#define MAX_RUNS	25

#define EVENTS		(FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_CLOSE_WRITE | \
			 FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR)

enum cfg { CFG_NONE, CFG_USERSPACE, CFG_BPF, CFG_C, NR_CFG };

static const char *const cfg_name[NR_CFG] = {
	[CFG_NONE] = "none (no fanotify group)",
	[CFG_USERSPACE] = "userspace filter (fid + path resolution)",
	[CFG_BPF] = "BPF subtree handler (subtree_bpf)",
	[CFG_C] = "C subtree handler (subtree)",
};

struct result {
	double ops_per_sec;
	double work_cpu_ms;
	double reader_cpu_ms;
	double events_read;
	double events_kept;
	double drain_ms;
};

struct reader {
	int fan, mnt;
	pthread_t thread;
	long read, kept;
	double cpu_ms;
	double done_at;
	int error;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double thread_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static long env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, NULL, 0);
	return n < min ? min : n > max ? max : n;
}

static int run_cmd(const char *fmt, const char *arg)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return system(cmd);
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

/* Pin the calling thread to @cpu (when there are at least two CPUs). */
static void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *reader_fn(void *p)
{
	struct reader *r = p;
	static union {
		struct fanotify_event_metadata md;
		char b[65536];
	} buf;
	char path[PATH_MAX + 256];
	bool done = false;

	pin(1);
	while (!done) {
		struct fanotify_event_metadata *ev = &buf.md;
		ssize_t len = read(r->fan, buf.b, sizeof(buf.b));

		if (len < 0) {
			if (errno == EINTR)
				continue;
			r->error = errno;
			break;
		}
		for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
			struct fanotify_event_info_fid *fid = (void *)(ev + 1);

			r->read++;
			if (ev->fd >= 0)
				close(ev->fd);
			if (ev->event_len <= sizeof(*ev) ||
			    fid->hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME ||
			    !resolve(r->mnt, fid, path, sizeof(path)))
				continue;
			if (strncmp(path, ROOT "/", strlen(ROOT) + 1))
				continue;
			r->kept++;
			if (!strcmp(path, ROOT "/" MARKER))
				done = true;
		}
	}
	r->done_at = now_ms();
	r->cpu_ms = thread_cpu_ms();
	return NULL;
}

/* One run of one configuration. Returns 0 or -errno. */
static int run_once(enum cfg cfg, int dev, long ops, long inside, struct result *res)
{
	char dirs[NR_OUT_DIRS + NR_IN_DIRS][64], path[128], data[64];
	struct reader r = { .fan = -1, .mnt = -1 };
	double t0, t1, c0, c1;
	long i;
	int ret = 0, fd;

	run_cmd("rm -rf %s", TOP);
	if (mkdir(TOP, 0755) || mkdir(TOP "/out", 0755) || mkdir(ROOT, 0755))
		return -errno;
	for (i = 0; i < NR_OUT_DIRS; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), TOP "/out/o%ld", i);
		if (mkdir(dirs[i], 0755))
			return -errno;
	}
	memset(data, 'x', sizeof(data));

	if (cfg != CFG_NONE) {
		r.fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME |
				      FAN_UNLIMITED_QUEUE | FAN_CLOEXEC, O_RDONLY);
		if (r.fan < 0)
			return -errno;
		if (fanotify_mark(r.fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, EVENTS,
				  AT_FDCWD, "/tmp")) {
			ret = -errno;
			goto out;
		}
		r.mnt = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfg == CFG_C)
			ret = fp_attach(dev, r.fan, "subtree", "root=" ROOT);
		else if (cfg == CFG_BPF)
			ret = fp_attach(dev, r.fan, "subtree_bpf", NULL) ?:
			      fp_root_path(dev, r.fan, ROOT, 0);
		if (ret)
			goto out;
	}
	/* Inside directories are created under the handler. */
	for (i = 0; i < NR_IN_DIRS; i++) {
		snprintf(dirs[NR_OUT_DIRS + i], sizeof(dirs[0]), ROOT "/i%ld", i);
		if (mkdir(dirs[NR_OUT_DIRS + i], 0755)) {
			ret = -errno;
			goto out;
		}
	}
	if (cfg != CFG_NONE && pthread_create(&r.thread, NULL, reader_fn, &r)) {
		ret = -EAGAIN;
		goto out;
	}

	c0 = thread_cpu_ms();
	t0 = now_ms();
	for (i = 0; i < ops; i++) {
		const char *dir = i % 100 < inside ? dirs[NR_OUT_DIRS + i % NR_IN_DIRS] :
						     dirs[i % NR_OUT_DIRS];

		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data)) {
			ret = -errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		close(fd);
		unlink(path);
	}
	t1 = now_ms();
	c1 = thread_cpu_ms();
	res->ops_per_sec = ops / ((t1 - t0) / 1e3);
	res->work_cpu_ms = c1 - c0;

	if (cfg != CFG_NONE) {
		fd = open(ROOT "/" MARKER, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		pthread_join(r.thread, NULL);
		if (r.error && !ret)
			ret = -r.error;
		res->reader_cpu_ms = r.cpu_ms;
		res->events_read = r.read;
		res->events_kept = r.kept;
		res->drain_ms = r.done_at - t1;
	}
out:
	if (r.mnt >= 0)
		close(r.mnt);
	if (r.fan >= 0)
		close(r.fan);
	run_cmd("rm -rf %s", TOP);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median (@pick 0), minimum (-1) or maximum (1) of one field over @n runs. */
static double run_stat(struct result *r, int n, size_t off, int pick)
{
	double v[MAX_RUNS];
	int i;

	for (i = 0; i < n; i++)
		v[i] = *(double *)((char *)&r[i] + off);
	qsort(v, n, sizeof(v[0]), cmp_double);
	if (pick)
		return pick < 0 ? v[0] : v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MED(cfg, field) run_stat(res[cfg], runs, offsetof(struct result, field), 0)
#define RUN_MIN(cfg, field) run_stat(res[cfg], runs, offsetof(struct result, field), -1)
#define RUN_MAX(cfg, field) run_stat(res[cfg], runs, offsetof(struct result, field), 1)

static void print_env(long ops, long runs, long inside)
{
	char line[256], model[256] = "unknown";
	struct utsname u;
	FILE *f;

	uname(&u);
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
			snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	printf("# kernel %s, %ld CPUs (%s)\n", u.release, sysconf(_SC_NPROCESSORS_ONLN), model);
	printf("# %ld ops per run (create+write+close+unlink on tmpfs), ", ops);
	printf("%ld%% inside the subtree, %ld runs per configuration, medians\n", inside, runs);
}

int main(void)
{
	static struct result res[NR_CFG][MAX_RUNS];
	long ops = env_long("FP_BENCH_OPS", 20000, 100, 10000000);
	long runs = env_long("FP_BENCH_RUNS", 5, 1, MAX_RUNS);
	long inside = env_long("FP_BENCH_INSIDE", 5, 0, 100);
	struct bpf_link *link = NULL;
	struct subtree *skel;
	int dev, run, c, ret = 0;
	double base;

	printf("TAP version 13\n1..1\n");
	print_env(ops, runs, inside);
	/* With two CPUs: workload on CPU 0, reader on CPU 1. */
	pin(0);
	dev = fp_open_dev();
	skel = subtree__open_and_load();
	if (skel)
		link = bpf_map__attach_struct_ops(skel->maps.subtree_bpf_ops);
	if (dev < 0 || !link || fp_ensure_loaded("fp_subtree")) {
		printf("# setup failed: dev %d, BPF link %p\n", dev, (void *)link);
		ret = -1;
		goto out;
	}

	for (run = 0; run < runs && !ret; run++) {
		for (c = 0; c < NR_CFG && !ret; c++) {
			struct result *r = &res[c][run];

			ret = run_once(c, dev, ops, inside, r);
			if (ret) {
				printf("# run %d of %s failed: %s\n", run, cfg_name[c],
				       strerror(-ret));
				break;
			}
			/* ops/s, reader CPU ms, events read, events kept */
			printf("# run %d %-42s %6.0f ops/s %5.0f ms %6.0f ev %6.0f kept\n", run,
			       cfg_name[c], r->ops_per_sec, r->reader_cpu_ms, r->events_read,
			       r->events_kept);
			fflush(stdout);
		}
	}
	if (ret)
		goto out;

	base = MED(CFG_NONE, ops_per_sec);
	printf("# BENCH-TABLE-BEGIN\n");
	printf("# | configuration | workload ops/s (min-max) | vs none | workload CPU ms ");
	printf("| reader CPU ms | events read | events kept | drain ms |\n");
	printf("# | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (c = 0; c < NR_CFG; c++) {
		printf("# | %s | %.0f (%.0f-%.0f) | %.2f | %.0f |", cfg_name[c],
		       MED(c, ops_per_sec), RUN_MIN(c, ops_per_sec), RUN_MAX(c, ops_per_sec),
		       MED(c, ops_per_sec) / base, MED(c, work_cpu_ms));
		if (c == CFG_NONE)
			printf(" - | - | - | - |\n");
		else
			printf(" %.0f | %.0f | %.0f | %.0f |\n", MED(c, reader_cpu_ms),
			       MED(c, events_read), MED(c, events_kept), MED(c, drain_ms));
	}
	printf("# BENCH-TABLE-END\n");
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
