// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl selftests: the control tool against the fanotify groups of separate
 * processes that know nothing about fastpath handlers ("holders": a child that
 * creates fanotify groups and sleeps). Covers list/show/attach/detach/query/tag,
 * --replace, --fd, every error path with its message and exit code, and the
 * help texts, and "root" (adding include and exclude roots, removing one, listing
 * them, and its command line errors), by process and by attachment id, --json and
 * --pretty of every command (parsed with json-c and validated against
 * Documentation/fpctl.schema.json), errors in JSON, and attach --wait. Uses the
 * test handlers of selftests/modules/fp_test_handler.c and the subtree handler
 * (configured with fpctl root).
 *
 * fpctl is taken from $FPCTL, else from the directory of this program, else
 * from /selftests (the VM's copy of the built selftests).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <json-c/json.h>

#include "fp_util.h"
#include "json_schema.h"
#include "kselftest_harness.h"

#define TMOD		"fp_test_handler"
#define CORE		"fanotify_fastpath"
#define HOLDER_COMM	"fan_holder"
#define PARAM_UNPRIV	"/sys/module/" CORE "/parameters/allow_unprivileged"
#define EVMASK		(FAN_CREATE | FAN_DELETE)
#define MAX_GROUPS	4

/* fpctl's exit codes (tools/fpctl/fpctl.8). */
enum {
	EX_OK = 0, EX_FAIL, EX_USAGE, EX_NOPROC, EX_NOFAN, EX_AMBIGUOUS, EX_PERM,
	EX_NOHANDLER, EX_BUSY, EX_NOCORE, EX_NOTATTACHED, EX_REJECTED, EX_OLDMODULE,
};

static char fpctl_path[PATH_MAX];

static const char *fpctl_bin(void)
{
	char self[PATH_MAX];
	ssize_t len;

	if (fpctl_path[0])
		return fpctl_path;
	if (getenv("FPCTL")) {
		snprintf(fpctl_path, sizeof(fpctl_path), "%s", getenv("FPCTL"));
		return fpctl_path;
	}
	/* Beside this program, else where the VM keeps the built selftests. */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[len < 0 ? 0 : len] = 0;
	snprintf(fpctl_path, sizeof(fpctl_path), "%s/fpctl", dirname(self));
	if (access(fpctl_path, X_OK))
		snprintf(fpctl_path, sizeof(fpctl_path), "/selftests/fpctl");
	return fpctl_path;
}

/* How to run fpctl: as whom, and without which capability. */
struct as {
	uid_t uid;		/* 0: stay root */
	int drop_cap;		/* a CAP_* dropped from the bounding set, or -1 */
};

static const struct as as_root = { 0, -1 };

struct run {
	int rc;			/* exit code, or 128 + signal */
	char out[16384];	/* stdout and stderr, interleaved */
};

/* Run fpctl with the NULL-terminated arguments; returns r->rc. */
static int run_fpctl(struct run *r, const struct as *as, ...)
{
	const char *argv[32];
	int pfd[2], status, n = 1;
	size_t len = 0;
	ssize_t got;
	va_list ap;
	pid_t pid;

	argv[0] = "fpctl";
	va_start(ap, as);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;

	memset(r, 0, sizeof(*r));
	r->rc = -1;
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (as->drop_cap >= 0 && prctl(PR_CAPBSET_DROP, as->drop_cap, 0, 0, 0))
			_exit(120);
		if (as->uid && (setresgid(as->uid, as->uid, as->uid) ||
				setresuid(as->uid, as->uid, as->uid)))
			_exit(121);
		execv(fpctl_bin(), (char **)argv);
		_exit(122);
	}
	close(pfd[1]);
	while (len < sizeof(r->out) - 1 &&
	       (got = read(pfd[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
		len += got;
	r->out[len] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	r->rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return r->rc;
}

#define HAS(r, s)	(!!strstr((r)->out, (s)))

/*
 * A separate process holding @n fanotify groups (0 to MAX_GROUPS) on /tmp and
 * doing nothing else; @fds gets their descriptor numbers in it.
 */
static pid_t start_holder(int n, int *fds, uid_t uid)
{
	int pfd[2], i, v[MAX_GROUPS + 1];
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		prctl(PR_SET_NAME, HOLDER_COMM, 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (uid && (setresgid(uid, uid, uid) || setresuid(uid, uid, uid)))
			_exit(1);
		v[0] = 0;
		for (i = 0; i < n; i++) {
			v[i + 1] = fp_fid_group("/tmp", EVMASK);
			if (v[i + 1] < 0)
				_exit(2);
			v[0]++;
		}
		if (write(pfd[1], v, sizeof(v)) != sizeof(v))
			_exit(3);
		close(pfd[1]);
		for (;;)
			pause();
	}
	close(pfd[1]);
	memset(v, 0, sizeof(v));
	if (read(pfd[0], v, sizeof(v)) != sizeof(v) || v[0] != n) {
		close(pfd[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(pfd[0]);
	for (i = 0; i < n; i++)
		fds[i] = v[i + 1];
	return pid;
}

static void stop_holder(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

FIXTURE(fpctl) {
	pid_t holder;
	int fds[MAX_GROUPS];
	char pid[16];
	char dir[64];
};

FIXTURE_SETUP(fpctl)
{
	struct stat st;

	ASSERT_EQ(0, stat(fpctl_bin(), &st)) TH_LOG("no fpctl at %s (set FPCTL)", fpctl_bin());
	ASSERT_EQ(0, fp_ensure_loaded(TMOD));
	self->holder = start_holder(1, self->fds, 0);
	ASSERT_LT(0, self->holder);
	snprintf(self->pid, sizeof(self->pid), "%d", self->holder);
	snprintf(self->dir, sizeof(self->dir), "/tmp/fpctl.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(fpctl)
{
	char cmd[128];

	stop_holder(self->holder);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cleanup of %s failed", self->dir);
}

/* The number after the word @key in fpctl query output ("seen 3 passed 2 ..."), or -1. */
static long field(const struct run *r, const char *key)
{
	size_t len = strlen(key);
	const char *p;

	for (p = strstr(r->out, key); p; p = strstr(p + 1, key)) {
		if ((p == r->out || p[-1] == ' ' || p[-1] == '\t') && p[len] == ' ')
			return strtol(p + len + 1, NULL, 10);
	}
	return -1;
}

TEST_F(fpctl, list_shows_handlers)
{
	struct run r;

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "list", NULL)) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "NAME")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "DESCRIPTION"));
	EXPECT_TRUE(HAS(&r, "fptest "));
	EXPECT_TRUE(HAS(&r, TMOD));
	EXPECT_TRUE(HAS(&r, "selftest handler: drop events by name substring"));
	EXPECT_TRUE(HAS(&r, "sys-admin-only")) TH_LOG("fptest_admin's flag: %s", r.out);

	/* Not root: sysfs is world-readable. */
	EXPECT_EQ(EX_OK, run_fpctl(&r, &(struct as){ 65534, -1 }, "list", NULL))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "fptest "));
}

TEST_F(fpctl, attach_query_show_detach)
{
	char want[64];
	struct run r;

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "fptest",
				   "drop=outside", NULL)) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "attached handler fptest to process")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, HOLDER_COMM));

	fp_touch(self->dir, "inside_1");
	fp_touch(self->dir, "outside_1");
	fp_touch(self->dir, "outside_2");

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "handler fptest")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "type c"));
	EXPECT_EQ(2, field(&r, "dropped")) TH_LOG("%s", r.out);
	EXPECT_LE(1, field(&r, "passed"));
	EXPECT_EQ(field(&r, "seen"), field(&r, "passed") + field(&r, "dropped"));
	EXPECT_EQ(0, field(&r, "denied"));
	EXPECT_EQ(0, field(&r, "errors"));
	/* The ancestry cache's fields are printed (their values are the core module's). */
	EXPECT_LE(0, field(&r, "roots")) TH_LOG("%s", r.out);
	EXPECT_LE(0, field(&r, "cache_entries"));
	EXPECT_LE(0, field(&r, "cache_max"));
	EXPECT_LE(0, field(&r, "cache_hits"));
	EXPECT_LE(0, field(&r, "cache_walks"));
	EXPECT_LE(0, field(&r, "cache_evicted"));
	EXPECT_LE(0, field(&r, "cache_invalidations"));
	EXPECT_LE(0, field(&r, "cache_unsure"));

	/* show: the attachment, with the holder named as its process. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "show", NULL)) TH_LOG("%s", r.out);
	snprintf(want, sizeof(want), HOLDER_COMM "[%s]:%d", self->pid, self->fds[0]);
	EXPECT_TRUE(HAS(&r, want)) TH_LOG("no %s in: %s", want, r.out);
	EXPECT_TRUE(HAS(&r, "DROPPED"));
	EXPECT_TRUE(HAS(&r, "fptest"));
	EXPECT_EQ(1, fp_read_long(FP_SYSFS "/handlers/fptest/attachments"));

	/* list counts it. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "list", NULL));

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "detached handler fptest (attachment ")) TH_LOG("%s", r.out);
	EXPECT_EQ(0, fp_read_long(FP_SYSFS "/handlers/fptest/attachments"));

	/* Nothing attached any more. */
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL));
	EXPECT_TRUE(HAS(&r, "no handler is attached")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));
	EXPECT_TRUE(HAS(&r, "no handler is attached")) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "show", NULL));
	EXPECT_FALSE(HAS(&r, want)) TH_LOG("%s", r.out);
}

