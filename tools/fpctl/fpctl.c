// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl - inspect fanotify fastpath handlers and attach them to the fanotify
 * group of a running, unmodified program.
 *
 * The group of another process is reached through its file descriptors: the
 * ones whose /proc/PID/fd link reads "anon_inode:[fanotify]" are fanotify
 * groups; pidfd_open() + pidfd_getfd() duplicate one into this process (that
 * needs ptrace rights over the target), and the ioctls of the control device
 * /dev/fanotify_fastpath act on it. Handlers and attachments are listed from
 * /sys/kernel/fanotify_fastpath.
 *
 * See fpctl(8) or "fpctl help" for the commands and the exit codes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fanotify_fastpath.h>

#ifndef FPCTL_VERSION
#define FPCTL_VERSION "unknown"
#endif

/* The kernel's __printf() (the attribute is on its own line for checkpatch). */
#define __printf(a, b)	__attribute__((				\
	format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* x86-64 (and generic) numbers, for C libraries older than the syscalls. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define FP_DEV		"/dev/" FAN_FP_DEVICE_NAME
#define FP_SYSFS	"/sys/kernel/fanotify_fastpath"
#define FP_PARAMS	"/sys/module/fanotify_fastpath/parameters"
#define FAN_LINK	"anon_inode:[fanotify]"
#define MAX_FDS_SHOWN	16

/* Exit codes; documented in fpctl.8 and in "fpctl help". */
enum {
	EX_OK		= 0,	/* success */
	EX_FAIL		= 1,	/* any other error */
	EX_USAGE	= 2,	/* bad command line, or the handler rejected its arguments */
	EX_NOPROC	= 3,	/* no such process */
	EX_NOFAN	= 4,	/* the process has no (such) fanotify file descriptor */
	EX_AMBIGUOUS	= 5,	/* several fanotify file descriptors and no --fd */
	EX_PERM		= 6,	/* permission denied (ptrace, device, CAP_SYS_ADMIN) */
	EX_NOHANDLER	= 7,	/* no handler of that name */
	EX_BUSY		= 8,	/* the group already has a handler (no --replace) */
	EX_NOCORE	= 9,	/* the core module is not loaded */
	EX_NOTATTACHED	= 10,	/* nothing is attached to the group */
};

static const char *prog = "fpctl";

