// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module (debug kernel): reads a freed slab object when
 * loaded. KASAN must report a slab-use-after-free and the VM runner must fail
 * the run; see scripts/harness-selftest.sh. Never built into the project's
 * module set.
 */
#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>

static int __init uaf_mod_init(void)
{
	char *p = kmalloc(64, GFP_KERNEL);
	char *alias = p;

	if (!p)
		return -ENOMEM;
	/* Neither the compiler nor coccicheck may see that the read is after the free. */
	OPTIMIZER_HIDE_VAR(alias);
	kfree(p);
	pr_info("uaf_mod: read after free: %d\n", READ_ONCE(alias[8]));
	return 0;
}

static void __exit uaf_mod_exit(void)
{
}

module_init(uaf_mod_init);
module_exit(uaf_mod_exit);

MODULE_DESCRIPTION("fanotify fastpath harness self-test: use-after-free on load");
MODULE_LICENSE("GPL");
