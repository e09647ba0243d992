/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify fastpath: in-kernel API for handler modules.
 *
 * A handler module fills a struct fanotify_fastpath_ops and registers it with
 * fanotify_fastpath_register() from its module_init, and unregisters it from its
 * module_exit. Userspace then attaches it by name to one fanotify group.
 */
#ifndef _LINUX_FANOTIFY_FASTPATH_H
#define _LINUX_FANOTIFY_FASTPATH_H

#include <linux/types.h>
#include <linux/module.h>
#include <linux/fsnotify_backend.h>
#include <uapi/linux/fanotify_fastpath.h>

struct fanotify_fastpath_ops;

/**
 * struct fanotify_fastpath_event - one event, as the handler sees it
 * @mask: the event as fanotify would report it to this group (FAN_* bits,
 *	including FAN_ONDIR in fid mode); never 0
 * @match_mask: which mark types of the group matched (bits 1 << FSNOTIFY_ITER_TYPE_*)
 * @cookie: rename cookie
 * @data_type: FSNOTIFY_EVENT_PATH, _INODE, _DENTRY or _ERROR
 * @data: the fsnotify event data; use fsnotify_data_inode() and friends
 *	with @data_type (or the BPF kfuncs) to read it
 * @dir: the directory the event happened in, or NULL
 * @file_name: name of the entry in @dir, or NULL
 *
 * Valid only during the handler call. Nothing in it is referenced for the
 * handler: take your own references if you keep anything. No padding: the
 * core fills every member per event and nothing else (the struct lives on
 * the stack of the event path, not zeroed first).
 */
struct fanotify_fastpath_event {
	u32 mask;
	u32 match_mask;
	u32 cookie;
	int data_type;
	const void *data;
	struct inode *dir;
	const struct qstr *file_name;
};

/**
 * struct fanotify_fastpath_hook - one attachment of a handler to a group
 * @ops: the attached handler
 * @group: the fanotify group; valid while the hook exists
 * @private: handler data, owned by the handler: set in fp_init, freed in fp_free
 * @attach_flags: FAN_FP_ATTACH_* flags given at attach time
 *
 * Lifetime: created by the core at attach; fp_init runs before it is published
 * to the event path; fp_free runs after it has been unpublished and an RCU grace
 * period has passed (so no fp_handler call on it is running), or at group death.
 * The core frees it after fp_free. Handlers never free it.
 */
struct fanotify_fastpath_hook {
	const struct fanotify_fastpath_ops *ops;
	struct fsnotify_group *group;
	void *private;
	u32 attach_flags;
};

/**
 * struct fanotify_fastpath_ops - a fastpath handler
 * @fp_handler: called for every event the group would report, inside an RCU
 *	read-side critical section: it must not sleep. Returns a verdict from
 *	enum fanotify_fastpath_ret or a negative errno (see the uapi header).
 *	Required.
 * @fp_init: called at attach time with the argument string (never NULL; "" when
 *	none was given), may sleep; returns 0 or a negative errno that fails the
 *	attach. Optional.
 * @fp_free: called once per successful fp_init when the attachment ends
 *	(detach, replace, group death, handler unregistration), may sleep. Optional.
 * @name: unique handler name, [A-Za-z0-9_-], at most FAN_FP_NAME_MAX - 1 bytes
 * @desc: one-line description shown in sysfs
 * @flags: FAN_FP_F_* flags
 * @owner: THIS_MODULE for C handlers (pinned while attached); NULL for BPF
 *
 * fp_init may use the per-attachment API on its own @hook (subtree roots and
 * cap, tags), which is what it is for; it runs with no core lock held.
 * fp_free must not call the API, and neither may register, unregister,
 * attach or detach handlers.
 */
struct fanotify_fastpath_ops {
	int (*fp_handler)(struct fsnotify_group *group,
			  struct fanotify_fastpath_hook *hook,
			  struct fanotify_fastpath_event *event);
	int (*fp_init)(struct fanotify_fastpath_hook *hook, const char *args);
	void (*fp_free)(struct fanotify_fastpath_hook *hook);
	char name[FAN_FP_NAME_MAX];
	char desc[FAN_FP_DESC_MAX];
	u32 flags;
	struct module *owner;
};

int fanotify_fastpath_register(struct fanotify_fastpath_ops *ops);
void fanotify_fastpath_unregister(struct fanotify_fastpath_ops *ops);

struct inode *fanotify_fastpath_event_dir(const struct fanotify_fastpath_event *event);
int fanotify_fastpath_event_name(const struct fanotify_fastpath_event *event,
				 char *buf, size_t size);
int fanotify_fastpath_tag_depth(struct fanotify_fastpath_hook *hook,
				const struct fanotify_fastpath_event *event,
				unsigned int max_depth);

/* Deepest ancestor walk fanotify_fastpath_tag_depth() accepts. */
#define FAN_FP_MAX_DEPTH	4096

/*
 * Per-inode tags of one attachment: a u64 per inode, readable and writable from
 * fp_handler (any context). A tag does not pin its inode and dies with it (it is
 * backed by an evictable fsnotify mark of a private group), and all tags of an
 * attachment die with the attachment. The caller must hold a reference on
 * @inode for the duration of the call (event inodes are held by fsnotify).
 * Tags are the seed program's per-inode storage; a subtree filter should use
 * the ancestry cache below, which is exact where tags are not.
 */
u64 fanotify_fastpath_tag_get(struct fanotify_fastpath_hook *hook,
			      struct inode *inode);
int fanotify_fastpath_tag_set(struct fanotify_fastpath_hook *hook,
			      struct inode *inode, u64 value);

/*
 * Subtree membership: the ancestry cache of an attachment.
 *
 * Roots are directories, include or exclude (FAN_FP_ROOT_EXCLUDE), at most
 * FAN_FP_ROOTS_MAX per attachment. A directory is inside when the nearest root
 * met walking up the dentry tree from it (itself included) is an include
 * root; outside when it is an exclude root or when no root is met up to its
 * filesystem's root. Like is_subdir(), mounts are not crossed: a filesystem
 * mounted inside a root is outside unless it has roots of its own. A root
 * holds its directory's inode (an fsnotify inode mark), never a dentry or a
 * mount, so an unmount is never refused because of it; cached answers hold
 * nothing. A root that is deleted stops being one; when its filesystem is
 * unmounted every root on it is removed (and stays removed if it is mounted
 * again).
 */
int fanotify_fastpath_subtree_add_root(struct fanotify_fastpath_hook *hook,
				       const struct path *path, u32 flags);
int fanotify_fastpath_subtree_remove_root(struct fanotify_fastpath_hook *hook,
					  const struct path *path);
int fanotify_fastpath_subtree_set_cap(struct fanotify_fastpath_hook *hook,
				      unsigned int cap);
int fanotify_fastpath_subtree_match(struct fanotify_fastpath_hook *hook,
				    const struct fanotify_fastpath_event *event);

/* Lets "attach by name" autoload the module that provides handler @name. */
#define MODULE_ALIAS_FANOTIFY_FASTPATH(name) \
	MODULE_ALIAS("fanotify-fastpath-" name)

#endif /* _LINUX_FANOTIFY_FASTPATH_H */
