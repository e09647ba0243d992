// SPDX-License-Identifier: GPL-2.0
/*
 * The ancestry cache at and past its bounds, and against a local user who
 * wants it wrong, slow or memory-hungry: one case per finding of the review
 * of the cache read as an attacker.
 *
 *   many_filesystems	roots on more filesystems than FAN_FP_ROOTS_MAX, each
 *			ended by deleting or unmounting its directory: the
 *			subscriptions end with their roots (before, the 65th
 *			filesystem wrote past the cache's array and the
 *			detach oopsed)
 *   disconnected_file	an event on a file reached through a disconnected
 *			dentry (open_by_handle_at() after the dentry cache
 *			was dropped) has no known directory: delivered
 *   root_setversion	FS_IOC_SETVERSION on a root and on a cached directory
 *			(their i_generation changes): the root stays a root
 *   generation_wrap	the cache's 32-bit generation wraps (the test starts
 *			it near the top with the core's cache_gen_start
 *			parameter): every cached answer is dropped, answers
 *			stay right on both sides of the wrap
 *   unprivileged	with allow_unprivileged=Y, a caller without
 *			CAP_SYS_ADMIN asking for cache=4194304 gets the
 *			administrator's cache_max; it cannot make a root of a
 *			directory it may not list (an O_PATH fd of it is not
 *			enough): EACCES; a directory it may list is fine
 *   rename_storm	renames on another filesystem and moves between
 *			fresh parents outside the root, as fast as the
 *			machine runs them, while files are created inside and
 *			outside: nothing outside is delivered, nothing inside
 *			lost, no decision unsure, no move between two outside
 *			parents invalidates the cache
 *   rename_storm_walks	the same at depth 64 with the cache at its cap
 *			(cache=16): every decision walks while renames race,
 *			and evicts one entry at most (before, a walk filled
 *			and evicted up to 32 at the cap)
 *   filesystem_set_race	roots on FAN_FP_ROOTS_MAX filesystems; one thread
 *			ends and adds roots on 63 of them while the other,
 *			on the same CPU under full preemption, creates files
 *			in a root on the last filesystem in the set: the
 *			event path's lockless scan of the set never misses
 *			a filesystem that keeps its root (before, a removal
 *			moved the last slot down and an add overwrote it
 *			behind a preempted scan: the event was dropped)
 *   many_links		the FS_ATTRIB of link() has no directory: it is judged
 *			by the file's names, four at most; a file with a name
 *			inside is delivered however many names it has (past
 *			four, the answer is unsure: delivered)
 *   release_context	the entries of a detached cache are freed in
 *			process context (before, by an RCU callback, in
 *			softirq, however many there were)
 *
 * Ground truth is what the test did: which directory each file was created
 * in, and whether the test placed that directory inside a root.
 */
#define _GNU_SOURCE
#include <linux/fs.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "fp_util.h"
#include "kselftest_harness.h"

#define NR_FS		(FAN_FP_ROOTS_MAX + 6)
#define PARAMS		"/sys/module/fanotify_fastpath/parameters/"
#define GEN_PARAM	PARAMS "cache_gen_start"
#define UNPRIV_PARAM	PARAMS "allow_unprivileged"

FIXTURE(bounds) {
	int dev;
	char dir[64];
};

FIXTURE_SETUP(bounds)
{
	self->dev = fp_open_dev();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, fp_ensure_loaded("fp_subtree"));
	snprintf(self->dir, sizeof(self->dir), "/tmp/fpb.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(bounds)
{
	char cmd[256];

	close(self->dev);
	snprintf(cmd, sizeof(cmd),
		 "for m in $(grep -o ' %s/[^ ]*' /proc/mounts | sort -r); do umount -l $m; done; rm -rf %s",
		 self->dir, self->dir);
	if (system(cmd))
		TH_LOG("cleanup of %s failed", self->dir);
	fp_write_file(GEN_PARAM, "0");
	fp_write_file(UNPRIV_PARAM, "N");
}

static int mount_tmpfs(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return mount("tmpfs", path, "tmpfs", 0, "size=8m") ? -errno : 0;
}

/*
 * @img (@mb MiB) formatted by "mkfs.ext4 -q -F @opts", on a loop device,
 * mounted at @mnt. Return: the loop device's fd (close after the umount) or
 * -errno.
 */
static int mount_ext4(const char *img, int mb, const char *opts, const char *mnt)
{
	char cmd[512], dev[32];
	int fd, lfd;

	fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)mb << 20))
		return -errno;
	close(fd);
	snprintf(cmd, sizeof(cmd), "mkfs.ext4 -q -F %s %s", opts, img);
	if (system(cmd))
		return -EIO;
	lfd = fp_loop_attach(img, dev, sizeof(dev));
	if (lfd < 0)
		return lfd;
	if (mount(dev, mnt, "ext4", 0, "")) {
		fd = -errno;
		close(lfd);
		return fd;
	}
	return lfd;
}