static void __printf(1, 2) error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __printf(1, 2) hint(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: hint: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- help texts ------------------------------------------------------------------------ */

struct cmd_help {
	const char *name;
	const char *usage;
	const char *text;
};

static const struct cmd_help cmd_helps[] = {
	{ "list", "fpctl list",
	  "List the registered handlers: name, type (c: kernel module, bpf: BPF struct_ops\n"
	  "map), flags (sys-admin-only: attaching needs CAP_SYS_ADMIN even when the core\n"
	  "module allows unprivileged attaching), the module that provides it, on how many\n"
	  "fanotify groups it is attached and its description. Handler modules that are\n"
	  "installed but not loaded are not listed: \"attach\" loads them on demand.\n" },
	{ "show", "fpctl show",
	  "Show every attachment (one handler on one fanotify group) with its counters:\n"
	  "events the handler saw, passed on to the group, dropped, denied (permission\n"
	  "events) and errors. When run as root it also names the processes holding each\n"
	  "group, as PROCESS[PID]:FD, found by scanning /proc.\n" },
	{ "attach",
	  "fpctl attach --pid PID [--fd FD] [--replace] [--perm-skip-allows] HANDLER [ARGS...]",
	  "Attach handler HANDLER to the fanotify group of process PID. The process needs\n"
	  "no changes: its fanotify file descriptor is found in /proc/PID/fd (give --fd FD\n"
	  "when it has several) and duplicated with pidfd_getfd(2), which needs ptrace\n"
	  "rights over PID. ARGS are joined with spaces and passed to the handler (for\n"
	  "example root=/srv/data for the subtree handler). A handler module that is not\n"
	  "loaded is loaded through its alias fanotify-fastpath-HANDLER.\n"
	  "\n"
	  "  -p, --pid PID            the process holding the fanotify group\n"
	  "  -f, --fd FD              its file descriptor number FD (needed if it has several)\n"
	  "  -r, --replace            replace a handler already attached to the group\n"
	  "                           (atomically: no event goes unfiltered in between)\n"
	  "      --perm-skip-allows   let the handler drop permission events, which then\n"
	  "                           allows the access without asking the program\n" },
	{ "detach", "fpctl detach --pid PID [--fd FD]",
	  "Detach the handler from the fanotify group of process PID: the group gets every\n"
	  "event again.\n" },
	{ "query", "fpctl query --pid PID [--fd FD]",
	  "Show the handler attached to the fanotify group of process PID, its counters and\n"
	  "the number of inode tags it holds.\n" },
	{ "tag", "fpctl tag --pid PID [--fd FD] [--value N] PATH...",
	  "Tag the inode of each PATH (a file or a directory) in the attachment of the\n"
	  "fanotify group of process PID. Tags are the per-inode state of handlers: the\n"
	  "subtree handler passes the events of tagged directories and tags the directories\n"
	  "created in them, so \"fpctl attach --pid PID subtree\" without arguments followed\n"
	  "by \"fpctl tag --pid PID DIR1 DIR2\" filters for several subtrees. A tag does not\n"
	  "pin its inode; tags die with the attachment.\n"
	  "\n"
	  "  -v, --value N            the tag value, 1 (default) to 2^64-1\n" },
	{ "help", "fpctl help [COMMAND]", "Show help for COMMAND, or for all commands.\n" },
};

static const char exit_codes_text[] =
	"Exit codes:\n"
	"  0   success\n"
	"  1   other error\n"
	"  2   bad command line, or the handler rejected its arguments\n"
	"  3   no such process\n"
	"  4   the process has no fanotify file descriptor (or FD is not one)\n"
	"  5   the process has several fanotify file descriptors: choose one with --fd\n"
	"  6   permission denied: ptrace rights over the process, access to\n"
	"      " FP_DEV ", or CAP_SYS_ADMIN\n"
	"  7   no such handler\n"
	"  8   the group already has a handler: use --replace\n"
	"  9   the core module is not loaded: modprobe fanotify_fastpath\n"
	"  10  no handler is attached to the group\n";

/* Which options a command takes besides --pid and --fd. */
#define OPTS_ATTACH	0x1	/* --replace, --perm-skip-allows */
#define OPTS_TAG	0x2	/* --value */

static const struct cmd_help *find_help(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmd_helps); i++)
		if (!strcmp(cmd_helps[i].name, name))
			return &cmd_helps[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: fpctl [--version] [--help] COMMAND [ARGS]\n\n"
		"Control fanotify fastpath handlers: in-kernel filters that drop fanotify events\n"
		"before they are queued to a program.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(cmd_helps); i++)
		fprintf(f, "  %s\n", cmd_helps[i].usage);
	fprintf(f, "\nRun \"fpctl help COMMAND\" for details.\n\n%s", exit_codes_text);
}

static int cmd_help_exit(const char *name, int ret)
{
	const struct cmd_help *h = find_help(name);

	printf("usage: %s\n\n%s", h->usage, h->text);
	return ret;
}

static int bad_usage(const char *cmd, const char *fmt, ...) __printf(2, 3);

static int bad_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", find_help(cmd)->usage);
	return EX_USAGE;
}

/* ---- small helpers --------------------------------------------------------------------- */

/* Parse a non-negative decimal int; false on anything else. */
static bool parse_uint(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return false;
	*out = v;
	return true;
}

