// SPDX-License-Identifier: GPL-2.0
/*
 * The version 2 (extensible) ioctls: sizes and tails with
 * copy_struct_from_user() semantics for every structure, what the module
 * writes back (never past the caller's size, the rest zeroed), counters by
 * index that can grow, attachments selected by id (and who may), and the
 * listing of roots checked against stat(2) and open_by_handle_at(2) of the
 * directories the test made, moved and deleted. The version 1 ioctls are
 * tested by core_test, subtree_test and the old fpctl binary (compat check).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "fp_util.h"
#include "kselftest_harness.h"

#define TMOD		"fp_test_handler"
#define INITS		"/sys/module/" TMOD "/parameters/inits"
#define FREES		"/sys/module/" TMOD "/parameters/frees"
#define EVMASK		(FAN_CREATE | FAN_DELETE | FAN_ONDIR)
#define PAGE		4096

FIXTURE(uapi) {
	int dev;
	int fan;
	char dir[64];
	char *page;		/* two pages, the second one PROT_NONE */
};

FIXTURE_SETUP(uapi)
{
	ASSERT_EQ(0, fp_ensure_loaded(TMOD));
	self->dev = fp_open_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", FP_DEV, strerror(errno));
	snprintf(self->dir, sizeof(self->dir), "/tmp/fpu.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->fan = fp_fid_group("/tmp", EVMASK);
	ASSERT_LE(0, self->fan) TH_LOG("fanotify group: %s", strerror(-self->fan));
	self->page = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	ASSERT_EQ(0, mprotect(self->page + PAGE, PAGE, PROT_NONE));
}

FIXTURE_TEARDOWN(uapi)
{
	char cmd[128];

	close(self->fan);
	close(self->dev);
	munmap(self->page, 2 * PAGE);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cleanup of %s failed", self->dir);
	EXPECT_EQ(fp_read_long(INITS), fp_wait_long(FREES, fp_read_long(INITS), 5000));
}

/*
 * ioctl(@cmd) on @len bytes of @arg placed at the end of the first page (so the next
 * byte faults), with its size field set to @size; -errno or 0. Copies the result back.
 */
static int at_page_end(char *page, int dev, unsigned long cmd, void *arg, size_t len,
		       __u32 size)
{
	char *p = page + PAGE - len;
	int ret;

	memcpy(p, arg, len);
	memcpy(p, &size, sizeof(size));
	ret = ioctl(dev, cmd, p) ? -errno : 0;
	memcpy(arg, p, len);
	return ret;
}

static void good_attach(struct fanotify_fastpath_attach *a, int fan)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	snprintf(a->name, sizeof(a->name), "fptest");
	a->fanotify_fd = fan;
}

/*
 * Every structure: below its first size EINVAL, a larger one with a zero tail accepted,
 * a non-zero byte in the tail E2BIG, above a page E2BIG, and a size that reaches past
 * readable memory EFAULT. Nothing is attached by a refused call.
 */