/* The JSON document fpctl printed, or NULL (logged) when it is not one. */
static struct json_object *parse_json(const struct run *r)
{
	enum json_tokener_error err;
	struct json_object *obj;

	obj = json_tokener_parse_verbose(r->out, &err);
	if (!obj)
		fprintf(stderr, "# not JSON (%s): %s\n", json_tokener_error_desc(err), r->out);
	return obj;
}

/* Member @key of object @obj if it has type @type, else NULL. */
static struct json_object *member(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *member_str(struct json_object *obj, const char *key)
{
	struct json_object *v = member(obj, key, json_type_string);

	return v ? json_object_get_string(v) : "(missing)";
}

static long long member_int(struct json_object *obj, const char *key)
{
	struct json_object *v = member(obj, key, json_type_int);

	return v ? json_object_get_int64(v) : -1;
}

/* The element of array @arr whose member @key is the string @val, or NULL. */
static struct json_object *find_elem(struct json_object *arr, const char *key, const char *val)
{
	size_t i;

	if (!json_object_is_type(arr, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (!strcmp(member_str(e, key), val))
			return e;
	}
	return NULL;
}

/* The member @key of the document's envelope {"schema": 1, @key: ...}, or NULL. */
static struct json_object *doc_member(struct json_object *doc, const char *key,
				      enum json_type type)
{
	if (!doc || member_int(doc, "schema") != 1)
		return NULL;
	return member(doc, key, type);
}

TEST_F(fpctl, json_list_show_query)
{
	static const char * const counters[] = {
		"seen", "passed", "dropped", "denied", "errors", "tags", "roots",
		"cache_entries", "cache_max", "cache_hits", "cache_walks", "cache_evicted",
		"cache_invalidations", "cache_unsure",
	};
	struct json_object *doc, *arr, *h, *a, *c, *procs, *p, *fl;
	struct run r;
	size_t i;

	/* handler list: {"schema": 1, "handlers": [...]}; the option before or after. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "list", "--json", NULL)) TH_LOG("%s", r.out);
	doc = parse_json(&r);
	arr = doc_member(doc, "handlers", json_type_array);
	ASSERT_NE(NULL, arr) TH_LOG("%s", r.out);
	h = find_elem(arr, "name", "fptest");
	ASSERT_NE(NULL, h) TH_LOG("no handler fptest in %s", r.out);
	EXPECT_STREQ("c", member_str(h, "type"));
	EXPECT_STREQ(TMOD, member_str(h, "module"));
	EXPECT_STREQ("selftest handler: drop events by name substring",
		     member_str(h, "description"));
	EXPECT_EQ(0, member_int(h, "attachments"));
	fl = member(h, "flags", json_type_array);
	ASSERT_NE(NULL, fl);
	EXPECT_EQ(0, json_object_array_length(fl));
	h = find_elem(arr, "name", "fptest_admin");
	ASSERT_NE(NULL, h) TH_LOG("no handler fptest_admin in %s", r.out);
	fl = member(h, "flags", json_type_array);
	ASSERT_NE(NULL, fl);
	ASSERT_EQ(1, json_object_array_length(fl));
	EXPECT_STREQ("sys-admin-only", json_object_get_string(json_object_array_get_idx(fl, 0)));
	/* One line, not indented. */
	EXPECT_TRUE(strchr(r.out, '\n') == r.out + strlen(r.out) - 1) TH_LOG("%s", r.out);
	json_object_put(doc);

	/* --pretty and -p (bpftool's): the same document, indented. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "--pretty", "handler", "list", NULL));
	EXPECT_TRUE(HAS(&r, "\n  \"handlers\"")) TH_LOG("not indented: %s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "handler", "show", "fptest", "-p", NULL));
	EXPECT_TRUE(HAS(&r, "\n  \"handlers\"")) TH_LOG("not indented: %s", r.out);
	doc = parse_json(&r);
	arr = doc_member(doc, "handlers", json_type_array);
	ASSERT_NE(NULL, arr) TH_LOG("%s", r.out);
	EXPECT_EQ(1, json_object_array_length(arr));
	EXPECT_NE(NULL, find_elem(arr, "name", "fptest"));
	json_object_put(doc);

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attach", "--pid", self->pid, "fptest",
				   "drop=outside", NULL)) TH_LOG("%s", r.out);
	doc = parse_json(&r);
	a = doc_member(doc, "attached", json_type_object);
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	EXPECT_STREQ("fptest", member_str(a, "handler"));
	EXPECT_LT(0, member_int(a, "id"));
	json_object_put(doc);
	fp_touch(self->dir, "inside_1");
	fp_touch(self->dir, "outside_1");
	fp_touch(self->dir, "outside_2");

	/* attachment show: the process, flags by name and every counter by name. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "query", "--pid", self->pid, NULL))
		TH_LOG("%s", r.out);
	doc = parse_json(&r);
	a = doc_member(doc, "attachment", json_type_object);
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	p = member(a, "process", json_type_object);
	ASSERT_NE(NULL, p) TH_LOG("%s", r.out);
	EXPECT_EQ(self->holder, member_int(p, "pid"));
	EXPECT_EQ(self->fds[0], member_int(p, "fd"));
	EXPECT_STREQ(HOLDER_COMM, member_str(p, "comm"));
	EXPECT_STREQ("fptest", member_str(a, "handler"));
	EXPECT_STREQ("c", member_str(a, "type"));
	EXPECT_LT(0, member_int(a, "id"));
	EXPECT_EQ(0, json_object_array_length(member(a, "flags", json_type_array)));
	c = member(a, "counters", json_type_object);
	ASSERT_NE(NULL, c) TH_LOG("%s", r.out);
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		EXPECT_LE(0, member_int(c, counters[i])) TH_LOG("counter number %zu missing", i);
	EXPECT_EQ(2, member_int(c, "dropped")) TH_LOG("%s", r.out);
	EXPECT_EQ(member_int(c, "seen"), member_int(c, "passed") + member_int(c, "dropped"));
	json_object_put(doc);

	/* attachment list: the attachment with its holder. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "show", "--json", NULL)) TH_LOG("%s", r.out);
	doc = parse_json(&r);
	a = find_elem(doc_member(doc, "attachments", json_type_array), "handler", "fptest");
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	EXPECT_EQ(2, member_int(member(a, "counters", json_type_object), "dropped"));
	procs = member(a, "processes", json_type_array);
	ASSERT_NE(NULL, procs) TH_LOG("%s", r.out);
	ASSERT_EQ(1, json_object_array_length(procs)) TH_LOG("%s", r.out);
	p = json_object_array_get_idx(procs, 0);
	EXPECT_EQ(self->holder, member_int(p, "pid"));
	EXPECT_EQ(self->fds[0], member_int(p, "fd"));
	EXPECT_STREQ(HOLDER_COMM, member_str(p, "comm"));
	json_object_put(doc);

	/* Not root: the holders cannot be looked up, "processes" is null. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &(struct as){ 65534, -1 }, "attachment", "list", "-j",
				   NULL)) TH_LOG("%s", r.out);
	doc = parse_json(&r);
	a = find_elem(doc_member(doc, "attachments", json_type_array), "handler", "fptest");
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	procs = (struct json_object *)1;
	EXPECT_TRUE(json_object_object_get_ex(a, "processes", &procs)) TH_LOG("%s", r.out);
	EXPECT_EQ(NULL, procs) TH_LOG("processes is not null: %s", r.out);	/* json-c's null */
	json_object_put(doc);

	/* Errors: the same exit codes, the error as JSON on stdout, nothing else. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "query", "--json", "--pid", self->pid,
					    NULL));
	doc = parse_json(&r);
	a = doc_member(doc, "error", json_type_object);
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_NOTATTACHED, member_int(a, "code"));
	EXPECT_STREQ("not-attached", member_str(a, "name"));
	EXPECT_NE(NULL, strstr(member_str(a, "message"), "no handler is attached"));
	json_object_put(doc);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "-j", "attachment", "frob", NULL));
	doc = parse_json(&r);
	a = doc_member(doc, "error", json_type_object);
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	EXPECT_STREQ("usage", member_str(a, "name"));
	json_object_put(doc);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "show", "--json", NULL)) TH_LOG("%s", r.out);
	doc = parse_json(&r);
	EXPECT_EQ(NULL, find_elem(doc_member(doc, "attachments", json_type_array), "handler",
				  "fptest")) TH_LOG("%s", r.out);
	json_object_put(doc);
}

/* The schema, Documentation/fpctl.schema.json, copied beside this program. */
static struct json_object *load_schema(void)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	self[len < 0 ? 0 : len] = 0;
	snprintf(path, sizeof(path), "%s/fpctl.schema.json", dirname(self));
	return json_object_from_file(path);
}

/* fpctl's output must be one document that the schema accepts. */
static void check_doc(struct __test_metadata *_metadata, struct json_object *schema,
		      const struct run *r, const char *what)
{
	struct json_object *doc = parse_json(r);
	struct js_ctx c;

	ASSERT_NE(NULL, doc) TH_LOG("%s: not JSON: %s", what, r->out);
	EXPECT_TRUE(js_check(&c, schema, doc)) TH_LOG("%s: %s in %s", what, c.err, r->out);
	json_object_put(doc);
}

/* The validator itself rejects what breaks the schema, so a pass means something. */
TEST(json_schema_validator_rejects)
{
	static const char * const bad[] = {
		"{\"schema\":2,\"version\":{\"fpctl\":\"x\",\"api\":2,\"schema\":1,\"module\":null}}",
		"{\"schema\":1,\"version\":{\"fpctl\":\"x\",\"api\":2,\"schema\":1}}",
		"{\"schema\":1,\"version\":{\"fpctl\":\"x\",\"api\":\"2\",\"schema\":1,\"module\":null}}",
		"{\"schema\":1,\"version\":{\"fpctl\":\"x\",\"api\":2,\"schema\":1,\"module\":null,\"x\":1}}",
		"{\"schema\":1,\"handlers\":[{\"name\":\"a\"}]}",
		"{\"schema\":1,\"attachments\":[],\"handlers\":[]}",
		"{\"schema\":1,\"roots\":[{\"kind\":\"sideways\",\"path\":null,\"device\":\"0:1\",\"inode\":1,\"generation\":0}]}",
		"{\"schema\":1,\"error\":{\"code\":0,\"name\":\"usage\",\"message\":\"m\",\"hints\":[]}}",
		"[]",
	};
	static const char good[] =
	"{\"schema\":1,\"version\":{\"fpctl\":\"x\",\"api\":2,\"schema\":1,\"module\":null}}";
	struct json_object *schema = load_schema(), *doc, *bogus;
	struct js_ctx c;
	size_t i;

	ASSERT_NE(NULL, schema) TH_LOG("no fpctl.schema.json beside the test");
	doc = json_tokener_parse(good);
	ASSERT_NE(NULL, doc);
	EXPECT_TRUE(js_check(&c, schema, doc)) TH_LOG("a good document refused: %s", c.err);
	json_object_put(doc);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		doc = json_tokener_parse(bad[i]);
		ASSERT_NE(NULL, doc) TH_LOG("%s", bad[i]);
		EXPECT_FALSE(js_check(&c, schema, doc)) TH_LOG("accepted: %s", bad[i]);
		json_object_put(doc);
	}
	/* A keyword the validator does not implement fails, it is not ignored. */
	bogus = json_tokener_parse("{\"type\":\"object\",\"patternProperties\":{}}");
	doc = json_tokener_parse("{}");
	EXPECT_FALSE(js_check(&c, bogus, doc));
	EXPECT_NE(NULL, strstr(c.err, "patternProperties")) TH_LOG("%s", c.err);
	json_object_put(bogus);
	json_object_put(doc);
	json_object_put(schema);
}

/*
 * Every command with --json, succeeding and failing, as root and not: each output is one
 * document the schema accepts (Documentation/fpctl.schema.json).
 */
TEST_F(fpctl, json_every_command_matches_schema)
{
	struct json_object *schema = load_schema(), *doc, *a;
	static const struct as as_nobody = { 65534, -1 };
	char id[32], sub[128];
	struct run r;

	ASSERT_NE(NULL, schema) TH_LOG("no fpctl.schema.json beside the test");
	snprintf(sub, sizeof(sub), "%s/sub", self->dir);
	ASSERT_EQ(0, mkdir(sub, 0755));

	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "version", NULL));
	check_doc(_metadata, schema, &r, "version");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "handler", "list", NULL));
	check_doc(_metadata, schema, &r, "handler list");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "handler", "show", "fptest", "fptest_admin",
				   NULL));
	check_doc(_metadata, schema, &r, "handler show");
	EXPECT_EQ(EX_NOHANDLER, run_fpctl(&r, &as_root, "-j", "handler", "show", "nosuch", NULL));
	check_doc(_metadata, schema, &r, "handler show nosuch");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attachment", "list", NULL));
	check_doc(_metadata, schema, &r, "attachment list (empty)");

	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attachment", "add", "--pid", self->pid,
				   "subtree", NULL));
	check_doc(_metadata, schema, &r, "attachment add");
	doc = parse_json(&r);
	a = doc_member(doc, "attached", json_type_object);
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	snprintf(id, sizeof(id), "%lld", member_int(a, "id"));
	json_object_put(doc);
	EXPECT_EQ(EX_BUSY, run_fpctl(&r, &as_root, "-j", "attachment", "add", "--pid", self->pid,
				     "fptest", NULL));
	check_doc(_metadata, schema, &r, "attachment add (busy)");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attachment", "add", "--replace", "--pid",
				   self->pid, "subtree", NULL));
	check_doc(_metadata, schema, &r, "attachment add --replace");
	doc = parse_json(&r);
	a = doc_member(doc, "attached", json_type_object);
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	EXPECT_STREQ("subtree", member_str(a, "replaced"));
	snprintf(id, sizeof(id), "%lld", member_int(a, "id"));
	json_object_put(doc);
	EXPECT_EQ(EX_REJECTED, run_fpctl(&r, &as_root, "-j", "attachment", "add", "--replace",
					 "--pid", self->pid, "fptest", "bogus=1", NULL));
	check_doc(_metadata, schema, &r, "attachment add (rejected)");

	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "root", "add", "--id", id, sub, NULL));
	check_doc(_metadata, schema, &r, "root add --id");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "root", "add", "--pid", self->pid,
				   "--exclude", self->dir, NULL));
	check_doc(_metadata, schema, &r, "root add --exclude");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "root", "list", "--id", id, NULL));
	check_doc(_metadata, schema, &r, "root list");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "tag", "--id", id, sub, NULL));
	check_doc(_metadata, schema, &r, "tag");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attachment", "show", "--id", id, NULL));
	check_doc(_metadata, schema, &r, "attachment show --id");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attachment", "show", "--pid", self->pid,
				   NULL));
	check_doc(_metadata, schema, &r, "attachment show --pid");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attachment", "list", NULL));
	check_doc(_metadata, schema, &r, "attachment list");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_nobody, "-j", "attachment", "list", NULL));
	check_doc(_metadata, schema, &r, "attachment list (not root)");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_nobody, "-j", "handler", "list", NULL));
	check_doc(_metadata, schema, &r, "handler list (not root)");
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &as_nobody, "-j", "attachment", "show", "--id", id,
				     NULL));
	check_doc(_metadata, schema, &r, "attachment show --id (not root)");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "root", "del", "--id", id, sub, NULL));
	check_doc(_metadata, schema, &r, "root del");
	EXPECT_EQ(EX_FAIL, run_fpctl(&r, &as_root, "-j", "root", "del", "--id", id, sub, NULL));
	check_doc(_metadata, schema, &r, "root del (not a root)");
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attachment", "detach", "--id", id, NULL));
	check_doc(_metadata, schema, &r, "attachment detach --id");
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "-j", "attachment", "detach", "--id",
					    id, NULL));
	check_doc(_metadata, schema, &r, "attachment detach --id (gone)");
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "-j", "root", "list", "--pid",
					    self->pid, NULL));
	check_doc(_metadata, schema, &r, "root list (nothing attached)");
	EXPECT_EQ(EX_NOPROC, run_fpctl(&r, &as_root, "-j", "attachment", "show", "--pid",
				       "999999", NULL));
	check_doc(_metadata, schema, &r, "attachment show (no process)");
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "-j", "frobnicate", NULL));
	check_doc(_metadata, schema, &r, "unknown command");
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "-j", NULL));
	check_doc(_metadata, schema, &r, "no command");
	json_object_put(schema);
}

