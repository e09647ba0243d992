/* SPDX-License-Identifier: GPL-2.0 */
/* fanotify fastpath: memory cgroup references (memcg.c), without memcontrol.h. */
#ifndef _FP_MEMCG_H
#define _FP_MEMCG_H

struct mem_cgroup;

struct mem_cgroup *fp_memcg_current(void);
void fp_memcg_hold(struct mem_cgroup *memcg);
void fp_memcg_put(struct mem_cgroup *memcg);

#endif /* _FP_MEMCG_H */