/*
 * Roots on NR_FS filesystems, one after the other, each ended by deleting its
 * directory (or, every third, unmounting its filesystem) before the next is
 * added. Then FAN_FP_ROOTS_MAX roots on as many new filesystems at once: all
 * are accepted (no subscription of an ended root is left to count against
 * the bound), the next gets ENOSPC, events in each are delivered and
 * outside dropped; then detach, unmount.
 */
TEST_F_TIMEOUT(bounds, many_filesystems, 240)
{
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };
	char path[160], keep[96], args[128];
	int fan, i, n;

	snprintf(keep, sizeof(keep), "%s/keep", self->dir);
	ASSERT_EQ(0, mkdir(keep, 0755));
	fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, fan);
	snprintf(args, sizeof(args), "root=%s", keep);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));

	for (i = 0; i < NR_FS; i++) {
		snprintf(path, sizeof(path), "%s/t%d", self->dir, i);
		ASSERT_EQ(0, mount_tmpfs(path));
		ASSERT_EQ(0, fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE,
					   AT_FDCWD, path));
		ASSERT_EQ(0, fp_mkdirs(path, "r/a/b"));
		snprintf(path, sizeof(path), "%s/t%d/r", self->dir, i);
		ASSERT_EQ(0, fp_root_path(self->dev, fan, path, 0))
			TH_LOG("root %d: %s", i, strerror(errno));
		/* Cached answers on the filesystem: r/a/b and r/a. */
		snprintf(path, sizeof(path), "%s/t%d/r/a/b", self->dir, i);
		fp_touch(path, "f");
		if (i % 3 != 2) {
			/* Deleted below: the directories in it go first. */
			snprintf(path, sizeof(path), "%s/t%d/r/a/b/f", self->dir, i);
			ASSERT_EQ(0, unlink(path));
			snprintf(path, sizeof(path), "%s/t%d/r/a/b", self->dir, i);
			ASSERT_EQ(0, rmdir(path));
			snprintf(path, sizeof(path), "%s/t%d/r/a", self->dir, i);
			ASSERT_EQ(0, rmdir(path));
			snprintf(path, sizeof(path), "%s/t%d/r", self->dir, i);
		}
		if (i % 3 == 2) {
			snprintf(path, sizeof(path), "%s/t%d", self->dir, i);
			ASSERT_EQ(0, umount(path));
		} else {
			ASSERT_EQ(0, rmdir(path));
		}
	}
	/* Subscriptions end in the background: no cached answer of an ended root stays. */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, fp_query(self->dev, fan, &info));
		if (!info.cache_entries)
			break;
		usleep(20000);
	}
	EXPECT_EQ(1, info.roots);
	EXPECT_EQ(0, info.cache_evicted);
	EXPECT_EQ(0, info.cache_entries);
	names.n = 0;
	fp_read_names(fan, &names);
	EXPECT_EQ(NR_FS, fp_count_name(&names, "f"));
	names.n = 0;

	/* FAN_FP_ROOTS_MAX - 1 more roots on new filesystems: 64 with keep. */
	for (i = 0; i < FAN_FP_ROOTS_MAX - 1; i++) {
		snprintf(path, sizeof(path), "%s/u%d", self->dir, i);
		ASSERT_EQ(0, mount_tmpfs(path));
		ASSERT_EQ(0, fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE,
					   AT_FDCWD, path));
		snprintf(path, sizeof(path), "%s/u%d/r", self->dir, i);
		ASSERT_EQ(0, mkdir(path, 0755));
		ASSERT_EQ(0, fp_root_path(self->dev, fan, path, 0))
			TH_LOG("root %d of %d: %s", i + 2, FAN_FP_ROOTS_MAX, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/over", self->dir);
	ASSERT_EQ(0, mount_tmpfs(path));
	EXPECT_EQ(-ENOSPC, fp_root_path(self->dev, fan, path, 0));
	ASSERT_EQ(0, fp_query(self->dev, fan, &info));
	EXPECT_EQ(FAN_FP_ROOTS_MAX, info.roots);

	for (i = 0; i < FAN_FP_ROOTS_MAX - 1; i++) {
		snprintf(path, sizeof(path), "%s/u%d/r", self->dir, i);
		fp_touch(path, "in");
		snprintf(path, sizeof(path), "%s/u%d", self->dir, i);
		fp_touch(path, "out");
	}
	n = 0;
	while (fp_read_names(fan, &names) > 0 && n++ < 10)
		;
	EXPECT_EQ(FAN_FP_ROOTS_MAX - 1, fp_count_name(&names, "in"));
	EXPECT_EQ(0, fp_count_name(&names, "out"));

	ASSERT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
	for (i = 0; i < FAN_FP_ROOTS_MAX - 1; i++) {
		snprintf(path, sizeof(path), "%s/u%d", self->dir, i);
		EXPECT_EQ(0, umount(path)) TH_LOG("umount %s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/over", self->dir);
	EXPECT_EQ(0, umount(path));
}

/*
 * A plain fd-mode group (no fids) with a filesystem mark on ext4, a file
 * inside the root, reopened by handle after the dentry cache was dropped:
 * its dentry is disconnected, the event has no directory. The same event
 * without the handler arrives; with it, it must arrive too (unsure
 * delivers).
 */
TEST_F_TIMEOUT(bounds, disconnected_file, 120)
{
	struct fanotify_event_metadata ev[16];
	struct {
		struct file_handle fh;
		unsigned char buf[MAX_HANDLE_SZ];
	} h;
	char img[96], mnt[96], root[128], file[160], args[160];
	int lfd, fan, mntfd, mntid, fd, pass, got;
	ssize_t len;

	snprintf(img, sizeof(img), "%s/img", self->dir);
	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	ASSERT_EQ(0, mkdir(mnt, 0755));
	lfd = mount_ext4(img, 32, "-E nodiscard", mnt);
	ASSERT_LE(0, lfd) TH_LOG("ext4 on loop: %s", strerror(-lfd));
	snprintf(root, sizeof(root), "%s/r", mnt);
	ASSERT_EQ(0, fp_mkdirs(mnt, "r/d"));
	snprintf(file, sizeof(file), "%s/r/d/f", mnt);
	fd = open(file, O_WRONLY | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	ASSERT_EQ(0, name_to_handle_at(AT_FDCWD, file, &h.fh, &mntid, 0));
	mntfd = open(mnt, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, mntfd);

	for (pass = 0; pass < 2; pass++) {
		fan = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
		ASSERT_LE(0, fan);
		ASSERT_EQ(0, fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
					   FAN_CLOSE_WRITE, AT_FDCWD, mnt));
		snprintf(args, sizeof(args), "root=%s", root);
		if (pass)
			ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));
		sync();
		ASSERT_EQ(0, fp_write_file("/proc/sys/vm/drop_caches", "2"));
		fd = open_by_handle_at(mntfd, &h.fh, O_WRONLY);
		ASSERT_LE(0, fd) TH_LOG("open_by_handle_at: %s", strerror(errno));
		ASSERT_EQ(1, write(fd, "x", 1));
		close(fd);
		got = 0;
		len = read(fan, ev, sizeof(ev));
		if (len > 0 && ev[0].mask & FAN_CLOSE_WRITE) {
			got = 1;
			if (ev[0].fd >= 0)
				close(ev[0].fd);
		}
		EXPECT_EQ(1, got) TH_LOG("%s: the CLOSE_WRITE of a file inside the root",
					 pass ? "subtree" : "no handler");
		if (pass)
			EXPECT_EQ(0, fp_detach(self->dev, fan));
		close(fan);
	}
	close(mntfd);
	EXPECT_EQ(0, umount(mnt));
	close(lfd);
}

