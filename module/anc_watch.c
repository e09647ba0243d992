// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the move watch of the ancestry caches.
 *
 * Owns the watch group (a private fsnotify group), its filesystem marks
 * (struct fp_anc_sbmark: one per super_block with roots of any cache,
 * shared by every cache there) and the caches' subscriptions to them
 * (struct fp_anc_sub). The mark's mask is FS_RENAME | FS_DELETE_SELF, whatever
 * the users' groups asked for: fsnotify sends FS_RENAME after d_move() and
 * before the rename system call returns, and FS_DELETE_SELF before a deleted
 * directory's inode is freed. An unmount destroys the mark, which ends every
 * subscription to it. Tells the caches through anc_cache.c.
 *
 * A cache's subscription to a filesystem ends with its last root there,
 * however that root ended (removed, deleted, unmounted, a failed add):
 * fp_anc_subs_gc() runs after every root change and before every new
 * subscription, so a cache never has more subscriptions than
 * FAN_FP_ROOTS_MAX, the size of the event path's set (anc->sbs).
 *
 * Locks: fp_anc_sb_mutex serializes adding and destroying filesystem marks
 * (inside anc->mutex); fp_anc_sb_lock (spinlock) protects the list of
 * filesystem marks, their subscription lists (read under RCU by the mark
 * handler) and each cache's list of subscriptions; anc->lock nests inside it.
 */
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/slab.h>

#include "ancestry.h"
#include "compat.h"

/* The watch group's mark mask: directory moves and deletions. */
#define FP_ANC_MASK		(FS_RENAME | FS_DELETE_SELF)

/*
 * struct fp_anc_sbmark - the filesystem mark of the watch group on one
 * super_block, shared by every cache with roots there: fsnotify visits one
 * mark per event however many caches there are.
 *
 * Lifetime: created by the first subscription on @sb (under fp_anc_sb_mutex),
 * on fp_anc_sbmarks while @linked, holding one mark reference of its own.
 * Unlinked under fp_anc_sb_lock by exactly one of: the end of its last
 * subscription (under fp_anc_sb_mutex; the ender destroys the mark) or the
 * unmount (our freeing_mark, which also ends every subscription); the
 * unlinker drops the mark reference. free_mark frees it after fsnotify's
 * SRCU grace period, so no handler can still run on it.
 */
struct fp_anc_sbmark {
	struct fsnotify_mark mark;
	struct super_block *sb;
	struct list_head subs;		/* fp_anc_sub.snode; RCU, fp_anc_sb_lock */
	struct list_head node;		/* fp_anc_sbmarks */
	bool linked;			/* fp_anc_sb_lock */
};

/*
 * struct fp_anc_sub - one cache's subscription to one filesystem mark.
 *
 * Lifetime: created with the cache's first root on the super_block, holding a
 * reference on the cache; linked on sbm->subs (RCU) and anc->subs under
 * fp_anc_sb_lock, and its filesystem added to the cache's set. Unlinked under
 * fp_anc_sb_lock by exactly one of: fp_anc_subs_gc() (no root of the cache
 * left there), the end of the cache, or the unmount. Freed after an RCU grace
 * period (the mark handler walks sbm->subs under rcu_read_lock()), which
 * drops the cache reference: a cache outlives every handler that can reach
 * it.
 */
struct fp_anc_sub {
	struct list_head snode;		/* sbm->subs */
	struct list_head anode;		/* anc->subs */
	struct fp_ancestry *anc;
	struct fp_anc_sbmark *sbm;
	struct rcu_head rcu;
};

static struct fsnotify_group *fp_anc_group;	/* filesystem marks: struct fp_anc_sbmark */
static LIST_HEAD(fp_anc_sbmarks);		/* fp_anc_sb_lock */
static DEFINE_MUTEX(fp_anc_sb_mutex);		/* adding and destroying those marks */
static DEFINE_SPINLOCK(fp_anc_sb_lock);		/* the lists of marks and subscriptions */

static void fp_anc_sub_free_rcu(struct rcu_head *head)
{
	struct fp_anc_sub *sub = container_of(head, struct fp_anc_sub, rcu);

	fp_anc_put(sub->anc);
	kfree(sub);
}

