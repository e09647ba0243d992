/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify fastpath: the ancestry cache's objects, shared by its four files.
 *
 *	ancestry.c	the cache's life (new, end, info) and the module's setup:
 *			calls the three below
 *	anc_roots.c	roots: inode marks of the root group; add, remove, list
 *	anc_watch.c	the filesystem marks of the watch group and the caches'
 *			subscriptions to them: directory moves, deletions, unmounts
 *	anc_cache.c	entries, lookup, walk, fill, CLOCK, the filesystem set the
 *			event path tests, and the exported subtree match
 *
 * A file calls only the files below it. Locks, outermost first:
 * fp_mutex > anc->mutex (root changes, subscriptions; may sleep) >
 * fp_anc_sb_mutex (adding and destroying filesystem marks) > fsnotify's
 * mark_mutex > fp_anc_sb_lock (lists of filesystem marks and subscriptions) >
 * anc->lock (spinlock: the hash, CLOCK list, roots list, filesystem set and
 * counters) > rename_lock (taken by the last try of a walk, never with
 * anc->lock).
 */
#ifndef _FP_ANCESTRY_H
#define _FP_ANCESTRY_H

#include <linux/kref.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "internal.h"

enum fp_anc_kind {
	FP_ANC_DIR,		/* a cached answer */
	FP_ANC_ROOT,		/* a root: its answer holds for every generation */
};

/* Per-filesystem flags of the event path's set (struct fp_anc_sbent). */
#define FP_ANC_SB_SUBVOL	BIT(0)	/* inode numbers repeat per subvolume (btrfs) */

/*
 * struct fp_anc_entry - one directory of the cache, or one root.
 *
 * @state packs the answer (bit 0), the depth below the nearest root (bits
 * 1-16) and the generation (bits 32-63) in one word, so that lockless
 * readers see a consistent triple. For a root, bit 0 is "include".
 *
 * Identity: a FP_ANC_DIR entry is keyed by the inode object and checked
 * against its (super_block, number, i_generation, subvolume), so that an
 * inode freed and its memory reused for another directory is a miss;
 * @subvol is the subvolume for filesystems flagged FP_ANC_SB_SUBVOL (btrfs:
 * its subvolumes share one super_block and repeat numbers and generations),
 * else 0. A FP_ANC_ROOT entry is its inode, which the root's mark holds: it is
 * compared by the inode pointer only (a changed i_generation keeps the root).
 *
 * Lifetime of a FP_ANC_DIR entry: inserted under anc->lock; unlinked under
 * anc->lock by eviction, deletion of the directory, unmount, a generation
 * wrap or the end of the cache; freed after an RCU grace period (readers
 * hold rcu_read_lock()). A FP_ANC_ROOT entry is part of its struct
 * fp_anc_root (anc_roots.c).
 */
struct fp_anc_entry {
	struct hlist_node hnode;	/* anc->buckets, RCU */
	struct list_head node;		/* DIR: anc->clock; ROOT: anc->roots */
	const struct inode *inode;	/* key; compared, never dereferenced */
	struct super_block *sb;		/* checked; never dereferenced */
	unsigned long ino;		/* checked */
	u64 subvol;			/* checked: FP_ANC_SB_SUBVOL filesystems */
	u32 igen;			/* checked: i_generation when filled */
	u8 kind;
	u8 used;			/* CLOCK bit, set by hits */
	u64 state;
	struct rcu_head rcu;
};

/* One filesystem of the event path's set: it has roots of this cache. */
struct fp_anc_sbent {
	struct super_block *sb;		/* compared, never dereferenced */
	u32 flags;			/* FP_ANC_SB_* */
};

