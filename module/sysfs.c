// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: sysfs.
 *
 * /sys/kernel/fanotify_fastpath/
 *	available		registered handler names, space-separated (like
 *				net.ipv4.tcp_available_congestion_control)
 *	features		what this kernel lets the core offer, space-separated
 *				(compat.h): "bpf" BPF handlers (struct_ops, 6.9+)
 *	attachments		one line per attachment:
 *				id handler attach_flags seen passed dropped denied errors
 *	handlers/<name>/	one directory per handler:
 *		description, flags, type (c or bpf), module, attachments (how
 *		many groups it is attached to), seen, passed, dropped, denied,
 *		errors (totals over its current and ended attachments)
 *
 * Owns these files and the kobjects behind them. A handler directory is a
 * struct fp_sysfs_handler, created and removed when the registry announces
 * the handler on fp_registry_notifier (FP_HANDLER_ADDED under fp_mutex,
 * FP_HANDLER_REMOVED without it, before the handler is freed): kobject_del()
 * waits for running show() calls, so no show() sees a freed handler. Show
 * functions take fp_mutex and call down into attach.c for the counters.
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "compat.h"
#include "internal.h"

static struct kobject *fp_kobj;
static struct kobject *fp_handlers_kobj;

/* handlers/<name>: lives until its kobject's last reference (release). */
struct fp_sysfs_handler {
	struct kobject kobj;
	struct fp_handler *h;	/* valid until kobject_del() returns */
};

static struct fp_handler *to_handler(struct kobject *kobj)
{
	return container_of(kobj, struct fp_sysfs_handler, kobj)->h;
}

static ssize_t description_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	return sysfs_emit(buf, "%s\n", to_handler(kobj)->ops->desc);
}

static ssize_t flags_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "0x%x\n", to_handler(kobj)->ops->flags);
}

static ssize_t type_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", to_handler(kobj)->is_bpf ? "bpf" : "c");
}

static ssize_t module_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct module *owner = to_handler(kobj)->owner;

	return sysfs_emit(buf, "%s\n", owner ? module_name(owner) : "-");
}

static ssize_t attachments_show(struct kobject *kobj, struct kobj_attribute *attr,
				char *buf)
{
	struct fp_handler *h = to_handler(kobj);
	struct fp_attachment *at;
	unsigned int n = 0;

	mutex_lock(&fp_mutex);
	list_for_each_entry(at, &h->attachments, handler_node)
		n++;
	mutex_unlock(&fp_mutex);
	return sysfs_emit(buf, "%u\n", n);
}

/* Totals of one counter over a handler's ended and current attachments. */
static ssize_t fp_stat_show(struct kobject *kobj, enum fp_stat stat, char *buf)
{
	struct fp_handler *h = to_handler(kobj);
	struct fp_attachment *at;
	u64 sum[FP_NR_STATS], total;

	mutex_lock(&fp_mutex);
	total = atomic64_read(&h->ended[stat]);
	list_for_each_entry(at, &h->attachments, handler_node) {
		fp_stats_sum(at, sum);
		total += sum[stat];
	}
	mutex_unlock(&fp_mutex);
	return sysfs_emit(buf, "%llu\n", total);
}

#define FP_STAT_ATTR(name, stat)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return fp_stat_show(kobj, stat, buf);				\
}									\
static struct kobj_attribute name##_attr = __ATTR_RO(name)

FP_STAT_ATTR(seen, FP_STAT_SEEN);
FP_STAT_ATTR(passed, FP_STAT_PASSED);
FP_STAT_ATTR(dropped, FP_STAT_DROPPED);
FP_STAT_ATTR(denied, FP_STAT_DENIED);
FP_STAT_ATTR(errors, FP_STAT_ERRORS);

static struct kobj_attribute description_attr = __ATTR_RO(description);
static struct kobj_attribute flags_attr = __ATTR_RO(flags);
static struct kobj_attribute type_attr = __ATTR_RO(type);
static struct kobj_attribute module_attr = __ATTR_RO(module);
static struct kobj_attribute attachments_attr = __ATTR_RO(attachments);

static struct attribute *fp_handler_attrs[] = {
	&description_attr.attr,
	&flags_attr.attr,
	&type_attr.attr,
	&module_attr.attr,
	&attachments_attr.attr,
	&seen_attr.attr,
	&passed_attr.attr,
	&dropped_attr.attr,
	&denied_attr.attr,
	&errors_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fp_handler);

static void fp_handler_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct fp_sysfs_handler, kobj));
}

static const struct kobj_type fp_handler_ktype = {
	.release	= fp_handler_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= fp_handler_groups,
};

