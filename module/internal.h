/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify fastpath core: objects shared by the core's files.
 *
 * Locking, in one place:
 * - fp_mutex serializes every change: the handler registry, attach, detach,
 *   replace, hooking a group and a group's death. It is never held while an
 *   event is delivered and never taken from the event path.
 * - The event path reads fp_group.attachment under rcu_read_lock() only.
 * - The registry list is RCU-readable (name lookups before autoload).
 */
#ifndef _FP_INTERNAL_H
#define _FP_INTERNAL_H

#include <linux/fanotify_fastpath.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>

extern struct mutex fp_mutex;
extern struct list_head fp_handlers;
extern struct list_head fp_groups;
extern struct kobject *fp_kobj;

enum fp_stat {
	FP_STAT_SEEN,
	FP_STAT_PASSED,
	FP_STAT_DROPPED,
	FP_STAT_DENIED,
	FP_STAT_ERRORS,
	FP_NR_STATS,
};

struct fp_stats {
	u64 v[FP_NR_STATS];
};

/*
 * struct fp_handler - a registered handler (C module or BPF struct_ops map).
 *
 * Lifetime: allocated by fp_register() and linked on fp_handlers (writers hold
 * fp_mutex; readers may walk it under RCU). Every attachment holds one count in
 * @users from attach until its fp_free has returned. fp_unregister() marks it
 * @dying (so no new attachment can find it), detaches every attachment, waits
 * for an RCU grace period and for @users to reach zero, removes the sysfs
 * directory, unlinks it, waits for a second grace period (RCU readers of the
 * list), and drops the kobject reference whose release frees it. @ops belongs
 * to the caller and must stay valid until fp_unregister() returns.
 */
struct fp_handler {
	struct list_head list;
	struct fanotify_fastpath_ops *ops;
	struct module *owner;		/* pinned per attachment; NULL for BPF */
	struct list_head attachments;	/* fp_attachment.handler_node, fp_mutex */
	atomic_t users;
	bool dying;			/* fp_mutex */
	bool is_bpf;
	struct kobject kobj;		/* handlers/<name> in sysfs */
	atomic64_t ended[FP_NR_STATS];	/* counters of attachments already ended */
};

/* The inode tags of one attachment (tags.c); fp_tag_lock protects both fields. */
struct fp_tag_store {
	struct list_head tags;
	unsigned int count;
};

/*
 * struct fp_attachment - one handler attached to one group.
 *
 * Lifetime: created by fp_attach() (fp_init runs before it is published),
 * published in fp_group.attachment with rcu_assign_pointer() under fp_mutex,
 * unpublished under fp_mutex by detach, replace, handler unregistration or
 * group death. After an RCU grace period (none is needed at group death: no
 * event can reach a group whose last reference is gone) fp_attachment_free()
 * calls fp_free, folds the counters into the handler, drops the handler's
 * @users count and the owner module reference, and frees it.
 */
struct fp_attachment {
	struct fanotify_fastpath_hook hook;
	struct fp_handler *handler;
	struct fp_group *fg;
	struct list_head handler_node;
	struct fp_stats __percpu *stats;
	struct fp_tag_store tags;
	u64 id;
};

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

/* core.c */
struct fp_handler *fp_find_handler(const char *name);
int fp_register(struct fanotify_fastpath_ops *ops, bool is_bpf);
void fp_unregister(struct fanotify_fastpath_ops *ops);
void fp_stats_sum(struct fp_attachment *at, u64 *out);
int fp_attach(struct fsnotify_group *group, const char *name, const char *args,
	      u32 flags);
int fp_detach(struct fsnotify_group *group);
int fp_query(struct fsnotify_group *group, struct fanotify_fastpath_info *info);
int fp_tag(struct fsnotify_group *group, struct inode *inode, u64 value);
bool fp_valid_name(const char *name, size_t size);

/* hook.c */
struct fsnotify_group *fp_file_group(struct file *file);
struct fp_group *fp_group_lookup(struct fsnotify_group *group);
struct fp_group *fp_group_hook(struct fsnotify_group *group);
void fp_attachment_free(struct fp_attachment *at);

/* tags.c */
int fp_tags_init(void);
void fp_tags_exit(void);
void fp_tag_store_init(struct fp_tag_store *store);
void fp_tag_store_destroy(struct fp_tag_store *store);
unsigned int fp_tag_count(struct fp_tag_store *store);

/* bpf.c: the module init hook and the kfuncs (declared for sparse) */
int fp_bpf_init_module(void);
struct inode *bpf_fanotify_data_inode(struct fanotify_fastpath_event *event);
void bpf_iput(struct inode *inode);
u64 bpf_fanotify_fastpath_tag_get(struct fanotify_fastpath_hook *hook,
				  struct inode *inode__ign);
int bpf_fanotify_fastpath_tag_set(struct fanotify_fastpath_hook *hook,
				  struct inode *inode, u64 value);
int bpf_fanotify_event_name(struct fanotify_fastpath_event *event, char *buf,
			    u32 buf__sz);
struct inode *bpf_fanotify_event_dir(struct fanotify_fastpath_event *event);
int bpf_fanotify_fastpath_tag_depth(struct fanotify_fastpath_hook *hook,
				    struct fanotify_fastpath_event *event,
				    u32 max_depth);
u32 bpf_fanotify_current_uid(void);

/* ctl.c */
int fp_ctl_init(void);
void fp_ctl_exit(void);

/* sysfs.c */
int fp_sysfs_init(void);
void fp_sysfs_exit(void);
int fp_sysfs_add_handler(struct fp_handler *h);
void fp_sysfs_del_handler(struct fp_handler *h);
void fp_sysfs_put_handler(struct fp_handler *h);

#endif /* _FP_INTERNAL_H */
