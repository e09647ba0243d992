// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath handler "name_filter": pass only events whose entry name
 * ends with one of a list of suffixes (e.g. the extensions a build tool or an
 * indexer cares about), drop all others in the kernel.
 *
 * The entry name is the one fanotify_fastpath_event_name() gives: the name in
 * the event's directory, or the name of the event's dentry. Matching is a
 * byte-wise, case-sensitive suffix comparison and ignores the object's type
 * (a directory "x.c" matches ".c"). A name equal to a suffix matches it.
 * Events without an entry name (*_SELF events, FAN_FS_ERROR) are dropped.
 * For a rename, FAN_MOVED_FROM carries the old name, FAN_MOVED_TO the new one
 * and FAN_RENAME the old one, so each is judged by that name.
 *
 * Arguments (required): "ext=SUFFIX[,SUFFIX...]", at most NF_MAX_SUFFIXES
 * suffixes of 1 to NF_SUFFIX_MAX - 1 bytes, without '/'. Errors fail the
 * attach: no arguments, another key, an empty suffix (",," or a trailing
 * comma) or one containing '/' give -EINVAL; a suffix that is too long
 * -ENAMETOOLONG; too many suffixes -E2BIG.
 *
 * The BPF twin is selftests/bpf/name_filter.bpf.c ("name_filter_bpf"), which
 * takes the same list from its loader (before load) instead of from fp_init.
 */
#include <linux/fanotify_fastpath.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#define NF_MAX_SUFFIXES	16
#define NF_SUFFIX_MAX	32	/* including the NUL */

/* One attachment's configuration: hook->private, read-only after fp_init. */
struct nf_config {
	unsigned int nr;
	unsigned int len[NF_MAX_SUFFIXES];
	char suffix[NF_MAX_SUFFIXES][NF_SUFFIX_MAX];
};

static int nf_parse(struct nf_config *cfg, const char *args)
{
	const char *p, *end;
	size_t len;

	if (!str_has_prefix(args, "ext="))
		return -EINVAL;
	p = args + 4;
	for (;;) {
		end = strchrnul(p, ',');
		len = end - p;
		if (!len || memchr(p, '/', len))
			return -EINVAL;
		if (len >= NF_SUFFIX_MAX)
			return -ENAMETOOLONG;
		if (cfg->nr == NF_MAX_SUFFIXES)
			return -E2BIG;
		memcpy(cfg->suffix[cfg->nr], p, len);
		cfg->len[cfg->nr++] = len;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

static int nf_init(struct fanotify_fastpath_hook *hook, const char *args)
{
	struct nf_config *cfg;
	int ret;

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	ret = nf_parse(cfg, args);
	if (ret) {
		kfree(cfg);
		return ret;
	}
	hook->private = cfg;
	return 0;
}

static void nf_free(struct fanotify_fastpath_hook *hook)
{
	kfree(hook->private);
}

static int nf_match(const struct nf_config *cfg, const char *name, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < cfg->nr; i++) {
		if (cfg->len[i] <= len &&
		    !memcmp(name + len - cfg->len[i], cfg->suffix[i], cfg->len[i]))
			return FAN_FP_RET_SEND_TO_USERSPACE;
	}
	return FAN_FP_RET_SKIP_EVENT;
}

static int nf_handler(struct fsnotify_group *group,
		      struct fanotify_fastpath_hook *hook,
		      struct fanotify_fastpath_event *event)
{
	const struct nf_config *cfg = hook->private;
	char name[NAME_MAX + 1];
	int len;

	/* The usual case: fsnotify passed the entry name; no copy needed. */
	if (event->file_name)
		return nf_match(cfg, event->file_name->name, event->file_name->len);
	/* Only a dentry: copy its name under d_lock (a rename may run). */
	len = fanotify_fastpath_event_name(event, name, sizeof(name));
	if (len < 0)
		return FAN_FP_RET_SKIP_EVENT;
	return nf_match(cfg, name, len);
}

static struct fanotify_fastpath_ops nf_ops = {
	.fp_handler	= nf_handler,
	.fp_init	= nf_init,
	.fp_free	= nf_free,
	.name		= "name_filter",
	.desc		= "pass only events whose entry name ends with a suffix (args: ext=.c,.h)",
	.owner		= THIS_MODULE,
};

static int __init nf_mod_init(void)
{
	return fanotify_fastpath_register(&nf_ops);
}

static void __exit nf_mod_exit(void)
{
	fanotify_fastpath_unregister(&nf_ops);
}

module_init(nf_mod_init);
module_exit(nf_mod_exit);
MODULE_DESCRIPTION("fanotify fastpath handler: pass only events whose name ends with a suffix");
MODULE_LICENSE("GPL");
MODULE_VERSION(FANOTIFY_FASTPATH_VERSION);
MODULE_ALIAS_FANOTIFY_FASTPATH("name_filter");
