// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the control device /dev/fanotify_fastpath.
 *
 * Owns the device and the checks of every ioctl's input: each bad input gets
 * its own errno before anything is looked up. Root-only by default (mode
 * 0600). ATTACH, DETACH, TAG and ROOT also need CAP_SYS_ADMIN unless the
 * module parameter allow_unprivileged is set, and handlers flagged
 * FAN_FP_F_SYS_ADMIN_ONLY always need it. QUERY needs only the device and the
 * group's file descriptor. Calls down into registry.c and attach.c; takes
 * fp_mutex only to recognize a fanotify file.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

static bool fp_ctl_permitted(void)
{
	return READ_ONCE(fp_param_allow_unprivileged) || capable(CAP_SYS_ADMIN);
}

/*
 * Resolve @fd to a fanotify group. On success the caller owns *@filep (fput it)
 * and the group stays alive until then.
 */
static int fp_get_group(int fd, struct file **filep, struct fsnotify_group **groupp)
{
	struct file *file = fget(fd);
	struct fsnotify_group *group;

	if (!file)
		return -EBADF;
	mutex_lock(&fp_mutex);
	group = fp_file_group(file);
	mutex_unlock(&fp_mutex);
	if (!group) {
		fput(file);
		return -EINVAL;
	}
	*filep = file;
	*groupp = group;
	return 0;
}

static long fp_ioctl_attach(void __user *uarg)
{
	struct fanotify_fastpath_args args;
	struct fsnotify_group *group;
	struct fp_handler *h;
	struct file *file;
	char *init_args;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (args.flags & ~FAN_FP_ATTACH_ALL)
		return -EINVAL;
	if (strnlen(args.name, sizeof(args.name)) == sizeof(args.name))
		return -ENAMETOOLONG;
	if (!fp_valid_name(args.name, sizeof(args.name)))
		return -EINVAL;
	if (!fp_ctl_permitted())
		return -EPERM;

	if (args.init_args_size > FAN_FP_ARGS_MAX)
		return -E2BIG;
	if (args.init_args_size) {
		init_args = memdup_user(u64_to_user_ptr(args.init_args),
					args.init_args_size);
		if (IS_ERR(init_args))
			return PTR_ERR(init_args);
		if (strnlen(init_args, args.init_args_size) != args.init_args_size - 1) {
			kfree(init_args);
			return -EINVAL;
		}
	} else {
		if (args.init_args)
			return -EINVAL;
		init_args = kstrdup("", GFP_KERNEL);
		if (!init_args)
			return -ENOMEM;
	}

	ret = fp_get_group(args.fanotify_fd, &file, &group);
	if (ret)
		goto out;
	h = fp_handler_get(args.name);
	if (IS_ERR(h))
		ret = PTR_ERR(h);
	else
		ret = fp_attach(group, h, init_args, args.flags);
	fput(file);
out:
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
	ret = fp_get_group(t.fanotify_fd, &file, &group);
	if (ret)
		return ret;
	ret = fp_detach(group);
	fput(file);
	return ret;
}

static long fp_ioctl_query(void __user *uarg)
{
	struct fanotify_fastpath_info info;
	struct fsnotify_group *group;
	struct file *file;
	int ret, fd;

	if (copy_from_user(&info, uarg, sizeof(info)))
		return -EFAULT;
	if (info.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (info.flags)
		return -EINVAL;
	fd = info.fanotify_fd;
	ret = fp_get_group(fd, &file, &group);
	if (ret)
		return ret;
	memset(&info, 0, sizeof(info));
	info.version = FAN_FP_VERSION;
	info.fanotify_fd = fd;
	ret = fp_query(group, &info);
	fput(file);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
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
	ret = fp_get_group(t.fanotify_fd, &file, &group);
	if (!ret) {
		ret = fp_tag(group, file_inode(target), t.value);
		fput(file);
	}
	fput(target);
	return ret;
}

static long fp_ioctl_root(void __user *uarg)
{
	struct fanotify_fastpath_root r;
	struct fsnotify_group *group;
	struct file *file, *target;
	int ret;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if (r.version != FAN_FP_VERSION)
		return -EOPNOTSUPP;
	if (r.flags & ~FAN_FP_ROOT_ALL)
		return -EINVAL;
	if (!fp_ctl_permitted())
		return -EPERM;
	target = fget_raw(r.fd);
	if (!target)
		return -EBADF;
	ret = -ENOTDIR;
	if (!d_is_dir(target->f_path.dentry))
		goto out;
	ret = fp_get_group(r.fanotify_fd, &file, &group);
	if (!ret) {
		ret = fp_root(group, &target->f_path, r.flags);
		fput(file);
	}
out:
	fput(target);
	return ret;
}

static long fp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

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

static const struct file_operations fp_ctl_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= fp_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice fp_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= FAN_FP_DEVICE_NAME,
	.fops	= &fp_ctl_fops,
	.mode	= 0600,
};

int fp_ctl_init(void)
{
	return misc_register(&fp_miscdev);
}

void fp_ctl_exit(void)
{
	misc_deregister(&fp_miscdev);
}
