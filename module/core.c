// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: handler registry, attach/detach, module init and exit.
 *
 * Handlers register by name, like TCP congestion control modules: the
 * registry is an RCU list whose writers hold fp_mutex; a C handler module
 * cannot unload while attached anywhere (each attachment pins its owner
 * module); a BPF handler's struct_ops map is unregistered when its link or map
 * goes away, and unregistering detaches it from every group first.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "internal.h"

/* Serializes the registry, attach/detach and group hooking (internal.h). */
DEFINE_MUTEX(fp_mutex);
LIST_HEAD(fp_handlers);
LIST_HEAD(fp_groups);

static u64 fp_next_id = 1;	/* fp_mutex */

/**
 * fp_valid_name() - is @name a valid, NUL-terminated handler name?
 * @name: the name
 * @size: size of the buffer holding it
 *
 * Return: true for 1 to FAN_FP_NAME_MAX - 1 characters of [A-Za-z0-9_-].
 */
bool fp_valid_name(const char *name, size_t size)
{
	size_t i, len = strnlen(name, min_t(size_t, size, FAN_FP_NAME_MAX));

	if (!len || len >= FAN_FP_NAME_MAX || len >= size)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

/**
 * fp_find_handler() - look a live handler up by name
 * @name: the name
 *
 * Context: fp_mutex held, or rcu_read_lock() held (then only the handler's
 * name may be read).
 * Return: the handler, or NULL.
 */
struct fp_handler *fp_find_handler(const char *name)
{
	struct fp_handler *h;

	list_for_each_entry_rcu(h, &fp_handlers, list,
				lockdep_is_held(&fp_mutex)) {
		if (!strcmp(h->ops->name, name) && !READ_ONCE(h->dying))
			return h;
	}
	return NULL;
}

/* Same, including handlers that are being unregistered. */
static struct fp_handler *fp_find_any(const char *name)
{
	struct fp_handler *h;

	lockdep_assert_held(&fp_mutex);
	list_for_each_entry(h, &fp_handlers, list)
		if (!strcmp(h->ops->name, name))
			return h;
	return NULL;
}

/**
 * fp_register() - add a handler to the registry
 * @ops: the handler; must stay valid until fp_unregister(@ops) returns
 * @is_bpf: @ops is the kernel copy of a BPF struct_ops map
 *
 * Return: 0, -EINVAL for an invalid @ops, -EEXIST if the name is taken,
 * -ENOMEM.
 */
int fp_register(struct fanotify_fastpath_ops *ops, bool is_bpf)
{
	struct fp_handler *h;
	int ret;

	if (!ops->fp_handler || !fp_valid_name(ops->name, sizeof(ops->name)) ||
	    strnlen(ops->desc, sizeof(ops->desc)) == sizeof(ops->desc) ||
	    (ops->flags & ~FAN_FP_F_ALL))
		return -EINVAL;

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	h->ops = ops;
	h->is_bpf = is_bpf;
	/* A BPF map's copy holds the BPF_MODULE_OWNER marker there, not a module. */
	h->owner = is_bpf ? NULL : ops->owner;
	INIT_LIST_HEAD(&h->attachments);

	mutex_lock(&fp_mutex);
	if (fp_find_any(ops->name)) {
		mutex_unlock(&fp_mutex);
		kfree(h);
		return -EEXIST;
	}
	ret = fp_sysfs_add_handler(h);	/* on error the kobject release frees h */
	if (!ret)
		list_add_tail_rcu(&h->list, &fp_handlers);
	mutex_unlock(&fp_mutex);
	if (!ret)
		pr_debug("registered handler %s\n", ops->name);
	return ret;
}

/* Unpublish @at from its group and unlink it. Caller frees it after a grace period. */
static void fp_unpublish(struct fp_attachment *at)
{
	lockdep_assert_held(&fp_mutex);
	RCU_INIT_POINTER(at->fg->attachment, NULL);
	list_del(&at->handler_node);
}

/**
 * fp_unregister() - remove a handler, detaching it from every group
 * @ops: a handler registered with fp_register()
 *
 * Groups it was attached to keep working without a handler: their events are
 * delivered unfiltered. Returns after no event path uses @ops any more and
 * every fp_free has returned.
 *
 * Context: process context, may sleep.
 */
void fp_unregister(struct fanotify_fastpath_ops *ops)
{
	struct fp_attachment *at, *tmp;
	struct fp_handler *h;
	LIST_HEAD(doomed);

	mutex_lock(&fp_mutex);
	h = fp_find_any(ops->name);
	if (WARN_ON(!h || h->ops != ops || h->dying)) {
		mutex_unlock(&fp_mutex);
		return;
	}
	WRITE_ONCE(h->dying, true);
	list_for_each_entry_safe(at, tmp, &h->attachments, handler_node) {
		fp_unpublish(at);
		list_add(&at->handler_node, &doomed);
	}
	mutex_unlock(&fp_mutex);

	synchronize_rcu();
	list_for_each_entry_safe(at, tmp, &doomed, handler_node)
		fp_attachment_free(at);
	/* Detaches that were already past their unpublish step. */
	wait_var_event(&h->users, !atomic_read(&h->users));

	fp_sysfs_del_handler(h);
	mutex_lock(&fp_mutex);
	list_del_rcu(&h->list);
	mutex_unlock(&fp_mutex);
	synchronize_rcu();
	pr_debug("unregistered handler %s\n", ops->name);
	fp_sysfs_put_handler(h);
}

/**
 * fanotify_fastpath_register() - register a C fastpath handler
 * @ops: the handler, usually static in the calling module, with @ops->owner
 *	set to THIS_MODULE; fp_handler is required
 *
 * Call from module_init. The name must be unique and made of [A-Za-z0-9_-].
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -EINVAL for a malformed @ops, -EEXIST if a handler of
 * that name is registered, -ENOMEM.
 */
int fanotify_fastpath_register(struct fanotify_fastpath_ops *ops)
{
	return fp_register(ops, false);
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_register);

/**
 * fanotify_fastpath_unregister() - unregister a C fastpath handler
 * @ops: a handler registered with fanotify_fastpath_register()
 *
 * Call from module_exit. While the handler is attached its module cannot be
 * unloaded, so normally nothing is attached any more; if something is (a
 * forced unload), it is detached from every group first.
 *
 * Context: process context, may sleep.
 */
void fanotify_fastpath_unregister(struct fanotify_fastpath_ops *ops)
{
	fp_unregister(ops);
}
EXPORT_SYMBOL_GPL(fanotify_fastpath_unregister);

/**
 * fp_stats_sum() - add up an attachment's per-CPU counters
 * @at: the attachment
 * @out: FP_NR_STATS counters
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
}

/* Look @name up, asking modprobe for "fanotify-fastpath-<name>" on a miss. */
static void fp_autoload(const char *name)
{
	bool found;

	rcu_read_lock();
	found = fp_find_handler(name);
	rcu_read_unlock();
	if (!found && capable(CAP_SYS_ADMIN))
		request_module("fanotify-fastpath-%s", name);
}

/**
 * fp_attach() - attach handler @name to @group
 * @group: a fanotify group the caller keeps alive (holds its file)
 * @name: a valid handler name
 * @args: NUL-terminated argument string for fp_init
 * @flags: FAN_FP_ATTACH_* flags
 *
 * Context: process context, fp_mutex not held.
 * Return: 0; -ENOENT (no such handler), -EPERM (handler needs CAP_SYS_ADMIN),
 * -EBUSY (the group has a handler and no FAN_FP_ATTACH_REPLACE), -ENOMEM,
 * or fp_init's error.
 */
int fp_attach(struct fsnotify_group *group, const char *name, const char *args,
	      u32 flags)
{
	struct fp_attachment *at, *old = NULL;
	struct fp_handler *h;
	struct fp_group *fg;
	int ret;

	fp_autoload(name);

	mutex_lock(&fp_mutex);
	h = fp_find_handler(name);
	ret = -ENOENT;
	if (!h)
		goto out_unlock;
	ret = -EPERM;
	if ((h->ops->flags & FAN_FP_F_SYS_ADMIN_ONLY) && !capable(CAP_SYS_ADMIN))
		goto out_unlock;
	fg = fp_group_lookup(group);
	ret = -EBUSY;
	if (fg && rcu_access_pointer(fg->attachment) &&
	    !(flags & FAN_FP_ATTACH_REPLACE))
		goto out_unlock;
	ret = -ENOENT;
	if (!try_module_get(h->owner))
		goto out_unlock;

	ret = -ENOMEM;
	at = kzalloc(sizeof(*at), GFP_KERNEL);
	if (!at)
		goto out_put;
	at->stats = alloc_percpu(struct fp_stats);
	if (!at->stats)
		goto out_free_at;
	at->hook.ops = h->ops;
	at->hook.group = group;
	at->hook.attach_flags = flags;
	at->handler = h;
	fp_tag_store_init(&at->tags);
	atomic_inc(&h->users);

	if (h->ops->fp_init) {
		ret = h->ops->fp_init(&at->hook, args);
		if (ret) {
			if (ret > 0 || ret < -MAX_ERRNO)
				ret = -EINVAL;
			atomic_dec(&h->users);
			fp_tag_store_destroy(&at->tags);
			goto out_free_stats;
		}
	}

	fg = fp_group_hook(group);
	if (IS_ERR(fg)) {
		/* Undo fp_init, the users count and the owner reference. */
		fp_attachment_free(at);
		mutex_unlock(&fp_mutex);
		return PTR_ERR(fg);
	}
	at->fg = fg;
	at->id = fp_next_id++;
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

out_free_stats:
	free_percpu(at->stats);
out_free_at:
	kfree(at);
out_put:
	module_put(h->owner);
out_unlock:
	mutex_unlock(&fp_mutex);
	return ret;
}

/* The attachment of a live group, or NULL. Context: fp_mutex held. */
static struct fp_attachment *fp_group_attachment(struct fsnotify_group *group)
{
	struct fp_group *fg = fp_group_lookup(group);

	return fg ? rcu_dereference_protected(fg->attachment,
					      lockdep_is_held(&fp_mutex)) : NULL;
}

/**
 * fp_detach() - detach the handler of @group
 * @group: a fanotify group the caller keeps alive
 *
 * The group keeps its hook (with no handler) until it dies.
 *
 * Context: process context, fp_mutex not held.
 * Return: 0 or -ENOENT when nothing is attached.
 */
int fp_detach(struct fsnotify_group *group)
{
	struct fp_attachment *at;

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group);
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
 * fp_query() - describe the attachment of @group
 * @group: a fanotify group the caller keeps alive
 * @info: filled in (name, flags, counters)
 *
 * Return: 0 or -ENOENT when nothing is attached.
 */
int fp_query(struct fsnotify_group *group, struct fanotify_fastpath_info *info)
{
	struct fp_attachment *at;
	u64 sum[FP_NR_STATS];

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group);
	if (!at) {
		mutex_unlock(&fp_mutex);
		return -ENOENT;
	}
	strscpy(info->name, at->hook.ops->name, sizeof(info->name));
	info->attach_flags = at->hook.attach_flags;
	info->handler_flags = at->hook.ops->flags;
	info->is_bpf = at->handler->is_bpf;
	info->id = at->id;
	info->tags = fp_tag_count(&at->tags);
	fp_stats_sum(at, sum);
	mutex_unlock(&fp_mutex);

	info->seen = sum[FP_STAT_SEEN];
	info->passed = sum[FP_STAT_PASSED];
	info->dropped = sum[FP_STAT_DROPPED];
	info->denied = sum[FP_STAT_DENIED];
	info->errors = sum[FP_STAT_ERRORS];
	return 0;
}

