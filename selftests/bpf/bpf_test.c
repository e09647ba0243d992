// SPDX-License-Identifier: GPL-2.0
/*
 * BPF fastpath handlers: the seed's subtree scenario, load/attach/detach,
 * duplicate names, link destroyed while attached to several groups under
 * event load, core module pinned by a BPF handler, verifier rejections.
 *
 * The seed scenario (test seed_subtree) differs from the seed's
 * prog_tests/fan_fp.c only in:
 *  1. the handler is attached through /dev/fanotify_fastpath
 *     (FAN_FP_IOC_ATTACH with the fanotify fd in the arguments) instead of
 *     ioctl(fanotify_fd, FAN_IOC_ADD_FP), which needs a patched kernel;
 *  2. the test root is tagged with FAN_FP_IOC_TAG after attaching instead of
 *     bpf_map_update_elem() on an inode-storage map before: tags belong to
 *     the attachment (see fan_fp.bpf.c for why there is no inode-storage map);
 *  3. kselftest_harness.h assertions instead of test_progs' ASSERT_* macros,
 *     and the read of events loops until the queue is empty;
 *  4. the test fails (instead of leaking the link) if the link cannot be
 *     created, and cleans up /tmp/fanotify_test even on failure.
 * The directory names, the files (aa, subdir/bb, cc), the fanotify flags and
 * the expected results (aa and bb delivered, cc dropped, one tag added) are
 * the seed's.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "fp_util.h"
#include "kselftest_harness.h"

#include "fan_fp.skel.h"
#include "fan_fp_pass.skel.h"
#include "fan_fp_leak.skel.h"
#include "fan_fp_sleepable.skel.h"
#include "fan_fp_ancestor.skel.h"

#define TEST_FS "/tmp/"
#define TEST_DIR "/tmp/fanotify_test/"

static char libbpf_log[65536];
static size_t libbpf_log_len;

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (libbpf_log_len < sizeof(libbpf_log) - 1)
		libbpf_log_len += vsnprintf(libbpf_log + libbpf_log_len,
					    sizeof(libbpf_log) - libbpf_log_len, fmt, ap);
	if (libbpf_log_len > sizeof(libbpf_log) - 1)
		libbpf_log_len = sizeof(libbpf_log) - 1;
	return 0;
}

static void touch_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK, 0666);

	if (fd >= 0)
		close(fd);
	unlink(path);
}

TEST(seed_subtree)
{
	struct fp_names names = { 0 };
	struct bpf_link *link;
	struct fan_fp *skel;
	int test_root_fd, fanotify_fd, dev, err;

	err = mkdir(TEST_DIR, 0777);
	ASSERT_TRUE(!err || errno == EEXIST);
	test_root_fd = open(TEST_DIR, O_RDONLY);
	ASSERT_LE(0, test_root_fd);
	dev = fp_open_dev();
	ASSERT_LE(0, dev);

	skel = fan_fp__open_and_load();
	ASSERT_NE(NULL, skel) TH_LOG("load failed:\n%s", libbpf_log);
	link = bpf_map__attach_struct_ops(skel->maps.bpf_fanotify_fastpath_ops);
	ASSERT_NE(NULL, link) TH_LOG("attach_struct_ops: %s", strerror(errno));

	fanotify_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_NAME | FAN_REPORT_DIR_FID |
				    FAN_NONBLOCK, O_RDONLY);
	ASSERT_LE(0, fanotify_fd);
	ASSERT_EQ(0, fanotify_mark(fanotify_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_CREATE | FAN_OPEN | FAN_ONDIR | FAN_EVENT_ON_CHILD,
				   AT_FDCWD, TEST_FS));
	ASSERT_EQ(0, fp_attach(dev, fanotify_fd, "_tmp_test_sub_tree", NULL));
	/* Tag /tmp/fanotify_test/ */
	ASSERT_EQ(0, fp_tag_fd(dev, fanotify_fd, test_root_fd, 1));

	touch_file(TEST_DIR "aa");
	ASSERT_EQ(0, mkdir(TEST_DIR "subdir", 0777));
	touch_file(TEST_DIR "subdir/bb");
	touch_file(TEST_FS "cc");

	ASSERT_LE(0, fp_read_names(fanotify_fd, &names));
	EXPECT_LE(1, fp_count_name(&names, "aa"));
	EXPECT_LE(1, fp_count_name(&names, "bb"));
	EXPECT_EQ(0, fp_count_name(&names, "cc"));
	EXPECT_EQ(1, skel->bss->added_inode_storage);

	close(fanotify_fd);
	bpf_link__destroy(link);
	fan_fp__destroy(skel);
	close(dev);
	close(test_root_fd);
	rmdir(TEST_DIR "subdir");
	rmdir(TEST_DIR);
}

