/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * fanotify fastpath: userspace interface.
 *
 * A fastpath handler decides in the kernel, per event, whether an event goes on to a
 * fanotify group or is dropped. Handlers are registered by name (C modules or BPF
 * struct_ops maps) and attached to one fanotify group through the control device
 * /dev/fanotify_fastpath with the ioctls below.
 */
#ifndef _UAPI_LINUX_FANOTIFY_FASTPATH_H
#define _UAPI_LINUX_FANOTIFY_FASTPATH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FAN_FP_DEVICE_NAME	"fanotify_fastpath"

/* Sizes include the terminating NUL. */
#define FAN_FP_NAME_MAX		32
#define FAN_FP_DESC_MAX		128
#define FAN_FP_ARGS_MAX		4096

/* Version of the ioctl argument structures below. */
#define FAN_FP_VERSION		1

/**
 * enum fanotify_fastpath_ret - verdicts a handler returns for one event
 * @FAN_FP_RET_SEND_TO_USERSPACE: let fanotify queue the event as usual
 * @FAN_FP_RET_SKIP_EVENT: drop the event; for a permission event this is
 *	turned into SEND_TO_USERSPACE unless the attachment was made with
 *	%FAN_FP_ATTACH_PERM_SKIP_ALLOWS (then it allows the access silently)
 *
 * A handler may also return a negative errno: for a permission event the
 * access is denied with that errno without asking userspace; for any other
 * event it counts as a handler error and the event is sent to userspace.
 */
enum fanotify_fastpath_ret {
	FAN_FP_RET_SEND_TO_USERSPACE = 0,
	FAN_FP_RET_SKIP_EVENT = 1,
};

/* Handler flags (struct fanotify_fastpath_ops.flags, shown in sysfs). */
#define FAN_FP_F_SYS_ADMIN_ONLY	0x00000001	/* attach needs CAP_SYS_ADMIN */
#define FAN_FP_F_ALL		(FAN_FP_F_SYS_ADMIN_ONLY)

/* Attach flags (struct fanotify_fastpath_args.flags). */
#define FAN_FP_ATTACH_REPLACE		0x00000001	/* atomically replace an attached handler */
#define FAN_FP_ATTACH_PERM_SKIP_ALLOWS	0x00000002	/* SKIP on a permission event = allow */
#define FAN_FP_ATTACH_ALL	(FAN_FP_ATTACH_REPLACE | FAN_FP_ATTACH_PERM_SKIP_ALLOWS)

/**
 * struct fanotify_fastpath_args - attach a named handler to a fanotify group
 * @name: handler name, NUL-terminated
 * @version: %FAN_FP_VERSION
 * @flags: %FAN_FP_ATTACH_* flags
 * @fanotify_fd: a file descriptor of the fanotify group
 * @init_args_size: size of the argument string at @init_args including its
 *	NUL, at most %FAN_FP_ARGS_MAX; 0 when there are no arguments
 * @init_args: user pointer to the handler's argument string
 */
struct fanotify_fastpath_args {
	char name[FAN_FP_NAME_MAX];
	__u32 version;
	__u32 flags;
	__s32 fanotify_fd;
	__u32 init_args_size;
	__aligned_u64 init_args;
};

/**
 * struct fanotify_fastpath_target - detach the handler of a fanotify group
 * @version: %FAN_FP_VERSION
 * @flags: must be 0
 * @fanotify_fd: a file descriptor of the fanotify group
 * @reserved: must be 0
 */
struct fanotify_fastpath_target {
	__u32 version;
	__u32 flags;
	__s32 fanotify_fd;
	__u32 reserved;
};

/**
 * struct fanotify_fastpath_info - what is attached to a fanotify group
 * @version: in: %FAN_FP_VERSION
 * @flags: in: must be 0
 * @fanotify_fd: in: a file descriptor of the fanotify group
 * @attach_flags: out: the %FAN_FP_ATTACH_* flags of the attachment
 * @name: out: handler name
 * @handler_flags: out: %FAN_FP_F_* flags of the handler
 * @is_bpf: out: 1 when the handler is a BPF struct_ops map
 * @id: out: attachment id (unique while the module is loaded)
 * @seen: out: events the handler was called for
 * @passed: out: events it sent on to the group
 * @dropped: out: events it dropped
 * @denied: out: permission events it denied
 * @errors: out: invalid verdicts and errors on non-permission events (sent on)
 * @tags: out: inode tags the attachment holds now
 * @roots: out: subtree roots (include and exclude) of the attachment
 * @cache_entries: out: directories in the ancestry cache now
 * @cache_max: out: the cache's cap (entries)
 * @cache_hits: out: decisions answered from the cache
 * @cache_walks: out: decisions that walked the dentry tree (cache misses)
 * @cache_evicted: out: entries evicted because the cache was full
 * @cache_invalidations: out: generation bumps (directory moves, root changes)
 * @cache_unsure: out: decisions a concurrent rename made uncertain (delivered)
 */
