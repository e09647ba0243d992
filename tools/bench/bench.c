// SPDX-License-Identifier: GPL-2.0
/*
 * The helpers every benchmark of tools/bench uses (bench.h): the clock, the
 * environment, statistics over runs and the machine's description.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

double bench_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

long bench_env_long(const char *name, long def, long min, long max)
{
	const char *v = getenv(name);
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, NULL, 0);
	return n < min ? min : n > max ? max : n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_stat(const double *vals, int n, int pick)
{
	double v[BENCH_MAX_RUNS];

	if (n < 1)
		return 0;
	memcpy(v, vals, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_double);
	if (pick)
		return pick < 0 ? v[0] : v[n - 1];
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_spread(const double *vals, int n)
{
	double med = bench_stat(vals, n, 0);

	return med ? 100 * (bench_stat(vals, n, 1) - bench_stat(vals, n, -1)) / med : 0;
}

int bench_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(text);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

int bench_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

int bench_mount_tmpfs(const char *dir)
{
	int ret = bench_mkdirs(dir);

	if (ret)
		return ret;
	return mount("tmpfs", dir, "tmpfs", 0, "nr_inodes=0,mode=0755") ? -errno : 0;
}

void bench_print_env(bool icount)
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
	f = fopen("/proc/cmdline", "r");
	if (f && fgets(line, sizeof(line), f)) {
		char *w, *save = NULL;

		/* What changes the cost of allocations: the tests' slab debugging, KFENCE. */
		printf("# boot options:");
		line[strcspn(line, "\n")] = 0;
		for (w = strtok_r(line, " ", &save); w; w = strtok_r(NULL, " ", &save))
			if (!strncmp(w, "slub_debug", 10) || !strncmp(w, "kfence", 6))
				printf(" %s", w);
		printf(" (slab debugging and KFENCE: none unless listed)");
		printf("\n");
	}
	if (f)
		fclose(f);
	if (icount)
		printf("# ns: CLOCK_MONOTONIC of a guest under QEMU -icount shift=0: %s\n",
		       "guest ns = instructions");
	else
		printf("# ns: guest time (not instruction counting)\n");
}
