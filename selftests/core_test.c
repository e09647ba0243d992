// SPDX-License-Identifier: GPL-2.0
/*
 * Core module selftests: registry, attach/detach/replace/query, events really
 * dropped and delivered, every bad input, privileges, permission verdicts,
 * fd closed while attached, and a bounded attach/replace/detach stress under
 * event load. Uses the test handlers of selftests/modules/fp_test_handler.c.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "fp_util.h"
#include "kselftest_harness.h"

#define TMOD		"fp_test_handler"
#define INITS		"/sys/module/" TMOD "/parameters/inits"
#define FREES		"/sys/module/" TMOD "/parameters/frees"
#define EVMASK		(FAN_CREATE | FAN_DELETE | FAN_ONDIR)

FIXTURE(fp) {
	int dev;
	int fan;
	char dir[64];
};

FIXTURE_SETUP(fp)
{
	struct fp_names drain = { 0 };

	ASSERT_EQ(0, fp_ensure_loaded(TMOD));
	self->dev = fp_open_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open %s: %s", FP_DEV, strerror(errno));
	snprintf(self->dir, sizeof(self->dir), "/tmp/fpt.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->fan = fp_fid_group("/tmp", EVMASK);
	ASSERT_LE(0, self->fan) TH_LOG("fanotify group: %s", strerror(-self->fan));
	fp_read_names(self->fan, &drain);
}

FIXTURE_TEARDOWN(fp)
{
	char cmd[128];

	close(self->fan);
	close(self->dev);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cleanup of %s failed", self->dir);
	/* Every attachment made by a test must be freed exactly once. */
	EXPECT_EQ(fp_read_long(INITS), fp_wait_long(FREES, fp_read_long(INITS), 5000));
}

TEST_F(fp, registry_lists_handlers)
{
	char buf[4096];

	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "fptest"));
	EXPECT_NE(NULL, strstr(buf, "fptest_admin"));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/handlers/fptest/type", buf, sizeof(buf)));
	EXPECT_STREQ("c\n", buf);
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/handlers/fptest/module", buf, sizeof(buf)));
	EXPECT_STREQ(TMOD "\n", buf);
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/handlers/fptest_admin/flags", buf, sizeof(buf)));
	EXPECT_EQ(FAN_FP_F_SYS_ADMIN_ONLY, strtol(buf, NULL, 0));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/handlers/fptest/description", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "selftest"));
}

/*
 * sysfs "features" (module/compat.h) lists "bpf" exactly where the kernel registers BPF
 * struct_ops types from modules (6.9+); elsewhere (6.1) fp_bpf_supported() is -EOPNOTSUPP.
 */
TEST_F(fp, features_match_kernel)
{
	int major = 0, minor = 0, n, want;
	struct utsname u;
	char buf[256];

	ASSERT_LT(0, fp_read_file(FP_SYSFS "/features", buf, sizeof(buf)));
	ASSERT_EQ(0, uname(&u));
	n = sscanf(u.release, "%d.%d", &major, &minor);
	ASSERT_EQ(2, n) TH_LOG("kernel release %s", u.release);
	want = major > 6 || (major == 6 && minor >= 9) ? 0 : -EOPNOTSUPP;
	EXPECT_EQ(want, fp_bpf_supported()) TH_LOG("kernel %s, features: %s", u.release, buf);
}

TEST_F(fp, duplicate_name_refused)
{
	char before[4096], after[4096];
	int ret;

	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", before, sizeof(before)));
	/* The init's -EEXIST; kernels since 6.15 report it as -EBUSY to userspace. */
	ret = fp_load("fp_test_dup", NULL);
	EXPECT_TRUE(ret == -EEXIST || ret == -EBUSY) TH_LOG("load: %s", strerror(-ret));
	EXPECT_FALSE(fp_module_loaded("fp_test_dup"));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", after, sizeof(after)));
	EXPECT_STREQ(before, after);
}