/* root list: the roots as the test added them, by path, kind and inode, after a move. */
TEST_F(fpctl, root_list_paths)
{
	char a[96], b[96], a2[96], id[32];
	struct json_object *doc, *arr, *e;
	struct stat st;
	struct run r;
	size_t i;
	int found = 0;

	snprintf(a, sizeof(a), "%s/a", self->dir);
	snprintf(b, sizeof(b), "%s/b", self->dir);
	snprintf(a2, sizeof(a2), "%s/a2", self->dir);
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, mkdir(b, 0755));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "attach", "--pid", self->pid, "fptest",
				   NULL)) TH_LOG("%s", r.out);
	doc = parse_json(&r);
	snprintf(id, sizeof(id), "%lld",
		 member_int(doc_member(doc, "attached", json_type_object), "id"));
	json_object_put(doc);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "root", "add", "--pid", self->pid, a, NULL));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "root", "add", "--id", id, "--exclude", b,
				   NULL)) TH_LOG("%s", r.out);
	ASSERT_EQ(0, rename(a, a2));

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "root", "list", "--pid", self->pid, NULL));
	EXPECT_TRUE(HAS(&r, a2)) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "exclude")) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "-j", "root", "list", "--id", id, NULL));
	doc = parse_json(&r);
	arr = doc_member(doc, "roots", json_type_array);
	ASSERT_NE(NULL, arr) TH_LOG("%s", r.out);
	ASSERT_EQ(2, json_object_array_length(arr)) TH_LOG("%s", r.out);
	for (i = 0; i < 2; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!strcmp(member_str(e, "path"), a2)) {
			ASSERT_EQ(0, stat(a2, &st));
			EXPECT_STREQ("include", member_str(e, "kind"));
			EXPECT_EQ((long long)st.st_ino, member_int(e, "inode"));
			found++;
		} else if (!strcmp(member_str(e, "path"), b)) {
			EXPECT_STREQ("exclude", member_str(e, "kind"));
			found++;
		}
	}
	EXPECT_EQ(2, found) TH_LOG("%s", r.out);
	json_object_put(doc);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--id", id, NULL)) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "root", "list", "--id", id, NULL));
	EXPECT_TRUE(HAS(&r, "there is no attachment")) TH_LOG("%s", r.out);
}