/* FS_IOC_SETVERSION on @path: its i_generation becomes @v. */
static int set_version(const char *path, unsigned int v)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, FS_IOC_SETVERSION, &v) ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * A root and a cached directory below it change their i_generation (ext4
 * without metadata_csum lets the owner set it): the root is still the
 * same directory, so the tree stays inside.
 */
TEST_F_TIMEOUT(bounds, root_setversion, 120)
{
	struct fp_names names = { 0 };
	char img[96], mnt[96], root[128], sub[160], args[160];
	int lfd, fan;

	snprintf(img, sizeof(img), "%s/img", self->dir);
	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	ASSERT_EQ(0, mkdir(mnt, 0755));
	lfd = mount_ext4(img, 32, "-O ^metadata_csum -E nodiscard", mnt);
	ASSERT_LE(0, lfd) TH_LOG("ext4 on loop: %s", strerror(-lfd));
	ASSERT_EQ(0, fp_mkdirs(mnt, "r/d"));
	ASSERT_EQ(0, fp_mkdirs(mnt, "out"));
	snprintf(root, sizeof(root), "%s/r", mnt);
	snprintf(sub, sizeof(sub), "%s/r/d", mnt);
	fan = fp_fid_group(mnt, FAN_CREATE);
	ASSERT_LE(0, fan);
	snprintf(args, sizeof(args), "root=%s", root);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));

	fp_touch(root, "a1");
	fp_touch(sub, "b1");
	ASSERT_EQ(0, set_version(root, 12345)) TH_LOG("FS_IOC_SETVERSION: %s", strerror(errno));
	ASSERT_EQ(0, set_version(sub, 54321));
	fp_touch(root, "a2");
	fp_touch(sub, "b2");
	snprintf(sub, sizeof(sub), "%s/out", mnt);
	fp_touch(sub, "c");
	ASSERT_LE(0, fp_read_names(fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "a1"));
	EXPECT_EQ(1, fp_count_name(&names, "b1"));
	EXPECT_EQ(1, fp_count_name(&names, "a2"));
	EXPECT_EQ(1, fp_count_name(&names, "b2"));
	EXPECT_EQ(0, fp_count_name(&names, "c"));
	EXPECT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
	EXPECT_EQ(0, umount(mnt));
	close(lfd);
}

