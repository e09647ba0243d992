// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: hooking one fanotify group on an unpatched kernel.
 *
 * Owns struct fp_group and fp_groups: recognizing a fanotify file, the
 * group's copy of fanotify's ops, the event path (fanotify's own mask test,
 * the handler call, the verdict) and the group's end. Locks: fp_mutex for
 * hooking and at the group's end; the event path takes rcu_read_lock() only.
 *
 * group->ops is the first member of struct fsnotify_group. To hook a group we
 * give it its own complete copy of fanotify's fsnotify_ops in which only
 * handle_event and free_group_priv are replaced by ours, and publish the copy
 * with a release store. A reader that still sees fanotify's table is harmless:
 * every other pointer of the copy is fanotify's own. The copy is never taken
 * back while the group lives (see struct fp_group for the lifetime rules).
 */
#include <linux/anon_inodes.h>
#include <linux/dcache.h>
#include <linux/fanotify.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

LIST_HEAD(fp_groups);	/* fp_mutex */

/*
 * fanotify's file_operations and fsnotify_ops are static in the kernel. We
 * learn them from the first file that passes the name and magic checks and
 * then require every later fanotify file to match. Written once under
 * fp_mutex, read under it.
 */
static const struct file_operations *fp_fanotify_fops;
static const struct fsnotify_ops *fp_fanotify_ops;

static int fp_handle_event(struct fsnotify_group *group, u32 mask,
			   const void *data, int data_type, struct inode *dir,
			   const struct qstr *file_name, u32 cookie,
			   struct fsnotify_iter_info *iter_info);
static void fp_free_group_priv(struct fsnotify_group *group);

/**
 * fp_file_group() - the fanotify group behind a file, or NULL
 * @file: a file the caller holds a reference on
 *
 * Context: fp_mutex held.
 * Return: the group (valid while @file is held) or NULL if @file is not a
 * fanotify file.
 */
struct fsnotify_group *fp_file_group(struct file *file)
{
	struct dentry *dentry = file->f_path.dentry;
	struct fsnotify_group *group;
	const struct fsnotify_ops *ops;

	lockdep_assert_held(&fp_mutex);
	if (file_inode(file)->i_sb->s_magic != ANON_INODE_FS_MAGIC ||
	    strcmp(dentry->d_name.name, "[fanotify]"))
		return NULL;
	if (fp_fanotify_fops && file->f_op != fp_fanotify_fops)
		return NULL;

	group = file->private_data;
	if (!group)
		return NULL;
	ops = READ_ONCE(group->ops);
	if (ops->handle_event == fp_handle_event)
		return group;
	if (fp_fanotify_ops && ops != fp_fanotify_ops)
		return NULL;
	if (!fp_fanotify_ops) {
		if (!ops->handle_event || !ops->free_group_priv)
			return NULL;
		fp_fanotify_fops = file->f_op;
		fp_fanotify_ops = ops;
	}
	return group;
}

/**
 * fp_group_lookup() - our state of a hooked group
 * @group: a live fanotify group
 *
 * Context: fp_mutex held.
 * Return: the fp_group, or NULL when the group was never hooked.
 */
struct fp_group *fp_group_lookup(struct fsnotify_group *group)
{
	const struct fsnotify_ops *ops = READ_ONCE(group->ops);

	lockdep_assert_held(&fp_mutex);
	if (ops->handle_event != fp_handle_event)
		return NULL;
	return container_of(ops, struct fp_group, ops);
}

/**
 * fp_group_hook() - hook a group (once) and return our state for it
 * @group: a live fanotify group, kept alive by the caller's file reference
 *
 * Context: fp_mutex held.
 * Return: the fp_group or ERR_PTR(-ENOMEM).
 */
struct fp_group *fp_group_hook(struct fsnotify_group *group)
{
	struct fp_group *fg = fp_group_lookup(group);

	if (fg)
		return fg;

	fg = kzalloc(sizeof(*fg), GFP_KERNEL);
	if (!fg)
		return ERR_PTR(-ENOMEM);
	fg->orig = READ_ONCE(group->ops);
	fg->ops = *fg->orig;
	fg->ops.handle_event = fp_handle_event;
	fg->ops.free_group_priv = fp_free_group_priv;
	fg->group = group;
	list_add(&fg->node, &fp_groups);
	/* Dropped by fp_free_group_priv() when the group dies. */
	__module_get(THIS_MODULE);
	/* Publish the complete copy; pairs with the plain load in send_to_group(). */
	smp_store_release(&group->ops, &fg->ops);
	return fg;
}

