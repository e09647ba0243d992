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
 * handler's, not the model's.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <linux/loop.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <bpf/libbpf.h>

#include "fp_util.h"
#include "kselftest_harness.h"
#include "subtree.skel.h"

#define MNT		"/tmp/fp-subtree"	/* the filesystem under test */
#define MNT2		"/tmp/fp-subtree2"	/* a second tmpfs (unmount test) */
#define IMG		"/tmp/fp-subtree.img"	/* the ext4 image, on /tmp's tmpfs */
#define IMG_MB		256
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

struct tfs {
	const char *path;
	bool mounted, ext4;
	int mntfd;		/* the root, for open_by_handle_at() */
	int loopfd;		/* ext4: the loop device */
	int root;		/* its root in the model */
	__kernel_fsid_t fsid;
};

static int run(const char *cmd)
{
	int status = system(cmd);

	return status == 0 ? 0 : -1;
}

/* Attach @img to a free loop device (detached when its last user goes). */
static int loop_attach(const char *img, char *dev, size_t size)
{
	struct loop_config cfg;
	int ctl, n, lfd, ifd, tries;

	for (tries = 0; tries < 10; tries++) {
		ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
		if (ctl < 0)
			return -errno;
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		close(ctl);
		if (n < 0)
			return -errno;
		snprintf(dev, size, "/dev/loop%d", n);
		/* A new device node appears through devtmpfs: give it a moment. */
		for (lfd = -1; lfd < 0 && n >= 0; n -= 50) {
			lfd = open(dev, O_RDWR | O_CLOEXEC);
			if (lfd < 0 && errno != ENOENT)
				return -errno;
			if (lfd < 0)
				usleep(20000);
		}
		if (lfd < 0)
			return -ENOENT;
		ifd = open(img, O_RDWR | O_CLOEXEC);
		if (ifd < 0) {
			close(lfd);
			return -errno;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.fd = ifd;
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
		if (!ioctl(lfd, LOOP_CONFIGURE, &cfg)) {
			close(ifd);
			return lfd;
		}
		n = -errno;
		close(ifd);
		close(lfd);
		if (n != -EBUSY)
			return n;
	}
	return -EBUSY;
}

static void fs_umount(struct tfs *fs)
{
	int i;

	if (fs->mntfd > 0)
		close(fs->mntfd);
	fs->mntfd = -1;
	if (fs->mounted) {
		for (i = 0; umount2(fs->path, 0) && errno == EBUSY && i < 50; i++)
			usleep(20000);
		if (umount2(fs->path, MNT_DETACH) && errno != EINVAL)
			fprintf(stderr, "# umount %s: %s\n", fs->path, strerror(errno));
		fs->mounted = false;
	}
	if (fs->loopfd > 0) {
		ioctl(fs->loopfd, LOOP_CLR_FD);
		close(fs->loopfd);
	}
	fs->loopfd = -1;
	if (fs->ext4)
		unlink(IMG);
	rmdir(fs->path);
}

/* A fresh tmpfs, or ext4 on a loop device, at @path. 0 or -errno; logs why. */
static int fs_mount(struct tfs *fs, const char *path, bool ext4)
{
	char dev[32], cmd[256];
	struct statfs st;
	int fd;

	memset(fs, 0, sizeof(*fs));
	fs->path = path;
	fs->ext4 = ext4;
	fs->mntfd = -1;
	fs->loopfd = -1;
	/* What an earlier, killed run may have left. */
	umount2(path, MNT_DETACH);
	mkdir(path, 0755);
	if (!ext4) {
		if (mount("tmpfs", path, "tmpfs", 0, "mode=0755"))
			return -errno;
	} else {
		unlink(IMG);
		fd = open(IMG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)IMG_MB << 20)) {
			fprintf(stderr, "# %s: %s\n", IMG, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -EIO;
		}
		close(fd);
		snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F -N 40000 -E nodiscard %s", IMG);
		if (run(cmd)) {
			fprintf(stderr, "# %s failed (is mkfs.ext4 in the VM?)\n", cmd);
			return -EIO;
		}
		fs->loopfd = loop_attach(IMG, dev, sizeof(dev));
		if (fs->loopfd < 0) {
			fprintf(stderr, "# loop device for %s: %s (loop module loaded?)\n", IMG,
				strerror(-fs->loopfd));
			return fs->loopfd;
		}
		if (mount(dev, path, "ext4", 0, "")) {
			fprintf(stderr, "# mount -t ext4 %s %s: %s\n", dev, path, strerror(errno));
			return -errno;
		}
	}
	fs->mounted = true;
	fs->mntfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->mntfd < 0 || fstatfs(fs->mntfd, &st))
		return -errno;
	memcpy(&fs->fsid, &st.f_fsid, sizeof(fs->fsid));
	return 0;
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
	bool bpf, ext4;
	struct subtree *skel;
	struct bpf_link *link;
	struct evset want, got;
	char desc[2 * PATH_MAX + 64];	/* the current operation */
	unsigned long ops, nwant, ngot, lost, extra, wrong, bad_ops;
	int drop_every;		/* ext4: drop caches every this many operations */
	__u64 rng;
	char cache_old[32];	/* the module parameter to restore */
	struct timespec t0;	/* setup began */
	/* Directory moves by the moved directory's side before and after: [was in][is in]. */
	unsigned long moves[2][2], root_moves, root_removals;
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
static int ctx_setup(struct ctx *c, bool bpf, bool ext4)
{
	int ret;

	memset(c, 0, sizeof(*c));
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	c->fan = -1;
	c->bpf = bpf;
	c->ext4 = ext4;
	c->nfs = 1;
	ret = fs_mount(&c->fs[0], MNT, ext4);
	if (ret)
		return ret;
	c->fs[0].root = model_add_dir(&c->m, -1, "", MNT);
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
	int ret = fs_mount(&c->fs[1], MNT2, false);

	c->nfs = 2;
	if (!ret)
		c->fs[1].root = model_add_dir(&c->m, -1, "", MNT2);
	return ret;
}