/*
 * The generation starts 8 below the wrap. Directories are cached; exclude
 * roots added and removed elsewhere bump the generation across the wrap: the
 * cache holds no entry right after it, and every answer before, at and after
 * it is right.
 */
TEST_F(bounds, generation_wrap)
{
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };
	char mnt[96], in[128], out[128], x[160], args[160], name[16];
	__u64 before;
	int fan, i;

	ASSERT_EQ(0, fp_write_file(GEN_PARAM, "4294967288"));
	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	ASSERT_EQ(0, mount_tmpfs(mnt));
	ASSERT_EQ(0, fp_mkdirs(mnt, "in/a/b/c"));
	ASSERT_EQ(0, fp_mkdirs(mnt, "out/a/b/c"));
	ASSERT_EQ(0, fp_mkdirs(mnt, "x"));
	snprintf(in, sizeof(in), "%s/in/a/b/c", mnt);
	snprintf(out, sizeof(out), "%s/out/a/b/c", mnt);
	snprintf(x, sizeof(x), "%s/x", mnt);
	fan = fp_fid_group(mnt, FAN_CREATE);
	ASSERT_LE(0, fan);
	snprintf(args, sizeof(args), "root=%s/in", mnt);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));
	ASSERT_EQ(0, fp_write_file(GEN_PARAM, "0"));

	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		fp_touch(in, name);
		snprintf(name, sizeof(name), "o%d", i);
		fp_touch(out, name);
		ASSERT_EQ(0, fp_query(self->dev, fan, &info));
		before = info.cache_entries;
		/* Two bumps: an exclude root on x, then its removal. */
		ASSERT_EQ(0, fp_root_path(self->dev, fan, x, FAN_FP_ROOT_EXCLUDE));
		ASSERT_EQ(0, fp_root_path(self->dev, fan, x, FAN_FP_ROOT_REMOVE));
		ASSERT_EQ(0, fp_query(self->dev, fan, &info));
		if (i == 3) {	/* the 8th bump wrapped */
			EXPECT_LT(0, before);
			EXPECT_EQ(0, info.cache_entries);
		} else {
			EXPECT_EQ(before, info.cache_entries) TH_LOG("round %d", i);
		}
	}
	ASSERT_LE(0, fp_read_names(fan, &names));
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "i%d", i);
		EXPECT_EQ(1, fp_count_name(&names, name)) TH_LOG("%s", name);
		snprintf(name, sizeof(name), "o%d", i);
		EXPECT_EQ(0, fp_count_name(&names, name)) TH_LOG("%s", name);
	}
	EXPECT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
}

/* What the unprivileged child checks; its exit code is the first that failed. */
static int unprivileged_child(int dev, const char *open_dir, const char *closed_dir)
{
	struct fanotify_fastpath_info info;
	char args[160];
	int fan, fd;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 10;
	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0)
		return 11;
	snprintf(args, sizeof(args), "cache=4194304 root=%s", open_dir);
	if (fp_attach(dev, fan, "subtree", args))
		return 12;
	if (fp_query(dev, fan, &info) || info.cache_max != fp_read_long(PARAMS "cache_max"))
		return 13;
	fd = open(closed_dir, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return 14;
	if (fp_root_fd(dev, fan, fd, 0) != -EACCES)
		return 15;
	close(fd);
	fd = open(open_dir, O_PATH | O_DIRECTORY);
	if (fd < 0 || fp_root_fd(dev, fan, fd, FAN_FP_ROOT_EXCLUDE))
		return 16;
	if (fp_query(dev, fan, &info) || info.roots != 1)
		return 17;
	if (fp_detach(dev, fan))
		return 18;
	return 0;
}

