// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the lifecycle of attachments.
 *
 * Owns struct fp_attachment and its id: attach (with replace), detach, query,
 * lookup by id, the names of its counters, the
 * control device's per-attachment operations (tags, roots), the end of every
 * attachment of a handler being unregistered and of a group that dies, and
 * the attachment's counters.
 *
 * Locks: fp_mutex around every publish and unpublish. fp_init runs before
 * fp_mutex is taken; fp_free and the teardown of tags and the ancestry cache
 * run after the attachment is unpublished and an RCU grace period has passed.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "internal.h"

static u64 fp_next_id = 1;	/* fp_mutex */

/**
 * fp_stats_sum() - add up an attachment's per-CPU counters
 * @at: the attachment
 * @out: FP_NR_STATS counters; FP_STAT_SEEN is the sum of the verdicts
 */
void fp_stats_sum(struct fp_attachment *at, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * FP_NR_STATS);
	for_each_possible_cpu(cpu) {
		struct fp_stats *s = per_cpu_ptr(at->stats, cpu);

		for (i = 0; i < FP_NR_STATS; i++)
			out[i] += READ_ONCE(s->v[i]);
	}
	/* Not counted on the event path: every verdict is one of these. */
	out[FP_STAT_SEEN] = out[FP_STAT_PASSED] + out[FP_STAT_DROPPED] +
			    out[FP_STAT_DENIED] + out[FP_STAT_ERRORS];
}

/*
 * End an unpublished attachment: fp_free, tags, cache, counters, references.
 * Context: process context, may sleep; no event path can reach @at; its
 * group is held by the caller (or is in its final put).
 */
static void fp_attachment_free(struct fp_attachment *at)
{
	struct fp_handler *h = at->handler;
	u64 sum[FP_NR_STATS];
	int i;

	if (h->ops->fp_free)
		h->ops->fp_free(&at->hook);
	fp_tag_store_destroy(&at->tags);
	fp_ancestry_end(at->anc);
	fp_stats_sum(at, sum);
	for (i = 0; i < FP_NR_STATS; i++)
		atomic64_add(sum[i], &h->ended[i]);
	free_percpu(at->stats);
	fp_memcg_put(at->memcg);
	kfree(at);
	fp_handler_put(h);
}

/* A new, unpublished attachment of @h (whose hold it takes over) to @group. */
static struct fp_attachment *fp_attachment_new(struct fsnotify_group *group,
					       struct fp_handler *h, u32 flags)
{
	struct fp_attachment *at;

	at = kzalloc(sizeof(*at), GFP_KERNEL_ACCOUNT);
	if (!at)
		return NULL;
	at->stats = alloc_percpu_gfp(struct fp_stats, GFP_KERNEL_ACCOUNT);
	if (!at->stats)
		goto err;
	at->memcg = fp_memcg_current();
	/* An attacher without CAP_SYS_ADMIN gets the administrator's cache cap at most. */
	at->anc = fp_ancestry_new(at->memcg, !capable(CAP_SYS_ADMIN));
	if (!at->anc)
		goto err;
	at->hook.ops = h->ops;
	at->hook.group = group;
	at->hook.attach_flags = flags;
	at->handler = h;
	fp_tag_store_init(&at->tags);
	return at;
err:
	fp_memcg_put(at->memcg);
	free_percpu(at->stats);
	kfree(at);
	return NULL;
}

/* Unpublish @at from its group and unlink it. Caller frees it after a grace period. */
static void fp_unpublish(struct fp_attachment *at)
{
	lockdep_assert_held(&fp_mutex);
	RCU_INIT_POINTER(at->fg->attachment, NULL);
	list_del(&at->handler_node);
}

/**
 * fp_attach() - attach handler @h to @group
 * @group: a fanotify group the caller keeps alive (holds its file)
 * @h: a handler held with fp_handler_get(); the hold is consumed
 * @args: NUL-terminated argument string for fp_init
 * @flags: FAN_FP_ATTACH_* flags
 * @idp: set to the new attachment's id
 *
 * fp_init runs without fp_mutex (it may look up paths); whether the group
 * already has an attachment is checked before it and again when publishing.
 *
 * Context: process context, fp_mutex not held.
 * Return: 0; -ENOENT (the handler went away meanwhile), -EBUSY (the group has
 * a handler and no FAN_FP_ATTACH_REPLACE), -ENOMEM, or fp_init's error.
 */