TEST(load_attach_detach)
{
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };
	struct fan_fp_pass *skel;
	struct bpf_link *link;
	char buf[4096];
	int dev, fan;

	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	skel = fan_fp_pass__open_and_load();
	ASSERT_NE(NULL, skel) TH_LOG("load failed:\n%s", libbpf_log);
	/* Loaded but not attached: not a handler yet. */
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, "bpf_pass"));
	link = bpf_map__attach_struct_ops(skel->maps.pass_ops);
	ASSERT_NE(NULL, link);
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "bpf_pass"));
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/handlers/bpf_pass/type", buf, sizeof(buf)));
	EXPECT_STREQ("bpf\n", buf);
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/handlers/bpf_pass/description", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "BPF selftest"));

	fan = fp_fid_group("/tmp", FAN_CREATE | FAN_DELETE);
	ASSERT_LE(0, fan);
	ASSERT_EQ(0, fp_attach(dev, fan, "bpf_pass", "ignored"));
	EXPECT_EQ(1, skel->bss->inits);
	fp_touch("/tmp", "keep1");
	fp_touch("/tmp", "drop1");
	ASSERT_LE(0, fp_read_names(fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "keep1"));
	EXPECT_EQ(0, fp_count_name(&names, "drop1"));
	ASSERT_EQ(0, fp_query(dev, fan, &info));
	EXPECT_EQ(1, info.is_bpf);
	EXPECT_STREQ("bpf_pass", info.name);
	EXPECT_EQ(1, info.dropped);
	EXPECT_LE(2, skel->bss->calls);

	ASSERT_EQ(0, fp_detach(dev, fan));
	EXPECT_EQ(1, skel->bss->frees);
	names.n = 0;
	fp_touch("/tmp", "drop2");
	ASSERT_LE(0, fp_read_names(fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "drop2"));

	bpf_link__destroy(link);
	ASSERT_LT(0, fp_read_file(FP_SYSFS "/available", buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, "bpf_pass"));
	EXPECT_EQ(-ENOENT, fp_attach(dev, fan, "bpf_pass", NULL));
	unlink("/tmp/keep1");
	unlink("/tmp/drop1");
	unlink("/tmp/drop2");
	fan_fp_pass__destroy(skel);
	close(fan);
	close(dev);
}

TEST(duplicate_name)
{
	struct fan_fp_pass *a, *b;
	struct bpf_link *la, *lb;

	a = fan_fp_pass__open_and_load();
	b = fan_fp_pass__open_and_load();
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	la = bpf_map__attach_struct_ops(a->maps.pass_ops);
	ASSERT_NE(NULL, la);
	errno = 0;
	lb = bpf_map__attach_struct_ops(b->maps.pass_ops);
	EXPECT_EQ(NULL, lb);
	EXPECT_EQ(EEXIST, errno);
	if (lb)
		bpf_link__destroy(lb);
	bpf_link__destroy(la);
	/* The name is free again. */
	lb = bpf_map__attach_struct_ops(b->maps.pass_ops);
	EXPECT_NE(NULL, lb);
	if (lb)
		bpf_link__destroy(lb);
	fan_fp_pass__destroy(a);
	fan_fp_pass__destroy(b);
}

struct load_arg {
	bool stop;	/* read and written with __atomic builtins */
	long ops;
};

static void *event_load(void *p)
{
	struct load_arg *arg = p;
	char path[64];
	int i = 0;

	snprintf(path, sizeof(path), "/tmp/fpload.%lx", (long)pthread_self() & 0xffffff);
	mkdir(path, 0755);
	while (!__atomic_load_n(&arg->stop, __ATOMIC_RELAXED)) {
		const char *name = i++ & 1 ? "drop_x" : "keep_x";
		char file[128];

		fp_touch(path, name);
		snprintf(file, sizeof(file), "%s/%s", path, name);
		unlink(file);
		arg->ops++;
	}
	return NULL;
}