TEST_F(bounds, unprivileged)
{
	char open_dir[96], closed_dir[96];
	int status;
	pid_t pid;

	snprintf(open_dir, sizeof(open_dir), "%s/open", self->dir);
	snprintf(closed_dir, sizeof(closed_dir), "%s/closed", self->dir);
	ASSERT_EQ(0, chmod(self->dir, 0755));
	ASSERT_EQ(0, mkdir(open_dir, 0755));
	ASSERT_EQ(0, mkdir(closed_dir, 0700));
	ASSERT_EQ(0, fp_write_file(UNPRIV_PARAM, "Y"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(unprivileged_child(self->dev, open_dir, closed_dir));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the step of unprivileged_child() that failed");
}

/* ---- rename storm -------------------------------------------------------------------------- */

struct storm {
	char other[96], mnt[96];
	bool stop;			/* __atomic */
	unsigned long renames, moves;	/* __atomic */
};

/* Renames on a filesystem without roots, as fast as it goes. */
static void *renamer_fn(void *p)
{
	struct storm *s = p;
	char a[128], b[128];

	snprintf(a, sizeof(a), "%s/a", s->other);
	snprintf(b, sizeof(b), "%s/b", s->other);
	if (mkdir(a, 0755))
		return NULL;
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		if (!rename(a, b) && !rename(b, a))
			__atomic_add_fetch(&s->renames, 2, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Moves of a directory between fresh parents outside the root. */
static void *mover_fn(void *p)
{
	struct storm *s = p;
	char from[192], to[192], pa[160], pb[160];
	unsigned long i;

	for (i = 0; !__atomic_load_n(&s->stop, __ATOMIC_RELAXED); i++) {
		snprintf(pa, sizeof(pa), "%s/out/p%lu", s->mnt, i);
		snprintf(pb, sizeof(pb), "%s/out/q%lu", s->mnt, i);
		snprintf(from, sizeof(from), "%s/x", pa);
		snprintf(to, sizeof(to), "%s/x", pb);
		if (mkdir(pa, 0755) || mkdir(pb, 0755) || mkdir(from, 0755))
			break;
		if (!rename(from, to))
			__atomic_add_fetch(&s->moves, 1, __ATOMIC_RELAXED);
		rmdir(to);
		rmdir(pa);
		rmdir(pb);
	}
	return NULL;
}

#define STORM_FILES	2000

/*
 * While the storm runs, STORM_FILES creates alternate between a directory
 * @depth levels inside the root and one as deep outside it; the group's queue
 * is read after every 100. Every inside create is delivered, no outside one;
 * no decision is unsure; the moves between outside parents do not invalidate
 * (the cache learns both parents, exactly, while the rename holds the
 * filesystem's rename mutex). With @chains > 1 the creates rotate over
 * @chains directories on each side, each at the end of a chain of its own:
 * with "cache=16" and 32 chains every event walks @depth levels (the cache
 * is at its cap), every walk races the renames and evicts one entry at most.
 */
static void storm_run(struct __test_metadata *_metadata, struct _test_data_bounds *self,
		      int depth, int chains, const char *cache)
{
	struct fanotify_fastpath_info info;
	struct fp_names names;
	struct storm s = { 0 };
	pthread_t ren, mov;
	char in[512], out[512], args[160], name[16], rel[400], path[600];
	int fan, i, got_in = 0, got_out = 0, k, len;

	snprintf(s.other, sizeof(s.other), "%s/other", self->dir);
	snprintf(s.mnt, sizeof(s.mnt), "%s/mnt", self->dir);
	ASSERT_EQ(0, mount_tmpfs(s.other));
	ASSERT_EQ(0, mount_tmpfs(s.mnt));
	for (i = 0, len = 0; i < depth; i++)
		len += snprintf(rel + len, sizeof(rel) - len, "%sd", i ? "/" : "");
	for (k = 0; k < chains; k++) {
		snprintf(path, sizeof(path), "in/c%d/%s", k, rel);
		ASSERT_EQ(0, fp_mkdirs(s.mnt, path));
		snprintf(path, sizeof(path), "out/c%d/%s", k, rel);
		ASSERT_EQ(0, fp_mkdirs(s.mnt, path));
	}
	fan = fp_fid_group(s.mnt, FAN_CREATE);
	ASSERT_LE(0, fan);
	snprintf(args, sizeof(args), "root=%s/in%s%s", s.mnt, *cache ? " " : "", cache);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));
	ASSERT_EQ(0, pthread_create(&ren, NULL, renamer_fn, &s));
	ASSERT_EQ(0, pthread_create(&mov, NULL, mover_fn, &s));

	for (i = 0; i < STORM_FILES; i++) {
		k = (i / 2) % chains;
		snprintf(in, sizeof(in), "%s/in/c%d/%s", s.mnt, k, rel);
		snprintf(out, sizeof(out), "%s/out/c%d/%s", s.mnt, k, rel);
		snprintf(name, sizeof(name), "%c%d", i & 1 ? 'o' : 'i', i);
		fp_touch(i & 1 ? out : in, name);
		if (i % 100 != 99)
			continue;
		memset(&names, 0, sizeof(names));
		ASSERT_LE(0, fp_read_names(fan, &names));
		for (k = 0; k < names.n; k++) {
			if (names.name[k][0] == 'i')
				got_in++;
			else if (names.name[k][0] == 'o')
				got_out++;
		}
	}
	__atomic_store_n(&s.stop, true, __ATOMIC_RELAXED);
	pthread_join(ren, NULL);
	pthread_join(mov, NULL);
	ASSERT_EQ(0, fp_query(self->dev, fan, &info));
	printf("# rename storm, depth %d %s: %lu renames elsewhere,", depth, cache, s.renames);
	printf(" %lu moves between outside parents\n", s.moves);
	printf("# cache: %llu hits, %llu walks, %llu unsure, %llu invalidations, %llu evicted\n",
	       (unsigned long long)info.cache_hits, (unsigned long long)info.cache_walks,
	       (unsigned long long)info.cache_unsure,
	       (unsigned long long)info.cache_invalidations,
	       (unsigned long long)info.cache_evicted);
	EXPECT_EQ(STORM_FILES / 2, got_in);
	EXPECT_EQ(0, got_out);
	EXPECT_EQ(0, info.cache_unsure);
	/* The attach's root add: one; every move stayed outside. */
	EXPECT_GE(1, info.cache_invalidations);
	EXPECT_LT(0, s.moves);
	/*
	 * A full cache fills only the directory it answers for: one eviction
	 * per walk, and per parent of a move (both are looked up), at most.
	 */
	EXPECT_GE(info.cache_walks + 2 * s.moves, info.cache_evicted);
	EXPECT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
}

TEST_F_TIMEOUT(bounds, rename_storm, 240)
{
	storm_run(_metadata, self, 8, 1, "");
}

/* The same with the cache at its cap and 32 chains of depth 64: every event walks. */
TEST_F_TIMEOUT(bounds, rename_storm_walks, 240)
{
	storm_run(_metadata, self, 64, 16, "cache=16");
}

#define SCHED_PREEMPT	"/sys/kernel/debug/sched/preempt"
#define RACE_FILES	128

struct setrace {
	int dev, fan;
	int go[2];		/* a byte per round: x was just made last */
	char dir[64];
	unsigned int seed;
	unsigned long phase_ns;	/* the reader's last read phase */
	unsigned long swaps, errors;
};

/*
 * The writer: FAN_FP_ROOTS_MAX - 1 of its FAN_FP_ROOTS_MAX filesystems have a
 * root. Each round, once the reader has made x last in the set, it sleeps a
 * random time within the reader's read phase (its wakeup preempts the reader
 * anywhere), then ends the root of a random filesystem and adds the root of
 * the spare one.
 */
static void *set_writer_fn(void *p)
{
	struct setrace *s = p;
	struct timespec ts = { 0 };
	char path[128], c;
	int a, spare = FAN_FP_ROOTS_MAX - 1;

	while (read(s->go[0], &c, 1) == 1) {
		ts.tv_nsec = rand_r(&s->seed) %
			     (__atomic_load_n(&s->phase_ns, __ATOMIC_RELAXED) + 1);
		nanosleep(&ts, NULL);
		do {
			a = rand_r(&s->seed) % FAN_FP_ROOTS_MAX;
		} while (a == spare);
		snprintf(path, sizeof(path), "%s/w%d/r", s->dir, a);
		if (fp_root_path(s->dev, s->fan, path, FAN_FP_ROOT_REMOVE))
			s->errors++;
		snprintf(path, sizeof(path), "%s/w%d/r", s->dir, spare);
		if (fp_root_path(s->dev, s->fan, path, 0))
			s->errors++;
		spare = a;
		s->swaps++;
	}
	return NULL;
}

static unsigned long ns_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000UL + t.tv_nsec - t0->tv_nsec;
}

/*
 * Finding 8. The filesystem x has a root throughout: each round ends and
 * re-adds it (so it is last in the set the event path scans), then reads a
 * byte of each of RACE_FILES files in it and reads the group: every
 * FAN_ACCESS must arrive, whatever the writer does to the other 63
 * filesystems' roots meanwhile. Both threads share one CPU and the kernel
 * preempts fully: the writer's wakeup stops the reader anywhere in the event
 * path, between two slots of its scan included. Before, a removal there
 * moved x into a slot the scan had passed, the add after it overwrote x's old
 * slot, and the event was dropped.
 */
TEST_F_TIMEOUT(bounds, filesystem_set_race, 240)
{
	unsigned long rounds = 0, reads = 0, got = 0, phase;
	struct setrace s = { .dev = self->dev };
	char path[128], x[96], mode[64] = "", was[64] = "", *cur = NULL, c;
	int fds[RACE_FILES], i, k, secs;
	struct fp_names names;
	struct timespec t0, t1;
	pthread_t wr;
	cpu_set_t one;

	secs = getenv("FP_RACE_SECS") ? atoi(getenv("FP_RACE_SECS")) : 20;
	s.seed = getenv("FP_SEED") ? strtoul(getenv("FP_SEED"), NULL, 0) : (unsigned int)time(NULL);
	printf("# seed %u (FP_SEED=%u reproduces the writer's choices)\n", s.seed, s.seed);
	snprintf(s.dir, sizeof(s.dir), "%s", self->dir);
	snprintf(path, sizeof(path), "%s/x", self->dir);
	ASSERT_EQ(0, mount_tmpfs(path));
	snprintf(x, sizeof(x), "%s/x/r", self->dir);
	ASSERT_EQ(0, mkdir(x, 0755));
	for (k = 0; k < RACE_FILES; k++) {
		snprintf(path, sizeof(path), "%s/f%d", x, k);
		fds[k] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		ASSERT_LE(0, fds[k]);
		ASSERT_EQ(1, write(fds[k], "x", 1));
	}
	s.fan = fp_fid_group(x, FAN_ACCESS);
	ASSERT_LE(0, s.fan);
	snprintf(path, sizeof(path), "root=%s", x);
	ASSERT_EQ(0, fp_attach(self->dev, s.fan, "subtree", path));
	for (i = 0; i < FAN_FP_ROOTS_MAX; i++) {
		snprintf(path, sizeof(path), "%s/w%d", self->dir, i);
		ASSERT_EQ(0, mount_tmpfs(path));
		ASSERT_EQ(0, fp_mkdirs(path, "r"));
		snprintf(path, sizeof(path), "%s/w%d/r", self->dir, i);
		if (i < FAN_FP_ROOTS_MAX - 1)
			ASSERT_EQ(0, fp_root_path(self->dev, s.fan, path, 0));
	}

	/* Full preemption for the test (Debian's kernels boot voluntary). */
	if (fp_read_file(SCHED_PREEMPT, mode, sizeof(mode)) > 0) {
		cur = strchr(mode, '(');
		ASSERT_EQ(0, fp_write_file(SCHED_PREEMPT, "full"));
	}
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, pipe2(s.go, O_CLOEXEC));
	ASSERT_EQ(0, pthread_create(&wr, NULL, set_writer_fn, &s));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		ASSERT_EQ(0, fp_root_path(self->dev, s.fan, x, FAN_FP_ROOT_REMOVE));
		ASSERT_EQ(0, fp_root_path(self->dev, s.fan, x, 0));
		ASSERT_EQ(1, write(s.go[1], "", 1));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		for (k = 0; k < RACE_FILES; k++)
			ASSERT_EQ(1, pread(fds[k], &c, 1, 0));
		phase = ns_since(&t1);
		__atomic_store_n(&s.phase_ns, phase < 999999999 ? phase : 999999999,
				 __ATOMIC_RELAXED);
		memset(&names, 0, sizeof(names));
		ASSERT_LE(0, fp_read_names(s.fan, &names));
		reads += RACE_FILES;
		got += names.n;
		rounds++;
	} while (got == reads && ns_since(&t0) < secs * 1000000000UL);
	close(s.go[1]);
	pthread_join(wr, NULL);
	close(s.go[0]);
	if (cur) {
		/* "none voluntary (full)": restore the mode in parentheses. */
		snprintf(was, sizeof(was), "%.*s", (int)strcspn(cur + 1, ")"), cur + 1);
		fp_write_file(SCHED_PREEMPT, was);
	}
	printf("# preemption: %s, %lu rounds, %lu writer swaps\n",
	       cur ? "full for the test" : "the kernel's fixed model", rounds, s.swaps);
	printf("# %lu reads inside a root, %lu FAN_ACCESS delivered\n", reads, got);
	EXPECT_EQ(reads, got);
	EXPECT_EQ(0, s.errors);
	EXPECT_EQ(rounds, s.swaps);	/* one swap per round: the writer ran */
	for (k = 0; k < RACE_FILES; k++)
		close(fds[k]);
	EXPECT_EQ(0, fp_detach(self->dev, s.fan));
	close(s.fan);
}

