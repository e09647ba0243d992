// SPDX-License-Identifier: GPL-2.0
/*
 * The subtree rule against ground truth computed by the test itself.
 *
 * The rule: an event is delivered iff the directory it is reported in is
 * inside one of the roots at the time of the event. A directory is inside
 * when the nearest root on its way up the directory tree (itself included)
 * is an include root; outside when it is an exclude root or when there is no
 * root up to the root of its filesystem. Roots are directories (inodes), not
 * paths: a root that is moved stays a root, a root that is removed is no
 * root any more. "Reported in": the parent directory of a directory-entry
 * event (CREATE, DELETE, MOVED_FROM in the old parent, MOVED_TO in the new
 * one, and with FAN_REPORT_DFID_NAME also MODIFY, CLOSE_WRITE and ATTRIB of a
 * child); FAN_RENAME when the old or the new parent is inside; events on a
 * directory itself (chmod of D) are reported in D (fanotify reports D's own
 * fid and the name ".").
 *
 * Ground truth: the test keeps a model of the directory tree (every
 * directory with its parent and name, which are roots and of which kind,
 * every file name and which names share an inode) and updates it with every
 * operation it performs. From the model alone, never from the handler, it
 * derives the events each operation must deliver: for each event the kernel
 * raises (the list is in the op_*() functions), the model decides whether the
 * directory it is reported in is inside, and the event's line is "MASK
 * DIR/NAME" (DIR: the path of the directory as the model has it after the
 * operation) or "RENAME OLD_DIR/OLD_NAME -> NEW_DIR/NEW_NAME".
 *
 * The group is fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME |
 * FAN_NONBLOCK) with a FAN_MARK_FILESYSTEM mark on the filesystem under test,
 * mask CREATE | DELETE | MOVED_FROM | MOVED_TO | RENAME | MODIFY | CLOSE_WRITE |
 * ATTRIB | ONDIR (no *_SELF events: they have no directory). After every
 * operation the test reads the queue until it is empty, so each event
 * belongs to one operation, and resolves each directory file handle to a path
 * (open_by_handle_at() and /proc/self/fd) right away. Comparison per
 * operation:
 *
 *   - fanotify merges a new event into a queued one with the same directory
 *     fid, name and object type (e.g. the CREATE, MODIFY and CLOSE_WRITE of one
 *     creat-write-close): whether it does depends on the kernel and on the
 *     queue, so on both sides events with the same line (directory, name and
 *     FAN_ONDIR) are folded into one whose mask is the OR of theirs; an
 *     operation never raises two events that fanotify keeps apart on one
 *     line, so the folded lines are exact (the price: the same event
 *     delivered twice within one operation would go unnoticed);
 *   - FAN_RENAME is never merged: its line names both ends, and two received
 *     RENAME events with the same line count as an extra event;
 *   - an event on a directory itself arrives with the directory's own fid
 *     and the name ".": its line is "D/.", its verdict is D's own;
 *   - every expected line must be received with exactly its mask, and
 *     nothing else may be received (a mask with a missing or an additional
 *     bit counts as "wrong mask").
 *
 * A mismatch is logged with the operation's number and command, the expected
 * and the received lines and the seed (the first 10 wrong operations of a
 * test, FP_LOG_OPS=N for more; the others are counted); the test fails on
 * any lost, extra or wrong event. Randomized tests print their seed;
 * FP_SEED=N repeats a run.
 *
 * Variants: the C handler "subtree" (roots as attach arguments "root=A,B
 * exclude=C cache=N") and its BPF twin "subtree_bpf" (selftests/bpf/subtree.bpf.c,
 * roots added with FAN_FP_IOC_ROOT), each on a fresh tmpfs and on ext4 on a
 * loop device (an image in /tmp; the ext4 variant drops the dentry and inode
 * caches during the longer tests so that directories are evicted and looked
 * up again). The fixture "unfiltered" runs the random trace with no handler,
 * every directory counting as inside: it checks the model's events against
 * the kernel alone, so that a failure of the handler variants is the
 * handler's, not the model's. The fixture "subtree_fs" runs the random trace
 * (3000 operations) with both handlers on btrfs, XFS, overlayfs and FUSE, and
 * "unfiltered" checks the model there too (2000 operations); they drop the
 * caches every 250 operations. A kernel or VM without the filesystem (the
 * debug lane's kernel has none of the four) SKIPs them.
 *
 * The other filesystems, as found on Debian's 6.12.118 and 7.3.4 kernels
 * (the same on both):
 *
 *   - btrfs (mkfs.btrfs on a 256 MB image): the tests work in a subvolume,
 *     MNT/sv. FAN_MARK_FILESYSTEM must be on the filesystem's top (a path in
 *     a subvolume has another f_fsid: EXDEV); events in subvolumes carry the
 *     top's fsid and their handles decode through MNT. In the trace R2 (an
 *     include root) is a subvolume, and every 250 operations a subvolume (R2
 *     or an earlier snapshot) is snapshotted into a random directory of
 *     MNT/sv's own subvolume ("btrfs subvolume snapshot": one CREATE|ONDIR in
 *     the parent). The model's snapshot: a new directory holding a copy of
 *     the tree, the same names, directories with the same inode numbers and
 *     generations as the ones they copy (other inodes: another subvolume),
 *     files with new inodes, and no roots (roots are inodes: a snapshot of a
 *     root is no root; a snapshot of R2 is inside or outside by where it
 *     is). Renames and links never cross a subvolume (EXDEV), and no
 *     subvolume holds another one (a snapshot would show it as an empty
 *     directory). "btrfs.subvolume_twins": two directories with equal
 *     inode number and generation on one super_block.
 *   - XFS (mkfs.xfs on a 320 MB image, its minimum is 300 MB, with the
 *     lts_6.12 feature set).
 *   - overlayfs: the layout made before the attach is the lower layer
 *     (BACK/lower on a tmpfs, bind-mounted at MNT while it is made), then
 *     overlayfs is mounted at MNT with upper and work on the same tmpfs; the
 *     roots are directories of the merged tree, and the trace's first
 *     operations in them copy lower directories up. fanotify needs
 *     decodable file handles for FAN_MARK_FILESYSTEM (and the test for
 *     open_by_handle_at()): nfs_export=on (index=on comes with it; without
 *     nfs_export overlayfs only encodes handles, and the mark fails with
 *     EOPNOTSUPP, redirect_dir=on and index=on or not);
 *     redirect_dir=on, else a rename of a lower directory fails with EXDEV
 *     (Debian's kernels default to redirect_dir=off). tmpfs as the lower
 *     and upper layers is fine for index=on (it has a UUID and file handles).
 *   - FUSE: selftests/fuse/fp_passthrough.c over a tmpfs at BACK, one node
 *     id per backing inode, FUSE_CAP_EXPORT_SUPPORT (handles decode after
 *     the inode was evicted); entry and attribute timeouts 60 s in the
 *     trace, 0 in "fuse.*.server_side_rename". FUSE reports a zero f_fsid,
 *     so fanotify refuses a filesystem mark (and a mount mark) with ENODEV
 *     on 6.12 and on 7.3: the test puts an inode mark (with
 *     FAN_EVENT_ON_CHILD) on every directory instead, as inotifywait -r
 *     would (a "weak" fsid, allowed for inode marks since 6.8; events carry
 *     the zero fsid). Marks pin their inodes: dropping the caches evicts the
 *     dentries, not the directories' inodes. "fuse.*.server_side_rename":
 *     directories renamed by the server's side, re-parented by a lookup.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <bpf/libbpf.h>

#include "fp_util.h"
#include "kselftest_harness.h"
#include "subtree.skel.h"

#define MNT		"/tmp/fp-subtree"	/* the filesystem under test */
#define MNT2		"/tmp/fp-subtree2"	/* a second tmpfs (unmount test) */
#define IMG		"/tmp/fp-subtree.img"	/* a disk image, on /tmp's tmpfs */
#define BACK		"/tmp/fp-subtree-back"	/* overlayfs' layers, FUSE's backing tmpfs */
#define SUBVOL		"sv"			/* btrfs: the tests work in MNT/sv */
#define FUSE_SERVER	"fp_passthrough"	/* beside the test (selftests/fuse/) */
#define EVENTS		(FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | \
			 FAN_RENAME | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ATTRIB | FAN_ONDIR)
#define CACHE_PARAM	"/sys/module/fanotify_fastpath/parameters/cache_max"
#define NAME_LEN	24
#define KEY_MAX		(2 * PATH_MAX + 8)
#define LOG_OPS		10		/* wrong operations logged in full, per test */

/* ---- randomness ------------------------------------------------------------------------- */

static unsigned int seed;

static void __attribute__((constructor)) pick_seed(void)
{
	const char *s = getenv("FP_SEED");

	if (s && *s)
		seed = strtoul(s, NULL, 0);
	else
		seed = (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16);
}

/* xorshift64*, one stream per test: seeded from the seed and the test's name. */
static __u64 rng_init(const char *test)
{
	__u64 x = 0x9e3779b97f4a7c15ULL ^ seed;

	while (*test)
		x = (x ^ (unsigned char)*test++) * 0x100000001b3ULL;
	return x ? x : 1;
}

static __u32 rnd(__u64 *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (*x * 0x2545f4914f6cdd1dULL) >> 32;
}

static int rnd_below(__u64 *x, int n)
{
	return n > 0 ? (int)(rnd(x) % (__u32)n) : 0;
}

/* ---- the model ----------------------------------------------------------------------------- */

enum { NOT_ROOT, ROOT_IN, ROOT_EX };

struct mdir {
	int parent;		/* -1: the root directory of a filesystem */
	int child;		/* first subdirectory, -1: none */
	int prev, next;		/* siblings, -1: none */
	int live;		/* index in model.ldirs, -1 once removed */
	int nsub, nfiles;	/* subdirectories, file names */
	int kind;		/* NOT_ROOT, ROOT_IN or ROOT_EX */
	bool subvol;		/* btrfs: the root of a subvolume (or snapshot) */
	char name[NAME_LEN];
	const char *mnt;	/* a filesystem's root: its mount point */
};

struct mfile {
	int dir;
	int ino;		/* the names of one inode (hard links) share it */
	int live;		/* index in model.lfiles, -1 once removed */
	char name[NAME_LEN];
};

struct model {
	struct mdir *d;
	struct mfile *f;
	int nd, nf, dcap, fcap;
	int *ldirs, *lfiles;	/* live directories, live file names */
	int nldirs, nlfiles;
	unsigned int names;
	int inos;
	bool all_inside;	/* no handler: every event is delivered */
};

static void model_free(struct model *m)
{
	free(m->d);
	free(m->f);
	free(m->ldirs);
	free(m->lfiles);
	memset(m, 0, sizeof(*m));
}

static void new_name(struct model *m, char prefix, char *name)
{
	snprintf(name, NAME_LEN, "%c%u", prefix, ++m->names);
}

static void link_dir(struct model *m, int d, int parent)
{
	struct mdir *x = &m->d[d];

	x->parent = parent;
	x->prev = -1;
	x->next = m->d[parent].child;
	if (x->next >= 0)
		m->d[x->next].prev = d;
	m->d[parent].child = d;
	m->d[parent].nsub++;
}

static void unlink_dir(struct model *m, int d)
{
	struct mdir *x = &m->d[d];

	if (x->prev >= 0)
		m->d[x->prev].next = x->next;
	else
		m->d[x->parent].child = x->next;
	if (x->next >= 0)
		m->d[x->next].prev = x->prev;
	m->d[x->parent].nsub--;
}

/* A directory named @name in @parent, or the root of a filesystem at @mnt (@parent -1). */
static int model_add_dir(struct model *m, int parent, const char *name, const char *mnt)
{
	int d = m->nd++;
	struct mdir *x;

	if (m->nd > m->dcap) {
		m->dcap = m->nd * 2 + 64;
		m->d = realloc(m->d, m->dcap * sizeof(*m->d));
		m->ldirs = realloc(m->ldirs, m->dcap * sizeof(*m->ldirs));
		if (!m->d || !m->ldirs)
			abort();
	}
	x = &m->d[d];
	memset(x, 0, sizeof(*x));
	x->child = -1;
	x->prev = -1;
	x->next = -1;
	x->parent = -1;
	x->mnt = mnt;
	snprintf(x->name, sizeof(x->name), "%s", name);
	if (parent >= 0)
		link_dir(m, d, parent);
	x->live = m->nldirs;
	m->ldirs[m->nldirs++] = d;
	return d;
}

static void model_del_dir(struct model *m, int d)
{
	struct mdir *x = &m->d[d];
	int last = m->ldirs[--m->nldirs];

	m->ldirs[x->live] = last;
	m->d[last].live = x->live;
	x->live = -1;
	x->kind = NOT_ROOT;	/* a removed root is no root */
	if (x->parent >= 0)
		unlink_dir(m, d);
}

static void model_move_dir(struct model *m, int d, int parent, const char *name)
{
	unlink_dir(m, d);
	link_dir(m, d, parent);
	snprintf(m->d[d].name, sizeof(m->d[d].name), "%s", name);
}

static int model_add_file(struct model *m, int dir, const char *name, int ino)
{
	int f = m->nf++;
	struct mfile *x;

	if (m->nf > m->fcap) {
		m->fcap = m->nf * 2 + 64;
		m->f = realloc(m->f, m->fcap * sizeof(*m->f));
		m->lfiles = realloc(m->lfiles, m->fcap * sizeof(*m->lfiles));
		if (!m->f || !m->lfiles)
			abort();
	}
	if (!ino)
		ino = ++m->inos;
	x = &m->f[f];
	x->dir = dir;
	x->ino = ino;
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->live = m->nlfiles;
	m->lfiles[m->nlfiles++] = f;
	m->d[dir].nfiles++;
	return f;
}

