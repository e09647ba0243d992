// SPDX-License-Identifier: GPL-2.0
/*
 * The "name_filter" handler as a BPF program ("name_filter_bpf"): pass only
 * events whose entry name ends with one of a list of suffixes. Same matching
 * as handlers/fp_name_filter.c (byte-wise suffix, any object type, events
 * without a name dropped) so that the two can be compared.
 *
 * Configuration: the loader writes the suffix list into the one element of
 * the "nf_config" array map (name_filter_config.h parses the C handler's
 * "ext=.c,.h" string into it), before attaching or at any time later: the
 * handler reads it per event, so a new list applies from the next event on
 * without detaching (an event racing the update may see part of each list).
 * fp_init takes no argument string: a non-empty one fails the attach with
 * -EINVAL. An empty list drops every event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "fp_kfuncs.h"
#include "name_filter_config.h"

#define EINVAL		22
#define NAME_BUF	256	/* NAME_MAX + 1: every name fits */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nf_list);
} nf_config SEC(".maps");

struct name_buf {
	char name[NAME_BUF];
};

/* Too big for the 512-byte BPF stack next to everything else: per-CPU scratch. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_buf);
} scratch SEC(".maps");

SEC("struct_ops")
int BPF_PROG(name_filter_handler, struct fsnotify_group *group,
	     struct fanotify_fastpath_hook *hook,
	     struct fanotify_fastpath_event *event)
{
	struct nf_list *cfg;
	struct name_buf *b;
	__u32 zero = 0, i, j, nr, slen, off;
	int len;

	cfg = bpf_map_lookup_elem(&nf_config, &zero);
	b = bpf_map_lookup_elem(&scratch, &zero);
	if (!cfg || !b)
		return FAN_FP_RET_SEND_TO_USERSPACE;
	len = bpf_fanotify_fastpath_event_name(event, b->name, sizeof(b->name));
	if (len < 0)
		return FAN_FP_RET_SKIP_EVENT;

	nr = cfg->nr;
	for (i = 0; i < NF_MAX_SUFFIXES && i < nr; i++) {
		slen = cfg->len[i];
		if (!slen || slen >= NF_SUFFIX_MAX || slen > len)
			continue;
		off = len - slen;
		/* Keeps the bound j < 31 below: clang drops it as implied by slen < 32. */
		barrier_var(slen);
		for (j = 0; j < NF_SUFFIX_MAX - 1 && j < slen; j++) {
			if (b->name[(off + j) & (NAME_BUF - 1)] != cfg->suffix[i][j])
				break;
		}
		if (j == slen)
			return FAN_FP_RET_SEND_TO_USERSPACE;
	}
	return FAN_FP_RET_SKIP_EVENT;
}

SEC("struct_ops")
int BPF_PROG(name_filter_init, struct fanotify_fastpath_hook *hook, const char *args)
{
	char c = 0;

	/* Configured through the nf_config map: refuse an argument string. */
	if (bpf_probe_read_kernel(&c, 1, args) || c)
		return -EINVAL;
	return 0;
}

SEC(".struct_ops.link")
struct fanotify_fastpath_ops name_filter_bpf_ops = {
	.fp_handler = (void *)name_filter_handler,
	.fp_init = (void *)name_filter_init,
	.name = "name_filter_bpf",
	.desc = "BPF: pass only events whose entry name ends with a suffix",
};

char _license[] SEC("license") = "GPL";