/*
 * End a subscription: unlink it, take its filesystem out of the cache's set.
 * Return: its mark when that was the mark's last subscription and the mark is
 * still linked (then unlinked here; the caller destroys it), else NULL.
 * Context: fp_anc_sb_lock held.
 */
static struct fp_anc_sbmark *fp_anc_sub_unlink(struct fp_anc_sub *sub)
{
	struct fp_anc_sbmark *sbm = sub->sbm;
	struct fp_ancestry *anc = sub->anc;

	lockdep_assert_held(&fp_anc_sb_lock);
	list_del_rcu(&sub->snode);
	list_del(&sub->anode);
	spin_lock(&anc->lock);
	fp_anc_sbs_del(anc, sbm->sb);
	spin_unlock(&anc->lock);
	call_rcu(&sub->rcu, fp_anc_sub_free_rcu);
	if (!list_empty(&sbm->subs) || !sbm->linked)
		return NULL;
	sbm->linked = false;
	list_del(&sbm->node);
	return sbm;
}

static void fp_anc_sbmark_destroy(struct fp_anc_sbmark *sbm)
{
	fsnotify_destroy_mark(&sbm->mark, fp_anc_group);
	fsnotify_put_mark(&sbm->mark);
}

/* Destroy the marks on @doomed (unlinked by fp_anc_sub_unlink()). */
static void fp_anc_sbmarks_destroy(struct list_head *doomed)
{
	struct fp_anc_sbmark *sbm, *tmp;

	list_for_each_entry_safe(sbm, tmp, doomed, node)
		fp_anc_sbmark_destroy(sbm);
}

static struct fp_anc_sub *fp_anc_sub_find(struct fp_ancestry *anc, struct super_block *sb)
{
	struct fp_anc_sub *sub;

	list_for_each_entry(sub, &anc->subs, anode)
		if (sub->sbm->sb == sb)
			return sub;
	return NULL;
}

/* The linked filesystem mark of @sb, or NULL. Context: fp_anc_sb_lock held. */
static struct fp_anc_sbmark *fp_anc_sbmark_find(struct super_block *sb)
{
	struct fp_anc_sbmark *sbm;

	list_for_each_entry(sbm, &fp_anc_sbmarks, node)
		if (sbm->sb == sb)
			return sbm;
	return NULL;
}

/* A new filesystem mark on @sb, linked and added. Context: fp_anc_sb_mutex held. */
static struct fp_anc_sbmark *fp_anc_sbmark_new(struct super_block *sb)
{
	struct fp_anc_sbmark *sbm = kzalloc(sizeof(*sbm), GFP_KERNEL_ACCOUNT);
	int ret;

	if (!sbm)
		return ERR_PTR(-ENOMEM);
	fsnotify_init_mark(&sbm->mark, fp_anc_group);
	sbm->mark.mask = FP_ANC_MASK;
	sbm->sb = sb;
	INIT_LIST_HEAD(&sbm->subs);
	spin_lock(&fp_anc_sb_lock);
	sbm->linked = true;
	list_add(&sbm->node, &fp_anc_sbmarks);
	spin_unlock(&fp_anc_sb_lock);
	ret = fsnotify_add_mark(&sbm->mark, sb, FSNOTIFY_OBJ_TYPE_SB, 0);
	if (!ret)
		return sbm;
	spin_lock(&fp_anc_sb_lock);
	sbm->linked = false;
	list_del(&sbm->node);
	spin_unlock(&fp_anc_sb_lock);
	fsnotify_put_mark(&sbm->mark);	/* never attached: free_mark frees it */
	return ERR_PTR(ret);
}

/**
 * fp_anc_sub_add() - subscribe a cache to @sb's filesystem mark
 * @anc: the cache
 * @sb: a filesystem the caller holds a path on (no unmount can race)
 *
 * Adds the mark if it is the first subscription on @sb, and @sb to the
 * cache's set. Call fp_anc_subs_gc() first.
 *
 * Context: anc->mutex held; may sleep.
 * Return: 0 (also when already subscribed), -ENOSPC when the cache has
 * FAN_FP_ROOTS_MAX subscriptions, -ENOMEM or the error of adding the mark.
 */
