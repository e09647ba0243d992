// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the ancestry cache proper (subtree membership).
 *
 * Owns the entries of every cache (their hash, CLOCK list and slab), the
 * walk and the fill, the generation, the set of filesystems the event path
 * tests first, the release of a cache, and the exported
 * fanotify_fastpath_subtree_match() and _set_cap(). Calls nothing of the
 * other ancestry files; they call in here (ancestry.h).
 *
 * The truth is the dentry tree. A directory is inside when the nearest root
 * met walking up d_parent from it (itself included) is an include root,
 * outside when it is an exclude root or when the walk reaches the root of the
 * filesystem first. The walk runs under RCU and the rename_lock seqcount,
 * like is_subdir(); a walk raced by renames is retried, and its last try
 * holds rename_lock (as d_path() does), so renames anywhere in the system
 * cannot make it give up. The answer is "unsure" (delivered) only for a
 * disconnected dentry or a tree deeper than FP_ANC_MAX_WALK.
 *
 * The cache holds one entry per directory, with the answer and the depth
 * below the nearest root, valid for one generation of the cache. Entries
 * reference no inode: an evicted directory is walked again when it is read
 * back, and its old entry ages out of the CLOCK. A miss walks up to the
 * nearest root or valid entry and fills up to FP_ANC_FILL of the directories
 * it walked (those nearest the event). At most @max entries: a full cache
 * evicts with a CLOCK sweep (entries of older generations first, then those
 * not used since the last sweep). A full cache costs walks, never an answer.
 * Directories whose dentries revalidate (network filesystems, FUSE: the
 * kernel may re-parent them with d_splice_alias() without any fsnotify
 * event) are never cached: every event there walks.
 *
 * Locks: anc->lock (spinlock) serializes writers of a cache; the event path
 * looks up without locks under RCU and fills under anc->lock. The last try
 * of a walk holds rename_lock, never together with anc->lock.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>
#include <linux/hash.h>
#include <linux/magic.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "ancestry.h"
#include "compat.h"
#include "fh.h"

#define FP_ANC_FILL		32	/* directories one walk fills */
#define FP_ANC_MAX_WALK		4096	/* deeper than this is unsure (delivered) */
#define FP_ANC_RETRIES		3	/* lockless walks before one under rename_lock */
#define FP_ANC_SWEEP		64	/* CLOCK steps per eviction at most */
#define FP_ANC_DEPTH_MAX	0xffff
#define FP_ANC_MIN_CAP		16
#define FP_ANC_MAX_CAP		BIT(22)		/* 4M directories: 16 MiB of buckets */
#define FP_ANC_FREE_BATCH	1024		/* entries freed between reschedules */

/* Events that have no directory and are never delivered for lack of one. */
#define FP_ANC_NODIR_EVENTS	(FS_DELETE_SELF | FS_MOVE_SELF | FS_ERROR)
#define FP_ANC_ALIASES		4	/* hard links judged for an event without directory */

static struct kmem_cache *fp_anc_cachep;

