// SPDX-License-Identifier: GPL-2.0
/*
 * The C handler modules of handlers/ as a user meets them: attach by name
 * autoloads the module through its alias, the module cannot go away while
 * attached, sysfs describes it, and fp_init refuses bad argument strings
 * with precise errnos and leaves nothing attached. (What the handlers do
 * with events is tested, against their BPF twins, in bpf/compare_test.c.)
 */
#define _GNU_SOURCE
#include "fp_util.h"
#include "kselftest_harness.h"

#define DIR_PATH	"/tmp/fph.dir"
#define FILE_PATH	"/tmp/fph.file"

FIXTURE(handlers) {
	int dev;
	int fan;
};

FIXTURE_SETUP(handlers)
{
	self->dev = fp_open_dev();
	ASSERT_LE(0, self->dev);
	self->fan = fp_fid_group("/tmp", FAN_CREATE | FAN_ONDIR);
	ASSERT_LE(0, self->fan);
	ASSERT_EQ(0, mkdir(DIR_PATH, 0755));
	fp_touch("/tmp", "fph.file");
}

FIXTURE_TEARDOWN(handlers)
{
	close(self->fan);
	close(self->dev);
	unlink(FILE_PATH);
	rmdir(DIR_PATH);
}

/* Attach @args; on success check the attachment and detach again. */
static int try_args(struct __test_metadata *_metadata, int dev, int fan,
		    const char *handler, const char *args)
{
	struct fanotify_fastpath_info info;
	int ret = fp_attach(dev, fan, handler, args);

	if (ret) {
		/* A refused attach leaves nothing behind. */
		EXPECT_EQ(-ENOENT, fp_query(dev, fan, &info)) TH_LOG("args \"%s\"", args);
		return ret;
	}
	EXPECT_EQ(0, fp_query(dev, fan, &info));
	EXPECT_STREQ(handler, info.name);
	EXPECT_EQ(0, fp_detach(dev, fan));
	return 0;
}

static void expect_args(struct __test_metadata *_metadata, const int *fds,
			int want, const char *handler, const char *args)
{
	EXPECT_EQ(want, try_args(_metadata, fds[0], fds[1], handler, args))
		TH_LOG("%s: args \"%s\"", handler, args ? args : "(none)");
}

TEST_F(handlers, subtree_args)
{
	const int fds[2] = { self->dev, self->fan };

	expect_args(_metadata, fds, 0, "subtree", NULL);
	expect_args(_metadata, fds, 0, "subtree", "");
	expect_args(_metadata, fds, 0, "subtree", "root=" DIR_PATH);
	expect_args(_metadata, fds, 0, "subtree", "root=/tmp");
	expect_args(_metadata, fds, -EINVAL, "subtree", "root");
	expect_args(_metadata, fds, -EINVAL, "subtree", "root=");
	expect_args(_metadata, fds, -EINVAL, "subtree", "ROOT=/tmp");
	expect_args(_metadata, fds, -EINVAL, "subtree", "dir=/tmp");
	expect_args(_metadata, fds, -EINVAL, "subtree", "root=/tmp extra");
	expect_args(_metadata, fds, -EINVAL, "subtree", " root=/tmp");
	expect_args(_metadata, fds, -ENOENT, "subtree", "root=/tmp/fph.missing");
	expect_args(_metadata, fds, -ENOENT, "subtree", "root=/tmp/fph.missing/below");
	expect_args(_metadata, fds, -ENOTDIR, "subtree", "root=" FILE_PATH);
	expect_args(_metadata, fds, -ENOTDIR, "subtree", "root=" FILE_PATH "/below");
}

/* 16 suffixes (the most), 31 bytes (the longest) */
#define SIXTEEN	"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"
#define LONGEST	"0123456789012345678901234567890"

TEST_F(handlers, name_filter_args)
{
	const int fds[2] = { self->dev, self->fan };

	expect_args(_metadata, fds, 0, "name_filter", "ext=.c");
	expect_args(_metadata, fds, 0, "name_filter", "ext=.c,.h,Makefile");
	expect_args(_metadata, fds, 0, "name_filter", "ext=" LONGEST);
	expect_args(_metadata, fds, 0, "name_filter", "ext=" SIXTEEN);
	expect_args(_metadata, fds, -EINVAL, "name_filter", NULL);
	expect_args(_metadata, fds, -EINVAL, "name_filter", "");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "ext");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "ext=");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "ext=.c,");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "ext=,.c");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "ext=.c,,.h");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "exts=.c");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "root=/tmp");
	expect_args(_metadata, fds, -EINVAL, "name_filter", "ext=src/.c");
	expect_args(_metadata, fds, -ENAMETOOLONG, "name_filter", "ext=.c," LONGEST "1");
	expect_args(_metadata, fds, -E2BIG, "name_filter", "ext=" SIXTEEN ",17");
}