/* attach --wait: a process without a fanotify group is waited for, then reported. */
TEST_F(fpctl, attach_wait)
{
	struct timespec t0, t1;
	int fds[1];
	char pid[16];
	pid_t none;
	struct run r;

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "--wait", "5", "--pid", self->pid,
				   "fptest", NULL)) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));

	none = start_holder(0, fds, 0);
	ASSERT_LT(0, none);
	snprintf(pid, sizeof(pid), "%d", none);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(EX_NOFAN, run_fpctl(&r, &as_root, "attach", "--wait", "1", "--pid", pid,
				      "fptest", NULL)) TH_LOG("%s", r.out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_LE(1, t1.tv_sec - t0.tv_sec + (t1.tv_nsec >= t0.tv_nsec ? 0 : -1));
	EXPECT_TRUE(HAS(&r, "has no fanotify file descriptor")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--wait", "x", "--pid", pid,
				      "fptest", NULL));
	stop_holder(none);
}

TEST_F(fpctl, busy_and_replace)
{
	struct run r;

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "fptest",
				   "drop=aa", NULL)) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_BUSY, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "fptest",
				     "drop=bb", NULL));
	EXPECT_TRUE(HAS(&r, "already has handler 'fptest' attached")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "--replace"));

	/* Options may follow the handler and its arguments. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "fptest",
				   "drop=bb", "--replace", NULL)) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "(replaced fptest)")) TH_LOG("%s", r.out);

	fp_touch(self->dir, "aa");
	fp_touch(self->dir, "bb");
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL));
	EXPECT_EQ(1, field(&r, "dropped")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "flags replace")) TH_LOG("%s", r.out);

	/* --replace with nothing attached is a plain attach. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "-r", "--perm-skip-allows",
				   "--pid", self->pid, "fptest", NULL)) TH_LOG("%s", r.out);
	EXPECT_FALSE(HAS(&r, "replaced"));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL));
	EXPECT_TRUE(HAS(&r, "flags replace,perm-skip-allows")) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));
}

/*
 * The subtree handler without arguments, configured at run time with
 * "fpctl root": two include roots, an exclude root below one of them, then a
 * root removed.
 */
