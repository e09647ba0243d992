// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the control device /dev/fanotify_fastpath. Opening it, setting up
 * the target of a command that takes --pid (device + the group's descriptor)
 * or --id (an attachment id), and the messages and exit codes of the errnos
 * every ioctl can return (ENOTTY: a module older than fpctl). The ioctl
 * wrappers themselves are in tools/lib/fp_lib.h.
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

/*
 * Open the device and find the target, for the commands that take --pid (or
 * --id when they parsed OPTS_ID): the group of a process, or an attachment id.
 */
int setup_target(const char *cmd, struct opts *o, int *dev, struct target *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->local_fd = -1;
	if (!o->id && o->pid < 0)
		return bad_usage(cmd, "--pid (or --id) is required");
	ret = open_device(dev);
	if (ret)
		return ret;
	if (o->id) {
		t->id = o->id;
		return EX_OK;
	}
	ret = get_target(o->pid, o->fd, t);
	if (ret)
		close(*dev);
	return ret;
}

/* Close what setup_target() opened. */
void close_target(struct target *t, int dev)
{
	if (t->local_fd >= 0)
		close(t->local_fd);
	close(dev);
}

/* The message of ENOTTY from a version 2 ioctl: the module is 0.1; returns EX_OLDMODULE. */
int old_module(const char *what)
{
	char ver[64];

	if (read_text("/sys/module/fanotify_fastpath/version", ver, sizeof(ver)) <= 0)
		snprintf(ver, sizeof(ver), "unknown");
	errmsg("the loaded fanotify_fastpath module (version %s) is older than this fpctl (%s): %s",
	       ver, FPCTL_VERSION, what);
	hint("it lacks interface version %d: load the module of fpctl's release, or use %s",
	     FAN_FP_API_VERSION, "the fpctl of the module's");
	return EX_OLDMODULE;
}

/* Errors every ioctl can return; EX_FAIL for the others. */
int common_errno(int err, const char *what, const struct target *t)
{
	char who[128];

	describe(t, who, sizeof(who));
	switch (err) {
	case EPERM:
	case EACCES:
		if (t->id)
			errmsg("permission denied: %s an attachment by id needs CAP_SYS_ADMIN",
			       what);
		else
			errmsg("permission denied: %s the group of %s needs CAP_SYS_ADMIN", what,
			       who);
		return EX_PERM;
	case ENOTTY:
		return old_module(what);
	default:
		errmsg("%s %s failed: %s", what, who, strerror(err));
		return EX_FAIL;
	}
}

/* The error of a command on a group without attachment; returns EX_NOTATTACHED. */
int not_attached(const struct target *t)
{
	char who[128];

	describe(t, who, sizeof(who));
	if (t->id) {
		errmsg("there is no attachment %llu", t->id);
		hint("the attachments: fpctl attachment list");
	} else {
		errmsg("no handler is attached to the fanotify group of %s", who);
	}
	return EX_NOTATTACHED;
}
