// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath handler "subtree": pass only the events of directory trees.
 *
 * One rule: an event is delivered if and only if the directory it is reported
 * in is inside one of the roots at the time of the event. The nearest root on
 * the way up decides, so a root can include a tree or exclude a tree below an
 * included one. FAN_RENAME is delivered when its old or its new directory is
 * inside; events without a directory (*_SELF, FS_ERROR) are not delivered.
 * The decision is the core's ancestry cache (fanotify_fastpath_subtree_match()):
 * exact for trees that existed before the attach, for directories moved in or
 * out, and after inodes are evicted; a decision a concurrent rename makes
 * uncertain delivers. Mounts inside a root are not followed (like
 * is_subdir()): give a mounted filesystem's directory as a root of its own.
 *
 * Arguments, space-separated words, each at most once:
 *	root=PATH[,PATH...]	include roots
 *	exclude=PATH[,PATH...]	exclude roots
 *	cache=N			cap of cached directories (default: the core's
 *				module parameter cache_max)
 * At most FAN_FP_ROOTS_MAX roots in all; roots can also be added and removed
 * at run time with FAN_FP_IOC_SET_ROOT (fpctl root). Paths are resolved when the
 * handler attaches (following symlinks), nothing is pinned. Errors: -EINVAL
 * (syntax, an empty path, a repeated word), -ENOENT, -ENOTDIR, -ENOSPC (too
 * many roots), or the lookup's error.
 */
#include <linux/fanotify_fastpath.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>

/* Add every path of the comma-separated @list as a root with @flags. */
static int subtree_add_roots(struct fanotify_fastpath_hook *hook, char *list, u32 flags)
{
	struct path path;
	char *p;
	int ret;

	while ((p = strsep(&list, ","))) {
		if (!*p)
			return -EINVAL;
		ret = kern_path(p, LOOKUP_FOLLOW, &path);
		if (ret)
			return ret;
		ret = fanotify_fastpath_subtree_add_root(hook, &path, flags);
		path_put(&path);
		if (ret)
			return ret;
	}
	return 0;
}

static int subtree_init(struct fanotify_fastpath_hook *hook, const char *args)
{
	char *buf, *rest, *word, *roots = NULL, *excludes = NULL;
	bool cap_seen = false;
	unsigned int cap;
	int ret = 0;

	if (!*args)
		return 0;	/* roots come later, through FAN_FP_IOC_SET_ROOT */
	buf = kstrdup(args, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rest = buf;
	while (!ret && (word = strsep(&rest, " "))) {
		if (str_has_prefix(word, "root=") && !roots) {
			roots = word + 5;
		} else if (str_has_prefix(word, "exclude=") && !excludes) {
			excludes = word + 8;
		} else if (str_has_prefix(word, "cache=") && !cap_seen) {
			cap_seen = true;
			ret = kstrtouint(word + 6, 10, &cap);
		} else {
			ret = -EINVAL;	/* unknown, repeated or empty word */
		}
	}
	if (!ret && cap_seen)
		ret = fanotify_fastpath_subtree_set_cap(hook, cap);
	if (!ret && roots)
		ret = subtree_add_roots(hook, roots, 0);
	if (!ret && excludes)
		ret = subtree_add_roots(hook, excludes, FAN_FP_ROOT_EXCLUDE);
	kfree(buf);
	return ret;
}

static int subtree_handler(struct fsnotify_group *group,
			   struct fanotify_fastpath_hook *hook,
			   struct fanotify_fastpath_event *event)
{
	/* -EAGAIN (uncertain) delivers: uncertainty never drops. */
	return fanotify_fastpath_subtree_match(hook, event) ?
	       FAN_FP_RET_SEND_TO_USERSPACE : FAN_FP_RET_SKIP_EVENT;
}

static struct fanotify_fastpath_ops subtree_ops = {
	.fp_handler	= subtree_handler,
	.fp_init	= subtree_init,
	.name		= "subtree",
	.desc		= "pass only events in directory trees (root=DIRS exclude=DIRS cache=N)",
	.owner		= THIS_MODULE,
};

static int __init subtree_mod_init(void)
{
	return fanotify_fastpath_register(&subtree_ops);
}

static void __exit subtree_mod_exit(void)
{
	fanotify_fastpath_unregister(&subtree_ops);
}

module_init(subtree_mod_init);
module_exit(subtree_mod_exit);
MODULE_DESCRIPTION("fanotify fastpath handler: pass only events in directory trees");
MODULE_LICENSE("GPL");
MODULE_VERSION(FANOTIFY_FASTPATH_VERSION);
MODULE_ALIAS_FANOTIFY_FASTPATH("subtree");
