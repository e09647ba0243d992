// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the ancestry cache of an attachment (subtree membership).
 *
 * Owns struct fp_ancestry with its entries and roots, the filesystem marks
 * that report directory moves, deletions and unmounts to the caches (one per
 * super_block, shared by every cache with roots there), the two private
 * fsnotify groups behind those marks, and the exported
 * fanotify_fastpath_subtree_*() API.
 *
 * The truth is the dentry tree. A directory is inside when the nearest root
 * met walking up d_parent from it (itself included) is an include root,
 * outside when it is an exclude root or when the walk reaches the root of the
 * filesystem first. The walk runs under RCU and the rename_lock seqcount, like
 * is_subdir(): a walk that races a rename is retried, and after
 * FP_ANC_RETRIES attempts the answer is "unsure", which callers deliver.
 *
 * The cache holds one entry per directory: keyed by the inode object and
 * checked against its (super_block, number, i_generation), so that an inode
 * freed and its memory reused for another inode is a miss, with the answer
 * and the depth below the nearest root, valid for one generation of the
 * cache. Entries reference no inode: an evicted directory is walked again
 * when it is read back, and its old entry ages out of the CLOCK. Roots are
 * their inodes too, held by an fsnotify inode mark of a second private group
 * (struct fp_anc_root), so a root is a directory, not a number: snapshots
 * (btrfs) that repeat inode numbers and generations are other directories.
 * A miss walks up to the nearest root or valid entry and fills up to
 * FP_ANC_FILL of the directories it walked (those nearest the event; a deeper
 * tree fills on later walks). The cache holds at most @max entries; a full
 * cache evicts with a CLOCK sweep (entries of older generations first, then
 * those not used since the last sweep). A full cache costs walks, never an
 * answer.
 *
 * What can change an answer, and how the cache learns it:
 * - A directory moved to another parent: every filesystem with roots carries
 *   one fsnotify filesystem mark of our watch group (struct fp_anc_sbmark,
 *   shared by the caches subscribed to it: struct fp_anc_sub) whose mask is
 *   FS_RENAME | FS_DELETE_SELF, whatever the users' groups asked for.
 *   fsnotify sends FS_RENAME after d_move() and before the rename system
 *   call returns. If the old and the new parent do not have the same known
 *   answer, the generation is bumped: every entry is stale at once (O(1)).
 *   Between d_move() and that event, inside the rename call, a hit may still
 *   give the answer from before the move, which held when the rename began.
 *   Depths are not corrected by a move that keeps answers.
 * - A directory deleted: FS_DELETE_SELF (sent before the inode is freed)
 *   drops its entry; a deleted root's mark is destroyed right after, which
 *   drops the root.
 * - Roots added, removed or changed: the generation is bumped.
 * - Unmount: fsnotify destroys the roots' inode marks (dropping the roots),
 *   then the filesystem mark, whose freeing_mark drops every entry of that
 *   super_block.
 * Events on a filesystem without roots are outside without a lookup.
 *
 * Locks: anc->lock (spinlock) serializes writers of a cache's hash, CLOCK
 * list, roots, filesystem set and counters; the event path looks up without
 * locks under RCU, and fills under anc->lock. anc->mutex serializes a
 * cache's root changes, which may sleep (adding marks). fp_anc_sb_mutex
 * serializes adding and destroying filesystem marks; fp_anc_sb_lock
 * (spinlock) protects the list of filesystem marks, their subscription
 * lists (read under RCU by the mark handler) and each cache's list of
 * subscriptions. Order: fp_mutex > anc->mutex > fp_anc_sb_mutex > fsnotify's
 * mark_mutex > fp_anc_sb_lock > anc->lock. Memory (entries, buckets, marks)
 * is charged to the memory cgroup of the task that attached.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/hash.h>
#include <linux/kref.h>
#include <linux/sched/mm.h>
#include <linux/seqlock.h>
#include <linux/slab.h>

#include "internal.h"

#define FP_ANC_FILL		32	/* directories one walk fills */
#define FP_ANC_MAX_WALK		4096	/* deeper than this is unsure (delivered) */
#define FP_ANC_RETRIES		3	/* walks raced by renames before "unsure" */
#define FP_ANC_SWEEP		64	/* CLOCK steps per eviction at most */
#define FP_ANC_DEPTH_MAX	0xffff
#define FP_ANC_MIN_CAP		16
#define FP_ANC_MAX_CAP		BIT(22)		/* 4M directories: 16 MiB of buckets */

/* The watch group's mark mask: directory moves and deletions. */
#define FP_ANC_MASK		(FS_RENAME | FS_DELETE_SELF)

enum fp_anc_kind {
	FP_ANC_DIR,		/* a cached answer */
	FP_ANC_ROOT,		/* a root: its answer holds for every generation */
};

/*
 * struct fp_anc_entry - one directory of the cache, or one root.
 *
 * @state packs the answer (bit 0), the depth below the nearest root (bits
 * 1-16) and the generation (bits 32-63) in one word, so that lockless
 * readers see a consistent triple. For a root, bit 0 is "include".
 *
 * Lifetime of a FP_ANC_DIR entry: inserted under anc->lock; unlinked under
 * anc->lock by eviction, deletion of the directory, unmount or the end of the
 * cache; freed after an RCU grace period (readers hold rcu_read_lock()). A
 * FP_ANC_ROOT entry is part of its struct fp_anc_root.
 */
