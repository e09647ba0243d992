// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath handler "uid_filter": judge events by who caused them.
 * "uid=LIST" passes only events caused by tasks whose real uid is in LIST
 * (e.g. watch one user's changes); "not_uid=LIST" drops those events and
 * passes all others (e.g. ignore a backup daemon, or the watcher's own
 * writes, which would otherwise feed back into it).
 *
 * The uid is the real uid of the task in whose context fsnotify runs, which
 * is the task doing the file operation, as seen in the initial user
 * namespace; events the kernel raises itself (nfsd, FS_ERROR) count as uid 0.
 *
 * Arguments (required): "uid=UID[,UID...]" or "not_uid=UID[,UID...]", at
 * most UF_MAX_UIDS decimal uids, each below 4294967295 (-1 is no uid). Errors
 * fail the attach: no arguments, another key, an empty element, a character
 * that is not a digit give -EINVAL; a number out of range -ERANGE; too many
 * uids -E2BIG.
 *
 * The BPF twin is selftests/bpf/uid_filter.bpf.c ("uid_filter_bpf"), which
 * gets the same list from its loader through a map and the uid through the
 * bpf_fanotify_fastpath_current_uid() kfunc.
 */
#include <linux/cred.h>
#include <linux/fanotify_fastpath.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#define UF_MAX_UIDS	16

/* One attachment's configuration: hook->private, read-only after fp_init. */
struct uf_config {
	bool exclude;
	unsigned int nr;
	u32 uid[UF_MAX_UIDS];
};

static int uf_parse(struct uf_config *cfg, const char *args)
{
	char num[12];
	const char *p, *end;
	size_t len;
	u32 uid;
	int ret;

	if (str_has_prefix(args, "uid=")) {
		p = args + 4;
	} else if (str_has_prefix(args, "not_uid=")) {
		cfg->exclude = true;
		p = args + 8;
	} else {
		return -EINVAL;
	}
	for (;;) {
		end = strchrnul(p, ',');
		len = end - p;
		if (!len || len >= sizeof(num))
			return len ? -ERANGE : -EINVAL;
		memcpy(num, p, len);
		num[len] = 0;
		if (strspn(num, "0123456789") != len)
			return -EINVAL;
		ret = kstrtou32(num, 10, &uid);
		if (ret)
			return ret;
		if (uid == (u32)-1)
			return -ERANGE;
		if (cfg->nr == UF_MAX_UIDS)
			return -E2BIG;
		cfg->uid[cfg->nr++] = uid;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

static int uf_init(struct fanotify_fastpath_hook *hook, const char *args)
{
	struct uf_config *cfg;
	int ret;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = uf_parse(cfg, args);
	if (ret) {
		kfree(cfg);
		return ret;
	}
	hook->private = cfg;
	return 0;
}

static void uf_free(struct fanotify_fastpath_hook *hook)
{
	kfree(hook->private);
}

static int uf_handler(struct fsnotify_group *group,
		      struct fanotify_fastpath_hook *hook,
		      struct fanotify_fastpath_event *event)
{
	const struct uf_config *cfg = hook->private;
	u32 uid = from_kuid(&init_user_ns, current_uid());
	bool listed = false;
	unsigned int i;

	for (i = 0; i < cfg->nr && !listed; i++)
		listed = cfg->uid[i] == uid;
	return listed != cfg->exclude ? FAN_FP_RET_SEND_TO_USERSPACE : FAN_FP_RET_SKIP_EVENT;
}

static struct fanotify_fastpath_ops uf_ops = {
	.fp_handler	= uf_handler,
	.fp_init	= uf_init,
	.fp_free	= uf_free,
	.name		= "uid_filter",
	.desc		= "pass (uid=LIST) or drop (not_uid=LIST) events by the acting task's uid",
	.owner		= THIS_MODULE,
};

static int __init uf_mod_init(void)
{
	return fanotify_fastpath_register(&uf_ops);
}

static void __exit uf_mod_exit(void)
{
	fanotify_fastpath_unregister(&uf_ops);
}

module_init(uf_mod_init);
module_exit(uf_mod_exit);
MODULE_DESCRIPTION("fanotify fastpath handler: filter events by the uid of the task causing them");
MODULE_LICENSE("GPL");
MODULE_VERSION(FANOTIFY_FASTPATH_VERSION);
MODULE_ALIAS_FANOTIFY_FASTPATH("uid_filter");
