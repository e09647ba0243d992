/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tools (fpctl, the benchmark) and the selftests share: the control
 * device and thin wrappers of its ioctls, and loading the project's modules
 * the way the test VM installs them. Header-only; every wrapper returns 0 or
 * a negative errno. Define _GNU_SOURCE before including it (O_PATH).
 */
#ifndef FP_LIB_H
#define FP_LIB_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fanotify_fastpath.h>

#define FP_DEV		"/dev/" FAN_FP_DEVICE_NAME
#define FP_SYSFS	"/sys/kernel/fanotify_fastpath"

/* ---- the control device and its ioctls ---------------------------------------------------- */

/* The control device, or -1 with errno set. */
static inline int fp_open_dev(void)
{
	return open(FP_DEV, O_RDWR | O_CLOEXEC);
}

/*
 * The wrappers use the version 2 ioctls; FAN_FP_BY_ID selects an attachment
 * by id (@fan is then ignored), 0 the attachment of the group @fan.
 */

/*
 * FAN_FP_IOC_ATTACH2 of handler @name to the group @fan; @args may be NULL (no arguments),
 * @id may be NULL or gets the attachment's id.
 */
static inline int fp_attach_id(int dev, int fan, const char *name, const char *args,
			       unsigned int flags, __u64 *id)
{
	struct fanotify_fastpath_attach a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.flags = flags;
	a.fanotify_fd = fan;
	if (args) {
		a.init_args = (uintptr_t)args;
		a.init_args_size = strlen(args) + 1;
	}
	if (ioctl(dev, FAN_FP_IOC_ATTACH2, &a))
		return -errno;
	if (id)
		*id = a.id;
	return 0;
}

static inline int fp_attach_flags(int dev, int fan, const char *name,
				  const char *args, unsigned int flags)
{
	return fp_attach_id(dev, fan, name, args, flags, NULL);
}

static inline int fp_attach(int dev, int fan, const char *name, const char *args)
{
	return fp_attach_flags(dev, fan, name, args, 0);
}

/* FAN_FP_IOC_DETACH2 of attachment @id (@by_id) or of the group @fan: -ENOENT when none. */
static inline int fp_detach_sel(int dev, int fan, unsigned int by_id, __u64 id)
{
	struct fanotify_fastpath_detach d = {
		.size = sizeof(d),
		.flags = by_id,
		.fanotify_fd = fan,
		.id = id,
	};

	return ioctl(dev, FAN_FP_IOC_DETACH2, &d) ? -errno : 0;
}

static inline int fp_detach(int dev, int fan)
{
	return fp_detach_sel(dev, fan, 0, 0);
}

/*
 * FAN_FP_IOC_QUERY2 into @q and up to @n counters at @counters (indexed by enum
 * fanotify_fastpath_counter; q->nr_counters is then the module's count).
 */
static inline int fp_query_sel(int dev, int fan, unsigned int by_id, __u64 id,
			       struct fanotify_fastpath_query *q, __u64 *counters, unsigned int n)
{
	memset(q, 0, sizeof(*q));
	memset(counters, 0, n * sizeof(*counters));
	q->size = sizeof(*q);
	q->flags = by_id;
	q->fanotify_fd = fan;
	q->id = id;
	q->counters = (uintptr_t)counters;
	q->nr_counters = n;
	return ioctl(dev, FAN_FP_IOC_QUERY2, q) ? -errno : 0;
}

/*
 * FAN_FP_IOC_QUERY2 of the group @fan, summed up in the version 1 structure the tests
 * read: -ENOENT when nothing is attached.
 */
static inline int fp_query(int dev, int fan, struct fanotify_fastpath_info *info)
{
	struct fanotify_fastpath_query q;
	__u64 c[FAN_FP_CNT_NR];
	int ret = fp_query_sel(dev, fan, 0, 0, &q, c, FAN_FP_CNT_NR);

	memset(info, 0, sizeof(*info));
	if (ret)
		return ret;
	info->version = FAN_FP_VERSION;
	info->fanotify_fd = fan;
	info->attach_flags = q.attach_flags;
	memcpy(info->name, q.name, sizeof(info->name));
	info->handler_flags = q.handler_flags;
	info->is_bpf = q.handler_type == FAN_FP_HANDLER_BPF;
	info->id = q.id;
	info->seen = c[FAN_FP_CNT_SEEN];
	info->passed = c[FAN_FP_CNT_PASSED];
	info->dropped = c[FAN_FP_CNT_DROPPED];
	info->denied = c[FAN_FP_CNT_DENIED];
	info->errors = c[FAN_FP_CNT_ERRORS];
	info->tags = c[FAN_FP_CNT_TAGS];
	info->roots = c[FAN_FP_CNT_ROOTS];
	info->cache_entries = c[FAN_FP_CNT_CACHE_ENTRIES];
	info->cache_max = c[FAN_FP_CNT_CACHE_MAX];
	info->cache_hits = c[FAN_FP_CNT_CACHE_HITS];
	info->cache_walks = c[FAN_FP_CNT_CACHE_WALKS];
	info->cache_evicted = c[FAN_FP_CNT_CACHE_EVICTED];
	info->cache_invalidations = c[FAN_FP_CNT_CACHE_INVALIDATIONS];
	info->cache_unsure = c[FAN_FP_CNT_CACHE_UNSURE];
	return 0;
}

