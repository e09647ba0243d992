// SPDX-License-Identifier: GPL-2.0
/*
 * Ancestry test in BPF: deliver only events whose directory has a tagged
 * ancestor within max_depth levels (bpf_fanotify_fastpath_tag_depth), and
 * record the depth of the last delivered event. Roots are tagged by the
 * loader with FAN_FP_IOC_TAG.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fp_kfuncs.h"

#define EAGAIN	11

__u32 max_depth = 64;	/* set by the loader before load */
int last_depth = -1;

SEC("struct_ops")
int BPF_PROG(ancestor_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	int depth = bpf_fanotify_fastpath_tag_depth(hook, event, max_depth);

	if (depth < 0 && depth != -EAGAIN)
		return FAN_FP_RET_SKIP_EVENT;
	last_depth = depth;
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops ancestor_ops = {
	.fp_handler = (void *)ancestor_handler,
	.name = "bpf_ancestor",
};

char _license[] SEC("license") = "GPL";
