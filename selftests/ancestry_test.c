// SPDX-License-Identifier: GPL-2.0
/*
 * The ancestry cache against the kernel's lifetimes: unmounting a filesystem
 * that holds roots (while fills run), tags pending at unmount, directories
 * renamed across the boundary while files are created in them, and the
 * memory the cache holds charged to the attacher's memory cgroup.
 *
 * Ground truth is what this test did and when: the concurrency test stamps
 * every rename and every create with CLOCK_MONOTONIC before and after the
 * system call, and derives from those intervals alone which creates must and
 * which must not be delivered (see concurrent_renames).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "fp_util.h"
#include "kselftest_harness.h"

#define CG		"/sys/fs/cgroup"
#define NR_CHARGED	10000

FIXTURE(anc) {
	int dev;
	char dir[64];
};

FIXTURE_SETUP(anc)
{
	self->dev = fp_open_dev();
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, fp_ensure_loaded("fp_subtree"));
	snprintf(self->dir, sizeof(self->dir), "/tmp/fpa.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(anc)
{
	char cmd[256];

	close(self->dev);
	snprintf(cmd, sizeof(cmd), "umount -l %s/mnt 2>/dev/null; rm -rf %s", self->dir,
		 self->dir);
	if (system(cmd))
		TH_LOG("cleanup of %s failed", self->dir);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int mount_tmpfs(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return mount("tmpfs", path, "tmpfs", 0, "size=32m") ? -errno : 0;
}

/*
 * A filesystem holding roots is unmounted: the unmount succeeds (nothing
 * pinned), its roots and cached answers are gone, roots elsewhere keep
 * working, and a filesystem mounted again at the same place has no roots.
 */
TEST_F(anc, umount_with_roots)
{
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };
	char mnt[96], keep[96], args[256];
	int fan;

	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	snprintf(keep, sizeof(keep), "%s/keep", self->dir);
	ASSERT_EQ(0, mkdir(keep, 0755));
	ASSERT_EQ(0, mount_tmpfs(mnt));
	ASSERT_EQ(0, fp_mkdirs(mnt, "r/a/b"));
	fan = fp_fid_group("/tmp", FAN_CREATE | FAN_ONDIR);
	ASSERT_LE(0, fan);
	ASSERT_EQ(0, fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_CREATE | FAN_ONDIR, AT_FDCWD, mnt));
	snprintf(args, sizeof(args), "root=%s/r,%s", mnt, keep);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));

	fp_touch(mnt, "r/a/b/f");
	fp_touch(keep, "k1");
	ASSERT_LE(0, fp_read_names(fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "f"));
	EXPECT_EQ(1, fp_count_name(&names, "k1"));
	ASSERT_EQ(0, fp_query(self->dev, fan, &info));
	EXPECT_EQ(2, info.roots);
	EXPECT_EQ(2, info.cache_entries);	/* r/a/b and r/a */

	ASSERT_EQ(0, umount(mnt)) TH_LOG("umount: %s", strerror(errno));
	ASSERT_EQ(0, fp_query(self->dev, fan, &info));
	EXPECT_EQ(1, info.roots);
	EXPECT_EQ(0, info.cache_entries);

	names.n = 0;
	fp_touch(keep, "k2");
	ASSERT_EQ(0, mount_tmpfs(mnt));
	ASSERT_EQ(0, fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_CREATE | FAN_ONDIR, AT_FDCWD, mnt));
	ASSERT_EQ(0, fp_mkdirs(mnt, "r"));
	fp_touch(mnt, "r/g");
	ASSERT_LE(0, fp_read_names(fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "k2"));
	EXPECT_EQ(0, fp_count_name(&names, "g"));
	ASSERT_EQ(0, umount(mnt));
	ASSERT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
}

/*
 * Two attachments with roots on one filesystem share its mark: when one ends,
 * the other still learns of directory moves (a directory it has cached as
 * inside, moved out, is outside at once), and an unmount ends both.
 */
