// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the commands that name inodes for the attachment of one group:
 * "tag" (inode tags, the per-inode state of handlers) and "root" (subtree
 * roots of the attachment's ancestry cache).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fpctl.h"

/* fpctl tag --pid PID [--fd FD] [--value N] PATH... */
int cmd_tag(int argc, char **argv)
{
	struct fanotify_fastpath_info info;
	int ret, dev, i, err, *fds;
	char who[128];
	struct target t;
	struct opts o;

	ret = parse_opts("tag", argc, argv, OPTS_TAG, &o);
	if (ret < 0)
		return cmd_help_exit("tag", EX_OK);
	if (ret)
		return ret;
	if (!o.nargs)
		return bad_usage("tag", "no PATH to tag");
	/* Open every path first: a bad one tags nothing. */
	fds = calloc(o.nargs, sizeof(*fds));
	if (!fds) {
		errmsg("out of memory");
		return EX_FAIL;
	}
	for (i = 0; i < o.nargs; i++) {
		fds[i] = open(o.args[i], O_PATH | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = bad_usage("tag", "cannot open %s: %s", o.args[i], strerror(errno));
			goto out;
		}
	}
	ret = setup_target("tag", &o, &dev, &t);
	if (ret)
		goto out;

	describe(&t, who, sizeof(who));
	for (i = 0; i < o.nargs && !ret; i++) {
		err = -fp_tag_fd(dev, t.local_fd, fds[i], o.value);
		if (!err) {
			printf("tagged %s (value %llu) for %s\n", o.args[i], o.value, who);
		} else if (err == ENOENT && fp_query(dev, t.local_fd, &info) == -ENOENT) {
			ret = not_attached(&t);
		} else if (err == ENOSPC) {
			errmsg("cannot tag %s: the attachment has all the tags allowed", o.args[i]);
			hint("the limit is the module parameter fanotify_fastpath.tag_max");
			ret = EX_FAIL;
		} else {
			ret = common_errno(err, "tagging inodes for", &t);
		}
	}
	close(t.local_fd);
	close(dev);
out:
	for (i = 0; i < o.nargs; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return ret;
}

/* The message and exit code of a failed FAN_FP_IOC_ROOT (errno @err) on @dir. */
static int root_errno(int err, bool del, const char *dir, const struct target *t, int dev)
{
	struct fanotify_fastpath_info info;
	char who[128];

	describe(t, who, sizeof(who));
	switch (err) {
	case ENOENT:
		if (fp_query(dev, t->local_fd, &info) == -ENOENT)
			return not_attached(t);
		if (!del)
			break;
		errmsg("%s is not a root of the attachment of %s", dir, who);
		return EX_FAIL;
	case ENOSPC:
		errmsg("cannot add root %s: the attachment of %s has %d roots, the most allowed",
		       dir, who, FAN_FP_ROOTS_MAX);
		return EX_FAIL;
	case ENOTTY:
		errmsg("the loaded core module does not support subtree roots (FAN_FP_IOC_ROOT)");
		hint("fpctl and the fanotify_fastpath module come from different versions");
		return EX_FAIL;
	}
	return common_errno(err, del ? "removing a root of" : "adding a root to", t);
}

/* fpctl root add|del --pid PID [--fd FD] [--exclude] DIR */
int cmd_root(int argc, char **argv)
{
	unsigned int flags = 0;
	const char *dir;
	int ret, dev, fd;
	char who[128];
	struct target t;
	struct opts o;
	bool del;

	ret = parse_opts("root", argc, argv, OPTS_ROOT, &o);
	if (ret < 0)
		return cmd_help_exit("root", EX_OK);
	if (ret)
		return ret;
	if (!o.nargs)
		return bad_usage("root", "root needs a command: add or del");
	if (strcmp(o.args[0], "add") && strcmp(o.args[0], "del"))
		return bad_usage("root", "unknown root command '%s': add or del", o.args[0]);
	del = !strcmp(o.args[0], "del");
	if (del && o.exclude)
		return bad_usage("root", "--exclude is for root add only");
	if (o.nargs < 2)
		return bad_usage("root", "the directory is missing");
	if (o.nargs > 2)
		return bad_usage("root", "unexpected argument '%s'", o.args[2]);
	if (o.pid < 0)
		return bad_usage("root", "--pid is required");
	dir = o.args[1];
	/* The directory first: a bad one is a bad argument, whatever the group. */
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR)
			return bad_usage("root", "%s is not a directory", dir);
		return bad_usage("root", "cannot open %s: %s", dir, strerror(errno));
	}
	ret = setup_target("root", &o, &dev, &t);
	if (ret) {
		close(fd);
		return ret;
	}

	if (del)
		flags |= FAN_FP_ROOT_REMOVE;
	if (o.exclude)
		flags |= FAN_FP_ROOT_EXCLUDE;
	ret = fp_root_fd(dev, t.local_fd, fd, flags);
	if (ret)
		ret = root_errno(-ret, del, dir, &t, dev);
	close(fd);
	close(t.local_fd);
	close(dev);
	if (ret)
		return ret;
	describe(&t, who, sizeof(who));
	if (del)
		printf("removed root %s for %s\n", dir, who);
	else
		printf("added %s root %s for %s\n", o.exclude ? "exclude" : "include", dir, who);
	return EX_OK;
}