/* handlers/<name> for a new handler. Context: fp_mutex held. */
static int fp_sysfs_add_handler(struct fp_handler *h)
{
	struct fp_sysfs_handler *sh = kzalloc(sizeof(*sh), GFP_KERNEL);
	int ret;

	if (!sh)
		return -ENOMEM;
	sh->h = h;
	ret = kobject_init_and_add(&sh->kobj, &fp_handler_ktype, fp_handlers_kobj,
				   "%s", h->ops->name);
	if (ret) {
		kobject_put(&sh->kobj);
		return ret;
	}
	h->sysfs = sh;
	return 0;
}

/* Remove handlers/<name>; waits for running reads. Context: fp_mutex NOT held. */
static void fp_sysfs_del_handler(struct fp_handler *h)
{
	struct fp_sysfs_handler *sh = h->sysfs;

	kobject_del(&sh->kobj);
	kobject_put(&sh->kobj);
}

static int fp_sysfs_registry_event(struct notifier_block *nb, unsigned long event,
				   void *data)
{
	struct fp_handler *h = data;

	switch (event) {
	case FP_HANDLER_ADDED:
		return notifier_from_errno(fp_sysfs_add_handler(h));
	case FP_HANDLER_REMOVED:
		fp_sysfs_del_handler(h);
		return NOTIFY_OK;
	}
	return NOTIFY_DONE;
}

static struct notifier_block fp_sysfs_nb = {
	.notifier_call = fp_sysfs_registry_event,
};

static ssize_t available_show(struct kobject *kobj, struct kobj_attribute *attr,
			      char *buf)
{
	struct fp_handler *h;
	int len = 0;

	mutex_lock(&fp_mutex);
	list_for_each_entry(h, &fp_handlers, list) {
		if (h->dying)
			continue;
		len += sysfs_emit_at(buf, len, "%s%s", len ? " " : "", h->ops->name);
	}
	mutex_unlock(&fp_mutex);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static ssize_t fp_attachments_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	struct fp_handler *h;
	struct fp_attachment *at;
	u64 s[FP_NR_STATS];
	int len = 0;

	mutex_lock(&fp_mutex);
	list_for_each_entry(h, &fp_handlers, list) {
		list_for_each_entry(at, &h->attachments, handler_node) {
			fp_stats_sum(at, s);
			len += sysfs_emit_at(buf, len, "%llu %s 0x%x %llu %llu %llu %llu %llu\n",
					     at->id, h->ops->name, at->hook.attach_flags,
					     s[FP_STAT_SEEN], s[FP_STAT_PASSED],
					     s[FP_STAT_DROPPED], s[FP_STAT_DENIED],
					     s[FP_STAT_ERRORS]);
		}
	}
	mutex_unlock(&fp_mutex);
	return len;
}

static ssize_t features_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	const char *f = FP_FEATURES;

	return sysfs_emit(buf, "%s\n", f[0] == ' ' ? f + 1 : f);
}

/* The names of the counters FAN_FP_IOC_QUERY2 returns, in their order. */
static ssize_t counters_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	int i, len = 0;

	for (i = 0; i < FAN_FP_CNT_NR; i++)
		len += sysfs_emit_at(buf, len, "%s%s", i ? " " : "", fp_counter_names[i]);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static struct kobj_attribute available_attr = __ATTR_RO(available);
static struct kobj_attribute features_attr = __ATTR_RO(features);
static struct kobj_attribute counters_attr = __ATTR_RO(counters);
static struct kobj_attribute fp_attachments_attr =
	__ATTR(attachments, 0444, fp_attachments_show, NULL);

static struct attribute *fp_top_attrs[] = {
	&available_attr.attr,
	&features_attr.attr,
	&counters_attr.attr,
	&fp_attachments_attr.attr,
	NULL,
};

static const struct attribute_group fp_top_group = {
	.attrs = fp_top_attrs,
};

int fp_sysfs_init(void)
{
	int ret;

	fp_kobj = kobject_create_and_add("fanotify_fastpath", kernel_kobj);
	if (!fp_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(fp_kobj, &fp_top_group);
	if (ret)
		goto err;
	fp_handlers_kobj = kobject_create_and_add("handlers", fp_kobj);
	if (!fp_handlers_kobj) {
		ret = -ENOMEM;
		goto err;
	}
	return blocking_notifier_chain_register(&fp_registry_notifier, &fp_sysfs_nb);
err:
	kobject_put(fp_kobj);
	return ret;
}

void fp_sysfs_exit(void)
{
	blocking_notifier_chain_unregister(&fp_registry_notifier, &fp_sysfs_nb);
	kobject_put(fp_handlers_kobj);
	kobject_put(fp_kobj);
}
