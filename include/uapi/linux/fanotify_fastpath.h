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

/*
 * Interface version 2 has the extensible ioctls (FAN_FP_IOC_ATTACH2 and
 * after). The version 1 ioctls (FAN_FP_IOC_ATTACH to FAN_FP_IOC_ROOT, whose
 * structures carry a @version field that must be %FAN_FP_VERSION) are
 * deprecated: they stay for binaries built against 0.1 and go in 0.3.
 */
#define FAN_FP_API_VERSION	2
#define FAN_FP_VERSION		1	/* @version of the version 1 structures */

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

/*
 * Version 1 (deprecated, see %FAN_FP_API_VERSION): fixed structures, each
 * checked against %FAN_FP_VERSION.
 */

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

/*
 * Version 2: extensible structures.
 *
 * Each starts with @size, the size of the structure as the caller was built
 * with, and @flags. A module that knows a larger structure treats the fields
 * the caller does not know as 0; a caller that knows a larger structure than
 * the module gets E2BIG unless every byte the module does not know is 0
 * (copy_struct_from_user(): an old binary works on a new module, a new
 * binary using a new field gets a clear error on an old one). @size below
 * FAN_FP_*_SIZE_VER0 is EINVAL, above 4096 E2BIG. Structures the module
 * writes back are written up to the smaller of the two sizes; @size is set
 * to the number of bytes written.
 *
 * FAN_FP_IOC_ATTACH2 acts on the group of @fanotify_fd; the others act on
 * the attachment of that group or, with %FAN_FP_BY_ID in @flags, on the
 * attachment @id wherever it is (that needs CAP_SYS_ADMIN, whatever
 * allow_unprivileged says; an id that is no longer attached is ENOENT).
 * A module without version 2 answers every one of them with ENOTTY.
 */
#define FAN_FP_BY_ID		0x80000000	/* select the attachment by @id */

/**
 * struct fanotify_fastpath_attach - attach a named handler to a fanotify group
 * @size: sizeof(struct fanotify_fastpath_attach)
 * @flags: %FAN_FP_ATTACH_* flags
 * @fanotify_fd: a file descriptor of the fanotify group
 * @init_args_size: size of the argument string at @init_args including its
 *	NUL, at most %FAN_FP_ARGS_MAX; 0 when there are no arguments
 * @init_args: user pointer to the handler's argument string
 * @name: handler name, NUL-terminated
 * @id: out: the id of the new attachment (unique while the module is loaded)
 */
struct fanotify_fastpath_attach {
	__u32 size;
	__u32 flags;
	__s32 fanotify_fd;
	__u32 init_args_size;
	__aligned_u64 init_args;
	char name[FAN_FP_NAME_MAX];
	__u64 id;
};

#define FAN_FP_ATTACH_SIZE_VER0	64

/**
 * struct fanotify_fastpath_detach - detach a handler
 * @size: sizeof(struct fanotify_fastpath_detach)
 * @flags: 0 or %FAN_FP_BY_ID
 * @fanotify_fd: a file descriptor of the fanotify group (without %FAN_FP_BY_ID)
 * @reserved: must be 0
 * @id: the attachment (with %FAN_FP_BY_ID)
 */
struct fanotify_fastpath_detach {
	__u32 size;
	__u32 flags;
	__s32 fanotify_fd;
	__u32 reserved;
	__u64 id;
};

#define FAN_FP_DETACH_SIZE_VER0	24

/**
 * enum fanotify_fastpath_counter - the counters of an attachment, by index
 * @FAN_FP_CNT_SEEN: events the handler was called for
 * @FAN_FP_CNT_PASSED: events it sent on to the group
 * @FAN_FP_CNT_DROPPED: events it dropped
 * @FAN_FP_CNT_DENIED: permission events it denied
 * @FAN_FP_CNT_ERRORS: invalid verdicts and errors on non-permission events
 * @FAN_FP_CNT_TAGS: inode tags the attachment holds now
 * @FAN_FP_CNT_ROOTS: subtree roots (include and exclude) now
 * @FAN_FP_CNT_CACHE_ENTRIES: directories in the ancestry cache now
 * @FAN_FP_CNT_CACHE_MAX: the cache's cap (entries)
 * @FAN_FP_CNT_CACHE_HITS: decisions answered from the cache
 * @FAN_FP_CNT_CACHE_WALKS: decisions that walked the dentry tree
 * @FAN_FP_CNT_CACHE_EVICTED: entries evicted because the cache was full
 * @FAN_FP_CNT_CACHE_INVALIDATIONS: generation bumps (moves, root changes)
 * @FAN_FP_CNT_CACHE_UNSURE: decisions a concurrent rename made uncertain
 * @FAN_FP_CNT_NR: the number of counters this header knows
 *
 * New counters are added at the end. Their names, in index order, are in
 * /sys/kernel/fanotify_fastpath/counters, so a tool can show counters that
 * are newer than itself.
 */