/* Write dirty data back and evict unused dentries and inodes (ext4 only). */
static void evict_caches(struct ctx *c)
{
	if (!c->ext4)
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
		ASSERT_EQ(0, fanotify_mark(c->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, EVENTS,
					   AT_FDCWD, c->fs[i].path))
			TH_LOG("fanotify_mark %s: %s", c->fs[i].path, strerror(errno));
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
	bool ext4;
};

FIXTURE_VARIANT_ADD(subtree, c_tmpfs) {
	.bpf = false,
	.ext4 = false,
};

FIXTURE_VARIANT_ADD(subtree, c_ext4) {
	.bpf = false,
	.ext4 = true,
};

FIXTURE_VARIANT_ADD(subtree, bpf_tmpfs) {
	.bpf = true,
	.ext4 = false,
};

FIXTURE_VARIANT_ADD(subtree, bpf_ext4) {
	.bpf = true,
	.ext4 = true,
};

FIXTURE_SETUP(subtree)
{
	int ret = ctx_setup(&self->c, variant->bpf, variant->ext4);

	self->c.rng = rng_init(_metadata->name);
	if (ret)
		ctx_teardown(&self->c);
	ASSERT_EQ(0, ret) TH_LOG("setup (%s, %s): %s", variant->bpf ? "BPF" : "C",
				 variant->ext4 ? "ext4 on a loop device" : "tmpfs",
				 strerror(-ret));
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
	c->drop_every = c->ext4 ? 500 : 0;
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
	int top = c->fs[0].root, a, r1, x1, r3, r2, x2, b, i;

	a = pre_mkdir(_metadata, c, top, "a");
	r1 = pre_mkdir(_metadata, c, a, "R1");
	x1 = pre_mkdir(_metadata, c, r1, "X1");
	r3 = pre_mkdir(_metadata, c, x1, "R3");
	r2 = pre_mkdir(_metadata, c, top, "R2");
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
	for (i = 0; i < 80; i++)
		pre_file(_metadata, c, c->m.ldirs[rnd_below(&c->rng, c->m.nldirs)]);
}