static void model_del_file(struct model *m, int f)
{
	struct mfile *x = &m->f[f];
	int last = m->lfiles[--m->nlfiles];

	m->lfiles[x->live] = last;
	m->f[last].live = x->live;
	x->live = -1;
	m->d[x->dir].nfiles--;
}

static void model_move_file(struct model *m, int f, int dir, const char *name)
{
	m->d[m->f[f].dir].nfiles--;
	m->f[f].dir = dir;
	m->d[dir].nfiles++;
	snprintf(m->f[f].name, sizeof(m->f[f].name), "%s", name);
}

/* The path of directory @d; returns its length. */
static size_t dir_path(const struct model *m, int d, char *buf, size_t size)
{
	size_t n;

	if (m->d[d].parent < 0)
		return snprintf(buf, size, "%s", m->d[d].mnt);
	n = dir_path(m, m->d[d].parent, buf, size);
	if (n < size)
		n += snprintf(buf + n, size - n, "/%s", m->d[d].name);
	return n;
}

static void entry_path(const struct model *m, int dir, const char *name, char *buf, size_t size)
{
	size_t n = dir_path(m, dir, buf, size);

	if (n < size)
		snprintf(buf + n, size - n, "/%s", name);
}

/* The rule: the nearest root on the way up decides; no root: outside. */
static bool inside(const struct model *m, int d)
{
	if (m->all_inside)
		return true;
	for (; d >= 0; d = m->d[d].parent) {
		if (m->d[d].kind != NOT_ROOT)
			return m->d[d].kind == ROOT_IN;
	}
	return false;
}

/* @x is @d or below it. */
static bool below(const struct model *m, int x, int d)
{
	for (; x >= 0; x = m->d[x].parent) {
		if (x == d)
			return true;
	}
	return false;
}

static int depth(const struct model *m, int d)
{
	int n = 0;

	for (; m->d[d].parent >= 0; d = m->d[d].parent)
		n++;
	return n;
}

/* Levels of directories below @d (0: none). */
static int height(const struct model *m, int d)
{
	int c, h = 0;

	for (c = m->d[d].child; c >= 0; c = m->d[c].next) {
		int ch = height(m, c) + 1;

		if (ch > h)
			h = ch;
	}
	return h;
}

static int nroots(const struct model *m)
{
	int i, n = 0;

	for (i = 0; i < m->nldirs; i++)
		n += m->d[m->ldirs[i]].kind != NOT_ROOT;
	return n;
}

/* ---- expected and received events ------------------------------------------------------- */

struct evline {
	__u64 mask;		/* OR of the folded events' masks */
	int count;		/* events folded into the line */
	bool matched;
	char *key;		/* "DIR/NAME" or "OLD_DIR/OLD_NAME -> NEW_DIR/NEW_NAME" */
};

struct evset {
	struct evline *e;
	int n, cap;
};

static struct evline *evset_find(struct evset *s, __u64 ondir, const char *key)
{
	int i;

	for (i = 0; i < s->n; i++) {
		if ((s->e[i].mask & FAN_ONDIR) == ondir && !strcmp(s->e[i].key, key))
			return &s->e[i];
	}
	return NULL;
}

static void evset_add(struct evset *s, __u64 mask, const char *key)
{
	struct evline *l = evset_find(s, mask & FAN_ONDIR, key);

	if (!l) {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 16;
			s->e = realloc(s->e, s->cap * sizeof(*s->e));
			if (!s->e)
				abort();
		}
		l = &s->e[s->n++];
		memset(l, 0, sizeof(*l));
		l->key = strdup(key);
		if (!l->key)
			abort();
	}
	l->mask |= mask;
	l->count++;
}

static void evset_clear(struct evset *s)
{
	while (s->n)
		free(s->e[--s->n].key);
}

static void mask_str(__u64 mask, char *buf, size_t size)
{
	static const struct { __u64 bit; const char *name; } bits[] = {
		{ FAN_CREATE, "CREATE" }, { FAN_DELETE, "DELETE" },
		{ FAN_MOVED_FROM, "MOVED_FROM" }, { FAN_MOVED_TO, "MOVED_TO" },
		{ FAN_RENAME, "RENAME" }, { FAN_MODIFY, "MODIFY" },
		{ FAN_CLOSE_WRITE, "CLOSE_WRITE" }, { FAN_ATTRIB, "ATTRIB" },
		{ FAN_Q_OVERFLOW, "Q_OVERFLOW" }, { FAN_ONDIR, "ONDIR" },
	};
	size_t i, len = 0;

	buf[0] = 0;
	for (i = 0; i < ARRAY_SIZE(bits) && len < size; i++) {
		if (!(mask & bits[i].bit))
			continue;
		len += snprintf(buf + len, size - len, "%s%s", len ? "|" : "", bits[i].name);
		mask &= ~bits[i].bit;
	}
	if (mask && len < size)
		snprintf(buf + len, size - len, "%s0x%llx", len ? "|" : "",
			 (unsigned long long)mask);
}

/* ---- filesystems ----------------------------------------------------------------------------- */

/* The filesystems under test. */
enum { FS_TMPFS, FS_EXT4, FS_BTRFS, FS_XFS, FS_OVERLAY, FS_FUSE, FS_NR };

static const struct {
	const char *name;	/* what the logs say */
	const char *type;	/* in /proc/filesystems */
	const char *mkfs;	/* disk image: the command, formatted with the image */
	int img_mb;
} fs_kinds[FS_NR] = {
	[FS_TMPFS] = { "tmpfs", "tmpfs" },
	[FS_EXT4] = { "ext4 on a loop device", "ext4",
		      "mkfs.ext4 -q -F -N 40000 -E nodiscard %s", 256 },
	[FS_BTRFS] = { "btrfs on a loop device", "btrfs", "mkfs.btrfs -q -f -K %s", 256 },
	/*
	 * mkfs.xfs refuses less than 300 MB; the feature set of 6.12 (xfsprogs 6.13 may
	 * default to what the 6.12 kernel cannot mount). Older xfsprogs (6.1, Debian 12's
	 * build root for its 6.1 kernel) have no lts_6.12.conf and default to what 6.1 mounts.
	 */
	[FS_XFS] = { "XFS on a loop device", "xfs",
		     "o=/usr/share/xfsprogs/mkfs/lts_6.12.conf; "
		     "mkfs.xfs -q -f -K $([ -e $o ] && echo -c options=$o) %s",
		     320 },
	[FS_OVERLAY] = { "overlayfs (lower, upper and work on a tmpfs)", "overlay" },
	[FS_FUSE] = { "FUSE (fp_passthrough over a tmpfs)", "fuse" },
};

/* FUSE: the server's entry and attribute timeout (fp_passthrough -t). */
static const char *fuse_timeout = "60";

struct tfs {
	const char *path;
	bool mounted;
	int kind;		/* FS_* */
	bool back;		/* overlayfs, FUSE: a tmpfs at BACK */
	bool sealed;		/* overlayfs: mounted (before: its lower layer at path) */
	pid_t server;		/* FUSE: the server */
	int mntfd;		/* the root, for open_by_handle_at() */
	int loopfd;		/* a disk image's loop device */
	int root;		/* its root in the model */
	__kernel_fsid_t fsid;
};

static int run(const char *cmd)
{
	int status = system(cmd);

	return status == 0 ? 0 : -1;
}

/* The kernel knows the filesystem type and the VM has its tools; else why not, for SKIP. */
static const char *fs_missing(int kind)
{
	char buf[4096], want[32];
	int n = fp_read_file("/proc/filesystems", buf, sizeof(buf));

	snprintf(want, sizeof(want), "\t%s\n", fs_kinds[kind].type);
	if (n <= 0 || !strstr(buf, want))
		return "the kernel has no such filesystem (not in /proc/filesystems)";
	if (kind == FS_BTRFS &&
	    (run("command -v mkfs.btrfs >/dev/null") || run("command -v btrfs >/dev/null")))
		return "no mkfs.btrfs or btrfs in the VM (btrfs-progs)";
	if (kind == FS_XFS && run("command -v mkfs.xfs >/dev/null"))
		return "no mkfs.xfs in the VM (xfsprogs)";
	return NULL;
}

static void umount_path(const char *path)
{
	int i;

	for (i = 0; umount2(path, 0) && errno == EBUSY && i < 50; i++)
		usleep(20000);
	if (umount2(path, MNT_DETACH) && errno != EINVAL && errno != ENOENT)
		fprintf(stderr, "# umount %s: %s\n", path, strerror(errno));
}

/* FUSE: the server ends when its filesystem is unmounted; else SIGTERM, then SIGKILL. */
static void server_stop(struct tfs *fs)
{
	int i, status;

	if (fs->server <= 0)
		return;
	for (i = 0; i < 100 && !waitpid(fs->server, &status, WNOHANG); i++) {
		if (i == 50)
			kill(fs->server, SIGTERM);
		usleep(20000);
	}
	if (i == 100) {
		kill(fs->server, SIGKILL);
		waitpid(fs->server, &status, 0);
	}
	fs->server = 0;
}

static void fs_umount(struct tfs *fs)
{
	if (fs->mntfd > 0)
		close(fs->mntfd);
	fs->mntfd = -1;
	if (fs->mounted) {
		umount_path(fs->path);
		fs->mounted = false;
	}
	server_stop(fs);
	if (fs->loopfd > 0) {
		ioctl(fs->loopfd, LOOP_CLR_FD);
		close(fs->loopfd);
	}
	fs->loopfd = -1;
	if (fs_kinds[fs->kind].mkfs)
		unlink(IMG);
	if (fs->back) {
		umount_path(BACK);
		rmdir(BACK);
		fs->back = false;
	}
	rmdir(fs->path);
}

static int fs_open_root(struct tfs *fs)
{
	struct statfs st;

	fs->mntfd = open(fs->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->mntfd < 0 || fstatfs(fs->mntfd, &st))
		return -errno;
	memcpy(&fs->fsid, &st.f_fsid, sizeof(fs->fsid));
	return 0;
}

/* A disk image of the kind's size, formatted, on a loop device, mounted at fs->path. */
static int fs_mount_image(struct tfs *fs)
{
	char dev[32], cmd[256];
	int fd;

	unlink(IMG);
	fd = open(IMG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)fs_kinds[fs->kind].img_mb << 20)) {
		fprintf(stderr, "# %s: %s\n", IMG, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), fs_kinds[fs->kind].mkfs, IMG);
	if (run(cmd)) {
		fprintf(stderr, "# %s failed\n", cmd);
		return -EIO;
	}
	fs->loopfd = fp_loop_attach(IMG, dev, sizeof(dev));
	if (fs->loopfd < 0) {
		fprintf(stderr, "# loop device for %s: %s (loop module loaded?)\n", IMG,
			strerror(-fs->loopfd));
		return fs->loopfd;
	}
	if (mount(dev, fs->path, fs_kinds[fs->kind].type, 0, "")) {
		fprintf(stderr, "# mount -t %s %s %s: %s\n", fs_kinds[fs->kind].type, dev,
			fs->path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The FUSE server, started on BACK with its mount at fs->path; 0 once mounted. */
static int fs_mount_fuse(struct tfs *fs)
{
	char self[PATH_MAX], server[PATH_MAX + sizeof(FUSE_SERVER)];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct statfs st;
	int i, status;

	if (n <= 0)
		return -errno;
	self[n] = 0;
	*strrchr(self, '/') = 0;
	snprintf(server, sizeof(server), "%s/%s", self, FUSE_SERVER);
	fs->server = fork();
	if (fs->server < 0)
		return -errno;
	if (!fs->server) {
		execl(server, FUSE_SERVER, "-t", fuse_timeout, BACK, fs->path, (char *)NULL);
		fprintf(stderr, "# %s: %s\n", server, strerror(errno));
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		if (!statfs(fs->path, &st) && st.f_type == FUSE_SUPER_MAGIC)
			return 0;
		if (waitpid(fs->server, &status, WNOHANG) == fs->server) {
			fs->server = 0;
			fprintf(stderr, "# %s exited (status 0x%x) before mounting\n", server,
				status);
			return -EIO;
		}
		usleep(10000);
	}
	fprintf(stderr, "# %s did not mount %s in 5 s\n", server, fs->path);
	return -ETIMEDOUT;
}

/*
 * A fresh filesystem of @kind at @path. 0 or -errno; logs why. overlayfs is
 * its lower layer (BACK/lower, bind-mounted at @path) until fs_seal().
 */
static int fs_mount(struct tfs *fs, const char *path, int kind)
{
	char cmd[PATH_MAX];
	int ret;

	memset(fs, 0, sizeof(*fs));
	fs->path = path;
	fs->kind = kind;
	fs->mntfd = -1;
	fs->loopfd = -1;
	/* What an earlier, killed run may have left. */
	umount2(path, MNT_DETACH);
	mkdir(path, 0755);
	if (kind == FS_OVERLAY || kind == FS_FUSE) {
		umount2(BACK, MNT_DETACH);
		mkdir(BACK, 0755);
		if (mount("tmpfs", BACK, "tmpfs", 0, "mode=0755"))
			return -errno;
		fs->back = true;
	}
	switch (kind) {
	case FS_TMPFS:
		if (mount("tmpfs", path, "tmpfs", 0, "mode=0755"))
			return -errno;
		break;
	case FS_OVERLAY:
		if (mkdir(BACK "/lower", 0755) || mkdir(BACK "/upper", 0755) ||
		    mkdir(BACK "/work", 0755) ||
		    mount(BACK "/lower", path, NULL, MS_BIND, NULL))
			return -errno;
		break;
	case FS_FUSE:
		ret = fs_mount_fuse(fs);
		if (ret)
			return ret;
		break;
	default:
		ret = fs_mount_image(fs);
		if (ret)
			return ret;
	}
	fs->mounted = true;
	ret = fs_open_root(fs);
	if (ret || kind != FS_BTRFS)
		return ret;
	snprintf(cmd, sizeof(cmd), "btrfs subvolume create %s/%s >/dev/null", path, SUBVOL);
	return run(cmd) ? -EIO : 0;
}

/*
 * overlayfs: the lower layer as it is now (the tree made before the attach)
 * under an upper layer on the same tmpfs, mounted at fs->path. FAN_MARK_FILESYSTEM
 * and open_by_handle_at() need decodable file handles: nfs_export=on (which
 * needs index=on); redirect_dir=on so that a directory of the lower layer can
 * be renamed (without it, EXDEV). Nothing to do for the other kinds.
 */
static int fs_seal(struct tfs *fs)
{
	static const char opts[] = "lowerdir=" BACK "/lower,upperdir=" BACK "/upper,workdir="
				   BACK "/work,redirect_dir=on,index=on,nfs_export=on";

	if (fs->kind != FS_OVERLAY || fs->sealed)
		return 0;
	close(fs->mntfd);
	fs->mntfd = -1;
	umount_path(fs->path);
	fs->mounted = false;
	if (mount("overlay", fs->path, "overlay", 0, opts)) {
		fprintf(stderr, "# mount -t overlay -o %s overlay %s: %s\n", opts, fs->path,
			strerror(errno));
		return -errno;
	}
	fs->mounted = true;
	fs->sealed = true;
	return fs_open_root(fs);
}

/* ---- the test context ---------------------------------------------------------------------- */

/* Kinds of operations, counted for the trace's summary. */
enum {
	K_MKDIR, K_RMDIR, K_CREATE, K_WRITE, K_CHMOD, K_CHMOD_DIR, K_UNLINK, K_LINK,
	K_RENAME, K_RENAME_OVER, K_RENAME_SAME, K_RENAME_DIR, K_NR
};

static const char *const kind_names[K_NR] = {
	"mkdir", "rmdir", "creat", "write", "chmod", "chmod of a directory", "unlink", "link",
	"rename", "rename over a file", "rename over a link of the same inode",
	"rename of a directory",
};

struct ctx {
	struct model m;
	struct tfs fs[2];	/* the filesystem under test; a second tmpfs */
	int nfs;
	int dev, fan;
	bool bpf;
	int kind;		/* FS_* of the filesystem under test */
	int top;		/* the directory the tests work in: its root; btrfs: MNT/sv */
	bool inode_marks;	/* FUSE: an inode mark on every directory (zero fsid) */
	struct subtree *skel;
	struct bpf_link *link;
	struct evset want, got;
	char desc[2 * PATH_MAX + 64];	/* the current operation */
	unsigned long ops, nwant, ngot, lost, extra, wrong, bad_ops;
	int drop_every;		/* drop caches every this many operations (not tmpfs) */
	__u64 rng;
	char cache_old[32];	/* the module parameter to restore */
	struct timespec t0;	/* setup began */
	/* Directory moves by the moved directory's side before and after: [was in][is in]. */
	unsigned long moves[2][2], root_moves, root_removals, snapshots;
	unsigned long kinds[K_NR];
};

static double elapsed(const struct ctx *c)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - c->t0.tv_sec) + (t.tv_nsec - c->t0.tv_nsec) / 1e9;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	fprintf(stderr, "# libbpf: ");
	return vfprintf(stderr, fmt, ap);
}

