// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the commands that name inodes for the attachment of one group:
 * "tag" (inode tags, the per-inode state of handlers).
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
