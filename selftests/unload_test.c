// SPDX-License-Identifier: GPL-2.0
/*
 * Module unload selftests: the core module cannot be unloaded while a handler
 * module is loaded or while any fanotify group it hooked is alive (even with
 * nothing attached any more); once the group is gone it unloads cleanly and
 * loads again. Handler modules cannot be unloaded while attached.
 * Handler modules are found as the core's holders in sysfs. Leaves the core
 * module and fp_test_handler loaded.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "fp_util.h"
#include "kselftest_harness.h"

#define CORE	"fanotify_fastpath"
#define TMOD	"fp_test_handler"

static void reload(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, fp_ensure_loaded(CORE));
	ASSERT_EQ(0, fp_ensure_loaded(TMOD));
}

TEST(handler_module_pinned_while_attached)
{
	int dev, fan;

	reload(_metadata);
	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, fan);
	ASSERT_EQ(0, fp_attach(dev, fan, "fptest", NULL));
	EXPECT_EQ(-EWOULDBLOCK, fp_unload(TMOD));
	EXPECT_TRUE(fp_module_loaded(TMOD));
	ASSERT_EQ(0, fp_detach(dev, fan));
	EXPECT_EQ(0, fp_unload_wait(TMOD, 2000));
	close(fan);
	close(dev);
	reload(_metadata);
}

TEST(core_pinned_by_handler_modules)
{
	reload(_metadata);
	EXPECT_EQ(-EWOULDBLOCK, fp_unload(CORE));
	EXPECT_TRUE(fp_module_loaded(CORE));
}

TEST(core_pinned_by_hooked_group_then_unloads)
{
	int dev, fan;

	reload(_metadata);
	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, fan);
	ASSERT_EQ(0, fp_attach(dev, fan, "fptest", NULL));
	ASSERT_EQ(0, fp_detach(dev, fan));
	close(dev);
	/* The group keeps the hook after detach: only its death releases the core. */
	ASSERT_EQ(0, fp_unload_holders(2000));
	EXPECT_EQ(-EWOULDBLOCK, fp_unload(CORE));
	EXPECT_TRUE(fp_module_loaded(CORE));
	close(fan);
	EXPECT_EQ(0, fp_unload_wait(CORE, 5000));
	EXPECT_FALSE(fp_module_loaded(CORE));
	EXPECT_NE(0, access(FP_DEV, F_OK));
	EXPECT_NE(0, access(FP_SYSFS, F_OK));
	reload(_metadata);
	EXPECT_EQ(0, access(FP_SYSFS "/handlers/fptest", F_OK));
}

TEST(core_unload_load_cycles)
{
	int i;

	reload(_metadata);
	ASSERT_EQ(0, fp_unload_holders(2000));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, fp_unload_wait(CORE, 5000));
		ASSERT_EQ(0, fp_load(CORE, NULL));
	}
	reload(_metadata);
}

struct race_arg {
	int dev, fan;
	bool stop;	/* __atomic builtins */
	int attached, refused;
};

static void *attach_loop(void *p)
{
	struct race_arg *arg = p;

	while (!__atomic_load_n(&arg->stop, __ATOMIC_RELAXED)) {
		int ret = fp_attach(arg->dev, arg->fan, "fptest_auto", NULL);

		if (!ret) {
			arg->attached++;
			if (fp_detach(arg->dev, arg->fan))
				arg->refused = -1000;	/* must not happen */
		} else if (ret == -ENOENT) {
			arg->refused++;		/* module going away or not loaded */
		} else {
			arg->refused = -1000 + ret;
		}
	}
	return NULL;
}

/*
 * A handler module unloaded and loaded again and again while another thread
 * attaches it by name (with autoload) and detaches it: every attach either
 * works or fails with ENOENT, every unload either works or finds the module
 * busy, and nothing leaks (the runner unloads everything at the end).
 */
TEST(handler_unload_races_attach)
{
	struct race_arg arg = { 0 };
	int i, ret, unloaded = 0, busy = 0;
	pthread_t th;

	reload(_metadata);
	arg.dev = fp_open_dev();
	ASSERT_LE(0, arg.dev);
	arg.fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, arg.fan);
	ASSERT_EQ(0, pthread_create(&th, NULL, attach_loop, &arg));
	for (i = 0; i < 60; i++) {
		ret = fp_unload("fp_test_auto");
		if (!ret)
			unloaded++;
		else if (ret == -EWOULDBLOCK || ret == -ENOENT || ret == -EBUSY)
			busy++;
		else
			EXPECT_EQ(0, ret);
		ret = fp_load("fp_test_auto", NULL);
		EXPECT_TRUE(!ret || ret == -EEXIST || ret == -EBUSY)
			TH_LOG("load: %s", strerror(-ret));
		usleep(2000);
	}
	__atomic_store_n(&arg.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	EXPECT_LE(0, arg.refused);
	EXPECT_LT(0, arg.attached);
	TH_LOG("%d attaches, %d refused; %d unloads, %d busy", arg.attached,
	       arg.refused, unloaded, busy);
	close(arg.fan);
	close(arg.dev);
	EXPECT_EQ(0, fp_unload_wait("fp_test_auto", 5000));
}

TEST_HARNESS_MAIN