/* 6.15+: a group reporting mount events reports only those. */
#ifdef FAN_REPORT_MNT
#define FP_MOUNT_GROUP(group)	FAN_GROUP_FLAG(group, FAN_REPORT_MNT)
#define FP_MOUNT_EVENT(type)	((type) == FSNOTIFY_EVENT_MNT)
#else
#define FP_MOUNT_GROUP(group)	((void)(group), 0)
#define FP_MOUNT_EVENT(type)	false
#endif

/*
 * fanotify_group_event_mask() of fs/notify/fanotify/fanotify.c (static there),
 * rebuilt from public helpers (identical in 6.12 and, with the mount-event
 * branch, in 7.3): the event mask fanotify would report to this group, or 0
 * when fanotify will drop the event anyway. If this ever disagreed
 * with fanotify the only effect would be an event reaching userspace
 * unfiltered, never a lost event: the handler's SKIP is the only drop.
 */
static u32 fp_group_event_mask(struct fsnotify_group *group,
			       struct fsnotify_iter_info *iter_info,
			       u32 *match_mask, u32 event_mask,
			       const void *data, int data_type,
			       struct inode *dir)
{
	u32 marks_mask = 0, marks_ignore_mask = 0;
	u32 test_mask, user_mask = FANOTIFY_OUTGOING_EVENTS | FANOTIFY_EVENT_FLAGS;
	const struct path *path = fsnotify_data_path(data, data_type);
	unsigned int fid_mode = FAN_GROUP_FLAG(group, FANOTIFY_FID_BITS);
	unsigned long types = iter_info->report_mask;
	struct fsnotify_mark *mark;
	bool ondir = event_mask & FAN_ONDIR;
	int type;

	if (FP_MOUNT_GROUP(group)) {
		if (!FP_MOUNT_EVENT(data_type))
			return 0;
	} else if (!fid_mode) {
		if (!path)
			return 0;
		if (!d_is_reg(path->dentry) && !d_can_lookup(path->dentry))
			return 0;
	} else if (!(fid_mode & FAN_REPORT_FID)) {
		if (!dir && !ondir)
			return 0;
	}

	/*
	 * fsnotify_foreach_iter_mark_type() tests every mark type in turn; only
	 * the types in report_mask have a mark for this group (usually one).
	 */
	while (types) {
		type = __ffs(types);
		types &= types - 1;
		mark = iter_info->marks[type];
		if (unlikely(!mark))
			continue;
		marks_ignore_mask |=
			fsnotify_effective_ignore_mask(mark, ondir, type);
		if (!fsnotify_mask_applicable(mark->mask, ondir, type))
			continue;
		marks_mask |= mark->mask;
		*match_mask |= 1U << type;
	}

	test_mask = event_mask & marks_mask & ~marks_ignore_mask;
	if (fid_mode) {
		if (!(test_mask & ~FANOTIFY_EVENT_FLAGS))
			return 0;
	} else {
		user_mask &= ~FANOTIFY_EVENT_FLAGS;
	}
	return test_mask & user_mask;
}

/* fp_handle_event() fills every member of the event: no padding may be left. */
static_assert(sizeof(struct fanotify_fastpath_event) ==
	      4 * sizeof(u32) + 3 * sizeof(void *));

/* What the wrapper does with an event after the handler ran. */
enum fp_action {
	FP_DELIVER,	/* call fanotify's handle_event */
	FP_DROP,	/* return 0: the event never reaches the group */
	FP_DENY,	/* return the handler's errno: permission denied */
};

/*
 * The errnos a handler may deny with: EACCES (what LSMs deny with) and those
 * fanotify lets a permission response deny with (6.13+'s FAN_DENY_ERRNO);
 * any other errno denies with EPERM, so that no -ERESTARTSYS or other
 * kernel-internal value reaches a system call.
 */