TEST_F(uapi, sizes_and_tails)
{
	struct big { struct fanotify_fastpath_attach a; __u64 tail[8]; } b;
	struct { struct fanotify_fastpath_query q; unsigned char tail[24]; } wq;
	struct fanotify_fastpath_set_tag st = { .fanotify_fd = self->fan, .fd = -1, .value = 1 };
	struct fanotify_fastpath_set_root sr = { .fanotify_fd = self->fan, .fd = -1 };
	struct fanotify_fastpath_get_roots g = { .fanotify_fd = self->fan };
	struct fanotify_fastpath_query q;
	struct fanotify_fastpath_detach d;
	long inits = fp_read_long(INITS);
	char *p = self->page;
	__u64 id = 0;
	size_t i;

	/* Attach: each size case on the same good structure. */
	good_attach(&b.a, self->fan);
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_ATTACH2, &b.a, sizeof(b.a), 0));
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_ATTACH2, &b.a, sizeof(b.a),
				       FAN_FP_ATTACH_SIZE_VER0 - 1));
	/* One byte more than there is: the module must read it and fault. */
	EXPECT_EQ(-EFAULT, at_page_end(p, self->dev, FAN_FP_IOC_ATTACH2, &b.a, sizeof(b.a),
				       sizeof(b.a) + 1));
	EXPECT_EQ(-E2BIG, at_page_end(p, self->dev, FAN_FP_IOC_ATTACH2, &b.a, sizeof(b.a),
				      PAGE + 1));
	memset(b.tail, 0, sizeof(b.tail));
	b.tail[7] = 1;
	errno = 0;
	b.a.size = sizeof(b);
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_ATTACH2, &b));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(inits, fp_read_long(INITS));

	/* A zero tail is what a newer binary sends that sets no new field. */
	b.tail[7] = 0;
	ASSERT_EQ(0, ioctl(self->dev, FAN_FP_IOC_ATTACH2, &b));
	EXPECT_EQ(inits + 1, fp_read_long(INITS));
	EXPECT_NE(0, b.a.id);
	id = b.a.id;

	/* Query: what is written back stops at the caller's size; a larger size is zeroed. */
	memset(p, 0xa5, PAGE);
	memset(&q, 0, sizeof(q));
	q.fanotify_fd = self->fan;
	EXPECT_EQ(0, at_page_end(p, self->dev, FAN_FP_IOC_QUERY2, &q, sizeof(q), sizeof(q)));
	EXPECT_EQ(sizeof(q), q.size);
	EXPECT_EQ(id, q.id);
	EXPECT_STREQ("fptest", q.name);
	EXPECT_EQ(FAN_FP_HANDLER_C, q.handler_type);
	EXPECT_EQ(FAN_FP_CNT_NR, q.nr_counters);
	memset(&wq, 0xa5, sizeof(wq));
	wq.q = q;
	memset(wq.tail, 0, sizeof(wq.tail));
	wq.q.size = sizeof(wq);
	wq.q.nr_counters = 0;
	wq.q.id = 0;
	ASSERT_EQ(0, ioctl(self->dev, FAN_FP_IOC_QUERY2, &wq));
	EXPECT_EQ(sizeof(q), wq.q.size);
	for (i = 0; i < sizeof(wq.tail); i++)
		EXPECT_EQ(0, wq.tail[i]) TH_LOG("byte %zu of the tail", i);
	wq.tail[3] = 7;
	wq.q.size = sizeof(wq);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_QUERY2, &wq));
	EXPECT_EQ(E2BIG, errno);
	q.reserved = 1;
	q.size = sizeof(q);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_QUERY2, &q));
	EXPECT_EQ(EINVAL, errno);

	/* Detach: the same rules; a refused detach leaves the attachment. */
	memset(&d, 0, sizeof(d));
	d.fanotify_fd = self->fan;
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_DETACH2, &d, sizeof(d),
				       FAN_FP_DETACH_SIZE_VER0 - 4));
	EXPECT_EQ(-EFAULT, at_page_end(p, self->dev, FAN_FP_IOC_DETACH2, &d, sizeof(d),
				       sizeof(d) + 8));
	d.reserved = 1;
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_DETACH2, &d, sizeof(d),
				       sizeof(d)));
	d.reserved = 0;
	d.flags = 1;
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_DETACH2, &d, sizeof(d),
				       sizeof(d)));
	d.flags = 0;
	EXPECT_EQ(0, fp_query_sel(self->dev, self->fan, 0, 0, &q, NULL, 0));
	EXPECT_EQ(0, at_page_end(p, self->dev, FAN_FP_IOC_DETACH2, &d, sizeof(d), sizeof(d)));
	EXPECT_EQ(-ENOENT, fp_query_sel(self->dev, self->fan, 0, 0, &q, NULL, 0));

	/* Set_tag, set_root and get_roots: below and above their sizes. */
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_SET_TAG, &st,
				       sizeof(st), sizeof(st) - 8));
	EXPECT_EQ(-EFAULT, at_page_end(p, self->dev, FAN_FP_IOC_SET_TAG, &st,
				       sizeof(st), sizeof(st) + 8));
	EXPECT_EQ(-EBADF, at_page_end(p, self->dev, FAN_FP_IOC_SET_TAG, &st,
				      sizeof(st), sizeof(st)));
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_SET_ROOT, &sr,
				       sizeof(sr), sizeof(sr) - 8));
	EXPECT_EQ(-E2BIG, at_page_end(p, self->dev, FAN_FP_IOC_SET_ROOT, &sr,
				      sizeof(sr), PAGE + 8));
	EXPECT_EQ(-EBADF, at_page_end(p, self->dev, FAN_FP_IOC_SET_ROOT, &sr,
				      sizeof(sr), sizeof(sr)));
	sr.flags = 0x100;
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_SET_ROOT, &sr,
				       sizeof(sr), sizeof(sr)));
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_GET_ROOTS, &g,
				       sizeof(g), sizeof(g) - 8));
	EXPECT_EQ(-EFAULT, at_page_end(p, self->dev, FAN_FP_IOC_GET_ROOTS, &g,
				       sizeof(g), sizeof(g) + 8));
	/* Nothing attached any more. */
	EXPECT_EQ(-ENOENT, at_page_end(p, self->dev, FAN_FP_IOC_GET_ROOTS, &g,
				       sizeof(g), sizeof(g)));
	g.nr_roots = 1;		/* room without a pointer */
	EXPECT_EQ(-EINVAL, at_page_end(p, self->dev, FAN_FP_IOC_GET_ROOTS, &g,
				       sizeof(g), sizeof(g)));

	/* A NULL argument and a number this module does not have. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_QUERY2, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, _IO(FAN_FP_IOC_MAGIC, 0x1f), p));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * Counters by index: a caller with room for fewer gets those and the module's count, one
 * with room for more gets the module's count written and the rest untouched. The values
 * are what the test caused: two files created with names the handler drops, one kept.
 */
