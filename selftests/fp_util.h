/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the fanotify fastpath selftests: fanotify groups, reading entry
 * names out of fid events, files, module parameters, unloading modules. What
 * the tools share with the tests (the control device and its ioctls, loading
 * modules) is in tools/lib/fp_lib.h, included here.
 */
#ifndef FP_UTIL_H
#define FP_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
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

#include "fp_lib.h"

#define FP_MAX_NAMES	256

/*
 * FP_TIMEOUT_SCALE=N in the environment multiplies the timeout of every
 * kselftest case (kselftest's 30 s, or the case's TEST_F_TIMEOUT) by N, 1 to
 * 100. scripts/check.sh sets it on the debug lane: its KASAN and lockdep
 * kernel under TCG runs the same work several times slower. The harness arms
 * the timeout with alarm(); this header comes before kselftest_harness.h in
 * every test, so the harness calls fp_scaled_alarm() instead.
 */
static inline unsigned int fp_scaled_alarm(unsigned int secs)
{
	const char *s = getenv("FP_TIMEOUT_SCALE");
	unsigned long n = s ? strtoul(s, NULL, 10) : 1;

	if (n < 1 || n > 100)
		n = 1;
	return alarm(secs * n);
}

#define alarm(secs) fp_scaled_alarm(secs)

/*
 * The next file handle record of @ev (FID, DFID, DFID_NAME, OLD_ or
 * NEW_DFID_NAME) from byte *@off on, or NULL; *@off moves past it. Start with
 * *@off = sizeof(*@ev).
 */
static inline const struct fanotify_event_info_fid *
fp_next_fid(const struct fanotify_event_metadata *ev, unsigned int *off)
{
	while (*off + sizeof(struct fanotify_event_info_header) <= ev->event_len) {
		const struct fanotify_event_info_fid *fid = (const void *)((const char *)ev + *off);

		if (!fid->hdr.len)
			return NULL;
		*off += fid->hdr.len;
		switch (fid->hdr.info_type) {
		case FAN_EVENT_INFO_TYPE_FID:
		case FAN_EVENT_INFO_TYPE_DFID:
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
			return fid;
		}
	}
	return NULL;
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
	char path[PATH_MAX];
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

/*
 * Attach @img to a free loop device (detached when its last user goes); its
 * path in @dev. Return: the loop device's fd, or -errno.
 */
static inline int fp_loop_attach(const char *img, char *dev, size_t size)
{
	struct loop_config cfg;
	int ctl, n, lfd, ifd, tries;

	for (tries = 0; tries < 10; tries++) {
		ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
		if (ctl < 0)
			return -errno;
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		close(ctl);
		if (n < 0)
			return -errno;
		snprintf(dev, size, "/dev/loop%d", n);
		/* A new device node appears through devtmpfs: give it a moment. */
		for (lfd = -1; lfd < 0 && n >= 0; n -= 50) {
			lfd = open(dev, O_RDWR | O_CLOEXEC);
			if (lfd < 0 && errno != ENOENT)
				return -errno;
			if (lfd < 0)
				usleep(20000);
		}
		if (lfd < 0)
			return -ENOENT;
		ifd = open(img, O_RDWR | O_CLOEXEC);
		if (ifd < 0) {
			close(lfd);
			return -errno;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = ifd;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (!ioctl(lfd, LOOP_CONFIGURE, &cfg)) {
			close(ifd);
			return lfd;
		}
		n = -errno;
		close(ifd);
		close(lfd);
		if (n != -EBUSY)
			return n;
	}
	return -EBUSY;
}

#endif /* FP_UTIL_H */