struct fanotify_fastpath_info {
	__u32 version;
	__u32 flags;
	__s32 fanotify_fd;
	__u32 attach_flags;
	char name[FAN_FP_NAME_MAX];
	__u32 handler_flags;
	__u32 is_bpf;
	__u64 id;
	__u64 seen;
	__u64 passed;
	__u64 dropped;
	__u64 denied;
	__u64 errors;
	__u64 tags;
	__u64 roots;
	__u64 cache_entries;
	__u64 cache_max;
	__u64 cache_hits;
	__u64 cache_walks;
	__u64 cache_evicted;
	__u64 cache_invalidations;
	__u64 cache_unsure;
};

/**
 * struct fanotify_fastpath_tag - set an inode tag of a group's attachment
 * @version: %FAN_FP_VERSION
 * @flags: must be 0
 * @fanotify_fd: a file descriptor of the fanotify group
 * @fd: a file descriptor of the inode to tag (O_PATH is enough)
 * @value: the tag, not 0
 *
 * Tags are the per-inode state handlers keep (fanotify_fastpath_tag_get()
 * in the kernel, bpf_fanotify_fastpath_tag_get() in BPF); this lets
 * userspace seed them, e.g. tag the root of a subtree.
 */
struct fanotify_fastpath_tag {
	__u32 version;
	__u32 flags;
	__s32 fanotify_fd;
	__s32 fd;
	__u64 value;
};

/* Subtree roots of one attachment (struct fanotify_fastpath_root.flags). */
#define FAN_FP_ROOT_EXCLUDE	0x00000001	/* the tree below is outside */
#define FAN_FP_ROOT_REMOVE	0x00000002	/* remove the root instead of adding it */
#define FAN_FP_ROOT_ALL		(FAN_FP_ROOT_EXCLUDE | FAN_FP_ROOT_REMOVE)
#define FAN_FP_ROOTS_MAX	64		/* roots per attachment */

/**
 * struct fanotify_fastpath_root - add or remove a subtree root of an attachment
 * @version: %FAN_FP_VERSION
 * @flags: %FAN_FP_ROOT_* flags
 * @fanotify_fd: a file descriptor of the fanotify group
 * @fd: a file descriptor of the root directory (O_PATH is enough)
 *
 * Every attachment has an ancestry cache (fanotify_fastpath_subtree_match()
 * in the kernel, bpf_fanotify_fastpath_subtree_match() in BPF): a directory is inside
 * when its nearest root on the way up the dentry tree is an include root,
 * outside when it is an exclude root or when there is no root above it.
 * Adding a root that exists changes its kind; removing one that does not
 * exist fails with ENOENT; at most %FAN_FP_ROOTS_MAX roots.
 */
struct fanotify_fastpath_root {
	__u32 version;
	__u32 flags;
	__s32 fanotify_fd;
	__s32 fd;
};

#define FAN_FP_IOC_MAGIC	0xFA
#define FAN_FP_IOC_ATTACH	_IOW(FAN_FP_IOC_MAGIC, 1, struct fanotify_fastpath_args)
#define FAN_FP_IOC_DETACH	_IOW(FAN_FP_IOC_MAGIC, 2, struct fanotify_fastpath_target)
#define FAN_FP_IOC_QUERY	_IOWR(FAN_FP_IOC_MAGIC, 3, struct fanotify_fastpath_info)
#define FAN_FP_IOC_TAG		_IOW(FAN_FP_IOC_MAGIC, 4, struct fanotify_fastpath_tag)
#define FAN_FP_IOC_ROOT		_IOW(FAN_FP_IOC_MAGIC, 5, struct fanotify_fastpath_root)

#endif /* _UAPI_LINUX_FANOTIFY_FASTPATH_H */