TEST_F(uapi, counters_grow)
{
	struct fanotify_fastpath_query q;
	__u64 c[FAN_FP_CNT_NR + 8];
	char buf[1024], *tok, *save;
	unsigned int i, n = 0;
	struct fp_names names = { 0 };

	ASSERT_LT(0, fp_read_file(FP_SYSFS "/counters", buf, sizeof(buf)));
	for (tok = strtok_r(buf, "\n ", &save); tok; tok = strtok_r(NULL, "\n ", &save))
		n++;
	EXPECT_EQ(FAN_FP_CNT_NR, n);
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/counters", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "seen passed dropped denied errors tags roots", 44))
		TH_LOG("%s", buf);

	fp_read_names(self->fan, &names);	/* drain */
	memset(&names, 0, sizeof(names));
	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", "drop=q"));
	fp_touch(self->dir, "q1");
	fp_touch(self->dir, "q2");
	fp_touch(self->dir, "k1");
	ASSERT_EQ(1, fp_read_names(self->fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "k1"));
	EXPECT_EQ(0, fp_count_name(&names, "q1"));

	/* Room for none. */
	ASSERT_EQ(0, fp_query_sel(self->dev, self->fan, 0, 0, &q, c, 0));
	EXPECT_EQ(FAN_FP_CNT_NR, q.nr_counters);
	/* Room for three: the fourth stays as it was. */
	memset(c, 0xee, sizeof(c));
	q.size = sizeof(q);
	q.nr_counters = 3;
	q.counters = (uintptr_t)c;
	ASSERT_EQ(0, ioctl(self->dev, FAN_FP_IOC_QUERY2, &q));
	EXPECT_EQ(FAN_FP_CNT_NR, q.nr_counters);
	EXPECT_EQ(3, c[FAN_FP_CNT_SEEN]);
	EXPECT_EQ(1, c[FAN_FP_CNT_PASSED]);
	EXPECT_EQ(2, c[FAN_FP_CNT_DROPPED]);
	EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, c[3]);
	/* Room for more than there are: the rest untouched. */
	memset(c, 0xee, sizeof(c));
	q.nr_counters = FAN_FP_CNT_NR + 8;
	ASSERT_EQ(0, ioctl(self->dev, FAN_FP_IOC_QUERY2, &q));
	EXPECT_EQ(FAN_FP_CNT_NR, q.nr_counters);
	EXPECT_EQ(0, c[FAN_FP_CNT_DENIED]);
	EXPECT_EQ(0, c[FAN_FP_CNT_ROOTS]);
	for (i = FAN_FP_CNT_NR; i < FAN_FP_CNT_NR + 8; i++)
		EXPECT_EQ(0xeeeeeeeeeeeeeeeeULL, c[i]) TH_LOG("counter %u", i);
	/* Room without a pointer, and a pointer that faults. */
	q.counters = 0;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_QUERY2, &q));
	EXPECT_EQ(EINVAL, errno);
	q.counters = 8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_QUERY2, &q));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

