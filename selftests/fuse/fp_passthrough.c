// SPDX-License-Identifier: GPL-2.0
/*
 * fp_passthrough: the FUSE server of selftests/subtree_test.c, a low-level
 * libfuse3 server that mirrors a backing directory. Not a test itself.
 *
 * usage: fp_passthrough [-t SECS] BACKING_DIR MOUNTPOINT
 *
 * It keeps one node per backing inode, like a network filesystem keeps one
 * file handle per server-side inode: a lookup of any name of an inode (a hard
 * link, a directory renamed in the backing directory behind the kernel's
 * back, "." and "..") answers the same node id and generation, so the kernel
 * finds its existing inode and, for a directory, moves its dentry to the new
 * name (d_splice_alias()) without any fsnotify event. A node holds an O_PATH
 * descriptor of its backing inode (so the backing inode number cannot be
 * reused while the kernel knows the node) until the kernel forgets it; node
 * ids are slots of a table, with a generation that changes when a slot is
 * reused, so a stale file handle is refused. It asks for
 * FUSE_CAP_EXPORT_SUPPORT and answers lookups of "." and "..": file handles
 * (open_by_handle_at(), fanotify's FAN_REPORT_DFID_NAME) decode after the
 * kernel evicted the inode. -t SECS: entry and attribute timeout (default 0:
 * the kernel revalidates every name and attribute it uses). It raises its
 * limit of open files (one O_PATH descriptor per node).
 *
 * Single-threaded (fuse_session_loop()); it runs as root and mounts with
 * mount(2) itself (no fusermount3). It ends when the filesystem is unmounted
 * or on SIGTERM.
 */
#define _GNU_SOURCE
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 17)
#include <fuse_lowlevel.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <linux/types.h>

struct node {
	int fd;			/* O_PATH of the backing inode; -1: a free slot */
	dev_t dev;
	ino_t ino;
	__u64 nlookup;
	__u64 gen;
};

static struct node *nodes;	/* node id N is slot N - 1; slot 0 is the root */
static size_t nnodes, cap;
static __u64 gens;
static double timeout;

static struct node *node_of(fuse_ino_t id)
{
	if (id < FUSE_ROOT_ID || id - 1 >= nnodes || nodes[id - 1].fd < 0)
		return NULL;
	return &nodes[id - 1];
}

static int fd_of(fuse_ino_t id)
{
	struct node *n = node_of(id);

	return n ? n->fd : -1;
}

/*
 * The node's descriptor and its "/proc/self/fd/N" in @buf, for the calls that
 * take no O_PATH descriptor; -1 after replying ESTALE when there is no node.
 */
static int node_path(fuse_req_t req, fuse_ino_t ino, char *buf, size_t size)
{
	int fd = fd_of(ino);

	if (fd < 0)
		fuse_reply_err(req, ESTALE);
	else
		snprintf(buf, size, "/proc/self/fd/%d", fd);
	return fd;
}

/* The node of the inode @fd refers to, taking @fd or closing it; NULL: ENOMEM. */
static struct node *node_get(int fd, const struct stat *st, fuse_ino_t *id)
{
	size_t i, free_slot = nnodes;

	for (i = 0; i < nnodes; i++) {
		if (nodes[i].fd < 0) {
			if (free_slot == nnodes && i)
				free_slot = i;
			continue;
		}
		if (nodes[i].dev == st->st_dev && nodes[i].ino == st->st_ino) {
			close(fd);
			*id = i + 1;
			return &nodes[i];
		}
	}
	if (free_slot == nnodes) {
		if (nnodes == cap) {
			struct node *n = realloc(nodes, (cap * 2 + 64) * sizeof(*n));

			if (!n) {
				close(fd);
				return NULL;
			}
			nodes = n;
			cap = cap * 2 + 64;
		}
		nnodes++;
	}
	nodes[free_slot].fd = fd;
	nodes[free_slot].dev = st->st_dev;
	nodes[free_slot].ino = st->st_ino;
	nodes[free_slot].nlookup = 0;
	nodes[free_slot].gen = ++gens;
	*id = free_slot + 1;
	return &nodes[free_slot];
}