#define TRACE_DIRS	300
#define TRACE_FILES	600
#define TRACE_DEPTH	40

/* A random directory of the first filesystem, not its root; -1 when there is none. */
static int any_dir(struct ctx *c)
{
	int d, tries;

	for (tries = 0; tries < 1000; tries++) {
		d = c->m.ldirs[rnd_below(&c->rng, c->m.nldirs)];
		if (c->m.d[d].parent >= 0 && below(&c->m, d, c->fs[0].root))
			return d;
	}
	return -1;
}

/*
 * Any directory of the first filesystem, its root included; for half of the
 * calls one that is inside if there is one, so that the trace does not drift
 * away from the roots.
 */
static int any_parent(struct ctx *c)
{
	bool in = rnd_below(&c->rng, 2);
	int d, tries;

	for (tries = 0;; tries++) {
		d = c->m.ldirs[rnd_below(&c->rng, c->m.nldirs)];
		if (below(&c->m, d, c->fs[0].root) && (tries >= 50 || !in || inside(&c->m, d)))
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
			op_link(_metadata, c, f, any_parent(c));
		else if (r < 46)
			op_rename_file(_metadata, c, f, any_parent(c), -1);
		else
			op_rename_file(_metadata, c, f, any_parent(c), t == f ? -1 : t);
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
		op_mkdir(_metadata, c, c->fs[0].root, NULL);
		return;
	}
	if (r < 78) {
		op_chmod_dir(_metadata, c, d);
		return;
	}
	/* Move a directory (a root now and then) into, out of or within the roots. */
	t = r < 84 ? any_root(c) : -1;
	if (t >= 0 && below(m, t, c->fs[0].root))
		d = t;
	for (tries = 0; tries < 30; tries++) {
		t = any_parent(c);
		if (!below(m, t, d) && depth(m, t) + 1 + height(m, d) <= TRACE_DEPTH) {
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
	struct ctx *c = &self->c;
	int i, n = trace_ops(10000);

	TH_LOG("seed %u (FP_SEED=%u repeats this run), %d operations", seed, seed, n);
	trace_layout(_metadata, c);
	evict_caches(c);
	c->drop_every = c->ext4 ? 500 : 0;
	start(_metadata, c, true, 0);
	for (i = 0; i < n; i++)
		random_op(_metadata, c);
	trace_summary(_metadata, c);
	finish(_metadata, c);
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
	int half = tiny_cache_dirs(c->ext4 ? 2000 : 5000);
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
	c->drop_every = c->ext4 ? 1000 : 0;
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
	bool ext4;
};

FIXTURE_VARIANT_ADD(unfiltered, tmpfs) {
	.ext4 = false,
};

FIXTURE_VARIANT_ADD(unfiltered, ext4) {
	.ext4 = true,
};

FIXTURE_SETUP(unfiltered)
{
	int ret = ctx_setup(&self->c, false, variant->ext4);

	self->c.rng = rng_init(_metadata->name);
	if (ret)
		ctx_teardown(&self->c);
	ASSERT_EQ(0, ret) TH_LOG("setup (%s): %s",
				 variant->ext4 ? "ext4 on a loop device" : "tmpfs",
				 strerror(-ret));
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
	struct ctx *c = &self->c;
	int i, n = trace_ops(5000);

	TH_LOG("seed %u (FP_SEED=%u repeats this run), %d operations", seed, seed, n);
	trace_layout(_metadata, c);
	c->drop_every = c->ext4 ? 500 : 0;
	start(_metadata, c, false, 0);
	for (i = 0; i < n; i++)
		random_op(_metadata, c);
	trace_summary(_metadata, c);
	finish(_metadata, c);
}

TEST_HARNESS_MAIN