/* An attachment by id: as the fd gives it, gone when detached, and only for root. */
TEST_F(uapi, by_id)
{
	struct fanotify_fastpath_query q;
	__u64 id = 0, id2 = 0, c[FAN_FP_CNT_NR];
	char buf[4096], want[64];
	pid_t pid;
	int status, dfd;

	ASSERT_EQ(0, fp_attach_id(self->dev, self->fan, "fptest", NULL, 0, &id));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/attachments", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%llu fptest ", (unsigned long long)id);
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("%s not in %s", want, buf);

	ASSERT_EQ(0, fp_query_sel(self->dev, -1, FAN_FP_BY_ID, id, &q, c, FAN_FP_CNT_NR));
	EXPECT_EQ(id, q.id);
	EXPECT_STREQ("fptest", q.name);
	EXPECT_EQ(-EINVAL, fp_query_sel(self->dev, -1, FAN_FP_BY_ID, 0, &q, c, 0));
	EXPECT_EQ(-ENOENT, fp_query_sel(self->dev, -1, FAN_FP_BY_ID, id + 1000, &q, c, 0));
	EXPECT_EQ(-ENOENT, fp_query_sel(self->dev, -1, FAN_FP_BY_ID, ~0ULL, &q, c, 0));

	/* Not root: by descriptor yes (the device was opened by root), by id no. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct fanotify_fastpath_query cq;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (fp_query_sel(self->dev, self->fan, 0, 0, &cq, NULL, 0))
			_exit(11);
		if (fp_query_sel(self->dev, -1, FAN_FP_BY_ID, id, &cq, NULL, 0) != -EPERM)
			_exit(12);
		if (fp_detach_sel(self->dev, -1, FAN_FP_BY_ID, id) != -EPERM)
			_exit(13);
		if (fp_get_roots(self->dev, -1, FAN_FP_BY_ID, id, NULL, 0) != -EPERM)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* A replacement has a new id: the old one is gone, the new one detaches by id. */
	ASSERT_EQ(0, fp_attach_id(self->dev, self->fan, "fptest", NULL,
				  FAN_FP_ATTACH_REPLACE, &id2));
	EXPECT_NE(id, id2);
	EXPECT_EQ(-ENOENT, fp_detach_sel(self->dev, -1, FAN_FP_BY_ID, id));
	EXPECT_EQ(0, fp_query_sel(self->dev, self->fan, 0, 0, &q, NULL, 0));
	EXPECT_EQ(id2, q.id);
	EXPECT_EQ(0, fp_detach_sel(self->dev, -1, FAN_FP_BY_ID, id2));
	EXPECT_EQ(-ENOENT, fp_query_sel(self->dev, self->fan, 0, 0, &q, NULL, 0));
	EXPECT_EQ(-ENOENT, fp_detach_sel(self->dev, -1, FAN_FP_BY_ID, id2));

	/* A root added by id lands in that attachment. */
	ASSERT_EQ(0, fp_attach_id(self->dev, self->fan, "fptest", NULL, 0, &id));
	dfd = open(self->dir, O_PATH | O_DIRECTORY);
	ASSERT_LE(0, dfd);
	EXPECT_EQ(0, fp_root_sel(self->dev, -1, id, dfd, FAN_FP_BY_ID));
	EXPECT_EQ(-ENOENT, fp_root_sel(self->dev, -1, id + 1, dfd, FAN_FP_BY_ID));
	close(dfd);
	EXPECT_EQ(1, fp_get_roots(self->dev, self->fan, 0, 0, NULL, 0));
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

/*
 * An id outlives nothing: when its group is closed the attachment ends and the id is
 * ENOENT; a thread asking by id while the group goes away gets 0 or ENOENT, nothing else.
 */
TEST_F(uapi, by_id_group_closed)
{
	struct fanotify_fastpath_query q;
	int fan, i, ret, bad = 0;
	__u64 id = 0;
	pid_t pid;
	int status;

	for (i = 0; i < 50; i++) {
		fan = fp_fid_group("/tmp", EVMASK);
		ASSERT_LE(0, fan);
		ASSERT_EQ(0, fp_attach_id(self->dev, fan, "fptest", NULL, 0, &id));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			close(fan);	/* only the parent's keeps the group */
			for (;;) {
				ret = fp_query_sel(self->dev, -1, FAN_FP_BY_ID, id, &q, NULL, 0);
				if (ret == -ENOENT)
					_exit(0);
				if (ret || q.id != id)
					_exit(1);
			}
		}
		usleep(i * 100);
		close(fan);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
		EXPECT_EQ(-ENOENT, fp_detach_sel(self->dev, -1, FAN_FP_BY_ID, id));
	}
	EXPECT_EQ(0, bad);
}