int fp_anc_sub_add(struct fp_ancestry *anc, struct super_block *sb)
{
	struct fp_anc_sbmark *sbm;
	struct fp_anc_sub *sub;
	int ret = 0;

	lockdep_assert_held(&anc->mutex);
	mutex_lock(&fp_anc_sb_mutex);
	spin_lock(&fp_anc_sb_lock);
	sub = fp_anc_sub_find(anc, sb);
	sbm = fp_anc_sbmark_find(sb);
	if (!sub && READ_ONCE(anc->nsbs) >= FAN_FP_ROOTS_MAX)
		ret = -ENOSPC;
	spin_unlock(&fp_anc_sb_lock);
	if (sub || ret)
		goto out;
	ret = -ENOMEM;
	sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
	if (!sub)
		goto out;
	if (!sbm) {
		sbm = fp_anc_sbmark_new(sb);
		if (IS_ERR(sbm)) {
			ret = PTR_ERR(sbm);
			kfree(sub);
			goto out;
		}
	}
	sub->anc = anc;
	sub->sbm = sbm;
	kref_get(&anc->ref);	/* dropped after the subscription's RCU grace period */
	spin_lock(&fp_anc_sb_lock);
	list_add_rcu(&sub->snode, &sbm->subs);
	list_add(&sub->anode, &anc->subs);
	spin_lock(&anc->lock);
	/* Cannot fail: only subscriptions fill the set, and they were counted above. */
	fp_anc_sbs_add(anc, sb);
	spin_unlock(&anc->lock);
	spin_unlock(&fp_anc_sb_lock);
	ret = 0;
out:
	mutex_unlock(&fp_anc_sb_mutex);
	return ret;
}

/* Has the cache a root on @sb? Context: anc->lock held. */
static bool fp_anc_has_root_on(struct fp_ancestry *anc, struct super_block *sb)
{
	struct fp_anc_entry *e;

	list_for_each_entry(e, &anc->roots, node)
		if (e->sb == sb)
			return true;
	return false;
}

/*
 * End the subscriptions of @anc on filesystems without roots, or (@ending)
 * all of them. Context: anc->mutex held; may sleep.
 */
static void fp_anc_subs_drop(struct fp_ancestry *anc, bool ending)
{
	struct fp_anc_sub *sub, *tmp;
	struct fp_anc_sbmark *sbm;
	LIST_HEAD(doomed);
	bool used = false;

	lockdep_assert_held(&anc->mutex);
	mutex_lock(&fp_anc_sb_mutex);
	spin_lock(&fp_anc_sb_lock);
	list_for_each_entry_safe(sub, tmp, &anc->subs, anode) {
		if (!ending) {
			spin_lock(&anc->lock);
			used = fp_anc_has_root_on(anc, sub->sbm->sb);
			spin_unlock(&anc->lock);
			/*
			 * Entries of the filesystem go with the subscription:
			 * once it is gone, nothing would drop them at its
			 * unmount, and a new filesystem at the old
			 * super_block's address could meet them. (An ending
			 * cache frees all its entries.)
			 */
			if (!used)
				fp_anc_drop_sb(anc, sub->sbm->sb);
		}
		if (used)
			continue;
		sbm = fp_anc_sub_unlink(sub);
		if (sbm)
			list_add(&sbm->node, &doomed);
	}
	spin_unlock(&fp_anc_sb_lock);
	fp_anc_sbmarks_destroy(&doomed);
	mutex_unlock(&fp_anc_sb_mutex);
}

/**
 * fp_anc_subs_gc() - end the subscriptions of filesystems without roots
 * @anc: the cache
 *
 * Roots end by themselves (deleted, unmounted); their subscriptions end here,
 * after every root change, before every new subscription, and from the work
 * a root's end queues, with the cache's entries on their filesystems.
 *
 * Context: anc->mutex held (no root is added meanwhile); may sleep.
 */
void fp_anc_subs_gc(struct fp_ancestry *anc)
{
	fp_anc_subs_drop(anc, false);
}

