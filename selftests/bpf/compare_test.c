// SPDX-License-Identifier: GPL-2.0
/*
 * The C handler modules against their BPF twins: one scenario list, run
 * against every implementation of a handler (kselftest FIXTURE_VARIANTs
 * "c" and "bpf"), asserting the exact ordered sequence of events the
 * fanotify group delivers.
 *
 * Each scenario performs file operations on /tmp (tmpfs, watched by a
 * filesystem-wide group reporting directory fid + name) and reads the queue
 * after every operation, so every line of the recorded sequence belongs to
 * one operation and fanotify's merging of queued events cannot blur the
 * order. A line is "MASK PATH" (or "RENAME OLD -> NEW"), where PATH is the
 * event's directory, resolved from its file handle, plus the entry name;
 * paths under BASE are written relative to it. The test compares the
 * sequence to the one written here, then saves it under RESULTS; the last
 * test checks that every scenario delivered byte-identical sequences for the
 * C and the BPF implementation.
 *
 *   subtree      handlers/fp_subtree.c ("subtree", args root=PATH) and
 *                subtree.bpf.c ("subtree_bpf", roots added with FAN_FP_IOC_ROOT)
 *   name_filter  handlers/fp_name_filter.c ("name_filter", args ext=LIST) and
 *                name_filter.bpf.c ("name_filter_bpf", LIST in its nf_config map)
 *   uid_filter   handlers/fp_uid_filter.c ("uid_filter", args uid=LIST or
 *                not_uid=LIST) and uid_filter.bpf.c ("uid_filter_bpf", LIST in its
 *                uf_config map)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "fp_util.h"
#include "kselftest_harness.h"

#include "name_filter_config.h"
#include "uid_filter_config.h"
#include "subtree.skel.h"
#include "name_filter.skel.h"
#include "uid_filter.skel.h"

#define BASE		"/tmp/fpc"
#define ROOT		BASE "/root"
#define OUT		BASE "/out"
#define RESULTS		"/run/fp-compare"	/* not on the watched filesystem */
#define SEED_DIR	"/tmp/fanotify_test"

/* Everything a subtree or name filter user may want to see. */
#define ALL_EVENTS	(FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | \
			 FAN_RENAME | FAN_ATTRIB | FAN_MODIFY | FAN_CLOSE_WRITE | \
			 FAN_DELETE_SELF | FAN_MOVE_SELF | FAN_ONDIR)
#define NF_ARGS		"ext=.c,.h,Makefile"

/* ---- recording ------------------------------------------------------------------------- */

struct seq {
	int n, cap;
	char **line;
};

static void seq_add(struct seq *s, const char *line)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->line = realloc(s->line, s->cap * sizeof(*s->line));
		if (!s->line)
			abort();
	}
	s->line[s->n++] = strdup(line);
}

static void seq_addf(struct seq *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	seq_add(s, buf);
}

static void seq_free(struct seq *s)
{
	while (s->n)
		free(s->line[--s->n]);
	free(s->line);
	s->line = NULL;
	s->cap = 0;
}

static void mask_str(__u64 mask, char *buf, size_t size)
{
	static const struct { __u64 bit; const char *name; } bits[] = {
		{ FAN_ACCESS, "ACCESS" }, { FAN_MODIFY, "MODIFY" }, { FAN_ATTRIB, "ATTRIB" },
		{ FAN_CLOSE_WRITE, "CLOSE_WRITE" }, { FAN_CLOSE_NOWRITE, "CLOSE_NOWRITE" },
		{ FAN_OPEN, "OPEN" }, { FAN_MOVED_FROM, "MOVED_FROM" },
		{ FAN_MOVED_TO, "MOVED_TO" }, { FAN_CREATE, "CREATE" },
		{ FAN_DELETE, "DELETE" }, { FAN_DELETE_SELF, "DELETE_SELF" },
		{ FAN_MOVE_SELF, "MOVE_SELF" }, { FAN_OPEN_EXEC, "OPEN_EXEC" },
		{ FAN_RENAME, "RENAME" }, { FAN_Q_OVERFLOW, "Q_OVERFLOW" },
		{ FAN_ONDIR, "ONDIR" },
	};
	size_t i, len = 0;

	buf[0] = 0;
	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(mask & bits[i].bit))
			continue;
		len += snprintf(buf + len, size - len, "%s%s", len ? "|" : "", bits[i].name);
		mask &= ~bits[i].bit;
	}
	if (mask)
		snprintf(buf + len, size - len, "%s0x%llx", len ? "|" : "",
			 (unsigned long long)mask);
}

/* "DIR/NAME" of one fid record, DIR resolved through its handle, relative to BASE. */
static void fid_path(int mnt, const struct fanotify_event_info_fid *fid, char *buf, size_t size)
{
	struct file_handle *fh = (void *)fid->handle;
	const char *name = (const char *)(fh + 1) + fh->handle_bytes;
	char dir[PATH_MAX] = "?", link[64];
	const char *d = dir;
	ssize_t len;
	int fd;

	fd = open_by_handle_at(mnt, fh, O_PATH);
	if (fd >= 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		len = readlink(link, dir, sizeof(dir) - 1);
		dir[len > 0 ? len : 0] = 0;
		close(fd);
	}
	if (!strncmp(dir, BASE "/", strlen(BASE) + 1))
		d = dir + strlen(BASE) + 1;
	else if (!strcmp(dir, BASE))
		d = "";
	if (fid->hdr.info_type == FAN_EVENT_INFO_TYPE_FID ||
	    fid->hdr.info_type == FAN_EVENT_INFO_TYPE_DFID || !*name)
		snprintf(buf, size, "%s", *d ? d : ".");
	else
		snprintf(buf, size, "%s%s%s", d, *d ? "/" : "", name);
}