/* Look @name up in @parent and fill @e; counts a lookup. 0 or -errno. */
static int do_lookup(fuse_ino_t parent, const char *name, struct fuse_entry_param *e)
{
	int pfd = fd_of(parent), fd;
	struct node *n;
	struct stat st;
	fuse_ino_t id;

	if (pfd < 0)
		return -ESTALE;
	memset(e, 0, sizeof(*e));
	e->attr_timeout = timeout;
	e->entry_timeout = timeout;
	/* The root's ".." is the root: nothing above the mount is served. */
	if (parent == FUSE_ROOT_ID && !strcmp(name, ".."))
		name = ".";
	fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		int err = -errno;

		close(fd);
		return err;
	}
	n = node_get(fd, &st, &id);
	if (!n)
		return -ENOMEM;
	if (n == &nodes[0])
		id = FUSE_ROOT_ID;
	else
		n->nlookup++;
	e->ino = id;
	e->generation = n->gen;
	e->attr = st;
	return 0;
}

static void reply_entry(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err = do_lookup(parent, name, &e);

	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

static void fp_init(void *data, struct fuse_conn_info *conn)
{
#if FUSE_MAJOR_VERSION > 3 || FUSE_MINOR_VERSION >= 17
	fuse_set_feature_flag(conn, FUSE_CAP_EXPORT_SUPPORT);
#else	/* libfuse 3.14 (Debian 12) */
	conn->want |= conn->capable & FUSE_CAP_EXPORT_SUPPORT;
#endif
}

static void fp_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	reply_entry(req, parent, name);
}

static void forget_one(fuse_ino_t id, uint64_t n)
{
	struct node *x = node_of(id);

	if (!x || id == FUSE_ROOT_ID)
		return;
	x->nlookup = x->nlookup > n ? x->nlookup - n : 0;
	if (!x->nlookup) {
		close(x->fd);
		x->fd = -1;
	}
}

static void fp_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	forget_one(ino, nlookup);
	fuse_reply_none(req);
}

static void fp_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *f)
{
	size_t i;

	for (i = 0; i < count; i++)
		forget_one(f[i].ino, f[i].nlookup);
	fuse_reply_none(req);
}

static void fp_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd = fd_of(ino);
	struct stat st;

	if (fd < 0)
		fuse_reply_err(req, ESTALE);
	else if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		fuse_reply_err(req, errno);
	else
		fuse_reply_attr(req, &st, timeout);
}

static void fp_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	char path[64];
	int fd = node_path(req, ino, path, sizeof(path));

	if (fd < 0)
		return;
	if ((to_set & FUSE_SET_ATTR_MODE) && chmod(path, attr->st_mode))
		goto err;
	if ((to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    fchownat(fd, "", to_set & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1,
		     to_set & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		goto err;
	if ((to_set & FUSE_SET_ATTR_SIZE) &&
	    (fi ? ftruncate(fi->fh, attr->st_size) : truncate(path, attr->st_size)))
		goto err;
	if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
		struct timespec tv[2] = {
			{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT },
		};

		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		if (utimensat(AT_FDCWD, path, tv, 0))
			goto err;
	}
	fp_getattr(req, ino, fi);
	return;
err:
	fuse_reply_err(req, errno);
}

static void fp_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	if (mkdirat(fd_of(parent), name, mode))
		fuse_reply_err(req, errno);
	else
		reply_entry(req, parent, name);
}

static void fp_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, unlinkat(fd_of(parent), name, AT_REMOVEDIR) ? errno : 0);
}

static void fp_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	fuse_reply_err(req, unlinkat(fd_of(parent), name, 0) ? errno : 0);
}

static void fp_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t parent, const char *name)
{
	char path[64];

	if (node_path(req, ino, path, sizeof(path)) < 0)
		return;
	if (linkat(AT_FDCWD, path, fd_of(parent), name, AT_SYMLINK_FOLLOW))
		fuse_reply_err(req, errno);
	else
		reply_entry(req, parent, name);
}

static void fp_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	fuse_reply_err(req, renameat2(fd_of(parent), name, fd_of(newparent), newname, flags) ?
		       errno : 0);
}

static void fp_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	int fd, err;

	fd = openat(fd_of(parent), name, (fi->flags | O_CREAT | O_CLOEXEC) & ~O_NOFOLLOW, mode);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	err = do_lookup(parent, name, &e);
	if (err) {
		close(fd);
		fuse_reply_err(req, -err);
		return;
	}
	fi->fh = fd;
	fuse_reply_create(req, &e, fi);
}