static void ctx_teardown(struct ctx *c)
{
	int i;

	if (c->fan > 0)
		close(c->fan);
	c->fan = -1;
	if (c->link)
		bpf_link__destroy(c->link);
	if (c->skel)
		subtree__destroy(c->skel);
	c->link = NULL;
	c->skel = NULL;
	if (c->cache_old[0])
		fp_write_file(CACHE_PARAM, c->cache_old);
	for (i = 0; i < c->nfs; i++)
		fs_umount(&c->fs[i]);
	if (c->dev > 0)
		close(c->dev);
	evset_clear(&c->want);
	evset_clear(&c->got);
	free(c->want.e);
	free(c->got.e);
	model_free(&c->m);
}

/* Mount the filesystem under test, open the device, load the BPF twin. */
static int ctx_setup(struct ctx *c, bool bpf, int kind)
{
	int ret;

	memset(c, 0, sizeof(*c));
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->fan = -1;
	c->bpf = bpf;
	c->kind = kind;
	c->nfs = 1;
	ret = fs_mount(&c->fs[0], MNT, kind);
	if (ret)
		return ret;
	c->fs[0].root = model_add_dir(&c->m, -1, "", MNT);
	c->top = c->fs[0].root;
	if (kind == FS_BTRFS) {
		c->top = model_add_dir(&c->m, c->top, SUBVOL, NULL);
		c->m.d[c->top].subvol = true;
	}
	c->dev = fp_open_dev();
	if (c->dev < 0)
		return -errno;
	if (bpf) {
		libbpf_set_print(libbpf_quiet);
		c->skel = subtree__open_and_load();
		if (!c->skel)
			return -errno ? -errno : -EINVAL;
		c->link = bpf_map__attach_struct_ops(c->skel->maps.subtree_bpf_ops);
		if (!c->link)
			return -errno ? -errno : -EINVAL;
	}
	return 0;
}

/* A second filesystem (a tmpfs at MNT2), watched by the group too. */
static int ctx_second_fs(struct ctx *c)
{
	int ret = fs_mount(&c->fs[1], MNT2, FS_TMPFS);

	c->nfs = 2;
	if (!ret)
		c->fs[1].root = model_add_dir(&c->m, -1, "", MNT2);
	return ret;
}

/*
 * Write dirty data back and evict unused dentries and inodes (not on tmpfs,
 * where they are the filesystem).
 */
static void evict_caches(struct ctx *c)
{
	if (c->kind == FS_TMPFS)
		return;
	syncfs(c->fs[0].mntfd);
	fp_write_file("/proc/sys/vm/drop_caches", "2");
}

/* "DIR/NAME" of a fid record, DIR resolved through its file handle now. */
static void fid_key(struct ctx *c, const struct fanotify_event_info_fid *fid, char *buf,
		    size_t size)
{
	struct file_handle *fh = (struct file_handle *)fid->handle;
	const char *name = (const char *)(fh + 1) + fh->handle_bytes;
	char dir[PATH_MAX], link[64];
	ssize_t len = -1;
	int i, fd = -1;

	snprintf(dir, sizeof(dir), "?(unknown fsid)");
	for (i = 0; i < c->nfs; i++) {
		if (c->fs[i].mntfd < 0 ||
		    memcmp(&fid->fsid, &c->fs[i].fsid, sizeof(fid->fsid)))
			continue;
		fd = open_by_handle_at(c->fs[i].mntfd, fh, O_PATH);
		if (fd < 0) {
			snprintf(dir, sizeof(dir), "?(open_by_handle_at: %s)", strerror(errno));
			break;
		}
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, dir, sizeof(dir) - 1);
		dir[len > 0 ? len : 0] = 0;
		close(fd);
		break;
	}
	if (fid->hdr.info_type == FAN_EVENT_INFO_TYPE_DFID ||
	    fid->hdr.info_type == FAN_EVENT_INFO_TYPE_FID || !*name)
		snprintf(buf, size, "%s", dir);
	else
		snprintf(buf, size, "%s/%s", dir, name);
}

static void got_event(struct ctx *c, const struct fanotify_event_metadata *ev)
{
	char key[KEY_MAX], one[PATH_MAX + NAME_MAX + 2];
	const struct fanotify_event_info_fid *fid;
	unsigned int off = sizeof(*ev);
	size_t len = 0;
	int n = 0;

	key[0] = 0;
	while ((fid = fp_next_fid(ev, &off))) {
		fid_key(c, fid, one, sizeof(one));
		if (len < sizeof(key))
			len += snprintf(key + len, sizeof(key) - len, "%s%s",
					n++ ? " -> " : "", one);
	}
	if (!n)
		snprintf(key, sizeof(key), "(no fid record)");
	if (ev->fd >= 0)
		close(ev->fd);
	evset_add(&c->got, ev->mask, key);
}

/* Read the whole queue into c->got; 0 or -errno. */
static int read_events(struct ctx *c)
{
	union {
		struct fanotify_event_metadata md;
		char b[16384];
	} buf;

	for (;;) {
		struct fanotify_event_metadata *ev = &buf.md;
		ssize_t len = read(c->fan, buf.b, sizeof(buf.b));

		if (len < 0)
			return errno == EAGAIN ? 0 : -errno;
		for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len))
			got_event(c, ev);
	}
}

static void desc(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->desc, sizeof(c->desc), fmt, ap);
	va_end(ap);
}

/* The event @mask reported in directory @dir with entry @name, if @dir is inside. */
static void want(struct ctx *c, __u64 mask, int dir, const char *name)
{
	char key[KEY_MAX];

	if (!inside(&c->m, dir))
		return;
	entry_path(&c->m, dir, name, key, sizeof(key));
	evset_add(&c->want, mask, key);
}

/* The three events of a rename of @oname in @od to @nname in @nd. */
static void want_rename(struct ctx *c, __u64 ondir, int od, const char *oname, int nd,
			const char *nname)
{
	char key[KEY_MAX];
	size_t n;

	want(c, FAN_MOVED_FROM | ondir, od, oname);
	want(c, FAN_MOVED_TO | ondir, nd, nname);
	if (!inside(&c->m, od) && !inside(&c->m, nd))
		return;
	entry_path(&c->m, od, oname, key, sizeof(key));
	n = strlen(key);
	snprintf(key + n, sizeof(key) - n, " -> ");
	n = strlen(key);
	entry_path(&c->m, nd, nname, key + n, sizeof(key) - n);
	evset_add(&c->want, FAN_RENAME | ondir, key);
}

/* How many wrong operations a test logs in full: LOG_OPS, or FP_LOG_OPS. */
static unsigned long log_ops(void)
{
	const char *s = getenv("FP_LOG_OPS");

	return s && *s ? strtoul(s, NULL, 0) : LOG_OPS;
}

static void log_line(struct __test_metadata *_metadata, const char *what,
		     const struct evline *l, const char *note)
{
	char m[128];

	mask_str(l->mask, m, sizeof(m));
	TH_LOG("    %s %s %s%s", what, m, l->key, note);
}

/*
 * Read what the operation in c->desc delivered and compare it with c->want:
 * see the comment at the top of the file.
 */
static void check_op(struct __test_metadata *_metadata, struct ctx *c)
{
	unsigned long lost = 0, extra = 0, wrong = 0;
	int i, ret;

	ret = read_events(c);
	ASSERT_EQ(0, ret) TH_LOG("reading the group after \"%s\": %s", c->desc, strerror(-ret));
	c->ops++;
	for (i = 0; i < c->want.n; i++) {
		struct evline *w = &c->want.e[i];
		struct evline *g = evset_find(&c->got, w->mask & FAN_ONDIR, w->key);

		if (!g) {
			lost++;
			continue;
		}
		w->matched = true;
		g->matched = true;
		if (g->mask != w->mask)
			wrong++;
	}
	for (i = 0; i < c->got.n; i++) {
		if (!c->got.e[i].matched)
			extra++;
		else if ((c->got.e[i].mask & FAN_RENAME) && c->got.e[i].count > 1)
			extra += c->got.e[i].count - 1;
	}
	c->nwant += c->want.n;
	c->ngot += c->got.n;
	c->lost += lost;
	c->extra += extra;
	c->wrong += wrong;
	if (lost || extra || wrong) {
		c->bad_ops++;
		if (c->bad_ops <= log_ops()) {
			TH_LOG("op %lu (seed %u): %s: %lu lost, %lu extra, %lu wrong mask",
			       c->ops, seed, c->desc, lost, extra, wrong);
			if (!c->want.n)
				TH_LOG("    want (nothing)");
			for (i = 0; i < c->want.n; i++) {
				struct evline *w = &c->want.e[i];
				struct evline *g = evset_find(&c->got, w->mask & FAN_ONDIR,
							      w->key);

				log_line(_metadata, "want", w, !g ? "   <- LOST" :
					 g->mask != w->mask ? "   <- WRONG MASK" : "");
			}
			if (!c->got.n)
				TH_LOG("    got  (nothing)");
			for (i = 0; i < c->got.n; i++) {
				struct evline *g = &c->got.e[i];

				log_line(_metadata, "got ", g, !g->matched ? "   <- EXTRA" :
					 (g->mask & FAN_RENAME) && g->count > 1 ?
					 "   <- DUPLICATE" : "");
			}
		} else if (c->bad_ops == log_ops() + 1) {
			TH_LOG("(further wrong operations are counted, not logged)");
		}
	}
	evset_clear(&c->want);
	evset_clear(&c->got);
	if (c->drop_every && c->ops % c->drop_every == 0)
		evict_caches(c);
}

/* The summary of a test; it fails on anything lost, extra or wrong. */
static void finish(struct __test_metadata *_metadata, struct ctx *c)
{
	TH_LOG("%lu operations in %.1f s (seed %u): %lu event lines expected, %lu received",
	       c->ops, elapsed(c), seed, c->nwant, c->ngot);
	TH_LOG("%lu lost, %lu extra, %lu with a wrong mask; %lu operations wrong",
	       c->lost, c->extra, c->wrong, c->bad_ops);
	EXPECT_EQ(0, c->lost) TH_LOG("events lost (seed %u)", seed);
	EXPECT_EQ(0, c->extra) TH_LOG("events delivered that the rule drops (seed %u)", seed);
	EXPECT_EQ(0, c->wrong) TH_LOG("events with a wrong mask (seed %u)", seed);
}

