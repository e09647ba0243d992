// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: BPF handlers (an interface: calls down into registry.c
 * and the per-attachment helpers; no locks of its own).
 *
 * The core registers struct fanotify_fastpath_ops as a BPF struct_ops type.
 * Attaching a struct_ops map (its link) registers the map's kernel copy of the
 * ops as a handler of its name, in the same registry as C handlers;
 * destroying the link (or the map) unregisters it, which detaches it from
 * every group before returning, so no event path can reach freed programs.
 * The map holds a reference on this module while it exists.
 *
 * Programs are not sleepable: fp_handler runs under rcu_read_lock().
 *
 * kfuncs (for this struct_ops type only), all named bpf_fanotify_fastpath_*
 * (Documentation/design.md, "Names"):
 *	..._data_inode(event)		the event's inode (acquired) or NULL
 *	..._iput(inode)			release it
 *	..._tag_get(hook, inode)	u64 tag or 0
 *	..._tag_set(hook, inode, value)	0 or -errno
 *	..._event_name(event, buf, size)	entry name, length or -errno
 *	..._event_dir(event)		the event's directory (not referenced) or NULL
 *	..._tag_depth(hook, event, max)	nearest tagged ancestor
 *	..._subtree_match(hook, event)	1 inside the roots, 0 outside,
 *					-EAGAIN unsure (ancestry cache)
 *	..._current_uid()		real uid of the acting task (initial user namespace)
 * and under other names, the same functions: the seed's bpf_fanotify_data_inode
 * and bpf_iput (a program written for the seed loads unchanged), and version
 * 0.1's bpf_fanotify_event_name, _event_dir, _subtree_match, _current_uid
 * (deployed programs; to be removed in a later release).
 */
#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/string.h>

#include "compat.h"
#include "internal.h"

#if FP_HAVE_BPF_STRUCT_OPS

/* 7.x: every kfunc takes trusted arguments unless told otherwise; no flag. */
#ifndef KF_TRUSTED_ARGS
#define KF_TRUSTED_ARGS 0
#endif

/* Referenced so that the verdict enum is in the module's BTF (vmlinux.h). */
static enum fanotify_fastpath_ret fp_bpf_verdict_type __used;

static struct btf *fp_btf;	/* our module's BTF, set by the struct_ops init */

__bpf_kfunc_start_defs();

/**
 * bpf_fanotify_fastpath_data_inode() - the inode of an event, as an acquired pointer
 * @event: the event passed to fp_handler
 *
 * fsnotify holds the event's inode for the whole event, and an acquired
 * pointer cannot outlive the program run (there is no kptr destructor for it,
 * so it cannot be stored in a map): no reference is taken, and
 * bpf_fanotify_fastpath_iput() only tells the verifier that the program is done with it. This keeps
 * iput(), which may sleep, out of the RCU section the program runs in.
 *
 * Return: the inode, or NULL when the event has none.
 */
__bpf_kfunc struct inode *
bpf_fanotify_fastpath_data_inode(struct fanotify_fastpath_event *event)
{
	return fsnotify_data_inode(event->data, event->data_type);
}

/**
 * bpf_fanotify_fastpath_iput() - release what bpf_fanotify_fastpath_data_inode() returned
 * @inode: the inode
 *
 * Drops nothing (see bpf_fanotify_fastpath_data_inode()); never sleeps.
 */
__bpf_kfunc void bpf_fanotify_fastpath_iput(struct inode *inode)
{
}

/**
 * bpf_fanotify_fastpath_tag_get() - the tag of an inode in this attachment
 * @hook: the attachment (fp_handler's argument)
 * @inode__ign: any inode pointer, e.g. event->dir (may be NULL)
 *
 * The inode is only compared with the keys of the tag hash, never
 * dereferenced, so the verifier need not prove it trusted ("__ign"): a
 * pointer walked from the event, such as event->dir, is fine on every kernel.
 *
 * Return: the tag, 0 when none.
 */
__bpf_kfunc u64 bpf_fanotify_fastpath_tag_get(struct fanotify_fastpath_hook *hook,
					      struct inode *inode__ign)
{
	return fanotify_fastpath_tag_get(hook, inode__ign);
}

