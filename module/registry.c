// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: the handler registry.
 *
 * Owns fp_handlers, fp_mutex and struct fp_handler: register, unregister,
 * lookup by name and module autoload, like TCP congestion control modules.
 * The list is RCU-readable; writers hold fp_mutex. A C handler module cannot
 * unload while anyone holds it (fp_handler_get() pins its owner module); a BPF
 * handler's struct_ops map is unregistered when its link or map goes away,
 * and unregistering ends every attachment of the handler first (attach.c).
 * sysfs learns of handlers through fp_registry_notifier.
 *
 * Locks: fp_mutex (taken here, see internal.h); RCU for lookups.
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait_bit.h>

#include "internal.h"

/* Serializes the registry, attachments and group hooking (internal.h). */
DEFINE_MUTEX(fp_mutex);
LIST_HEAD(fp_handlers);
BLOCKING_NOTIFIER_HEAD(fp_registry_notifier);

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

/* A live handler by name. Context: fp_mutex or rcu_read_lock() held. */
static struct fp_handler *fp_find_handler(const char *name)
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
	ret = -EEXIST;
	if (fp_find_any(ops->name))
		goto out_unlock;
	ret = notifier_to_errno(blocking_notifier_call_chain(&fp_registry_notifier,
							     FP_HANDLER_ADDED, h));
	if (ret)
		goto out_unlock;
	list_add_tail_rcu(&h->list, &fp_handlers);
	mutex_unlock(&fp_mutex);
	pr_debug("registered handler %s\n", ops->name);
	return 0;

out_unlock:
	mutex_unlock(&fp_mutex);
	kfree(h);
	return ret;
}

/**
 * fp_unregister() - remove a handler, ending every attachment of it
 * @ops: a handler registered with fp_register()
 *
 * Groups it was attached to keep working without a handler: their events are
 * delivered unfiltered. Returns after no event path uses @ops any more and
 * every fp_free has returned.
 *
 * Context: process context, may sleep; fp_mutex not held.
 */
void fp_unregister(struct fanotify_fastpath_ops *ops)
{
	struct fp_handler *h;

	mutex_lock(&fp_mutex);
	h = fp_find_any(ops->name);
	if (WARN_ON(!h || h->ops != ops || h->dying)) {
		mutex_unlock(&fp_mutex);
		return;
	}
	WRITE_ONCE(h->dying, true);
	mutex_unlock(&fp_mutex);

	fp_attachments_end_handler(h);
	/* Attaches in progress and attachments ended by their group's death. */
	wait_var_event(&h->users, !atomic_read(&h->users));

	blocking_notifier_call_chain(&fp_registry_notifier, FP_HANDLER_REMOVED, h);
	mutex_lock(&fp_mutex);
	list_del_rcu(&h->list);
	mutex_unlock(&fp_mutex);
	synchronize_rcu();
	pr_debug("unregistered handler %s\n", ops->name);
	kfree(h);
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
 * fp_handler_get() - find handler @name and hold it for an attach
 * @name: a valid handler name
 *
 * On a miss, a caller with CAP_SYS_ADMIN makes modprobe load the module
 * aliased "fanotify-fastpath-<name>" first.
 *
 * Context: process context, fp_mutex not held.
 * Return: the handler with one @users count and its owner module pinned
 * (release both with fp_handler_put() unless an attachment takes them over),
 * ERR_PTR(-ENOENT) when there is no such handler, ERR_PTR(-EPERM) when it
 * needs CAP_SYS_ADMIN and the caller lacks it.
 */
struct fp_handler *fp_handler_get(const char *name)
{
	struct fp_handler *h;
	bool found;

	rcu_read_lock();
	found = fp_find_handler(name);
	rcu_read_unlock();
	if (!found && capable(CAP_SYS_ADMIN))
		request_module("fanotify-fastpath-%s", name);

	mutex_lock(&fp_mutex);
	h = fp_find_handler(name);
	if (!h)
		h = ERR_PTR(-ENOENT);
	else if ((h->ops->flags & FAN_FP_F_SYS_ADMIN_ONLY) && !capable(CAP_SYS_ADMIN))
		h = ERR_PTR(-EPERM);
	else if (!try_module_get(h->owner))
		h = ERR_PTR(-ENOENT);
	else
		atomic_inc(&h->users);
	mutex_unlock(&fp_mutex);
	return h;
}