TEST_F(anc, two_caches_one_filesystem)
{
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };
	char mnt[96], from[160], to[160], args[160];
	int fan1, fan2;

	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	ASSERT_EQ(0, mount_tmpfs(mnt));
	ASSERT_EQ(0, fp_mkdirs(mnt, "r/d"));
	ASSERT_EQ(0, fp_mkdirs(mnt, "out"));
	fan1 = fp_fid_group(mnt, FAN_CREATE);
	fan2 = fp_fid_group(mnt, FAN_CREATE);
	ASSERT_LE(0, fan1);
	ASSERT_LE(0, fan2);
	snprintf(args, sizeof(args), "root=%s/r", mnt);
	ASSERT_EQ(0, fp_attach(self->dev, fan1, "subtree", args));
	ASSERT_EQ(0, fp_attach(self->dev, fan2, "subtree", args));
	snprintf(from, sizeof(from), "%s/r/d", mnt);
	fp_touch(from, "a");		/* both caches: d inside */
	ASSERT_LE(0, fp_read_names(fan2, &names));
	EXPECT_EQ(1, fp_count_name(&names, "a"));
	ASSERT_EQ(0, fp_detach(self->dev, fan1));
	close(fan1);

	snprintf(to, sizeof(to), "%s/out/d", mnt);
	ASSERT_EQ(0, rename(from, to));
	fp_touch(to, "b");		/* d is outside now: dropped */
	names.n = 0;
	ASSERT_LE(0, fp_read_names(fan2, &names));
	EXPECT_EQ(0, fp_count_name(&names, "b"));
	ASSERT_EQ(0, fp_query(self->dev, fan2, &info));
	EXPECT_LE(1, info.cache_invalidations);

	ASSERT_EQ(0, umount(mnt));
	ASSERT_EQ(0, fp_query(self->dev, fan2, &info));
	EXPECT_EQ(0, info.roots);
	EXPECT_EQ(0, info.cache_entries);
	close(fan2);
}

struct churn {
	const char *base;
	int id;
	bool stop;	/* __atomic */
};

static void *churn_fn(void *p)
{
	struct churn *c = p;
	char path[160];
	int i = 0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		snprintf(path, sizeof(path), "%s/r/t%d-%d", c->base, c->id, i++ % 16);
		if (!mkdir(path, 0755)) {
			fp_touch(path, "f");
			strcat(path, "/f");
			unlink(path);
			*strrchr(path, '/') = 0;
			rmdir(path);
		}
	}
	return NULL;
}

/*
 * Lazy unmounts while other threads fill the cache and delete directories on
 * that filesystem: the filesystem's mark is destroyed with fills racing it.
 * The runner fails the run on any kernel splat ("busy inodes", BUG, KASAN).
 */
TEST_F_TIMEOUT(anc, umount_while_filling, 120)
{
	struct fanotify_fastpath_info info;
	char mnt[96], args[128];
	struct churn c[2];
	pthread_t th[2];
	int round, i, fan;

	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	for (round = 0; round < 8; round++) {
		ASSERT_EQ(0, mount_tmpfs(mnt));
		ASSERT_EQ(0, fp_mkdirs(mnt, "r"));
		fan = fp_fid_group(mnt, FAN_CREATE | FAN_DELETE | FAN_ONDIR);
		ASSERT_LE(0, fan);
		snprintf(args, sizeof(args), "root=%s/r cache=64", mnt);
		ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));
		for (i = 0; i < 2; i++) {
			c[i] = (struct churn){ .base = mnt, .id = i };
			ASSERT_EQ(0, pthread_create(&th[i], NULL, churn_fn, &c[i]));
		}
		usleep(100000);
		ASSERT_EQ(0, umount2(mnt, MNT_DETACH));
		usleep(50000);
		for (i = 0; i < 2; i++) {
			__atomic_store_n(&c[i].stop, true, __ATOMIC_RELAXED);
			pthread_join(th[i], NULL);
		}
		/* The group's own mark went with the filesystem; the attachment stays. */
		ASSERT_EQ(0, fp_query(self->dev, fan, &info));
		EXPECT_EQ(0, info.cache_entries);
		close(fan);
	}
}

#define CACHE_PARAM	"/sys/module/fanotify_fastpath/parameters/cache_max"
#define CACHE_CAP_MAX	4194304		/* the documented clamp of cache= and cache_max */

/*
 * Caps of 2^31 and 2^32 - 1 (cache= and the module parameter cache_max), which
 * once made the cache ask kvcalloc() for 16 GiB of buckets and WARN: the
 * attach succeeds, QUERY shows the documented clamp, and the filter works.
 * The runner fails the run on any WARN.
 */