#define LINKS	7

/*
 * FS_ATTRIB of link() (fsnotify_link_count()) comes without a directory, after
 * the new name is in the dentry cache. In: a file created inside the root,
 * then linked LINKS times from outside: at each link it has 2 .. LINKS + 1
 * names, one inside (the oldest, last in the inode's alias list): every
 * ATTRIB must arrive. Out: the same with every name outside: with up to four
 * names (what the module looks at) nothing arrives; past four the module
 * cannot be sure, and delivers (printed, not asserted).
 */
TEST_F_TIMEOUT(bounds, many_links, 120)
{
	char mnt[96], from[160], to[160], args[160];
	struct fp_names names;
	int fan, i, got_in = 0, out_small = 0, out_big = 0;

	snprintf(mnt, sizeof(mnt), "%s/m", self->dir);
	ASSERT_EQ(0, mount_tmpfs(mnt));
	ASSERT_EQ(0, fp_mkdirs(mnt, "in"));
	ASSERT_EQ(0, fp_mkdirs(mnt, "out"));
	snprintf(from, sizeof(from), "%s/in", mnt);
	fp_touch(from, "f");
	snprintf(from, sizeof(from), "%s/out", mnt);
	fp_touch(from, "g");
	/* FAN_REPORT_FID: the group gets events on files without a directory too. */
	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_REPORT_DFID_NAME |
			    FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, fan);
	ASSERT_EQ(0, fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_ATTRIB,
				   AT_FDCWD, mnt));
	/* Without the handler: the link's ATTRIB arrives. */
	snprintf(from, sizeof(from), "%s/out/g", mnt);
	snprintf(to, sizeof(to), "%s/out/g0", mnt);
	ASSERT_EQ(0, link(from, to));
	ASSERT_EQ(0, unlink(to));
	memset(&names, 0, sizeof(names));
	ASSERT_LE(0, fp_read_names(fan, &names));
	ASSERT_LE(1, names.n);
	snprintf(args, sizeof(args), "root=%s/in", mnt);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));

	for (i = 1; i <= LINKS; i++) {
		snprintf(from, sizeof(from), "%s/in/f", mnt);
		snprintf(to, sizeof(to), "%s/out/f%d", mnt, i);
		ASSERT_EQ(0, link(from, to));
		memset(&names, 0, sizeof(names));
		ASSERT_LE(0, fp_read_names(fan, &names));
		got_in += names.n;
		EXPECT_EQ(1, names.n) TH_LOG("link %d of a file with a name inside", i);
	}
	for (i = 1; i <= LINKS; i++) {
		snprintf(from, sizeof(from), "%s/out/g", mnt);
		snprintf(to, sizeof(to), "%s/out/g%d", mnt, i);
		ASSERT_EQ(0, link(from, to));
		memset(&names, 0, sizeof(names));
		ASSERT_LE(0, fp_read_names(fan, &names));
		if (i + 1 <= 4) {
			out_small += names.n;
			EXPECT_EQ(0, names.n)
				TH_LOG("link %d of a file with %d names outside", i, i + 1);
		} else {
			out_big += names.n;
		}
	}
	printf("# inside: %d of %d ATTRIB delivered;", got_in, LINKS);
	printf(" outside: %d with up to 4 names, %d of %d with more\n",
	       out_small, out_big, LINKS - 3);
	EXPECT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
}