/*
 * struct fp_ancestry - the ancestry cache of one attachment.
 *
 * Lifetime: created with the attachment (fp_ancestry_new()); the attachment's
 * reference is dropped by fp_ancestry_end(). Each root and each subscription
 * holds a reference until fsnotify has freed the root's mark or an RCU grace
 * period has passed after the subscription ended; a queued @gc_work holds
 * one. The last put queues the release (fp_anc_put()), which frees the
 * entries in process context, then the buckets and the structure, and drops
 * the memory cgroup.
 *
 * @sbs: the filesystems with subscriptions (never more than
 * FAN_FP_ROOTS_MAX: a subscription ends with its filesystem's last root,
 * however the root ended). Written under anc->lock inside @sbs_seq, read
 * locklessly by the event path inside the seqcount, so a reader never misses
 * a filesystem that stays while another is removed.
 */
struct fp_ancestry {
	struct kref ref;
	spinlock_t lock;		/* writers of everything below */
	struct mutex mutex;		/* root changes, subscriptions */
	struct hlist_head *buckets;	/* NULL until the first root */
	unsigned int bits;
	unsigned int max;		/* cap of FP_ANC_DIR entries */
	unsigned int count;		/* FP_ANC_DIR entries */
	unsigned int nroots;
	u32 gen;			/* bumped: every cached answer is stale */
	struct list_head clock;		/* FP_ANC_DIR entries, CLOCK order */
	struct list_head roots;		/* FP_ANC_ROOT entries */
	struct list_head subs;		/* fp_anc_sub.anode; fp_anc_sb_lock */
	seqcount_spinlock_t sbs_seq;	/* @nsbs and @sbs */
	unsigned int nsbs;
	struct fp_anc_sbent sbs[FAN_FP_ROOTS_MAX];
	struct work_struct gc_work;	/* subscriptions of filesystems without roots */
	struct work_struct free_work;	/* the release, in process context */
	struct mem_cgroup *memcg;
	bool limited;			/* attached without CAP_SYS_ADMIN */
	u64 evicted;
	u64 invalidations;
};

extern struct workqueue_struct *fp_anc_wq;

/* The cache of the attachment a handler's hook belongs to. */
static inline struct fp_ancestry *hook_anc(struct fanotify_fastpath_hook *hook)
{
	return fp_hook_attachment(hook)->anc;
}

/* anc_cache.c */
int fp_anc_cache_init(void);
void fp_anc_cache_exit(void);
void fp_anc_init(struct fp_ancestry *anc);
void fp_anc_put(struct fp_ancestry *anc);
int fp_anc_prepare(struct fp_ancestry *anc);
void fp_anc_invalidate(struct fp_ancestry *anc);
void fp_anc_unlink(struct fp_ancestry *anc, struct fp_anc_entry *e);
struct fp_anc_entry *fp_anc_find(struct fp_ancestry *anc, struct hlist_head *buckets,
				 const struct inode *inode);
void fp_anc_root_hash(struct fp_ancestry *anc, struct fp_anc_entry *e);
void fp_anc_moved(struct fp_ancestry *anc, struct inode *old_dir, struct inode *new_dir,
		  struct dentry *new_parent);
void fp_anc_deleted(struct fp_ancestry *anc, struct inode *inode);
void fp_anc_drop_sb(struct fp_ancestry *anc, struct super_block *sb);
u32 fp_anc_sb_flags_of(struct super_block *sb);
bool fp_anc_sbs_add(struct fp_ancestry *anc, struct super_block *sb);
void fp_anc_sbs_del(struct fp_ancestry *anc, struct super_block *sb);
u64 fp_anc_state(u32 gen, unsigned int depth, bool inside);

/* anc_watch.c */
int fp_anc_watch_init(void);
void fp_anc_watch_exit(void);
int fp_anc_sub_add(struct fp_ancestry *anc, struct super_block *sb);
void fp_anc_subs_gc(struct fp_ancestry *anc);
void fp_anc_subs_end(struct fp_ancestry *anc);

/* anc_roots.c */
int fp_anc_roots_init(void);
void fp_anc_roots_init_cache(struct fp_ancestry *anc);
void fp_anc_roots_exit(void);
void fp_anc_roots_end(struct fp_ancestry *anc);

#endif /* _FP_ANCESTRY_H */