/**
 * bpf_fanotify_fastpath_tag_set() - tag an inode in this attachment
 * @hook: the attachment (fp_handler's argument)
 * @inode: a trusted inode, e.g. from bpf_fanotify_data_inode()
 * @value: the tag, not 0
 *
 * Return: 0 or a negative errno (see fanotify_fastpath_tag_set()).
 */
__bpf_kfunc int bpf_fanotify_fastpath_tag_set(struct fanotify_fastpath_hook *hook,
					      struct inode *inode, u64 value)
{
	return fanotify_fastpath_tag_set(hook, inode, value);
}

/**
 * bpf_fanotify_fastpath_event_name() - copy the event's entry name
 * @event: the event passed to fp_handler
 * @buf: destination
 * @buf__sz: its size
 *
 * See fanotify_fastpath_event_name().
 *
 * Return: the length copied (without the NUL, truncated to @buf__sz - 1),
 * -ENOENT when the event has no name, -EINVAL for an empty buffer.
 */
__bpf_kfunc int bpf_fanotify_fastpath_event_name(struct fanotify_fastpath_event *event,
						 char *buf, u32 buf__sz)
{
	return fanotify_fastpath_event_name(event, buf, buf__sz);
}

/**
 * bpf_fanotify_fastpath_tag_depth() - distance to the nearest tagged ancestor
 * @hook: the attachment (fp_handler's argument)
 * @event: the event passed to fp_handler
 * @max_depth: walk at most this many levels up
 *
 * See fanotify_fastpath_tag_depth(): a bounded, rename-aware ancestry test
 * against the roots tagged in this attachment, without loops in the program.
 *
 * Return: depth >= 0, or -ENOENT, -EINVAL, -EAGAIN.
 */
__bpf_kfunc int bpf_fanotify_fastpath_tag_depth(struct fanotify_fastpath_hook *hook,
						struct fanotify_fastpath_event *event,
						u32 max_depth)
{
	return fanotify_fastpath_tag_depth(hook, event, max_depth);
}

/**
 * bpf_fanotify_fastpath_subtree_match() - is the event's directory inside the roots?
 * @hook: the attachment (fp_handler's argument)
 * @event: the event passed to fp_handler
 *
 * See fanotify_fastpath_subtree_match(): the attachment's ancestry cache,
 * with roots added by FAN_FP_IOC_SET_ROOT. The whole subtree decision in one call.
 *
 * Return: 1 inside, 0 outside, -EAGAIN uncertain (deliver the event).
 */
__bpf_kfunc int bpf_fanotify_fastpath_subtree_match(struct fanotify_fastpath_hook *hook,
						    struct fanotify_fastpath_event *event)
{
	return fanotify_fastpath_subtree_match(hook, event);
}

/**
 * bpf_fanotify_fastpath_event_dir() - the directory an event happened in
 * @event: the event passed to fp_handler
 *
 * See fanotify_fastpath_event_dir(). Not referenced: valid during fp_handler.
 *
 * Return: the directory inode or NULL.
 */
__bpf_kfunc struct inode *
bpf_fanotify_fastpath_event_dir(struct fanotify_fastpath_event *event)
{
	return fanotify_fastpath_event_dir(event);
}

/**
 * bpf_fanotify_current_uid() - the real uid of the task that caused the event
 *
 * fp_handler runs in the context of the task whose file operation raised the
 * event (a kernel thread for events raised by the kernel itself, e.g. nfsd or
 * FS_ERROR). This is what bpf_get_current_uid_gid() would give, which the
 * struct_ops type cannot offer (its proto is not exported to modules).
 *
 * Return: the uid as seen in the initial user namespace.
 */
__bpf_kfunc u32 bpf_fanotify_fastpath_current_uid(void)
{
	return from_kuid(&init_user_ns, current_uid());
}

/*
 * The same functions under the seed's names (kept while the kernel has no
 * kfuncs of these names) and under version 0.1's (kept for one release).
 */

/**
 * bpf_fanotify_data_inode() - bpf_fanotify_fastpath_data_inode(), the seed's name
 * @event: the event passed to fp_handler
 *
 * Return: the inode, or NULL when the event has none.
 */
__bpf_kfunc struct inode *bpf_fanotify_data_inode(struct fanotify_fastpath_event *event)
{
	return fsnotify_data_inode(event->data, event->data_type);
}

/**
 * bpf_iput() - bpf_fanotify_fastpath_iput(), the seed's name
 * @inode: the inode
 */