/* Append every queued event of @fan to @s; returns the number read or -errno. */
static int record(int fan, int mnt, struct seq *s)
{
	union {
		struct fanotify_event_metadata md;
		char b[8192];
	} buf;
	int total = 0;

	for (;;) {
		struct fanotify_event_metadata *ev = &buf.md;
		ssize_t len = read(fan, buf.b, sizeof(buf.b));

		if (len < 0)
			return errno == EAGAIN ? total : -errno;
		for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
			char line[1024], path[2][PATH_MAX + 8];
			const struct fanotify_event_info_fid *fid;
			unsigned int off = sizeof(*ev);
			int np = 0;

			total++;
			path[0][0] = 0;
			path[1][0] = 0;
			while (np < 2 && (fid = fp_next_fid(ev, &off)))
				fid_path(mnt, fid, path[np++], sizeof(path[0]));
			if (ev->fd >= 0)
				close(ev->fd);
			mask_str(ev->mask, line, sizeof(line));
			if (np == 2)
				seq_addf(s, "%s %s -> %s", line, path[0], path[1]);
			else
				seq_addf(s, "%s %s", line, path[0]);
		}
	}
}

static void mkdir_p(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s", path);
	if (system(cmd))
		fprintf(stderr, "%s failed\n", cmd);
}

static void rm_rf(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
	if (system(cmd))
		fprintf(stderr, "%s failed\n", cmd);
}

/* open(O_CREAT) + write @data (if any) + close. */
static int put(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (data && write(fd, data, strlen(data)) != (ssize_t)strlen(data)) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

/*
 * What every scenario shares: the group, the handler under test, the
 * sequence recorded so far. OP() runs one file operation (which must
 * succeed) and records the events it caused.
 */
struct cmp {
	int dev, fan, mnt;
	struct subtree *st;
	struct name_filter *nf;
	struct uid_filter *uf;
	struct bpf_link *link;
	struct seq got;
};

#define OP(expr) do { \
		ASSERT_EQ(0, (expr)) TH_LOG("%s: %s", #expr, strerror(errno)); \
		ASSERT_LE(0, record(self->c.fan, self->c.mnt, &self->c.got)); \
	} while (0)

static int cmp_group(struct cmp *c, unsigned int init_flags, __u64 mask)
{
	c->fan = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK | FAN_CLOEXEC | init_flags,
			       O_RDONLY);
	if (c->fan < 0)
		return -errno;
	if (fanotify_mark(c->fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, "/tmp"))
		return -errno;
	c->mnt = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return c->mnt < 0 ? -errno : 0;
}

/* Add each directory of the comma-separated @list as a root (FAN_FP_IOC_ROOT). */
static int add_roots(int dev, int fan, const char *list, __u32 flags)
{
	char buf[1024], *p, *save = NULL;
	int ret = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, ",", &save); p && !ret; p = strtok_r(NULL, ",", &save))
		ret = fp_root_path(dev, fan, p, flags);
	return ret;
}

static void cmp_teardown(struct cmp *c)
{
	if (c->fan > 0)
		close(c->fan);
	if (c->mnt > 0)
		close(c->mnt);
	if (c->link)
		bpf_link__destroy(c->link);
	if (c->st)
		subtree__destroy(c->st);
	if (c->nf)
		name_filter__destroy(c->nf);
	if (c->uf)
		uid_filter__destroy(c->uf);
	if (c->dev > 0)
		close(c->dev);
	seq_free(&c->got);
	rm_rf(BASE);
	rm_rf(SEED_DIR);
}

/*
 * Compare the recorded sequence with the expected one, print both on a
 * mismatch, and save it as RESULTS/<fixture>.<test>.<impl> for the
 * cross-implementation check.
 */
static void check_seq(struct __test_metadata *_metadata, const char *fixture,
		      const char *impl, const struct seq *got, const struct seq *want)
{
	char path[256];
	bool same = got->n == want->n;
	FILE *f;
	int i;

	for (i = 0; same && i < got->n; i++)
		same = !strcmp(got->line[i], want->line[i]);
	if (!same) {
		for (i = 0; i < got->n || i < want->n; i++) {
			const char *g = i < got->n ? got->line[i] : "(none)";
			const char *w = i < want->n ? want->line[i] : "(none)";

			TH_LOG("%s %3d got  %s", strcmp(g, w) ? "!!" : "  ", i, g);
			if (strcmp(g, w))
				TH_LOG("   %3d want %s", i, w);
		}
	}
	mkdir(RESULTS, 0755);
	snprintf(path, sizeof(path), RESULTS "/%s.%s.%s", fixture, _metadata->name, impl);
	f = fopen(path, "w");
	if (f) {
		for (i = 0; i < got->n; i++)
			fprintf(f, "%s\n", got->line[i]);
		fclose(f);
	}
	EXPECT_TRUE(same) TH_LOG("%s/%s: delivered sequence differs from the expected one",
				 impl, _metadata->name);
}

static void want_lines(struct seq *want, const char *const *lines)
{
	while (*lines)
		seq_add(want, *lines++);
}

#define EXPECT_SEQ(...) do { \
		static const char *const __lines[] = { __VA_ARGS__, NULL }; \
		struct seq __want = { 0 }; \
		want_lines(&__want, __lines); \
		check_seq(_metadata, FIXTURE_NAME, variant->impl, &self->c.got, &__want); \
		seq_free(&__want); \
	} while (0)

static char libbpf_log[65536];
static size_t libbpf_log_len;

