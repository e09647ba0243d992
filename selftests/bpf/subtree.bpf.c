// SPDX-License-Identifier: GPL-2.0
/*
 * The "subtree" handler as a BPF program ("subtree_bpf"), line for line the
 * same logic as handlers/fp_subtree.c so that the two can be compared. The root
 * is tagged by userspace (FAN_FP_IOC_TAG): BPF's fp_init cannot resolve paths.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fp_kfuncs.h"

#define FS_CREATE	0x00000100
#define FS_ISDIR	0x40000000
#define SUBTREE_TAG	1

SEC("struct_ops")
int BPF_PROG(subtree_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	struct inode *dir = bpf_fanotify_event_dir(event);
	struct inode *inode;

	/* The C handler's tag_get(NULL) is 0; the verifier wants the check spelled out. */
	if (!dir || !bpf_fanotify_fastpath_tag_get(hook, dir))
		return FAN_FP_RET_SKIP_EVENT;

	/* Propagate the tag to a directory created in the tree. */
	if (event->mask == (FS_CREATE | FS_ISDIR) &&
	    event->data_type == FSNOTIFY_EVENT_DENTRY) {
		inode = bpf_fanotify_data_inode(event);
		if (inode) {
			bpf_fanotify_fastpath_tag_set(hook, inode, SUBTREE_TAG);
			bpf_iput(inode);
		}
	}
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops subtree_bpf_ops = {
	.fp_handler = (void *)subtree_handler,
	.name = "subtree_bpf",
	.desc = "BPF: pass only events in a tagged directory tree",
};

char _license[] SEC("license") = "GPL";