TEST_F(fpctl, root_subtree_roots)
{
	char in1[96], in2[96], ex[96], out[96];
	struct run r;

	snprintf(in1, sizeof(in1), "%s/in1", self->dir);
	snprintf(in2, sizeof(in2), "%s/in2", self->dir);
	snprintf(ex, sizeof(ex), "%s/in2/ex", self->dir);
	snprintf(out, sizeof(out), "%s/out", self->dir);
	ASSERT_EQ(0, mkdir(in1, 0755));
	ASSERT_EQ(0, mkdir(in2, 0755));
	ASSERT_EQ(0, mkdir(ex, 0755));
	ASSERT_EQ(0, mkdir(out, 0755));

	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "root", "add", "--pid", self->pid,
					    in1, NULL));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "subtree", NULL))
		TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "root", "add", "--pid", self->pid, in1, NULL))
		TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "added include root")) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "root", "add", "--pid", self->pid, in2, NULL));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "root", "add", "--exclude", "--pid", self->pid,
				   ex, NULL)) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "added exclude root")) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL));
	EXPECT_EQ(3, field(&r, "roots")) TH_LOG("%s", r.out);

	fp_touch(in1, "a");
	fp_touch(in2, "b");
	fp_touch(ex, "c");
	fp_touch(out, "d");
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL));
	EXPECT_EQ(2, field(&r, "passed")) TH_LOG("%s", r.out);
	EXPECT_EQ(2, field(&r, "dropped")) TH_LOG("%s", r.out);

	/* Removing in1 makes it outside at once; removing a non-root fails. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "root", "del", "--pid", self->pid, in1, NULL))
		TH_LOG("%s", r.out);
	EXPECT_NE(EX_OK, run_fpctl(&r, &as_root, "root", "del", "--pid", self->pid, out, NULL));
	EXPECT_TRUE(HAS(&r, "is not a root")) TH_LOG("%s", r.out);
	fp_touch(in1, "e");
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL));
	EXPECT_EQ(2, field(&r, "roots")) TH_LOG("%s", r.out);
	EXPECT_EQ(3, field(&r, "dropped")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &(struct as){ 0, CAP_SYS_ADMIN }, "root", "add",
				     "--pid", self->pid, out, NULL));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));
}

/*
 * "root": the command line errors fpctl finds before it asks the core module
 * (exit code 2 each, nothing sent); the ioctl itself is not tested here.
 */