struct fp_anc_entry {
	struct hlist_node hnode;	/* anc->buckets, RCU */
	struct list_head node;		/* DIR: anc->clock; ROOT: anc->roots */
	const struct inode *inode;	/* key; compared, never dereferenced */
	struct super_block *sb;		/* checked; never dereferenced */
	unsigned long ino;		/* checked */
	u32 igen;			/* checked: i_generation when filled */
	u8 kind;
	u8 used;			/* CLOCK bit, set by hits */
	u64 state;
	struct rcu_head rcu;
};

/*
 * struct fp_anc_sbmark - the filesystem mark of the watch group on one
 * super_block, shared by every cache with roots there: fsnotify visits one
 * mark per event however many caches there are.
 *
 * Lifetime: created by the first subscription on @sb (under fp_anc_sb_mutex),
 * on fp_anc_sbmarks while @linked, holding one mark reference of its own.
 * Unlinked under fp_anc_sb_lock by exactly one of: the removal of its last
 * subscription (under fp_anc_sb_mutex; the remover destroys the mark) or the
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
 * fp_anc_sb_lock. Unlinked under fp_anc_sb_lock by exactly one of: the
 * removal of the cache's last root there, the end of the cache, or the
 * unmount. Freed after an RCU grace period (the mark handler walks
 * sbm->subs under rcu_read_lock()), which drops the cache reference: a cache
 * outlives every handler that can reach it.
 */
struct fp_anc_sub {
	struct list_head snode;		/* sbm->subs */
	struct list_head anode;		/* anc->subs */
	struct fp_ancestry *anc;
	struct fp_anc_sbmark *sbm;
	struct rcu_head rcu;
};

/*
 * struct fp_anc_root - a root: an inode mark of the root group, which holds
 * the root directory's inode (not its dentry or mount), and the root's entry
 * in the cache's hash.
 *
 * Lifetime: created by fanotify_fastpath_subtree_add_root() with @linked set
 * (entry hashed, on anc->roots), holding one mark reference of its own and
 * one reference on the cache. Unlinked under anc->lock by exactly one of:
 * root removal, the end of the cache, or our freeing_mark (the directory is
 * deleted or its filesystem unmounted); the unlinker drops the mark
 * reference. free_mark drops the cache reference and frees it after an RCU
 * grace period (event-path readers may still see the entry).
 */
struct fp_anc_root {
	struct fsnotify_mark mark;
	struct fp_anc_entry e;
	struct fp_ancestry *anc;
	bool linked;			/* anc->lock */
};

/*
 * struct fp_ancestry - the ancestry cache of one attachment.
 *
 * Lifetime: created with the attachment; its reference is dropped by
 * fp_ancestry_end() when the attachment ends, and each watch holds one until
 * fsnotify has freed the watch's mark. The last put frees the entries, the
 * buckets and the structure, and drops the memory cgroup.
 */
struct fp_ancestry {
	struct kref ref;
	spinlock_t lock;		/* writers of everything below */
	struct mutex mutex;		/* root changes */
	struct hlist_head *buckets;	/* NULL until the first root */
	unsigned int bits;
	unsigned int max;		/* cap of FP_ANC_DIR entries */
	unsigned int count;		/* FP_ANC_DIR entries */
	unsigned int nroots;
	u32 gen;			/* bumped: every cached answer is stale */
	u32 dseq;			/* bumped by every directory deletion */
	struct list_head clock;		/* FP_ANC_DIR entries, CLOCK order */
	struct list_head roots;		/* FP_ANC_ROOT entries */
	struct list_head subs;		/* fp_anc_sub.anode; fp_anc_sb_lock */
	unsigned int nsbs;		/* filesystems with roots: the event path's */
	struct super_block *sbs[FAN_FP_ROOTS_MAX];	/* first test, lockless */
	struct mem_cgroup *memcg;
	u64 evicted;
	u64 invalidations;
};

static struct kmem_cache *fp_anc_cachep;
static struct fsnotify_group *fp_anc_group;	/* filesystem marks: struct fp_anc_sbmark */
static LIST_HEAD(fp_anc_sbmarks);		/* fp_anc_sb_lock */
static DEFINE_MUTEX(fp_anc_sb_mutex);		/* adding and destroying those marks */
static DEFINE_SPINLOCK(fp_anc_sb_lock);		/* the lists of marks and subscriptions */
static struct fsnotify_group *fp_anc_root_group;	/* inode marks: struct fp_anc_root */

static struct fp_ancestry *hook_anc(struct fanotify_fastpath_hook *hook)
{
	return fp_hook_attachment(hook)->anc;
}

static u64 fp_anc_state(u32 gen, unsigned int depth, bool inside)
{
	return (u64)gen << 32 | (u64)min_t(unsigned int, depth, FP_ANC_DEPTH_MAX) << 1 |
	       inside;
}

static u32 fp_anc_state_gen(u64 state)
{
	return state >> 32;
}