static void fp_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	char path[64];
	int fd;

	if (node_path(req, ino, path, sizeof(path)) < 0)
		return;
	fd = open(path, (fi->flags | O_CLOEXEC) & ~(O_NOFOLLOW | O_CREAT | O_EXCL));
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	fi->fh = fd;
	fuse_reply_open(req, fi);
}

static void fp_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	char *buf = malloc(size ? size : 1);
	ssize_t n;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = pread(fi->fh, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, n);
	free(buf);
}

static void fp_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	ssize_t n = pwrite(fi->fh, buf, size, off);

	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, n);
}

static void fp_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0);
}

static void fp_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	close(fi->fh);
	fuse_reply_err(req, 0);
}

static void fp_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	fuse_reply_err(req, (datasync ? fdatasync(fi->fh) : fsync(fi->fh)) ? errno : 0);
}

static void fp_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int fd = fd_of(ino);
	DIR *dir;

	if (fd < 0) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (!dir) {
		if (fd >= 0)
			close(fd);
		fuse_reply_err(req, errno);
		return;
	}
	fi->fh = (uintptr_t)dir;
	fuse_reply_open(req, fi);
}

/* Plain readdir: names and types, no lookups (the kernel looks up what it uses). */
static void fp_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	DIR *dir = (DIR *)(uintptr_t)fi->fh;
	char *buf = calloc(1, size ? size : 1);
	size_t used = 0;
	struct dirent *d;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	seekdir(dir, off);
	while ((d = readdir(dir))) {
		struct stat st = { .st_ino = d->d_ino, .st_mode = DTTOIF(d->d_type) };
		size_t n = fuse_add_direntry(req, buf + used, size - used, d->d_name, &st,
					     telldir(dir));

		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void fp_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	closedir((DIR *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void fp_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	if (fstatvfs(fd_of(FUSE_ROOT_ID), &st))
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &st);
}

static const struct fuse_lowlevel_ops ops = {
	.init		= fp_init,
	.lookup		= fp_lookup,
	.forget		= fp_forget,
	.forget_multi	= fp_forget_multi,
	.getattr	= fp_getattr,
	.setattr	= fp_setattr,
	.mkdir		= fp_mkdir,
	.rmdir		= fp_rmdir,
	.unlink		= fp_unlink,
	.link		= fp_link,
	.rename		= fp_rename,
	.create		= fp_create,
	.open		= fp_open,
	.read		= fp_read,
	.write		= fp_write,
	.flush		= fp_flush,
	.release	= fp_release,
	.fsync		= fp_fsync,
	.opendir	= fp_opendir,
	.readdir	= fp_readdir,
	.releasedir	= fp_releasedir,
	.statfs		= fp_statfs,
};

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct rlimit nofile = { .rlim_cur = 1 << 20, .rlim_max = 1 << 20 };
	struct fuse_session *se;
	struct stat st;
	fuse_ino_t id;
	int opt, fd, ret = 1;

	/*
	 * A descriptor per inode the kernel knows: a trace's 600 files and 300
	 * directories come near the default limit of 1024. Root may raise it.
	 */
	if (setrlimit(RLIMIT_NOFILE, &nofile) && !getrlimit(RLIMIT_NOFILE, &nofile)) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			goto usage;
		timeout = strtod(optarg, NULL);
	}
	if (argc - optind != 2)
		goto usage;
	fd = open(argv[optind], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "fp_passthrough: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (!node_get(fd, &st, &id))
		return 1;
	if (fuse_opt_add_arg(&args, argv[0]) ||
	    fuse_opt_add_arg(&args, "-osubtype=fp_passthrough,fsname=fp_passthrough"))
		return 1;
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	if (!fuse_set_signal_handlers(se)) {
		if (!fuse_session_mount(se, argv[optind + 1])) {
			ret = fuse_session_loop(se) ? 1 : 0;
			fuse_session_unmount(se);
		}
		fuse_remove_signal_handlers(se);
	}
	fuse_session_destroy(se);
	fuse_opt_free_args(&args);
	return ret;
usage:
	fprintf(stderr, "usage: fp_passthrough [-t SECS] BACKING_DIR MOUNTPOINT\n");
	return 2;
}