TEST_F(fpctl, root_bad_arguments)
{
	char file[96], extra[96];
	struct run r;

	snprintf(file, sizeof(file), "%s/file", self->dir);
	snprintf(extra, sizeof(extra), "%s/extra", self->dir);
	fp_touch(self->dir, "file");
	ASSERT_EQ(0, mkdir(extra, 0755));

	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", NULL));
	EXPECT_TRUE(HAS(&r, "'root' needs a verb")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "usage: fpctl root list")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "fpctl root add")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "fpctl root del")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "--pid", self->pid, NULL));
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "move", "--pid", self->pid,
				      self->dir, NULL));
	EXPECT_TRUE(HAS(&r, "unknown verb 'move' for 'root'")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", "--pid", self->pid, NULL));
	EXPECT_TRUE(HAS(&r, "the directory is missing")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", "--pid", self->pid,
				      self->dir, extra, NULL));
	EXPECT_TRUE(HAS(&r, "unexpected argument")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", self->dir, NULL));
	EXPECT_TRUE(HAS(&r, "--pid (or --id) is required")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "del", "--exclude", "--pid",
				      self->pid, self->dir, NULL));
	EXPECT_TRUE(HAS(&r, "unknown option '--exclude'")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", "--id", "1", "--pid",
				      self->pid, self->dir, NULL));
	EXPECT_TRUE(HAS(&r, "exclude each other")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "list", "--id", "0", NULL));
	EXPECT_TRUE(HAS(&r, "--id needs an attachment id")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", "--replace", "--pid",
				      self->pid, self->dir, NULL));
	EXPECT_TRUE(HAS(&r, "unknown option '--replace'")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", "--pid", "x", self->dir,
				      NULL));
	/* --exclude is not an option of the other commands. */
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "tag", "--exclude", "--pid", self->pid,
				      self->dir, NULL));

	/* DIR: nonexistent, not a directory (add and del, with and without --exclude). */
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", "--pid", self->pid,
				      "/no/such/dir", NULL));
	EXPECT_TRUE(HAS(&r, "cannot open /no/such/dir")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "del", "--pid", self->pid,
				      "/no/such/dir", NULL));
	EXPECT_TRUE(HAS(&r, "cannot open /no/such/dir")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "add", "-e", "--pid", self->pid,
				      file, NULL));
	EXPECT_TRUE(HAS(&r, "is not a directory")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "root", "del", "--pid", self->pid, file,
				      NULL));
	EXPECT_TRUE(HAS(&r, "is not a directory")) TH_LOG("%s", r.out);
}

