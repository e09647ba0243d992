// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (c) 2024 Meta Platforms, Inc. and affiliates (the seed's program)
 *
 * The seed's BPF fastpath program (simplified subtree monitor), ported.
 * Differences from the seed's progs/fan_fp.c, all forced by running as a
 * module on an unpatched kernel:
 *  - the per-inode tag lives in the attachment's tag store
 *    (bpf_fanotify_fastpath_tag_get/_set) instead of a BPF inode-storage map:
 *    bpf_inode_storage_get() is not available to a struct_ops type defined by
 *    a module on 6.12. The tag likewise does not pin the inode and dies with
 *    it. So the inode_storage_map declaration is gone;
 *  - the kfunc declarations come from fp_kfuncs.h instead of bpf_kfuncs.h.
 * Everything else (names, the handler's logic, the counter) is the seed's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fp_kfuncs.h"

#define FS_CREATE		0x00000100	/* Subfile was created */
#define FS_ISDIR		0x40000000	/* event occurred against dir */

int added_inode_storage;

SEC("struct_ops")
int BPF_PROG(bpf_fp_handler,
	     struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *fp_hook,
	     struct fanotify_fastpath_event *fp_event)
{
	struct inode *dir;
	__u64 value;

	dir = fp_event->dir;

	value = bpf_fanotify_fastpath_tag_get(fp_hook, dir);

	/* if dir doesn't have the tag, skip the event */
	if (!value)
		return FAN_FP_RET_SKIP_EVENT;

	/* propagate tag to subdir on fsnotify_mkdir */
	if (fp_event->mask == (FS_CREATE | FS_ISDIR) &&
	    fp_event->data_type == FSNOTIFY_EVENT_DENTRY) {
		struct inode *new_inode;

		new_inode = bpf_fanotify_data_inode(fp_event);
		if (!new_inode)
			goto out;

		if (!bpf_fanotify_fastpath_tag_set(fp_hook, new_inode, 1))
			added_inode_storage++;
		bpf_iput(new_inode);
	}
out:
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

SEC("struct_ops")
int BPF_PROG(bpf_fp_init, struct fanotify_fastpath_hook *hook, const char *args)
{
	return 0;
}

SEC("struct_ops")
void BPF_PROG(bpf_fp_free, struct fanotify_fastpath_hook *hook)
{
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops bpf_fanotify_fastpath_ops = {
	.fp_handler = (void *)bpf_fp_handler,
	.fp_init = (void *)bpf_fp_init,
	.fp_free = (void *)bpf_fp_free,
	.name = "_tmp_test_sub_tree",
};

char _license[] SEC("license") = "GPL";