/* ---- roots and the handler ------------------------------------------------------------------ */

/* FAN_FP_IOC_ROOT with the directory at @path; 0 or -errno. */
static int root_ioctl(struct ctx *c, const char *path, __u32 flags)
{
	struct fanotify_fastpath_root r = {
		.version = FAN_FP_VERSION,
		.flags = flags,
		.fanotify_fd = c->fan,
	};
	int ret;

	r.fd = open(path, O_PATH | O_CLOEXEC);
	if (r.fd < 0)
		return -errno;
	ret = ioctl(c->dev, FAN_FP_IOC_ROOT, &r) ? -errno : 0;
	close(r.fd);
	return ret;
}

/* Make @d a root of @kind (NOT_ROOT: remove it) by ioctl, and in the model. */
static void set_root(struct __test_metadata *_metadata, struct ctx *c, int d, int kind)
{
	char path[PATH_MAX];
	__u32 flags = kind == ROOT_EX ? FAN_FP_ROOT_EXCLUDE :
		      kind == NOT_ROOT ? FAN_FP_ROOT_REMOVE : 0;
	int ret;

	dir_path(&c->m, d, path, sizeof(path));
	ret = root_ioctl(c, path, flags);
	ASSERT_EQ(0, ret) TH_LOG("FAN_FP_IOC_ROOT %s %s: %s",
				 kind == NOT_ROOT ? "remove" :
				 kind == ROOT_EX ? "add exclude" : "add include",
				 path, strerror(-ret));
	c->m.d[d].kind = kind;
}

static int query_roots(struct ctx *c, __u64 *roots)
{
	struct fanotify_fastpath_info info;
	int ret = fp_query(c->dev, c->fan, &info);

	*roots = info.roots;
	return ret;
}

/* QUERY's root count must become the model's within @ms (removals may be deferred). */
static void expect_roots(struct __test_metadata *_metadata, struct ctx *c, int ms,
			 const char *when)
{
	__u64 roots = 0;
	int want_n = nroots(&c->m), ret;

	for (;;) {
		ret = query_roots(c, &roots);
		ASSERT_EQ(0, ret) TH_LOG("FAN_FP_IOC_QUERY: %s", strerror(-ret));
		if (roots == (__u64)want_n || ms <= 0)
			break;
		usleep(20000);
		ms -= 20;
	}
	EXPECT_EQ(want_n, roots) TH_LOG("QUERY roots %s", when);
}

/* FUSE: an inode mark on directory @d, for its own events and its children's. */
static int mark_dir(struct ctx *c, int d)
{
	char path[PATH_MAX];

	dir_path(&c->m, d, path, sizeof(path));
	return fanotify_mark(c->fan, FAN_MARK_ADD, EVENTS | FAN_EVENT_ON_CHILD, AT_FDCWD,
			     path) ? -errno : 0;
}

/*
 * Create the group, mark every filesystem, attach the variant's handler with
 * the model's roots (C: attach arguments; BPF: FAN_FP_IOC_ROOT) and, when
 * @cache is not 0, a cache of @cache directories. With no handler every
 * directory counts as inside.
 */
static void start(struct __test_metadata *_metadata, struct ctx *c, bool handler, int cache)
{
	char args[FAN_FP_ARGS_MAX], inc[FAN_FP_ARGS_MAX], exc[FAN_FP_ARGS_MAX];
	char path[PATH_MAX];
	size_t ni = 0, ne = 0;
	int i, ret;

	c->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK |
			       FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, c->fan) TH_LOG("fanotify_init: %s", strerror(errno));
	for (i = 0; i < c->nfs; i++) {
		ret = fs_seal(&c->fs[i]);
		ASSERT_EQ(0, ret) TH_LOG("mounting %s: %s", fs_kinds[c->fs[i].kind].name,
					 strerror(-ret));
		ret = fanotify_mark(c->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, EVENTS,
				    AT_FDCWD, c->fs[i].path) ? -errno : 0;
		/*
		 * FUSE reports a zero f_fsid: fanotify refuses filesystem and mount marks
		 * (ENODEV), inode marks are fine ("weak" fsid): one on every directory.
		 */
		if (ret == -ENODEV && c->fs[i].kind == FS_FUSE && !i) {
			int j;

			c->inode_marks = true;
			for (j = 0, ret = 0; j < c->m.nldirs && !ret; j++)
				ret = mark_dir(c, c->m.ldirs[j]);
			TH_LOG("%s: no filesystem mark (ENODEV: zero fsid)", c->fs[i].path);
			TH_LOG("inode marks on its %d directories instead", c->m.nldirs);
		}
		ASSERT_EQ(0, ret) TH_LOG("fanotify_mark %s: %s", c->fs[i].path, strerror(-ret));
	}
	TH_LOG("the group starts %.1f s after the setup began", elapsed(c));
	c->m.all_inside = !handler;
	if (!handler)
		return;
	inc[0] = 0;
	exc[0] = 0;
	for (i = 0; i < c->m.nldirs; i++) {
		struct mdir *x = &c->m.d[c->m.ldirs[i]];

		if (x->kind == NOT_ROOT)
			continue;
		dir_path(&c->m, c->m.ldirs[i], path, sizeof(path));
		if (x->kind == ROOT_IN && ni < sizeof(inc))
			ni += snprintf(inc + ni, sizeof(inc) - ni, "%s%s", ni ? "," : "", path);
		if (x->kind == ROOT_EX && ne < sizeof(exc))
			ne += snprintf(exc + ne, sizeof(exc) - ne, "%s%s", ne ? "," : "", path);
	}
	if (c->bpf) {
		if (cache) {
			char val[16];

			ASSERT_LT(0, fp_read_file(CACHE_PARAM, c->cache_old,
						  sizeof(c->cache_old)));
			c->cache_old[strcspn(c->cache_old, "\n")] = 0;
			snprintf(val, sizeof(val), "%d", cache);
			ASSERT_EQ(0, fp_write_file(CACHE_PARAM, val))
				TH_LOG("writing %s", CACHE_PARAM);
		}
		ret = fp_attach(c->dev, c->fan, "subtree_bpf", NULL);
		ASSERT_EQ(0, ret) TH_LOG("attach subtree_bpf: %s", strerror(-ret));
		for (i = 0; i < c->m.nldirs; i++) {
			int d = c->m.ldirs[i];

			if (c->m.d[d].kind != NOT_ROOT)
				set_root(_metadata, c, d, c->m.d[d].kind);
		}
	} else {
		ni = snprintf(args, sizeof(args), "root=%s", inc);
		if (exc[0])
			ni += snprintf(args + ni, sizeof(args) - ni, " exclude=%s", exc);
		if (cache)
			snprintf(args + ni, sizeof(args) - ni, " cache=%d", cache);
		ret = fp_attach(c->dev, c->fan, "subtree", args);
		ASSERT_EQ(0, ret) TH_LOG("attach subtree \"%s\": %s", args, strerror(-ret));
	}
	/* Attaching and adding roots raise no event. */
	desc(c, "attach");
	check_op(_metadata, c);
}

/* ---- operations: each one does it, derives its events from the model, checks ------------- */

static void die_op(struct __test_metadata *_metadata, struct ctx *c)
{
	ASSERT_TRUE(false) TH_LOG("%s: %s (seed %u)", c->desc, strerror(errno), seed);
}

/* Before the group exists: directories and files that are there when it starts. */
static int pre_mkdir(struct __test_metadata *_metadata, struct ctx *c, int parent,
		     const char *name)
{
	char path[PATH_MAX], nm[NAME_LEN];

	if (!name) {
		new_name(&c->m, 'd', nm);
		name = nm;
	}
	entry_path(&c->m, parent, name, path, sizeof(path));
	desc(c, "mkdir %s (before the attach)", path);
	if (mkdir(path, 0755))
		die_op(_metadata, c);
	return model_add_dir(&c->m, parent, name, NULL);
}

static int pre_file(struct __test_metadata *_metadata, struct ctx *c, int dir)
{
	char path[PATH_MAX], name[NAME_LEN];
	int fd;

	new_name(&c->m, 'f', name);
	entry_path(&c->m, dir, name, path, sizeof(path));
	desc(c, "creat %s (before the attach)", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		die_op(_metadata, c);
	close(fd);
	return model_add_file(&c->m, dir, name, 0);
}

/* btrfs: a subvolume @name in @parent before the attach. */
static int pre_subvol(struct __test_metadata *_metadata, struct ctx *c, int parent,
		      const char *name)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64];
	int d;

	entry_path(&c->m, parent, name, path, sizeof(path));
	desc(c, "btrfs subvolume create %s (before the attach)", path);
	snprintf(cmd, sizeof(cmd), "btrfs subvolume create %s >/dev/null", path);
	if (run(cmd))
		die_op(_metadata, c);
	d = model_add_dir(&c->m, parent, name, NULL);
	c->m.d[d].subvol = true;
	return d;
}

/* mkdir: CREATE|ONDIR in the parent. */
static int op_mkdir(struct __test_metadata *_metadata, struct ctx *c, int parent,
		    const char *name)
{
	char path[PATH_MAX], nm[NAME_LEN];
	int d;

	if (!name) {
		new_name(&c->m, 'd', nm);
		name = nm;
	}
	entry_path(&c->m, parent, name, path, sizeof(path));
	desc(c, "mkdir %s", path);
	if (mkdir(path, 0755))
		die_op(_metadata, c);
	c->kinds[K_MKDIR]++;
	want(c, FAN_CREATE | FAN_ONDIR, parent, name);
	d = model_add_dir(&c->m, parent, name, NULL);
	if (c->inode_marks)
		ASSERT_EQ(0, mark_dir(c, d)) TH_LOG("marking %s: %s", path, strerror(errno));
	check_op(_metadata, c);
	return d;
}

/* rmdir: DELETE|ONDIR in the parent (DELETE_SELF is not asked for). */
static void op_rmdir(struct __test_metadata *_metadata, struct ctx *c, int d)
{
	char path[PATH_MAX];

	dir_path(&c->m, d, path, sizeof(path));
	desc(c, "rmdir %s", path);
	if (rmdir(path))
		die_op(_metadata, c);
	c->kinds[K_RMDIR]++;
	want(c, FAN_DELETE | FAN_ONDIR, c->m.d[d].parent, c->m.d[d].name);
	c->root_removals += c->m.d[d].kind != NOT_ROOT;
	model_del_dir(&c->m, d);
	check_op(_metadata, c);
}

/*
 * open(O_CREAT) + write + close: CREATE, MODIFY, CLOSE_WRITE in the
 * directory; without @data (touch) no write and no MODIFY.
 */
static int create(struct __test_metadata *_metadata, struct ctx *c, int dir, bool data)
{
	char path[PATH_MAX], name[NAME_LEN];
	int fd, f;

	new_name(&c->m, 'f', name);
	entry_path(&c->m, dir, name, path, sizeof(path));
	desc(c, "%s %s", data ? "creat+write+close" : "creat+close", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || (data && write(fd, "x", 1) != 1) || close(fd))
		die_op(_metadata, c);
	c->kinds[K_CREATE]++;
	want(c, FAN_CREATE | (data ? FAN_MODIFY : 0) | FAN_CLOSE_WRITE, dir, name);
	f = model_add_file(&c->m, dir, name, 0);
	check_op(_metadata, c);
	return f;
}

static int op_create(struct __test_metadata *_metadata, struct ctx *c, int dir)
{
	return create(_metadata, c, dir, true);
}

static int op_touch(struct __test_metadata *_metadata, struct ctx *c, int dir)
{
	return create(_metadata, c, dir, false);
}

/* open + write + close of an existing name: MODIFY, CLOSE_WRITE. */
static void op_write(struct __test_metadata *_metadata, struct ctx *c, int f)
{
	char path[PATH_MAX];
	int fd;

	entry_path(&c->m, c->m.f[f].dir, c->m.f[f].name, path, sizeof(path));
	desc(c, "write %s", path);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write(fd, "y", 1) != 1 || close(fd))
		die_op(_metadata, c);
	c->kinds[K_WRITE]++;
	want(c, FAN_MODIFY | FAN_CLOSE_WRITE, c->m.f[f].dir, c->m.f[f].name);
	check_op(_metadata, c);
}

/* chmod of a file: ATTRIB in its directory. */
static void op_chmod_file(struct __test_metadata *_metadata, struct ctx *c, int f)
{
	char path[PATH_MAX];
	struct stat st;

	entry_path(&c->m, c->m.f[f].dir, c->m.f[f].name, path, sizeof(path));
	desc(c, "chmod %s", path);
	if (stat(path, &st) || chmod(path, (st.st_mode & 07777) ^ 0040))
		die_op(_metadata, c);
	c->kinds[K_CHMOD]++;
	want(c, FAN_ATTRIB, c->m.f[f].dir, c->m.f[f].name);
	check_op(_metadata, c);
}

/*
 * chmod of a directory: ATTRIB|ONDIR reported in the directory itself (its own
 * fid and the name "."), so the directory's own membership decides.
 */
static void op_chmod_dir(struct __test_metadata *_metadata, struct ctx *c, int d)
{
	char path[PATH_MAX];
	struct stat st;

	dir_path(&c->m, d, path, sizeof(path));
	desc(c, "chmod %s (a directory)", path);
	if (stat(path, &st) || chmod(path, (st.st_mode & 07777) ^ 0020))
		die_op(_metadata, c);
	c->kinds[K_CHMOD_DIR]++;
	if (inside(&c->m, d)) {
		char key[KEY_MAX];

		entry_path(&c->m, d, ".", key, sizeof(key));
		evset_add(&c->want, FAN_ATTRIB | FAN_ONDIR, key);
	}
	check_op(_metadata, c);
}

