/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfuncs of the fanotify fastpath core module, for BPF handlers. Function
 * declarations have external linkage without "extern"; __ksym puts them in
 * libbpf's .ksyms section, resolved against the module's BTF at load time.
 */
#ifndef FP_KFUNCS_H
#define FP_KFUNCS_H

struct fanotify_fastpath_event;
struct fanotify_fastpath_hook;
struct inode;

struct inode *bpf_fanotify_fastpath_data_inode(struct fanotify_fastpath_event *event) __ksym;
void bpf_fanotify_fastpath_iput(struct inode *inode) __ksym;
__u64 bpf_fanotify_fastpath_tag_get(struct fanotify_fastpath_hook *hook,
				    struct inode *inode__ign) __ksym;
int bpf_fanotify_fastpath_tag_set(struct fanotify_fastpath_hook *hook,
				  struct inode *inode, __u64 value) __ksym;
int bpf_fanotify_fastpath_event_name(struct fanotify_fastpath_event *event,
				     char *buf, __u32 buf__sz) __ksym;
struct inode *bpf_fanotify_fastpath_event_dir(struct fanotify_fastpath_event *event) __ksym;
int bpf_fanotify_fastpath_tag_depth(struct fanotify_fastpath_hook *hook,
				    struct fanotify_fastpath_event *event,
				    __u32 max_depth) __ksym;
int bpf_fanotify_fastpath_subtree_match(struct fanotify_fastpath_hook *hook,
					struct fanotify_fastpath_event *event) __ksym;
__ksym __u32 bpf_fanotify_fastpath_current_uid(void);

/*
 * The same kfuncs under other names: the seed's (a program written for it
 * loads unchanged) and version 0.1's (to be removed in a later release). New
 * programs use the names above (Documentation/design.md, "Names").
 */
struct inode *bpf_fanotify_data_inode(struct fanotify_fastpath_event *event) __ksym;
void bpf_iput(struct inode *inode) __ksym;
int bpf_fanotify_event_name(struct fanotify_fastpath_event *event,
			    char *buf, __u32 buf__sz) __ksym;
struct inode *bpf_fanotify_event_dir(struct fanotify_fastpath_event *event) __ksym;
int bpf_fanotify_subtree_match(struct fanotify_fastpath_hook *hook,
			       struct fanotify_fastpath_event *event) __ksym;
__ksym __u32 bpf_fanotify_current_uid(void);

#endif /* FP_KFUNCS_H */
