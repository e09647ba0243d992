// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the control device /dev/fanotify_fastpath.
 *
 * Owns the device, the dispatch of its ioctls and the version 2 (extensible)
 * ones: copying their structures in and out with copy_struct_from_user()
 * semantics, and checking every input, each bad one with its own errno
 * before anything is looked up. The deprecated version 1 ioctls are in
 * ctl_v1.c, on the same helpers.
 *
 * Root-only by default (mode 0600). ATTACH, DETACH, TAG and ROOT also need
 * CAP_SYS_ADMIN unless the module parameter allow_unprivileged is set, and
 * handlers flagged FAN_FP_F_SYS_ADMIN_ONLY always need it; selecting an
 * attachment by id (FAN_FP_BY_ID) always needs it. QUERY and GET_ROOTS by
 * file descriptor need only the device and the group's descriptor. Calls
 * down into registry.c, attach.c (which take fp_mutex) and fh.c; takes
 * fp_mutex itself only to recognize a fanotify file.
 */
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/kdev_t.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"
#include "fh.h"

/* The sizes the uapi header promises. */
static_assert(sizeof(struct fanotify_fastpath_attach) == FAN_FP_ATTACH_SIZE_VER0);
static_assert(sizeof(struct fanotify_fastpath_detach) == FAN_FP_DETACH_SIZE_VER0);
static_assert(sizeof(struct fanotify_fastpath_query) == FAN_FP_QUERY_SIZE_VER0);
static_assert(sizeof(struct fanotify_fastpath_set_tag) == FAN_FP_SET_TAG_SIZE_VER0);
static_assert(sizeof(struct fanotify_fastpath_set_root) == FAN_FP_SET_ROOT_SIZE_VER0);
static_assert(sizeof(struct fanotify_fastpath_root_info) == FAN_FP_ROOT_INFO_SIZE_VER0);
static_assert(sizeof(struct fanotify_fastpath_get_roots) == FAN_FP_GET_ROOTS_SIZE_VER0);

/* The largest @size a caller may pass. */
#define FP_CTL_SIZE_MAX		PAGE_SIZE

bool fp_ctl_permitted(void)
{
	return READ_ONCE(fp_param_allow_unprivileged) || capable(CAP_SYS_ADMIN);
}

/**
 * fp_ctl_group_fd() - the fanotify group of a file descriptor
 * @fd: a file descriptor of the caller
 * @filep: set to the file, which the caller fput()s
 * @groupp: set to the group, alive until then
 *
 * Return: 0, -EBADF, or -EINVAL when @fd is not a fanotify group.
 */
int fp_ctl_group_fd(int fd, struct file **filep, struct fsnotify_group **groupp)
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

/*
 * The group an ioctl acts on: that of @fd, or with FAN_FP_BY_ID that of
 * attachment @id. Release with fp_ctl_put().
 */
struct fp_ctl_target {
	struct file *file;		/* by descriptor */
	struct fsnotify_group *group;	/* held by @file, or by a reference */
	u64 id;				/* 0: whatever is attached */
};

static int fp_ctl_get(u32 flags, int fd, u64 id, struct fp_ctl_target *t)
{
	t->file = NULL;
	t->id = 0;
	if (!(flags & FAN_FP_BY_ID))
		return fp_ctl_group_fd(fd, &t->file, &t->group);
	if (!id)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	t->group = fp_group_by_id(id);
	if (IS_ERR(t->group))
		return PTR_ERR(t->group);
	t->id = id;
	return 0;
}

static void fp_ctl_put(struct fp_ctl_target *t)
{
	if (t->file)
		fput(t->file);
	else
		fsnotify_put_group(t->group);
}

/*
 * Copy in a version 2 structure: @ksize bytes at @karg from @uarg, whose
 * first field is its size as the caller knows it.
 */
static int fp_ctl_copy_in(void *karg, size_t ksize, size_t ver0, const void __user *uarg,
			  u32 *usizep)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ver0)
		return -EINVAL;
	if (usize > FP_CTL_SIZE_MAX)
		return -E2BIG;
	ret = copy_struct_from_user(karg, ksize, uarg, usize);
	if (ret)
		return ret;
	*usizep = usize;
	return 0;
}

