// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: finding the fanotify groups of other processes. The descriptors of
 * a process whose /proc/PID/fd link reads "anon_inode:[fanotify]" are
 * fanotify groups; pidfd_open() + pidfd_getfd() duplicate one into fpctl
 * (ptrace rights over the process needed). get_target() does that for the
 * commands that take --pid; find_owners() for every process, for "show".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fpctl.h"

/* x86-64 (and generic) numbers, for C libraries older than the syscalls. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define FAN_LINK	"anon_inode:[fanotify]"
#define MAX_FDS_SHOWN	16

struct fd_entry {
	int fd;
	char link[96];
};

static int cmp_fd(const void *a, const void *b)
{
	return ((const struct fd_entry *)a)->fd - ((const struct fd_entry *)b)->fd;
}

/*
 * Read the descriptors of @pid into a sorted array; returns the count, or
 * -errno (-EACCES when we may not look, -ENOENT when the process is gone).
 */
static int list_fds(int pid, struct fd_entry **out)
{
	struct fd_entry *v = NULL, *nv;
	char path[64];
	struct dirent *de;
	int n = 0, cap = 0, fd;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char lpath[96];
		ssize_t len;

		if (!parse_uint(de->d_name, &fd))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(dir);
				return -ENOMEM;
			}
			v = nv;
		}
		snprintf(lpath, sizeof(lpath), "/proc/%d/fd/%d", pid, fd);
		len = readlink(lpath, v[n].link, sizeof(v[n].link) - 1);
		if (len < 0) {
			int err = errno;

			if (err == ENOENT)
				continue;	/* closed meanwhile */
			if (err == EACCES || err == EPERM) {
				/* The links need ptrace read access. */
				free(v);
				closedir(dir);
				return -EACCES;
			}
			len = 0;
		}
		v[n].link[len] = 0;
		v[n].fd = fd;
		n++;
	}
	closedir(dir);
	if (n)
		qsort(v, n, sizeof(*v), cmp_fd);
	*out = v;
	return n;
}

static void read_comm(int pid, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (read_text(path, buf, size) <= 0)
		snprintf(buf, size, "?");
}

static int pidfd_open(int pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_getfd(int pidfd, int fd)
{
	return syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

static bool is_fanotify_link(const char *link)
{
	return !strcmp(link, FAN_LINK);
}

static int ptrace_denied(const struct target *t, const char *what)
{
	errmsg("permission denied: cannot %s of process %d (%s)", what, t->pid, t->comm);
	hint("this needs ptrace rights over the process: run fpctl as root (CAP_SYS_PTRACE)");
	hint("or as the process's user; kernel.yama.ptrace_scope can forbid even that");
	return EX_PERM;
}

/*
 * attach --wait: wait up to @secs seconds until process @pid holds a fanotify
 * descriptor (numbered @fd_opt, if >= 0), e.g. a service just started that
 * has not created its group yet. Returns early when the process is gone or
 * cannot be looked at; get_target() then says why.
 */
void wait_fanotify_fd(int pid, int fd_opt, int secs)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct fd_entry *fds = NULL;
		bool found = false;
		int i, n;

		n = list_fds(pid, &fds);
		if (n < 0)
			return;
		for (i = 0; i < n; i++)
			if (is_fanotify_link(fds[i].link) && (fd_opt < 0 || fds[i].fd == fd_opt))
				found = true;
		free(fds);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (found || (now.tv_sec - start.tv_sec) * 1000LL +
			     (now.tv_nsec - start.tv_nsec) / 1000000 >= secs * 1000LL)
			return;
		usleep(50 * 1000);
	}
}

/*
 * Find the fanotify descriptor of @t->pid (the one numbered @fd_opt, or the only
 * one when @fd_opt < 0) and duplicate it into t->local_fd.
 */
