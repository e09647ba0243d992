/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanotify fastpath: what differs between the kernel series the core builds for.
 *
 * The code is written for the current kernel API (Debian's 6.12 and 7.x); this
 * header lets the same code build on older series (Debian 12's 6.1) without
 * #ifdefs anywhere else, in the style of wireguard-linux-compat: a missing
 * symbol is defined here, an old signature is wrapped under the new one's
 * name. Nothing here expands to anything on 6.12 and 7.x, so their objects are
 * unchanged. Feature tests use symbols of the headers where there is one (a
 * macro), else LINUX_VERSION_CODE.
 *
 * Built and checked on 6.1, 6.12 and 7.3 only; the version boundaries below are
 * those of mainline, untested on the series in between.
 *
 * Features a kernel may lack are listed in FP_FEATURES, which sysfs shows as
 * /sys/kernel/fanotify_fastpath/features.
 */
#ifndef FP_COMPAT_H
#define FP_COMPAT_H

/*
 * Only headers without types here (on 6.12 and 7.x): a header that brings
 * more types into a file changes the module's BTF; <linux/bpf.h> in the
 * ancestry files gave 7.3's module BTF a second struct inode.
 */
#include <linux/magic.h>
#include <linux/version.h>

/*
 * 6.9: BPF struct_ops types registered by modules (__register_bpf_struct_ops(),
 * wrapped by the macro register_bpf_struct_ops(); together with the BTF_KFUNCS_*
 * and __bpf_kfunc macros bpf.c uses). Without it (6.1) the core builds and
 * loads without BPF handlers: bpf.c compiles to fp_bpf_init_module() only,
 * which logs that BPF handlers are unavailable, and no struct_ops map of type
 * fanotify_fastpath_ops can be created (libbpf fails to load one with
 * -EOPNOTSUPP: the type is in no kernel BTF). The version decides, so that
 * files need not include <linux/bpf.h>; where it came first (bpf.c), its
 * macro must agree.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define FP_HAVE_BPF_STRUCT_OPS	1
#define FP_FEATURE_BPF		" bpf"
#else
#define FP_HAVE_BPF_STRUCT_OPS	0
#define FP_FEATURE_BPF		""
#endif
#if defined(_LINUX_BPF_H)
#if FP_HAVE_BPF_STRUCT_OPS && !defined(register_bpf_struct_ops)
#error "kernel 6.9+ without register_bpf_struct_ops(): FP_HAVE_BPF_STRUCT_OPS is wrong"
#elif !FP_HAVE_BPF_STRUCT_OPS && defined(register_bpf_struct_ops)
#error "register_bpf_struct_ops() before 6.9 (a backport?): FP_HAVE_BPF_STRUCT_OPS is wrong"
#endif
#endif

/*
 * The kernel features the running core can use, each with a leading space, for
 * userspace (sysfs "features", without the first space): "bpf" BPF struct_ops
 * handlers.
 */
#define FP_FEATURES		FP_FEATURE_BPF

/* 6.7: bcachefs (uapi/linux/magic.h); older kernels have no such filesystem. */
#ifndef BCACHEFS_SUPER_MAGIC
#define BCACHEFS_SUPER_MAGIC	0xca451a4e
#endif

/*
 * 6.3: permission checks take the mount's idmapping (struct mnt_idmap,
 * mnt_idmap()); before, the mount's user namespace (mnt_user_ns()), which
 * inode_permission() and friends take in the same place.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define mnt_idmap(mnt)		mnt_user_ns(mnt)
#endif

/*
 * 6.8: fsnotify_add_mark() takes the object (inode, super_block) instead of
 * its connector pointer, and (6.10) no fsid. The old form: the object's
 * connector pointer, and a NULL fsid (only fanotify caches one).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#include <linux/fs.h>
#include <linux/fsnotify_backend.h>

static inline int fp_compat_fsnotify_add_mark(struct fsnotify_mark *mark, void *obj,
					      unsigned int obj_type, int add_flags)
{
	fsnotify_connp_t *connp;

	switch (obj_type) {
	case FSNOTIFY_OBJ_TYPE_INODE:
		connp = &((struct inode *)obj)->i_fsnotify_marks;
		break;
	case FSNOTIFY_OBJ_TYPE_SB:
		connp = &((struct super_block *)obj)->s_fsnotify_marks;
		break;
	default:	/* a mount's marks are out of a module's reach there */
		return -EINVAL;
	}
	return fsnotify_add_mark(mark, connp, obj_type, add_flags, NULL);
}

#define fsnotify_add_mark	fp_compat_fsnotify_add_mark
#endif

#endif /* FP_COMPAT_H */