TEST_F(handlers, uid_filter_args)
{
	const int fds[2] = { self->dev, self->fan };

	expect_args(_metadata, fds, 0, "uid_filter", "uid=0");
	expect_args(_metadata, fds, 0, "uid_filter", "uid=1000,1001");
	expect_args(_metadata, fds, 0, "uid_filter", "not_uid=0");
	expect_args(_metadata, fds, 0, "uid_filter", "uid=4294967294");
	expect_args(_metadata, fds, 0, "uid_filter", "uid=" SIXTEEN);
	expect_args(_metadata, fds, -EINVAL, "uid_filter", NULL);
	expect_args(_metadata, fds, -EINVAL, "uid_filter", "uid");
	expect_args(_metadata, fds, -EINVAL, "uid_filter", "uid=");
	expect_args(_metadata, fds, -EINVAL, "uid_filter", "uid=1,");
	expect_args(_metadata, fds, -EINVAL, "uid_filter", "uid=1,,2");
	expect_args(_metadata, fds, -EINVAL, "uid_filter", "uid=-1");
	expect_args(_metadata, fds, -EINVAL, "uid_filter", "uid=1a");
	expect_args(_metadata, fds, -EINVAL, "uid_filter", "gid=1");
	expect_args(_metadata, fds, -ERANGE, "uid_filter", "uid=4294967295");
	expect_args(_metadata, fds, -ERANGE, "uid_filter", "not_uid=99999999999");
	expect_args(_metadata, fds, -E2BIG, "uid_filter", "uid=" SIXTEEN ",17");
}

/* Attaching by name loads the module through MODULE_ALIAS_FANOTIFY_FASTPATH. */
static void autoload(struct __test_metadata *_metadata, int dev, int fan,
		     const char *mod, const char *handler, const char *args)
{
	char path[256], buf[256];

	if (fp_module_loaded(mod))
		ASSERT_EQ(0, fp_unload_wait(mod, 5000)) TH_LOG("cannot unload %s", mod);
	ASSERT_FALSE(fp_module_loaded(mod));
	ASSERT_EQ(0, fp_attach(dev, fan, handler, args));
	EXPECT_TRUE(fp_module_loaded(mod));

	snprintf(path, sizeof(path), FP_SYSFS "/handlers/%s/module", handler);
	ASSERT_LT(0, fp_read_file(path, buf, sizeof(buf)));
	buf[strcspn(buf, "\n")] = 0;
	EXPECT_STREQ(mod, buf);
	snprintf(path, sizeof(path), FP_SYSFS "/handlers/%s/type", handler);
	ASSERT_LT(0, fp_read_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("c\n", buf);

	/* Attached: the module is pinned. */
	EXPECT_EQ(-EWOULDBLOCK, fp_unload(mod));
	ASSERT_EQ(0, fp_detach(dev, fan));
	EXPECT_EQ(0, fp_unload_wait(mod, 5000));
	EXPECT_FALSE(fp_module_loaded(mod));
}

TEST_F(handlers, subtree_autoloads_by_alias)
{
	autoload(_metadata, self->dev, self->fan, "fp_subtree", "subtree", "root=" DIR_PATH);
}

TEST_F(handlers, name_filter_autoloads_by_alias)
{
	autoload(_metadata, self->dev, self->fan, "fp_name_filter", "name_filter", "ext=.c");
}

TEST_F(handlers, uid_filter_autoloads_by_alias)
{
	autoload(_metadata, self->dev, self->fan, "fp_uid_filter", "uid_filter", "not_uid=0");
}

/* A failed fp_init must not leave the module pinned. */
TEST_F(handlers, failed_init_does_not_pin)
{
	ASSERT_EQ(0, fp_ensure_loaded("fp_subtree"));
	EXPECT_EQ(-ENOENT, fp_attach(self->dev, self->fan, "subtree", "root=/tmp/fph.missing"));
	EXPECT_EQ(0, fp_unload_wait("fp_subtree", 5000));
}

TEST_HARNESS_MAIN