/* FAN_FP_IOC_GET_ROOTS: up to @n roots into @roots; returns the number of roots or -errno. */
static inline int fp_get_roots(int dev, int fan, unsigned int by_id, __u64 id,
			       struct fanotify_fastpath_root_info *roots, unsigned int n)
{
	struct fanotify_fastpath_get_roots g = {
		.size = sizeof(g),
		.flags = by_id,
		.fanotify_fd = fan,
		.nr_roots = n,
		.id = id,
		.roots = (uintptr_t)roots,
		.root_size = sizeof(*roots),
	};

	return ioctl(dev, FAN_FP_IOC_GET_ROOTS, &g) ? -errno : (int)g.nr_roots;
}

/* FAN_FP_IOC_SET_TAG: tag the inode of @fd in the attachment of @fan. */
static inline int fp_tag_fd(int dev, int fan, int fd, __u64 value)
{
	struct fanotify_fastpath_set_tag t = {
		.size = sizeof(t),
		.fanotify_fd = fan,
		.fd = fd,
		.value = value,
	};

	return ioctl(dev, FAN_FP_IOC_SET_TAG, &t) ? -errno : 0;
}

/* Tag the directory at @path. */
static inline int fp_tag_path(int dev, int fan, const char *path, __u64 value)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = fp_tag_fd(dev, fan, fd, value);
	close(fd);
	return ret;
}

/*
 * FAN_FP_IOC_SET_ROOT: add the directory of @fd as a subtree root of the attachment
 * of @fan (or of @id with FAN_FP_BY_ID in @flags), or change its kind, or remove it
 * (@flags: FAN_FP_ROOT_*).
 */
static inline int fp_root_sel(int dev, int fan, __u64 id, int fd, unsigned int flags)
{
	struct fanotify_fastpath_set_root r = {
		.size = sizeof(r),
		.flags = flags,
		.fanotify_fd = fan,
		.fd = fd,
		.id = id,
	};

	return ioctl(dev, FAN_FP_IOC_SET_ROOT, &r) ? -errno : 0;
}

static inline int fp_root_fd(int dev, int fan, int fd, unsigned int flags)
{
	return fp_root_sel(dev, fan, 0, fd, flags);
}

/* The same for the directory at @path. */
static inline int fp_root_path(int dev, int fan, const char *path, unsigned int flags)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = fp_root_fd(dev, fan, fd, flags);
	close(fd);
	return ret;
}

/*
 * BPF handlers need a kernel with BPF struct_ops types from modules (6.9+); the core lists
 * "bpf" in FP_SYSFS/features when it registered its type. 0 when it did, -EOPNOTSUPP when
 * the core runs without them (e.g. on 6.1), -errno when the core is not loaded.
 */
static inline int fp_bpf_supported(void)
{
	char buf[256], *tok, *save;
	FILE *f = fopen(FP_SYSFS "/features", "r");

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (tok = strtok_r(buf, "\n ", &save); tok; tok = strtok_r(NULL, "\n ", &save))
		if (!strcmp(tok, "bpf"))
			return 0;
	return -EOPNOTSUPP;
}

/* ---- modules, as the test VM installs them (/lib/modules/<release>/extra) ----------------- */

static inline bool fp_module_loaded(const char *mod)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return !stat(path, &st);
}

/* finit_module(2) of /lib/modules/<release>/extra/<mod>.ko. */
static inline int fp_load(const char *mod, const char *params)
{
	char path[512], rel[128];
	int fd, ret;
	FILE *f = fopen("/proc/sys/kernel/osrelease", "r");

	if (!f || !fgets(rel, sizeof(rel), f)) {
		if (f)
			fclose(f);
		return -ENOENT;
	}
	fclose(f);
	rel[strcspn(rel, "\n")] = 0;
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/%s.ko", rel, mod);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Make sure @mod is loaded (it may be already). */
static inline int fp_ensure_loaded(const char *mod)
{
	int ret;

	if (fp_module_loaded(mod))
		return 0;
	ret = fp_load(mod, NULL);
	return ret == -EEXIST ? 0 : ret;
}

#endif /* FP_LIB_H */