#define TRACE_INST	"/sys/kernel/tracing/instances/fp_release"
#define RELEASE_DIRS	4000

/*
 * Finding 10. A cache with RELEASE_DIRS entries is detached while the
 * kmem_cache_free tracepoint records the frees of the cache's entries and the
 * context of each (the irq-info column of the trace: 's' or 'h' is an
 * interrupt). Every entry the cache held is freed in process context.
 */
TEST_F_TIMEOUT(bounds, release_context, 240)
{
	struct fanotify_fastpath_info info;
	unsigned long proc = 0, intr = 0;
	char mnt[96], path[160], line[512], flags[16];
	struct fp_names names;
	int fan, i;
	FILE *tr;

	snprintf(mnt, sizeof(mnt), "%s/m", self->dir);
	ASSERT_EQ(0, mount_tmpfs(mnt));
	ASSERT_EQ(0, fp_mkdirs(mnt, "r"));
	for (i = 0; i < RELEASE_DIRS; i++) {
		snprintf(path, sizeof(path), "r/d%d", i);
		ASSERT_EQ(0, fp_mkdirs(mnt, path));
	}
	fan = fp_fid_group(mnt, FAN_CREATE);
	ASSERT_LE(0, fan);
	snprintf(path, sizeof(path), "root=%s/r cache=%d", mnt, 2 * RELEASE_DIRS);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", path));
	for (i = 0; i < RELEASE_DIRS; i++) {
		snprintf(path, sizeof(path), "%s/r/d%d", mnt, i);
		fp_touch(path, "f");
		if (i % 200 == 199) {
			memset(&names, 0, sizeof(names));
			ASSERT_LE(0, fp_read_names(fan, &names));
			ASSERT_EQ(200, names.n);
		}
	}
	ASSERT_EQ(0, fp_query(self->dev, fan, &info));
	ASSERT_LE(RELEASE_DIRS, info.cache_entries);

	rmdir(TRACE_INST);
	ASSERT_EQ(0, mkdir(TRACE_INST, 0700));
	ASSERT_EQ(0, fp_write_file(TRACE_INST "/buffer_size_kb", "4096"));
	ASSERT_EQ(0, fp_write_file(TRACE_INST "/events/kmem/kmem_cache_free/filter",
				   "name == \"fp_anc_entry\""));
	ASSERT_EQ(0, fp_write_file(TRACE_INST "/events/kmem/kmem_cache_free/enable", "1"));
	ASSERT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
	/* The release follows the last mark's free, after a grace period or two. */
	for (i = 0; i < 100 && proc + intr < info.cache_entries; i++) {
		usleep(100000);
		tr = fopen(TRACE_INST "/trace", "re");
		ASSERT_NE(NULL, tr);
		proc = 0;
		intr = 0;
		while (fgets(line, sizeof(line), tr)) {
			/* "  task-pid  [cpu] d.s1.  stamp: kmem_cache_free: ..." */
			if (line[0] == '#' || !strstr(line, "kmem_cache_free:"))
				continue;
			if (sscanf(strchr(line, ']') + 1, "%15s", flags) != 1 || strlen(flags) < 3)
				continue;
			if (strchr("sShHzZ", flags[2]))
				intr++;
			else
				proc++;
		}
		fclose(tr);
	}
	fp_write_file(TRACE_INST "/events/kmem/kmem_cache_free/enable", "0");
	rmdir(TRACE_INST);
	printf("# %llu entries at detach: %lu freed in process context, %lu in an interrupt\n",
	       (unsigned long long)info.cache_entries, proc, intr);
	EXPECT_LE(info.cache_entries, proc + intr);
	EXPECT_EQ(0, intr);
}

TEST_HARNESS_MAIN