/* Read a small text file, without its trailing newline; returns length or -errno. */
static int read_text(const char *path, char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	if (len < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[len] = 0;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = 0;
	return len;
}

static bool core_loaded(void)
{
	struct stat st;

	return !stat(FP_SYSFS, &st);
}

static int no_core(void)
{
	error("the fanotify fastpath core module is not loaded (no %s)", FP_SYSFS);
	hint("load it with: modprobe fanotify_fastpath");
	return EX_NOCORE;
}

static bool valid_handler_name(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || len >= FAN_FP_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

static const char *attach_flags_str(unsigned int flags, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s",
		 flags & FAN_FP_ATTACH_REPLACE ? "replace" : "",
		 (flags & FAN_FP_ATTACH_REPLACE) &&
		 (flags & FAN_FP_ATTACH_PERM_SKIP_ALLOWS) ? "," : "",
		 flags & FAN_FP_ATTACH_PERM_SKIP_ALLOWS ? "perm-skip-allows" : "");
	if (!buf[0])
		snprintf(buf, size, "-");
	return buf;
}

/* ---- the control device ---------------------------------------------------------------- */

static int open_device(int *devp)
{
	int fd = open(FP_DEV, O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		*devp = fd;
		return EX_OK;
	}
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV) {
		if (!core_loaded())
			return no_core();
		error("%s is missing although the core module is loaded", FP_DEV);
		hint("is devtmpfs mounted on /dev? its number: /sys/class/misc/%s/dev",
		     FAN_FP_DEVICE_NAME);
		return EX_FAIL;
	}
	if (errno == EACCES || errno == EPERM) {
		error("permission denied: cannot open %s", FP_DEV);
		hint("the control device is for root (mode 0600); run fpctl as root");
		return EX_PERM;
	}
	error("cannot open %s: %s", FP_DEV, strerror(errno));
	return EX_FAIL;
}

/* ---- finding the fanotify group of another process ------------------------------------- */

struct target {
	int pid;
	int fd;			/* the descriptor number in the target */
	int local_fd;		/* our duplicate of it */
	char comm[64];
};

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
	error("permission denied: cannot %s of process %d (%s)", what, t->pid, t->comm);
	hint("this needs ptrace rights over the process: run fpctl as root (CAP_SYS_PTRACE)");
	hint("or as the process's user; kernel.yama.ptrace_scope can forbid even that");
	return EX_PERM;
}

/*
 * Find the fanotify descriptor of @t->pid (the one numbered @fd_opt, or the only
 * one when @fd_opt < 0) and duplicate it into t->local_fd.
 */
static int get_target(int pid, int fd_opt, struct target *t)
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
			error("no such process: %d", pid);
			return EX_NOPROC;
		}
		error("pidfd_open(%d): %s", pid, strerror(errno));
		return EX_FAIL;
	}
	read_comm(pid, t->comm, sizeof(t->comm));

	n = list_fds(pid, &fds);
	if (n < 0) {
		close(pidfd);
		if (n == -ENOENT || n == -ESRCH) {
			error("no such process: %d", pid);
			return EX_NOPROC;
		}
		if (n == -EACCES || n == -EPERM)
			return ptrace_denied(t, "read the file descriptors");
		error("cannot read /proc/%d/fd: %s", pid, strerror(-n));
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
			error("process %d (%s) has no file descriptor %d", pid, t->comm, fd_opt);
			if (nfan)
				hint("its fanotify file descriptors: %s", fanlist);
			ret = EX_NOFAN;
		} else if (!is_fanotify_link(fds[i].link)) {
			error("fd %d of process %d (%s) is not a fanotify group: it is %s",
			      fd_opt, pid, t->comm, fds[i].link);
			if (nfan)
				hint("its fanotify file descriptors: %s", fanlist);
			ret = EX_NOFAN;
		}
		t->fd = fd_opt;
	} else if (!nfan) {
		error("process %d (%s) has no fanotify file descriptor", pid, t->comm);
		fprintf(stderr, "%s: its file descriptors:\n", prog);
		for (i = 0; i < n && i < MAX_FDS_SHOWN; i++)
			fprintf(stderr, "  %d -> %s\n", fds[i].fd, fds[i].link);
		if (n > MAX_FDS_SHOWN)
			fprintf(stderr, "  ... and %d more\n", n - MAX_FDS_SHOWN);
		if (!n)
			fprintf(stderr, "  (none)\n");
		ret = EX_NOFAN;
	} else if (nfan > 1) {
		error("process %d (%s) has %d fanotify file descriptors (%s): choose one with --fd",
		      pid, t->comm, nfan, fanlist);
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
			error("no such process: %d (it exited)", pid);
			return EX_NOPROC;
		}
		if (err == EBADF) {
			error("process %d (%s) closed file descriptor %d", pid, t->comm, t->fd);
			return EX_NOFAN;
		}
		error("pidfd_getfd(%d, %d): %s", pid, t->fd, strerror(err));
		return EX_FAIL;
	}
	close(pidfd);

	/* The number may have been reused between the scan and pidfd_getfd(). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", local);
	len = readlink(path, link, sizeof(link) - 1);
	link[len < 0 ? 0 : len] = 0;
	if (!is_fanotify_link(link)) {
		close(local);
		error("fd %d of process %d (%s) changed while being looked up: it is now %s",
		      t->fd, pid, t->comm, link);
		return EX_NOFAN;
	}
	t->local_fd = local;
	return EX_OK;
}

/* ---- commands -------------------------------------------------------------------------- */