TEST(link_destroyed_while_attached_under_load)
{
	struct load_arg arg = { 0 };
	struct fanotify_fastpath_info info;
	struct fp_names names = { 0 };
	struct fan_fp_pass *skel;
	struct bpf_link *link;
	pthread_t th[2];
	int dev, fan[3], i;

	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	skel = fan_fp_pass__open_and_load();
	ASSERT_NE(NULL, skel);
	link = bpf_map__attach_struct_ops(skel->maps.pass_ops);
	ASSERT_NE(NULL, link);
	for (i = 0; i < 3; i++) {
		fan[i] = fp_fid_group("/tmp", FAN_CREATE | FAN_DELETE);
		ASSERT_LE(0, fan[i]);
		ASSERT_EQ(0, fp_attach(dev, fan[i], "bpf_pass", NULL));
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, event_load, &arg));
	usleep(300000);
	bpf_link__destroy(link);	/* detaches from all three groups */
	EXPECT_EQ(3, skel->bss->frees);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(-ENOENT, fp_query(dev, fan[i], &info));
	/* The groups keep working, now unfiltered. */
	for (i = 0; i < 3; i++)
		fp_read_names(fan[i], &names);
	names.n = 0;
	usleep(200000);
	__atomic_store_n(&arg.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ASSERT_LE(0, fp_read_names(fan[0], &names));
	EXPECT_LT(0, fp_count_name(&names, "drop_x"));
	TH_LOG("%ld file operations, %d events after the link was destroyed",
	       arg.ops, names.n);
	for (i = 0; i < 3; i++)
		close(fan[i]);
	fan_fp_pass__destroy(skel);
	close(dev);
	if (system("rm -rf /tmp/fpload.*"))
		TH_LOG("cleanup failed");
}

struct closer {
	int *fan, n;
};

static void *close_groups_fn(void *p)
{
	struct closer *c = p;
	int i;

	for (i = 0; i < c->n; i++) {
		close(c->fan[i]);
		usleep(rand() % 300);
	}
	return NULL;
}

/*
 * The BPF link is destroyed (the handler unregistered) while another thread
 * closes the groups it is attached to: every attachment ends exactly once,
 * by one path or the other (fp_init and fp_free counted by the program), with
 * its group alive while its fp_free runs.
 */
TEST(link_destroyed_while_groups_close)
{
	struct fan_fp_pass *skel;
	struct bpf_link *link;
	struct closer c;
	int dev, fan[8], round, i;
	pthread_t th;

	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	srand(getpid());
	for (round = 0; round < 20; round++) {
		skel = fan_fp_pass__open_and_load();
		ASSERT_NE(NULL, skel);
		link = bpf_map__attach_struct_ops(skel->maps.pass_ops);
		ASSERT_NE(NULL, link);
		for (i = 0; i < 8; i++) {
			fan[i] = fp_fid_group("/tmp", FAN_CREATE);
			ASSERT_LE(0, fan[i]);
			ASSERT_EQ(0, fp_attach(dev, fan[i], "bpf_pass", NULL));
		}
		c = (struct closer){ .fan = fan, .n = 8 };
		ASSERT_EQ(0, pthread_create(&th, NULL, close_groups_fn, &c));
		usleep(rand() % 1500);
		bpf_link__destroy(link);
		pthread_join(th, NULL);
		/* Group deaths end their attachments from the mark reaper: wait a little. */
		for (i = 0; i < 500 && skel->bss->frees != 8; i++)
			usleep(10000);
		EXPECT_EQ(8, skel->bss->inits);
		EXPECT_EQ(8, skel->bss->frees) TH_LOG("round %d", round);
		fan_fp_pass__destroy(skel);
	}
	close(dev);
}