int get_target(int pid, int fd_opt, struct target *t)
{
	struct fd_entry *fds = NULL;
	int i, n, nfan = 0, pidfd, ret, local;
	char fanlist[256] = "";
	char link[96];
	char path[64];
	ssize_t len;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->local_fd = -1;
	pidfd = pidfd_open(pid);
	if (pidfd < 0) {
		if (errno == ESRCH || errno == EINVAL) {
			errmsg("no such process: %d", pid);
			return EX_NOPROC;
		}
		errmsg("pidfd_open(%d): %s", pid, strerror(errno));
		return EX_FAIL;
	}
	read_comm(pid, t->comm, sizeof(t->comm));

	n = list_fds(pid, &fds);
	if (n < 0) {
		close(pidfd);
		if (n == -ENOENT || n == -ESRCH) {
			errmsg("no such process: %d", pid);
			return EX_NOPROC;
		}
		if (n == -EACCES || n == -EPERM)
			return ptrace_denied(t, "read the file descriptors");
		errmsg("cannot read /proc/%d/fd: %s", pid, strerror(-n));
		return EX_FAIL;
	}

	for (i = 0; i < n; i++) {
		if (!is_fanotify_link(fds[i].link))
			continue;
		nfan++;
		len = strlen(fanlist);
		snprintf(fanlist + len, sizeof(fanlist) - len, "%s%d", len ? ", " : "", fds[i].fd);
		if (fd_opt < 0)
			t->fd = fds[i].fd;
	}

	ret = EX_OK;
	if (fd_opt >= 0) {
		for (i = 0; i < n && fds[i].fd != fd_opt; i++)
			;
		if (i == n) {
			errmsg("process %d (%s) has no file descriptor %d", pid, t->comm, fd_opt);
			if (nfan)
				hint("its fanotify file descriptors: %s", fanlist);
			ret = EX_NOFAN;
		} else if (!is_fanotify_link(fds[i].link)) {
			errmsg("fd %d of process %d (%s) is not a fanotify group: it is %s",
			       fd_opt, pid, t->comm, fds[i].link);
			if (nfan)
				hint("its fanotify file descriptors: %s", fanlist);
			ret = EX_NOFAN;
		}
		t->fd = fd_opt;
	} else if (!nfan) {
		errmsg("process %d (%s) has no fanotify file descriptor", pid, t->comm);
		if (json_out)
			goto listed;	/* the JSON error has the message */
		fprintf(stderr, "%s: its file descriptors:\n", FPCTL_NAME);
		for (i = 0; i < n && i < MAX_FDS_SHOWN; i++)
			fprintf(stderr, "  %d -> %s\n", fds[i].fd, fds[i].link);
		if (n > MAX_FDS_SHOWN)
			fprintf(stderr, "  ... and %d more\n", n - MAX_FDS_SHOWN);
		if (!n)
			fprintf(stderr, "  (none)\n");
listed:
		ret = EX_NOFAN;
	} else if (nfan > 1) {
		errmsg("process %d (%s) has %d fanotify file descriptors (%s): %s", pid, t->comm,
		       nfan, fanlist, "choose one with --fd");
		ret = EX_AMBIGUOUS;
	}
	free(fds);
	if (ret) {
		close(pidfd);
		return ret;
	}

	local = pidfd_getfd(pidfd, t->fd);
	if (local < 0) {
		int err = errno;

		close(pidfd);
		if (err == EPERM || err == EACCES)
			return ptrace_denied(t, "duplicate a file descriptor");
		if (err == ESRCH) {
			errmsg("no such process: %d (it exited)", pid);
			return EX_NOPROC;
		}
		if (err == EBADF) {
			errmsg("process %d (%s) closed file descriptor %d", pid, t->comm, t->fd);
			return EX_NOFAN;
		}
		errmsg("pidfd_getfd(%d, %d): %s", pid, t->fd, strerror(err));
		return EX_FAIL;
	}
	close(pidfd);

	/* The number may have been reused between the scan and pidfd_getfd(). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", local);
	len = readlink(path, link, sizeof(link) - 1);
	link[len < 0 ? 0 : len] = 0;
	if (!is_fanotify_link(link)) {
		close(local);
		errmsg("fd %d of process %d (%s) changed while being looked up: it is now %s",
		       t->fd, pid, t->comm, link);
		return EX_NOFAN;
	}
	t->local_fd = local;
	return EX_OK;
}

/*
 * Find which processes hold the groups that have an attachment: every
 * fanotify descriptor of every process we may trace, queried for its
 * attachment id. Best effort: processes we cannot trace are skipped.
 */
int find_owners(int dev, struct owner **out)
{
	struct owner *v = NULL, *nv;
	struct dirent *de;
	int n = 0, pid;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return 0;
	while ((de = readdir(proc))) {
		struct fd_entry *fds;
		int i, nfds, pidfd;
		char comm[64];

		if (!parse_uint(de->d_name, &pid) || pid == getpid())
			continue;
		nfds = list_fds(pid, &fds);
		if (nfds <= 0)
			continue;
		pidfd = -1;
		for (i = 0; i < nfds; i++) {
			struct fanotify_fastpath_info info;
			int local;

			if (!is_fanotify_link(fds[i].link))
				continue;
			if (pidfd < 0)
				pidfd = pidfd_open(pid);
			if (pidfd < 0)
				break;
			local = pidfd_getfd(pidfd, fds[i].fd);
			if (local < 0)
				continue;
			if (!fp_query(dev, local, &info)) {
				nv = realloc(v, (n + 1) * sizeof(*v));
				if (nv) {
					v = nv;
					read_comm(pid, comm, sizeof(comm));
					v[n].id = info.id;
					v[n].pid = pid;
					v[n].fd = fds[i].fd;
					snprintf(v[n].comm, sizeof(v[n].comm), "%s", comm);
					snprintf(v[n].who, sizeof(v[n].who), "%s[%d]:%d", comm, pid,
						 fds[i].fd);
					n++;
				}
			}
			close(local);
		}
		if (pidfd >= 0)
			close(pidfd);
		free(fds);
	}
	closedir(proc);
	*out = v;
	return n;
}