int fp_attach(struct fsnotify_group *group, struct fp_handler *h,
	      const char *args, u32 flags, u64 *idp)
{
	struct fp_attachment *at, *old = NULL;
	struct fp_group *fg;
	int ret;

	/* Refuse early what would be refused at publishing, before fp_init runs. */
	mutex_lock(&fp_mutex);
	fg = fp_group_lookup(group);
	ret = fg && rcu_access_pointer(fg->attachment) &&
	      !(flags & FAN_FP_ATTACH_REPLACE) ? -EBUSY : 0;
	mutex_unlock(&fp_mutex);
	if (ret) {
		fp_handler_put(h);
		return ret;
	}

	at = fp_attachment_new(group, h, flags);
	if (!at) {
		fp_handler_put(h);
		return -ENOMEM;
	}
	if (h->ops->fp_init) {
		ret = h->ops->fp_init(&at->hook, args);
		if (ret) {
			if (ret > 0 || ret < -MAX_ERRNO)
				ret = -EINVAL;
			/* No fp_free without a successful fp_init. */
			fp_tag_store_destroy(&at->tags);
			fp_ancestry_end(at->anc);
			free_percpu(at->stats);
			fp_memcg_put(at->memcg);
			kfree(at);
			fp_handler_put(h);
			return ret;
		}
	}

	mutex_lock(&fp_mutex);
	ret = -ENOENT;
	if (h->dying)
		goto err_unlock;
	fg = fp_group_lookup(group);
	ret = -EBUSY;
	if (fg && rcu_access_pointer(fg->attachment) &&
	    !(flags & FAN_FP_ATTACH_REPLACE))
		goto err_unlock;
	fg = fp_group_hook(group);
	if (IS_ERR(fg)) {
		ret = PTR_ERR(fg);
		goto err_unlock;
	}
	at->fg = fg;
	at->id = fp_next_id++;
	*idp = at->id;
	old = rcu_dereference_protected(fg->attachment, lockdep_is_held(&fp_mutex));
	if (old)
		list_del(&old->handler_node);
	list_add_tail(&at->handler_node, &h->attachments);
	/* One store: events see the old handler or the new one, never none. */
	rcu_assign_pointer(fg->attachment, at);
	mutex_unlock(&fp_mutex);

	if (old) {
		synchronize_rcu();
		fp_attachment_free(old);
	}
	return 0;

err_unlock:
	mutex_unlock(&fp_mutex);
	fp_attachment_free(at);
	return ret;
}

/*
 * The attachment of a live group, or NULL; with @id not 0, only the
 * attachment of that id. Context: fp_mutex held.
 */
static struct fp_attachment *fp_group_attachment(struct fsnotify_group *group, u64 id)
{
	struct fp_group *fg = fp_group_lookup(group);
	struct fp_attachment *at;

	at = fg ? rcu_dereference_protected(fg->attachment,
					    lockdep_is_held(&fp_mutex)) : NULL;
	return at && (!id || at->id == id) ? at : NULL;
}

/**
 * fp_group_by_id() - the group of the attachment @id
 * @id: an attachment id
 *
 * The attachment may end as soon as this returns: callers pass @id on to
 * the function they call with the group, which checks it again.
 *
 * Context: process context, fp_mutex not held.
 * Return: the group, with a reference the caller drops with
 * fsnotify_put_group(), or ERR_PTR(-ENOENT).
 */
struct fsnotify_group *fp_group_by_id(u64 id)
{
	struct fsnotify_group *group = ERR_PTR(-ENOENT);
	struct fp_group *fg;

	mutex_lock(&fp_mutex);
	list_for_each_entry(fg, &fp_groups, node) {
		struct fp_attachment *at;

		at = rcu_dereference_protected(fg->attachment, lockdep_is_held(&fp_mutex));
		if (at && at->id == id) {
			/* A group in its final put is as good as gone. */
			if (refcount_inc_not_zero(&fg->group->refcnt))
				group = fg->group;
			break;
		}
	}
	mutex_unlock(&fp_mutex);
	return group;
}