TEST_F(fp, register_unregister_and_autoload)
{
	char buf[4096];

	if (fp_module_loaded("fp_test_auto"))
		ASSERT_EQ(0, fp_unload_wait("fp_test_auto", 2000));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, "fptest_auto"));

	/* Not registered: attaching by name loads the module through its alias. */
	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest_auto", NULL));
	EXPECT_TRUE(fp_module_loaded("fp_test_auto"));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "fptest_auto"));

	/* Attached: the handler module cannot go away. */
	EXPECT_EQ(-EWOULDBLOCK, fp_unload("fp_test_auto"));
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
	ASSERT_EQ(0, fp_unload_wait("fp_test_auto", 2000));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, "fptest_auto"));
	EXPECT_NE(0, access(FP_SYSFS "/handlers/fptest_auto", F_OK));
}

TEST_F(fp, events_dropped_and_delivered)
{
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };

	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", "drop=cc"));
	fp_touch(self->dir, "aa");
	fp_touch(self->dir, "cc");
	fp_touch(self->dir, "bb");
	ASSERT_LE(0, fp_read_names(self->fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "aa"));
	EXPECT_EQ(1, fp_count_name(&names, "bb"));
	EXPECT_EQ(0, fp_count_name(&names, "cc"));

	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info));
	EXPECT_STREQ("fptest", info.name);
	EXPECT_EQ(0, info.is_bpf);
	EXPECT_EQ(0, info.attach_flags);
	EXPECT_EQ(1, info.dropped);
	EXPECT_EQ(info.seen, info.passed + info.dropped);
	EXPECT_LE(2, info.passed);
	EXPECT_EQ(0, info.denied);
	EXPECT_EQ(0, info.errors);

	/* After detach the same event is delivered again. */
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
	names.n = 0;
	fp_touch(self->dir, "cc2");
	ASSERT_LE(0, fp_read_names(self->fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "cc2"));
	EXPECT_EQ(-ENOENT, fp_detach(self->dev, self->fan));
	EXPECT_EQ(-ENOENT, fp_query(self->dev, self->fan, &info));
}

TEST_F(fp, busy_and_atomic_replace)
{
	struct fanotify_fastpath_info info, info2;
	struct fp_names names = { 0 };
	long inits = fp_read_long(INITS), frees = fp_read_long(FREES);

	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", "drop=xx"));
	EXPECT_EQ(-EBUSY, fp_attach(self->dev, self->fan, "fptest", "drop=yy"));
	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info));
	EXPECT_EQ(inits + 1, fp_read_long(INITS));

	ASSERT_EQ(0, fp_attach_flags(self->dev, self->fan, "fptest", "drop=yy",
				     FAN_FP_ATTACH_REPLACE));
	EXPECT_EQ(frees + 1, fp_read_long(FREES));
	fp_touch(self->dir, "xx");
	fp_touch(self->dir, "yy");
	ASSERT_LE(0, fp_read_names(self->fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "xx"));
	EXPECT_EQ(0, fp_count_name(&names, "yy"));

	/* Replace by a different handler keeps the group filtered, new id. */
	ASSERT_EQ(0, fp_attach_flags(self->dev, self->fan, "fptest_admin",
				     "drop=zz", FAN_FP_ATTACH_REPLACE));
	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info2));
	EXPECT_STREQ("fptest_admin", info2.name);
	EXPECT_NE(info.id, info2.id);
	EXPECT_EQ(FAN_FP_ATTACH_REPLACE, info2.attach_flags);
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

TEST_F(fp, sysfs_counters_and_attachments)
{
	char buf[4096];
	long dropped;

	dropped = fp_read_long(FP_SYSFS "/handlers/fptest/dropped");
	ASSERT_LE(0, dropped);
	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", "drop=q"));
	EXPECT_EQ(1, fp_read_long(FP_SYSFS "/handlers/fptest/attachments"));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/attachments", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, " fptest 0x0 "));
	fp_touch(self->dir, "q1");
	fp_touch(self->dir, "q2");
	EXPECT_EQ(dropped + 2, fp_read_long(FP_SYSFS "/handlers/fptest/dropped"));
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
	EXPECT_EQ(0, fp_read_long(FP_SYSFS "/handlers/fptest/attachments"));
	/* Totals survive the end of the attachment. */
	EXPECT_EQ(dropped + 2, fp_read_long(FP_SYSFS "/handlers/fptest/dropped"));
}

/* One ioctl argument that must be refused with @err, leaving nothing attached. */
static void check_bad_attach(struct __test_metadata *_metadata, int dev, int fan,
			     struct fanotify_fastpath_args *a, int err)
{
	struct fanotify_fastpath_info info;
	long inits = fp_read_long(INITS);