/**
 * fp_anc_subs_end() - end every subscription of an ending cache
 * @anc: the cache, with no roots left
 *
 * Context: anc->mutex held; may sleep.
 */
void fp_anc_subs_end(struct fp_ancestry *anc)
{
	fp_anc_subs_drop(anc, true);
}

/*
 * The watch group's handle_event, for the filesystem mark of the event's
 * super_block: tell every subscribed cache. Context: fsnotify, SRCU held, in
 * the rename or unlink system call with directory locks held.
 */
static int fp_anc_handle_event(struct fsnotify_group *group, u32 mask,
			       const void *data, int data_type, struct inode *dir,
			       const struct qstr *file_name, u32 cookie,
			       struct fsnotify_iter_info *iter_info)
{
	struct fsnotify_mark *mark = fsnotify_iter_sb_mark(iter_info);
	struct dentry *moved, *new_parent = NULL;
	struct inode *deleted = NULL, *new_dir = NULL;
	struct fp_anc_sbmark *sbm;
	struct fp_anc_sub *sub;

	if (!mark || !(mask & FS_ISDIR))
		return 0;
	sbm = container_of(mark, struct fp_anc_sbmark, mark);
	if (mask & FS_DELETE_SELF)
		deleted = fsnotify_data_inode(data, data_type);
	rcu_read_lock();
	/* The moved dentry: FSNOTIFY_EVENT_DENTRY (6.12) or _RENAME (7.x) data. */
	moved = (mask & FS_RENAME) ? fsnotify_data_dentry(data, data_type) : NULL;
	if (moved) {
		new_parent = READ_ONCE(moved->d_parent);
		new_dir = d_inode_rcu(new_parent);
	}
	list_for_each_entry_rcu(sub, &sbm->subs, snode) {
		if (deleted)
			fp_anc_deleted(sub->anc, deleted);
		if (new_dir && new_dir != dir)
			fp_anc_moved(sub->anc, dir, new_dir, new_parent);
	}
	rcu_read_unlock();
	return 0;
}

/*
 * The filesystem is unmounted (or our mark destroyed): every subscribed cache
 * drops its entries on it and its subscription. Their roots went before,
 * with their inode marks (fsnotify_sb_delete() destroys inode marks first).
 * When we destroy the mark ourselves it has no subscription and is unlinked.
 */
static void fp_anc_freeing_mark(struct fsnotify_mark *mark, struct fsnotify_group *group)
{
	struct fp_anc_sbmark *sbm = container_of(mark, struct fp_anc_sbmark, mark);
	struct fp_anc_sub *sub, *tmp;
	bool drop = false;

	spin_lock(&fp_anc_sb_lock);
	list_for_each_entry_safe(sub, tmp, &sbm->subs, snode) {
		fp_anc_drop_sb(sub->anc, sbm->sb);
		/* The last one unlinks the mark: then we drop its reference. */
		if (fp_anc_sub_unlink(sub))
			drop = true;
	}
	if (sbm->linked) {
		sbm->linked = false;
		list_del(&sbm->node);
		drop = true;
	}
	spin_unlock(&fp_anc_sb_lock);
	/* The destroyer holds its own reference: this is never the last one. */
	if (drop)
		fsnotify_put_mark(mark);
}

static void fp_anc_free_mark(struct fsnotify_mark *mark)
{
	kfree(container_of(mark, struct fp_anc_sbmark, mark));
}

static const struct fsnotify_ops fp_anc_fsn_ops = {
	.handle_event	= fp_anc_handle_event,
	.freeing_mark	= fp_anc_freeing_mark,
	.free_mark	= fp_anc_free_mark,
};

int fp_anc_watch_init(void)
{
	fp_anc_group = fsnotify_alloc_group(&fp_anc_fsn_ops, FSNOTIFY_GROUP_DUPS);
	return PTR_ERR_OR_ZERO(fp_anc_group);
}

/* After every cache has ended and fsnotify has freed their marks. */
void fp_anc_watch_exit(void)
{
	fsnotify_put_group(fp_anc_group);
}
