// SPDX-License-Identifier: GPL-2.0
/*
 * Test handlers for the core module's selftests (not for production use).
 *
 * "fptest" takes a space-separated argument string:
 *	drop=SUBSTR	drop events whose entry name contains SUBSTR
 *	deny=ERRNO	deny permission events on names containing the drop
 *			substring (or all, without drop=) with -ERRNO
 *	ret=N		return N for every event (tests invalid verdicts)
 *	init_err=ERRNO	fail fp_init with -ERRNO
 *	ancestor=N	drop events with no tagged ancestor within N levels
 *			(fanotify_fastpath_tag_depth(); roots tagged by FAN_FP_IOC_TAG)
 *	block_init	fp_init waits (at most 20 s) until the parameter release
 *			is set: a slow fp_init, like a path lookup on a hung
 *			filesystem; the parameter blocked counts the waiters
 * "fptest_admin" is the same handler flagged FAN_FP_F_SYS_ADMIN_ONLY.
 * The parameters inits/frees count fp_init successes and fp_free calls, so tests
 * can check that every attachment was freed exactly once.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/fanotify.h>
#include <linux/fanotify_fastpath.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static atomic_t inits = ATOMIC_INIT(0);
static atomic_t frees = ATOMIC_INIT(0);
module_param_named(inits, inits.counter, int, 0444);
module_param_named(frees, frees.counter, int, 0444);
static atomic_t blocked = ATOMIC_INIT(0);
module_param_named(blocked, blocked.counter, int, 0444);
static int release;
module_param(release, int, 0644);

struct fpt_conf {
	char drop[64];
	int deny;
	int ret;
	bool has_ret;
	int ancestor;
};

static int fpt_init(struct fanotify_fastpath_hook *hook, const char *args)
{
	char *buf, *p, *tok;
	struct fpt_conf *conf;
	int ret = 0, v;

	conf = kzalloc(sizeof(*conf), GFP_KERNEL);
	buf = kstrdup(args, GFP_KERNEL);
	if (!conf || !buf) {
		ret = -ENOMEM;
		goto out;
	}
	p = buf;
	while ((tok = strsep(&p, " ")) && !ret) {
		if (!*tok)
			continue;
		if (str_has_prefix(tok, "drop=")) {
			if (strscpy(conf->drop, tok + 5, sizeof(conf->drop)) < 0)
				ret = -E2BIG;
		} else if (str_has_prefix(tok, "deny=")) {
			ret = kstrtoint(tok + 5, 10, &conf->deny);
		} else if (str_has_prefix(tok, "ret=")) {
			ret = kstrtoint(tok + 4, 10, &conf->ret);
			conf->has_ret = true;
		} else if (str_has_prefix(tok, "ancestor=")) {
			ret = kstrtoint(tok + 9, 10, &conf->ancestor);
			if (!ret && conf->ancestor <= 0)
				ret = -EINVAL;
		} else if (!strcmp(tok, "block_init")) {
			int waited;

			atomic_inc(&blocked);
			for (waited = 0; !READ_ONCE(release) && waited < 20000; waited += 20)
				msleep(20);
			atomic_dec(&blocked);
		} else if (str_has_prefix(tok, "init_err=")) {
			ret = kstrtoint(tok + 9, 10, &v);
			if (!ret)
				ret = -v;
		} else {
			ret = -EINVAL;
		}
	}
out:
	kfree(buf);
	if (ret) {
		kfree(conf);
		return ret;
	}
	hook->private = conf;
	atomic_inc(&inits);
	return 0;
}

static void fpt_free(struct fanotify_fastpath_hook *hook)
{
	kfree(hook->private);
	atomic_inc(&frees);
}

static const char *fpt_name(struct fanotify_fastpath_event *ev)
{
	struct dentry *dentry;

	if (ev->file_name)
		return ev->file_name->name;
	dentry = fsnotify_data_dentry(ev->data, ev->data_type);
	return dentry ? (const char *)dentry->d_name.name : NULL;
}

static int fpt_handler(struct fsnotify_group *group,
		       struct fanotify_fastpath_hook *hook,
		       struct fanotify_fastpath_event *ev)
{
	struct fpt_conf *conf = hook->private;
	const char *name;
	bool match;

	/* First: "ret=1" is the benchmarks' floor, a handler that does nothing. */
	if (conf->has_ret)
		return conf->ret;
	name = fpt_name(ev);
	match = conf->drop[0] && name && strstr(name, conf->drop);
	if (conf->ancestor) {
		int depth = fanotify_fastpath_tag_depth(hook, ev, conf->ancestor);

		return depth >= 0 || depth == -EAGAIN ? FAN_FP_RET_SEND_TO_USERSPACE :
							FAN_FP_RET_SKIP_EVENT;
	}
	if (conf->deny && (ev->mask & FANOTIFY_PERM_EVENTS) &&
	    (match || !conf->drop[0]))
		return -conf->deny;
	return match ? FAN_FP_RET_SKIP_EVENT : FAN_FP_RET_SEND_TO_USERSPACE;
}

static struct fanotify_fastpath_ops fpt_ops = {
	.fp_handler	= fpt_handler,
	.fp_init	= fpt_init,
	.fp_free	= fpt_free,
	.name		= "fptest",
	.desc		= "selftest handler: drop events by name substring",
	.owner		= THIS_MODULE,
};

static struct fanotify_fastpath_ops fpt_admin_ops = {
	.fp_handler	= fpt_handler,
	.fp_init	= fpt_init,
	.fp_free	= fpt_free,
	.name		= "fptest_admin",
	.desc		= "selftest handler that needs CAP_SYS_ADMIN",
	.flags		= FAN_FP_F_SYS_ADMIN_ONLY,
	.owner		= THIS_MODULE,
};

static int __init fpt_mod_init(void)
{
	int ret = fanotify_fastpath_register(&fpt_ops);

	if (ret)
		return ret;
	ret = fanotify_fastpath_register(&fpt_admin_ops);
	if (ret)
		fanotify_fastpath_unregister(&fpt_ops);
	return ret;
}

static void __exit fpt_mod_exit(void)
{
	fanotify_fastpath_unregister(&fpt_admin_ops);
	fanotify_fastpath_unregister(&fpt_ops);
}

module_init(fpt_mod_init);
module_exit(fpt_mod_exit);
MODULE_DESCRIPTION("fanotify fastpath selftest handlers");
MODULE_LICENSE("GPL");
MODULE_ALIAS_FANOTIFY_FASTPATH("fptest");
MODULE_ALIAS_FANOTIFY_FASTPATH("fptest_admin");