enum fanotify_fastpath_counter {
	FAN_FP_CNT_SEEN,
	FAN_FP_CNT_PASSED,
	FAN_FP_CNT_DROPPED,
	FAN_FP_CNT_DENIED,
	FAN_FP_CNT_ERRORS,
	FAN_FP_CNT_TAGS,
	FAN_FP_CNT_ROOTS,
	FAN_FP_CNT_CACHE_ENTRIES,
	FAN_FP_CNT_CACHE_MAX,
	FAN_FP_CNT_CACHE_HITS,
	FAN_FP_CNT_CACHE_WALKS,
	FAN_FP_CNT_CACHE_EVICTED,
	FAN_FP_CNT_CACHE_INVALIDATIONS,
	FAN_FP_CNT_CACHE_UNSURE,
	FAN_FP_CNT_NR,
};

/* struct fanotify_fastpath_query.handler_type */
#define FAN_FP_HANDLER_C	0	/* a kernel module */
#define FAN_FP_HANDLER_BPF	1	/* a BPF struct_ops map */

/**
 * struct fanotify_fastpath_query - what is attached, and its counters
 * @size: sizeof(struct fanotify_fastpath_query); out: bytes written
 * @flags: 0 or %FAN_FP_BY_ID
 * @fanotify_fd: a file descriptor of the fanotify group (without %FAN_FP_BY_ID)
 * @nr_counters: in: room at @counters (entries, may be 0); out: the
 *	number of counters the module has (it wrote the smaller number)
 * @id: in: the attachment (with %FAN_FP_BY_ID); out: its id
 * @counters: user pointer to an array of __u64, indexed by
 *	enum fanotify_fastpath_counter
 * @name: out: handler name
 * @attach_flags: out: the %FAN_FP_ATTACH_* flags of the attachment
 * @handler_flags: out: the %FAN_FP_F_* flags of the handler
 * @handler_type: out: %FAN_FP_HANDLER_C or %FAN_FP_HANDLER_BPF
 * @reserved: must be 0
 */
struct fanotify_fastpath_query {
	__u32 size;
	__u32 flags;
	__s32 fanotify_fd;
	__u32 nr_counters;
	__u64 id;
	__aligned_u64 counters;
	char name[FAN_FP_NAME_MAX];
	__u32 attach_flags;
	__u32 handler_flags;
	__u32 handler_type;
	__u32 reserved;
};

#define FAN_FP_QUERY_SIZE_VER0	80

/**
 * struct fanotify_fastpath_set_tag - set an inode tag of an attachment
 * @size: sizeof(struct fanotify_fastpath_set_tag)
 * @flags: 0 or %FAN_FP_BY_ID
 * @fanotify_fd: a file descriptor of the fanotify group (without %FAN_FP_BY_ID)
 * @fd: a file descriptor of the inode to tag (O_PATH is enough)
 * @id: the attachment (with %FAN_FP_BY_ID)
 * @value: the tag, not 0
 *
 * As %FAN_FP_IOC_TAG: the tags are the per-inode state of handlers.
 */
struct fanotify_fastpath_set_tag {
	__u32 size;
	__u32 flags;
	__s32 fanotify_fd;
	__s32 fd;
	__u64 id;
	__u64 value;
};

#define FAN_FP_SET_TAG_SIZE_VER0	32

/**
 * struct fanotify_fastpath_set_root - add, change or remove a subtree root
 * @size: sizeof(struct fanotify_fastpath_set_root)
 * @flags: %FAN_FP_ROOT_* flags, and %FAN_FP_BY_ID
 * @fanotify_fd: a file descriptor of the fanotify group (without %FAN_FP_BY_ID)
 * @fd: a file descriptor of the root directory (O_PATH is enough)
 * @id: the attachment (with %FAN_FP_BY_ID)
 *
 * As %FAN_FP_IOC_ROOT (struct fanotify_fastpath_root says what a root is).
 */