/**
 * fp_detach() - detach the handler of @group
 * @group: a fanotify group the caller keeps alive
 * @id: the attachment's id, or 0 for whatever is attached
 *
 * The group keeps its hook (with no handler) until it dies.
 *
 * Context: process context, fp_mutex not held.
 * Return: 0 or -ENOENT when nothing (or not @id) is attached.
 */
int fp_detach(struct fsnotify_group *group, u64 id)
{
	struct fp_attachment *at;

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group, id);
	if (at)
		fp_unpublish(at);
	mutex_unlock(&fp_mutex);
	if (!at)
		return -ENOENT;
	synchronize_rcu();
	fp_attachment_free(at);
	return 0;
}

/**
 * fp_attachments_end_handler() - end every attachment of a dying handler
 * @h: the handler, marked dying (no new attachment can find it)
 *
 * Each group is held while its attachment ends, so fp_free always sees a live
 * group. A group whose last reference is already gone is left to its own
 * final put, which ends the attachment (fp_attachment_group_died()).
 *
 * Context: process context, may sleep; fp_mutex not held.
 */
void fp_attachments_end_handler(struct fp_handler *h)
{
	struct fp_attachment *at, *tmp;
	LIST_HEAD(doomed);

	mutex_lock(&fp_mutex);
	list_for_each_entry_safe(at, tmp, &h->attachments, handler_node) {
		if (!refcount_inc_not_zero(&at->hook.group->refcnt))
			continue;
		fp_unpublish(at);
		list_add(&at->handler_node, &doomed);
	}
	mutex_unlock(&fp_mutex);

	synchronize_rcu();
	list_for_each_entry_safe(at, tmp, &doomed, handler_node) {
		struct fsnotify_group *group = at->hook.group;

		fp_attachment_free(at);
		fsnotify_put_group(group);
	}
}

/**
 * fp_attachment_group_died() - end the attachment of a group at its final put
 * @fg: the hooked group, past all event delivery
 *
 * Called by hook.c's free_group_priv wrapper: the only call from the layers
 * below into this file. Unlinks @fg from fp_groups.
 *
 * Context: process context, fp_mutex not held.
 */
void fp_attachment_group_died(struct fp_group *fg)
{
	struct fp_attachment *at;

	mutex_lock(&fp_mutex);
	list_del(&fg->node);
	at = rcu_dereference_protected(fg->attachment, lockdep_is_held(&fp_mutex));
	if (at)
		fp_unpublish(at);
	mutex_unlock(&fp_mutex);

	if (at)
		fp_attachment_free(at);
}

/* Names of the counters, in the order of enum fanotify_fastpath_counter. */
const char *const fp_counter_names[FAN_FP_CNT_NR] = {
	[FAN_FP_CNT_SEEN] = "seen",
	[FAN_FP_CNT_PASSED] = "passed",
	[FAN_FP_CNT_DROPPED] = "dropped",
	[FAN_FP_CNT_DENIED] = "denied",
	[FAN_FP_CNT_ERRORS] = "errors",
	[FAN_FP_CNT_TAGS] = "tags",
	[FAN_FP_CNT_ROOTS] = "roots",
	[FAN_FP_CNT_CACHE_ENTRIES] = "cache_entries",
	[FAN_FP_CNT_CACHE_MAX] = "cache_max",
	[FAN_FP_CNT_CACHE_HITS] = "cache_hits",
	[FAN_FP_CNT_CACHE_WALKS] = "cache_walks",
	[FAN_FP_CNT_CACHE_EVICTED] = "cache_evicted",
	[FAN_FP_CNT_CACHE_INVALIDATIONS] = "cache_invalidations",
	[FAN_FP_CNT_CACHE_UNSURE] = "cache_unsure",
};

/**
 * fp_query() - describe the attachment of @group
 * @group: a fanotify group the caller keeps alive
 * @id: the attachment's id, or 0 for whatever is attached
 * @q: filled in (name, flags, id, counters)
 *
 * Return: 0 or -ENOENT when nothing (or not @id) is attached.
 */