	errno = 0;
	EXPECT_EQ(-1, ioctl(dev, FAN_FP_IOC_ATTACH, a));
	EXPECT_EQ(err, errno) TH_LOG("expected %s, got %s", strerror(err), strerror(errno));
	if (fan >= 0)
		EXPECT_EQ(-ENOENT, fp_query(dev, fan, &info));
	EXPECT_EQ(inits, fp_read_long(INITS));
}

static void good_args(struct fanotify_fastpath_args *a, int fan)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "fptest");
	a->version = FAN_FP_VERSION;
	a->fanotify_fd = fan;
}

TEST_F(fp, bad_input)
{
	struct fanotify_fastpath_target t;
	struct fanotify_fastpath_info info;
	struct fanotify_fastpath_args a;
	char big[FAN_FP_ARGS_MAX + 1];
	char unterminated[8] = "abcdefgh";
	int fd, closed_fd;

	/* The good argument works, so each case below tests exactly one field. */
	good_args(&a, self->fan);
	ASSERT_EQ(0, ioctl(self->dev, FAN_FP_IOC_ATTACH, &a));
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));

	good_args(&a, self->fan);
	a.version = 0;
	check_bad_attach(_metadata, self->dev, self->fan, &a, EOPNOTSUPP);
	good_args(&a, self->fan);
	a.version = FAN_FP_VERSION + 1;
	check_bad_attach(_metadata, self->dev, self->fan, &a, EOPNOTSUPP);
	good_args(&a, self->fan);
	a.flags = 0x80000000;
	check_bad_attach(_metadata, self->dev, self->fan, &a, EINVAL);
	good_args(&a, self->fan);
	memset(a.name, 'a', sizeof(a.name));
	check_bad_attach(_metadata, self->dev, self->fan, &a, ENAMETOOLONG);
	good_args(&a, self->fan);
	a.name[0] = 0;
	check_bad_attach(_metadata, self->dev, self->fan, &a, EINVAL);
	good_args(&a, self->fan);
	snprintf(a.name, sizeof(a.name), "../fptest");
	check_bad_attach(_metadata, self->dev, self->fan, &a, EINVAL);
	good_args(&a, self->fan);
	snprintf(a.name, sizeof(a.name), "no_such_handler");
	check_bad_attach(_metadata, self->dev, self->fan, &a, ENOENT);

	good_args(&a, self->fan);
	memset(big, 'x', sizeof(big));
	a.init_args = (uintptr_t)big;
	a.init_args_size = sizeof(big);
	check_bad_attach(_metadata, self->dev, self->fan, &a, E2BIG);
	good_args(&a, self->fan);
	a.init_args = 8;	/* unmapped */
	a.init_args_size = 4;
	check_bad_attach(_metadata, self->dev, self->fan, &a, EFAULT);
	good_args(&a, self->fan);
	a.init_args = (uintptr_t)unterminated;
	a.init_args_size = sizeof(unterminated);
	check_bad_attach(_metadata, self->dev, self->fan, &a, EINVAL);
	good_args(&a, self->fan);
	a.init_args = (uintptr_t)"drop=a\0drop=b";
	a.init_args_size = 14;	/* embedded NUL */
	check_bad_attach(_metadata, self->dev, self->fan, &a, EINVAL);
	good_args(&a, self->fan);
	a.init_args = (uintptr_t)"x";
	a.init_args_size = 0;	/* pointer without size */
	check_bad_attach(_metadata, self->dev, self->fan, &a, EINVAL);
	good_args(&a, self->fan);
	a.init_args = (uintptr_t)"bogus=1";
	a.init_args_size = 8;	/* refused by the handler's fp_init */
	check_bad_attach(_metadata, self->dev, self->fan, &a, EINVAL);
	good_args(&a, self->fan);
	a.init_args = (uintptr_t)"init_err=28";
	a.init_args_size = 12;	/* fp_init's errno is passed through */
	check_bad_attach(_metadata, self->dev, self->fan, &a, ENOSPC);

	/* File descriptors: invalid, closed, not fanotify. */
	good_args(&a, -1);
	check_bad_attach(_metadata, self->dev, -1, &a, EBADF);
	closed_fd = dup(self->fan);
	close(closed_fd);
	good_args(&a, closed_fd);
	check_bad_attach(_metadata, self->dev, -1, &a, EBADF);
	fd = open("/proc/self/status", O_RDONLY);
	good_args(&a, fd);
	check_bad_attach(_metadata, self->dev, -1, &a, EINVAL);
	close(fd);
	fd = eventfd(0, 0);		/* an anon inode that is not fanotify */
	good_args(&a, fd);
	check_bad_attach(_metadata, self->dev, -1, &a, EINVAL);
	close(fd);
	fd = inotify_init1(0);		/* an fsnotify group that is not fanotify */
	good_args(&a, fd);
	check_bad_attach(_metadata, self->dev, -1, &a, EINVAL);
	good_args(&a, self->dev);	/* the control device itself */
	check_bad_attach(_metadata, self->dev, -1, &a, EINVAL);

	/* Bad pointers and commands. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_ATTACH, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, _IO(FAN_FP_IOC_MAGIC, 99), 0));
	EXPECT_EQ(ENOTTY, errno);

	/* Detach and query validate their structures the same way. */
	memset(&t, 0, sizeof(t));
	t.version = FAN_FP_VERSION;
	t.fanotify_fd = fd;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_DETACH, &t));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	t.fanotify_fd = self->fan;
	t.reserved = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_DETACH, &t));
	EXPECT_EQ(EINVAL, errno);
	t.reserved = 0;
	t.version = 7;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_DETACH, &t));
	EXPECT_EQ(EOPNOTSUPP, errno);
	t.version = FAN_FP_VERSION;
	t.flags = 1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_DETACH, &t));
	EXPECT_EQ(EINVAL, errno);
	memset(&info, 0, sizeof(info));
	info.version = FAN_FP_VERSION;
	info.fanotify_fd = -1;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_QUERY, &info));
	EXPECT_EQ(EBADF, errno);
	info.fanotify_fd = self->fan;
	info.flags = 2;
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->dev, FAN_FP_IOC_QUERY, &info));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-ENOENT, fp_detach(self->dev, self->fan));
}