/**
 * fp_tag() - set an inode tag of the attachment of @group
 * @group: a fanotify group the caller keeps alive
 * @inode: an inode the caller holds
 * @value: the tag, not 0
 *
 * Return: 0, -ENOENT when nothing is attached, or fanotify_fastpath_tag_set()'s error.
 */
int fp_tag(struct fsnotify_group *group, struct inode *inode, u64 value)
{
	struct fp_attachment *at;
	int ret = -ENOENT;

	mutex_lock(&fp_mutex);
	at = fp_group_attachment(group);
	if (at)
		ret = fanotify_fastpath_tag_set(&at->hook, inode, value);
	mutex_unlock(&fp_mutex);
	return ret;
}

static int __init fp_init(void)
{
	int ret;

	ret = fp_tags_init();
	if (ret)
		return ret;
	ret = fp_sysfs_init();
	if (ret)
		goto err_tags;
	ret = fp_ctl_init();
	if (ret)
		goto err_sysfs;
	ret = fp_bpf_init_module();
	if (ret) {
		pr_err("cannot register the BPF struct_ops type (module BTF missing?): %d\n", ret);
		goto err_ctl;
	}
	return 0;

err_ctl:
	fp_ctl_exit();
err_sysfs:
	fp_sysfs_exit();
err_tags:
	fp_tags_exit();
	return ret;
}

static void __exit fp_exit(void)
{
	fp_ctl_exit();
	/*
	 * Handler modules depend on us, BPF struct_ops maps and hooked groups
	 * hold module references: nothing is registered or hooked here unless
	 * the unload was forced, which cannot be made safe.
	 */
	WARN_ON(!list_empty(&fp_handlers) || !list_empty(&fp_groups));
	fp_sysfs_exit();
	fp_tags_exit();
	/* Let the last instructions of fp_free_group_priv() finish. */
	synchronize_rcu_tasks();
}

module_init(fp_init);
module_exit(fp_exit);

MODULE_DESCRIPTION("fanotify fastpath: in-kernel event filters for fanotify groups");
MODULE_AUTHOR("fanotify fastpath developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(FANOTIFY_FASTPATH_VERSION);