TEST_F(anc, huge_cap)
{
	static const char * const caps[] = { " cache=4294967295", " cache=2147483648", "" };
	struct fanotify_fastpath_info info;
	char mnt[96], args[160], old[32];
	unsigned int i;
	int fan;

	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	ASSERT_EQ(0, mount_tmpfs(mnt));
	ASSERT_EQ(0, fp_mkdirs(mnt, "r/a"));
	ASSERT_EQ(0, fp_mkdirs(mnt, "out"));
	ASSERT_LT(0, fp_read_file(CACHE_PARAM, old, sizeof(old)));
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		struct fp_names names = { 0 };
		char f[16], g[16];
		int ret;

		fan = fp_fid_group(mnt, FAN_CREATE);
		ASSERT_LE(0, fan);
		/* The last one has no cache= word: the module parameter decides. */
		ASSERT_EQ(0, fp_write_file(CACHE_PARAM, caps[i][0] ? old : "4294967295"));
		snprintf(args, sizeof(args), "root=%s/r%s", mnt, caps[i]);
		ret = fp_attach(self->dev, fan, "subtree", args);
		fp_write_file(CACHE_PARAM, old);
		ASSERT_EQ(0, ret) TH_LOG("attach %s: %s", args, strerror(-ret));
		snprintf(f, sizeof(f), "in%u", i);
		snprintf(g, sizeof(g), "out%u", i);
		snprintf(args, sizeof(args), "r/a/%s", f);
		fp_touch(mnt, args);
		snprintf(args, sizeof(args), "out/%s", g);
		fp_touch(mnt, args);
		ASSERT_LE(0, fp_read_names(fan, &names));
		EXPECT_EQ(1, fp_count_name(&names, f)) TH_LOG("cap%s", caps[i]);
		EXPECT_EQ(0, fp_count_name(&names, g)) TH_LOG("cap%s", caps[i]);
		ASSERT_EQ(0, fp_query(self->dev, fan, &info));
		EXPECT_EQ(CACHE_CAP_MAX, info.cache_max) TH_LOG("cap%s", caps[i]);
		EXPECT_EQ(1, info.roots);
		close(fan);
	}
	ASSERT_EQ(0, umount(mnt)) TH_LOG("umount: %s", strerror(errno));
}

/*
 * Tags set by FAN_FP_IOC_TAG are pending (their mark is attached by a work
 * item) when the filesystem is unmounted right away: the unmount must neither
 * leave busy inodes behind (a kernel BUG on Debian) nor fail.
 */
TEST_F(anc, tags_pending_at_umount)
{
	char mnt[96], path[160];
	int round, i, fan;

	snprintf(mnt, sizeof(mnt), "%s/mnt", self->dir);
	for (round = 0; round < 20; round++) {
		ASSERT_EQ(0, mount_tmpfs(mnt));
		fan = fp_fid_group(mnt, FAN_CREATE | FAN_ONDIR);
		ASSERT_LE(0, fan);
		ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", NULL));
		for (i = 0; i < 32; i++) {
			snprintf(path, sizeof(path), "%s/d%d", mnt, i);
			ASSERT_EQ(0, mkdir(path, 0755));
			ASSERT_EQ(0, fp_tag_path(self->dev, fan, path, 1));
		}
		ASSERT_EQ(0, umount(mnt)) TH_LOG("umount: %s", strerror(errno));
		ASSERT_EQ(0, fp_detach(self->dev, fan));
		close(fan);
	}
}

/* ---- directories renamed across the boundary while files are created in them ---------- */

#define NR_RENAMES	400
#define NR_CREATORS	2
#define MAX_CREATES	20000

struct span {
	double start, end;
};

struct race {
	char root[96], out[96];
	int dfd[NR_CREATORS];		/* O_PATH fds of d and d/s: they move with d */
	struct span ren[NR_RENAMES];	/* rename k: odd k moves d out, even k in */
	int nren;
	struct span cre[NR_CREATORS][MAX_CREATES];
	int ncre[NR_CREATORS];		/* __atomic */
	bool done[NR_CREATORS];		/* __atomic: the creator has stopped */
	bool stop;			/* __atomic */
};

/*
 * Creates each creator must finish between two renames (besides the 500 us
 * pause). On a slow kernel (the debug lane's KASAN kernel under TCG) a create
 * takes so long that most of them would overlap a rename and be judged by
 * neither place; waiting for a few keeps the number of checked creates
 * independent of the kernel's speed.
 */
#define CREATES_PER_GAP	4