/* Open the directory of a listed root, by its handle. */
static int open_root(int mount_fd, const struct fanotify_fastpath_root_info *ri)
{
	struct { struct file_handle fh; unsigned char h[FAN_FP_HANDLE_MAX]; } h;

	h.fh.handle_bytes = ri->handle_bytes;
	h.fh.handle_type = ri->handle_type;
	memcpy(h.fh.f_handle, ri->handle, ri->handle_bytes);
	return open_by_handle_at(mount_fd, &h.fh, O_PATH);
}

static int find_root(const struct fanotify_fastpath_root_info *ri, int n, const struct stat *st)
{
	int i;

	for (i = 0; i < n; i++)
		if (ri[i].ino == st->st_ino && ri[i].dev_major == major(st->st_dev) &&
		    ri[i].dev_minor == minor(st->st_dev))
			return i;
	return -1;
}

/*
 * The roots as the test made them: kind, device and inode as stat(2) gives them, a
 * handle that opens the directory after it moved; a deleted root leaves the list; the
 * caller's room and entry size are respected.
 */
TEST_F(uapi, roots_listed)
{
	struct fanotify_fastpath_root_info ri[FAN_FP_ROOTS_MAX + 1];
	char a[128], b[256], a2[128], link[PATH_MAX], proc[64];
	struct stat sa, sb, st;
	int mfd, fd, ia, ib, n, i;
	unsigned char wide[3][FAN_FP_ROOT_INFO_SIZE_VER0 + 40];
	struct fanotify_fastpath_get_roots g = {
		.size = sizeof(g), .fanotify_fd = self->fan, .nr_roots = 3,
		.roots = (uintptr_t)wide, .root_size = sizeof(wide[0]),
	};
	size_t k;

	snprintf(a, sizeof(a), "%s/a", self->dir);
	snprintf(b, sizeof(b), "%s/a/b", self->dir);
	snprintf(a2, sizeof(a2), "%s/a2", self->dir);
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, mkdir(b, 0755));
	ASSERT_EQ(0, stat(a, &sa));
	ASSERT_EQ(0, stat(b, &sb));
	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", NULL));
	EXPECT_EQ(0, fp_get_roots(self->dev, self->fan, 0, 0, ri, FAN_FP_ROOTS_MAX));
	ASSERT_EQ(0, fp_root_path(self->dev, self->fan, a, 0));
	ASSERT_EQ(0, fp_root_path(self->dev, self->fan, b, FAN_FP_ROOT_EXCLUDE));

	memset(ri, 0xcc, sizeof(ri));
	n = fp_get_roots(self->dev, self->fan, 0, 0, ri, FAN_FP_ROOTS_MAX);
	ASSERT_EQ(2, n);
	ia = find_root(ri, n, &sa);
	ib = find_root(ri, n, &sb);
	ASSERT_LE(0, ia);
	ASSERT_LE(0, ib);
	EXPECT_EQ(0, ri[ia].flags);
	EXPECT_EQ(FAN_FP_ROOT_EXCLUDE, ri[ib].flags);
	EXPECT_LT(0, ri[ia].handle_bytes);	/* /tmp is tmpfs: it has handles */

	/* Moved: the handle still opens it, where it is now. */
	ASSERT_EQ(0, rename(a, a2));
	mfd = open("/tmp", O_RDONLY | O_DIRECTORY);	/* a mount of the roots' filesystem */
	ASSERT_LE(0, mfd);
	fd = open_root(mfd, &ri[ia]);
	ASSERT_LE(0, fd) TH_LOG("open_by_handle_at: %s", strerror(errno));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(sa.st_ino, st.st_ino);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	EXPECT_STREQ(a2, link);
	close(fd);
	close(mfd);

	/* Room for one of two: one written, the count is two, the next entry untouched. */
	memset(ri, 0xcc, sizeof(ri));
	EXPECT_EQ(2, fp_get_roots(self->dev, self->fan, 0, 0, ri, 1));
	EXPECT_EQ(0xcccccccc, ri[1].flags);

	/* Entries larger than the module's: each tail zeroed, the stride the caller's. */
	memset(wide, 0xcc, sizeof(wide));
	ASSERT_EQ(0, ioctl(self->dev, FAN_FP_IOC_GET_ROOTS, &g));
	EXPECT_EQ(2, g.nr_roots);
	for (i = 0; i < 2; i++) {
		struct fanotify_fastpath_root_info *e = (void *)wide[i];

		EXPECT_TRUE(e->ino == sa.st_ino || e->ino == sb.st_ino);
		for (k = FAN_FP_ROOT_INFO_SIZE_VER0; k < sizeof(wide[i]); k++)
			EXPECT_EQ(0, wide[i][k]) TH_LOG("entry %d byte %zu", i, k);
	}
	EXPECT_EQ(0xcc, wide[2][0]);
	g.root_size = FAN_FP_ROOT_INFO_SIZE_VER0 - 8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_GET_ROOTS, &g));
	EXPECT_EQ(EINVAL, errno);
	g.root_size = PAGE + 8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_GET_ROOTS, &g));
	EXPECT_EQ(E2BIG, errno);
	g.root_size = sizeof(wide[0]);
	g.roots = 8;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_GET_ROOTS, &g));
	EXPECT_EQ(EFAULT, errno);

	/* Deleted: the exclude root leaves the list (its directory is gone). */
	snprintf(b, sizeof(b), "%s/b", a2);
	ASSERT_EQ(0, rmdir(b));
	for (i = 0; i < 100 && fp_get_roots(self->dev, self->fan, 0, 0, ri, 2) != 1; i++)
		usleep(10000);
	n = fp_get_roots(self->dev, self->fan, 0, 0, ri, FAN_FP_ROOTS_MAX);
	ASSERT_EQ(1, n);
	EXPECT_EQ(sa.st_ino, ri[0].ino);

	/* At the cap: 64 roots, all listed; room for 65 gets 64. */
	for (i = 1; i < FAN_FP_ROOTS_MAX; i++) {
		char d[160];

		snprintf(d, sizeof(d), "%s/r%d", self->dir, i);
		ASSERT_EQ(0, mkdir(d, 0755));
		ASSERT_EQ(0, fp_root_path(self->dev, self->fan, d,
					  i % 2 ? FAN_FP_ROOT_EXCLUDE : 0));
	}
	memset(ri, 0xcc, sizeof(ri));
	EXPECT_EQ(FAN_FP_ROOTS_MAX, fp_get_roots(self->dev, self->fan, 0, 0, ri,
						 FAN_FP_ROOTS_MAX + 1));
	EXPECT_EQ(0xcccccccc, ri[FAN_FP_ROOTS_MAX].flags);
	for (i = 1; i < FAN_FP_ROOTS_MAX; i++) {
		char d[160];

		snprintf(d, sizeof(d), "%s/r%d", self->dir, i);
		ASSERT_EQ(0, stat(d, &st));
		n = find_root(ri, FAN_FP_ROOTS_MAX, &st);
		ASSERT_LE(0, n) TH_LOG("r%d not listed", i);
		EXPECT_EQ(i % 2 ? FAN_FP_ROOT_EXCLUDE : 0, ri[n].flags);
	}
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

