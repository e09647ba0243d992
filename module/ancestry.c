// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the ancestry cache of an attachment, as the rest of the
 * core sees it (subtree membership).
 *
 * Owns the life of struct fp_ancestry (new, end, info), the ancestry files'
 * workqueue and their setup at module init and exit. The cache itself is in
 * anc_cache.c, its roots in anc_roots.c, the move watch in anc_watch.c; their
 * objects and the order of their locks are in ancestry.h. The rule a cache
 * answers is written once, in anc_cache.c.
 *
 * Locks: anc->mutex while a cache ends (then the files below take theirs).
 */
#include <linux/fsnotify_backend.h>
#include <linux/slab.h>

#include "ancestry.h"

/*
 * Releases of caches and the ends of subscriptions whose roots ended by
 * themselves run here, in process context; module exit drains it.
 */
struct workqueue_struct *fp_anc_wq;

/**
 * fp_ancestry_new() - a new, empty cache (no roots, no buckets yet)
 * @memcg: the memory cgroup to charge; the cache takes its own reference
 * @limited: the attacher lacks CAP_SYS_ADMIN: a cap above the module
 *	parameter cache_max is lowered to it
 *
 * Return: the cache or NULL.
 */
struct fp_ancestry *fp_ancestry_new(struct mem_cgroup *memcg, bool limited)
{
	struct fp_ancestry *anc = kzalloc(sizeof(*anc), GFP_KERNEL_ACCOUNT);

	if (!anc)
		return NULL;
	fp_anc_init(anc);
	fp_anc_roots_init_cache(anc);
	mutex_init(&anc->mutex);
	INIT_LIST_HEAD(&anc->subs);
	fp_memcg_hold(memcg);
	anc->memcg = memcg;
	anc->limited = limited;
	return anc;
}

/**
 * fp_ancestry_end() - end the cache of an ended attachment
 * @anc: the cache; no fp_handler can reach it any more
 *
 * Removes its roots and its filesystem subscriptions and drops the
 * attachment's reference; the cache itself is freed when fsnotify has freed
 * the last mark that refers to it.
 *
 * Context: process context, may sleep.
 */
void fp_ancestry_end(struct fp_ancestry *anc)
{
	mutex_lock(&anc->mutex);
	fp_anc_roots_end(anc);
	fp_anc_subs_end(anc);
	mutex_unlock(&anc->mutex);
	fp_anc_put(anc);
}

/**
 * fp_ancestry_info() - the cache's size and counters
 * @anc: the cache
 * @info: filled in
 */
void fp_ancestry_info(struct fp_ancestry *anc, struct fp_ancestry_info *info)
{
	spin_lock(&anc->lock);
	info->roots = anc->nroots;
	info->entries = anc->count;
	info->max = anc->buckets ? anc->max : (anc->max ? anc->max :
					       READ_ONCE(fp_param_cache_max));
	info->evicted = anc->evicted;
	info->invalidations = anc->invalidations;
	spin_unlock(&anc->lock);
}

/**
 * fp_ancestry_init() - the entry cache, the private groups and the workqueue
 *
 * Return: 0 or a negative errno.
 */
int fp_ancestry_init(void)
{
	int ret;

	fp_anc_wq = alloc_workqueue("fanotify_fastpath_anc", WQ_UNBOUND, 0);
	if (!fp_anc_wq)
		return -ENOMEM;
	ret = fp_anc_cache_init();
	if (ret)
		goto err_wq;
	ret = fp_anc_watch_init();
	if (ret)
		goto err_cache;
	ret = fp_anc_roots_init();
	if (ret)
		goto err_watch;
	return 0;
err_watch:
	fp_anc_watch_exit();
err_cache:
	fp_anc_cache_exit();
err_wq:
	destroy_workqueue(fp_anc_wq);
	return ret;
}

/**
 * fp_ancestry_exit() - free what fp_ancestry_init() made, after every cache
 *
 * Context: module exit: no attachment is left.
 */
void fp_ancestry_exit(void)
{
	/* Marks of ended caches are freed by fsnotify's reaper; wait for it. */
	fsnotify_wait_marks_destroyed();
	/* Subscriptions drop their cache references from RCU callbacks. */
	rcu_barrier();
	/*
	 * Pending ends of subscriptions (which may destroy filesystem marks)
	 * and releases of caches; then once more what they started.
	 */
	flush_workqueue(fp_anc_wq);
	fsnotify_wait_marks_destroyed();
	rcu_barrier();
	destroy_workqueue(fp_anc_wq);
	fp_anc_roots_exit();
	fp_anc_watch_exit();
	/* Entries unlinked before the release are freed by RCU callbacks. */
	rcu_barrier();
	fp_anc_cache_exit();
}
