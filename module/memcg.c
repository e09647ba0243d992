// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the memory cgroup references of attachments.
 *
 * Owns nothing but three calls into the memory controller, kept in a file of
 * their own: <linux/memcontrol.h> brings complete definitions of memory
 * cgroup types whose BTF would otherwise fork the module's copy of every
 * structure that reaches them, struct fanotify_fastpath_ops included (7.x's
 * struct_ops registration then fails). This file includes none of ours.
 * No locks.
 */
#include <linux/memcontrol.h>
#include <linux/sched.h>

#include "memcg.h"

/* The memory cgroup of the current task, referenced (NULL without memcg). */
struct mem_cgroup *fp_memcg_current(void)
{
	return get_mem_cgroup_from_mm(current->mm);
}

/* Take one more reference on @memcg (may be NULL). */
void fp_memcg_hold(struct mem_cgroup *memcg)
{
	if (memcg)
		css_get(&memcg->css);
}

/* Drop a reference on @memcg (may be NULL). */
void fp_memcg_put(struct mem_cgroup *memcg)
{
	mem_cgroup_put(memcg);
}
