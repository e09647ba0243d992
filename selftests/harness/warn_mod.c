// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module: WARNs once when loaded. The VM runner must find the
 * WARNING in the kernel log (and the W taint) and fail the run; see
 * scripts/harness-selftest.sh. Never built into the project's module set.
 */
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init warn_mod_init(void)
{
	WARN(1, "fanotify fastpath harness self-test: deliberate warning\n");
	return 0;
}

static void __exit warn_mod_exit(void)
{
}

module_init(warn_mod_init);
module_exit(warn_mod_exit);

MODULE_DESCRIPTION("fanotify fastpath harness self-test: warns on load");
MODULE_LICENSE("GPL");