static void *renamer_fn(void *p)
{
	struct race *r = p;
	char in[128], out[128];
	int base[NR_CREATORS];
	int k, id;

	snprintf(in, sizeof(in), "%s/d", r->root);
	snprintf(out, sizeof(out), "%s/d", r->out);
	for (k = 0; k < NR_RENAMES; k++) {
		r->ren[k].start = now();
		if (rename(k % 2 ? out : in, k % 2 ? in : out))
			break;
		r->ren[k].end = now();
		r->nren = k + 1;
		for (id = 0; id < NR_CREATORS; id++)
			base[id] = __atomic_load_n(&r->ncre[id], __ATOMIC_ACQUIRE);
		usleep(500);
		for (id = 0; id < NR_CREATORS; id++)
			while (!__atomic_load_n(&r->done[id], __ATOMIC_ACQUIRE) &&
			       __atomic_load_n(&r->ncre[id], __ATOMIC_ACQUIRE) <
			       base[id] + CREATES_PER_GAP)
				usleep(100);
	}
	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	return NULL;
}

struct creator {
	struct race *r;
	int id;
};

static void *creator_fn(void *p)
{
	struct creator *c = p;
	struct race *r = c->r;
	char name[32];
	int i, fd;

	for (i = 0; i < MAX_CREATES && !__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE); i++) {
		snprintf(name, sizeof(name), "c%d_%d", c->id, i);
		r->cre[c->id][i].start = now();
		fd = openat(r->dfd[c->id], name, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		r->cre[c->id][i].end = now();
		if (fd < 0)
			break;
		close(fd);
		__atomic_store_n(&r->ncre[c->id], i + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&r->done[c->id], true, __ATOMIC_RELEASE);
	return NULL;
}

/* Read every event of @fan (blocking group drained with poll) into @seen[id][i]. */
static int read_creates(int fan, struct race *r, unsigned char (*seen)[MAX_CREATES])
{
	char buf[65536];
	struct pollfd pfd = { .fd = fan, .events = POLLIN };

	while (poll(&pfd, 1, 200) > 0) {
		struct fanotify_event_metadata *ev = (void *)buf;
		ssize_t len = read(fan, buf, sizeof(buf));

		if (len <= 0)
			return len < 0 ? -errno : 0;
		for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
			struct fanotify_event_info_fid *fid = (void *)(ev + 1);
			struct file_handle *fh = (void *)fid->handle;
			const char *name = (const char *)(fh + 1) + fh->handle_bytes;
			int id, i;

			if (fid->hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME)
				continue;
			if (sscanf(name, "c%d_%d", &id, &i) == 2 && id >= 0 &&
			    id < NR_CREATORS && i >= 0 && i < MAX_CREATES)
				seen[id][i]++;
		}
	}
	return 0;
}

/*
 * One thread moves directory d between ROOT (inside) and OUT (outside), 400
 * times; two threads create files in d and in d/s through O_PATH descriptors
 * that follow d wherever it is.
 *
 * Acceptance rule: a rename changes d's place at one unknown instant inside
 * its system call [start, end]. A create whose system call [start, end]
 * overlaps no rename ran entirely while d was at one known place: it must be
 * delivered exactly once if that place is inside and must not be if outside.
 * A create that overlaps a rename may be judged by either place (both held
 * during it); such creates are only counted.
 */