/*
 * Listing holds each root's filesystem while it encodes handles: unmounting it meanwhile
 * must neither fail nor leave busy inodes (the runner fails on any splat), and a listing
 * after the unmount no longer has the root.
 */
TEST_F_TIMEOUT(uapi, roots_listed_while_unmounting, 120)
{
	struct fanotify_fastpath_root_info ri[4];
	char mnt[128], sub[160];
	pid_t pid;
	int i, status;

	snprintf(mnt, sizeof(mnt), "%s/m", self->dir);
	snprintf(sub, sizeof(sub), "%s/m/d", self->dir);
	ASSERT_EQ(0, mkdir(mnt, 0755));
	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		for (;;)
			if (fp_get_roots(self->dev, self->fan, 0, 0, ri, 4) < 0)
				_exit(1);
	}
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, mount("fpu", mnt, "tmpfs", 0, "size=1m"));
		ASSERT_EQ(0, mkdir(sub, 0755));
		ASSERT_EQ(0, fp_root_path(self->dev, self->fan, sub,
					  i % 2 ? FAN_FP_ROOT_EXCLUDE : 0));
		ASSERT_EQ(0, umount(mnt)) TH_LOG("umount %d: %s", i, strerror(errno));
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("the lister failed");
	for (i = 0; i < 100 && fp_get_roots(self->dev, self->fan, 0, 0, ri, 4); i++)
		usleep(10000);
	EXPECT_EQ(0, fp_get_roots(self->dev, self->fan, 0, 0, ri, 4));
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

TEST_HARNESS_MAIN
