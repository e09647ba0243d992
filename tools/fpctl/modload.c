// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: loading the core module when a command needs it and it is not loaded
 * (after a boot, nothing else loads it). fpctl runs the modprobe the kernel
 * itself runs for request_module() (/proc/sys/kernel/modprobe, by default
 * /sbin/modprobe), as root only: for anyone else modprobe could not load it
 * either, and the command reports the core missing as before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fpctl.h"

extern char **environ;

/* The kernel's modprobe, or /sbin/modprobe. */
static void modprobe_path(char *buf, size_t size)
{
	if (read_text("/proc/sys/kernel/modprobe", buf, size) <= 0 || buf[0] != '/')
		snprintf(buf, size, "/sbin/modprobe");
}

/* "modprobe -q fanotify_fastpath"; true if it ran and exited 0. */
static bool run_modprobe(void)
{
	char path[256], quiet[] = "-q", name[] = "fanotify_fastpath";
	char *argv[4];
	pid_t pid;
	int status;

	modprobe_path(path, sizeof(path));
	argv[0] = path;
	argv[1] = quiet;
	argv[2] = name;
	argv[3] = NULL;
	if (posix_spawn(&pid, path, NULL, NULL, argv, environ))
		return false;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * The core module is loaded, or loaded now; the device node exists once
 * modprobe returns (devtmpfs creates it before the module's init returns).
 */
bool ensure_core(void)
{
	if (core_loaded())
		return true;
	if (geteuid() != 0 || !run_modprobe())
		return false;
	return core_loaded();
}
