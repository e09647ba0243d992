/* SPDX-License-Identifier: GPL-2.0 */
/* kfuncs of the fanotify fastpath core module, for BPF handlers. */
#ifndef FP_KFUNCS_H
#define FP_KFUNCS_H

struct fanotify_fastpath_event;
struct fanotify_fastpath_hook;
struct inode;

extern struct inode *bpf_fanotify_data_inode(struct fanotify_fastpath_event *event) __ksym;
extern void bpf_iput(struct inode *inode) __ksym;
extern __u64 bpf_fanotify_fastpath_tag_get(struct fanotify_fastpath_hook *hook,
					   struct inode *inode) __ksym;
extern int bpf_fanotify_fastpath_tag_set(struct fanotify_fastpath_hook *hook,
					 struct inode *inode, __u64 value) __ksym;
extern int bpf_fanotify_event_name(struct fanotify_fastpath_event *event,
				   char *buf, __u32 buf__sz) __ksym;

extern struct inode *bpf_fanotify_event_dir(struct fanotify_fastpath_event *event) __ksym;

#endif /* FP_KFUNCS_H */
