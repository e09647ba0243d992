// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: per-attachment inode tags.
 *
 * A tag is a u64 that a handler keeps for an inode (the seed's BPF program
 * tags the directories of its subtree; the subtree handlers use ancestry.c).
 * Requirements: readable and writable from the event path (no sleeping), no
 * pinned inodes, gone with the inode, gone with the attachment, bounded.
 *
 * Each tag is an entry of a global RCU hash keyed by (store, inode) and embeds
 * an fsnotify mark of a private group (mask 0: it never receives events). The
 * mark is evictable (FSNOTIFY_MARK_FLAG_NO_IREF): it does not pin the inode,
 * and when the inode is evicted fsnotify destroys it and calls our
 * freeing_mark, which unhashes the entry. Because attaching a mark may sleep,
 * a tag set from the event path is hashed at once (so lookups see it
 * immediately) with a reference on the inode, and a work item attaches the
 * mark and drops that reference. A pending tag also holds its super_block
 * active (sb->s_active), so an unmount meanwhile completes only after the
 * work item has attached the mark and dropped both: never "busy inodes after
 * unmount".
 *
 * Memory is charged to the memory cgroup of the task that attached, and
 * bounded per attachment by the module parameter tag_max.
 *
 * Locks: fp_tag_lock (spinlock) protects the hash, the stores' lists and
 * counts, the pending list and @linked; lookups are lockless under RCU.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"

/*
 * struct fp_tag - one tag.
 *
 * Lifetime: created by fanotify_fastpath_tag_set() holding one mark reference
 * (fsnotify_init_mark's) that belongs to whoever unlinks the entry: @linked is
 * cleared under fp_tag_lock by exactly one of inode eviction (freeing_mark),
 * store destruction, or a failed mark attach, and that one drops the reference.
 * The mark's free_mark frees the entry after an RCU grace period, so lockless
 * lookups never see freed memory. While @pending, the entry holds a reference
 * on @inode (taken from the caller's) and an active reference on its
 * super_block, and is on fp_tag_pending.
 */
struct fp_tag {
	struct fsnotify_mark mark;
	struct hlist_node hnode;	/* fp_tag_hash, RCU */
	struct list_head snode;		/* fp_tag_store.tags */
	struct list_head pnode;		/* fp_tag_pending while pending */
	struct fp_tag_store *store;
	struct inode *inode;		/* hash key; a reference only while pending */
	u64 value;
	bool linked;			/* fp_tag_lock */
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(fp_tag_hash, 12);
static DEFINE_SPINLOCK(fp_tag_lock);	/* hash, store lists, pending list, @linked */
static LIST_HEAD(fp_tag_pending);
static struct fsnotify_group *fp_tag_group;
static struct workqueue_struct *fp_tag_wq;
static void fp_tag_workfn(struct work_struct *work);
static DECLARE_WORK(fp_tag_work, fp_tag_workfn);

static struct fp_tag_store *hook_store(struct fanotify_fastpath_hook *hook)
{
	return &fp_hook_attachment(hook)->tags;
}

static u32 fp_tag_hashfn(struct fp_tag_store *store, struct inode *inode)
{
	return hash_ptr(inode, 32) ^ hash_ptr(store, 32);
}

static struct fp_tag *fp_tag_find(struct fp_tag_store *store, struct inode *inode)
{
	struct fp_tag *t;

	hash_for_each_possible_rcu(fp_tag_hash, t, hnode, fp_tag_hashfn(store, inode)) {
		if (t->inode == inode && t->store == store)
			return t;
	}
	return NULL;
}

/* Unlink @t; the caller then owns (and must drop) the entry's mark reference. */
static void fp_tag_unlink(struct fp_tag *t)
{
	lockdep_assert_held(&fp_tag_lock);
	t->linked = false;
	hash_del_rcu(&t->hnode);
	list_del(&t->snode);
	t->store->count--;
}

/**
 * fanotify_fastpath_tag_get() - read the tag of an inode
 * @hook: the attachment
 * @inode: an inode the caller holds (may be NULL)
 *
 * Context: any; typically fp_handler.
 * Return: the tag, or 0 when the inode has none.
 */
u64 fanotify_fastpath_tag_get(struct fanotify_fastpath_hook *hook,
			      struct inode *inode)
{
	struct fp_tag *t;
	u64 value = 0;

