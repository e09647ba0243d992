// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the control device /dev/fanotify_fastpath. Opening it, setting up
 * the target group of a command that takes --pid (device + the group's
 * descriptor), and the messages and exit codes of the errnos every ioctl
 * can return. The ioctl wrappers themselves are in tools/lib/fp_lib.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fpctl.h"

/* Open the control device into *@devp; EX_OK, or the exit code after a message. */
int open_device(int *devp)
{
	int fd = fp_open_dev();

	if (fd < 0 && errno == ENOENT && !core_loaded()) {
		if (!ensure_core())
			return no_core();
		fd = fp_open_dev();
	}
	if (fd >= 0) {
		*devp = fd;
		return EX_OK;
	}
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV) {
		if (!core_loaded())
			return no_core();
		errmsg("%s is missing although the core module is loaded", FP_DEV);
		hint("is devtmpfs mounted on /dev? its number: /sys/class/misc/%s/dev",
		     FAN_FP_DEVICE_NAME);
		return EX_FAIL;
	}
	if (errno == EACCES || errno == EPERM) {
		errmsg("permission denied: cannot open %s", FP_DEV);
		hint("the control device is for root (mode 0600); run fpctl as root");
		return EX_PERM;
	}
	errmsg("cannot open %s: %s", FP_DEV, strerror(errno));
	return EX_FAIL;
}

/* Open the device and find the target group, for the commands that take --pid. */
int setup_target(const char *cmd, struct opts *o, int *dev, struct target *t)
{
	int ret;

	if (o->pid < 0)
		return bad_usage(cmd, "--pid is required");
	ret = open_device(dev);
	if (ret)
		return ret;
	ret = get_target(o->pid, o->fd, t);
	if (ret)
		close(*dev);
	return ret;
}

/* Errors every ioctl can return; EX_FAIL for the others. */
int common_errno(int err, const char *what, const struct target *t)
{
	char who[128];

	describe(t, who, sizeof(who));
	switch (err) {
	case EPERM:
	case EACCES:
		errmsg("permission denied: %s the group of %s needs CAP_SYS_ADMIN", what, who);
		return EX_PERM;
	case EOPNOTSUPP:
		errmsg("the loaded core module does not support interface version %d (%s)",
		       FAN_FP_VERSION, strerror(err));
		hint("fpctl and the fanotify_fastpath module come from different versions");
		return EX_FAIL;
	default:
		errmsg("%s the fanotify group of %s failed: %s", what, who, strerror(err));
		return EX_FAIL;
	}
}

/* The error of a command on a group without attachment; returns EX_NOTATTACHED. */
int not_attached(const struct target *t)
{
	char who[128];

	describe(t, who, sizeof(who));
	errmsg("no handler is attached to the fanotify group of %s", who);
	return EX_NOTATTACHED;
}