__bpf_kfunc void bpf_iput(struct inode *inode)
{
}

/**
 * bpf_fanotify_event_name() - bpf_fanotify_fastpath_event_name(), 0.1's name
 * @event: the event passed to fp_handler
 * @buf: destination
 * @buf__sz: its size
 *
 * Return: as bpf_fanotify_fastpath_event_name().
 */
__bpf_kfunc int bpf_fanotify_event_name(struct fanotify_fastpath_event *event,
					char *buf, u32 buf__sz)
{
	return fanotify_fastpath_event_name(event, buf, buf__sz);
}

/**
 * bpf_fanotify_event_dir() - bpf_fanotify_fastpath_event_dir(), 0.1's name
 * @event: the event passed to fp_handler
 *
 * Return: the directory inode or NULL.
 */
__bpf_kfunc struct inode *bpf_fanotify_event_dir(struct fanotify_fastpath_event *event)
{
	return fanotify_fastpath_event_dir(event);
}

/**
 * bpf_fanotify_subtree_match() - bpf_fanotify_fastpath_subtree_match(), 0.1's name
 * @hook: the attachment (fp_handler's argument)
 * @event: the event passed to fp_handler
 *
 * Return: 1 inside, 0 outside, -EAGAIN uncertain (deliver the event).
 */
__bpf_kfunc int bpf_fanotify_subtree_match(struct fanotify_fastpath_hook *hook,
					   struct fanotify_fastpath_event *event)
{
	return fanotify_fastpath_subtree_match(hook, event);
}

/**
 * bpf_fanotify_current_uid() - bpf_fanotify_fastpath_current_uid(), 0.1's name
 *
 * Return: the uid as seen in the initial user namespace.
 */
__bpf_kfunc u32 bpf_fanotify_current_uid(void)
{
	return from_kuid(&init_user_ns, current_uid());
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(fp_kfunc_ids)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_data_inode, KF_ACQUIRE | KF_RET_NULL | KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_iput, KF_RELEASE)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_tag_get)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_tag_set, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_event_name, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_event_dir, KF_TRUSTED_ARGS | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_tag_depth, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_subtree_match, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_fanotify_fastpath_current_uid)
BTF_ID_FLAGS(func, bpf_fanotify_data_inode, KF_ACQUIRE | KF_RET_NULL | KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_iput, KF_RELEASE)
BTF_ID_FLAGS(func, bpf_fanotify_event_name, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_fanotify_event_dir, KF_TRUSTED_ARGS | KF_RET_NULL)
BTF_ID_FLAGS(func, bpf_fanotify_subtree_match, KF_TRUSTED_ARGS)
BTF_ID_FLAGS(func, bpf_fanotify_current_uid)
BTF_KFUNCS_END(fp_kfunc_ids)

/* Our kfuncs are for programs of our struct_ops type only. */
static int fp_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)
{
	if (!btf_id_set8_contains(&fp_kfunc_ids, kfunc_id))
		return 0;
	if (prog->type != BPF_PROG_TYPE_STRUCT_OPS || !fp_btf ||
	    prog->aux->attach_btf != fp_btf)
		return -EACCES;
	return 0;
}

static const struct btf_kfunc_id_set fp_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &fp_kfunc_ids,
	.filter	= fp_kfunc_filter,
};

static bool fp_bpf_is_valid_access(int off, int size, enum bpf_access_type type,
				   const struct bpf_prog *prog,
				   struct bpf_insn_access_aux *info)
{
	return bpf_tracing_btf_ctx_access(off, size, type, prog, info);
}

static const struct bpf_func_proto *
fp_bpf_get_func_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	return bpf_base_func_proto(func_id, prog);
}

/* No btf_struct_access: programs may read kernel structs, never write them. */
static const struct bpf_verifier_ops fp_bpf_verifier_ops = {
	.get_func_proto	= fp_bpf_get_func_proto,
	.is_valid_access = fp_bpf_is_valid_access,
};

static int fp_bpf_init(struct btf *btf)
{
	fp_btf = btf;
	return 0;
}

static int fp_bpf_check_member(const struct btf_type *t,
			       const struct btf_member *member,
			       const struct bpf_prog *prog)
{
	/* fp_handler runs under rcu_read_lock(); keep all three non-sleepable. */
	if (prog->sleepable)
		return -EINVAL;
	return 0;
}