/* Keeps the newest libbpf output: a verifier's verdict is at the end of its log. */
static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char line[1 << 18];	/* a whole verifier log comes in one call */
	const char *l = line;
	size_t len;

	(void)level;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	if (len >= sizeof(libbpf_log) / 2) {
		l += len - sizeof(libbpf_log) / 2 + 1;
		len = strlen(l);
	}
	if (libbpf_log_len + len >= sizeof(libbpf_log)) {
		size_t keep = sizeof(libbpf_log) / 2;

		if (keep > libbpf_log_len)
			keep = libbpf_log_len;
		memmove(libbpf_log, libbpf_log + libbpf_log_len - keep, keep);
		libbpf_log_len = keep;
	}
	memcpy(libbpf_log + libbpf_log_len, l, len + 1);
	libbpf_log_len += len;
	return 0;
}

/* ---- subtree ----------------------------------------------------------------------------- */

#define FIXTURE_NAME "subtree"

FIXTURE(subtree) {
	struct cmp c;
};

FIXTURE_VARIANT(subtree) {
	const char *impl;
	bool bpf;
};

FIXTURE_VARIANT_ADD(subtree, c) {
	.impl = "c",
	.bpf = false,
};

FIXTURE_VARIANT_ADD(subtree, bpf) {
	.impl = "bpf",
	.bpf = true,
};