struct fanotify_fastpath_set_root {
	__u32 size;
	__u32 flags;
	__s32 fanotify_fd;
	__s32 fd;
	__u64 id;
};

#define FAN_FP_SET_ROOT_SIZE_VER0	24

/* Largest file handle in struct fanotify_fastpath_root_info (MAX_HANDLE_SZ). */
#define FAN_FP_HANDLE_MAX	128

/**
 * struct fanotify_fastpath_root_info - one root of an attachment
 * @flags: %FAN_FP_ROOT_EXCLUDE for an exclude root, 0 for an include root
 * @dev_major: major number of the root's filesystem (its super_block's s_dev)
 * @dev_minor: minor number of it
 * @generation: the directory's i_generation
 * @ino: the directory's inode number
 * @handle_type: the file handle's type (as name_to_handle_at(2) gives it)
 * @handle_bytes: the handle's length; 0 when the filesystem has none
 * @handle: the file handle: with a file descriptor of a mount of that
 *	filesystem, open_by_handle_at(2) opens the directory, wherever it was
 *	moved since
 */
struct fanotify_fastpath_root_info {
	__u32 flags;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 generation;
	__u64 ino;
	__s32 handle_type;
	__u32 handle_bytes;
	__u8 handle[FAN_FP_HANDLE_MAX];
};

#define FAN_FP_ROOT_INFO_SIZE_VER0	160

/**
 * struct fanotify_fastpath_get_roots - list the subtree roots of an attachment
 * @size: sizeof(struct fanotify_fastpath_get_roots)
 * @flags: 0 or %FAN_FP_BY_ID
 * @fanotify_fd: a file descriptor of the fanotify group (without %FAN_FP_BY_ID)
 * @nr_roots: in: room at @roots (entries, may be 0); out: the number of
 *	roots (the module wrote the smaller number)
 * @id: the attachment (with %FAN_FP_BY_ID)
 * @roots: user pointer to an array of @root_size byte entries, each a
 *	struct fanotify_fastpath_root_info
 * @root_size: sizeof(struct fanotify_fastpath_root_info) as the caller
 *	knows it (each entry is extensible like the structures themselves)
 * @reserved: must be 0
 */
struct fanotify_fastpath_get_roots {
	__u32 size;
	__u32 flags;
	__s32 fanotify_fd;
	__u32 nr_roots;
	__u64 id;
	__aligned_u64 roots;
	__u32 root_size;
	__u32 reserved;
};

#define FAN_FP_GET_ROOTS_SIZE_VER0	40

#define FAN_FP_IOC_MAGIC	0xFA
#define FAN_FP_IOC_ATTACH	_IOW(FAN_FP_IOC_MAGIC, 1, struct fanotify_fastpath_args)
#define FAN_FP_IOC_DETACH	_IOW(FAN_FP_IOC_MAGIC, 2, struct fanotify_fastpath_target)
#define FAN_FP_IOC_QUERY	_IOWR(FAN_FP_IOC_MAGIC, 3, struct fanotify_fastpath_info)
#define FAN_FP_IOC_TAG		_IOW(FAN_FP_IOC_MAGIC, 4, struct fanotify_fastpath_tag)
#define FAN_FP_IOC_ROOT		_IOW(FAN_FP_IOC_MAGIC, 5, struct fanotify_fastpath_root)

/*
 * Version 2, each on the structure of its name (FAN_FP_IOC_ATTACH2: struct
 * fanotify_fastpath_attach, FAN_FP_IOC_SET_TAG: struct
 * fanotify_fastpath_set_tag, ...). The numbers carry no size: the
 * structure's @size field is the one that counts.
 */
#define FAN_FP_IOC_ATTACH2	_IO(FAN_FP_IOC_MAGIC, 0x10)
#define FAN_FP_IOC_DETACH2	_IO(FAN_FP_IOC_MAGIC, 0x11)
#define FAN_FP_IOC_QUERY2	_IO(FAN_FP_IOC_MAGIC, 0x12)
#define FAN_FP_IOC_SET_TAG	_IO(FAN_FP_IOC_MAGIC, 0x13)
#define FAN_FP_IOC_SET_ROOT	_IO(FAN_FP_IOC_MAGIC, 0x14)
#define FAN_FP_IOC_GET_ROOTS	_IO(FAN_FP_IOC_MAGIC, 0x15)

#endif /* _UAPI_LINUX_FANOTIFY_FASTPATH_H */
