// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: event helpers exported to handlers.
 *
 * Owns the one rule every helper uses for "the directory an event is
 * reported in", which is fanotify's own (the directory fid it reports):
 * for directory-entry events the parent fsnotify passed (for FAN_RENAME the
 * old parent); for other events on a directory the directory itself; for
 * events on other files their parent; *_SELF events and FS_ERROR have none.
 * ancestry.c adds, for FAN_RENAME only, the new parent (fanotify reports both).
 *
 * Locks: none of our own; a dentry name is read under its d_lock, an inode's
 * alias under its i_lock.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/string.h>

#include "internal.h"

/**
 * fanotify_fastpath_event_dir() - the directory an event is reported in
 * @event: the event passed to fp_handler
 *
 * The directory fanotify reports the event in: for directory-entry events
 * (create, delete, moves, FAN_RENAME) the parent fsnotify passed (for
 * FAN_RENAME the old one); for other events on a directory (attrib, open,
 * close, ...) the directory itself; for other events on a file its parent
 * (@event->dir, or the parent of the event's dentry); NULL for *_SELF events
 * and FS_ERROR.
 *
 * Context: fp_handler (the event pins the dentry, which pins its parent).
 * Return: the directory inode, not referenced, or NULL.
 */
struct inode *fanotify_fastpath_event_dir(const struct fanotify_fastpath_event *event)
{
	struct dentry *dentry;
	struct inode *inode;

	if (event->mask & ALL_FSNOTIFY_DIRENT_EVENTS)
		return event->dir;
	if (event->mask & (FS_DELETE_SELF | FS_MOVE_SELF))
		return NULL;
	inode = fsnotify_data_inode(event->data, event->data_type);
	if (inode && S_ISDIR(inode->i_mode))
		return inode;
	if (event->dir)
		return event->dir;
	dentry = fsnotify_data_dentry(event->data, event->data_type);
	if (!dentry || IS_ROOT(dentry))
		return NULL;
	return d_inode(READ_ONCE(dentry->d_parent));
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_event_dir);

/* The inode alias list member of struct dentry moved out of d_u in 7.x. */
#ifdef for_each_alias
#define FP_D_ALIAS	d_alias
#else
#define FP_D_ALIAS	d_u.d_alias
#endif

/**
 * fp_dir_alias() - the dentry of a directory
 * @dir: a directory inode
 *
 * A directory has at most one alias; it is read under i_lock, and dentries
 * are freed after an RCU grace period, so it stays readable after the lock
 * is dropped.
 *
 * Context: rcu_read_lock() held.
 * Return: the dentry (valid under RCU only) or NULL.
 */
struct dentry *fp_dir_alias(struct inode *dir)
{
	struct dentry *dentry;

	if (!S_ISDIR(dir->i_mode))
		return NULL;
	spin_lock(&dir->i_lock);
	dentry = hlist_empty(&dir->i_dentry) ? NULL :
		 hlist_entry(dir->i_dentry.first, struct dentry, FP_D_ALIAS);
	spin_unlock(&dir->i_lock);
	return dentry;
}

/**
 * fp_inode_parents() - the parent dentries of a file's aliases
 * @inode: a file (not a directory)
 * @out: filled with up to @max parents, valid under RCU only
 * @max: size of @out
 *
 * Read under i_lock (see fp_dir_alias()).
 *
 * Context: rcu_read_lock() held.
 * Return: the number of parents (0 when the inode has no alias), or -1 when
 * an alias is disconnected (its parent is unknown) or there are more than
 * @max.
 */
int fp_inode_parents(struct inode *inode, struct dentry **out, int max)
{
	struct dentry *dentry;
	int n = 0;

	spin_lock(&inode->i_lock);
	hlist_for_each_entry(dentry, &inode->i_dentry, FP_D_ALIAS) {
		if (n == max || IS_ROOT(dentry)) {
			n = -1;
			break;
		}
		out[n++] = READ_ONCE(dentry->d_parent);
	}
	spin_unlock(&inode->i_lock);
	return n;
}

/**
 * fp_event_dir_dentry() - a dentry of the event's directory
 * @event: the event passed to fp_handler
 * @dir: fanotify_fastpath_event_dir(@event), not NULL
 *
 * The event's dentry or its parent when that is @dir, else @dir's alias.
 *
 * Context: rcu_read_lock() held.
 * Return: the dentry (valid under RCU only) or NULL.
 */
struct dentry *fp_event_dir_dentry(const struct fanotify_fastpath_event *event,
				   struct inode *dir)
{
	struct dentry *dentry = fsnotify_data_dentry(event->data, event->data_type);

	if (dentry) {
		struct dentry *parent = READ_ONCE(dentry->d_parent);

		if (d_inode_rcu(dentry) == dir)
			return dentry;
		if (d_inode_rcu(parent) == dir)
			return parent;
	}
	return fp_dir_alias(dir);
}

/**
 * fanotify_fastpath_event_name() - copy the entry name of an event
 * @event: the event passed to fp_handler
 * @buf: destination
 * @size: its size; NAME_MAX + 1 holds every name
 *
 * The entry name is @event->file_name when fsnotify passed one (events on
 * the entries of a directory, and every event of a group that reports
 * directory fids and names), else the name of the event's dentry (e.g. open
 * or close events of a group reporting file descriptors). Events whose data is
 * an inode and that come without a name (*_SELF events, FS_ERROR) have none.
 * A dentry's name is read under its d_lock, so a concurrent rename cannot
 * tear it.
 *
 * Context: fp_handler (any context but hard IRQ; does not sleep).
 * Return: the length copied (without the NUL, truncated to @size - 1),
 * -ENOENT when the event has no name (@buf is then ""), -EINVAL when @size is 0.
 */
int fanotify_fastpath_event_name(const struct fanotify_fastpath_event *event,
				 char *buf, size_t size)
{
	struct dentry *dentry;
	ssize_t len;

	if (!size)
		return -EINVAL;
	if (event->file_name) {
		len = strscpy(buf, event->file_name->name, size);
	} else {
		dentry = fsnotify_data_dentry(event->data, event->data_type);
		if (!dentry) {
			buf[0] = 0;
			return -ENOENT;
		}
		spin_lock(&dentry->d_lock);
		len = strscpy(buf, dentry->d_name.name, size);
		spin_unlock(&dentry->d_lock);
	}
	return len < 0 ? size - 1 : len;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_event_name);