struct opts {
	int pid;
	int fd;
	bool replace;
	bool perm_skip_allows;
	unsigned long long value;
	int nargs;
	char **args;
};

enum { OPT_PERM_SKIP_ALLOWS = 256 };

/*
 * Parse --pid/--fd and the options of @which (OPTS_*); the other arguments are
 * left in o->args. Returns EX_OK, EX_USAGE, or -1 for --help.
 */
static int parse_opts(const char *cmd, int argc, char **argv, unsigned int which,
		      struct opts *o)
{
	static const struct option lopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "fd", required_argument, NULL, 'f' },
		{ "replace", no_argument, NULL, 'r' },
		{ "perm-skip-allows", no_argument, NULL, OPT_PERM_SKIP_ALLOWS },
		{ "value", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->pid = -1;
	o->fd = -1;
	o->value = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:f:rv:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_uint(optarg, &o->pid) || o->pid == 0)
				return bad_usage(cmd, "--pid needs a process id, not '%s'", optarg);
			break;
		case 'f':
			if (!parse_uint(optarg, &o->fd))
				return bad_usage(cmd, "--fd needs a descriptor number, not '%s'",
						 optarg);
			break;
		case 'r':
		case OPT_PERM_SKIP_ALLOWS:
			if (!(which & OPTS_ATTACH))
				return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
			if (c == 'r')
				o->replace = true;
			else
				o->perm_skip_allows = true;
			break;
		case 'v':
			if (!(which & OPTS_TAG))
				return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
			errno = 0;
			o->value = strtoull(optarg, &end, 0);
			if (!isdigit((unsigned char)*optarg) || *end || errno || !o->value)
				return bad_usage(cmd, "--value needs a number >= 1, not '%s'",
						 optarg);
			break;
		case 'h':
			return -1;
		case ':':
			return bad_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return EX_OK;
}

/* ---- simple tables --------------------------------------------------------------------- */

#define TABLE_COLS	9

struct table {
	int ncols;
	int nrows;
	char **cells;		/* nrows * ncols strings */
	int width[TABLE_COLS];
};

static void table_add(struct table *t, ...)
{
	char **cells;
	va_list ap;
	int i;

	cells = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*cells));
	if (!cells) {
		error("out of memory");
		exit(EX_FAIL);
	}
	t->cells = cells;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		char *dup = strdup(s ? s : "");
		int len;

		if (!dup) {
			error("out of memory");
			exit(EX_FAIL);
		}
		cells[t->nrows * t->ncols + i] = dup;
		len = strlen(dup);
		if (len > t->width[i])
			t->width[i] = len;
	}
	va_end(ap);
	t->nrows++;
}