FIXTURE_SETUP(subtree)
{
	memset(&self->c, 0, sizeof(self->c));
	rm_rf(BASE);
	rm_rf(SEED_DIR);
	self->c.dev = fp_open_dev();
	ASSERT_LE(0, self->c.dev);
	if (variant->bpf) {
		self->c.st = subtree__open_and_load();
		ASSERT_NE(NULL, self->c.st) TH_LOG("load failed:\n%s", libbpf_log);
		self->c.link = bpf_map__attach_struct_ops(self->c.st->maps.subtree_bpf_ops);
		ASSERT_NE(NULL, self->c.link) TH_LOG("attach_struct_ops: %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(subtree)
{
	cmp_teardown(&self->c);
}

/*
 * Watch /tmp with @mask and attach the variant's handler with the include
 * roots @roots and the exclude roots @excludes (comma-separated, may be
 * NULL): the C handler gets "root=@roots exclude=@excludes", the BPF one its
 * roots from userspace (FAN_FP_IOC_ROOT).
 */
static int subtree_start_ex(struct cmp *c, bool bpf, unsigned int init_flags,
			    __u64 mask, const char *roots, const char *excludes)
{
	char args[1024];
	int ret;

	ret = cmp_group(c, init_flags, mask);
	if (ret)
		return ret;
	if (!bpf) {
		snprintf(args, sizeof(args), "root=%s%s%s", roots,
			 excludes ? " exclude=" : "", excludes ?: "");
		return fp_attach(c->dev, c->fan, "subtree", args);
	}
	ret = fp_attach(c->dev, c->fan, "subtree_bpf", NULL);
	if (!ret)
		ret = add_roots(c->dev, c->fan, roots, 0);
	if (!ret && excludes)
		ret = add_roots(c->dev, c->fan, excludes, FAN_FP_ROOT_EXCLUDE);
	return ret;
}

static int subtree_start(struct cmp *c, bool bpf, unsigned int init_flags,
			 __u64 mask, const char *root)
{
	return subtree_start_ex(c, bpf, init_flags, mask, root, NULL);
}

/* Discard what setting up caused (e.g. opening /tmp before the handler was attached). */
static int drain(struct cmp *c)
{
	struct seq junk = { 0 };
	int ret = record(c->fan, c->mnt, &junk);

	seq_free(&junk);
	return ret < 0 ? ret : 0;
}

/* The usual layout: BASE/root is the subtree, BASE/out is outside it. */
#define START_SUBTREE() do { \
		mkdir_p(ROOT); \
		mkdir_p(OUT); \
		ASSERT_EQ(0, subtree_start(&self->c, variant->bpf, FAN_REPORT_DFID_NAME, \
					   ALL_EVENTS, ROOT)); \
		ASSERT_EQ(0, drain(&self->c)); \
	} while (0)

/* The seed's scenario, with the seed's directory, group flags and mask. */
TEST_F(subtree, seed)
{
	mkdir_p(SEED_DIR);
	ASSERT_EQ(0, subtree_start(&self->c, variant->bpf,
				   FAN_REPORT_NAME | FAN_REPORT_DIR_FID,
				   FAN_CREATE | FAN_OPEN | FAN_ONDIR | FAN_EVENT_ON_CHILD,
				   SEED_DIR));
	ASSERT_EQ(0, drain(&self->c));
	OP(put(SEED_DIR "/aa", NULL));
	OP(unlink(SEED_DIR "/aa"));
	OP(mkdir(SEED_DIR "/subdir", 0777));
	OP(put(SEED_DIR "/subdir/bb", NULL));
	OP(unlink(SEED_DIR "/subdir/bb"));
	OP(put("/tmp/cc", NULL));
	OP(unlink("/tmp/cc"));
	EXPECT_SEQ("OPEN|CREATE /tmp/fanotify_test/aa",
		   "CREATE|ONDIR /tmp/fanotify_test/subdir",
		   "OPEN|CREATE /tmp/fanotify_test/subdir/bb");
}

/* mkdir 20 levels deep, a file at every level: every level's events arrive. */
TEST_F(subtree, nested_mkdir_20_levels)
{
	struct seq want = { 0 };
	char path[512] = ROOT, rel[512] = "root", file[600];
	int i;

	START_SUBTREE();
	for (i = 1; i <= 20; i++) {
		size_t pl = strlen(path), rl = strlen(rel);

		snprintf(path + pl, sizeof(path) - pl, "/d%d", i);
		snprintf(rel + rl, sizeof(rel) - rl, "/d%d", i);
		OP(mkdir(path, 0755));
		seq_addf(&want, "CREATE|ONDIR %s", rel);
		snprintf(file, sizeof(file), "%s/f", path);
		OP(put(file, "x"));
		seq_addf(&want, "MODIFY|CLOSE_WRITE|CREATE %s/f", rel);
	}
	OP(chmod(file, 0600));
	seq_addf(&want, "ATTRIB %s/f", rel);
	for (i = 20; i >= 1; i--) {
		snprintf(file, sizeof(file), "%s/f", path);
		OP(unlink(file));
		seq_addf(&want, "DELETE %s/f", rel);
		OP(rmdir(path));
		/* The directory's DELETE_SELF has no directory: dropped. */
		*strrchr(path, '/') = 0;
		*strrchr(rel, '/') = 0;
		seq_addf(&want, "DELETE|ONDIR %s/d%d", rel, i);
	}
	check_seq(_metadata, FIXTURE_NAME, variant->impl, &self->c.got, &want);
	seq_free(&want);
}

/* Many files in and out of the subtree, interleaved: only the inside ones arrive. */
TEST_F(subtree, many_files_in_and_out)
{
	struct seq want = { 0 };
	char in[256], out[256];
	int i;

	START_SUBTREE();
	mkdir_p(OUT "/deep/er");
	for (i = 0; i < 150; i++) {
		snprintf(in, sizeof(in), ROOT "/in%d", i);
		snprintf(out, sizeof(out), "%s/out%d", i % 2 ? OUT : OUT "/deep/er", i);
		OP(put(in, "data"));
		OP(put(out, "data"));
		seq_addf(&want, "MODIFY|CLOSE_WRITE|CREATE root/in%d", i);
	}
	for (i = 0; i < 150; i++) {
		snprintf(in, sizeof(in), ROOT "/in%d", i);
		snprintf(out, sizeof(out), "%s/out%d", i % 2 ? OUT : OUT "/deep/er", i);
		OP(unlink(out));
		OP(unlink(in));
		seq_addf(&want, "DELETE root/in%d", i);
	}
	check_seq(_metadata, FIXTURE_NAME, variant->impl, &self->c.got, &want);
	seq_free(&want);
}

/*
 * Renames. Within the tree everything arrives. A file moved in: FAN_RENAME
 * (its new directory is inside) and MOVED_TO, not MOVED_FROM. A file moved
 * out: FAN_RENAME and MOVED_FROM, not MOVED_TO. MOVE_SELF has no directory:
 * dropped. A directory renamed within the tree stays inside.
 */
TEST_F(subtree, renames)
{
	START_SUBTREE();
	OP(put(ROOT "/a", NULL));
	OP(rename(ROOT "/a", ROOT "/b"));
	OP(put(OUT "/x", NULL));
	OP(rename(OUT "/x", ROOT "/x"));
	OP(rename(ROOT "/b", OUT "/b"));
	OP(put(ROOT "/t1", NULL));
	OP(put(ROOT "/t2", NULL));
	OP(rename(ROOT "/t1", ROOT "/t2"));
	OP(mkdir(ROOT "/d", 0755));
	OP(rename(ROOT "/d", ROOT "/e"));
	OP(put(ROOT "/e/f", NULL));
	OP(put(OUT "/y", NULL));
	OP(rename(OUT "/y", OUT "/z"));
	EXPECT_SEQ("CLOSE_WRITE|CREATE root/a",
		   "RENAME root/a -> root/b",
		   "MOVED_FROM root/a",
		   "MOVED_TO root/b",
		   "RENAME out/x -> root/x",
		   "MOVED_TO root/x",
		   "RENAME root/b -> out/b",
		   "MOVED_FROM root/b",
		   "CLOSE_WRITE|CREATE root/t1",
		   "CLOSE_WRITE|CREATE root/t2",
		   "RENAME root/t1 -> root/t2",
		   "MOVED_FROM root/t1",
		   "MOVED_TO root/t2",
		   "CREATE|ONDIR root/d",
		   "RENAME|ONDIR root/d -> root/e",
		   "MOVED_FROM|ONDIR root/d",
		   "MOVED_TO|ONDIR root/e",
		   "CLOSE_WRITE|CREATE root/e/f");
}

/* Deletes: files and directories inside arrive, outside ones do not. */
TEST_F(subtree, deletes)
{
	START_SUBTREE();
	OP(put(ROOT "/f", "1"));
	OP(put(OUT "/g", "1"));
	OP(unlink(ROOT "/f"));
	OP(unlink(OUT "/g"));
	OP(mkdir(ROOT "/sd", 0755));
	OP(mkdir(OUT "/sd", 0755));
	OP(rmdir(ROOT "/sd"));
	OP(rmdir(OUT "/sd"));
	OP(mkdir(ROOT "/t", 0755));
	OP(mkdir(ROOT "/t/u", 0755));
	OP(put(ROOT "/t/u/v", NULL));
	OP(unlink(ROOT "/t/u/v"));
	OP(rmdir(ROOT "/t/u"));
	OP(rmdir(ROOT "/t"));
	EXPECT_SEQ("MODIFY|CLOSE_WRITE|CREATE root/f",
		   "DELETE root/f",
		   "CREATE|ONDIR root/sd",
		   "DELETE|ONDIR root/sd",
		   "CREATE|ONDIR root/t",
		   "CREATE|ONDIR root/t/u",
		   "CLOSE_WRITE|CREATE root/t/u/v",
		   "DELETE root/t/u/v",
		   "DELETE|ONDIR root/t/u",
		   "DELETE|ONDIR root/t");
}

/*
 * Hard links: an event is judged by the directory of the name it came
 * through, not by the inode. A link in the tree to an outside file arrives
 * when used through the tree; the outside name of the same inode does not.
 */
TEST_F(subtree, hard_links)
{
	START_SUBTREE();
	OP(put(OUT "/x", NULL));
	OP(link(OUT "/x", ROOT "/xl"));
	OP(put(ROOT "/xl", "w"));
	OP(put(OUT "/x", "w"));
	OP(chmod(OUT "/x", 0600));
	OP(chmod(ROOT "/xl", 0644));
	OP(put(ROOT "/y", NULL));
	OP(link(ROOT "/y", OUT "/yl"));
	OP(put(OUT "/yl", "w"));
	OP(put(ROOT "/y", "w"));
	OP(unlink(OUT "/yl"));
	OP(unlink(ROOT "/xl"));
	EXPECT_SEQ("CREATE root/xl",
		   "MODIFY|CLOSE_WRITE root/xl",
		   "ATTRIB root/xl",
		   "CLOSE_WRITE|CREATE root/y",
		   "MODIFY|CLOSE_WRITE root/y",
		   "DELETE root/xl");
}

/*
 * The root itself: a chmod is reported in the root itself (fid + "."), which
 * is inside; its rmdir is reported in its parent, which is outside. A root is
 * a directory, not a path: once deleted it is no root any more, and a new
 * directory created under the same path is outside.
 */
TEST_F(subtree, root_itself)
{
	START_SUBTREE();
	OP(chmod(ROOT, 0700));
	OP(put(ROOT "/f", NULL));
	OP(chmod(ROOT "/f", 0600));
	OP(unlink(ROOT "/f"));
	OP(rmdir(ROOT));
	OP(mkdir(ROOT, 0755));
	OP(put(ROOT "/g", NULL));
	OP(unlink(ROOT "/g"));
	OP(rmdir(ROOT));
	EXPECT_SEQ("ATTRIB|ONDIR root/.",
		   "CLOSE_WRITE|CREATE root/f",
		   "ATTRIB root/f",
		   "DELETE root/f");
}

/*
 * Directories moved in and out: the answer is taken at the time of the
 * event, so a directory moved in is inside from then on, with everything it
 * holds, and one moved out is outside from then on (the seed program's
 * tags got both wrong).
 */
TEST_F(subtree, dir_moved_in_and_out)
{
	START_SUBTREE();
	OP(mkdir(OUT "/d", 0755));
	OP(mkdir(OUT "/d/old", 0755));
	OP(put(OUT "/d/f1", NULL));
	OP(rename(OUT "/d", ROOT "/d"));
	OP(put(ROOT "/d/f2", NULL));
	OP(put(ROOT "/d/old/f3", NULL));
	OP(mkdir(ROOT "/d/sub", 0755));
	OP(mkdir(ROOT "/e", 0755));
	OP(mkdir(ROOT "/e/deeper", 0755));
	OP(put(ROOT "/e/deeper/f4", NULL));
	OP(rename(ROOT "/e", OUT "/e"));
	OP(put(OUT "/e/f5", NULL));
	OP(put(OUT "/e/deeper/f6", NULL));
	OP(rename(OUT "/e", ROOT "/e2"));
	OP(put(ROOT "/e2/deeper/f7", NULL));
	EXPECT_SEQ("RENAME|ONDIR out/d -> root/d",
		   "MOVED_TO|ONDIR root/d",
		   "CLOSE_WRITE|CREATE root/d/f2",
		   "CLOSE_WRITE|CREATE root/d/old/f3",
		   "CREATE|ONDIR root/d/sub",
		   "CREATE|ONDIR root/e",
		   "CREATE|ONDIR root/e/deeper",
		   "CLOSE_WRITE|CREATE root/e/deeper/f4",
		   "RENAME|ONDIR root/e -> out/e",
		   "MOVED_FROM|ONDIR root/e",
		   "RENAME|ONDIR out/e -> root/e2",
		   "MOVED_TO|ONDIR root/e2",
		   "CLOSE_WRITE|CREATE root/e2/deeper/f7");
}

/*
 * A tree that existed before the attach, with an exclude root inside it:
 * every pre-existing level is inside, the excluded tree is outside (its own
 * entry in the including directory is inside), nothing else arrives.
 */
TEST_F(subtree, preexisting_tree_and_exclude)
{
	mkdir_p(ROOT "/old/deeper/deepest");
	mkdir_p(ROOT "/cache/x");
	mkdir_p(OUT);
	ASSERT_EQ(0, subtree_start_ex(&self->c, variant->bpf, FAN_REPORT_DFID_NAME,
				      ALL_EVENTS, ROOT, ROOT "/cache"));
	ASSERT_EQ(0, drain(&self->c));
	OP(put(ROOT "/top", NULL));
	OP(put(ROOT "/old/a", NULL));
	OP(put(ROOT "/old/deeper/b", NULL));
	OP(put(ROOT "/old/deeper/deepest/c", NULL));
	OP(put(ROOT "/cache/d", NULL));
	OP(put(ROOT "/cache/x/e", NULL));
	/* Reported in root/cache itself (fid + "."): the exclude root decides. */
	OP(chmod(ROOT "/cache", 0700));
	OP(chmod(ROOT "/old", 0700));
	OP(mkdir(ROOT "/cache/x/y", 0755));
	OP(put(OUT "/f", NULL));
	OP(rename(ROOT "/old/deeper", ROOT "/cache/deeper"));
	OP(put(ROOT "/cache/deeper/g", NULL));
	OP(rename(ROOT "/cache/x", ROOT "/old/x"));
	OP(put(ROOT "/old/x/h", NULL));
	EXPECT_SEQ("CLOSE_WRITE|CREATE root/top",
		   "CLOSE_WRITE|CREATE root/old/a",
		   "CLOSE_WRITE|CREATE root/old/deeper/b",
		   "CLOSE_WRITE|CREATE root/old/deeper/deepest/c",
		   "ATTRIB|ONDIR root/old/.",
		   "RENAME|ONDIR root/old/deeper -> root/cache/deeper",
		   "MOVED_FROM|ONDIR root/old/deeper",
		   "RENAME|ONDIR root/cache/x -> root/old/x",
		   "MOVED_TO|ONDIR root/old/x",
		   "CLOSE_WRITE|CREATE root/old/x/h");
}

#undef FIXTURE_NAME

/* ---- name_filter -------------------------------------------------------------------------- */

#define FIXTURE_NAME "name_filter"

FIXTURE(name_filter) {
	struct cmp c;
};

FIXTURE_VARIANT(name_filter) {
	const char *impl;
	bool bpf;
};

FIXTURE_VARIANT_ADD(name_filter, c) {
	.impl = "c",
	.bpf = false,
};

FIXTURE_VARIANT_ADD(name_filter, bpf) {
	.impl = "bpf",
	.bpf = true,
};

/* Give the loaded BPF twin the suffix list of @args. */
static int nf_bpf_config(struct cmp *c, const char *args)
{
	struct nf_list l;
	__u32 zero = 0;
	int ret;

	ret = nf_parse_args(args, &l);
	if (ret)
		return ret;
	return bpf_map__update_elem(c->nf->maps.nf_config, &zero, sizeof(zero), &l, sizeof(l),
				    BPF_ANY) ? -errno : 0;
}

/* Load the BPF twin, configured with @args, and register it. */
static int nf_bpf_load(struct cmp *c, const char *args)
{
	int ret;

	c->nf = name_filter__open_and_load();
	if (!c->nf)
		return -errno;
	ret = nf_bpf_config(c, args);
	if (ret)
		return ret;
	c->link = bpf_map__attach_struct_ops(c->nf->maps.name_filter_bpf_ops);
	return c->link ? 0 : -errno;
}

FIXTURE_SETUP(name_filter)
{
	memset(&self->c, 0, sizeof(self->c));
	rm_rf(BASE);
	mkdir_p(BASE);
	self->c.dev = fp_open_dev();
	ASSERT_LE(0, self->c.dev);
	ASSERT_EQ(0, cmp_group(&self->c, FAN_REPORT_DFID_NAME, ALL_EVENTS));
	if (variant->bpf) {
		ASSERT_EQ(0, nf_bpf_load(&self->c, NF_ARGS)) TH_LOG("%s", libbpf_log);
		ASSERT_EQ(0, fp_attach(self->c.dev, self->c.fan, "name_filter_bpf", NULL));
	} else {
		ASSERT_EQ(0, fp_attach(self->c.dev, self->c.fan, "name_filter", NF_ARGS));
	}
	ASSERT_EQ(0, drain(&self->c));
}

FIXTURE_TEARDOWN(name_filter)
{
	cmp_teardown(&self->c);
}

/* Suffix matching is byte-wise and case-sensitive; a name equal to a suffix matches. */
TEST_F(name_filter, suffixes)
{
	static const char *const names[] = {
		"a.c", "b.h", "c.txt", "Makefile", "d.cc", "e.C", ".c", "c", "noext",
		"x.h.orig", "GNUmakefile", "top.Makefile", NULL,
	};
	const char *const *n;
	char path[256];

	for (n = names; *n; n++) {
		snprintf(path, sizeof(path), BASE "/%s", *n);
		OP(put(path, NULL));
	}
	OP(put(BASE "/a.c", "more"));
	OP(put(BASE "/c.txt", "more"));
	for (n = names; *n; n++) {
		snprintf(path, sizeof(path), BASE "/%s", *n);
		OP(unlink(path));
	}
	EXPECT_SEQ("CLOSE_WRITE|CREATE a.c",
		   "CLOSE_WRITE|CREATE b.h",
		   "CLOSE_WRITE|CREATE Makefile",
		   "CLOSE_WRITE|CREATE .c",
		   "CLOSE_WRITE|CREATE top.Makefile",
		   "MODIFY|CLOSE_WRITE a.c",
		   "DELETE a.c",
		   "DELETE b.h",
		   "DELETE Makefile",
		   "DELETE .c",
		   "DELETE top.Makefile");
}

/*
 * Directories are judged by their own name; files by theirs, in any
 * directory. (fanotify reports a directory's own events, e.g. ATTRIB, with
 * the directory's fid and the name ".": the handler saw them with the
 * parent and the directory's name.)
 */
TEST_F(name_filter, directories)
{
	OP(mkdir(BASE "/src.c", 0755));
	OP(put(BASE "/src.c/x.txt", NULL));
	OP(put(BASE "/src.c/y.h", NULL));
	OP(mkdir(BASE "/plain", 0755));
	OP(put(BASE "/plain/z.c", NULL));
	OP(chmod(BASE "/src.c", 0700));
	OP(chmod(BASE "/plain", 0700));
	OP(unlink(BASE "/src.c/x.txt"));
	OP(unlink(BASE "/src.c/y.h"));
	OP(rmdir(BASE "/src.c"));
	OP(unlink(BASE "/plain/z.c"));
	OP(rmdir(BASE "/plain"));
	EXPECT_SEQ("CREATE|ONDIR src.c",
		   "CLOSE_WRITE|CREATE src.c/y.h",
		   "CLOSE_WRITE|CREATE plain/z.c",
		   "ATTRIB|ONDIR src.c/.",
		   "DELETE src.c/y.h",
		   "DELETE|ONDIR src.c",
		   "DELETE plain/z.c");
}

/*
 * Renames and links: MOVED_FROM and FAN_RENAME are judged by the old name,
 * MOVED_TO by the new one; a new link by its own name.
 */
TEST_F(name_filter, renames_and_links)
{
	OP(put(BASE "/a.txt", NULL));
	OP(rename(BASE "/a.txt", BASE "/a.c"));
	OP(rename(BASE "/a.c", BASE "/b.txt"));
	OP(link(BASE "/b.txt", BASE "/c.h"));
	OP(link(BASE "/c.h", BASE "/d.txt"));
	OP(chmod(BASE "/c.h", 0600));
	OP(chmod(BASE "/d.txt", 0600));
	OP(unlink(BASE "/b.txt"));
	OP(unlink(BASE "/c.h"));
	OP(unlink(BASE "/d.txt"));
	EXPECT_SEQ("MOVED_TO a.c",
		   "RENAME a.c -> b.txt",
		   "MOVED_FROM a.c",
		   "CREATE c.h",
		   "ATTRIB c.h",
		   "DELETE c.h");
}

/* Names of every length up to NAME_MAX, and names shorter than the suffix. */
TEST_F(name_filter, long_and_short_names)
{
	static const int lens[] = { 1, 2, 3, 4, 5, 100, 101, 200, 201, 252, 253, 254, 255 };
	char name[256], path[300];
	struct seq want = { 0 };
	unsigned int i;

	/* Odd lengths end in ".c" (except 1: "c"), even ones in ".x". */
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		int len = lens[i];

		memset(name, 'n', len);
		name[len] = 0;
		if (len >= 2)
			name[len - 2] = '.';
		name[len - 1] = len % 2 ? 'c' : 'x';
		snprintf(path, sizeof(path), BASE "/%s", name);
		OP(put(path, NULL));
		OP(unlink(path));
		if (len >= 2 && len % 2) {
			seq_addf(&want, "CLOSE_WRITE|CREATE %s", name);
			seq_addf(&want, "DELETE %s", name);
		}
	}
	check_seq(_metadata, FIXTURE_NAME, variant->impl, &self->c.got, &want);
	seq_free(&want);
}

/*
 * A new suffix list while attached: the C handler gets it by an atomic
 * replace (FAN_FP_ATTACH_REPLACE with new args), the BPF one by a write to
 * its config map. No event in between is lost or judged by no list.
 */
TEST_F(name_filter, reconfigure_while_attached)
{
	OP(put(BASE "/a.c", NULL));
	OP(put(BASE "/b.txt", NULL));
	if (variant->bpf) {
		ASSERT_EQ(0, nf_bpf_config(&self->c, "ext=.txt"));
	} else {
		ASSERT_EQ(0, fp_attach_flags(self->c.dev, self->c.fan, "name_filter", "ext=.txt",
					     FAN_FP_ATTACH_REPLACE));
	}
	OP(unlink(BASE "/a.c"));
	OP(unlink(BASE "/b.txt"));
	EXPECT_SEQ("CLOSE_WRITE|CREATE a.c",
		   "DELETE b.txt");
}

#undef FIXTURE_NAME

/* ---- uid_filter --------------------------------------------------------------------------- */

#define FIXTURE_NAME "uid_filter"

FIXTURE(uid_filter) {
	struct cmp c;
};

FIXTURE_VARIANT(uid_filter) {
	const char *impl;
	bool bpf;
};

FIXTURE_VARIANT_ADD(uid_filter, c) {
	.impl = "c",
	.bpf = false,
};

FIXTURE_VARIANT_ADD(uid_filter, bpf) {
	.impl = "bpf",
	.bpf = true,
};

FIXTURE_SETUP(uid_filter)
{
	memset(&self->c, 0, sizeof(self->c));
	rm_rf(BASE);
	mkdir_p(BASE);
	ASSERT_EQ(0, chmod(BASE, 0777));	/* other uids work in it too */
	self->c.dev = fp_open_dev();
	ASSERT_LE(0, self->c.dev);
	ASSERT_EQ(0, cmp_group(&self->c, FAN_REPORT_DFID_NAME, ALL_EVENTS));
	if (variant->bpf) {
		self->c.uf = uid_filter__open_and_load();
		ASSERT_NE(NULL, self->c.uf) TH_LOG("%s", libbpf_log);
		self->c.link = bpf_map__attach_struct_ops(self->c.uf->maps.uid_filter_bpf_ops);
		ASSERT_NE(NULL, self->c.link);
	}
}

FIXTURE_TEARDOWN(uid_filter)
{
	cmp_teardown(&self->c);
}

/* Attach the variant's handler configured by the C handler's argument string @args. */
static int uf_start(struct cmp *c, bool bpf, const char *args)
{
	struct uf_list l;
	__u32 zero = 0;
	int ret;

	if (!bpf)
		ret = fp_attach(c->dev, c->fan, "uid_filter", args);
	else if (uf_parse_args(args, &l))
		ret = -EINVAL;
	else if (bpf_map__update_elem(c->uf->maps.uf_config, &zero, sizeof(zero), &l, sizeof(l),
				      BPF_ANY))
		ret = -errno;
	else
		ret = fp_attach(c->dev, c->fan, "uid_filter_bpf", NULL);
	return ret ? ret : drain(c);
}

static int op_put(const char *path)
{
	return put(path, NULL);
}

static int op_mkdir(const char *path)
{
	return mkdir(path, 0755);
}

/* Run @fn(@path) in a child with all uids and gids set to @uid. */
static int run_as(uid_t uid, int (*fn)(const char *), const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			_exit(2);
		_exit(fn(path) ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

/* OP() as @uid, recording into @c. */
#define OP_AS(uid, fn, path) do { \
		ASSERT_EQ(0, run_as(uid, fn, path)); \
		ASSERT_LE(0, record(c->fan, c->mnt, &c->got)); \
	} while (0)

/* The same operations for every configuration: who does what. */
static void uid_ops(struct __test_metadata *_metadata, struct cmp *c)
{
	OP_AS(0, op_put, BASE "/r0");
	OP_AS(1000, op_put, BASE "/a");
	OP_AS(1001, op_put, BASE "/b");
	OP_AS(1002, op_put, BASE "/c");
	OP_AS(1000, unlink, BASE "/c");		/* the actor counts, not the owner */
	OP_AS(0, unlink, BASE "/a");
	OP_AS(1002, op_mkdir, BASE "/d");
	OP_AS(1001, rmdir, BASE "/d");
	OP_AS(0, unlink, BASE "/b");
	OP_AS(0, unlink, BASE "/r0");
}

TEST_F(uid_filter, only_listed_uids)
{
	ASSERT_EQ(0, uf_start(&self->c, variant->bpf, "uid=1000,1001"));
	uid_ops(_metadata, &self->c);
	/*
	 * The uid does not care about directories: rmdir's DELETE_SELF (raised
	 * first, reported with the fid of the directory, already gone when the
	 * test resolves it) passes too.
	 */
	EXPECT_SEQ("CLOSE_WRITE|CREATE a",
		   "CLOSE_WRITE|CREATE b",
		   "DELETE c",
		   "DELETE_SELF|ONDIR ?/.",
		   "DELETE|ONDIR d");
}

TEST_F(uid_filter, listed_uids_dropped)
{
	ASSERT_EQ(0, uf_start(&self->c, variant->bpf, "not_uid=0,1001"));
	uid_ops(_metadata, &self->c);
	EXPECT_SEQ("CLOSE_WRITE|CREATE a",
		   "CLOSE_WRITE|CREATE c",
		   "DELETE c",
		   "CREATE|ONDIR d");
}

#undef FIXTURE_NAME

/* ---- across implementations --------------------------------------------------------------- */

/* The userspace parser that configures the BPF twin accepts what the C handler accepts. */
TEST(name_filter_bpf_config_matches_c_args)
{
	static const char *const args[] = {
		"", "ext", "ext=", "ext=.c,", "ext=,.c", "ext=.c,,.h", "exts=.c", "ext=a/b",
		"ext=.c", "ext=.c,.h,Makefile",
		"ext=0123456789012345678901234567890",	/* 31 bytes: fits */
		"ext=01234567890123456789012345678901",	/* 32 bytes: too long */
		"ext=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		"ext=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
		NULL,
	};
	const char *const *a;
	struct nf_list l;
	int dev, fan;

	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, fan);
	for (a = args; *a; a++) {
		int c_ret = fp_attach(dev, fan, "name_filter", *a);

		EXPECT_EQ(c_ret, nf_parse_args(*a, &l)) TH_LOG("args \"%s\"", *a);
		if (!c_ret)
			ASSERT_EQ(0, fp_detach(dev, fan));
	}
	close(fan);
	close(dev);
}

/* Same for the uid_filter twin's parser. */
TEST(uid_filter_bpf_config_matches_c_args)
{
	static const char *const args[] = {
		"", "uid", "uid=", "uid=1,", "uid=,1", "uid=1,,2", "uids=1", "not_uid",
		"not_uid=", "uid=-1", "uid=+1", "uid=1a", "uid= 1", "uid=0", "not_uid=0,1000",
		"uid=4294967294", "uid=4294967295", "uid=99999999999", "uid=123456789012",
		"uid=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		"uid=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
		NULL,
	};
	const char *const *a;
	struct uf_list l;
	int dev, fan;

	dev = fp_open_dev();
	ASSERT_LE(0, dev);
	fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, fan);
	for (a = args; *a; a++) {
		int c_ret = fp_attach(dev, fan, "uid_filter", *a);

		EXPECT_EQ(c_ret, uf_parse_args(*a, &l)) TH_LOG("args \"%s\"", *a);
		if (!c_ret)
			ASSERT_EQ(0, fp_detach(dev, fan));
	}
	close(fan);
	close(dev);
}