/* unlink: DELETE in the directory (the inode's ATTRIB has no directory: not reported). */
static void op_unlink(struct __test_metadata *_metadata, struct ctx *c, int f)
{
	char path[PATH_MAX];

	entry_path(&c->m, c->m.f[f].dir, c->m.f[f].name, path, sizeof(path));
	desc(c, "unlink %s", path);
	if (unlink(path))
		die_op(_metadata, c);
	c->kinds[K_UNLINK]++;
	want(c, FAN_DELETE, c->m.f[f].dir, c->m.f[f].name);
	model_del_file(&c->m, f);
	check_op(_metadata, c);
}

/* link: CREATE in the new name's directory. */
static void op_link(struct __test_metadata *_metadata, struct ctx *c, int f, int dir)
{
	char from[PATH_MAX], to[PATH_MAX], name[NAME_LEN];

	new_name(&c->m, 'l', name);
	entry_path(&c->m, c->m.f[f].dir, c->m.f[f].name, from, sizeof(from));
	entry_path(&c->m, dir, name, to, sizeof(to));
	desc(c, "link %s %s", from, to);
	if (link(from, to))
		die_op(_metadata, c);
	c->kinds[K_LINK]++;
	want(c, FAN_CREATE, dir, name);
	model_add_file(&c->m, dir, name, c->m.f[f].ino);
	check_op(_metadata, c);
}

/*
 * rename of a file to a new name @name in @dir, or over the existing file
 * name @over: MOVED_FROM, MOVED_TO, RENAME. Onto another name of the same
 * inode rename does nothing at all.
 */
static void op_rename_file(struct __test_metadata *_metadata, struct ctx *c, int f, int dir,
			   int over)
{
	char from[PATH_MAX], to[PATH_MAX], oname[NAME_LEN], nname[NAME_LEN];
	int od = c->m.f[f].dir;

	snprintf(oname, sizeof(oname), "%s", c->m.f[f].name);
	if (over >= 0) {
		dir = c->m.f[over].dir;
		snprintf(nname, sizeof(nname), "%s", c->m.f[over].name);
	} else {
		new_name(&c->m, 'r', nname);
	}
	entry_path(&c->m, od, oname, from, sizeof(from));
	entry_path(&c->m, dir, nname, to, sizeof(to));
	desc(c, "rename %s %s%s", from, to, over < 0 ? "" :
	     c->m.f[over].ino == c->m.f[f].ino ? " (a link of the same inode)" :
	     " (replaces a file)");
	if (rename(from, to))
		die_op(_metadata, c);
	if (over >= 0 && c->m.f[over].ino == c->m.f[f].ino) {
		c->kinds[K_RENAME_SAME]++;
		check_op(_metadata, c);
		return;
	}
	c->kinds[over >= 0 ? K_RENAME_OVER : K_RENAME]++;
	want_rename(c, 0, od, oname, dir, nname);
	if (over >= 0)
		model_del_file(&c->m, over);
	model_move_file(&c->m, f, dir, nname);
	check_op(_metadata, c);
}

/* rename of a directory (never over another one): MOVED_FROM, MOVED_TO, RENAME, ONDIR. */
static void op_rename_dir(struct __test_metadata *_metadata, struct ctx *c, int d, int parent,
			  const char *name)
{
	char from[PATH_MAX], to[PATH_MAX], oname[NAME_LEN], nname[NAME_LEN];
	int od = c->m.d[d].parent;
	bool was;

	snprintf(oname, sizeof(oname), "%s", c->m.d[d].name);
	if (name)
		snprintf(nname, sizeof(nname), "%s", name);
	else
		new_name(&c->m, 'm', nname);
	dir_path(&c->m, d, from, sizeof(from));
	entry_path(&c->m, parent, nname, to, sizeof(to));
	desc(c, "rename %s %s (a directory%s)", from, to,
	     c->m.d[d].kind == ROOT_IN ? ", an include root" :
	     c->m.d[d].kind == ROOT_EX ? ", an exclude root" : "");
	if (rename(from, to))
		die_op(_metadata, c);
	c->kinds[K_RENAME_DIR]++;
	want_rename(c, FAN_ONDIR, od, oname, parent, nname);
	was = inside(&c->m, d);
	model_move_dir(&c->m, d, parent, nname);
	c->moves[was][inside(&c->m, d)]++;
	c->root_moves += c->m.d[d].kind != NOT_ROOT;
	check_op(_metadata, c);
}

/*
 * The model of a btrfs snapshot: a new directory @name in @parent holding a
 * copy of @src's tree, every directory with the same name (and, on the disk,
 * the same inode number and generation as the one it copies, in another
 * subvolume: another inode), every file name with a new inode (names of one
 * inode in @src share one in the copy); no root is copied (a root is an
 * inode, its copy is another one). @inomap: old model inode -> new, 0: none
 * yet. Nested subvolumes would be empty directories in the copy: the trace
 * never snapshots a subvolume that holds one.
 */
static int model_copy_tree(struct model *m, int src, int parent, const char *name,
			   int *inomap, int ninos)
{
	int d = model_add_dir(m, parent, name, NULL), nf = m->nlfiles, i, x;
	char nm[NAME_LEN];

	for (i = 0; i < nf; i++) {
		int f = m->lfiles[i], old = m->f[f].ino;

		if (m->f[f].dir != src)
			continue;
		if (old <= ninos && !inomap[old])
			inomap[old] = ++m->inos;
		snprintf(nm, sizeof(nm), "%s", m->f[f].name);	/* m->f may move */
		model_add_file(m, d, nm, old <= ninos ? inomap[old] : 0);
	}
	for (x = m->d[src].child; x >= 0; x = m->d[x].next) {
		snprintf(nm, sizeof(nm), "%s", m->d[x].name);	/* m->d may move */
		model_copy_tree(m, x, d, nm, inomap, ninos);
	}
	return d;
}

/*
 * btrfs subvolume snapshot SRC PARENT/NAME: CREATE|ONDIR of the snapshot in
 * PARENT (btrfs calls fsnotify_mkdir()); the snapshot is a new subvolume
 * with a copy of the tree (model_copy_tree()) and no roots.
 */
static int op_snapshot(struct __test_metadata *_metadata, struct ctx *c, int src, int parent,
		       const char *name)
{
	char from[PATH_MAX], to[PATH_MAX], cmd[2 * PATH_MAX + 64], nm[NAME_LEN];
	int d, ninos = c->m.inos, *inomap = calloc(ninos + 1, sizeof(*inomap));

	ASSERT_NE(NULL, inomap);
	if (!name) {
		new_name(&c->m, 's', nm);
		name = nm;
	}
	dir_path(&c->m, src, from, sizeof(from));
	entry_path(&c->m, parent, name, to, sizeof(to));
	desc(c, "btrfs subvolume snapshot %s %s%s", from, to,
	     c->m.d[src].kind == ROOT_IN ? " (of an include root)" :
	     c->m.d[src].kind == ROOT_EX ? " (of an exclude root)" : "");
	snprintf(cmd, sizeof(cmd), "btrfs subvolume snapshot %s %s >/dev/null", from, to);
	if (run(cmd))
		die_op(_metadata, c);
	c->snapshots++;
	want(c, FAN_CREATE | FAN_ONDIR, parent, name);
	d = model_copy_tree(&c->m, src, parent, name, inomap, ninos);
	c->m.d[d].subvol = true;
	free(inomap);
	check_op(_metadata, c);
	return d;
}

/* ---- trees ----------------------------------------------------------------------------------- */

/*
 * @n directories below @top before the attach: a chain down to depth
 * @maxdepth (so that every depth exists), the others each in a random
 * directory of the tree above depth @maxdepth. Returns the chain's deepest.
 */
static int pre_tree(struct __test_metadata *_metadata, struct ctx *c, int top, int n,
		    int maxdepth, int **dirs, int *ndirs)
{
	int first = *ndirs, i, d = top, last;

	*dirs = realloc(*dirs, (*ndirs + n) * sizeof(**dirs));
	ASSERT_NE(NULL, *dirs);
	for (i = 0; i < maxdepth && i < n; i++) {
		d = pre_mkdir(_metadata, c, d, NULL);
		(*dirs)[(*ndirs)++] = d;
	}
	last = d;
	for (; i < n; i++) {
		int p;

		do {
			p = (*dirs)[first + rnd_below(&c->rng, *ndirs - first)];
		} while (depth(&c->m, p) - depth(&c->m, top) >= maxdepth);
		d = pre_mkdir(_metadata, c, p, NULL);
		(*dirs)[(*ndirs)++] = d;
	}
	return last;
}

/* ---- the handler variants -------------------------------------------------------------------- */

FIXTURE(subtree) {
	struct ctx c;
};

FIXTURE_VARIANT(subtree) {
	bool bpf;
	int kind;
};

FIXTURE_VARIANT_ADD(subtree, c_tmpfs) {
	.bpf = false,
	.kind = FS_TMPFS,
};

FIXTURE_VARIANT_ADD(subtree, c_ext4) {
	.bpf = false,
	.kind = FS_EXT4,
};

FIXTURE_VARIANT_ADD(subtree, bpf_tmpfs) {
	.bpf = true,
	.kind = FS_TMPFS,
};

FIXTURE_VARIANT_ADD(subtree, bpf_ext4) {
	.bpf = true,
	.kind = FS_EXT4,
};

/*
 * FUSE reports a zero f_fsid. fanotify with FID reporting refuses filesystem and mount
 * marks there (ENODEV), and before 6.8 (no "weak" fsid) inode marks too: nothing to test.
 */
static bool zero_fsid_refused(const char *path)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC, O_RDONLY);
	bool refused;

	if (fd < 0)
		return false;
	refused = fanotify_mark(fd, FAN_MARK_ADD, FAN_CREATE | FAN_EVENT_ON_CHILD, AT_FDCWD,
				path) && errno == ENODEV;
	close(fd);
	return refused;
}

/* Set up the context for @kind; SKIP when the kernel or the VM lacks the filesystem. */
static void setup_kind(struct __test_metadata *_metadata, struct ctx *c, bool bpf, int kind)
{
	const char *missing = fs_missing(kind);
	int ret;

	if (missing)
		SKIP(return, "%s: %s", fs_kinds[kind].name, missing);
	if (bpf && fp_bpf_supported() == -EOPNOTSUPP)
		SKIP(return, "no BPF handlers on this kernel (struct_ops from modules: 6.9+)");
	ret = ctx_setup(c, bpf, kind);
	c->rng = rng_init(_metadata->name);
	if (!ret && kind == FS_FUSE && zero_fsid_refused(c->fs[0].path)) {
		ctx_teardown(c);
		SKIP(return, "%s: zero fsid, no fanotify marks of any kind before 6.8",
		     fs_kinds[kind].name);
	}
	if (ret)
		ctx_teardown(c);
	ASSERT_EQ(0, ret) TH_LOG("setup (%s, %s): %s", bpf ? "BPF" : "C",
				 fs_kinds[kind].name, strerror(-ret));
}

FIXTURE_SETUP(subtree)
{
	setup_kind(_metadata, &self->c, variant->bpf, variant->kind);
}

FIXTURE_TEARDOWN(subtree)
{
	ctx_teardown(&self->c);
}

/*
 * a) The user's command sequence: mkdir -p P/old/deeper Q; attach with
 * root=P; files in P, P/old, P/old/deeper, mkdir P/new and a file in it, a
 * file in Q. Everything in P arrives, nothing from Q.
 */
TEST_F(subtree, user_sequence)
{
	struct ctx *c = &self->c;
	int top = c->fs[0].root, p, old, deeper, q, nw, f;

	p = pre_mkdir(_metadata, c, top, "P");
	old = pre_mkdir(_metadata, c, p, "old");
	deeper = pre_mkdir(_metadata, c, old, "deeper");
	q = pre_mkdir(_metadata, c, top, "Q");
	c->m.d[p].kind = ROOT_IN;
	start(_metadata, c, true, 0);
	op_create(_metadata, c, p);
	op_create(_metadata, c, old);
	f = op_create(_metadata, c, deeper);
	nw = op_mkdir(_metadata, c, p, "new");
	op_create(_metadata, c, nw);
	op_create(_metadata, c, q);
	op_write(_metadata, c, f);
	op_chmod_dir(_metadata, c, deeper);
	op_unlink(_metadata, c, f);
	finish(_metadata, c);
}

/*
 * b) A tree that exists before the attach: 1000 directories inside the root
 * and 1000 outside, each tree with a chain down to depth 64. A file in every
 * directory, a chmod of every fourth, a new directory with a file in every
 * sixteenth: events at every depth inside arrive, none from outside. ext4
 * drops its caches before the attach and every 500 operations.
 */
TEST_F_TIMEOUT(subtree, preexisting_tree, 120)
{
	struct ctx *c = &self->c;
	int top = c->fs[0].root, in, out, *dirs = NULL, n = 0, i;

	TH_LOG("seed %u (FP_SEED=%u repeats this run)", seed, seed);
	in = pre_mkdir(_metadata, c, top, "in");
	out = pre_mkdir(_metadata, c, top, "out");
	pre_tree(_metadata, c, in, 1000, 64, &dirs, &n);
	pre_tree(_metadata, c, out, 1000, 64, &dirs, &n);
	c->m.d[in].kind = ROOT_IN;
	evict_caches(c);
	c->drop_every = c->kind == FS_EXT4 ? 500 : 0;
	start(_metadata, c, true, 0);
	for (i = 0; i < n; i++)
		op_create(_metadata, c, dirs[i]);
	for (i = 0; i < n; i += 4)
		op_chmod_dir(_metadata, c, dirs[i]);
	for (i = 0; i < n; i += 16)
		op_create(_metadata, c, op_mkdir(_metadata, c, dirs[i], NULL));
	free(dirs);
	finish(_metadata, c);
}