static int fp_bpf_init_member(const struct btf_type *t,
			      const struct btf_member *member,
			      void *kdata, const void *udata)
{
	const struct fanotify_fastpath_ops *uops = udata;
	struct fanotify_fastpath_ops *ops = kdata;
	u32 moff = __btf_member_bit_offset(t, member) / 8;

	switch (moff) {
	case offsetof(struct fanotify_fastpath_ops, name):
		if (!fp_valid_name(uops->name, sizeof(uops->name)))
			return -EINVAL;
		strscpy(ops->name, uops->name, sizeof(ops->name));
		return 1;
	case offsetof(struct fanotify_fastpath_ops, desc):
		if (strnlen(uops->desc, sizeof(uops->desc)) == sizeof(uops->desc))
			return -EINVAL;
		strscpy(ops->desc, uops->desc, sizeof(ops->desc));
		return 1;
	case offsetof(struct fanotify_fastpath_ops, flags):
		if (uops->flags & ~FAN_FP_F_ALL)
			return -EINVAL;
		ops->flags = uops->flags;
		return 1;
	}
	/* Function pointers are the programs; any other member must be zero. */
	return 0;
}

static int fp_bpf_validate(void *kdata)
{
	struct fanotify_fastpath_ops *ops = kdata;

	return ops->fp_handler && ops->name[0] ? 0 : -EINVAL;
}

static int fp_bpf_reg(void *kdata, struct bpf_link *link)
{
	return fp_register(kdata, true);
}

static void fp_bpf_unreg(void *kdata, struct bpf_link *link)
{
	fp_unregister(kdata);
}

/* CFI stubs: the signatures the BPF trampolines are checked against. */
static int fp_stub_handler(struct fsnotify_group *group,
			   struct fanotify_fastpath_hook *hook,
			   struct fanotify_fastpath_event *event)
{
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

static int fp_stub_init(struct fanotify_fastpath_hook *hook, const char *args)
{
	return 0;
}

static void fp_stub_free(struct fanotify_fastpath_hook *hook)
{
}

static struct fanotify_fastpath_ops fp_bpf_cfi_stubs = {
	.fp_handler	= fp_stub_handler,
	.fp_init	= fp_stub_init,
	.fp_free	= fp_stub_free,
};

static struct bpf_struct_ops fp_bpf_struct_ops = {
	.verifier_ops	= &fp_bpf_verifier_ops,
	.init		= fp_bpf_init,
	.check_member	= fp_bpf_check_member,
	.init_member	= fp_bpf_init_member,
	.validate	= fp_bpf_validate,
	.reg		= fp_bpf_reg,
	.unreg		= fp_bpf_unreg,
	.cfi_stubs	= &fp_bpf_cfi_stubs,
	.name		= "fanotify_fastpath_ops",
	.owner		= THIS_MODULE,
};

/**
 * fp_bpf_init_module() - register the struct_ops type and the kfuncs
 *
 * Return: 0 or a negative errno. Both registrations need the module's BTF;
 * without it (a build without pahole) BPF handlers are unavailable and this
 * fails with -ENOENT rather than silently registering nothing.
 */
int fp_bpf_init_module(void)
{
	int ret;

	ret = register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &fp_kfunc_set);
	if (ret)
		return ret;
	ret = register_bpf_struct_ops(&fp_bpf_struct_ops, fanotify_fastpath_ops);
	if (ret)
		return ret;
	/* Registration succeeds without module BTF, but then init never ran. */
	return fp_btf ? 0 : -ENOENT;
}
#else /* !FP_HAVE_BPF_STRUCT_OPS */
/*
 * No struct_ops types from modules on this kernel (before 6.9, see compat.h):
 * C handlers only. A struct_ops map of our type cannot even be created (the
 * type is in no kernel BTF), so nothing reaches us; userspace learns it from
 * sysfs "features" (fp_lib.h: fp_bpf_supported() fails with -EOPNOTSUPP).
 */
int fp_bpf_init_module(void)
{
	pr_info(KBUILD_MODNAME ": BPF handlers unavailable: this kernel has no BPF struct_ops types from modules (6.9+); C handlers only\n");
	return 0;
}
#endif /* FP_HAVE_BPF_STRUCT_OPS */
