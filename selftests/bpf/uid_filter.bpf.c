// SPDX-License-Identifier: GPL-2.0
/*
 * The "uid_filter" handler as a BPF program ("uid_filter_bpf"): pass only
 * the events caused by the listed uids, or (exclude) drop exactly those.
 * Same rules as handlers/fp_uid_filter.c, so that the two can be compared.
 *
 * The acting task's uid comes from the core's bpf_fanotify_fastpath_current_uid()
 * kfunc: bpf_get_current_uid_gid() is not offered to this struct_ops type.
 * Configuration: the loader writes the list into the one element of the
 * "uf_config" array map (uid_filter_config.h parses the C handler's argument
 * string into it), before attaching or later. fp_init takes no argument
 * string: a non-empty one fails the attach with -EINVAL.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fp_kfuncs.h"
#include "uid_filter_config.h"

#define EINVAL		22

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct uf_list);
} uf_config SEC(".maps");

SEC("struct_ops")
int BPF_PROG(uid_filter_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	__u32 zero = 0, uid, i, nr;
	struct uf_list *cfg;
	bool listed = false;

	cfg = bpf_map_lookup_elem(&uf_config, &zero);
	if (!cfg)
		return FAN_FP_RET_SEND_TO_USERSPACE;
	uid = bpf_fanotify_fastpath_current_uid();
	nr = cfg->nr;
	for (i = 0; i < UF_MAX_UIDS && i < nr; i++) {
		if (cfg->uid[i] == uid) {
			listed = true;
			break;
		}
	}
	return listed != !!cfg->exclude ? FAN_FP_RET_SEND_TO_USERSPACE : FAN_FP_RET_SKIP_EVENT;
}

SEC("struct_ops")
int BPF_PROG(uid_filter_init, struct fanotify_fastpath_hook *hook, const char *args)
{
	char c = 0;

	/* Configured through the map: refuse an argument string. */
	if (bpf_probe_read_kernel(&c, 1, args) || c)
		return -EINVAL;
	return 0;
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops uid_filter_bpf_ops = {
	.fp_handler = (void *)uid_filter_handler,
	.fp_init = (void *)uid_filter_init,
	.name = "uid_filter_bpf",
	.desc = "BPF: pass or drop events by the acting task's uid",
};

char _license[] SEC("license") = "GPL";