	if (!hook || !inode)
		return 0;
	rcu_read_lock();
	t = fp_tag_find(hook_store(hook), inode);
	if (t)
		value = READ_ONCE(t->value);
	rcu_read_unlock();
	return value;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_tag_get);

/**
 * fanotify_fastpath_tag_set() - set the tag of an inode
 * @hook: the attachment
 * @inode: an inode the caller holds
 * @value: the tag, not 0
 *
 * The tag is visible to fanotify_fastpath_tag_get() as soon as this returns.
 *
 * Context: any but hard IRQ; typically fp_handler or fp_init. Does not sleep.
 * Return: 0, -EINVAL (no inode or @value 0), -ENOSPC (the attachment has
 * tag_max tags), -ENOENT (the inode is being evicted), -ENOMEM.
 */
int fanotify_fastpath_tag_set(struct fanotify_fastpath_hook *hook,
			      struct inode *inode, u64 value)
{
	struct mem_cgroup *old_memcg;
	struct fp_tag_store *store;
	struct fp_tag *t, *old;
	int ret = 0;

	if (!hook || !inode || !value)
		return -EINVAL;
	store = hook_store(hook);

	rcu_read_lock();
	old = fp_tag_find(store, inode);
	if (old)
		WRITE_ONCE(old->value, value);
	rcu_read_unlock();
	if (old)
		return 0;

	old_memcg = set_active_memcg(fp_hook_attachment(hook)->memcg);
	t = kzalloc(sizeof(*t), GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	set_active_memcg(old_memcg);
	if (!t)
		return -ENOMEM;
	fsnotify_init_mark(&t->mark, fp_tag_group);
	t->mark.flags |= FSNOTIFY_MARK_FLAG_NO_IREF;
	t->store = store;
	t->inode = inode;
	t->value = value;

	spin_lock(&fp_tag_lock);
	old = fp_tag_find(store, inode);
	if (old) {
		WRITE_ONCE(old->value, value);
	} else if (store->count >= READ_ONCE(fp_param_tag_max)) {
		ret = -ENOSPC;
	} else if (!atomic_inc_not_zero(&inode->i_sb->s_active)) {
		ret = -ENOENT;	/* being unmounted */
	} else if (!igrab(inode)) {
		deactivate_super(inode->i_sb);	/* not the last: we hold a reference */
		ret = -ENOENT;	/* being evicted */
	} else {
		t->linked = true;
		store->count++;
		list_add(&t->snode, &store->tags);
		list_add_tail(&t->pnode, &fp_tag_pending);
		hash_add_rcu(fp_tag_hash, &t->hnode, fp_tag_hashfn(store, inode));
		t = NULL;
	}
	spin_unlock(&fp_tag_lock);

	if (t)	/* never linked: the last reference frees it through free_mark */
		fsnotify_put_mark(&t->mark);
	else
		queue_work(fp_tag_wq, &fp_tag_work);
	return ret;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_tag_set);

/*
 * Attach the marks of pending tags and drop their inode and super_block
 * references (the last active reference completes a pending unmount here).
 */
static void fp_tag_workfn(struct work_struct *work)
{
	struct fp_tag *t, *tmp;
	LIST_HEAD(batch);

	spin_lock(&fp_tag_lock);
	list_splice_init(&fp_tag_pending, &batch);
	spin_unlock(&fp_tag_lock);

	list_for_each_entry_safe(t, tmp, &batch, pnode) {
		struct inode *inode = t->inode;
		struct super_block *sb;
		bool drop = false;
		int ret;

		list_del(&t->pnode);
		ret = fsnotify_add_inode_mark(&t->mark, inode, 0);
		if (ret) {
			spin_lock(&fp_tag_lock);
			if (t->linked) {
				fp_tag_unlink(t);
				drop = true;
			}
			spin_unlock(&fp_tag_lock);
			pr_debug("tag mark on inode %llu failed: %d\n",
				 (unsigned long long)inode->i_ino, ret);
		}
		if (drop)
			fsnotify_put_mark(&t->mark);
		sb = inode->i_sb;
		iput(inode);
		deactivate_super(sb);
	}
}

/**
 * fanotify_fastpath_tag_depth() - distance to the nearest tagged ancestor
 * @hook: the attachment
 * @event: the event passed to fp_handler
 * @max_depth: walk at most this many levels up (at most FAN_FP_MAX_DEPTH)
 *
 * Walks from the event's directory (fanotify_fastpath_event_dir(), depth 0)
 * up the dentry tree until a
 * directory with a tag in this attachment. Unlike tags propagated at mkdir,
 * this follows renames: it asks where the directory is now. Like is_subdir()
 * it ignores mounts, and its answer is a snapshot.
 *
 * Context: fp_handler (any context that pins the event). Does not sleep.
 * Return: the depth (>= 0), -ENOENT when no ancestor within @max_depth is
 * tagged, -EINVAL when the event has no directory, -EAGAIN when a rename ran
 * concurrently (the caller decides: the conservative answer is to deliver).
 */
int fanotify_fastpath_tag_depth(struct fanotify_fastpath_hook *hook,
				const struct fanotify_fastpath_event *event,
				unsigned int max_depth)
{
	struct dentry *d, *parent;
	unsigned int seq, depth;
	struct inode *dir;
	int ret = -ENOENT;

	if (!hook || !event)
		return -EINVAL;
	dir = fanotify_fastpath_event_dir(event);
	if (!dir)
		return -EINVAL;
	max_depth = min_t(unsigned int, max_depth, FAN_FP_MAX_DEPTH);
	rcu_read_lock();
	seq = read_seqbegin(&rename_lock);
	d = fp_event_dir_dentry(event, dir);
	if (!d) {
		rcu_read_unlock();
		return -EINVAL;
	}
	for (depth = 0; depth <= max_depth; depth++) {
		if (fanotify_fastpath_tag_get(hook, d_inode_rcu(d))) {
			ret = depth;
			break;
		}
		parent = READ_ONCE(d->d_parent);
		if (parent == d)
			break;
		d = parent;
	}
	if (read_seqretry(&rename_lock, seq))
		ret = -EAGAIN;
	rcu_read_unlock();
	return ret;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_tag_depth);

/**
 * fp_tag_store_init() - initialise the tags of a new attachment
 * @store: the store
 */
void fp_tag_store_init(struct fp_tag_store *store)
{
	INIT_LIST_HEAD(&store->tags);
	store->count = 0;
}

/**
 * fp_tag_count() - how many tags a store holds now
 * @store: the store
 *
 * Return: the count (a snapshot).
 */
unsigned int fp_tag_count(struct fp_tag_store *store)
{
	unsigned int n;

	spin_lock(&fp_tag_lock);
	n = store->count;
	spin_unlock(&fp_tag_lock);
	return n;
}

/**
 * fp_tag_store_destroy() - drop every tag of an ended attachment
 * @store: the store; no fp_handler can run on its attachment any more
 *
 * Context: process context, may sleep.
 */
void fp_tag_store_destroy(struct fp_tag_store *store)
{
	struct fp_tag *t, *tmp;
	LIST_HEAD(doomed);

	/* Pending tags hold inode references and are not attached yet. */
	flush_work(&fp_tag_work);

	spin_lock(&fp_tag_lock);
	list_for_each_entry_safe(t, tmp, &store->tags, snode) {
		fp_tag_unlink(t);
		list_add(&t->snode, &doomed);
	}
	spin_unlock(&fp_tag_lock);

	list_for_each_entry_safe(t, tmp, &doomed, snode) {
		fsnotify_destroy_mark(&t->mark, fp_tag_group);
		fsnotify_put_mark(&t->mark);
	}
}

/* The inode is being evicted (or the mark destroyed): unhash the tag. */
static void fp_tag_freeing_mark(struct fsnotify_mark *mark,
				struct fsnotify_group *group)
{
	struct fp_tag *t = container_of(mark, struct fp_tag, mark);
	bool drop = false;