static unsigned int fp_anc_state_depth(u64 state)
{
	return (state >> 1) & FP_ANC_DEPTH_MAX;
}

static struct hlist_head *fp_anc_bucket(struct hlist_head *buckets, unsigned int bits,
					const struct inode *inode)
{
	return &buckets[hash_ptr(inode, bits)];
}

/* The entry keyed by @inode, not yet checked. Context: RCU or anc->lock. */
static struct fp_anc_entry *fp_anc_find(struct fp_ancestry *anc, struct hlist_head *buckets,
					const struct inode *inode)
{
	struct fp_anc_entry *e;

	hlist_for_each_entry_rcu(e, fp_anc_bucket(buckets, anc->bits, inode), hnode,
				 lockdep_is_held(&anc->lock)) {
		if (e->inode == inode)
			return e;
	}
	return NULL;
}

/* Was @e made for this very inode (not for a freed one at the same address)? */
static bool fp_anc_entry_is(const struct fp_anc_entry *e, const struct inode *inode)
{
	return READ_ONCE(e->igen) == inode->i_generation && e->ino == inode->i_ino &&
	       e->sb == inode->i_sb;
}

/*
 * The answer an entry gives for @inode in generation @gen: 1 inside, 0
 * outside, -1 when it gives none (no entry, another incarnation of the inode
 * number, an older generation). *@depth gets the depth.
 */
static int fp_anc_entry_answer(struct fp_anc_entry *e, struct inode *inode, u32 gen,
			       unsigned int *depth)
{
	u64 state;

	if (!e || !fp_anc_entry_is(e, inode))
		return -1;
	state = READ_ONCE(e->state);
	if (e->kind == FP_ANC_ROOT) {
		*depth = 0;
		return state & 1;
	}
	if (fp_anc_state_gen(state) != gen)
		return -1;
	*depth = fp_anc_state_depth(state);
	return state & 1;
}

static void fp_anc_entry_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(fp_anc_cachep, container_of(head, struct fp_anc_entry, rcu));
}

/* Unhash @e; free it after RCU unless it is a root's. Context: anc->lock held. */
static void fp_anc_unlink(struct fp_ancestry *anc, struct fp_anc_entry *e)
{
	lockdep_assert_held(&anc->lock);
	hlist_del_rcu(&e->hnode);
	list_del(&e->node);
	if (e->kind == FP_ANC_ROOT) {
		container_of(e, struct fp_anc_root, e)->linked = false;
		anc->nroots--;
		return;
	}
	anc->count--;
	call_rcu(&e->rcu, fp_anc_entry_free_rcu);
}

/* Every cached answer becomes stale. Context: anc->lock held. */
static void fp_anc_invalidate(struct fp_ancestry *anc)
{
	lockdep_assert_held(&anc->lock);
	WRITE_ONCE(anc->gen, anc->gen + 1);
	anc->invalidations++;
}

/* Make room for one entry (CLOCK). Context: anc->lock held. Return: false if none. */
static bool fp_anc_evict_one(struct fp_ancestry *anc)
{
	struct fp_anc_entry *e = NULL;
	unsigned int i;

	for (i = 0; i < FP_ANC_SWEEP; i++) {
		e = list_first_entry_or_null(&anc->clock, struct fp_anc_entry, node);
		if (!e)
			return false;
		if (fp_anc_state_gen(e->state) != anc->gen || !e->used)
			break;
		e->used = 0;
		list_move_tail(&e->node, &anc->clock);
	}
	fp_anc_unlink(anc, e);
	anc->evicted++;
	return true;
}

/*
 * Cache the answer for the @n directories a walk passed: @rec[i] is @steps - i
 * levels below the directory whose answer (@inside, at @depth) ended the
 * walk. Nothing is cached when the generation or a deletion raced the walk.
 * Context: rcu_read_lock() held (the inodes are RCU-freed); does not sleep.
 */