TEST_F(fp, invalid_verdicts_are_delivered)
{
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };

	/* A positive unknown verdict and an errno on a non-permission event. */
	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", "ret=7"));
	fp_touch(self->dir, "v1");
	ASSERT_EQ(0, fp_attach_flags(self->dev, self->fan, "fptest", "ret=-13",
				     FAN_FP_ATTACH_REPLACE));
	fp_touch(self->dir, "v2");
	ASSERT_LE(0, fp_read_names(self->fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "v1"));
	EXPECT_EQ(1, fp_count_name(&names, "v2"));
	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info));
	EXPECT_EQ(info.seen, info.errors);
	EXPECT_LE(1, info.errors);
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

struct slow_attach {
	int dev, fan, ret;
};

static void *slow_attach_fn(void *p)
{
	struct slow_attach *a = p;

	a->ret = fp_attach(a->dev, a->fan, "fptest", "block_init");
	return NULL;
}

/*
 * A handler's fp_init that blocks (a path lookup on a hung filesystem) holds
 * no lock of the core: while it waits, other groups attach, query and detach,
 * and sysfs reads. If it held the core's mutex, they would wait for its
 * 20-second timeout and find it no longer blocked.
 */
TEST_F(fp, slow_init_blocks_nobody)
{
	const char *release = "/sys/module/" TMOD "/parameters/release";
	const char *blocked = "/sys/module/" TMOD "/parameters/blocked";
	struct slow_attach a = { .dev = self->dev, .fan = self->fan };
	struct fanotify_fastpath_info info;
	char buf[256];
	pthread_t th;
	int fan2;

	ASSERT_EQ(0, fp_write_file(release, "0"));
	ASSERT_EQ(0, pthread_create(&th, NULL, slow_attach_fn, &a));
	ASSERT_EQ(1, fp_wait_long(blocked, 1, 5000));
	fan2 = fp_fid_group("/tmp", EVMASK);
	ASSERT_LE(0, fan2);
	EXPECT_EQ(0, fp_attach(self->dev, fan2, "fptest", NULL));
	EXPECT_EQ(0, fp_query(self->dev, fan2, &info));
	EXPECT_EQ(0, fp_detach(self->dev, fan2));
	EXPECT_LE(0, fp_read_file("/sys/kernel/fanotify_fastpath/attachments", buf,
				  sizeof(buf)));
	/* Still inside fp_init: nobody above waited for it. */
	EXPECT_EQ(1, fp_read_long(blocked));
	ASSERT_EQ(0, fp_write_file(release, "1"));
	pthread_join(th, NULL);
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, fp_detach(self->dev, self->fan));
	ASSERT_EQ(0, fp_write_file(release, "0"));
	close(fan2);
}

