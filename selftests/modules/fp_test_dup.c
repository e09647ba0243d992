// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest module that registers a handler named "fptest", like
 * fp_test_handler: loading it while that one is loaded must fail with -EEXIST.
 */
#include <linux/fanotify_fastpath.h>
#include <linux/module.h>

static int fpd_handler(struct fsnotify_group *group,
		       struct fanotify_fastpath_hook *hook,
		       struct fanotify_fastpath_event *ev)
{
	return FAN_FP_RET_SEND_TO_USERSPACE;
}

static struct fanotify_fastpath_ops fpd_ops = {
	.fp_handler	= fpd_handler,
	.name		= "fptest",
	.desc		= "duplicate of fptest",
	.owner		= THIS_MODULE,
};

static int __init fpd_init(void)
{
	return fanotify_fastpath_register(&fpd_ops);
}

static void __exit fpd_exit(void)
{
	fanotify_fastpath_unregister(&fpd_ops);
}

module_init(fpd_init);
module_exit(fpd_exit);
MODULE_DESCRIPTION("fanotify fastpath selftest: duplicate handler name");
MODULE_LICENSE("GPL");
