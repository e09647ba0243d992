// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the version 1 ioctls of the control device, deprecated.
 *
 * FAN_FP_IOC_ATTACH, _DETACH, _QUERY, _TAG and _ROOT with their fixed
 * structures, for binaries built against 0.1; they go in 0.3 (the uapi
 * header says so). Each turns its structure into the calls the version 2
 * ioctls make (ctl.c) and keeps version 1's errnos: EOPNOTSUPP for a
 * @version other than FAN_FP_VERSION. No locks of its own.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

static long fp_ioctl_attach(void __user *uarg)
{
	struct fanotify_fastpath_args args;
	char *init_args;
	u64 id;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (args.flags & ~FAN_FP_ATTACH_ALL)
		return -EINVAL;
	ret = fp_ctl_check_name(args.name, sizeof(args.name));
	if (ret)
		return ret;
	if (!fp_ctl_permitted())
		return -EPERM;
	init_args = fp_ctl_init_args(args.init_args, args.init_args_size);
	if (IS_ERR(init_args))
		return PTR_ERR(init_args);
	ret = fp_ctl_attach(args.name, args.flags, args.fanotify_fd, init_args, &id);
	kfree(init_args);
	return ret;
}

static long fp_ioctl_detach(void __user *uarg)
{
	struct fanotify_fastpath_target t;
	struct fsnotify_group *group;
	struct file *file;
	int ret;

	if (copy_from_user(&t, uarg, sizeof(t)))
		return -EFAULT;
	if (t.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (t.flags || t.reserved)
		return -EINVAL;
	if (!fp_ctl_permitted())
		return -EPERM;
	ret = fp_ctl_group_fd(t.fanotify_fd, &file, &group);
	if (ret)
		return ret;
	ret = fp_detach(group, 0);
	fput(file);
	return ret;
}

static long fp_ioctl_query(void __user *uarg)
{
	struct fanotify_fastpath_info info;
	struct fsnotify_group *group;
	struct fp_query *q;
	struct file *file;
	int ret, fd;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (info.flags)
		return -EINVAL;
	fd = info.fanotify_fd;
	ret = fp_ctl_group_fd(fd, &file, &group);
	if (ret)
		return ret;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	ret = q ? fp_query(group, 0, q) : -ENOMEM;
	fput(file);
	if (ret)
		goto out;
	memset(&info, 0, sizeof(info));
	info.version = FAN_FP_VERSION;
	info.fanotify_fd = fd;
	memcpy(info.name, q->name, sizeof(info.name));
	info.attach_flags = q->attach_flags;
	info.handler_flags = q->handler_flags;
	info.is_bpf = q->is_bpf;
	info.id = q->id;
	info.seen = q->counters[FAN_FP_CNT_SEEN];
	info.passed = q->counters[FAN_FP_CNT_PASSED];
	info.dropped = q->counters[FAN_FP_CNT_DROPPED];
	info.denied = q->counters[FAN_FP_CNT_DENIED];
	info.errors = q->counters[FAN_FP_CNT_ERRORS];
	info.tags = q->counters[FAN_FP_CNT_TAGS];
	info.roots = q->counters[FAN_FP_CNT_ROOTS];
	info.cache_entries = q->counters[FAN_FP_CNT_CACHE_ENTRIES];
	info.cache_max = q->counters[FAN_FP_CNT_CACHE_MAX];
	info.cache_hits = q->counters[FAN_FP_CNT_CACHE_HITS];
	info.cache_walks = q->counters[FAN_FP_CNT_CACHE_WALKS];
	info.cache_evicted = q->counters[FAN_FP_CNT_CACHE_EVICTED];
	info.cache_invalidations = q->counters[FAN_FP_CNT_CACHE_INVALIDATIONS];
	info.cache_unsure = q->counters[FAN_FP_CNT_CACHE_UNSURE];
	if (copy_to_user(uarg, &info, sizeof(info)))
		ret = -EFAULT;
out:
	kfree(q);
	return ret;
}

static long fp_ioctl_tag(void __user *uarg)
{
	struct fanotify_fastpath_tag t;
	struct fsnotify_group *group;
	struct file *file, *target;
	int ret;

	if (copy_from_user(&t, uarg, sizeof(t)))
		return -EFAULT;
	if (t.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (t.flags || !t.value)
		return -EINVAL;
	if (!fp_ctl_permitted())
		return -EPERM;
	target = fget_raw(t.fd);
	if (!target)
		return -EBADF;
	ret = fp_ctl_group_fd(t.fanotify_fd, &file, &group);
	if (!ret) {
		ret = fp_tag(group, 0, file_inode(target), t.value);
		fput(file);
	}
	fput(target);
	return ret;
}

static long fp_ioctl_root(void __user *uarg)
{
	struct fanotify_fastpath_root r;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (r.flags & ~FAN_FP_ROOT_ALL)
		return -EINVAL;
	return fp_ctl_root(r.flags, r.fanotify_fd, 0, r.fd);
}

/**
 * fp_ioctl_v1() - a version 1 ioctl of the control device
 * @cmd: the ioctl
 * @uarg: its argument
 *
 * Return: its result, or -ENOTTY for an unknown @cmd.
 */
long fp_ioctl_v1(unsigned int cmd, void __user *uarg)
{
	switch (cmd) {
	case FAN_FP_IOC_ATTACH:
		return fp_ioctl_attach(uarg);
	case FAN_FP_IOC_DETACH:
		return fp_ioctl_detach(uarg);
	case FAN_FP_IOC_QUERY:
		return fp_ioctl_query(uarg);
	case FAN_FP_IOC_TAG:
		return fp_ioctl_tag(uarg);
	case FAN_FP_IOC_ROOT:
		return fp_ioctl_root(uarg);
	default:
		return -ENOTTY;
	}
}
