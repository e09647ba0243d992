// SPDX-License-Identifier: GPL-2.0
/*
 * The "subtree" handler as a BPF program ("subtree_bpf"): the same one-call
 * decision as handlers/fp_subtree.c, through the ancestry cache's kfunc, so
 * that the two can be compared. Roots are added by userspace with
 * FAN_FP_IOC_ROOT (BPF's fp_init cannot resolve paths).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fp_kfuncs.h"

SEC("struct_ops")
int BPF_PROG(subtree_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	/* 1 inside, -EAGAIN uncertain: both deliver. */
	return bpf_fanotify_fastpath_subtree_match(hook, event) ?
	       FAN_FP_RET_SEND_TO_USERSPACE : FAN_FP_RET_SKIP_EVENT;
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops subtree_bpf_ops = {
	.fp_handler = (void *)subtree_handler,
	.name = "subtree_bpf",
	.desc = "BPF: pass only events in directory trees (roots by FAN_FP_IOC_ROOT)",
};

char _license[] SEC("license") = "GPL";