/* The layout of the random trace before the attach: 3 include and 2 exclude roots. */
static void trace_layout(struct __test_metadata *_metadata, struct ctx *c)
{
	int top = c->top, a, r1, x1, r3, r2, x2, b, i;

	a = pre_mkdir(_metadata, c, top, "a");
	r1 = pre_mkdir(_metadata, c, a, "R1");
	x1 = pre_mkdir(_metadata, c, r1, "X1");
	r3 = pre_mkdir(_metadata, c, x1, "R3");
	/* btrfs: R2 is a subvolume (the trace snapshots it, and its snapshots). */
	r2 = c->kind == FS_BTRFS ? pre_subvol(_metadata, c, top, "R2") :
	     pre_mkdir(_metadata, c, top, "R2");
	x2 = pre_mkdir(_metadata, c, r2, "X2");
	b = pre_mkdir(_metadata, c, top, "b");
	pre_mkdir(_metadata, c, b, "c");
	c->m.d[r1].kind = ROOT_IN;
	c->m.d[r2].kind = ROOT_IN;
	c->m.d[r3].kind = ROOT_IN;
	c->m.d[x1].kind = ROOT_EX;
	c->m.d[x2].kind = ROOT_EX;
	for (i = 0; i < 80; i++) {
		int p = c->m.ldirs[1 + rnd_below(&c->rng, c->m.nldirs - 1)];

		if (depth(&c->m, p) < 12)
			pre_mkdir(_metadata, c, p, NULL);
	}
	for (i = 0; i < 80; i++) {
		int p = c->m.ldirs[rnd_below(&c->rng, c->m.nldirs)];

		pre_file(_metadata, c, below(&c->m, p, top) ? p : top);
	}
}

#define TRACE_DIRS	300
#define TRACE_FILES	600
#define TRACE_DEPTH	40
/*
 * Operations of the random trace on btrfs, XFS, overlayfs and FUSE, with the
 * handler and without: shorter than on tmpfs and ext4 (10000 and 5000), to
 * keep the lane's time (FP_TRACE_OPS sets them all).
 */
#define FS_TRACE_OPS		3000
#define UNFILTERED_FS_OPS	2000

/* A random directory below c->top, not c->top itself; -1 when there is none. */
static int any_dir(struct ctx *c)
{
	int d, tries;

	for (tries = 0; tries < 1000; tries++) {
		d = c->m.ldirs[rnd_below(&c->rng, c->m.nldirs)];
		if (d != c->top && below(&c->m, d, c->top))
			return d;
	}
	return -1;
}

/*
 * Any directory below c->top, c->top included; for half of the
 * calls one that is inside if there is one, so that the trace does not drift
 * away from the roots.
 */
static int any_parent(struct ctx *c)
{
	bool in = rnd_below(&c->rng, 2);
	int d, tries;

	for (tries = 0;; tries++) {
		d = c->m.ldirs[rnd_below(&c->rng, c->m.nldirs)];
		if (below(&c->m, d, c->top) && (tries >= 50 || !in || inside(&c->m, d)))
			return d;
	}
}

static int any_root(struct ctx *c)
{
	int i, n = 0, pick;

	for (i = 0; i < c->m.nldirs; i++)
		n += c->m.d[c->m.ldirs[i]].kind != NOT_ROOT;
	if (!n)
		return -1;
	pick = rnd_below(&c->rng, n);
	for (i = 0; i < c->m.nldirs; i++) {
		if (c->m.d[c->m.ldirs[i]].kind != NOT_ROOT && !pick--)
			return c->m.ldirs[i];
	}
	return -1;
}

/* Another name of @f's inode if there is one, else @t. */
static int other_link(const struct model *m, int f, int t)
{
	int i;

	for (i = 0; i < m->nlfiles; i++) {
		int g = m->lfiles[i];

		if (g != f && m->f[g].ino == m->f[f].ino)
			return g;
	}
	return t;
}

/*
 * btrfs: the subvolume directory @d is in (its nearest subvolume root, itself
 * included); -1 elsewhere. Renames and links across subvolumes fail (EXDEV).
 */
static int vol_of(const struct model *m, int d)
{
	for (; d >= 0; d = m->d[d].parent) {
		if (m->d[d].subvol)
			return d;
	}
	return -1;
}

/* any_parent(), in the subvolume of directory @d (or @d itself). */
static int vol_parent(struct ctx *c, int d)
{
	int p = any_parent(c), tries;

	if (c->kind != FS_BTRFS)
		return p;
	for (tries = 0; tries < 50 && vol_of(&c->m, p) != vol_of(&c->m, d); tries++)
		p = any_parent(c);
	return vol_of(&c->m, p) == vol_of(&c->m, d) ? p : d;
}

/* One random operation of the trace. */
static void random_op(struct __test_metadata *_metadata, struct ctx *c)
{
	struct model *m = &c->m;
	int r = rnd_below(&c->rng, 100), f, d, t, tries;

	if (!m->nlfiles && r < 50)
		r = 0;
	if (r < 15) {
		if (m->nlfiles < TRACE_FILES) {
			op_create(_metadata, c, any_parent(c));
			return;
		}
		r = 20;
	}
	if (r < 50) {
		f = m->lfiles[rnd_below(&c->rng, m->nlfiles)];
		t = m->lfiles[rnd_below(&c->rng, m->nlfiles)];	/* to rename over */
		if (r >= 46 && !rnd_below(&c->rng, 4))
			t = other_link(m, f, t);
		if (r < 25)
			op_write(_metadata, c, f);
		else if (r < 29)
			op_chmod_file(_metadata, c, f);
		else if (r < 37)
			op_unlink(_metadata, c, f);
		else if (r < 41)
			op_link(_metadata, c, f, vol_parent(c, m->f[f].dir));
		else if (r < 46)
			op_rename_file(_metadata, c, f, vol_parent(c, m->f[f].dir), -1);
		else
			op_rename_file(_metadata, c, f, vol_parent(c, m->f[f].dir),
				       t == f || vol_of(m, m->f[t].dir) != vol_of(m, m->f[f].dir) ?
				       -1 : t);
		return;
	}
	if (r < 62) {
		d = any_parent(c);
		if (m->nldirs < TRACE_DIRS && depth(m, d) < TRACE_DEPTH) {
			op_mkdir(_metadata, c, d, NULL);
			return;
		}
		r = 62;
	}
	if (r < 72) {
		for (tries = 0; tries < 30; tries++) {
			d = any_dir(c);
			/* Roots are removed too, rarely: the trace keeps its roots long. */
			if (d >= 0 && m->d[d].kind != NOT_ROOT && rnd_below(&c->rng, 20))
				continue;
			if (d >= 0 && !m->d[d].nsub && !m->d[d].nfiles) {
				op_rmdir(_metadata, c, d);
				return;
			}
		}
		op_create(_metadata, c, any_parent(c));
		return;
	}
	d = any_dir(c);
	if (d < 0) {
		op_mkdir(_metadata, c, c->top, NULL);
		return;
	}
	if (r < 78) {
		op_chmod_dir(_metadata, c, d);
		return;
	}
	/* Move a directory (a root now and then) into, out of or within the roots. */
	t = r < 84 ? any_root(c) : -1;
	if (t >= 0 && below(m, t, c->top))
		d = t;
	for (tries = 0; tries < 30; tries++) {
		t = any_parent(c);
		if (!below(m, t, d) && depth(m, t) + 1 + height(m, d) <= TRACE_DEPTH &&
		    vol_of(m, t) == vol_of(m, m->d[d].parent)) {
			op_rename_dir(_metadata, c, d, t, NULL);
			return;
		}
	}
	op_chmod_dir(_metadata, c, d);
}

static void trace_summary(struct __test_metadata *_metadata, struct ctx *c)
{
	char buf[512];
	size_t n = 0;
	int k;

	for (k = 0; k < K_NR && n < sizeof(buf); k++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s%lu %s", k ? ", " : "", c->kinds[k],
			      kind_names[k]);
	TH_LOG("%s", buf);
	TH_LOG("directory moves: %lu into the inside, %lu out of it, %lu within it, %lu outside",
	       c->moves[0][1], c->moves[1][0], c->moves[1][1], c->moves[0][0]);
	TH_LOG("%lu moves of roots, %lu roots removed; at the end %d directories, %d roots",
	       c->root_moves, c->root_removals, c->m.nldirs, nroots(&c->m));
	if (c->kind == FS_BTRFS)
		TH_LOG("%lu btrfs snapshots", c->snapshots);
}

/* Directories of the tree of @d, @d included. */
static int tree_size(const struct model *m, int d)
{
	int x, n = 1;

	for (x = m->d[d].child; x >= 0; x = m->d[x].next)
		n += tree_size(m, x);
	return n;
}

/*
 * btrfs: a snapshot of a random subvolume below c->top (R2 or an earlier
 * snapshot: none of them holds a subvolume) into a random directory of
 * c->top's own subvolume (so that no subvolume ever holds another one).
 */
static void random_snapshot(struct __test_metadata *_metadata, struct ctx *c)
{
	struct model *m = &c->m;
	int i, n = 0, src = -1, dst, tries;

	for (i = 0; i < m->nldirs; i++) {
		int d = m->ldirs[i];

		if (d != c->top && m->d[d].subvol && !rnd_below(&c->rng, ++n))
			src = d;
	}
	if (src < 0 || m->nldirs + tree_size(m, src) > 2 * TRACE_DIRS)
		return;
	for (tries = 0; tries < 30; tries++) {
		dst = any_parent(c);
		if (vol_of(m, dst) == c->top &&
		    depth(m, dst) + 1 + height(m, src) <= TRACE_DEPTH) {
			op_snapshot(_metadata, c, src, dst, NULL);
			return;
		}
	}
}

/* overlayfs: directories of the upper layer with an origin: copied up from the lower one. */
static int copied_up;

static int count_copied_up(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_D && ftw->level > 0 &&
	    getxattr(path, "trusted.overlay.origin", NULL, 0) >= 0)
		copied_up++;
	return 0;
}

/* btrfs: a snapshot every this many operations of a trace. */
#define SNAP_EVERY	250

/*
 * The random trace: its layout before the attach, the attach (@handler:
 * the variant's, else none and every directory inside), @n operations
 * (btrfs: and a snapshot every SNAP_EVERY), the summary. Caches are dropped
 * every 500 operations (ext4) or 250 (the others; not tmpfs), and before
 * the attach when there is a handler.
 */
static void run_trace(struct __test_metadata *_metadata, struct ctx *c, bool handler, int n)
{
	int i;

	TH_LOG("seed %u (FP_SEED=%u repeats this run), %d operations on %s", seed, seed, n,
	       fs_kinds[c->kind].name);
	trace_layout(_metadata, c);
	if (handler)
		evict_caches(c);
	c->drop_every = c->kind == FS_TMPFS ? 0 : c->kind == FS_EXT4 ? 500 : 250;
	start(_metadata, c, handler, 0);
	for (i = 0; i < n; i++) {
		random_op(_metadata, c);
		if (c->kind == FS_BTRFS && i % SNAP_EVERY == SNAP_EVERY - 1)
			random_snapshot(_metadata, c);
	}
	trace_summary(_metadata, c);
	if (c->kind == FS_OVERLAY) {
		copied_up = 0;
		nftw(BACK "/upper", count_copied_up, 16, FTW_PHYS);
		TH_LOG("%d directories of the lower layer copied up (left at the end)", copied_up);
		EXPECT_LT(0, copied_up) TH_LOG("the trace copied no lower directory up");
	}
	finish(_metadata, c);
}

/* Operations of a random trace: @n, or FP_TRACE_OPS. */
static int trace_ops(int n)
{
	const char *s = getenv("FP_TRACE_OPS");

	return s && atoi(s) > 0 ? atoi(s) : n;
}

/*
 * c) A seeded random trace: creat, write, chmod, unlink, link, rename of
 * files (also over another file, or another link of the same inode), mkdir,
 * rmdir, chmod and rename of directories and of roots, into, out of and within
 * the roots; 3 include roots and 2 exclude roots below them, and a layout
 * that exists before the attach. ext4 drops its caches every 500 operations.
 */
TEST_F_TIMEOUT(subtree, random_trace, 150)
{
	run_trace(_metadata, &self->c, true, trace_ops(10000));
}

/* Directories on each side of the boundary in tiny_cache: @n, or FP_TINY_CACHE_DIRS. */
static int tiny_cache_dirs(int n)
{
	const char *s = getenv("FP_TINY_CACHE_DIRS");

	return s && atoi(s) > 0 ? atoi(s) : n;
}

/*
 * d) A tiny cache: 10000 directories before the attach on tmpfs, 4000 on
 * ext4 (slower to fill; it drops its caches every 1000 operations instead;
 * FP_TINY_CACHE_DIRS=N makes it N on each side of the boundary on both),
 * half in the root (with an exclude root inside it), half outside; the cache
 * capped at 64 directories. A new file in every directory in random order,
 * and every 50 operations a directory moved across the boundary. The answers
 * must be the model's, and QUERY must show the cap. BPF: the cap is the
 * module parameter cache_max, set for the test when it exists (else SKIP).
 */
