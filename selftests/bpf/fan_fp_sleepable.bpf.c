// SPDX-License-Identifier: GPL-2.0
/* Must be rejected: fastpath handlers run under rcu_read_lock() and cannot sleep. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("struct_ops.s")
int BPF_PROG(sleepy_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops sleepy_ops = {
	.fp_handler = (void *)sleepy_handler,
	.name = "sleepy",
};

char _license[] SEC("license") = "GPL";
