// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: module init and exit, and the module parameters.
 *
 * The top of the core (see internal.h for the layers): sets up the lower
 * layers' private state (ancestry cache, tags), then the interfaces (sysfs,
 * the control device, the BPF struct_ops type), and tears them down in
 * reverse. Takes no locks of its own.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "internal.h"

unsigned int fp_param_tag_max = 65536;
module_param_named(tag_max, fp_param_tag_max, uint, 0644);
MODULE_PARM_DESC(tag_max, "Maximum number of inode tags per attachment (default 65536)");

unsigned int fp_param_cache_max = 65536;
module_param_named(cache_max, fp_param_cache_max, uint, 0644);
MODULE_PARM_DESC(cache_max,
		 "Directories the ancestry cache of an attachment holds at most, unless the handler sets its own cap; read when its first root is added (default 65536, at least 16)");

/* Tests reach the 32-bit generation's wrap without 2^32 directory moves. */
unsigned int fp_param_cache_gen_start;
module_param_named(cache_gen_start, fp_param_cache_gen_start, uint, 0600);
MODULE_PARM_DESC(cache_gen_start,
		 "Generation a new ancestry cache starts at (default 0; for tests of its wrap, which drops every cached answer)");

bool fp_param_allow_unprivileged;
module_param_named(allow_unprivileged, fp_param_allow_unprivileged, bool, 0644);
MODULE_PARM_DESC(allow_unprivileged,
		 "Let callers without CAP_SYS_ADMIN who can open the device attach and detach handlers not flagged SYS_ADMIN_ONLY, tag and add roots (default: no)");

static int __init fp_init(void)
{
	int ret;

	ret = fp_ancestry_init();
	if (ret)
		return ret;
	ret = fp_tags_init();
	if (ret)
		goto err_anc;
	ret = fp_sysfs_init();
	if (ret)
		goto err_tags;
	ret = fp_ctl_init();
	if (ret)
		goto err_sysfs;
	ret = fp_bpf_init_module();
	if (ret) {
		pr_err("cannot register the BPF struct_ops type (module BTF missing?): %d\n", ret);
		goto err_ctl;
	}
	return 0;

err_ctl:
	fp_ctl_exit();
err_sysfs:
	fp_sysfs_exit();
err_tags:
	fp_tags_exit();
err_anc:
	fp_ancestry_exit();
	return ret;
}

static void __exit fp_exit(void)
{
	fp_ctl_exit();
	/*
	 * Handler modules depend on us, BPF struct_ops maps and hooked groups
	 * hold module references: nothing is registered or hooked here unless
	 * the unload was forced, which cannot be made safe.
	 */
	WARN_ON(!list_empty(&fp_handlers) || !list_empty(&fp_groups));
	fp_sysfs_exit();
	fp_tags_exit();
	fp_ancestry_exit();
	/* Let the last instructions of the groups' free_group_priv wrapper finish. */
	synchronize_rcu_tasks();
}

module_init(fp_init);
module_exit(fp_exit);

MODULE_DESCRIPTION("fanotify fastpath: in-kernel event filters for fanotify groups");
MODULE_AUTHOR("fanotify fastpath developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(FANOTIFY_FASTPATH_VERSION);
