// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest module providing handler "fptest_auto", found only through its
 * module alias: attaching "fptest_auto" must load it.
 */
#include <linux/fanotify_fastpath.h>
#include <linux/module.h>

static int fpa_handler(struct fsnotify_group *group,
		       struct fanotify_fastpath_hook *hook,
		       struct fanotify_fastpath_event *ev)
{
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

static struct fanotify_fastpath_ops fpa_ops = {
	.fp_handler	= fpa_handler,
	.name		= "fptest_auto",
	.desc		= "selftest handler loaded by alias",
	.owner		= THIS_MODULE,
};

static int __init fpa_init(void)
{
	return fanotify_fastpath_register(&fpa_ops);
}

static void __exit fpa_exit(void)
{
	fanotify_fastpath_unregister(&fpa_ops);
}

module_init(fpa_init);
module_exit(fpa_exit);
MODULE_DESCRIPTION("fanotify fastpath selftest: autoloaded handler");
MODULE_LICENSE("GPL");
MODULE_ALIAS_FANOTIFY_FASTPATH("fptest_auto");