TEST_F(fpctl, no_such_process)
{
	char pid[16];
	struct run r;
	pid_t gone;

	gone = fork();
	ASSERT_LE(0, gone);
	if (gone == 0)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	snprintf(pid, sizeof(pid), "%d", gone);
	EXPECT_EQ(EX_NOPROC, run_fpctl(&r, &as_root, "attach", "--pid", pid, "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "no such process")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_NOPROC, run_fpctl(&r, &as_root, "query", "--pid", pid, NULL));
	EXPECT_EQ(EX_NOPROC, run_fpctl(&r, &as_root, "detach", "--pid", pid, NULL));
}

TEST_F(fpctl, no_fanotify_fd)
{
	char pid[16];
	struct run r;
	pid_t other;
	int none[1];

	other = start_holder(0, none, 0);
	ASSERT_LT(0, other);
	snprintf(pid, sizeof(pid), "%d", other);
	EXPECT_EQ(EX_NOFAN, run_fpctl(&r, &as_root, "attach", "--pid", pid, "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "has no fanotify file descriptor")) TH_LOG("%s", r.out);
	/* It lists what the process has instead. */
	EXPECT_TRUE(HAS(&r, "its file descriptors:")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "  0 -> ")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_NOFAN, run_fpctl(&r, &as_root, "query", "--pid", pid, NULL));
	stop_holder(other);
}

TEST_F(fpctl, several_fanotify_fds)
{
	char pid[16], fd[16], want[64];
	int fds[2];
	struct run r;
	pid_t two;

	two = start_holder(2, fds, 0);
	ASSERT_LT(0, two);
	snprintf(pid, sizeof(pid), "%d", two);
	EXPECT_EQ(EX_AMBIGUOUS, run_fpctl(&r, &as_root, "attach", "--pid", pid, "fptest", NULL));
	snprintf(want, sizeof(want), "(%d, %d)", fds[0], fds[1]);
	EXPECT_TRUE(HAS(&r, "has 2 fanotify file descriptors")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, want)) TH_LOG("no %s in: %s", want, r.out);
	EXPECT_TRUE(HAS(&r, "--fd"));

	/* --fd picks one; the other group stays without a handler. */
	snprintf(fd, sizeof(fd), "%d", fds[1]);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "--pid", pid, "--fd", fd, "fptest",
				   NULL)) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "query", "--pid", pid, "--fd", fd, NULL));
	snprintf(fd, sizeof(fd), "%d", fds[0]);
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "query", "--pid", pid, "-f", fd, NULL));

	/* A descriptor that is not a fanotify group, and one that does not exist. */
	EXPECT_EQ(EX_NOFAN, run_fpctl(&r, &as_root, "attach", "--pid", pid, "--fd", "0",
				      "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "is not a fanotify group")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_NOFAN, run_fpctl(&r, &as_root, "query", "--pid", pid, "--fd", "999", NULL));
	EXPECT_TRUE(HAS(&r, "has no file descriptor 999")) TH_LOG("%s", r.out);

	/* show names the holder of the attached group only. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "show", NULL));
	snprintf(want, sizeof(want), HOLDER_COMM "[%d]:%d", two, fds[1]);
	EXPECT_TRUE(HAS(&r, want)) TH_LOG("no %s in: %s", want, r.out);
	snprintf(want, sizeof(want), HOLDER_COMM "[%d]:%d", two, fds[0]);
	EXPECT_FALSE(HAS(&r, want)) TH_LOG("%s in: %s", want, r.out);
	stop_holder(two);
}

TEST_F(fpctl, permission_denied)
{
	struct run r;

	/* Not root: the control device is root-only. */
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &(struct as){ 65534, -1 }, "attach", "--pid",
				     self->pid, "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "permission denied: cannot open /dev/fanotify_fastpath"))
		TH_LOG("%s", r.out);
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &(struct as){ 65534, -1 }, "query", "--pid",
				     self->pid, NULL));

	/* Root without CAP_SYS_PTRACE may not look into a process with more capabilities. */
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &(struct as){ 0, CAP_SYS_PTRACE }, "attach", "--pid",
				     self->pid, "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "ptrace")) TH_LOG("%s", r.out);

	/* Without CAP_SYS_ADMIN: no attach, no detach. */
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &(struct as){ 0, CAP_SYS_ADMIN }, "attach", "--pid",
				     self->pid, "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "needs CAP_SYS_ADMIN")) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "fptest", NULL));
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &(struct as){ 0, CAP_SYS_ADMIN }, "detach", "--pid",
				     self->pid, NULL));
	EXPECT_TRUE(HAS(&r, "needs CAP_SYS_ADMIN")) TH_LOG("%s", r.out);
	/* Query needs only the device and the group. */
	EXPECT_EQ(EX_OK, run_fpctl(&r, &(struct as){ 0, CAP_SYS_ADMIN }, "query", "--pid",
				   self->pid, NULL)) TH_LOG("%s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));

	/* Unprivileged attaching allowed, but not of a sys-admin-only handler. */
	ASSERT_EQ(0, fp_write_file(PARAM_UNPRIV, "Y"));
	EXPECT_EQ(EX_PERM, run_fpctl(&r, &(struct as){ 0, CAP_SYS_ADMIN }, "attach", "--pid",
				     self->pid, "fptest_admin", NULL));
	EXPECT_TRUE(HAS(&r, "sys-admin-only")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_OK, run_fpctl(&r, &(struct as){ 0, CAP_SYS_ADMIN }, "attach", "--pid",
				   self->pid, "fptest", NULL)) TH_LOG("%s", r.out);
	EXPECT_EQ(0, fp_write_file(PARAM_UNPRIV, "N"));
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "detach", "--pid", self->pid, NULL));
}

TEST_F(fpctl, unknown_handler)
{
	struct run r;

	EXPECT_EQ(EX_NOHANDLER, run_fpctl(&r, &as_root, "attach", "--pid", self->pid,
					  "no_such_handler", NULL));
	EXPECT_TRUE(HAS(&r, "no handler named 'no_such_handler'")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "registered handlers:")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "fanotify-fastpath-no_such_handler"));
}

TEST_F(fpctl, bad_arguments)
{
	char longarg[FAN_FP_ARGS_MAX + 16];
	struct run r;

	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, NULL));
	EXPECT_TRUE(HAS(&r, "usage: fpctl"));
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "frobnicate", NULL));
	EXPECT_TRUE(HAS(&r, "unknown object or command 'frobnicate'")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "--pid (or --id) is required")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attachment", "add", "--id", "3", "fptest",
				      NULL));
	EXPECT_TRUE(HAS(&r, "unknown option '--id'")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attachment", NULL));
	EXPECT_TRUE(HAS(&r, "'attachment' needs a verb")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "handler", "frob", NULL));
	EXPECT_TRUE(HAS(&r, "unknown verb 'frob' for 'handler'")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, NULL));
	EXPECT_TRUE(HAS(&r, "handler name is missing")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--pid", "12x", "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "--pid needs a process id")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--pid", "0", "fptest", NULL));
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "query", "--pid", self->pid, "--fd", "-1",
				      NULL));
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "bad name",
				      NULL));
	EXPECT_TRUE(HAS(&r, "invalid handler name")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--pid", self->pid,
				      "a_name_that_is_longer_than_31_chars", NULL));
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--bogus", NULL));
	EXPECT_TRUE(HAS(&r, "unknown option '--bogus'")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "query", "--replace", "--pid", self->pid,
				      NULL));
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "query", "--pid", NULL));
	EXPECT_TRUE(HAS(&r, "needs a value")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "list", "extra", NULL));
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "help", "nosuchcommand", NULL));

	/* Arguments the handler itself refuses: not a usage error, exit code 11. */
	EXPECT_EQ(EX_REJECTED, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "fptest",
					 "bogus=1", NULL));
	EXPECT_TRUE(HAS(&r, "handler 'fptest' rejected the arguments \"bogus=1\""))
		TH_LOG("%s", r.out);
	/* The subtree handler's refusals of its paths are the same exit code. */
	EXPECT_EQ(EX_REJECTED, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "subtree",
					 "root=/no/such/dir", NULL)) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "handler 'subtree' rejected the arguments")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_REJECTED, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "subtree",
					 "root=/proc/self/status", NULL)) TH_LOG("%s", r.out);
	memset(longarg, 'x', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = 0;
	EXPECT_EQ(EX_USAGE, run_fpctl(&r, &as_root, "attach", "--pid", self->pid, "fptest",
				      longarg, NULL));
	EXPECT_TRUE(HAS(&r, "longer than")) TH_LOG("%s", r.out);
	/* Nothing got attached on the way. */
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "query", "--pid", self->pid, NULL));
}