TEST_F_TIMEOUT(anc, concurrent_renames, 180)
{
	static unsigned char seen[NR_CREATORS][MAX_CREATES];
	static struct race r;
	struct fanotify_fastpath_info info;
	struct creator cr[NR_CREATORS];
	long lost = 0, extra = 0, either = 0, checked = 0;
	pthread_t tr, tc[NR_CREATORS];
	char args[256], path[160];
	int fan, id, i, k;

	memset(&r, 0, sizeof(r));
	memset(seen, 0, sizeof(seen));
	snprintf(r.root, sizeof(r.root), "%s/root", self->dir);
	snprintf(r.out, sizeof(r.out), "%s/out", self->dir);
	ASSERT_EQ(0, fp_mkdirs(self->dir, "root/d/s"));
	ASSERT_EQ(0, fp_mkdirs(self->dir, "out"));
	snprintf(path, sizeof(path), "%s/d", r.root);
	r.dfd[0] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/d/s", r.root);
	r.dfd[1] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, r.dfd[0]);
	ASSERT_LE(0, r.dfd[1]);

	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_UNLIMITED_QUEUE |
			    FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, fan);
	ASSERT_EQ(0, fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE,
				   AT_FDCWD, "/tmp"));
	snprintf(args, sizeof(args), "root=%s", r.root);
	ASSERT_EQ(0, fp_attach(self->dev, fan, "subtree", args));

	for (id = 0; id < NR_CREATORS; id++) {
		cr[id] = (struct creator){ .r = &r, .id = id };
		ASSERT_EQ(0, pthread_create(&tc[id], NULL, creator_fn, &cr[id]));
	}
	ASSERT_EQ(0, pthread_create(&tr, NULL, renamer_fn, &r));
	pthread_join(tr, NULL);
	for (id = 0; id < NR_CREATORS; id++)
		pthread_join(tc[id], NULL);
	ASSERT_EQ(NR_RENAMES, r.nren);
	ASSERT_EQ(0, read_creates(fan, &r, seen));

	for (id = 0; id < NR_CREATORS; id++) {
		for (i = 0; i < r.ncre[id]; i++) {
			struct span *c = &r.cre[id][i];
			bool inside = true, overlap = false;

			for (k = 0; k < r.nren; k++) {
				if (r.ren[k].start <= c->end && r.ren[k].end >= c->start)
					overlap = true;
				if (r.ren[k].end < c->start)
					inside = k % 2;	/* after rename k: odd = moved back in */
			}
			if (overlap) {
				either++;
				continue;
			}
			checked++;
			if (inside && seen[id][i] != 1) {
				lost++;
				TH_LOG("lost: c%d_%d (d inside during its create)", id, i);
			} else if (!inside && seen[id][i]) {
				extra++;
				TH_LOG("extra: c%d_%d (d outside during its create)", id, i);
			}
		}
	}
	ASSERT_EQ(0, fp_query(self->dev, fan, &info));
	TH_LOG("%ld creates judged, %ld during a rename (either answer), %d renames",
	       checked, either, r.nren);
	TH_LOG("cache: %llu hits, %llu walks, %llu invalidations, %llu unsure",
	       (unsigned long long)info.cache_hits,
	       (unsigned long long)info.cache_walks,
	       (unsigned long long)info.cache_invalidations,
	       (unsigned long long)info.cache_unsure);
	EXPECT_LT(1000, checked);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, extra);
	ASSERT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
	close(r.dfd[0]);
	close(r.dfd[1]);
}

/* ---- memory accounting ----------------------------------------------------------------- */

static long cg_stat(const char *cg, const char *key)
{
	char path[128], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), CG "/%s/memory.stat", cg);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		size_t kl = strlen(key);

		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = atol(line + kl + 1);
	}
	fclose(f);
	return v;
}

/*
 * The cache's entries are charged to the memory cgroup of the task that
 * attached, not to whoever causes the events: a child in cgroup "fpa"
 * attaches, this process (outside it) fills 10,000 entries, and fpa's
 * unreclaimable slab grows by at least 10,000 * 48 bytes (an entry is 80).
 */
TEST_F(anc, cache_charged_to_attacher)
{
	char cg[] = "fpa-memcg", path[160], args[160], pid[16];
	long before, after;
	int fan, status, i;
	pid_t child;

	if (fp_write_file(CG "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller in this kernel's cgroup2");
	snprintf(path, sizeof(path), CG "/%s", cg);
	ASSERT_EQ(0, mkdir(path, 0755));
	for (i = 0; i < NR_CHARGED; i++) {
		snprintf(path, sizeof(path), "t/d%d", i);
		ASSERT_EQ(0, fp_mkdirs(self->dir, path));
	}
	fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, fan);
	snprintf(args, sizeof(args), "root=%s/t cache=100000", self->dir);

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		snprintf(path, sizeof(path), CG "/%s/cgroup.procs", cg);
		if (fp_write_file(path, pid))
			_exit(10);
		_exit(fp_attach(self->dev, fan, "subtree", args) ? 11 : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));

	sleep(3);
	before = cg_stat(cg, "slab_unreclaimable");
	ASSERT_LE(0, before);
	for (i = 0; i < NR_CHARGED; i++) {
		snprintf(path, sizeof(path), "%s/t/d%d", self->dir, i);
		fp_touch(path, "f");
	}
	sleep(3);	/* memcg statistics are flushed every 2 s */
	after = cg_stat(cg, "slab_unreclaimable");
	TH_LOG("attacher's cgroup: slab_unreclaimable %ld -> %ld bytes", before, after);
	EXPECT_LE(before + NR_CHARGED * 48, after);
	ASSERT_EQ(0, fp_detach(self->dev, fan));
	close(fan);
	snprintf(path, sizeof(path), CG "/%s", cg);
	if (rmdir(path))
		TH_LOG("rmdir %s: %s", path, strerror(errno));
}

TEST_HARNESS_MAIN
