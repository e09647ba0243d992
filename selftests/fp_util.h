/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the fanotify fastpath selftests: the control device,
 * fanotify groups, reading entry names out of fid events, module parameters.
 */
#ifndef FP_UTIL_H
#define FP_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/fanotify_fastpath.h>

#define FP_DEV		"/dev/" FAN_FP_DEVICE_NAME
#define FP_SYSFS	"/sys/kernel/fanotify_fastpath"
#define FP_MAX_NAMES	256

static inline int fp_open_dev(void)
{
	return open(FP_DEV, O_RDWR | O_CLOEXEC);
}

/* Returns 0 or -errno. */
static inline int fp_attach_flags(int dev, int fan, const char *name,
				  const char *args, unsigned int flags)
{
	struct fanotify_fastpath_args a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.version = FAN_FP_VERSION;
	a.flags = flags;
	a.fanotify_fd = fan;
	if (args) {
		a.init_args = (uintptr_t)args;
		a.init_args_size = strlen(args) + 1;
	}
	return ioctl(dev, FAN_FP_IOC_ATTACH, &a) ? -errno : 0;
}

static inline int fp_attach(int dev, int fan, const char *name, const char *args)
{
	return fp_attach_flags(dev, fan, name, args, 0);
}

static inline int fp_detach(int dev, int fan)
{
	struct fanotify_fastpath_target t = {
		.version = FAN_FP_VERSION,
		.fanotify_fd = fan,
	};

	return ioctl(dev, FAN_FP_IOC_DETACH, &t) ? -errno : 0;
}

static inline int fp_query(int dev, int fan, struct fanotify_fastpath_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = FAN_FP_VERSION;
	info->fanotify_fd = fan;
	return ioctl(dev, FAN_FP_IOC_QUERY, info) ? -errno : 0;
}

/* A filesystem-wide notification group reporting directory fid + name. */
static inline int fp_fid_group(const char *fs_path, __u64 mask)
{
	int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME |
				FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);

	if (fan < 0)
		return -errno;
	if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask,
			  AT_FDCWD, fs_path)) {
		int err = -errno;

		close(fan);
		return err;
	}
	return fan;
}

struct fp_names {
	int n;
	__u64 mask[FP_MAX_NAMES];
	char name[FP_MAX_NAMES][64];
};

/*
 * Read every queued event of a non-blocking fid group and record the entry
 * name and mask of each. Returns the number of events read, or -errno.
 */
static inline int fp_read_names(int fan, struct fp_names *out)
{
	union {
		struct fanotify_event_metadata align;
		char buf[8192];
	} u;
	int total = 0;

	for (;;) {
		struct fanotify_event_metadata *ev = &u.align;
		ssize_t len = read(fan, u.buf, sizeof(u.buf));

		if (len < 0)
			return errno == EAGAIN ? total : -errno;
		for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
			struct fanotify_event_info_fid *fid = (void *)(ev + 1);
			const char *name = "";

			total++;
			if (ev->event_len > sizeof(*ev) &&
			    fid->hdr.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME) {
				struct file_handle *fh = (void *)fid->handle;

				name = (const char *)(fh + 1) + fh->handle_bytes;
			}
			if (ev->fd >= 0)
				close(ev->fd);
			if (out->n < FP_MAX_NAMES) {
				out->mask[out->n] = ev->mask;
				snprintf(out->name[out->n], sizeof(out->name[0]), "%s", name);
				out->n++;
			}
		}
	}
}

/* FAN_FP_IOC_TAG: tag the inode of @fd in the attachment of @fan; 0 or -errno. */
static inline int fp_tag_fd(int dev, int fan, int fd, __u64 value)
{
	struct fanotify_fastpath_tag t = {
		.version = FAN_FP_VERSION,
		.fanotify_fd = fan,
		.fd = fd,
		.value = value,
	};

	return ioctl(dev, FAN_FP_IOC_TAG, &t) ? -errno : 0;
}

/* Tag the directory at @path; 0 or -errno. */
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

/* mkdir -p for a path relative to @base. */
static inline int fp_mkdirs(const char *base, const char *rel)
{
	char path[512];
	size_t i, n;

	n = snprintf(path, sizeof(path), "%s/%s", base, rel);
	for (i = strlen(base) + 1; i <= n; i++) {
		if (path[i] != '/' && path[i])
			continue;
		path[i] = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		if (i < n)
			path[i] = '/';
	}
	return 0;
}

static inline int fp_count_name(const struct fp_names *names, const char *name)
{
	int i, n = 0;

	for (i = 0; i < names->n; i++)
		n += !strcmp(names->name[i], name);
	return n;
}

static inline void fp_touch(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}

/* Read a small text file; returns its length or -errno. */
static inline int fp_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = 0;
	return len;
}

static inline long fp_read_long(const char *path)
{
	char buf[64];

	if (fp_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 0);
}

static inline int fp_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = write(fd, val, strlen(val));
	close(fd);
	return len < 0 ? -errno : 0;
}

static inline bool fp_module_loaded(const char *mod)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return !stat(path, &st);
}

/* The reference count lsmod shows, or -1. */
static inline long fp_module_refcnt(const char *mod)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mod);
	return fp_read_long(path);
}

/* delete_module(2) without blocking; returns 0 or -errno. */
static inline int fp_unload(const char *mod)
{
	return syscall(SYS_delete_module, mod, O_NONBLOCK) ? -errno : 0;
}

/* Retry an unload for up to @ms milliseconds while it fails with EBUSY/EAGAIN. */
static inline int fp_unload_wait(const char *mod, int ms)
{
	int ret;

	for (;;) {
		ret = fp_unload(mod);
		if ((ret != -EBUSY && ret != -EAGAIN && ret != -EWOULDBLOCK) || ms <= 0)
			return ret;
		usleep(20000);
		ms -= 20;
	}
}

/* Unload every module that uses the core (its holders); 0 or the first -errno. */
static inline int fp_unload_holders(int ms)
{
	char names[32][sizeof(((struct dirent *)0)->d_name)];
	struct dirent *de;
	int i, n = 0, ret = 0;
	DIR *d = opendir("/sys/module/fanotify_fastpath/holders");

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < 32) {
		if (de->d_name[0] != '.')
			snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		int r = fp_unload_wait(names[i], ms);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

/* finit_module(2) of /lib/modules/<release>/extra/<mod>.ko; 0 or -errno. */
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

/* Wait up to @ms for the counter at @path to reach @want. */
static inline long fp_wait_long(const char *path, long want, int ms)
{
	long v;

	for (;;) {
		v = fp_read_long(path);
		if (v == want || ms <= 0)
			return v;
		usleep(10000);
		ms -= 10;
	}
}

#endif /* FP_UTIL_H */
