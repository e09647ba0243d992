// SPDX-License-Identifier: GPL-2.0
/*
 * Harness self-test module (debug kernel): takes two mutexes in one order,
 * then in the other, when loaded. Nothing deadlocks (one thread), but lockdep
 * must report a possible circular locking dependency and the VM runner must
 * fail the run; see scripts/harness-selftest.sh.
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/mutex.h>

static DEFINE_MUTEX(lockorder_a);
static DEFINE_MUTEX(lockorder_b);

static int __init lockorder_mod_init(void)
{
	mutex_lock(&lockorder_a);
	mutex_lock(&lockorder_b);
	mutex_unlock(&lockorder_b);
	mutex_unlock(&lockorder_a);

	mutex_lock(&lockorder_b);
	mutex_lock(&lockorder_a);
	mutex_unlock(&lockorder_a);
	mutex_unlock(&lockorder_b);
	return 0;
}

static void __exit lockorder_mod_exit(void)
{
}

module_init(lockorder_mod_init);
module_exit(lockorder_mod_exit);

MODULE_DESCRIPTION("fanotify fastpath harness self-test: lock-order inversion on load");
MODULE_LICENSE("GPL");