TEST(core_module_pinned_by_bpf_handler)
{
	struct fan_fp_pass *skel;
	struct bpf_link *link;

	/* Only the BPF handler may hold the core: drop the C handler modules. */
	ASSERT_EQ(0, fp_unload_holders(5000));
	skel = fan_fp_pass__open_and_load();
	ASSERT_NE(NULL, skel);
	link = bpf_map__attach_struct_ops(skel->maps.pass_ops);
	ASSERT_NE(NULL, link);
	EXPECT_EQ(-EWOULDBLOCK, fp_unload("fanotify_fastpath"));
	EXPECT_TRUE(fp_module_loaded("fanotify_fastpath"));
	bpf_link__destroy(link);
	fan_fp_pass__destroy(skel);
	/* The map is freed asynchronously; then the core can go. */
	EXPECT_EQ(0, fp_unload_wait("fanotify_fastpath", 5000));
	ASSERT_EQ(0, fp_ensure_loaded("fanotify_fastpath"));
	ASSERT_EQ(0, fp_ensure_loaded("fp_test_handler"));
}

TEST(verifier_rejects_leaked_inode_reference)
{
	struct fan_fp_leak *skel;

	libbpf_log_len = 0;
	libbpf_log[0] = 0;
	skel = fan_fp_leak__open_and_load();
	EXPECT_EQ(NULL, skel);
	if (skel)
		fan_fp_leak__destroy(skel);
	EXPECT_NE(NULL, strstr(libbpf_log, "Unreleased reference"))
		TH_LOG("verifier log:\n%s", libbpf_log);
}

TEST(sleepable_program_rejected)
{
	struct fan_fp_sleepable *skel;

	libbpf_log_len = 0;
	skel = fan_fp_sleepable__open_and_load();
	EXPECT_EQ(NULL, skel);
	if (skel)
		fan_fp_sleepable__destroy(skel);
}

/* The same ancestry walk from BPF: depth limit and renames out of the tree. */
TEST(ancestry_kfunc)
{
	struct fp_names names = { 0 };
	struct fan_fp_ancestor *skel;
	struct bpf_link *link;
	char dir[] = "/tmp/fpanc.XXXXXX", root[64], from[128], to[128];
	int dev, fan;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/root", dir);
	ASSERT_EQ(0, fp_mkdirs(dir, "root/a/b"));
	ASSERT_EQ(0, fp_mkdirs(dir, "out"));
	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	skel = fan_fp_ancestor__open();
	ASSERT_NE(NULL, skel);
	skel->data->max_depth = 1;
	ASSERT_EQ(0, fan_fp_ancestor__load(skel)) TH_LOG("load:\n%s", libbpf_log);
	link = bpf_map__attach_struct_ops(skel->maps.ancestor_ops);
	ASSERT_NE(NULL, link);
	fan = fp_fid_group("/tmp", FAN_CREATE | FAN_DELETE | FAN_ONDIR);
	ASSERT_LE(0, fan);
	ASSERT_EQ(0, fp_attach(dev, fan, "bpf_ancestor", NULL));
	ASSERT_EQ(0, fp_tag_path(dev, fan, root, 1));

	fp_touch(root, "a/d1");		/* depth 1: delivered */
	fp_touch(root, "a/b/d2");	/* depth 2 > max_depth: dropped */
	fp_touch(dir, "out/o");		/* outside: dropped */
	ASSERT_LE(0, fp_read_names(fan, &names));
	EXPECT_EQ(1, fp_count_name(&names, "d1"));
	EXPECT_EQ(0, fp_count_name(&names, "d2"));
	EXPECT_EQ(0, fp_count_name(&names, "o"));
	EXPECT_EQ(1, skel->data->last_depth);

	snprintf(from, sizeof(from), "%s/a", root);
	snprintf(to, sizeof(to), "%s/out/a", dir);
	ASSERT_EQ(0, rename(from, to));
	names.n = 0;
	fp_touch(dir, "out/a/gone");
	ASSERT_LE(0, fp_read_names(fan, &names));
	EXPECT_EQ(0, fp_count_name(&names, "gone"));

	close(fan);
	bpf_link__destroy(link);
	fan_fp_ancestor__destroy(skel);
	close(dev);
	snprintf(from, sizeof(from), "rm -rf %s", dir);
	if (system(from))
		TH_LOG("cleanup failed");
}

static void __attribute__((constructor)) setup_libbpf_log(void)
{
	libbpf_set_print(capture_print);
}

TEST_HARNESS_MAIN
