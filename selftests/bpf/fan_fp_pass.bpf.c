// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal BPF handler for lifecycle tests: drops events whose entry name
 * starts with "drop", counts calls, and has its name set by the loader.
 * It calls the kfuncs by version 0.1's name (bpf_fanotify_event_name) and
 * the acquire/release pair by the current names, so that both load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fp_kfuncs.h"

__u64 calls;
__u64 inodes;
__u64 inits;
__u64 frees;

SEC("struct_ops")
int BPF_PROG(pass_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	struct inode *inode = bpf_fanotify_fastpath_data_inode(event);
	char name[8];

	__sync_fetch_and_add(&calls, 1);
	if (inode) {
		__sync_fetch_and_add(&inodes, 1);
		bpf_fanotify_fastpath_iput(inode);
	}
	if (bpf_fanotify_event_name(event, name, sizeof(name)) >= 4 &&
	    name[0] == 'd' && name[1] == 'r' && name[2] == 'o' && name[3] == 'p')
		return FAN_FP_RET_SKIP_EVENT;
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

SEC("struct_ops")
int BPF_PROG(pass_init, struct fanotify_fastpath_hook *hook, const char *args)
{
	__sync_fetch_and_add(&inits, 1);
	return 0;
}

SEC("struct_ops")
void BPF_PROG(pass_free, struct fanotify_fastpath_hook *hook)
{
	__sync_fetch_and_add(&frees, 1);
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops pass_ops = {
	.fp_handler = (void *)pass_handler,
	.fp_init = (void *)pass_init,
	.fp_free = (void *)pass_free,
	.name = "bpf_pass",
	.desc = "BPF selftest handler: drops names starting with drop",
};

char _license[] SEC("license") = "GPL";