/*
 * Copy out @ksize bytes at @karg into @usize bytes at @uarg: the smaller
 * of the two, the rest of the caller's zeroed. @karg's first field is set to
 * the number of bytes written.
 */
static int fp_ctl_copy_out(void __user *uarg, size_t usize, void *karg, size_t ksize)
{
	size_t n = min(usize, ksize);

	*(u32 *)karg = n;
	if (copy_to_user(uarg, karg, n))
		return -EFAULT;
	if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

/**
 * fp_ctl_init_args() - copy a handler's argument string in
 * @uptr: user pointer
 * @size: its size including the NUL, 0 for none (then @uptr must be 0)
 *
 * Return: a NUL-terminated copy to kfree(), or ERR_PTR(-E2BIG, -EINVAL,
 * -EFAULT, -ENOMEM).
 */
char *fp_ctl_init_args(u64 uptr, u32 size)
{
	char *args;

	if (size > FAN_FP_ARGS_MAX)
		return ERR_PTR(-E2BIG);
	if (!size)
		return uptr ? ERR_PTR(-EINVAL) : kstrdup("", GFP_KERNEL) ?: ERR_PTR(-ENOMEM);
	args = memdup_user(u64_to_user_ptr(uptr), size);
	if (IS_ERR(args))
		return args;
	if (strnlen(args, size) != size - 1) {
		kfree(args);
		return ERR_PTR(-EINVAL);
	}
	return args;
}

/**
 * fp_ctl_attach() - attach the handler @name to the group of @fd
 * @name: the handler's name, FAN_FP_NAME_MAX bytes
 * @flags: FAN_FP_ATTACH_* flags, checked
 * @fd: a file descriptor of the fanotify group
 * @init_args: the argument string, NUL-terminated
 * @idp: set to the attachment's id
 *
 * Return: 0 or a negative errno (see Documentation/userspace-api.md).
 */
int fp_ctl_attach(const char *name, u32 flags, int fd, const char *init_args, u64 *idp)
{
	struct fsnotify_group *group;
	struct fp_handler *h;
	struct file *file;
	int ret;

	ret = fp_ctl_group_fd(fd, &file, &group);
	if (ret)
		return ret;
	h = fp_handler_get(name);
	if (IS_ERR(h))
		ret = PTR_ERR(h);
	else
		ret = fp_attach(group, h, init_args, flags, idp);
	fput(file);
	return ret;
}

/* The checks of a name common to both versions, in their order of errnos. */
int fp_ctl_check_name(const char *name, size_t size)
{
	if (strnlen(name, size) == size)
		return -ENAMETOOLONG;
	if (!fp_valid_name(name, size))
		return -EINVAL;
	return 0;
}

static long fp_ioctl_attach2(void __user *uarg)
{
	struct fanotify_fastpath_attach a;
	char *init_args;
	u32 usize;
	u64 id;
	int ret;

	ret = fp_ctl_copy_in(&a, sizeof(a), FAN_FP_ATTACH_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (a.flags & ~FAN_FP_ATTACH_ALL)
		return -EINVAL;
	ret = fp_ctl_check_name(a.name, sizeof(a.name));
	if (ret)
		return ret;
	if (!fp_ctl_permitted())
		return -EPERM;
	init_args = fp_ctl_init_args(a.init_args, a.init_args_size);
	if (IS_ERR(init_args))
		return PTR_ERR(init_args);
	ret = fp_ctl_attach(a.name, a.flags, a.fanotify_fd, init_args, &id);
	kfree(init_args);
	if (ret)
		return ret;
	/* Attached: a caller that cannot read its id back has still attached. */
	if (put_user(id, &((struct fanotify_fastpath_attach __user *)uarg)->id))
		return -EFAULT;
	return 0;
}

static long fp_ioctl_detach2(void __user *uarg)
{
	struct fanotify_fastpath_detach d;
	struct fp_ctl_target t;
	u32 usize;
	int ret;

	ret = fp_ctl_copy_in(&d, sizeof(d), FAN_FP_DETACH_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if ((d.flags & ~FAN_FP_BY_ID) || d.reserved)
		return -EINVAL;
	if (!fp_ctl_permitted())
		return -EPERM;
	ret = fp_ctl_get(d.flags, d.fanotify_fd, d.id, &t);
	if (ret)
		return ret;
	ret = fp_detach(t.group, t.id);
	fp_ctl_put(&t);
	return ret;
}

static long fp_ioctl_query2(void __user *uarg)
{
	struct fanotify_fastpath_query qa;
	struct fp_ctl_target t;
	struct fp_query *q;
	u32 usize, n;
	int ret;

	ret = fp_ctl_copy_in(&qa, sizeof(qa), FAN_FP_QUERY_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if ((qa.flags & ~FAN_FP_BY_ID) || qa.reserved)
		return -EINVAL;
	if (!qa.counters && qa.nr_counters)
		return -EINVAL;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	ret = fp_ctl_get(qa.flags, qa.fanotify_fd, qa.id, &t);
	if (ret)
		goto out;
	ret = fp_query(t.group, t.id, q);
	fp_ctl_put(&t);
	if (ret)
		goto out;

	n = min_t(u32, qa.nr_counters, FAN_FP_CNT_NR);
	ret = -EFAULT;
	if (n && copy_to_user(u64_to_user_ptr(qa.counters), q->counters, n * sizeof(u64)))
		goto out;
	qa.nr_counters = FAN_FP_CNT_NR;
	qa.id = q->id;
	memcpy(qa.name, q->name, sizeof(qa.name));
	qa.attach_flags = q->attach_flags;
	qa.handler_flags = q->handler_flags;
	qa.handler_type = q->is_bpf ? FAN_FP_HANDLER_BPF : FAN_FP_HANDLER_C;
	ret = fp_ctl_copy_out(uarg, usize, &qa, sizeof(qa));
out:
	kfree(q);
	return ret;
}

/* Describe a taken root for userspace. */
static void fp_ctl_root_info(const struct fp_root_ref *ref,
			     struct fanotify_fastpath_root_info *ri)
{
	struct inode *inode = ref->inode;
	dev_t dev = inode->i_sb->s_dev;

	memset(ri, 0, sizeof(*ri));
	ri->flags = ref->exclude ? FAN_FP_ROOT_EXCLUDE : 0;
	ri->dev_major = MAJOR(dev);
	ri->dev_minor = MINOR(dev);
	ri->generation = inode->i_generation;
	ri->ino = inode->i_ino;
	ri->handle_type = fp_inode_handle(inode, ri->handle, sizeof(ri->handle),
					  &ri->handle_bytes);
}

static long fp_ioctl_get_roots(void __user *uarg)
{
	struct fanotify_fastpath_root_info *ri = NULL;
	struct fanotify_fastpath_get_roots g;
	struct fp_root_ref *refs = NULL;
	struct fp_ctl_target t;
	u32 usize, i, n;
	int ret;

	ret = fp_ctl_copy_in(&g, sizeof(g), FAN_FP_GET_ROOTS_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if ((g.flags & ~FAN_FP_BY_ID) || g.reserved)
		return -EINVAL;
	if (g.nr_roots && (!g.roots || g.root_size < FAN_FP_ROOT_INFO_SIZE_VER0))
		return -EINVAL;
	if (g.root_size > FP_CTL_SIZE_MAX)
		return -E2BIG;
	refs = kcalloc(FAN_FP_ROOTS_MAX, sizeof(*refs), GFP_KERNEL);
	ri = kmalloc(sizeof(*ri), GFP_KERNEL);
	ret = -ENOMEM;
	if (!refs || !ri)
		goto out;
	ret = fp_ctl_get(g.flags, g.fanotify_fd, g.id, &t);
	if (ret)
		goto out;
	ret = fp_roots(t.group, t.id, refs);
	fp_ctl_put(&t);
	if (ret < 0)
		goto out;

	/* No lock held: encoding a handle may sleep, the last put may unmount. */
	n = ret;
	ret = 0;
	for (i = 0; i < min(n, g.nr_roots) && !ret; i++) {
		void __user *dst = u64_to_user_ptr(g.roots) + (size_t)i * g.root_size;

		fp_ctl_root_info(&refs[i], ri);
		if (copy_to_user(dst, ri, min_t(size_t, g.root_size, sizeof(*ri))) ||
		    (g.root_size > sizeof(*ri) &&
		     clear_user(dst + sizeof(*ri), g.root_size - sizeof(*ri))))
			ret = -EFAULT;
	}
	fp_ancestry_roots_put(refs, n);
	if (ret)
		goto out;
	g.nr_roots = n;
	ret = fp_ctl_copy_out(uarg, usize, &g, sizeof(g));
out:
	kfree(ri);
	kfree(refs);
	return ret;
}

static long fp_ioctl_set_tag(void __user *uarg)
{
	struct fanotify_fastpath_set_tag st;
	struct fp_ctl_target t;
	struct file *target;
	u32 usize;
	int ret;

	ret = fp_ctl_copy_in(&st, sizeof(st), FAN_FP_SET_TAG_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if ((st.flags & ~FAN_FP_BY_ID) || !st.value)
		return -EINVAL;
	if (!fp_ctl_permitted())
		return -EPERM;
	target = fget_raw(st.fd);
	if (!target)
		return -EBADF;
	ret = fp_ctl_get(st.flags, st.fanotify_fd, st.id, &t);
	if (!ret) {
		ret = fp_tag(t.group, t.id, file_inode(target), st.value);
		fp_ctl_put(&t);
	}
	fput(target);
	return ret;
}

/**
 * fp_ctl_root() - add, change or remove a root of the attachment of a group
 * @flags: FAN_FP_ROOT_* flags (checked) and FAN_FP_BY_ID
 * @fanotify_fd: the group's descriptor (without FAN_FP_BY_ID)
 * @id: the attachment (with FAN_FP_BY_ID)
 * @fd: a descriptor of the root directory
 *
 * Return: 0 or a negative errno (see Documentation/userspace-api.md).
 */
int fp_ctl_root(u32 flags, int fanotify_fd, u64 id, int fd)
{
	struct fp_ctl_target t;
	struct file *target;
	int ret;

	if (!fp_ctl_permitted())
		return -EPERM;
	target = fget_raw(fd);
	if (!target)
		return -EBADF;
	ret = -ENOTDIR;
	if (!d_is_dir(target->f_path.dentry))
		goto out;
	ret = fp_ctl_get(flags, fanotify_fd, id, &t);
	if (!ret) {
		ret = fp_root(t.group, t.id, &target->f_path, flags & FAN_FP_ROOT_ALL);
		fp_ctl_put(&t);
	}
out:
	fput(target);
	return ret;
}

static long fp_ioctl_set_root(void __user *uarg)
{
	struct fanotify_fastpath_set_root sr;
	u32 usize;
	int ret;

	ret = fp_ctl_copy_in(&sr, sizeof(sr), FAN_FP_SET_ROOT_SIZE_VER0, uarg, &usize);
	if (ret)
		return ret;
	if (sr.flags & ~(FAN_FP_ROOT_ALL | FAN_FP_BY_ID))
		return -EINVAL;
	return fp_ctl_root(sr.flags, sr.fanotify_fd, sr.id, sr.fd);
}

static long fp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case FAN_FP_IOC_ATTACH2:
		return fp_ioctl_attach2(uarg);
	case FAN_FP_IOC_DETACH2:
		return fp_ioctl_detach2(uarg);
	case FAN_FP_IOC_QUERY2:
		return fp_ioctl_query2(uarg);
	case FAN_FP_IOC_SET_TAG:
		return fp_ioctl_set_tag(uarg);
	case FAN_FP_IOC_SET_ROOT:
		return fp_ioctl_set_root(uarg);
	case FAN_FP_IOC_GET_ROOTS:
		return fp_ioctl_get_roots(uarg);
	default:
		return fp_ioctl_v1(cmd, uarg);
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