TEST_F(fp, unprivileged_refused)
{
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int dev, ret;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		/* The device is root-only. */
		if (fp_open_dev() >= 0 || errno != EACCES)
			_exit(11);
		/* A descriptor opened by root does not confer the capability. */
		dev = self->dev;
		ret = fp_attach(dev, self->fan, "fptest", NULL);
		if (ret != -EPERM)
			_exit(12);
		if (fp_detach(dev, self->fan) != -EPERM)
			_exit(13);
		/* Nor can it add roots or tags. */
		if (fp_root_path(dev, self->fan, "/tmp", 0) != -EPERM)
			_exit(14);
		if (fp_tag_path(dev, self->fan, "/tmp", 1) != -EPERM)
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(fp, allow_unprivileged_keeps_admin_only_handlers)
{
	const char *param = "/sys/module/fanotify_fastpath/parameters/allow_unprivileged";
	pid_t pid;
	int status;

	ASSERT_EQ(0, fp_write_file(param, "Y"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct fanotify_fastpath_info info;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		if (fp_attach(self->dev, self->fan, "fptest_admin", NULL) != -EPERM)
			_exit(11);
		if (fp_attach(self->dev, self->fan, "fptest", NULL))
			_exit(12);
		if (fp_query(self->dev, self->fan, &info) || strcmp(info.name, "fptest"))
			_exit(13);
		if (fp_detach(self->dev, self->fan))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, fp_write_file(param, "N"));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Permission group on one directory: FAN_OPEN_PERM on its children. */
static int perm_group(const char *dir)
{
	int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);

	if (fan < 0)
		return -errno;
	if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD,
			  AT_FDCWD, dir)) {
		close(fan);
		return -errno;
	}
	return fan;
}

/* Open @path in a child; returns the child's pid. Exit code: 0 or errno. */
static pid_t open_in_child(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		_exit(fd < 0 ? errno : 0);
	}
	return pid;
}

/* Wait up to @ms for @pid; returns its exit code, or -1 on timeout (then kills it). */
static int wait_child(pid_t pid, int ms)
{
	int status;

	for (; ms > 0; ms -= 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

TEST_F(fp, permission_verdicts)
{
	struct fanotify_event_metadata ev;
	struct fanotify_response resp;
	struct fanotify_fastpath_info info;
	struct pollfd pfd;
	char path[128];
	int pfan;
	pid_t pid;

	fp_touch(self->dir, "den");
	fp_touch(self->dir, "skp");
	pfan = perm_group(self->dir);
	ASSERT_LE(0, pfan) TH_LOG("permission group: %s", strerror(-pfan));

	/* A negative errno denies without asking userspace. */
	ASSERT_EQ(0, fp_attach(self->dev, pfan, "fptest", "drop=den deny=13"));
	snprintf(path, sizeof(path), "%s/den", self->dir);
	pid = open_in_child(path);
	EXPECT_EQ(EACCES, wait_child(pid, 10000));
	ASSERT_EQ(0, fp_query(self->dev, pfan, &info));
	EXPECT_EQ(1, info.denied);

	/* Errnos a permission denial cannot carry (ERESTARTSYS, ENOENT) deny with EPERM. */
	ASSERT_EQ(0, fp_attach_flags(self->dev, pfan, "fptest", "drop=den deny=512",
				     FAN_FP_ATTACH_REPLACE));
	pid = open_in_child(path);
	EXPECT_EQ(EPERM, wait_child(pid, 10000));
	ASSERT_EQ(0, fp_attach_flags(self->dev, pfan, "fptest", "drop=den deny=2",
				     FAN_FP_ATTACH_REPLACE));
	pid = open_in_child(path);
	EXPECT_EQ(EPERM, wait_child(pid, 10000));

	/* SKIP on a permission event must not silently allow: it is delivered. */
	ASSERT_EQ(0, fp_attach_flags(self->dev, pfan, "fptest", "drop=skp",
				     FAN_FP_ATTACH_REPLACE));
	snprintf(path, sizeof(path), "%s/skp", self->dir);
	pid = open_in_child(path);
	pfd.fd = pfan;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) TH_LOG("the permission event was not delivered");
	ASSERT_EQ(sizeof(ev), read(pfan, &ev, sizeof(ev)));
	EXPECT_TRUE(ev.mask & FAN_OPEN_PERM);
	resp.fd = ev.fd;
	resp.response = FAN_ALLOW;
	ASSERT_EQ(sizeof(resp), write(pfan, &resp, sizeof(resp)));
	close(ev.fd);
	EXPECT_EQ(0, wait_child(pid, 10000));
	ASSERT_EQ(0, fp_query(self->dev, pfan, &info));
	EXPECT_EQ(0, info.dropped);

	/* ... unless the attacher asked for "skip means allow". */
	ASSERT_EQ(0, fp_attach_flags(self->dev, pfan, "fptest", "drop=skp",
				     FAN_FP_ATTACH_REPLACE | FAN_FP_ATTACH_PERM_SKIP_ALLOWS));
	pid = open_in_child(path);
	EXPECT_EQ(0, wait_child(pid, 10000));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, fp_query(self->dev, pfan, &info));
	EXPECT_EQ(1, info.dropped);
	close(pfan);
}