int fp_query(struct fsnotify_group *group, u64 id, struct fp_query *q)
{
	struct fp_ancestry_info ai;
	struct fp_attachment *at;
	u64 sum[FP_NR_STATS];
	u64 *c = q->counters;

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group, id);
	if (!at) {
		mutex_unlock(&fp_mutex);
		return -ENOENT;
	}
	strscpy(q->name, at->hook.ops->name, sizeof(q->name));
	q->attach_flags = at->hook.attach_flags;
	q->handler_flags = at->hook.ops->flags;
	q->is_bpf = at->handler->is_bpf;
	q->id = at->id;
	c[FAN_FP_CNT_TAGS] = fp_tag_count(&at->tags);
	fp_ancestry_info(at->anc, &ai);
	fp_stats_sum(at, sum);
	mutex_unlock(&fp_mutex);

	c[FAN_FP_CNT_SEEN] = sum[FP_STAT_SEEN];
	c[FAN_FP_CNT_PASSED] = sum[FP_STAT_PASSED];
	c[FAN_FP_CNT_DROPPED] = sum[FP_STAT_DROPPED];
	c[FAN_FP_CNT_DENIED] = sum[FP_STAT_DENIED];
	c[FAN_FP_CNT_ERRORS] = sum[FP_STAT_ERRORS];
	c[FAN_FP_CNT_ROOTS] = ai.roots;
	c[FAN_FP_CNT_CACHE_ENTRIES] = ai.entries;
	c[FAN_FP_CNT_CACHE_MAX] = ai.max;
	c[FAN_FP_CNT_CACHE_HITS] = sum[FP_STAT_ANC_HITS];
	c[FAN_FP_CNT_CACHE_WALKS] = sum[FP_STAT_ANC_WALKS];
	c[FAN_FP_CNT_CACHE_EVICTED] = ai.evicted;
	c[FAN_FP_CNT_CACHE_INVALIDATIONS] = ai.invalidations;
	c[FAN_FP_CNT_CACHE_UNSURE] = sum[FP_STAT_ANC_UNSURE];
	return 0;
}

/**
 * fp_roots() - take the roots of the attachment of @group
 * @group: a fanotify group the caller keeps alive
 * @id: the attachment's id, or 0 for whatever is attached
 * @refs: room for %FAN_FP_ROOTS_MAX roots; the caller releases what it got
 *	with fp_ancestry_roots_put()
 *
 * Return: the number of roots, or -ENOENT when nothing (or not @id) is attached.
 */
int fp_roots(struct fsnotify_group *group, u64 id, struct fp_root_ref *refs)
{
	struct fp_attachment *at;
	int ret = -ENOENT;

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group, id);
	if (at)
		ret = fp_ancestry_roots(at->anc, refs, FAN_FP_ROOTS_MAX);
	mutex_unlock(&fp_mutex);
	return ret;
}

/**
 * fp_tag() - set an inode tag of the attachment of @group
 * @group: a fanotify group the caller keeps alive
 * @id: the attachment's id, or 0 for whatever is attached
 * @inode: an inode the caller holds
 * @value: the tag, not 0
 *
 * Return: 0, -ENOENT when nothing is attached, or fanotify_fastpath_tag_set()'s error.
 */
int fp_tag(struct fsnotify_group *group, u64 id, struct inode *inode, u64 value)
{
	struct fp_attachment *at;
	int ret = -ENOENT;

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group, id);
	if (at)
		ret = fanotify_fastpath_tag_set(&at->hook, inode, value);
	mutex_unlock(&fp_mutex);
	return ret;
}

/**
 * fp_root() - add or remove a subtree root of the attachment of @group
 * @group: a fanotify group the caller keeps alive
 * @id: the attachment's id, or 0 for whatever is attached
 * @path: the root directory, held by the caller
 * @flags: FAN_FP_ROOT_* flags
 *
 * Return: 0, -ENOENT when nothing (or not @id) is attached (or, with FAN_FP_ROOT_REMOVE,
 * when @path is not a root), or the error of
 * fanotify_fastpath_subtree_add_root().
 */
int fp_root(struct fsnotify_group *group, u64 id, const struct path *path, u32 flags)
{
	struct fp_attachment *at;
	int ret = -ENOENT;

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group, id);
	if (at && (flags & FAN_FP_ROOT_REMOVE))
		ret = fanotify_fastpath_subtree_remove_root(&at->hook, path);
	else if (at)
		ret = fanotify_fastpath_subtree_add_root(&at->hook, path,
							 flags & FAN_FP_ROOT_EXCLUDE);
	mutex_unlock(&fp_mutex);
	return ret;
}
