// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the roots of the ancestry caches.
 *
 * Owns the root group (a private fsnotify group), its inode marks (struct
 * fp_anc_root: one per root, holding the root directory's inode), the
 * exported fanotify_fastpath_subtree_add_root() and _remove_root(), and each
 * cache's @gc_work, which ends the subscriptions of filesystems whose last
 * root ended by itself. Calls anc_watch.c (subscriptions) and anc_cache.c
 * (the root's entry, the generation).
 *
 * A root is its directory's inode: it stays a root when moved or renamed and
 * when its i_generation changes (FS_IOC_SETVERSION), and stops being one
 * when the directory is deleted (its mark is destroyed right after
 * FS_DELETE_SELF) or its filesystem unmounted (fsnotify destroys every inode
 * mark of the super_block). The mark pins the inode, not the dentry or the
 * mount: an unmount is never refused because of a root.
 *
 * Also takes the roots for the control device's listing (fp_ancestry_roots()).
 *
 * Locks: anc->mutex serializes root changes of a cache (they may sleep:
 * adding marks); anc->lock protects the roots list and the hash. The root
 * group's freeing_mark takes anc->lock only.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/mount.h>
#include <linux/slab.h>

#include "ancestry.h"
#include "compat.h"

/*
 * struct fp_anc_root - a root: an inode mark of the root group, which holds
 * the root directory's inode (not its dentry or mount), and the root's entry
 * in the cache's hash.
 *
 * Lifetime: created by fanotify_fastpath_subtree_add_root() with @linked set
 * (entry hashed, on anc->roots), holding one mark reference of its own and
 * one reference on the cache. Unlinked under anc->lock by exactly one of:
 * root removal, the end of the cache, or our freeing_mark (the directory is
 * deleted or its filesystem unmounted; it then queues the cache's @gc_work);
 * the unlinker drops the mark reference. free_mark drops the cache reference
 * and frees it after an RCU grace period (event-path readers may still see
 * the entry).
 */
struct fp_anc_root {
	struct fsnotify_mark mark;
	struct fp_anc_entry e;
	struct fp_ancestry *anc;
	bool linked;			/* anc->lock */
};

static struct fsnotify_group *fp_anc_root_group;	/* inode marks: struct fp_anc_root */

/* Unlink @r from its cache. Context: anc->lock held. */
static void fp_anc_root_unlink(struct fp_ancestry *anc, struct fp_anc_root *r)
{
	fp_anc_unlink(anc, &r->e);
	r->linked = false;
	fp_anc_invalidate(anc);
}

static struct fp_anc_root *fp_anc_root_find(struct fp_ancestry *anc, struct inode *inode)
{
	struct fp_anc_entry *e;

	list_for_each_entry(e, &anc->roots, node)
		if (e->inode == inode)
			return container_of(e, struct fp_anc_root, e);
	return NULL;
}

/* Destroy the mark of an unlinked root (its freeing_mark then does nothing). */
static void fp_anc_root_destroy(struct fp_anc_root *r)
{
	fsnotify_destroy_mark(&r->mark, fp_anc_root_group);
	fsnotify_put_mark(&r->mark);
}

/* The subscriptions of filesystems whose last root ended by itself. */
static void fp_anc_gc_work(struct work_struct *work)
{
	struct fp_ancestry *anc = container_of(work, struct fp_ancestry, gc_work);

	mutex_lock(&anc->mutex);
	fp_anc_subs_gc(anc);
	mutex_unlock(&anc->mutex);
	fp_anc_put(anc);
}

/* A new root of @anc on @inode, its mark not yet added. */
static struct fp_anc_root *fp_anc_root_new(struct fp_ancestry *anc, struct inode *inode,
					   bool include)
{
	struct fp_anc_root *r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (!r)
		return NULL;
	fsnotify_init_mark(&r->mark, fp_anc_root_group);
	r->anc = anc;
	kref_get(&anc->ref);	/* dropped by free_mark */
	r->e.inode = inode;
	r->e.sb = inode->i_sb;
	r->e.ino = inode->i_ino;
	r->e.igen = inode->i_generation;
	r->e.kind = FP_ANC_ROOT;
	r->e.state = fp_anc_state(0, 0, include);
	return r;
}

/**
 * fanotify_fastpath_subtree_add_root() - add a root, or change its kind
 * @hook: the attachment
 * @path: a directory, held by the caller
 * @flags: 0 for an include root, FAN_FP_ROOT_EXCLUDE for an exclude root
 *
 * The root is its directory's inode, which an fsnotify mark holds (not its
 * dentry or mount): it stays a root when moved, stops being one when deleted
 * or unmounted. Its filesystem is watched for directory moves from now on.
 * Memory is charged to the memory cgroup of the task that attached. A
 * caller without CAP_SYS_ADMIN must have read and search permission on the
 * directory.
 *
 * Context: process context, may sleep; fp_init or the control device.
 * Return: 0, -EINVAL for unknown @flags, -ENOTDIR, -ENOSPC with
 * FAN_FP_ROOTS_MAX roots, -ENOENT when the directory is being deleted,
 * -EACCES (see above), -ENOMEM.
 */
int fanotify_fastpath_subtree_add_root(struct fanotify_fastpath_hook *hook,
				       const struct path *path, u32 flags)
{
	struct fp_ancestry *anc = hook_anc(hook);
	struct inode *inode = d_inode(path->dentry);
	bool include = !(flags & FAN_FP_ROOT_EXCLUDE);
	struct mem_cgroup *old_memcg;
	struct fp_anc_root *r;
	int ret;

	if (flags & ~FAN_FP_ROOT_EXCLUDE)
		return -EINVAL;
	if (!d_is_dir(path->dentry))
		return -ENOTDIR;
	if (IS_DEADDIR(inode))
		return -ENOENT;
	/*
	 * A root holds its inode. Without CAP_SYS_ADMIN, only a directory the
	 * caller may list (an O_PATH fd alone does not grant that).
	 */
	if (!capable(CAP_SYS_ADMIN)) {
		ret = inode_permission(mnt_idmap(path->mnt), inode, MAY_READ | MAY_EXEC);
		if (ret)
			return ret;
	}

	mutex_lock(&anc->mutex);
	old_memcg = set_active_memcg(anc->memcg);
	ret = fp_anc_prepare(anc);
	if (ret)
		goto out;
	spin_lock(&anc->lock);
	r = fp_anc_root_find(anc, inode);
	if (r) {
		WRITE_ONCE(r->e.state, fp_anc_state(0, 0, include));
		fp_anc_invalidate(anc);
	}
	spin_unlock(&anc->lock);
	if (r)
		goto out;
	ret = -ENOSPC;
	if (anc->nroots >= FAN_FP_ROOTS_MAX)
		goto out;
	/* Subscriptions of roots that ended by themselves end first. */
	fp_anc_subs_gc(anc);
	ret = fp_anc_sub_add(anc, inode->i_sb);
	if (ret)
		goto out;
	ret = -ENOMEM;
	r = fp_anc_root_new(anc, inode, include);
	if (!r)
		goto gc;

	spin_lock(&anc->lock);
	r->linked = true;
	fp_anc_root_hash(anc, &r->e);
	fp_anc_invalidate(anc);
	spin_unlock(&anc->lock);

	ret = fsnotify_add_inode_mark(&r->mark, inode, 0);
	if (!ret)
		goto out;
	spin_lock(&anc->lock);
	if (r->linked)
		fp_anc_root_unlink(anc, r);
	spin_unlock(&anc->lock);
	fsnotify_put_mark(&r->mark);	/* never attached: free_mark frees it */
gc:
	fp_anc_subs_gc(anc);		/* a subscription made for this root */
out:
	set_active_memcg(old_memcg);
	mutex_unlock(&anc->mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_subtree_add_root);

/**
 * fanotify_fastpath_subtree_remove_root() - remove a root
 * @hook: the attachment
 * @path: the root directory, held by the caller
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOENT when @path is not a root of the attachment.
 */
int fanotify_fastpath_subtree_remove_root(struct fanotify_fastpath_hook *hook,
					  const struct path *path)
{
	struct fp_ancestry *anc = hook_anc(hook);
	struct inode *inode = d_inode(path->dentry);
	struct fp_anc_root *r;

	mutex_lock(&anc->mutex);
	spin_lock(&anc->lock);
	r = fp_anc_root_find(anc, inode);
	if (r)
		fp_anc_root_unlink(anc, r);
	spin_unlock(&anc->lock);
	if (r) {
		fp_anc_root_destroy(r);
		fp_anc_subs_gc(anc);
	}
	mutex_unlock(&anc->mutex);
	return r ? 0 : -ENOENT;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_subtree_remove_root);

/**
 * fp_ancestry_roots() - take the roots of a cache, to describe them
 * @anc: the cache, alive for the call (its attachment is held under fp_mutex)
 * @refs: room for @max roots
 * @max: at most this many
 *
 * Each root's inode and its filesystem are held (struct fp_root_ref), so the
 * caller may encode file handles, which may sleep, without any lock. A
 * linked root's inode is pinned by its mark, so its super_block is alive
 * here; one already shutting down (no active reference left) is skipped:
 * its root is about to end.
 *
 * Context: process context; takes anc->lock.
 * Return: the number of roots taken.
 */
int fp_ancestry_roots(struct fp_ancestry *anc, struct fp_root_ref *refs, int max)
{
	struct fp_anc_entry *e;
	int n = 0;

	spin_lock(&anc->lock);
	list_for_each_entry(e, &anc->roots, node) {
		struct inode *inode = (struct inode *)e->inode;

		if (n == max)
			break;
		if (!atomic_inc_not_zero(&inode->i_sb->s_active))
			continue;
		ihold(inode);
		refs[n].inode = inode;
		refs[n].exclude = !(READ_ONCE(e->state) & 1);
		n++;
	}
	spin_unlock(&anc->lock);
	return n;
}

/**
 * fp_ancestry_roots_put() - release what fp_ancestry_roots() took
 * @refs: the roots
 * @n: how many
 *
 * Context: process context, no lock held: the last reference of a
 * filesystem unmounted meanwhile shuts it down here.
 */
void fp_ancestry_roots_put(struct fp_root_ref *refs, int n)
{
	while (n--) {
		struct super_block *sb = refs[n].inode->i_sb;

		iput(refs[n].inode);
		deactivate_super(sb);
	}
}

/**
 * fp_anc_roots_end() - remove every root of an ending cache
 * @anc: the cache; no fp_handler can reach it any more
 *
 * Context: anc->mutex held; may sleep.
 */
void fp_anc_roots_end(struct fp_ancestry *anc)
{
	struct fp_anc_entry *e, *tmp;
	LIST_HEAD(doomed);

	spin_lock(&anc->lock);
	list_for_each_entry_safe(e, tmp, &anc->roots, node) {
		fp_anc_root_unlink(anc, container_of(e, struct fp_anc_root, e));
		list_add(&e->node, &doomed);
	}
	spin_unlock(&anc->lock);
	list_for_each_entry_safe(e, tmp, &doomed, node)
		fp_anc_root_destroy(container_of(e, struct fp_anc_root, e));
}

/*
 * A root's directory is deleted or its filesystem unmounted: drop the root,
 * and have its subscription ended in process context (this may run inside
 * rmdir with directory locks held).
 */
static void fp_anc_root_freeing_mark(struct fsnotify_mark *mark, struct fsnotify_group *group)
{
	struct fp_anc_root *r = container_of(mark, struct fp_anc_root, mark);
	struct fp_ancestry *anc = r->anc;
	bool drop = false;

	spin_lock(&anc->lock);
	if (r->linked) {
		fp_anc_root_unlink(anc, r);
		drop = true;
	}
	spin_unlock(&anc->lock);
	if (!drop)
		return;
	/* The root's own reference keeps @anc alive here: this put is never the last. */
	kref_get(&anc->ref);
	if (!queue_work(fp_anc_wq, &anc->gc_work))
		fp_anc_put(anc);
	/* The destroyer holds its own reference: this is never the last one. */
	fsnotify_put_mark(mark);
}

static void fp_anc_root_free_mark(struct fsnotify_mark *mark)
{
	struct fp_anc_root *r = container_of(mark, struct fp_anc_root, mark);

	fp_anc_put(r->anc);
	kfree_rcu(r, e.rcu);
}

/* Root marks have an empty mask; fsnotify never calls this. */
static int fp_anc_root_handle_event(struct fsnotify_group *group, u32 mask,
				    const void *data, int data_type, struct inode *dir,
				    const struct qstr *file_name, u32 cookie,
				    struct fsnotify_iter_info *iter_info)
{
	return 0;
}

static const struct fsnotify_ops fp_anc_root_fsn_ops = {
	.handle_event	= fp_anc_root_handle_event,
	.freeing_mark	= fp_anc_root_freeing_mark,
	.free_mark	= fp_anc_root_free_mark,
};

/* Initialize the parts of a new cache this file owns. */
void fp_anc_roots_init_cache(struct fp_ancestry *anc)
{
	INIT_WORK(&anc->gc_work, fp_anc_gc_work);
}

int fp_anc_roots_init(void)
{
	fp_anc_root_group = fsnotify_alloc_group(&fp_anc_root_fsn_ops, FSNOTIFY_GROUP_DUPS);
	return PTR_ERR_OR_ZERO(fp_anc_root_group);
}

/* After every cache has ended and fsnotify has freed their marks. */
void fp_anc_roots_exit(void)
{
	fsnotify_put_group(fp_anc_root_group);
}