TEST_F(fp, fd_closed_while_attached)
{
	long core_ref = fp_module_refcnt("fanotify_fastpath");
	long mod_ref = fp_module_refcnt(TMOD);
	int fan2;

	fan2 = fp_fid_group("/tmp", EVMASK);
	ASSERT_LE(0, fan2);
	ASSERT_EQ(0, fp_attach(self->dev, fan2, "fptest", "drop=zz"));
	EXPECT_EQ(mod_ref + 1, fp_module_refcnt(TMOD));
	EXPECT_EQ(core_ref + 1, fp_module_refcnt("fanotify_fastpath"));
	/* Events flowing while the group dies. */
	fp_touch(self->dir, "zz1");
	close(fan2);
	fp_touch(self->dir, "zz2");
	/* The group dies asynchronously (mark reaper); all references come back. */
	EXPECT_EQ(mod_ref, fp_wait_long("/sys/module/" TMOD "/refcnt", mod_ref, 5000));
	EXPECT_EQ(core_ref, fp_wait_long("/sys/module/fanotify_fastpath/refcnt",
					 core_ref, 5000));
}

/*
 * Ancestry through fanotify_fastpath_tag_depth() (test handler, ancestor=N):
 * nested depths, the depth limit, and renames in and out of the tree.
 */
TEST_F(fp, ancestry_follows_renames)
{
	struct fp_names names = { 0 };
	char root[128], from[256], path[256];

	snprintf(root, sizeof(root), "%s/root", self->dir);
	ASSERT_EQ(0, fp_mkdirs(self->dir, "root/a/b/c"));
	ASSERT_EQ(0, fp_mkdirs(self->dir, "out/x/y"));
	fp_read_names(self->fan, &names);
	names.n = 0;

	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "fptest", "ancestor=3"));
	ASSERT_EQ(0, fp_tag_path(self->dev, self->fan, root, 1));
	fp_touch(root, "top");			/* depth 0 */
	fp_touch(root, "a/b/c/deep3");		/* depth 3 */
	fp_touch(self->dir, "out/o1");		/* no tagged ancestor */
	ASSERT_LE(0, fp_read_names(self->fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "top"));
	EXPECT_EQ(1, fp_count_name(&names, "deep3"));
	EXPECT_EQ(0, fp_count_name(&names, "o1"));

	/* The depth limit: 2 levels do not reach root from c. */
	ASSERT_EQ(0, fp_attach_flags(self->dev, self->fan, "fptest", "ancestor=2",
				     FAN_FP_ATTACH_REPLACE));
	ASSERT_EQ(0, fp_tag_path(self->dev, self->fan, root, 1));
	names.n = 0;
	fp_touch(root, "a/b/c/deep3b");
	fp_touch(root, "a/b/deep2");
	ASSERT_LE(0, fp_read_names(self->fan, &names));
	EXPECT_EQ(0, fp_count_name(&names, "deep3b"));
	EXPECT_EQ(1, fp_count_name(&names, "deep2"));

	/* Renames: a moves out of the tree, out/x moves in. */
	snprintf(from, sizeof(from), "%s/a", root);
	snprintf(path, sizeof(path), "%s/out/a", self->dir);
	ASSERT_EQ(0, rename(from, path));
	snprintf(from, sizeof(from), "%s/out/x", self->dir);
	snprintf(path, sizeof(path), "%s/x", root);
	ASSERT_EQ(0, rename(from, path));
	names.n = 0;
	fp_touch(self->dir, "out/a/movedout");
	fp_touch(root, "x/y/movedin");
	ASSERT_LE(0, fp_read_names(self->fan, &names));
	EXPECT_EQ(0, fp_count_name(&names, "movedout"));
	EXPECT_EQ(1, fp_count_name(&names, "movedin"));

	/* Bad arguments of the test handler's own. */
	EXPECT_EQ(-EINVAL, fp_attach_flags(self->dev, self->fan, "fptest", "ancestor=0",
					   FAN_FP_ATTACH_REPLACE));
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