/* The BPF twin is configured by its loader and refuses an argument string. */
TEST(name_filter_bpf_refuses_args)
{
	struct cmp c = { 0 };

	c.dev = fp_open_dev();
	ASSERT_LE(0, c.dev);
	ASSERT_EQ(0, nf_bpf_load(&c, "ext=.c"));
	c.fan = fp_fid_group("/tmp", FAN_CREATE);
	ASSERT_LE(0, c.fan);
	EXPECT_EQ(-EINVAL, fp_attach(c.dev, c.fan, "name_filter_bpf", "ext=.c"));
	EXPECT_EQ(0, fp_attach(c.dev, c.fan, "name_filter_bpf", ""));
	cmp_teardown(&c);
}

static int read_whole(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return -errno;
	len = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[len] = 0;
	return len;
}

/*
 * Runs last (fixtures run in the order of this file, after the global
 * tests): every scenario must have delivered byte-identical sequences with
 * the C module and with the BPF program.
 */
FIXTURE(implementations) {
};

FIXTURE_SETUP(implementations)
{
}

FIXTURE_TEARDOWN(implementations)
{
}

TEST_F(implementations, c_and_bpf_sequences_identical)
{
	static char a[1 << 20], b[1 << 20];
	char pa[512], pb[512];
	struct dirent *de;
	int compared = 0;
	DIR *d;

	d = opendir(RESULTS);
	ASSERT_NE(NULL, d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 3 || strcmp(de->d_name + len - 2, ".c"))
			continue;
		snprintf(pa, sizeof(pa), RESULTS "/%s", de->d_name);
		snprintf(pb, sizeof(pb), RESULTS "/%.*sbpf", (int)len - 1, de->d_name);
		ASSERT_LE(0, read_whole(pa, a, sizeof(a)));
		EXPECT_LE(0, read_whole(pb, b, sizeof(b))) TH_LOG("%s has no BPF result", pa);
		EXPECT_STREQ(a, b) TH_LOG("%s and %s differ", pa, pb);
		compared++;
	}
	closedir(d);
	TH_LOG("%d scenarios compared", compared);
	EXPECT_LT(0, compared);
}

static void __attribute__((constructor)) setup_libbpf_log(void)
{
	libbpf_set_print(capture_print);
}

TEST_HARNESS_MAIN