	spin_lock(&fp_tag_lock);
	if (t->linked) {
		fp_tag_unlink(t);
		drop = true;
	}
	spin_unlock(&fp_tag_lock);
	/* The destroyer holds its own reference: this is never the last one. */
	if (drop)
		fsnotify_put_mark(mark);
}

static void fp_tag_free_mark(struct fsnotify_mark *mark)
{
	kfree_rcu(container_of(mark, struct fp_tag, mark), rcu);
}

/* Tag marks have an empty mask; this is never called. */
static int fp_tag_handle_inode_event(struct fsnotify_mark *mark, u32 mask,
				     struct inode *inode, struct inode *dir,
				     const struct qstr *name, u32 cookie)
{
	return 0;
}

static const struct fsnotify_ops fp_tag_fsn_ops = {
	.handle_inode_event	= fp_tag_handle_inode_event,
	.freeing_mark		= fp_tag_freeing_mark,
	.free_mark		= fp_tag_free_mark,
};

/**
 * fp_tags_init() - the private group and the work queue of tags
 *
 * Return: 0 or a negative errno.
 */
int fp_tags_init(void)
{
	fp_tag_wq = alloc_workqueue("fp_tags", WQ_UNBOUND, 0);
	if (!fp_tag_wq)
		return -ENOMEM;
	fp_tag_group = fsnotify_alloc_group(&fp_tag_fsn_ops, FSNOTIFY_GROUP_DUPS);
	if (IS_ERR(fp_tag_group)) {
		destroy_workqueue(fp_tag_wq);
		return PTR_ERR(fp_tag_group);
	}
	return 0;
}

/**
 * fp_tags_exit() - free what fp_tags_init() made; no store is left
 */
void fp_tags_exit(void)
{
	flush_work(&fp_tag_work);
	destroy_workqueue(fp_tag_wq);
	/* Marks destroyed by evictions and stores are freed by the mark reaper. */
	fsnotify_wait_marks_destroyed();
	fsnotify_put_group(fp_tag_group);
	rcu_barrier();
}