static void fp_anc_fill(struct fp_ancestry *anc, struct hlist_head *buckets,
			struct inode **rec, unsigned int n, unsigned int steps,
			bool inside, unsigned int depth, u32 gen, u32 dseq)
{
	struct mem_cgroup *old_memcg;
	struct fp_anc_entry *e;
	unsigned int i;

	old_memcg = set_active_memcg(anc->memcg);
	spin_lock(&anc->lock);
	if (anc->gen != gen || anc->dseq != dseq)
		goto out;
	for (i = 0; i < n; i++) {
		struct inode *inode = rec[i];
		u64 state = fp_anc_state(gen, inside ? depth + steps - i : 0, inside);

		if (IS_DEADDIR(inode))
			continue;
		e = fp_anc_find(anc, buckets, inode);
		if (e && e->kind == FP_ANC_ROOT)
			continue;
		if (e && fp_anc_entry_is(e, inode)) {
			WRITE_ONCE(e->state, state);
			continue;
		}
		if (e)
			fp_anc_unlink(anc, e);	/* made for a freed inode at this address */
		if (anc->count >= anc->max && !fp_anc_evict_one(anc))
			break;
		e = kmem_cache_alloc(fp_anc_cachep, GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
		if (!e)
			break;
		e->inode = inode;
		e->sb = inode->i_sb;
		e->ino = inode->i_ino;
		e->igen = inode->i_generation;
		e->kind = FP_ANC_DIR;
		e->used = 0;
		e->state = state;
		list_add_tail(&e->node, &anc->clock);
		anc->count++;
		hlist_add_head_rcu(&e->hnode, fp_anc_bucket(buckets, anc->bits, inode));
	}
out:
	spin_unlock(&anc->lock);
	set_active_memcg(old_memcg);
}

/*
 * Walk up from @start to the nearest root or valid entry. Return: 1 inside, 0
 * outside, -EAGAIN unsure (renames kept racing, a disconnected dentry, or a
 * tree deeper than FP_ANC_MAX_WALK). Context: rcu_read_lock() held.
 */
static int fp_anc_walk(struct fp_ancestry *anc, struct hlist_head *buckets,
		       struct dentry *start, u32 gen, u32 dseq)
{
	struct inode *rec[FP_ANC_FILL];
	unsigned int n, steps, depth, tries, seq;
	struct dentry *d, *parent;
	int inside;

	for (tries = 0; tries < FP_ANC_RETRIES; tries++) {
		seq = read_seqbegin(&rename_lock);
		d = start;
		n = 0;
		for (steps = 0;; steps++) {
			struct inode *inode = d_inode_rcu(d);

			if (!inode || steps > FP_ANC_MAX_WALK)
				return -EAGAIN;
			inside = fp_anc_entry_answer(fp_anc_find(anc, buckets, inode), inode,
						     gen, &depth);
			if (inside >= 0)
				break;
			if (n < FP_ANC_FILL)
				rec[n++] = inode;
			parent = READ_ONCE(d->d_parent);
			if (parent == d) {
				if (d != inode->i_sb->s_root)
					return -EAGAIN;	/* disconnected */
				inside = 0;
				depth = 0;
				break;
			}
			d = parent;
		}
		if (!read_seqretry(&rename_lock, seq)) {
			fp_anc_fill(anc, buckets, rec, n, steps, inside, depth, gen, dseq);
			return inside;
		}
	}
	return -EAGAIN;
}

/* Is @sb one of the filesystems with roots? Lockless: see fp_anc_sbs_del(). */
static bool fp_anc_sb_has_roots(struct fp_ancestry *anc, struct super_block *sb)
{
	unsigned int i, n = READ_ONCE(anc->nsbs);

	for (i = 0; i < n; i++)
		if (READ_ONCE(anc->sbs[i]) == sb)
			return true;
	return false;
}

/*
 * Decide for directory @dir (with @dentry, or NULL to find its alias).
 * Return: 1 inside, 0 outside, -EAGAIN unsure. Context: rcu_read_lock() held.
 */
static int fp_anc_decide(struct fp_attachment *at, struct inode *dir,
			 const struct fanotify_fastpath_event *event,
			 struct dentry *dentry)
{
	struct fp_ancestry *anc = at->anc;
	/* Pairs with fp_anc_prepare(): @bits and @max are set before @buckets. */
	struct hlist_head *buckets = smp_load_acquire(&anc->buckets);
	struct fp_anc_entry *e;
	unsigned int depth;
	u32 gen, dseq;
	int ret;

	if (!buckets || !fp_anc_sb_has_roots(anc, dir->i_sb))
		return 0;
	gen = READ_ONCE(anc->gen);
	dseq = READ_ONCE(anc->dseq);
	e = fp_anc_find(anc, buckets, dir);
	ret = fp_anc_entry_answer(e, dir, gen, &depth);
	if (ret >= 0) {
		if (!READ_ONCE(e->used))
			WRITE_ONCE(e->used, 1);
		this_cpu_inc(at->stats->v[FP_STAT_ANC_HITS]);
		return ret;
	}
	this_cpu_inc(at->stats->v[FP_STAT_ANC_WALKS]);
	if (!dentry)
		dentry = fp_event_dir_dentry(event, dir);
	ret = dentry ? fp_anc_walk(anc, buckets, dentry, gen, dseq) : -EAGAIN;
	if (ret < 0)
		this_cpu_inc(at->stats->v[FP_STAT_ANC_UNSURE]);
	return ret;
}

/**
 * fanotify_fastpath_subtree_match() - is the event's directory inside the roots?
 * @hook: the attachment (fp_handler's argument)
 * @event: the event passed to fp_handler
 *
 * Judges the directory the event is reported in (fanotify_fastpath_event_dir());
 * FAN_RENAME, which fanotify reports with its old and its new parent, is
 * inside when either is. Events without a directory (*_SELF, FS_ERROR) are
 * outside. O(1) when the directory's answer is cached; otherwise a walk up to
 * the nearest cached directory or root, which fills the cache.
 *
 * Context: fp_handler (rcu_read_lock() held); does not sleep.
 * Return: 1 inside, 0 outside, -EAGAIN when a concurrent rename made the
 * answer uncertain (deliver the event: uncertainty must never drop).
 */
int fanotify_fastpath_subtree_match(struct fanotify_fastpath_hook *hook,
				    const struct fanotify_fastpath_event *event)
{
	struct fp_attachment *at = fp_hook_attachment(hook);
	struct inode *dir = fanotify_fastpath_event_dir(event);
	struct dentry *moved, *parent;
	int ret = 0;

	if (dir)
		ret = fp_anc_decide(at, dir, event, NULL);
	if (ret || !(event->mask & FS_RENAME))
		return ret;
	/*
	 * FAN_RENAME: the moved dentry is under its new parent already. Its data
	 * is the dentry (6.12) or struct fsnotify_rename_data (7.x): the helper
	 * reads both.
	 */
	moved = fsnotify_data_dentry(event->data, event->data_type);
	if (!moved)
		return ret;
	parent = READ_ONCE(moved->d_parent);
	if (parent == moved || !d_inode_rcu(parent))
		return ret;
	return fp_anc_decide(at, d_inode_rcu(parent), event, parent);
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_subtree_match);

/* Allocate the buckets for the cap. Context: anc->mutex held. */
static int fp_anc_prepare(struct fp_ancestry *anc)
{
	struct hlist_head *buckets;
	unsigned int cap, bits;

	if (anc->buckets)
		return 0;
	cap = anc->max ? anc->max : READ_ONCE(fp_param_cache_max);
	cap = clamp_t(unsigned int, cap, FP_ANC_MIN_CAP, FP_ANC_MAX_CAP);
	/* About two entries per bucket when full: O(1) at any size. */
	bits = ilog2(roundup_pow_of_two(cap)) - 1;
	buckets = kvcalloc(1U << bits, sizeof(*buckets), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buckets)
		return -ENOMEM;
	spin_lock(&anc->lock);
	anc->max = cap;
	anc->bits = bits;
	/* Publish: lockless readers load @buckets with acquire, then @bits. */
	smp_store_release(&anc->buckets, buckets);
	spin_unlock(&anc->lock);
	return 0;
}

/**
 * fanotify_fastpath_subtree_set_cap() - set the cap of the ancestry cache
 * @hook: the attachment
 * @cap: the most directories the cache holds (16 to 4194304, clamped); 0
 *	for the module parameter cache_max (clamped the same way)
 *
 * Call from fp_init before the first root is added.
 *
 * Context: process context.
 * Return: 0, -EBUSY once a root has been added.
 */
int fanotify_fastpath_subtree_set_cap(struct fanotify_fastpath_hook *hook,
				      unsigned int cap)
{
	struct fp_ancestry *anc = hook_anc(hook);
	int ret = 0;

	mutex_lock(&anc->mutex);
	if (anc->buckets)
		ret = -EBUSY;
	else
		anc->max = cap;
	mutex_unlock(&anc->mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_subtree_set_cap);

/* Add @sb to the lockless set. Context: anc->lock held. */
static void fp_anc_sbs_add(struct fp_ancestry *anc, struct super_block *sb)
{
	WRITE_ONCE(anc->sbs[anc->nsbs], sb);
	/* The slot is written before the count that makes readers look at it. */
	smp_store_release(&anc->nsbs, anc->nsbs + 1);
}

/*
 * Remove @sb from the set. The last slot moves into @sb's and only then does
 * the count drop: a lockless reader may still see @sb for a moment, never
 * miss another filesystem. Context: anc->lock held.
 */
static void fp_anc_sbs_del(struct fp_ancestry *anc, struct super_block *sb)
{
	unsigned int i;

	for (i = 0; i < anc->nsbs; i++) {
		if (anc->sbs[i] != sb)
			continue;
		WRITE_ONCE(anc->sbs[i], anc->sbs[anc->nsbs - 1]);
		/* The moved slot is visible before the count drops. */
		smp_store_release(&anc->nsbs, anc->nsbs - 1);
		return;
	}
}

static void fp_anc_release(struct kref *ref);

static void fp_anc_sub_free_rcu(struct rcu_head *head)
{
	struct fp_anc_sub *sub = container_of(head, struct fp_anc_sub, rcu);

	kref_put(&sub->anc->ref, fp_anc_release);
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

/*
 * Subscribe the cache to @sb's filesystem mark, adding the mark if it is the
 * first. Context: anc->mutex held, @sb active (the caller holds a path on it,
 * so no unmount can race).
 */
static int fp_anc_sub_add(struct fp_ancestry *anc, struct super_block *sb)
{
	struct fp_anc_sbmark *sbm;
	struct fp_anc_sub *sub;
	int ret = 0;

	mutex_lock(&fp_anc_sb_mutex);
	spin_lock(&fp_anc_sb_lock);
	sub = fp_anc_sub_find(anc, sb);
	sbm = fp_anc_sbmark_find(sb);
	spin_unlock(&fp_anc_sb_lock);
	if (sub)
		goto out;
	ret = -ENOMEM;
	sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
	if (!sub)
		goto out;
	if (!sbm) {
		sbm = kzalloc(sizeof(*sbm), GFP_KERNEL_ACCOUNT);
		if (!sbm) {
			kfree(sub);
			goto out;
		}
		fsnotify_init_mark(&sbm->mark, fp_anc_group);
		sbm->mark.mask = FP_ANC_MASK;
		sbm->sb = sb;
		INIT_LIST_HEAD(&sbm->subs);
		spin_lock(&fp_anc_sb_lock);
		sbm->linked = true;
		list_add(&sbm->node, &fp_anc_sbmarks);
		spin_unlock(&fp_anc_sb_lock);
		ret = fsnotify_add_mark(&sbm->mark, sb, FSNOTIFY_OBJ_TYPE_SB, 0);
		if (ret) {
			spin_lock(&fp_anc_sb_lock);
			sbm->linked = false;
			list_del(&sbm->node);
			spin_unlock(&fp_anc_sb_lock);
			fsnotify_put_mark(&sbm->mark);	/* never attached: free_mark frees it */
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
	fp_anc_sbs_add(anc, sb);
	spin_unlock(&anc->lock);
	spin_unlock(&fp_anc_sb_lock);
	ret = 0;
out:
	mutex_unlock(&fp_anc_sb_mutex);
	return ret;
}

/* End the cache's subscription to @sb, if any. Context: anc->mutex held. */
static void fp_anc_sub_del(struct fp_ancestry *anc, struct super_block *sb)
{
	struct fp_anc_sbmark *doomed = NULL;
	struct fp_anc_sub *sub;

	mutex_lock(&fp_anc_sb_mutex);
	spin_lock(&fp_anc_sb_lock);
	sub = fp_anc_sub_find(anc, sb);
	if (sub)
		doomed = fp_anc_sub_unlink(sub);
	spin_unlock(&fp_anc_sb_lock);
	if (doomed)
		fp_anc_sbmark_destroy(doomed);
	mutex_unlock(&fp_anc_sb_mutex);
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

/**
 * fanotify_fastpath_subtree_add_root() - add a root, or change its kind
 * @hook: the attachment
 * @path: a directory, held by the caller
 * @flags: 0 for an include root, FAN_FP_ROOT_EXCLUDE for an exclude root
 *
 * The root is its directory's inode, which an fsnotify mark holds (not its
 * dentry or mount): it stays a root when moved, stops being one when deleted
 * or unmounted. Its filesystem is watched for directory moves from now on.
 *
 * Context: process context, may sleep; typically fp_init or the control device.
 * Return: 0, -EINVAL for unknown @flags, -ENOTDIR, -ENOSPC with
 * FAN_FP_ROOTS_MAX roots, -ENOENT when the directory is being deleted,
 * -ENOMEM.
 */
int fanotify_fastpath_subtree_add_root(struct fanotify_fastpath_hook *hook,
				       const struct path *path, u32 flags)
{
	struct fp_ancestry *anc = hook_anc(hook);
	struct inode *inode = d_inode(path->dentry);
	bool include = !(flags & FAN_FP_ROOT_EXCLUDE);
	struct fp_anc_entry *old;
	struct fp_anc_root *r;
	int ret;

	if (flags & ~FAN_FP_ROOT_EXCLUDE)
		return -EINVAL;
	if (!d_is_dir(path->dentry))
		return -ENOTDIR;
	if (IS_DEADDIR(inode))
		return -ENOENT;

	mutex_lock(&anc->mutex);
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
	ret = fp_anc_sub_add(anc, inode->i_sb);
	if (ret)
		goto out;	/* a new subscription stays until the cache ends: harmless */
	ret = -ENOMEM;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		goto out;
	fsnotify_init_mark(&r->mark, fp_anc_root_group);
	r->anc = anc;
	kref_get(&anc->ref);	/* dropped by free_mark */
	r->e.inode = inode;
	r->e.sb = inode->i_sb;
	r->e.ino = inode->i_ino;
	r->e.igen = inode->i_generation;
	r->e.kind = FP_ANC_ROOT;
	r->e.state = fp_anc_state(0, 0, include);

	spin_lock(&anc->lock);
	/* A cached answer for this directory must not shadow the root. */
	old = fp_anc_find(anc, anc->buckets, inode);
	if (old)
		fp_anc_unlink(anc, old);
	r->linked = true;
	list_add_tail(&r->e.node, &anc->roots);
	anc->nroots++;
	hlist_add_head_rcu(&r->e.hnode, fp_anc_bucket(anc->buckets, anc->bits, inode));
	fp_anc_invalidate(anc);
	spin_unlock(&anc->lock);

	ret = fsnotify_add_inode_mark(&r->mark, inode, 0);
	if (ret) {
		spin_lock(&anc->lock);
		if (r->linked) {
			fp_anc_unlink(anc, &r->e);
			fp_anc_invalidate(anc);
		}
		spin_unlock(&anc->lock);
		fsnotify_put_mark(&r->mark);	/* never attached: free_mark frees it */
	}
out:
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
	struct fp_anc_entry *e;
	bool last = true;

	mutex_lock(&anc->mutex);
	spin_lock(&anc->lock);
	r = fp_anc_root_find(anc, inode);
	if (r) {
		fp_anc_unlink(anc, &r->e);
		fp_anc_invalidate(anc);
		list_for_each_entry(e, &anc->roots, node)
			if (e->sb == inode->i_sb)
				last = false;
	}
	spin_unlock(&anc->lock);
	if (r)
		fp_anc_root_destroy(r);
	if (r && last)
		fp_anc_sub_del(anc, inode->i_sb);
	mutex_unlock(&anc->mutex);
	return r ? 0 : -ENOENT;
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_subtree_remove_root);

/**
 * fp_ancestry_new() - a new, empty cache (no roots, no buckets yet)
 * @memcg: the memory cgroup to charge; the cache takes its own reference
 *
 * Return: the cache or NULL.
 */
struct fp_ancestry *fp_ancestry_new(struct mem_cgroup *memcg)
{
	struct fp_ancestry *anc = kzalloc(sizeof(*anc), GFP_KERNEL_ACCOUNT);

	if (!anc)
		return NULL;
	kref_init(&anc->ref);
	spin_lock_init(&anc->lock);
	mutex_init(&anc->mutex);
	INIT_LIST_HEAD(&anc->clock);
	INIT_LIST_HEAD(&anc->roots);
	INIT_LIST_HEAD(&anc->subs);
	fp_memcg_hold(memcg);
	anc->memcg = memcg;
	return anc;
}

static void fp_anc_release(struct kref *ref)
{
	struct fp_ancestry *anc = container_of(ref, struct fp_ancestry, ref);
	struct fp_anc_entry *e, *tmp;

	/* No reader left: the attachment is gone and so are the subscriptions. */
	/* Each root holds a reference: anc->roots is empty. */
	WARN_ON_ONCE(!list_empty(&anc->roots));
	list_for_each_entry_safe(e, tmp, &anc->clock, node)
		kmem_cache_free(fp_anc_cachep, e);
	kvfree(anc->buckets);
	fp_memcg_put(anc->memcg);
	mutex_destroy(&anc->mutex);
	kfree(anc);
}

/**
 * fp_ancestry_end() - end the cache of an ended attachment
 * @anc: the cache; no fp_handler can reach it any more
 *
 * Removes its filesystem marks and drops the attachment's reference; the
 * cache itself is freed when fsnotify has freed the last mark.
 *
 * Context: process context, may sleep.
 */
void fp_ancestry_end(struct fp_ancestry *anc)
{
	struct fp_anc_sbmark *sbm, *sbm_tmp;
	struct fp_anc_entry *e, *etmp;
	struct fp_anc_sub *sub, *sub_tmp;
	LIST_HEAD(doomed_marks);
	LIST_HEAD(doomed_roots);

	mutex_lock(&anc->mutex);
	spin_lock(&anc->lock);
	list_for_each_entry_safe(e, etmp, &anc->roots, node) {
		fp_anc_unlink(anc, e);
		list_add(&e->node, &doomed_roots);
	}
	spin_unlock(&anc->lock);
	list_for_each_entry_safe(e, etmp, &doomed_roots, node)
		fp_anc_root_destroy(container_of(e, struct fp_anc_root, e));

	mutex_lock(&fp_anc_sb_mutex);
	spin_lock(&fp_anc_sb_lock);
	list_for_each_entry_safe(sub, sub_tmp, &anc->subs, anode) {
		sbm = fp_anc_sub_unlink(sub);
		if (sbm)
			list_add(&sbm->node, &doomed_marks);
	}
	spin_unlock(&fp_anc_sb_lock);
	list_for_each_entry_safe(sbm, sbm_tmp, &doomed_marks, node)
		fp_anc_sbmark_destroy(sbm);
	mutex_unlock(&fp_anc_sb_mutex);
	mutex_unlock(&anc->mutex);
	kref_put(&anc->ref, fp_anc_release);
}

/**
 * fp_ancestry_info() - the cache's size and counters
 * @anc: the cache
 * @info: filled in
 */
void fp_ancestry_info(struct fp_ancestry *anc, struct fp_ancestry_info *info)
{
	spin_lock(&anc->lock);
	info->roots = anc->nroots;
	info->entries = anc->count;
	info->max = anc->buckets ? anc->max : (anc->max ? anc->max :
					       READ_ONCE(fp_param_cache_max));
	info->evicted = anc->evicted;
	info->invalidations = anc->invalidations;
	spin_unlock(&anc->lock);
}

/* ---- the private group: directory moves, deletions, unmounts ---------------------- */

/* Known answer of @dir in the current generation: 1, 0, or -1 if unknown. */
static int fp_anc_known(struct fp_ancestry *anc, struct inode *dir)
{
	/* Pairs with fp_anc_prepare(), as in fp_anc_decide(). */
	struct hlist_head *buckets = smp_load_acquire(&anc->buckets);
	unsigned int depth;

	if (!dir || !buckets)
		return -1;
	return fp_anc_entry_answer(fp_anc_find(anc, buckets, dir), dir, READ_ONCE(anc->gen),
				   &depth);
}

/* A directory moved from @old_dir to @new_dir (after d_move()). */
static void fp_anc_moved(struct fp_ancestry *anc, struct inode *old_dir,
			 struct inode *new_dir)
{
	int a, b;

	rcu_read_lock();
	a = fp_anc_known(anc, old_dir);
	b = fp_anc_known(anc, new_dir);
	rcu_read_unlock();
	if (a >= 0 && a == b)
		return;	/* same answer on both sides: nothing below changes */
	spin_lock(&anc->lock);
	fp_anc_invalidate(anc);
	spin_unlock(&anc->lock);
}

/* Directory @inode is being deleted: forget its entry (a root goes with its mark). */
static void fp_anc_deleted(struct fp_ancestry *anc, struct inode *inode)
{
	struct fp_anc_entry *e;

	spin_lock(&anc->lock);
	WRITE_ONCE(anc->dseq, anc->dseq + 1);
	e = anc->buckets ? fp_anc_find(anc, anc->buckets, inode) : NULL;
	if (e && e->kind == FP_ANC_DIR)
		fp_anc_unlink(anc, e);
	spin_unlock(&anc->lock);
}

/*
 * The watch group's handle_event, for the filesystem mark of the event's
 * super_block: tell every subscribed cache. Context: fsnotify, SRCU held, may
 * be in the rename or unlink system call with directory locks held.
 */
static int fp_anc_handle_event(struct fsnotify_group *group, u32 mask,
			       const void *data, int data_type, struct inode *dir,
			       const struct qstr *file_name, u32 cookie,
			       struct fsnotify_iter_info *iter_info)
{
	struct fsnotify_mark *mark = fsnotify_iter_sb_mark(iter_info);
	struct inode *deleted = NULL, *new_dir = NULL;
	struct fp_anc_sbmark *sbm;
	struct fp_anc_sub *sub;
	struct dentry *moved;

	if (!mark || !(mask & FS_ISDIR))
		return 0;
	sbm = container_of(mark, struct fp_anc_sbmark, mark);
	if (mask & FS_DELETE_SELF)
		deleted = fsnotify_data_inode(data, data_type);
	rcu_read_lock();
	/* The moved dentry: FSNOTIFY_EVENT_DENTRY (6.12) or _RENAME (7.x) data. */
	moved = (mask & FS_RENAME) ? fsnotify_data_dentry(data, data_type) : NULL;
	if (moved)
		new_dir = d_inode_rcu(READ_ONCE(moved->d_parent));
	list_for_each_entry_rcu(sub, &sbm->subs, snode) {
		if (deleted)
			fp_anc_deleted(sub->anc, deleted);
		if (new_dir && new_dir != dir)
			fp_anc_moved(sub->anc, dir, new_dir);
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
	struct fp_anc_entry *e, *etmp;
	bool drop = false;

	spin_lock(&fp_anc_sb_lock);
	list_for_each_entry_safe(sub, tmp, &sbm->subs, snode) {
		struct fp_ancestry *anc = sub->anc;

		spin_lock(&anc->lock);
		list_for_each_entry_safe(e, etmp, &anc->clock, node)
			if (e->sb == sbm->sb)
				fp_anc_unlink(anc, e);
		fp_anc_invalidate(anc);
		spin_unlock(&anc->lock);
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

/* A root's directory is deleted or its filesystem unmounted: drop the root. */
static void fp_anc_root_freeing_mark(struct fsnotify_mark *mark, struct fsnotify_group *group)
{
	struct fp_anc_root *r = container_of(mark, struct fp_anc_root, mark);
	struct fp_ancestry *anc = r->anc;
	bool drop = false;

	spin_lock(&anc->lock);
	if (r->linked) {
		fp_anc_unlink(anc, &r->e);
		fp_anc_invalidate(anc);
		drop = true;
	}
	spin_unlock(&anc->lock);
	/* The destroyer holds its own reference: this is never the last one. */
	if (drop)
		fsnotify_put_mark(mark);
}

static void fp_anc_root_free_mark(struct fsnotify_mark *mark)
{
	struct fp_anc_root *r = container_of(mark, struct fp_anc_root, mark);

	kref_put(&r->anc->ref, fp_anc_release);
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

/**
 * fp_ancestry_init() - the entry cache and the private groups
 *
 * Return: 0 or a negative errno.
 */
int fp_ancestry_init(void)
{
	fp_anc_cachep = KMEM_CACHE(fp_anc_entry, SLAB_ACCOUNT);
	if (!fp_anc_cachep)
		return -ENOMEM;
	fp_anc_group = fsnotify_alloc_group(&fp_anc_fsn_ops, FSNOTIFY_GROUP_DUPS);
	if (IS_ERR(fp_anc_group))
		goto err_cache;
	fp_anc_root_group = fsnotify_alloc_group(&fp_anc_root_fsn_ops, FSNOTIFY_GROUP_DUPS);
	if (IS_ERR(fp_anc_root_group)) {
		fsnotify_put_group(fp_anc_group);
		fp_anc_group = fp_anc_root_group;
		goto err_cache;
	}
	return 0;
err_cache:
	kmem_cache_destroy(fp_anc_cachep);
	return PTR_ERR(fp_anc_group);
}

/**
 * fp_ancestry_exit() - free what fp_ancestry_init() made, after every cache
 *
 * Context: module exit: no attachment is left.
 */
void fp_ancestry_exit(void)
{
	/* Marks of ended caches are freed by fsnotify's reaper; wait for it. */
	fsnotify_wait_marks_destroyed();
	/* Subscriptions drop their cache references from RCU callbacks. */
	rcu_barrier();
	fsnotify_put_group(fp_anc_root_group);
	fsnotify_put_group(fp_anc_group);
	rcu_barrier();
	kmem_cache_destroy(fp_anc_cachep);
}
