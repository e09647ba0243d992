/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the benchmarks of tools/bench share: the clock (guest time, which is
 * instructions when the VM counts them), options from the environment,
 * statistics over runs and the description of the machine. bench.c.
 */
#ifndef FP_BENCH_H
#define FP_BENCH_H

#include <stdbool.h>
#include <time.h>

/* The most runs of one configuration a benchmark keeps. */
#define BENCH_MAX_RUNS	25

/* Nanoseconds of @clock (CLOCK_MONOTONIC: guest time; under icount, instructions). */
double bench_clock_ns(clockid_t clock);

static inline double bench_now_ns(void)
{
	return bench_clock_ns(CLOCK_MONOTONIC);
}

/* The integer environment variable @name, @def when unset, clamped to [@min, @max]. */
long bench_env_long(const char *name, long def, long min, long max);

/* The median (@pick 0), minimum (-1) or maximum (1) of @n <= BENCH_MAX_RUNS values. */
double bench_stat(const double *vals, int n, int pick);

/* (max - min) / median of @n values, in percent. */
double bench_spread(const double *vals, int n);

/* Write @text to the file @path. Returns 0 or -errno. */
int bench_write_file(const char *path, const char *text);

/* mkdir -p of the absolute @path. Returns 0 or -errno. */
int bench_mkdirs(const char *path);

/* mkdir -p @dir and mount a tmpfs without an inode limit on it. Returns 0 or -errno. */
int bench_mount_tmpfs(const char *dir);

/*
 * Print the kernel, CPUs and clock as "# " comment lines; @icount says the
 * guest counts instructions (guest ns = instructions).
 */
void bench_print_env(bool icount);

#endif /* FP_BENCH_H */