TEST_F(fpctl, help_and_version)
{
	/* Every OBJECT VERB, and each old spelling with the command it names. */
	static const char * const cmds[][3] = {
		{ "handler", "list", "handler list" }, { "handler", "show", "handler show" },
		{ "attachment", "list", "attachment list" },
		{ "attachment", "show", "attachment show" },
		{ "attachment", "add", "attachment add" },
		{ "attachment", "detach", "attachment detach" },
		{ "root", "list", "root list" }, { "root", "add", "root add" },
		{ "root", "del", "root del" }, { "tag", NULL, "tag" },
		{ "version", NULL, "version" },
		{ "list", NULL, "handler list" }, { "show", NULL, "attachment list" },
		{ "query", NULL, "attachment show" }, { "attach", NULL, "attachment add" },
		{ "detach", NULL, "attachment detach" },
	};
	struct run r;
	size_t i;

	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "--help", NULL));
	EXPECT_TRUE(HAS(&r, "Exit codes:"));
	EXPECT_TRUE(HAS(&r, "fpctl attachment add --pid PID"));
	EXPECT_TRUE(HAS(&r, "Old spellings, kept:"));
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "help", NULL));
	EXPECT_TRUE(HAS(&r, "Commands:"));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		char want[64];

		ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "help", cmds[i][0], cmds[i][1], NULL));
		snprintf(want, sizeof(want), "usage: fpctl %s", cmds[i][2]);
		EXPECT_TRUE(HAS(&r, want)) TH_LOG("%s", r.out);
		EXPECT_TRUE(HAS(&r, "  10  no handler is attached"));
		EXPECT_TRUE(HAS(&r, "  12  the loaded core module is older"));
		if (cmds[i][1]) {
			ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, cmds[i][0], cmds[i][1], "--help",
						   NULL));
		} else {
			ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, cmds[i][0], "--help", NULL));
		}
		EXPECT_TRUE(HAS(&r, want)) TH_LOG("%s", r.out);
	}
	/* "help OBJECT": every verb of it. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "help", "root", NULL));
	EXPECT_TRUE(HAS(&r, "usage: fpctl root list") && HAS(&r, "usage: fpctl root del"))
		TH_LOG("%s", r.out);
	/* --version: one line (packaging scripts cut it); "version" also names the module's. */
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "--version", NULL));
	EXPECT_EQ(0, strncmp(r.out, "fpctl ", 6)) TH_LOG("%s", r.out);
	EXPECT_EQ(strlen(r.out) - 1, strcspn(r.out, "\n")) TH_LOG("not one line: %s", r.out);
	ASSERT_EQ(EX_OK, run_fpctl(&r, &as_root, "version", NULL));
	EXPECT_TRUE(HAS(&r, "\nmodule fanotify_fastpath ")) TH_LOG("%s", r.out);
}

/* Write @val to /proc/sys/kernel/modprobe (the kernel's and fpctl's modprobe). */
static int set_modprobe(const char *val)
{
	int fd = open("/proc/sys/kernel/modprobe", O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Unload every module that depends on the core, then the core; 0 or -errno. */
static int unload_core(void)
{
	fp_unload_holders(5000);
	return fp_unload_wait(CORE, 10000);
}

/*
 * Unload the core module (no holder of a hooked group is alive: each hooked
 * group pins it), as after a boot. Root's fpctl loads it for the command
 * (the kernel's modprobe); where it cannot (not root, or modprobe fails),
 * every command says the core is not loaded. Load everything back.
 */
TEST(core_module_not_loaded)
{
	static const struct as as_nobody = { 65534, -1 };
	char pid[16], saved[256] = "";
	struct stat st;
	pid_t holder;
	struct run r;
	int fds[1], ret, fd;
	ssize_t n;

	ASSERT_EQ(0, fp_ensure_loaded(TMOD));
	holder = start_holder(1, fds, 0);
	ASSERT_LT(0, holder);
	snprintf(pid, sizeof(pid), "%d", holder);
	fd = open("/proc/sys/kernel/modprobe", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	n = read(fd, saved, sizeof(saved) - 1);
	close(fd);
	ASSERT_LT(1, n);
	saved[n] = 0;

	ret = unload_core();
	if (ret) {
		stop_holder(holder);
		fp_ensure_loaded(TMOD);
		SKIP(return, "the core module cannot be unloaded now: %s", strerror(-ret));
	}
	/* Not root: fpctl does not try, and says how. */
	EXPECT_EQ(EX_NOCORE, run_fpctl(&r, &as_nobody, "list", NULL));
	EXPECT_TRUE(HAS(&r, "core module is not loaded")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "as root, fpctl loads it")) TH_LOG("%s", r.out);
	EXPECT_NE(0, stat("/sys/module/" CORE, &st));

	/* Root, but modprobe fails: every command says so. */
	ASSERT_EQ(0, set_modprobe("/nonexistent/modprobe\n"));
	EXPECT_EQ(EX_NOCORE, run_fpctl(&r, &as_root, "attach", "--pid", pid, "fptest", NULL));
	EXPECT_TRUE(HAS(&r, "core module is not loaded")) TH_LOG("%s", r.out);
	EXPECT_TRUE(HAS(&r, "modprobe fanotify_fastpath failed")) TH_LOG("%s", r.out);
	EXPECT_EQ(EX_NOCORE, run_fpctl(&r, &as_root, "list", NULL));
	EXPECT_EQ(EX_NOCORE, run_fpctl(&r, &as_root, "show", NULL));
	EXPECT_EQ(EX_NOCORE, run_fpctl(&r, &as_root, "query", "--pid", pid, NULL));
	EXPECT_EQ(EX_NOCORE, run_fpctl(&r, &as_root, "detach", "--pid", pid, NULL));
	ASSERT_EQ(0, set_modprobe(saved));
	EXPECT_NE(0, stat("/sys/module/" CORE, &st));

	/* Root: a command that reads sysfs loads it, and one that opens the device. */
	EXPECT_EQ(EX_OK, run_fpctl(&r, &as_root, "list", NULL)) TH_LOG("%s", r.out);
	EXPECT_EQ(0, stat("/sys/module/" CORE, &st));
	ASSERT_EQ(0, unload_core());
	EXPECT_EQ(EX_NOTATTACHED, run_fpctl(&r, &as_root, "query", "--pid", pid, NULL))
		TH_LOG("%s", r.out);
	EXPECT_EQ(0, stat("/sys/module/" CORE, &st));
	stop_holder(holder);

	if (stat("/sys/module/" CORE, &st))
		ASSERT_EQ(0, fp_load(CORE, NULL));
	ASSERT_EQ(0, fp_ensure_loaded(TMOD));
}

TEST_HARNESS_MAIN