/* Poll the attachment's cache size until it is @want or @ms pass; returns the last one. */
static long wait_cache_entries(int dev, int fan, long want, int ms)
{
	struct fanotify_fastpath_info info;

	for (;; ms -= 10) {
		if (fp_query(dev, fan, &info))
			return -1;
		if ((long)info.cache_entries == want || ms <= 0)
			return info.cache_entries;
		usleep(10000);
	}
}

/*
 * The ancestry cache of the subtree handler: a walk fills the directories it
 * passes, a second event in the same directory is a hit, a deleted
 * directory's entry goes with it (before its inode number can be reused),
 * and the root is a root, not an entry.
 */
TEST_F(fp, cache_entries_die_with_directories)
{
	struct fanotify_fastpath_info info;
	char args[128], sub[64];
	int i;

	ASSERT_EQ(0, fp_ensure_loaded("fp_subtree"));
	for (i = 0; i < 50; i++) {
		snprintf(sub, sizeof(sub), "d%d/e", i);
		ASSERT_EQ(0, fp_mkdirs(self->dir, sub));
	}
	snprintf(args, sizeof(args), "root=%s", self->dir);
	ASSERT_EQ(0, fp_attach(self->dev, self->fan, "subtree", args));
	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info));
	EXPECT_EQ(1, info.roots);
	EXPECT_EQ(0, info.cache_entries);
	for (i = 0; i < 50; i++) {
		snprintf(sub, sizeof(sub), "%s/d%d/e", self->dir, i);
		fp_touch(sub, "f");
	}
	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info));
	/* Each walk from d<i>/e fills e and d<i>; the root ends the walk. */
	EXPECT_EQ(100, info.cache_entries);
	EXPECT_EQ(50, info.cache_walks);
	for (i = 0; i < 50; i++) {
		snprintf(sub, sizeof(sub), "%s/d%d/e", self->dir, i);
		fp_touch(sub, "g");
	}
	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info));
	EXPECT_EQ(50, info.cache_walks);
	EXPECT_LE(50, info.cache_hits);
	for (i = 0; i < 50; i++) {
		snprintf(sub, sizeof(sub), "%s/d%d/e/f", self->dir, i);
		ASSERT_EQ(0, unlink(sub));
		snprintf(sub, sizeof(sub), "%s/d%d/e/g", self->dir, i);
		ASSERT_EQ(0, unlink(sub));
		snprintf(sub, sizeof(sub), "%s/d%d/e", self->dir, i);
		ASSERT_EQ(0, rmdir(sub));
		snprintf(sub, sizeof(sub), "%s/d%d", self->dir, i);
		ASSERT_EQ(0, rmdir(sub));
	}
	EXPECT_EQ(0, wait_cache_entries(self->dev, self->fan, 0, 5000));
	ASSERT_EQ(0, fp_query(self->dev, self->fan, &info));
	EXPECT_EQ(1, info.roots);
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

struct tree_arg {
	const char *dir;
	bool stop;	/* read and written with __atomic builtins */
	long ops;
};