static int fp_deny_errno(int ret)
{
	switch (ret) {
	case -EACCES:
	case -EPERM:
	case -EIO:
	case -EBUSY:
	case -ETXTBSY:
	case -EAGAIN:
	case -ENOSPC:
	case -EDQUOT:
		return ret;
	default:
		return -EPERM;
	}
}

/*
 * Turn a handler's return value into an action, counting it. Unsafe verdicts
 * are converted: SKIP on a permission event would silently ALLOW the access,
 * so it only drops when the attacher asked for that; an errno only denies
 * permission events (fp_deny_errno()); anything unknown is delivered.
 */
static enum fp_action fp_verdict(struct fp_attachment *at, int ret, bool perm)
{
	enum fp_stat stat;
	enum fp_action act;

	if (ret == FAN_FP_RET_SEND_TO_USERSPACE) {
		stat = FP_STAT_PASSED;
		act = FP_DELIVER;
	} else if (ret == FAN_FP_RET_SKIP_EVENT &&
		   (!perm || (at->hook.attach_flags & FAN_FP_ATTACH_PERM_SKIP_ALLOWS))) {
		stat = FP_STAT_DROPPED;
		act = FP_DROP;
	} else if (perm && ret < 0 && ret >= -MAX_ERRNO) {
		stat = FP_STAT_DENIED;
		act = FP_DENY;
	} else {
		stat = ret == FAN_FP_RET_SKIP_EVENT ? FP_STAT_PASSED : FP_STAT_ERRORS;
		act = FP_DELIVER;
	}
	/* FP_STAT_SEEN is the sum of the others (fp_stats_sum()). */
	this_cpu_inc(at->stats->v[stat]);
	return act;
}

/*
 * The group's handle_event. Context (fsnotify): fsnotify_mark_srcu held, may
 * sleep, the caller may hold the directory's i_rwsem. Only the handler call
 * runs under rcu_read_lock(); fanotify's own handler (which may sleep waiting
 * for a permission response) runs outside it.
 */
static int fp_handle_event(struct fsnotify_group *group, u32 mask,
			   const void *data, int data_type, struct inode *dir,
			   const struct qstr *file_name, u32 cookie,
			   struct fsnotify_iter_info *iter_info)
{
	struct fp_group *fg = container_of(READ_ONCE(group->ops),
					   struct fp_group, ops);
	enum fp_action act = FP_DELIVER;
	struct fp_attachment *at;
	int ret = 0;

	if (rcu_access_pointer(fg->attachment)) {
		struct fanotify_fastpath_event ev __uninitialized;

		/*
		 * Every member, field by field: with CONFIG_INIT_STACK_ALL_ZERO
		 * the struct would otherwise be zeroed first on every event.
		 */
		ev.match_mask = 0;
		ev.mask = fp_group_event_mask(group, iter_info, &ev.match_mask,
					      mask, data, data_type, dir);
		ev.data = data;
		ev.data_type = data_type;
		ev.dir = dir;
		ev.file_name = file_name;
		ev.cookie = cookie;
		if (ev.mask) {
			rcu_read_lock();
			at = rcu_dereference(fg->attachment);
			if (at) {
				ret = at->hook.ops->fp_handler(group, &at->hook, &ev);
				act = fp_verdict(at, ret, ev.mask & FANOTIFY_PERM_EVENTS);
			}
			rcu_read_unlock();
		}
	}

	if (act == FP_DROP)
		return 0;
	if (act == FP_DENY)
		return fp_deny_errno(ret);
	return fg->orig->handle_event(group, mask, data, data_type, dir,
				      file_name, cookie, iter_info);
}

/*
 * The group's free_group_priv: called once, at the group's final put, after
 * all event delivery ended (the mark reaper waited for SRCU readers). Ends the
 * attachment (attach.c: the one call upward), lets fanotify free its private
 * data, frees our copy of the ops and drops the module reference the hook
 * took. Context: process context (fanotify_release() or the mark reaper
 * work), no locks held.
 */
static void fp_free_group_priv(struct fsnotify_group *group)
{
	struct fp_group *fg = container_of(READ_ONCE(group->ops),
					   struct fp_group, ops);

	fp_attachment_group_died(fg);
	if (fg->orig->free_group_priv)
		fg->orig->free_group_priv(group);
	kfree(fg);
	/* The last instructions after this are covered by module exit's tasks-RCU wait. */
	module_put(THIS_MODULE);
}
