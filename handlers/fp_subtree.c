// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath handler "subtree": pass only events in a directory tree.
 *
 * The semantics of the seed's BPF program, in C: the root directory is tagged;
 * a directory created in a tagged directory is tagged; an event whose
 * directory (fanotify_fastpath_event_dir()) is not tagged is dropped. Tags are
 * the attachment's inode tags: they do not pin inodes and die with them.
 *
 * Known limits (those of the seed): a directory moved into the tree from
 * outside is not tagged, one moved out keeps its tag; a tagged directory that
 * is evicted from the inode cache loses its tag (its events are then dropped);
 * mounts inside the tree are not followed. An event is judged by the directory
 * it is reported in, so the root's own events (reported in its untagged parent)
 * and *_SELF events (no directory) are dropped; through a hard link, the name in
 * the tree counts, not the inode. selftests/bpf/compare_test.c pins all of this
 * down, identically for this module and the BPF twin.
 *
 * Arguments: "root=PATH" tags PATH (a directory) at attach time. Without
 * arguments nothing is tagged until userspace tags a root with
 * FAN_FP_IOC_TAG. Anything else fails the attach with -EINVAL; a PATH that
 * does not exist with -ENOENT, one that is not a directory with -ENOTDIR.
 */
#include <linux/fanotify_fastpath.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/string.h>

#define SUBTREE_TAG	1

static int subtree_init(struct fanotify_fastpath_hook *hook, const char *args)
{
	struct path path;
	int ret;

	if (!*args)
		return 0;
	if (!str_has_prefix(args, "root=") || !args[5] || strchr(args, ' '))
		return -EINVAL;
	ret = kern_path(args + 5, LOOKUP_FOLLOW, &path);
	if (ret)
		return ret;
	if (d_is_dir(path.dentry))
		ret = fanotify_fastpath_tag_set(hook, d_inode(path.dentry), SUBTREE_TAG);
	else
		ret = -ENOTDIR;
	path_put(&path);
	return ret;
}

static int subtree_handler(struct fsnotify_group *group,
			   struct fanotify_fastpath_hook *hook,
			   struct fanotify_fastpath_event *event)
{
	struct inode *dir = fanotify_fastpath_event_dir(event);

	if (!fanotify_fastpath_tag_get(hook, dir))
		return FAN_FP_RET_SKIP_EVENT;

	/* Propagate the tag to a directory created in the tree. */
	if (event->mask == (FS_CREATE | FS_ISDIR) &&
	    event->data_type == FSNOTIFY_EVENT_DENTRY)
		fanotify_fastpath_tag_set(hook, fsnotify_data_inode(event->data,
								    event->data_type),
					  SUBTREE_TAG);
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

static struct fanotify_fastpath_ops subtree_ops = {
	.fp_handler	= subtree_handler,
	.fp_init	= subtree_init,
	.name		= "subtree",
	.desc		= "pass only events in a directory tree (args: root=PATH)",
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
MODULE_DESCRIPTION("fanotify fastpath handler: pass only events in a directory tree");
MODULE_LICENSE("GPL");
MODULE_VERSION(FANOTIFY_FASTPATH_VERSION);
MODULE_ALIAS_FANOTIFY_FASTPATH("subtree");