/* Print with aligned columns; the last column is not padded. */
static void table_print(struct table *t)
{
	int r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c == t->ncols - 1)
				printf("%s\n", s);
			else
				printf("%-*s  ", t->width[c], s);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/* ---- list ------------------------------------------------------------------------------ */

static void handler_attr(const char *name, const char *attr, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), FP_SYSFS "/handlers/%s/%s", name, attr);
	if (read_text(path, buf, size) < 0)
		snprintf(buf, size, "?");
}

static int cmd_list(int argc, char **argv)
{
	struct table t = { .ncols = 6 };
	char avail[4096], *save, *name;
	struct opts o;
	int ret;

	ret = parse_opts("list", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("list", EX_OK);
	if (ret)
		return ret;
	if (o.nargs || o.pid >= 0 || o.fd >= 0)
		return bad_usage("list", "list takes no arguments");
	if (!core_loaded())
		return no_core();
	ret = read_text(FP_SYSFS "/available", avail, sizeof(avail));
	if (ret < 0) {
		error("cannot read %s/available: %s", FP_SYSFS, strerror(-ret));
		return EX_FAIL;
	}
	if (!ret) {
		printf("no handlers are registered\n");
		printf("(a handler module registers its handlers when loaded;\n");
		printf(" \"fpctl attach\" loads the module on demand)\n");
		return EX_OK;
	}
	table_add(&t, "NAME", "TYPE", "FLAGS", "MODULE", "ATTACHED", "DESCRIPTION");
	for (name = strtok_r(avail, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		char type[16], flags[32], module[64], count[32], desc[FAN_FP_DESC_MAX + 8];
		unsigned long fl;

		handler_attr(name, "type", type, sizeof(type));
		handler_attr(name, "flags", flags, sizeof(flags));
		handler_attr(name, "module", module, sizeof(module));
		handler_attr(name, "attachments", count, sizeof(count));
		handler_attr(name, "description", desc, sizeof(desc));
		fl = strtoul(flags, NULL, 0);
		if (fl == FAN_FP_F_SYS_ADMIN_ONLY)
			snprintf(flags, sizeof(flags), "sys-admin-only");
		else if (!fl && strcmp(flags, "?"))
			snprintf(flags, sizeof(flags), "-");
		table_add(&t, name, type, flags, module, count, desc);
	}
	table_print(&t);
	return EX_OK;
}

/* ---- show ------------------------------------------------------------------------------ */

struct owner {
	unsigned long long id;
	char who[96];
};

static int query_fd(int dev, int fd, struct fanotify_fastpath_info *info)
{
	memset(info, 0, sizeof(*info));
	info->version = FAN_FP_VERSION;
	info->fanotify_fd = fd;
	return ioctl(dev, FAN_FP_IOC_QUERY, info) ? -errno : 0;
}

/*
 * Find which processes hold the groups that have an attachment: every
 * fanotify descriptor of every process we may trace, queried for its
 * attachment id. Best effort: processes we cannot trace are skipped.
 */
static int find_owners(int dev, struct owner **out)
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
			if (!query_fd(dev, local, &info)) {
				nv = realloc(v, (n + 1) * sizeof(*v));
				if (nv) {
					v = nv;
					read_comm(pid, comm, sizeof(comm));
					v[n].id = info.id;
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

static int cmd_show(int argc, char **argv)
{
	struct table t = { .ncols = 9 };
	struct owner *owners = NULL;
	int ret, nowners = 0, dev = -1, rows = 0;
	char line[512], flagbuf[64];
	struct opts o;
	FILE *f;

	ret = parse_opts("show", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("show", EX_OK);
	if (ret)
		return ret;
	if (o.nargs || o.pid >= 0 || o.fd >= 0)
		return bad_usage("show", "show takes no arguments (one process: fpctl query)");
	if (!core_loaded())
		return no_core();
	f = fopen(FP_SYSFS "/attachments", "re");
	if (!f) {
		error("cannot read %s/attachments: %s", FP_SYSFS, strerror(errno));
		return EX_FAIL;
	}
	dev = open(FP_DEV, O_RDWR | O_CLOEXEC);
	if (dev >= 0) {
		nowners = find_owners(dev, &owners);
		close(dev);
	}
	table_add(&t, "ID", "HANDLER", "FLAGS", "SEEN", "PASSED", "DROPPED", "DENIED", "ERRORS",
		  "PROCESSES");
	while (fgets(line, sizeof(line), f)) {
		char id[24], name[FAN_FP_NAME_MAX], flags[16], seen[24], passed[24];
		char dropped[24], denied[24], errors[24], who[512];
		unsigned long long idv;
		int i;

		if (sscanf(line, "%23s %31s %15s %23s %23s %23s %23s %23s", id, name, flags, seen,
			   passed, dropped, denied, errors) != 8)
			continue;
		idv = strtoull(id, NULL, 10);
		who[0] = 0;
		for (i = 0; i < nowners; i++) {
			size_t len = strlen(who);

			if (owners[i].id == idv)
				snprintf(who + len, sizeof(who) - len, "%s%s", len ? " " : "",
					 owners[i].who);
		}
		if (!who[0])
			snprintf(who, sizeof(who), dev < 0 ? "(needs root)" : "-");
		table_add(&t, id, name,
			  attach_flags_str(strtoul(flags, NULL, 0), flagbuf, sizeof(flagbuf)),
			  seen, passed, dropped, denied, errors, who);
		rows++;
	}
	fclose(f);
	free(owners);
	if (!rows) {
		table_print(&t);	/* frees the header */
		printf("(no handler is attached to any fanotify group)\n");
		return EX_OK;
	}
	table_print(&t);
	return EX_OK;
}

/* ---- attach, detach, query ------------------------------------------------------------- */

/* Open the device and find the target group, for the commands that take --pid. */
static int setup_target(const char *cmd, struct opts *o, int *dev, struct target *t)
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

static void describe(const struct target *t, char *buf, size_t size)
{
	snprintf(buf, size, "process %d (%s) fd %d", t->pid, t->comm, t->fd);
}

/* Errors every ioctl can return; EX_FAIL for the others. */
static int common_errno(int err, const char *what, const struct target *t)
{
	char who[128];

	describe(t, who, sizeof(who));
	switch (err) {
	case EPERM:
	case EACCES:
		error("permission denied: %s the group of %s needs CAP_SYS_ADMIN", what, who);
		return EX_PERM;
	case EOPNOTSUPP:
		error("the loaded core module does not support interface version %d (%s)",
		      FAN_FP_VERSION, strerror(err));
		hint("fpctl and the fanotify_fastpath module come from different versions");
		return EX_FAIL;
	default:
		error("%s the fanotify group of %s failed: %s", what, who, strerror(err));
		return EX_FAIL;
	}
}

static bool param_enabled(const char *name)
{
	char path[256], buf[16];

	snprintf(path, sizeof(path), FP_PARAMS "/%s", name);
	return read_text(path, buf, sizeof(buf)) > 0 && (buf[0] == 'Y' || buf[0] == '1');
}

static bool handler_available(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), FP_SYSFS "/handlers/%s", name);
	return !stat(path, &st);
}

static int attach_errno(int err, const char *name, const char *args, const struct target *t,
			int dev)
{
	struct fanotify_fastpath_info info;
	char who[128], avail[1024];

	describe(t, who, sizeof(who));
	switch (err) {
	case ENOENT:
		if (handler_available(name))
			break;		/* the handler's own fp_init said ENOENT */
		error("no handler named '%s' is registered, and no module provides it",
		      name);
		if (read_text(FP_SYSFS "/available", avail, sizeof(avail)) >= 0)
			hint("registered handlers: %s", avail[0] ? avail : "(none)");
		hint("handler modules are loaded on demand by their alias fanotify-fastpath-%s",
		     name);
		return EX_NOHANDLER;
	case EBUSY:
		if (!query_fd(dev, t->local_fd, &info))
			error("the fanotify group of %s already has handler '%s' attached", who,
			      info.name);
		else
			error("the fanotify group of %s already has a handler attached", who);
		hint("use --replace to replace it");
		return EX_BUSY;
	case EPERM:
	case EACCES:
		if (param_enabled("allow_unprivileged"))
			error("permission denied: sys-admin-only handler '%s' needs CAP_SYS_ADMIN",
			      name);
		else
			error("permission denied: attaching a handler needs CAP_SYS_ADMIN");
		return EX_PERM;
	case EINVAL:
	case E2BIG:
	case ENAMETOOLONG:
		break;
	default:
		return common_errno(err, "attaching to", t);
	}
	if (args[0])
		error("handler '%s' rejected the arguments \"%s\": %s", name, args, strerror(err));
	else
		error("handler '%s' refused to attach without arguments: %s", name, strerror(err));
	return EX_USAGE;
}

static int cmd_attach(int argc, char **argv)
{
	struct fanotify_fastpath_info old;
	struct fanotify_fastpath_args a;
	char args[FAN_FP_ARGS_MAX] = "", who[128];
	bool had_old = false;
	struct target t;
	struct opts o;
	int ret, dev, i;
	size_t len = 0;

	ret = parse_opts("attach", argc, argv, OPTS_ATTACH, &o);
	if (ret < 0)
		return cmd_help_exit("attach", EX_OK);
	if (ret)
		return ret;
	if (!o.nargs)
		return bad_usage("attach", "the handler name is missing");
	if (!valid_handler_name(o.args[0]))
		return bad_usage("attach",
				 "invalid handler name '%s': 1 to %d characters of A-Z a-z 0-9 _ -",
				 o.args[0], FAN_FP_NAME_MAX - 1);
	for (i = 1; i < o.nargs; i++) {
		size_t l = strlen(o.args[i]);

		if (len + l + 2 > sizeof(args))
			return bad_usage("attach", "the handler arguments are longer than %d bytes",
					 FAN_FP_ARGS_MAX - 1);
		if (len)
			args[len++] = ' ';
		memcpy(args + len, o.args[i], l + 1);
		len += l;
	}

	ret = setup_target("attach", &o, &dev, &t);
	if (ret)
		return ret;
	if (o.replace)
		had_old = !query_fd(dev, t.local_fd, &old);

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", o.args[0]);
	a.version = FAN_FP_VERSION;
	a.flags = (o.replace ? FAN_FP_ATTACH_REPLACE : 0) |
		  (o.perm_skip_allows ? FAN_FP_ATTACH_PERM_SKIP_ALLOWS : 0);
	a.fanotify_fd = t.local_fd;
	if (len) {
		a.init_args = (uintptr_t)args;
		a.init_args_size = len + 1;
	}
	if (ioctl(dev, FAN_FP_IOC_ATTACH, &a))
		ret = attach_errno(errno, o.args[0], args, &t, dev);
	close(t.local_fd);
	close(dev);
	if (ret)
		return ret;

	describe(&t, who, sizeof(who));
	if (had_old)
		printf("attached handler %s to %s (replaced %s)\n", o.args[0], who, old.name);
	else
		printf("attached handler %s to %s\n", o.args[0], who);
	return EX_OK;
}

static int not_attached(const struct target *t)
{
	char who[128];

	describe(t, who, sizeof(who));
	error("no handler is attached to the fanotify group of %s", who);
	return EX_NOTATTACHED;
}

static int cmd_detach(int argc, char **argv)
{
	struct fanotify_fastpath_target ft;
	struct fanotify_fastpath_info info;
	char who[128];
	struct target t;
	struct opts o;
	int ret, dev;
	bool named;

	ret = parse_opts("detach", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("detach", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("detach", "unexpected argument '%s'", o.args[0]);
	ret = setup_target("detach", &o, &dev, &t);
	if (ret)
		return ret;
	named = !query_fd(dev, t.local_fd, &info);

	memset(&ft, 0, sizeof(ft));
	ft.version = FAN_FP_VERSION;
	ft.fanotify_fd = t.local_fd;
	if (ioctl(dev, FAN_FP_IOC_DETACH, &ft))
		ret = errno == ENOENT ? not_attached(&t) :
		      common_errno(errno, "detaching from", &t);
	close(t.local_fd);
	close(dev);
	if (ret)
		return ret;
	describe(&t, who, sizeof(who));
	printf("detached handler %s from %s\n", named ? info.name : "?", who);
	return EX_OK;
}

static int cmd_query(int argc, char **argv)
{
	struct fanotify_fastpath_info info;
	char flagbuf[64];
	struct target t;
	struct opts o;
	int ret, dev;

	ret = parse_opts("query", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("query", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("query", "unexpected argument '%s'", o.args[0]);
	ret = setup_target("query", &o, &dev, &t);
	if (ret)
		return ret;
	ret = query_fd(dev, t.local_fd, &info);
	close(t.local_fd);
	close(dev);
	if (ret == -ENOENT)
		return not_attached(&t);
	if (ret)
		return common_errno(-ret, "querying", &t);

	printf("process %d (%s) fd %d: handler %s\n", t.pid, t.comm, t.fd, info.name);
	printf("\ttype %s id %llu flags %s\n", info.is_bpf ? "bpf" : "c",
	       (unsigned long long)info.id,
	       attach_flags_str(info.attach_flags, flagbuf, sizeof(flagbuf)));
	printf("\tseen %llu passed %llu dropped %llu denied %llu errors %llu tags %llu\n",
	       (unsigned long long)info.seen, (unsigned long long)info.passed,
	       (unsigned long long)info.dropped, (unsigned long long)info.denied,
	       (unsigned long long)info.errors, (unsigned long long)info.tags);
	return EX_OK;
}

static int cmd_tag(int argc, char **argv)
{
	struct fanotify_fastpath_info info;
	struct fanotify_fastpath_tag tag;
	int ret, dev, i, *fds;
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
		error("out of memory");
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
		memset(&tag, 0, sizeof(tag));
		tag.version = FAN_FP_VERSION;
		tag.fanotify_fd = t.local_fd;
		tag.fd = fds[i];
		tag.value = o.value;
		if (!ioctl(dev, FAN_FP_IOC_TAG, &tag)) {
			printf("tagged %s (value %llu) for %s\n", o.args[i], o.value, who);
		} else if (errno == ENOENT && query_fd(dev, t.local_fd, &info) == -ENOENT) {
			ret = not_attached(&t);
		} else if (errno == ENOSPC) {
			error("cannot tag %s: the attachment has all the tags allowed", o.args[i]);
			hint("the limit is the module parameter fanotify_fastpath.tag_max");
			ret = EX_FAIL;
		} else {
			ret = common_errno(errno, "tagging inodes for", &t);
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

static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return bad_usage("help", "help takes at most one command name");
	if (argc == 2) {
		if (!find_help(argv[1])) {
			error("unknown command '%s'", argv[1]);
			print_usage(stderr);
			return EX_USAGE;
		}
		cmd_help_exit(argv[1], EX_OK);
		if (strcmp(argv[1], "help"))
			printf("\n%s", exit_codes_text);
		return EX_OK;
	}
	print_usage(stdout);
	return EX_OK;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "list", cmd_list },
		{ "show", cmd_show },
		{ "attach", cmd_attach },
		{ "detach", cmd_detach },
		{ "query", cmd_query },
		{ "tag", cmd_tag },
		{ "help", cmd_help },
	};
	const char *cmd;
	size_t i;

	if (argc < 2) {
		print_usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		print_usage(stdout);
		return EX_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("fpctl %s (fanotify fastpath interface version %d)\n", FPCTL_VERSION,
		       FAN_FP_VERSION);
		return EX_OK;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	error("unknown command '%s'", cmd);
	print_usage(stderr);
	return EX_USAGE;
}