TEST_F_TIMEOUT(subtree, tiny_cache, 150)
{
	struct ctx *c = &self->c;
	int top = c->fs[0].root, in, out, ex, *dirs = NULL, n = 0, i, j, d, t, tries;
	int half = tiny_cache_dirs(c->kind == FS_EXT4 ? 2000 : 5000);
	struct fanotify_fastpath_info info;
	struct stat st;

	if (variant->bpf && (stat(CACHE_PARAM, &st) || !(st.st_mode & 0200)))
		SKIP(return, "BPF: no writable %s to cap the cache", CACHE_PARAM);
	TH_LOG("seed %u (FP_SEED=%u repeats this run)", seed, seed);
	in = pre_mkdir(_metadata, c, top, "in");
	out = pre_mkdir(_metadata, c, top, "out");
	pre_tree(_metadata, c, in, half, 64, &dirs, &n);
	pre_tree(_metadata, c, out, half, 64, &dirs, &n);
	c->m.d[in].kind = ROOT_IN;
	ex = dirs[20];
	c->m.d[ex].kind = ROOT_EX;
	evict_caches(c);
	c->drop_every = c->kind == FS_EXT4 ? 1000 : 0;
	start(_metadata, c, true, 64);
	for (i = n - 1; i > 0; i--) {
		j = rnd_below(&c->rng, i + 1);
		d = dirs[i];
		dirs[i] = dirs[j];
		dirs[j] = d;
	}
	for (i = 0; i < n; i++) {
		op_touch(_metadata, c, dirs[i]);
		if (i % 50 != 49)
			continue;
		d = dirs[rnd_below(&c->rng, n)];
		for (tries = 0; tries < 30; tries++) {
			t = dirs[rnd_below(&c->rng, n)];
			if (below(&c->m, t, in) != below(&c->m, d, in) && !below(&c->m, t, d) &&
			    depth(&c->m, t) + 1 + height(&c->m, d) <= 100) {
				op_rename_dir(_metadata, c, d, t, NULL);
				break;
			}
		}
	}
	free(dirs);
	finish(_metadata, c);
	ASSERT_EQ(0, fp_query(c->dev, c->fan, &info));
	TH_LOG("cache: entries %llu, max %llu, hits %llu, walks %llu, evicted %llu",
	       (unsigned long long)info.cache_entries, (unsigned long long)info.cache_max,
	       (unsigned long long)info.cache_hits, (unsigned long long)info.cache_walks,
	       (unsigned long long)info.cache_evicted);
	TH_LOG("cache: invalidations %llu, unsure %llu",
	       (unsigned long long)info.cache_invalidations,
	       (unsigned long long)info.cache_unsure);
	EXPECT_EQ(64, info.cache_max);
	EXPECT_GE(64, info.cache_entries);
}

static unsigned long taint_flags(void)
{
	return (unsigned long)fp_read_long("/proc/sys/kernel/tainted");
}

/*
 * e) Unmount with roots attached: roots on the filesystem under test and one
 * on a second tmpfs, both watched. umount must succeed without a kernel
 * warning; then the group still works on the second filesystem, and QUERY
 * counts only its root.
 */
TEST_F(subtree, unmount)
{
	struct ctx *c = &self->c;
	int top = c->fs[0].root, a, b, x, o, top2, cc, o2, i, ret;
	unsigned long taint;

	ASSERT_EQ(0, ctx_second_fs(c)) TH_LOG("tmpfs at %s", MNT2);
	top2 = c->fs[1].root;
	a = pre_mkdir(_metadata, c, top, "A");
	b = pre_mkdir(_metadata, c, top, "B");
	x = pre_mkdir(_metadata, c, a, "x");
	o = pre_mkdir(_metadata, c, top, "o");
	cc = pre_mkdir(_metadata, c, top2, "C");
	o2 = pre_mkdir(_metadata, c, top2, "o");
	c->m.d[a].kind = ROOT_IN;
	c->m.d[b].kind = ROOT_IN;
	c->m.d[x].kind = ROOT_EX;
	c->m.d[cc].kind = ROOT_IN;
	start(_metadata, c, true, 0);
	op_create(_metadata, c, a);
	op_create(_metadata, c, b);
	op_create(_metadata, c, x);
	op_create(_metadata, c, o);
	op_create(_metadata, c, cc);
	op_create(_metadata, c, o2);
	expect_roots(_metadata, c, 0, "before the umount");

	taint = taint_flags();
	close(c->fs[0].mntfd);
	c->fs[0].mntfd = -1;
	for (i = 0; (ret = umount2(MNT, 0)) && errno == EBUSY && i < 50; i++)
		usleep(20000);
	ASSERT_EQ(0, ret) TH_LOG("umount %s with roots attached: %s", MNT, strerror(errno));
	if (i)
		TH_LOG("umount %s succeeded after %d EBUSY", MNT, i);
	c->fs[0].mounted = false;
	EXPECT_EQ(0, (taint_flags() & ~taint) & ((1 << 7) | (1 << 9)))
		TH_LOG("the kernel oopsed or warned during the umount (taint %lu -> %lu)",
		       taint, taint_flags());
	/* The unmounted filesystem's directories and roots are gone. */
	for (i = c->m.nldirs - 1; i >= 0; i--) {
		int d = c->m.ldirs[i];

		if (below(&c->m, d, top) && d != top)
			c->m.d[d].kind = NOT_ROOT;
	}
	op_create(_metadata, c, cc);
	op_create(_metadata, c, o2);
	op_create(_metadata, c, op_mkdir(_metadata, c, cc, NULL));
	expect_roots(_metadata, c, 2000, "after the umount");
	finish(_metadata, c);
}

/*
 * f) Roots added and removed while attached take effect at once; adding a
 * root that exists changes its kind; QUERY counts the roots.
 */
TEST_F(subtree, runtime_roots)
{
	struct ctx *c = &self->c;
	int top = c->fs[0].root, a, b, x, y;

	a = pre_mkdir(_metadata, c, top, "A");
	b = pre_mkdir(_metadata, c, top, "B");
	x = pre_mkdir(_metadata, c, a, "x");
	y = pre_mkdir(_metadata, c, x, "y");
	c->m.d[a].kind = ROOT_IN;
	start(_metadata, c, true, 0);
	op_create(_metadata, c, a);
	op_create(_metadata, c, b);
	op_create(_metadata, c, y);
	set_root(_metadata, c, b, ROOT_IN);
	expect_roots(_metadata, c, 0, "after adding B");
	op_create(_metadata, c, b);
	set_root(_metadata, c, x, ROOT_EX);
	expect_roots(_metadata, c, 0, "after adding A/x (exclude)");
	op_create(_metadata, c, x);
	op_create(_metadata, c, y);
	op_create(_metadata, c, a);
	op_chmod_dir(_metadata, c, x);
	set_root(_metadata, c, y, ROOT_IN);
	op_create(_metadata, c, y);
	set_root(_metadata, c, a, NOT_ROOT);
	expect_roots(_metadata, c, 0, "after removing A");
	op_create(_metadata, c, a);
	op_create(_metadata, c, y);
	set_root(_metadata, c, x, ROOT_IN);
	expect_roots(_metadata, c, 0, "after A/x became an include root");
	op_create(_metadata, c, x);
	set_root(_metadata, c, y, NOT_ROOT);
	op_create(_metadata, c, y);
	set_root(_metadata, c, b, NOT_ROOT);
	op_create(_metadata, c, b);
	expect_roots(_metadata, c, 0, "at the end");
	finish(_metadata, c);
}

static int root_raw(struct ctx *c, __u32 version, __u32 flags, int fan, int fd)
{
	struct fanotify_fastpath_root r = {
		.version = version,
		.flags = flags,
		.fanotify_fd = fan,
		.fd = fd,
	};

	return ioctl(c->dev, FAN_FP_IOC_ROOT, &r) ? -errno : 0;
}

/*
 * f) FAN_FP_IOC_ROOT's errors: ENOENT removing a directory that is no root,
 * ENOTDIR for a file, EINVAL for unknown flags and for an fd that is not a
 * fanotify group, EOPNOTSUPP for another version, ENOSPC for a 65th root
 * (changing the kind of an existing root still works then). A failed call
 * changes nothing.
 */
TEST_F(subtree, root_ioctl_errors)
{
	struct ctx *c = &self->c;
	int top = c->fs[0].root, a, b, f, fd, dfd, i, ret, r[FAN_FP_ROOTS_MAX];
	char path[PATH_MAX];

	a = pre_mkdir(_metadata, c, top, "A");
	b = pre_mkdir(_metadata, c, top, "B");
	f = pre_file(_metadata, c, a);
	for (i = 0; i < FAN_FP_ROOTS_MAX; i++)
		r[i] = pre_mkdir(_metadata, c, b, NULL);
	c->m.d[a].kind = ROOT_IN;
	start(_metadata, c, true, 0);

	dir_path(&c->m, b, path, sizeof(path));
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dfd);
	entry_path(&c->m, a, c->m.f[f].name, path, sizeof(path));
	fd = open(path, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = root_raw(c, FAN_FP_VERSION, FAN_FP_ROOT_REMOVE, c->fan, dfd);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("remove a directory that is no root: %s", strerror(-ret));
	ret = root_raw(c, FAN_FP_VERSION, 0, c->fan, fd);
	EXPECT_EQ(-ENOTDIR, ret) TH_LOG("a file as root: %s", strerror(-ret));
	ret = root_raw(c, FAN_FP_VERSION, 0x100, c->fan, dfd);
	EXPECT_EQ(-EINVAL, ret) TH_LOG("unknown flag 0x100: %s", strerror(-ret));
	ret = root_raw(c, FAN_FP_VERSION, 0x80000000, c->fan, dfd);
	EXPECT_EQ(-EINVAL, ret) TH_LOG("unknown flag 0x80000000: %s", strerror(-ret));
	ret = root_raw(c, FAN_FP_VERSION + 1, 0, c->fan, dfd);
	EXPECT_EQ(-EOPNOTSUPP, ret) TH_LOG("version %d: %s", FAN_FP_VERSION + 1, strerror(-ret));
	/* An O_PATH descriptor is no usable file (EBADF), an ordinary one no group. */
	ret = root_raw(c, FAN_FP_VERSION, 0, dfd, dfd);
	EXPECT_EQ(-EBADF, ret) TH_LOG("fanotify_fd an O_PATH fd: %s", strerror(-ret));
	close(fd);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ret = root_raw(c, FAN_FP_VERSION, 0, fd, dfd);
	EXPECT_EQ(-EINVAL, ret) TH_LOG("fanotify_fd not a fanotify group: %s", strerror(-ret));
	close(fd);
	close(dfd);
	expect_roots(_metadata, c, 0, "after the failed calls");
	op_create(_metadata, c, b);

	/* A is one root: 63 more fill the table, the 65th does not fit. */
	for (i = 0; i < FAN_FP_ROOTS_MAX - 1; i++)
		set_root(_metadata, c, r[i], ROOT_IN);
	expect_roots(_metadata, c, 0, "with 64 roots");
	dir_path(&c->m, r[FAN_FP_ROOTS_MAX - 1], path, sizeof(path));
	ret = root_ioctl(c, path, 0);
	EXPECT_EQ(-ENOSPC, ret) TH_LOG("a 65th root: %s", strerror(-ret));
	op_create(_metadata, c, r[FAN_FP_ROOTS_MAX - 1]);
	op_create(_metadata, c, r[0]);
	set_root(_metadata, c, r[0], ROOT_EX);
	op_create(_metadata, c, r[0]);
	set_root(_metadata, c, r[1], NOT_ROOT);
	set_root(_metadata, c, r[FAN_FP_ROOTS_MAX - 1], ROOT_IN);
	op_create(_metadata, c, r[FAN_FP_ROOTS_MAX - 1]);
	op_create(_metadata, c, r[1]);
	expect_roots(_metadata, c, 0, "at the end");
	finish(_metadata, c);
}

/*
 * g) Roots are directories, not paths: a moved root stays a root; a
 * directory moved into a root is inside with all it holds, moved out it is
 * outside; a removed root is no root, not even for a new directory at its
 * old path or its original one.
 */
TEST_F(subtree, root_lifecycle)
{
	struct ctx *c = &self->c;
	int top = c->fs[0].root, a, o, d, e, f1, f2, a2, na;

	a = pre_mkdir(_metadata, c, top, "A");
	o = pre_mkdir(_metadata, c, top, "o");
	d = pre_mkdir(_metadata, c, o, "d");
	e = pre_mkdir(_metadata, c, d, "e");
	pre_file(_metadata, c, e);
	c->m.d[a].kind = ROOT_IN;
	evict_caches(c);
	start(_metadata, c, true, 0);
	f1 = op_create(_metadata, c, a);
	op_rename_dir(_metadata, c, a, o, "A2");
	f2 = op_create(_metadata, c, a);
	op_create(_metadata, c, o);
	op_chmod_dir(_metadata, c, a);
	op_rename_dir(_metadata, c, d, a, NULL);
	evict_caches(c);
	op_create(_metadata, c, e);
	op_chmod_dir(_metadata, c, e);
	op_rename_dir(_metadata, c, d, o, NULL);
	op_create(_metadata, c, e);
	op_rename_dir(_metadata, c, d, a, NULL);
	op_create(_metadata, c, e);
	op_rename_dir(_metadata, c, d, top, NULL);
	op_create(_metadata, c, e);
	op_unlink(_metadata, c, f1);
	op_unlink(_metadata, c, f2);
	op_rmdir(_metadata, c, a);
	expect_roots(_metadata, c, 2000, "after removing the only root");
	a2 = op_mkdir(_metadata, c, o, "A2");
	op_create(_metadata, c, a2);
	na = op_mkdir(_metadata, c, top, "A");
	op_create(_metadata, c, na);
	finish(_metadata, c);
}

/* ---- the model against the kernel alone ---------------------------------------------------- */

FIXTURE(unfiltered) {
	struct ctx c;
};

FIXTURE_VARIANT(unfiltered) {
	int kind;
};

FIXTURE_VARIANT_ADD(unfiltered, tmpfs) {
	.kind = FS_TMPFS,
};

FIXTURE_VARIANT_ADD(unfiltered, ext4) {
	.kind = FS_EXT4,
};

FIXTURE_VARIANT_ADD(unfiltered, btrfs) {
	.kind = FS_BTRFS,
};

