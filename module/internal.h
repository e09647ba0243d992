/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify fastpath core: the objects shared by the core's files, and who
 * calls whom.
 *
 * Layers, top to bottom; a file calls only the layers below it:
 *
 *	main.c		module init/exit and parameters
 *	ctl.c sysfs.c bpf.c	interfaces: the device, sysfs, BPF struct_ops and kfuncs
 *			(ctl_v1.c: the device's deprecated version 1 ioctls)
 *	registry.c	handlers by name: register, unregister, lookup, autoload
 *	attach.c	attachments: attach, replace, detach, query, end
 *	hook.c		a hooked group's ops copy, the event path and verdicts
 *	ancestry.c tags.c event.c	per-attachment state and event helpers
 *			exported to handlers (ancestry.c uses event.c); the
 *			ancestry cache is four files, layered in ancestry.h:
 *			ancestry.c > anc_roots.c > anc_watch.c > anc_cache.c
 *
 * The one upward edge: when a hooked group dies, hook.c calls
 * fp_attachment_group_died() (attach.c). Registry changes reach sysfs through
 * the fp_registry_notifier chain, never by a direct call.
 *
 * Locking, in one place:
 * - fp_mutex serializes every change of the registry, of attachments and of
 *   hooked groups (attach, detach, replace, a group's death, unregister). It
 *   is never taken on the event path, and never held while a handler's
 *   fp_init runs (an init may look paths up, which may block).
 * - The event path reads fp_group.attachment under rcu_read_lock() only.
 * - The registry list is RCU-readable (name lookups before autoload).
 * - ancestry.c and tags.c have their own locks (see there); they nest inside
 *   fp_mutex, never the other way round.
 */
#ifndef _FP_INTERNAL_H
#define _FP_INTERNAL_H

#include <linux/fanotify_fastpath.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/wait_bit.h>

#include "memcg.h"

/* main.c: module parameters */
extern unsigned int fp_param_tag_max;
extern unsigned int fp_param_cache_max;
extern unsigned int fp_param_cache_gen_start;
extern bool fp_param_allow_unprivileged;

/* registry.c */
extern struct mutex fp_mutex;
extern struct list_head fp_handlers;
extern struct blocking_notifier_head fp_registry_notifier;

/* hook.c */
extern struct list_head fp_groups;

/* Per-CPU counters of an attachment; the first five are counted per verdict. */
enum fp_stat {
	FP_STAT_SEEN,		/* derived: the sum of the four verdicts */
	FP_STAT_PASSED,
	FP_STAT_DROPPED,
	FP_STAT_DENIED,
	FP_STAT_ERRORS,
	FP_STAT_ANC_HITS,	/* ancestry decisions answered by the cache */
	FP_STAT_ANC_WALKS,	/* ancestry decisions that walked */
	FP_STAT_ANC_UNSURE,	/* walks a concurrent rename made uncertain */
	FP_NR_STATS,
};

struct fp_stats {
	u64 v[FP_NR_STATS];
};

/* fp_registry_notifier events; the data is the struct fp_handler. */
enum {
	FP_HANDLER_ADDED,	/* fp_mutex held; a notifier error fails the register */
	FP_HANDLER_REMOVED,	/* fp_mutex not held; no attachment left */
};

/*
 * struct fp_handler - a registered handler (C module or BPF struct_ops map).
 *
 * Lifetime: allocated by fp_register() and linked on fp_handlers (writers hold
 * fp_mutex; readers may walk it under RCU). Whoever is about to attach it holds
 * one count in @users (fp_handler_get()) and the attachment keeps it until its
 * fp_free has returned. fp_unregister() marks it @dying (so no new attachment
 * can find it), ends every attachment, waits for @users to reach zero, sends
 * FP_HANDLER_REMOVED, unlinks it, waits for an RCU grace period (readers of
 * the list) and frees it. @ops belongs to the caller and must stay valid
 * until fp_unregister() returns.
 */
struct fp_handler {
	struct list_head list;
	struct fanotify_fastpath_ops *ops;
	struct module *owner;		/* pinned per user; NULL for BPF */
	struct list_head attachments;	/* fp_attachment.handler_node, fp_mutex */
	atomic_t users;
	bool dying;			/* fp_mutex */
	bool is_bpf;
	void *sysfs;			/* owned by sysfs.c */
	atomic64_t ended[FP_NR_STATS];	/* counters of attachments already ended */
};

/* The inode tags of one attachment (tags.c); fp_tag_lock protects both fields. */
struct fp_tag_store {
	struct list_head tags;
	unsigned int count;
};

struct fp_ancestry;

/*
 * struct fp_attachment - one handler attached to one group.
 *
 * Lifetime: created by fp_attach() (fp_init runs before it is published, with
 * no lock held), published in fp_group.attachment with rcu_assign_pointer()
 * under fp_mutex, unpublished under fp_mutex by detach, replace, handler
 * unregistration or group death. After an RCU grace period (none is needed at
 * group death: no event can reach a group whose last reference is gone)
 * fp_attachment_free() calls fp_free, ends the tags and the ancestry cache,
 * folds the counters into the handler, drops the handler's @users count, the
 * owner module reference and the memory cgroup, and frees it. @hook.group is
 * valid until then: whoever ends an attachment holds the group (its file,
 * a group reference, or the group's own final put).
 */
struct fp_attachment {
	struct fanotify_fastpath_hook hook;
	struct fp_handler *handler;
	struct fp_group *fg;
	struct list_head handler_node;
	struct fp_stats __percpu *stats;
	struct fp_tag_store tags;
	struct fp_ancestry *anc;	/* ancestry.c; outlives us until its marks are gone */
	struct mem_cgroup *memcg;	/* the attacher's: charged for tags and the cache */
	u64 id;
};

static inline struct fp_attachment *fp_hook_attachment(struct fanotify_fastpath_hook *hook)
{
	return container_of(hook, struct fp_attachment, hook);
}

/*
 * struct fp_group - a fanotify group the core has hooked.
 *
 * The group's ops pointer is switched, once, to @ops: a complete copy of
 * fanotify's table in which only handle_event and free_group_priv are ours.
 * The original table is never put back on a live group, so the copy (and this
 * struct) lives exactly as long as the group: it is freed by our
 * free_group_priv wrapper, which fsnotify calls at the group's final put after
 * all event delivery has ended. Each hooked group holds one reference on this
 * module, dropped at the very end of that wrapper; module exit waits for a
 * tasks-RCU grace period so that the wrapper's last instructions have run.
 * @node is on fp_groups under fp_mutex.
 */
struct fp_group {
	struct fsnotify_ops ops;
	const struct fsnotify_ops *orig;
	struct fsnotify_group *group;
	struct fp_attachment __rcu *attachment;
	struct list_head node;
};

/* registry.c */
bool fp_valid_name(const char *name, size_t size);
int fp_register(struct fanotify_fastpath_ops *ops, bool is_bpf);
void fp_unregister(struct fanotify_fastpath_ops *ops);
struct fp_handler *fp_handler_get(const char *name);

/**
 * fp_handler_put() - release a hold taken by fp_handler_get()
 * @h: the handler
 *
 * Inline so that attach.c, below the registry, releases the hold its
 * attachment took over without calling up into registry.c.
 * Context: any process context; @h may be freed once this returns.
 */
static inline void fp_handler_put(struct fp_handler *h)
{
	struct module *owner = h->owner;

	if (atomic_dec_and_test(&h->users))
		wake_up_var(&h->users);
	module_put(owner);
}

/*
 * A root of an ancestry cache, taken by fp_ancestry_roots(): @inode is held,
 * and so is its filesystem (an active super_block reference: it cannot be
 * shut down under us). fp_ancestry_roots_put() releases both.
 */
struct fp_root_ref {
	struct inode *inode;
	bool exclude;
};

/* What fp_query() tells about an attachment. */
struct fp_query {
	char name[FAN_FP_NAME_MAX];
	u32 attach_flags;
	u32 handler_flags;
	bool is_bpf;
	u64 id;
	u64 counters[FAN_FP_CNT_NR];
};

/* attach.c */
extern const char *const fp_counter_names[FAN_FP_CNT_NR];
int fp_attach(struct fsnotify_group *group, struct fp_handler *h,
	      const char *args, u32 flags, u64 *idp);
struct fsnotify_group *fp_group_by_id(u64 id);
int fp_detach(struct fsnotify_group *group, u64 id);
int fp_query(struct fsnotify_group *group, u64 id, struct fp_query *q);
int fp_roots(struct fsnotify_group *group, u64 id, struct fp_root_ref *refs);
int fp_tag(struct fsnotify_group *group, u64 id, struct inode *inode, u64 value);
int fp_root(struct fsnotify_group *group, u64 id, const struct path *path, u32 flags);
void fp_attachments_end_handler(struct fp_handler *h);
void fp_attachment_group_died(struct fp_group *fg);
void fp_stats_sum(struct fp_attachment *at, u64 *out);

/* hook.c */
struct fsnotify_group *fp_file_group(struct file *file);
struct fp_group *fp_group_lookup(struct fsnotify_group *group);
struct fp_group *fp_group_hook(struct fsnotify_group *group);

/* ancestry.c */
int fp_ancestry_init(void);
void fp_ancestry_exit(void);
struct fp_ancestry *fp_ancestry_new(struct mem_cgroup *memcg, bool limited);
void fp_ancestry_end(struct fp_ancestry *anc);
struct fp_ancestry_info {
	u64 roots, entries, max, evicted, invalidations;
};

void fp_ancestry_info(struct fp_ancestry *anc, struct fp_ancestry_info *info);

/* anc_roots.c, for the control device */
int fp_ancestry_roots(struct fp_ancestry *anc, struct fp_root_ref *refs, int max);
void fp_ancestry_roots_put(struct fp_root_ref *refs, int n);

/* tags.c */
int fp_tags_init(void);
void fp_tags_exit(void);
void fp_tag_store_init(struct fp_tag_store *store);
void fp_tag_store_destroy(struct fp_tag_store *store);
unsigned int fp_tag_count(struct fp_tag_store *store);

/* event.c */
struct dentry *fp_dir_alias(struct inode *dir);
int fp_inode_parents(struct inode *inode, struct dentry **out, int max);
struct dentry *fp_event_dir_dentry(const struct fanotify_fastpath_event *event,
				   struct inode *dir);

/* ctl.c, sysfs.c, bpf.c: the interfaces, set up and torn down by main.c */
int fp_ctl_init(void);
void fp_ctl_exit(void);
/* ctl.c, shared with ctl_v1.c (the deprecated version 1 ioctls) */
bool fp_ctl_permitted(void);
int fp_ctl_group_fd(int fd, struct file **filep, struct fsnotify_group **groupp);
int fp_ctl_check_name(const char *name, size_t size);
char *fp_ctl_init_args(u64 uptr, u32 size);
int fp_ctl_attach(const char *name, u32 flags, int fd, const char *init_args, u64 *idp);
int fp_ctl_root(u32 flags, int fanotify_fd, u64 id, int fd);
long fp_ioctl_v1(unsigned int cmd, void __user *uarg);
int fp_sysfs_init(void);
void fp_sysfs_exit(void);
int fp_bpf_init_module(void);

/* bpf.c: the kfuncs (declared for sparse) */
struct inode *bpf_fanotify_fastpath_data_inode(struct fanotify_fastpath_event *event);
void bpf_fanotify_fastpath_iput(struct inode *inode);
u64 bpf_fanotify_fastpath_tag_get(struct fanotify_fastpath_hook *hook,
				  struct inode *inode__ign);
int bpf_fanotify_fastpath_tag_set(struct fanotify_fastpath_hook *hook,
				  struct inode *inode, u64 value);
int bpf_fanotify_fastpath_event_name(struct fanotify_fastpath_event *event, char *buf,
				     u32 buf__sz);
struct inode *bpf_fanotify_fastpath_event_dir(struct fanotify_fastpath_event *event);
int bpf_fanotify_fastpath_tag_depth(struct fanotify_fastpath_hook *hook,
				    struct fanotify_fastpath_event *event,
				    u32 max_depth);
int bpf_fanotify_fastpath_subtree_match(struct fanotify_fastpath_hook *hook,
					struct fanotify_fastpath_event *event);
u32 bpf_fanotify_fastpath_current_uid(void);
/* the same under the seed's and version 0.1's names */
struct inode *bpf_fanotify_data_inode(struct fanotify_fastpath_event *event);
void bpf_iput(struct inode *inode);
int bpf_fanotify_event_name(struct fanotify_fastpath_event *event, char *buf,
			    u32 buf__sz);
struct inode *bpf_fanotify_event_dir(struct fanotify_fastpath_event *event);
int bpf_fanotify_subtree_match(struct fanotify_fastpath_hook *hook,
			       struct fanotify_fastpath_event *event);
u32 bpf_fanotify_current_uid(void);

#endif /* _FP_INTERNAL_H */
