// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module (debug kernel): allocates an object when loaded
 * and keeps no pointer to it. kmemleak must report it, with this module in
 * the backtrace, and the VM runner must fail the run; see
 * scripts/harness-selftest.sh.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/slab.h>

static int __init leak_mod_init(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	memset(p, 0x5a, 128);
	/* %px would put the address in the log buffer, which kmemleak scans. */
	pr_info("leak_mod: leaked 128 bytes\n");
	return 0;
}

static void __exit leak_mod_exit(void)
{
}

module_init(leak_mod_init);
module_exit(leak_mod_exit);

MODULE_DESCRIPTION("fanotify fastpath harness self-test: leaks an object on load");
MODULE_LICENSE("GPL");