FIXTURE_VARIANT_ADD(unfiltered, xfs) {
	.kind = FS_XFS,
};

FIXTURE_VARIANT_ADD(unfiltered, overlay) {
	.kind = FS_OVERLAY,
};

FIXTURE_VARIANT_ADD(unfiltered, fuse) {
	.kind = FS_FUSE,
};

FIXTURE_SETUP(unfiltered)
{
	setup_kind(_metadata, &self->c, false, variant->kind);
}

FIXTURE_TEARDOWN(unfiltered)
{
	ctx_teardown(&self->c);
}

/*
 * The random trace (5000 operations) with no handler: every event the model
 * derives must be what fanotify itself delivers. If this fails, the model is
 * wrong (or the kernel's events changed), and so would be the verdicts on
 * the handlers.
 */
TEST_F_TIMEOUT(unfiltered, random_trace, 150)
{
	run_trace(_metadata, &self->c, false,
		  trace_ops(variant->kind <= FS_EXT4 ? 5000 : UNFILTERED_FS_OPS));
}

/* ---- btrfs, XFS, overlayfs, FUSE ------------------------------------------------------------ */

/*
 * The random trace with the C handler and its BPF twin on the other
 * filesystems (the fixture "unfiltered" checks the model on each of them).
 */
FIXTURE(subtree_fs) {
	struct ctx c;
};

FIXTURE_VARIANT(subtree_fs) {
	bool bpf;
	int kind;
};

FIXTURE_VARIANT_ADD(subtree_fs, c_btrfs) {
	.bpf = false,
	.kind = FS_BTRFS,
};

FIXTURE_VARIANT_ADD(subtree_fs, c_xfs) {
	.bpf = false,
	.kind = FS_XFS,
};

FIXTURE_VARIANT_ADD(subtree_fs, c_overlay) {
	.bpf = false,
	.kind = FS_OVERLAY,
};

FIXTURE_VARIANT_ADD(subtree_fs, c_fuse) {
	.bpf = false,
	.kind = FS_FUSE,
};

FIXTURE_VARIANT_ADD(subtree_fs, bpf_btrfs) {
	.bpf = true,
	.kind = FS_BTRFS,
};

FIXTURE_VARIANT_ADD(subtree_fs, bpf_xfs) {
	.bpf = true,
	.kind = FS_XFS,
};

FIXTURE_VARIANT_ADD(subtree_fs, bpf_overlay) {
	.bpf = true,
	.kind = FS_OVERLAY,
};

FIXTURE_VARIANT_ADD(subtree_fs, bpf_fuse) {
	.bpf = true,
	.kind = FS_FUSE,
};

FIXTURE_SETUP(subtree_fs)
{
	setup_kind(_metadata, &self->c, variant->bpf, variant->kind);
}

FIXTURE_TEARDOWN(subtree_fs)
{
	ctx_teardown(&self->c);
}

TEST_F_TIMEOUT(subtree_fs, random_trace, 150)
{
	run_trace(_metadata, &self->c, true, trace_ops(FS_TRACE_OPS));
}

/*
 * FUSE with entry and attribute timeouts 0: the kernel revalidates every
 * name. Variants: the C handler, and no handler (every directory inside: the
 * model against the kernel alone, as the fixture "unfiltered").
 */
FIXTURE(fuse) {
	struct ctx c;
};

FIXTURE_VARIANT(fuse) {
	bool handler;
};

FIXTURE_VARIANT_ADD(fuse, c) {
	.handler = true,
};

FIXTURE_VARIANT_ADD(fuse, unfiltered) {
	.handler = false,
};

FIXTURE_SETUP(fuse)
{
	fuse_timeout = "0";
	setup_kind(_metadata, &self->c, false, FS_FUSE);
}

FIXTURE_TEARDOWN(fuse)
{
	ctx_teardown(&self->c);
}

/* FUSE: the backing path of model directory @d (MNT/x -> BACK/x). */
static void back_path(struct ctx *c, int d, char *buf, size_t size)
{
	size_t n = snprintf(buf, size, "%s", BACK);

	/* MNT/x -> BACK/x: the model's path after MNT. */
	if (n < size) {
		dir_path(&c->m, d, buf + n, size - n);
		memmove(buf + n, buf + n + strlen(MNT), strlen(buf + n + strlen(MNT)) + 1);
	}
}

/*
 * FUSE: directory @d moved into @parent by the server's side (a rename in the
 * backing directory, as another client of a network filesystem would):
 * nothing happens in the kernel, no event.
 */
static void server_rename(struct __test_metadata *_metadata, struct ctx *c, int d, int parent)
{
	char from[PATH_MAX], to[PATH_MAX], name[NAME_LEN];
	size_t n;

	snprintf(name, sizeof(name), "%s", c->m.d[d].name);
	back_path(c, d, from, sizeof(from));
	back_path(c, parent, to, sizeof(to));
	n = strlen(to);
	snprintf(to + n, sizeof(to) - n, "/%s", name);
	desc(c, "server side: rename %s %s", from, to);
	if (rename(from, to))
		die_op(_metadata, c);
	model_move_dir(&c->m, d, parent, name);
	check_op(_metadata, c);
}

/* stat of directory @d at its model path (@gone: must fail with ENOENT): no event. */
static void op_stat(struct __test_metadata *_metadata, struct ctx *c, int parent,
		    const char *name, bool gone)
{
	char path[PATH_MAX];
	struct stat st;
	int ret;

	entry_path(&c->m, parent, name, path, sizeof(path));
	desc(c, "stat %s%s", path, gone ? " (gone)" : "");
	ret = stat(path, &st) ? -errno : 0;
	EXPECT_EQ(gone ? -ENOENT : 0, ret) TH_LOG("stat %s: %s", path, strerror(-ret));
	check_op(_metadata, c);
}

/*
 * Directories @a (with @a2 below it) and @b (with @b2) swap sides by the
 * server's side: @a from @pa to @pb, @b from @pb to @pa, then looked up at
 * the new paths (after the old ones when @old_first), then a file in each.
 */
static void server_swap(struct __test_metadata *_metadata, struct ctx *c, int a, int a2,
			int b, int b2, bool old_first)
{
	int pa = c->m.d[a].parent, pb = c->m.d[b].parent;

	op_touch(_metadata, c, a);
	op_touch(_metadata, c, a2);
	op_touch(_metadata, c, b);
	op_touch(_metadata, c, b2);
	server_rename(_metadata, c, a, pb);
	server_rename(_metadata, c, b, pa);
	if (old_first) {
		op_stat(_metadata, c, pa, c->m.d[a].name, true);
		op_stat(_metadata, c, pb, c->m.d[b].name, true);
	}
	op_stat(_metadata, c, pb, c->m.d[a].name, false);
	op_stat(_metadata, c, pa, c->m.d[b].name, false);
	op_touch(_metadata, c, a);
	op_touch(_metadata, c, a2);
	op_touch(_metadata, c, b);
	op_touch(_metadata, c, b2);
}

/*
 * Directories renamed by the FUSE server's side, not through the mount.
 * root=MNT/in; MNT/in/d/e and MNT/out/x/y exist. Files in d and e arrive, in
 * x and y they do not; the backing directories in/d and out/x are renamed
 * to out/d and in/x; a lookup of MNT/out/d finds the same node id, and the
 * kernel moves d's dentry there (d_splice_alias(): no fsnotify event, no
 * rename through the VFS), the same for MNT/in/x. Now files in d and e must
 * not arrive (outside), in x and y they must (inside). Then back the same
 * way. In the second round the old paths are looked up first (revalidation
 * fails: ENOENT, the old dentries are dropped), then the new ones. The
 * model knows what the test did.
 */
TEST_F(fuse, server_side_rename)
{
	struct ctx *c = &self->c;
	int top = c->top, in, out, d, e, x, y, round;

	in = pre_mkdir(_metadata, c, top, "in");
	out = pre_mkdir(_metadata, c, top, "out");
	d = pre_mkdir(_metadata, c, in, "d");
	e = pre_mkdir(_metadata, c, d, "e");
	x = pre_mkdir(_metadata, c, out, "x");
	y = pre_mkdir(_metadata, c, x, "y");
	c->m.d[in].kind = ROOT_IN;
	start(_metadata, c, variant->handler, 0);
	for (round = 0; round < 2; round++) {
		server_swap(_metadata, c, d, e, x, y, round);
		server_swap(_metadata, c, x, y, d, e, round);
	}
	finish(_metadata, c);
}

/* btrfs. Variants: the C handler, and no handler (the model against the kernel alone). */
FIXTURE(btrfs) {
	struct ctx c;
};

FIXTURE_VARIANT(btrfs) {
	bool handler;
};

FIXTURE_VARIANT_ADD(btrfs, c) {
	.handler = true,
};

FIXTURE_VARIANT_ADD(btrfs, unfiltered) {
	.handler = false,
};

FIXTURE_SETUP(btrfs)
{
	setup_kind(_metadata, &self->c, false, FS_BTRFS);
}

FIXTURE_TEARDOWN(btrfs)
{
	ctx_teardown(&self->c);
}

#ifndef FS_IOC_GETVERSION
#define FS_IOC_GETVERSION	_IOR('v', 1, long)	/* it writes an int */
#endif

/* The inode number and generation of @path; logged. */
static void log_ids(struct __test_metadata *_metadata, const char *path, struct stat *st,
		    int *gen)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*gen = -1;
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_EQ(0, fstat(fd, st));
	if (ioctl(fd, FS_IOC_GETVERSION, gen))
		*gen = -1;
	close(fd);
	TH_LOG("%s: inode %llu, generation %d, device %llu:%llu", path,
	       (unsigned long long)st->st_ino, *gen, (unsigned long long)major(st->st_dev),
	       (unsigned long long)minor(st->st_dev));
}

/* Rounds of subvolume_twins: @n, or FP_TWIN_ROUNDS. */
static int twin_rounds(int n)
{
	const char *s = getenv("FP_TWIN_ROUNDS");

	return s && atoi(s) > 0 ? atoi(s) : n;
}

/* A file in directory @d, then every unused dentry and inode evicted (both twins). */
static void twin_touch(struct __test_metadata *_metadata, struct ctx *c, int d)
{
	op_touch(_metadata, c, d);
	evict_caches(c);
	/* Inodes are freed after an RCU grace period: let their memory be reused. */
	usleep(20000);
}

/*
 * Twins: "btrfs subvolume create sv1 sv2; mkdir sv1/d sv2/d" in one
 * transaction gives two directories with the same inode number and
 * generation on one super_block (two subvolumes). root=MNT/sv1. In every
 * round a file in one twin (sv1/d must arrive, sv2/d must not), every inode
 * evicted, a file in the other: an inode's memory reused for its twin must not
 * bring the other's answer. Then a snapshot of sv1 at MNT/snap (a snapshot of
 * a root is no root: snap/d is outside) and rounds over the three.
 */
TEST_F_TIMEOUT(btrfs, subvolume_twins, 150)
{
	struct ctx *c = &self->c;
	int root = c->fs[0].root, sv1, sv2, d1, d2, snap, d3, i, n = twin_rounds(60);
	char cmd[512];
	struct stat st1, st2;
	int g1, g2;

	snprintf(cmd, sizeof(cmd), "btrfs subvolume create %s/sv1 %s/sv2 >/dev/null 2>&1",
		 MNT, MNT);
	if (run(cmd)) {
		/* btrfs-progs 6.2 (Debian 12) creates one subvolume per command. */
		snprintf(cmd, sizeof(cmd), "btrfs subvolume create %s/sv1 >/dev/null && %s",
			 MNT, "btrfs subvolume create " MNT "/sv2 >/dev/null");
		ASSERT_EQ(0, run(cmd)) TH_LOG("%s failed", cmd);
	}
	snprintf(cmd, sizeof(cmd), "mkdir %s/sv1/d %s/sv2/d", MNT, MNT);
	ASSERT_EQ(0, run(cmd)) TH_LOG("%s failed", cmd);
	sv1 = model_add_dir(&c->m, root, "sv1", NULL);
	sv2 = model_add_dir(&c->m, root, "sv2", NULL);
	c->m.d[sv1].subvol = true;
	c->m.d[sv2].subvol = true;
	d1 = model_add_dir(&c->m, sv1, "d", NULL);
	d2 = model_add_dir(&c->m, sv2, "d", NULL);
	log_ids(_metadata, MNT "/sv1/d", &st1, &g1);
	log_ids(_metadata, MNT "/sv2/d", &st2, &g2);
	if (st1.st_ino != st2.st_ino || g1 != g2)
		TH_LOG("the two d are no twins here (number or generation differ)");
	c->m.d[sv1].kind = ROOT_IN;
	evict_caches(c);
	start(_metadata, c, variant->handler, 0);
	for (i = 0; i < n; i++) {
		twin_touch(_metadata, c, i % 2 ? d2 : d1);
		twin_touch(_metadata, c, i % 2 ? d1 : d2);
	}
	snap = op_snapshot(_metadata, c, sv1, root, "snap");
	d3 = c->m.d[snap].child;
	ASSERT_EQ(0, strcmp(c->m.d[d3].name, "d"));
	log_ids(_metadata, MNT "/snap/d", &st2, &g2);
	for (i = 0; i < n; i++) {
		int t[3] = { d1, d2, d3 };

		twin_touch(_metadata, c, t[i % 3]);
		twin_touch(_metadata, c, t[(i + 1 + i % 2) % 3]);
		twin_touch(_metadata, c, t[(i + 2 - i % 2) % 3]);
	}
	TH_LOG("%d rounds over sv1/d and sv2/d, %d over sv1/d, sv2/d and snap/d", n, n);
	finish(_metadata, c);
}

TEST_HARNESS_MAIN