/* Pack an entry's state; see struct fp_anc_entry. */
u64 fp_anc_state(u32 gen, unsigned int depth, bool inside)
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
struct fp_anc_entry *fp_anc_find(struct fp_ancestry *anc, struct hlist_head *buckets,
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

/*
 * The flags of filesystems whose inode identity needs more than (number,
 * generation): btrfs (and bcachefs) number the inodes of each subvolume from
 * the same start, and a snapshot repeats numbers and generations.
 */
u32 fp_anc_sb_flags_of(struct super_block *sb)
{
	if (sb->s_magic == BTRFS_SUPER_MAGIC || sb->s_magic == BCACHEFS_SUPER_MAGIC)
		return FP_ANC_SB_SUBVOL;
	return 0;
}

/* Was @e made for this very directory (not for a freed one at its address)? */
static __always_inline bool fp_anc_entry_is(const struct fp_anc_entry *e,
					    struct inode *inode, u32 sbflags)
{
	if (e->kind == FP_ANC_ROOT)
		return true;	/* found by its inode, which its mark holds */
	if (READ_ONCE(e->igen) != inode->i_generation || e->ino != inode->i_ino ||
	    e->sb != inode->i_sb)
		return false;
	return likely(!(sbflags & FP_ANC_SB_SUBVOL)) || e->subvol == fp_inode_subvol(inode);
}

/*
 * The answer an entry gives for @inode in generation @gen: 1 inside, 0
 * outside, -1 when it gives none (no entry, another incarnation of the inode
 * number, an older generation). *@depth gets the depth.
 */
static __always_inline int fp_anc_entry_answer(struct fp_anc_entry *e, struct inode *inode,
					       u32 gen, u32 sbflags, unsigned int *depth)
{
	u64 state;

	if (!e || !fp_anc_entry_is(e, inode, sbflags))
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
void fp_anc_unlink(struct fp_ancestry *anc, struct fp_anc_entry *e)
{
	lockdep_assert_held(&anc->lock);
	hlist_del_rcu(&e->hnode);
	list_del(&e->node);
	if (e->kind == FP_ANC_ROOT) {
		anc->nroots--;
		return;
	}
	anc->count--;
	call_rcu(&e->rcu, fp_anc_entry_free_rcu);
}

/* Hash a root's entry, replacing a cached answer for its directory. */
void fp_anc_root_hash(struct fp_ancestry *anc, struct fp_anc_entry *e)
{
	struct fp_anc_entry *old;

	lockdep_assert_held(&anc->lock);
	old = fp_anc_find(anc, anc->buckets, e->inode);
	if (old)
		fp_anc_unlink(anc, old);
	list_add_tail(&e->node, &anc->roots);
	anc->nroots++;
	hlist_add_head_rcu(&e->hnode, fp_anc_bucket(anc->buckets, anc->bits, e->inode));
}

/*
 * Every cached answer becomes stale. The generation is 32 bits wide: before
 * it wraps, every entry is dropped, so that an entry of 2^32 generations ago
 * cannot be current again. Context: anc->lock held.
 */
void fp_anc_invalidate(struct fp_ancestry *anc)
{
	struct fp_anc_entry *e, *tmp;

	lockdep_assert_held(&anc->lock);
	anc->invalidations++;
	if (unlikely(anc->gen == U32_MAX)) {
		list_for_each_entry_safe(e, tmp, &anc->clock, node)
			fp_anc_unlink(anc, e);
	}
	WRITE_ONCE(anc->gen, anc->gen + 1);
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

/* What one walk found: the directories it passed and the answer that ended it. */
struct fp_anc_walk {
	struct inode *rec[FP_ANC_FILL];	/* rec[i] is @steps - i levels below the end */
	unsigned int n, steps, depth;
	bool nofill;			/* a dentry on the way revalidates */
	int inside;			/* 1, 0, or -EAGAIN */
};

/*
 * Cache the answer for the directories a walk passed (only the first, the
 * event's directory, when the cache would have to evict for them). Nothing
 * is cached when the generation changed since the walk began. A directory being deleted
 * (S_DEAD, set before its deletion is notified) is skipped: its entry could
 * outlive it. Context: rcu_read_lock() held (the inodes are RCU-freed); does
 * not sleep.
 */
static void fp_anc_fill(struct fp_ancestry *anc, struct hlist_head *buckets,
			const struct fp_anc_walk *w, u32 gen, u32 sbflags)
{
	struct mem_cgroup *old_memcg;
	struct fp_anc_entry *e;
	unsigned int i, n;

	old_memcg = set_active_memcg(anc->memcg);
	spin_lock(&anc->lock);
	if (anc->gen != gen)
		goto out;
	/* A full cache evicts for each new entry: only the event's directory pays. */
	n = anc->count + w->n > anc->max ? 1 : w->n;
	for (i = 0; i < n; i++) {
		struct inode *inode = w->rec[i];
		u64 state = fp_anc_state(gen, w->inside ? w->depth + w->steps - i : 0,
					 w->inside);

		if (IS_DEADDIR(inode))
			continue;
		e = fp_anc_find(anc, buckets, inode);
		if (e && e->kind == FP_ANC_ROOT)
			continue;
		if (e && fp_anc_entry_is(e, inode, sbflags)) {
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
		e->subvol = (sbflags & FP_ANC_SB_SUBVOL) ? fp_inode_subvol(inode) : 0;
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

/* One walk up from @start to the nearest root or valid entry. */
static void fp_anc_walk_once(struct fp_ancestry *anc, struct hlist_head *buckets,
			     struct dentry *start, u32 gen, u32 sbflags, struct fp_anc_walk *w)
{
	struct dentry *d = start, *parent;

	w->n = 0;
	w->nofill = false;
	for (w->steps = 0;; w->steps++) {
		struct inode *inode = d_inode_rcu(d);

		if (!inode || w->steps > FP_ANC_MAX_WALK) {
			w->inside = -EAGAIN;
			return;
		}
		w->inside = fp_anc_entry_answer(fp_anc_find(anc, buckets, inode), inode, gen,
						sbflags, &w->depth);
		if (w->inside >= 0)
			return;
		if (READ_ONCE(d->d_flags) & DCACHE_OP_REVALIDATE)
			w->nofill = true;
		if (w->n < FP_ANC_FILL)
			w->rec[w->n++] = inode;
		parent = READ_ONCE(d->d_parent);
		if (parent == d) {
			/* The filesystem's root, or a disconnected dentry. */
			w->inside = d == inode->i_sb->s_root ? 0 : -EAGAIN;
			w->depth = 0;
			return;
		}
		d = parent;
	}
}

/*
 * Walk up from @start to the nearest root or valid entry, and fill the cache.
 * Return: 1 inside, 0 outside, -EAGAIN unsure (a disconnected dentry, or a
 * tree deeper than FP_ANC_MAX_WALK). Context: rcu_read_lock() held.
 */
static int fp_anc_walk(struct fp_ancestry *anc, struct hlist_head *buckets,
		       struct dentry *start, u32 gen, u32 sbflags)
{
	struct fp_anc_walk w;
	unsigned int tries, seq;

	for (tries = 1; tries < FP_ANC_RETRIES; tries++) {
		seq = read_seqbegin(&rename_lock);
		fp_anc_walk_once(anc, buckets, start, gen, sbflags, &w);
		if (!read_seqretry(&rename_lock, seq))
			goto walked;
	}
	/* Renames kept racing: the last try excludes them, as d_path() does. */
	read_seqlock_excl(&rename_lock);
	fp_anc_walk_once(anc, buckets, start, gen, sbflags, &w);
	read_sequnlock_excl(&rename_lock);
walked:
	if (w.inside >= 0 && !w.nofill)
		fp_anc_fill(anc, buckets, &w, gen, sbflags);
	return w.inside;
}

/*
 * The flags of @sb when it is one of the cache's filesystems, else -1.
 * Lockless, inside anc->sbs_seq: never misses a filesystem that stays.
 */
static __always_inline int fp_anc_sb_lookup(struct fp_ancestry *anc, struct super_block *sb)
{
	unsigned int seq, i, n;
	int ret;

	do {
		seq = read_seqcount_begin(&anc->sbs_seq);
		ret = -1;
		n = min_t(unsigned int, READ_ONCE(anc->nsbs), FAN_FP_ROOTS_MAX);
		for (i = 0; i < n; i++) {
			if (READ_ONCE(anc->sbs[i].sb) == sb) {
				ret = READ_ONCE(anc->sbs[i].flags);
				break;
			}
		}
	} while (read_seqcount_retry(&anc->sbs_seq, seq));
	return ret;
}

/*
 * Add @sb to the event path's set. Context: anc->lock held.
 * Return: false when the set is full (never, while subscriptions are bounded).
 */
bool fp_anc_sbs_add(struct fp_ancestry *anc, struct super_block *sb)
{
	lockdep_assert_held(&anc->lock);
	if (WARN_ON_ONCE(anc->nsbs >= FAN_FP_ROOTS_MAX))
		return false;
	write_seqcount_begin(&anc->sbs_seq);
	anc->sbs[anc->nsbs].sb = sb;
	anc->sbs[anc->nsbs].flags = fp_anc_sb_flags_of(sb);
	anc->nsbs++;
	write_seqcount_end(&anc->sbs_seq);
	return true;
}

/* Remove @sb from the set: the last slot moves into its place. Context: anc->lock. */
void fp_anc_sbs_del(struct fp_ancestry *anc, struct super_block *sb)
{
	unsigned int i;

	lockdep_assert_held(&anc->lock);
	for (i = 0; i < anc->nsbs; i++) {
		if (anc->sbs[i].sb != sb)
			continue;
		write_seqcount_begin(&anc->sbs_seq);
		anc->sbs[i] = anc->sbs[anc->nsbs - 1];
		anc->nsbs--;
		write_seqcount_end(&anc->sbs_seq);
		return;
	}
}

/*
 * The answer for directory @dir (with @dentry, or NULL to find its alias) in
 * the current generation, walking on a miss. Return: 1 inside, 0 outside,
 * -EAGAIN unsure. Context: rcu_read_lock() held.
 */
static __always_inline int fp_anc_answer(struct fp_ancestry *anc,
					 struct fp_stats __percpu *stats, struct inode *dir,
					 u32 sbflags, const struct fanotify_fastpath_event *event,
					 struct dentry *dentry)
{
	/* Pairs with fp_anc_prepare(): @bits and @max are set before @buckets. */
	struct hlist_head *buckets = smp_load_acquire(&anc->buckets);
	struct fp_anc_entry *e;
	unsigned int depth;
	u32 gen;
	int ret;

	if (!buckets)
		return 0;
	gen = READ_ONCE(anc->gen);
	e = fp_anc_find(anc, buckets, dir);
	ret = fp_anc_entry_answer(e, dir, gen, sbflags, &depth);
	if (ret >= 0) {
		if (!READ_ONCE(e->used))
			WRITE_ONCE(e->used, 1);
		if (stats)
			this_cpu_inc(stats->v[FP_STAT_ANC_HITS]);
		return ret;
	}
	if (stats)
		this_cpu_inc(stats->v[FP_STAT_ANC_WALKS]);
	if (!dentry && event)
		dentry = fp_event_dir_dentry(event, dir);
	ret = dentry ? fp_anc_walk(anc, buckets, dentry, gen, sbflags) : -EAGAIN;
	if (ret < 0 && stats)
		this_cpu_inc(stats->v[FP_STAT_ANC_UNSURE]);
	return ret;
}

/* Decide for directory @dir of an event. Context: rcu_read_lock() held. */
static __always_inline int fp_anc_decide(struct fp_attachment *at, struct inode *dir,
					 const struct fanotify_fastpath_event *event,
					 struct dentry *dentry)
{
	int sbflags = fp_anc_sb_lookup(at->anc, dir->i_sb);

	if (sbflags < 0)
		return 0;	/* no roots on this filesystem: outside */
	return fp_anc_answer(at->anc, at->stats, dir, sbflags, event, dentry);
}

/*
 * An event without a directory: *_SELF and FS_ERROR are outside; for others
 * on a file (the link count's FS_ATTRIB, a file opened through a disconnected
 * dentry) the directories of the file's names decide when they agree, else
 * the answer is unsure. Context: rcu_read_lock() held.
 */
static int fp_anc_nodir(struct fp_attachment *at, const struct fanotify_fastpath_event *event)
{
	struct dentry *parents[FP_ANC_ALIASES];
	struct inode *inode, *dir;
	int i, n, a, ret = -EAGAIN;

	if (event->mask & FP_ANC_NODIR_EVENTS)
		return 0;
	inode = fsnotify_data_inode(event->data, event->data_type);
	n = inode && !S_ISDIR(inode->i_mode) ?
	    fp_inode_parents(inode, parents, FP_ANC_ALIASES) : -1;
	for (i = 0; i < n; i++) {
		dir = d_inode_rcu(parents[i]);
		a = dir ? fp_anc_decide(at, dir, NULL, parents[i]) : -EAGAIN;
		if (a < 0 || (i && a != ret)) {
			ret = -EAGAIN;
			break;
		}
		ret = a;
	}
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
 * inside when either is. *_SELF events and FS_ERROR, which have no
 * directory, are outside. Other events on a file that fsnotify sends without
 * a directory (the FS_ATTRIB of a link count change, events on a file
 * reached through a disconnected dentry, e.g. by open_by_handle_at() or an
 * NFS export) are judged by the directories of the file's names when they
 * agree, else unsure. O(1) when the directory's answer is cached;
 * otherwise a walk up to the nearest cached directory or root, which fills
 * the cache.
 *
 * Context: fp_handler (rcu_read_lock() held); does not sleep.
 * Return: 1 inside, 0 outside, -EAGAIN when the answer is uncertain (deliver
 * the event: uncertainty must never drop).
 */
int fanotify_fastpath_subtree_match(struct fanotify_fastpath_hook *hook,
				    const struct fanotify_fastpath_event *event)
{
	struct fp_attachment *at = fp_hook_attachment(hook);
	struct inode *dir = fanotify_fastpath_event_dir(event);
	struct dentry *moved, *parent;
	int ret;

	if (unlikely(!dir))
		return fp_anc_nodir(at, event);
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

/*
 * Allocate the buckets for the cap: the handler's, or the module parameter
 * cache_max; an attacher without CAP_SYS_ADMIN gets cache_max at most.
 * Context: anc->mutex held.
 */
int fp_anc_prepare(struct fp_ancestry *anc)
{
	struct hlist_head *buckets;
	unsigned int cap, bits;

	if (anc->buckets)
		return 0;
	cap = anc->max ? anc->max : READ_ONCE(fp_param_cache_max);
	if (anc->limited)
		cap = min(cap, READ_ONCE(fp_param_cache_max));
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

/*
 * The directory of alias @d is known to the cache, or is walked now (the
 * watch's rename handler: the cache learns both parents of a move).
 * Context: rcu_read_lock() held.
 */
static int fp_anc_dir_answer(struct fp_ancestry *anc, struct inode *dir, struct dentry *d)
{
	int sbflags;

	if (!dir || !d)
		return -EAGAIN;
	sbflags = fp_anc_sb_lookup(anc, dir->i_sb);
	if (sbflags < 0)
		return 0;
	return fp_anc_answer(anc, NULL, dir, sbflags, NULL, d);
}

/**
 * fp_anc_moved() - a directory moved from @old_dir to @new_dir
 * @anc: a cache with roots on their filesystem
 * @old_dir: the old parent
 * @new_dir: the new parent, @new_parent's inode
 * @new_parent: the moved dentry's parent, after d_move()
 *
 * When both parents have the same answer, nothing below the moved directory
 * changes and the cache stays. The parents' answers are looked up, or walked
 * (exact: a cross-directory rename holds the filesystem's s_vfs_rename_mutex,
 * so no other directory of it moves meanwhile); a move between parents the
 * cache did not know therefore invalidates only when it crosses a boundary.
 *
 * Context: the watch group's handler, in the rename system call with both
 * parents locked; takes rcu_read_lock() itself.
 */
void fp_anc_moved(struct fp_ancestry *anc, struct inode *old_dir, struct inode *new_dir,
		  struct dentry *new_parent)
{
	int a, b;

	rcu_read_lock();
	a = old_dir ? fp_anc_dir_answer(anc, old_dir, fp_dir_alias(old_dir)) : -EAGAIN;
	b = a < 0 ? -EAGAIN : fp_anc_dir_answer(anc, new_dir, new_parent);
	rcu_read_unlock();
	if (a >= 0 && a == b)
		return;
	spin_lock(&anc->lock);
	fp_anc_invalidate(anc);
	spin_unlock(&anc->lock);
}

/* Directory @inode is being deleted: forget its entry (a root goes with its mark). */
void fp_anc_deleted(struct fp_ancestry *anc, struct inode *inode)
{
	struct fp_anc_entry *e;

	spin_lock(&anc->lock);
	e = anc->buckets ? fp_anc_find(anc, anc->buckets, inode) : NULL;
	if (e && e->kind == FP_ANC_DIR)
		fp_anc_unlink(anc, e);
	spin_unlock(&anc->lock);
}

/* @sb is unmounted: drop every entry on it and every answer. Context: any. */
void fp_anc_drop_sb(struct fp_ancestry *anc, struct super_block *sb)
{
	struct fp_anc_entry *e, *tmp;

	spin_lock(&anc->lock);
	list_for_each_entry_safe(e, tmp, &anc->clock, node)
		if (e->sb == sb)
			fp_anc_unlink(anc, e);
	fp_anc_invalidate(anc);
	spin_unlock(&anc->lock);
}

/* The release: entries, buckets, the structure. Context: process (fp_anc_wq). */
static void fp_anc_free_work(struct work_struct *work)
{
	struct fp_ancestry *anc = container_of(work, struct fp_ancestry, free_work);
	struct fp_anc_entry *e, *tmp;
	unsigned int n = 0;

	/* No reader left: the attachment, the roots and the subscriptions are gone. */
	WARN_ON_ONCE(!list_empty(&anc->roots));
	list_for_each_entry_safe(e, tmp, &anc->clock, node) {
		kmem_cache_free(fp_anc_cachep, e);
		if (!(++n % FP_ANC_FREE_BATCH))
			cond_resched();
	}
	kvfree(anc->buckets);
	fp_memcg_put(anc->memcg);
	mutex_destroy(&anc->mutex);
	kfree(anc);
}

static void fp_anc_release(struct kref *ref)
{
	struct fp_ancestry *anc = container_of(ref, struct fp_ancestry, ref);

	/* The last put may come from an RCU callback: free in process context. */
	queue_work(fp_anc_wq, &anc->free_work);
}

/**
 * fp_anc_put() - drop a reference on a cache
 * @anc: the cache
 *
 * Context: any but hard IRQ; the last put queues the release on fp_anc_wq.
 */
void fp_anc_put(struct fp_ancestry *anc)
{
	kref_put(&anc->ref, fp_anc_release);
}

/* Initialize the parts of a new cache this file owns. */
void fp_anc_init(struct fp_ancestry *anc)
{
	kref_init(&anc->ref);
	spin_lock_init(&anc->lock);
	seqcount_spinlock_init(&anc->sbs_seq, &anc->lock);
	INIT_LIST_HEAD(&anc->clock);
	INIT_LIST_HEAD(&anc->roots);
	INIT_WORK(&anc->free_work, fp_anc_free_work);
	anc->gen = READ_ONCE(fp_param_cache_gen_start);
}

int fp_anc_cache_init(void)
{
	fp_anc_cachep = KMEM_CACHE(fp_anc_entry, SLAB_ACCOUNT);
	return fp_anc_cachep ? 0 : -ENOMEM;
}

/* After every cache is released and every RCU callback has run. */
void fp_anc_cache_exit(void)
{
	kmem_cache_destroy(fp_anc_cachep);
}