static void *tree_load(void *p)
{
	struct tree_arg *arg = p;
	char path[256];
	int i = 0;

	while (!__atomic_load_n(&arg->stop, __ATOMIC_RELAXED)) {
		snprintf(path, sizeof(path), "%s/t%lx-%d", arg->dir,
			 (long)pthread_self() & 0xffff, i++ % 8);
		if (!mkdir(path, 0755)) {
			fp_touch(path, "f");
			strcat(path, "/f");
			unlink(path);
			*strrchr(path, '/') = 0;
			rmdir(path);
		}
		arg->ops++;
	}
	return NULL;
}

/*
 * Cache fills on the event path race with deletions, detach, replace and
 * group death; no entry of a deleted directory survives.
 */
TEST_F_TIMEOUT(fp, stress_cache_under_mkdir_rmdir, 120)
{
	struct tree_arg arg = { .dir = self->dir };
	char args[128];
	pthread_t th[3];
	int i, fan2;

	ASSERT_EQ(0, fp_ensure_loaded("fp_subtree"));
	snprintf(args, sizeof(args), "root=%s", self->dir);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, tree_load, &arg));
	for (i = 0; i < 150; i++) {
		if (i % 3 == 2) {
			EXPECT_EQ(0, fp_detach(self->dev, self->fan));
		} else {
			EXPECT_EQ(0, fp_attach_flags(self->dev, self->fan, "subtree", args,
						     FAN_FP_ATTACH_REPLACE));
		}
		if (i % 20 == 0) {
			fan2 = fp_fid_group("/tmp", EVMASK);
			ASSERT_LE(0, fan2);
			EXPECT_EQ(0, fp_attach(self->dev, fan2, "subtree", args));
			usleep(1000);
			close(fan2);
		}
		usleep(500);
	}
	ASSERT_EQ(0, fp_attach_flags(self->dev, self->fan, "subtree", args,
				     FAN_FP_ATTACH_REPLACE));
	__atomic_store_n(&arg.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	/* Everything created under the root is gone again, and so are its entries. */
	EXPECT_EQ(0, wait_cache_entries(self->dev, self->fan, 0, 5000));
	TH_LOG("%ld mkdir/rmdir cycles", arg.ops);
	ASSERT_EQ(0, fp_detach(self->dev, self->fan));
}

struct load_arg {
	const char *dir;
	bool stop;	/* read and written with __atomic builtins */
	long ops;
};

static void *event_load(void *p)
{
	struct load_arg *arg = p;
	char path[256];
	int i = 0;

	while (!__atomic_load_n(&arg->stop, __ATOMIC_RELAXED)) {
		snprintf(path, sizeof(path), "%s/s%lx-%d", arg->dir,
			 (long)pthread_self() & 0xffff, i++ % 16);
		close(open(path, O_WRONLY | O_CREAT, 0644));
		unlink(path);
		arg->ops++;
	}
	return NULL;
}

TEST_F_TIMEOUT(fp, stress_attach_replace_detach_under_load, 120)
{
	static const char * const names[] = { "fptest", "fptest_admin" };
	struct load_arg arg = { .dir = self->dir };
	struct fp_names drain = { 0 };
	pthread_t th[3];
	int i, fan2;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, event_load, &arg));
	for (i = 0; i < 300; i++) {
		switch (i % 4) {
		case 0:
			EXPECT_EQ(0, fp_attach(self->dev, self->fan, names[i & 1], "drop=s"));
			break;
		case 1:
		case 2:
			EXPECT_EQ(0, fp_attach_flags(self->dev, self->fan, names[(i >> 1) & 1],
						     i & 1 ? "drop=s" : "", FAN_FP_ATTACH_REPLACE));
			break;
		case 3:
			EXPECT_EQ(0, fp_detach(self->dev, self->fan));
			break;
		}
		/* A second group that dies while attached. */
		if (i % 25 == 0) {
			fan2 = fp_fid_group("/tmp", EVMASK);
			ASSERT_LE(0, fan2);
			EXPECT_EQ(0, fp_attach(self->dev, fan2, "fptest", "drop=s"));
			close(fan2);
		}
		fp_read_names(self->fan, &drain);
		drain.n = 0;
	}
	__atomic_store_n(&arg.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	TH_LOG("%ld file operations during 300 attach/replace/detach steps", arg.ops);
	EXPECT_LT(0, arg.ops);
}

TEST_HARNESS_MAIN
