// SPDX-License-Identifier: GPL-2.0
/*
 * Must be rejected by the verifier: takes an inode reference with
 * bpf_fanotify_fastpath_data_inode() and never releases it with
 * bpf_fanotify_fastpath_iput().
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fp_kfuncs.h"

SEC("struct_ops")
int BPF_PROG(leak_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	struct inode *inode = bpf_fanotify_fastpath_data_inode(event);

	if (!inode)
		return FAN_FP_RET_SEND_TO_USERSPACE;
	return inode->i_ino & 1 ? FAN_FP_RET_SKIP_EVENT : FAN_FP_RET_SEND_TO_USERSPACE;
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops leak_ops = {
	.fp_handler = (void *)leak_handler,
	.name = "leak",
};

char _license[] SEC("license") = "GPL";
