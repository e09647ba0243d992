// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded-time fuzzer of the control interface and of the lifecycles.
 *
 * For FP_FUZZ_SECS seconds (default 90; argument -t SECS) several threads at
 * once:
 *   groups	create fanotify groups with random flags and marks (notification
 *		and permission classes; inode, mount and filesystem marks), dup
 *		and close them; their fds sit in shared slots that the other
 *		threads use without owning them, so they meet closed, reused and
 *		duplicated descriptors
 *   ioctl x2	every ioctl of the control device (version 1: ATTACH, DETACH,
 *		QUERY, TAG, ROOT; version 2: ATTACH2, DETACH2, QUERY2, SET_TAG,
 *		SET_ROOT, GET_ROOTS; unknown ones) with valid, garbage and
 *		half-valid structures: bad versions, sizes (too small, zero and
 *		non-zero tails, past the page limit) and flags, attachments by
 *		id that exist or not, counters and roots arrays of every room and
 *		entry size, names not terminated, argument strings running into
 *		an unmapped page, pointers to nothing, wrong fds
 *   events	creates, deletes, renames, links, writes in the trees (on /tmp
 *		and on the tmpfs mounts below)
 *   opener	opens files under permission marks; the responder answers the
 *		permission events (allow or deny), some at once, others left
 *		pending for a while; the closer closes permission groups, which
 *		answers what is still queued
 *   modules	unloads and loads fp_subtree, fp_name_filter, fp_uid_filter and
 *		fp_test_handler
 *   bpf	registers and unregisters the BPF handler subtree_bpf
 *		(selftests/bpf/subtree.bpf.c)
 *   control	changes tag_max, cache_max, cache_gen_start (new caches start
 *		just below their generation's 32-bit wrap) and
 *		allow_unprivileged, drops caches, mounts and unmounts tmpfs
 *		filesystems that attached groups have roots and marks on
 *   bounds	past every bound of the ancestry cache: NBFS tmpfs filesystems
 *		(more than FAN_FP_ROOTS_MAX), each with a directory that becomes
 *		a root of the thread's own subtree attachment (re-attached with
 *		random caps, from 16 directories up) or of any slot's, and that
 *		is then deleted, recreated, removed as a root or unmounted; the
 *		attachment reaches FAN_FP_ROOTS_MAX roots and gets ENOSPC, and
 *		sees more filesystems come and go than its set holds
 *   unpriv	a child process of uid 65534 using the device fd root opened,
 *		on groups of its own, while allow_unprivileged flips
 * Every ioctl and module operation must fail, if it fails, with an errno its
 * interface documents. Afterwards: no attachment is left, fp_test_handler's
 * fp_init count equals its fp_free count, module reference counts are back,
 * the fp_anc_entry slab holds no more objects than before, and every module
 * unloads (then the core and fp_test_handler are loaded again).
 *
 * It prints its seed. FP_SEED=N (or -s N) gives every thread the same stream
 * of operations again; thread interleaving is up to the scheduler, so a race
 * may need a few runs. In the VM: scripts/vm-run.sh --append "FP_SEED=N"
 * (the kernel passes unknown NAME=VALUE parameters to /init's environment).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <bpf/libbpf.h>

#include "fp_util.h"
#include "kselftest.h"
#include "subtree.skel.h"

#define CORE		"fanotify_fastpath"
#define TMOD		"fp_test_handler"
#define PARAMS		"/sys/module/" CORE "/parameters/"
#define BASE		"/tmp/fpfuzz"
#define NSLOTS		24
#define NMOUNTS		3
#define NBFS		(FAN_FP_ROOTS_MAX + 32)	/* the bounds thread's filesystems */
#define NRESP		4
#define ANC_SLAB	"/sys/kernel/slab/fp_anc_entry"

static const char * const handler_mods[] = {
	"fp_subtree", "fp_name_filter", "fp_uid_filter", TMOD,
};

static int dev;
static int slots[NSLOTS];
static int perm_slots[NRESP] = { -1, -1, -1, -1 };	/* the responder's groups */
static bool stop;			/* __atomic */
static unsigned long long seed;
static int fuzz_secs = 90;
static char *badpage;			/* PROT_NONE */
static char *edgepage;			/* RW page followed by badpage */
static int nfails;			/* __atomic */
static unsigned long nops;		/* __atomic */
static pthread_mutex_t mount_lock = PTHREAD_MUTEX_INITIALIZER;
static bool mounted[NMOUNTS];		/* mount_lock */

/*
 * What each thread (and the unprivileged child, in shared memory) is doing,
 * for the report when one does not stop: its operation and kernel stack.
 */
#define NTHREADS	17
struct thread_state {
	const char *op;
	pid_t tid;
};

static struct thread_state *tstate;	/* NTHREADS + 1 entries, MAP_SHARED */

static bool stopping(void)
{
	return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

static void count_op(void)
{
	__atomic_add_fetch(&nops, 1, __ATOMIC_RELAXED);
}

/* No stdio locks: it also runs in a child forked from the threads. */
static void __printf(1, 2) fail(const char *fmt, ...)
{
	int n = __atomic_add_fetch(&nfails, 1, __ATOMIC_RELAXED);
	char buf[256];
	va_list ap;
	int len;

	if (n > 30)
		return;
	va_start(ap, fmt);
	len = snprintf(buf, sizeof(buf), "# FAIL: ");
	len += vsnprintf(buf + len, sizeof(buf) - len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	if (write(STDOUT_FILENO, buf, len) < 0)
		return;
}

/* xorshift64*: one stream per thread, derived from the seed. */
struct rng {
	unsigned long long s;
	unsigned int stream;
};

static void rng_init(struct rng *r, unsigned int stream)
{
	r->s = (seed ^ (0x9e3779b97f4a7c15ULL * (stream + 1))) | 1;
	r->stream = stream < NTHREADS ? stream : NTHREADS;
	tstate[r->stream].tid = gettid();
}

static void set_op(struct rng *r, const char *op)
{
	__atomic_store_n(&tstate[r->stream].op, op, __ATOMIC_RELAXED);
}

static unsigned int rnd(struct rng *r, unsigned int n)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return n ? (unsigned int)((r->s * 0x2545f4914f6cdd1dULL) >> 33) % n : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return rnd(r, 100) < percent;
}

static void msleep_rnd(struct rng *r, unsigned int max_ms)
{
	usleep(1000 * (1 + rnd(r, max_ms)));
}

/* ---- the trees ------------------------------------------------------------------------- */

static const char * const dirs[] = {
	BASE "/t", BASE "/t/a", BASE "/t/a/b", BASE "/t/a/b/c", BASE "/t/x",
	BASE "/m0", BASE "/m0/d", BASE "/m0/d/e", BASE "/m1", BASE "/m1/d",
	BASE "/m2", BASE "/m2/d/e", BASE "/p", BASE "/u",
};

#define NDIRS ARRAY_SIZE(dirs)

static const char *rnd_dir(struct rng *r)
{
	return dirs[rnd(r, NDIRS)];
}

static void mount_populate(int i)
{
	char p[128];

	snprintf(p, sizeof(p), BASE "/m%d", i);
	fp_mkdirs(p, "d/e/f");
	fp_mkdirs(p, "d/x");
}

/* ---- errno sets ---------------------------------------------------------------------- */

static bool errno_ok(int err)
{
	switch (err) {
	case 0: case EINVAL: case EBADF: case ENOENT: case EBUSY: case EPERM:
	case EFAULT: case E2BIG: case ENAMETOOLONG: case EOPNOTSUPP: case ENOTDIR:
	case ENOSPC: case ENOMEM: case ENOTTY: case EACCES: case ERANGE:
	case EINTR: case EAGAIN:
		return true;
	}
	return false;
}

static void check(const char *what, int ret)
{
	count_op();
	if (!errno_ok(ret < 0 ? -ret : ret))
		fail("%s: unexpected errno %d (%s)", what, -ret, strerror(-ret));
}

/* ---- slots: group fds shared by every thread ---------------------------------------------- */

/* Any fd number: usually a slot (maybe closed or reused), sometimes nonsense. */
static int rnd_fd(struct rng *r)
{
	switch (rnd(r, 10)) {
	case 0:
		return -1 - (int)rnd(r, 3);
	case 1:
		return dev;
	case 2:
		return 1000 + rnd(r, 50);
	case 3:
		return __atomic_load_n(&perm_slots[rnd(r, NRESP)], __ATOMIC_RELAXED);
	default:
		return __atomic_load_n(&slots[rnd(r, NSLOTS)], __ATOMIC_RELAXED);
	}
}

static void slot_put(struct rng *r, int fd)
{
	int old = __atomic_exchange_n(&slots[rnd(r, NSLOTS)], fd, __ATOMIC_ACQ_REL);

	if (old >= 0)
		close(old);
}

static void slot_close(struct rng *r)
{
	int old = __atomic_exchange_n(&slots[rnd(r, NSLOTS)], -1, __ATOMIC_ACQ_REL);

	if (old >= 0)
		close(old);
}

static void slots_close_all(void)
{
	int i, old;

	for (i = 0; i < NSLOTS; i++) {
		old = __atomic_exchange_n(&slots[i], -1, __ATOMIC_ACQ_REL);
		if (old >= 0)
			close(old);
	}
}

/*
 * Permission groups. A task waiting for a permission response holds every
 * group whose marks the event met: closing any of those groups waits for it
 * (fsnotify_destroy_group()). So that this never becomes a cycle, permission
 * groups are not in the shared slots: the responder owns them, answers every
 * event it reads (at once or after a while: pending across attaches,
 * detaches, handler unloads), and hands a group it is done with to the closer
 * thread, whose close answers what is still queued. Other threads see them
 * only as numbers in perm_slots.
 */
#define NPENDING	16
struct perm_group {
	int fd;
	struct timespec until;			/* then handed to the closer */
	int npending;
	int ev_fd[NPENDING];
	struct timespec due[NPENDING];
};

static pthread_mutex_t resp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct perm_group resp[NRESP];		/* resp_lock */
static int closeq[64];				/* resp_lock */
static int ncloseq;				/* resp_lock */
static bool responder_done;			/* __atomic */

static void ts_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool ts_passed(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec || (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

/* Queue @fd for the closer; false when the queue is full. Context: resp_lock held. */
static bool close_later(int fd)
{
	if (ncloseq == (int)ARRAY_SIZE(closeq))
		return false;
	closeq[ncloseq++] = fd;
	return true;
}

/* Take a new permission group; false (and it is closed later) when all places are taken. */
static bool resp_give(struct rng *r, int fd)
{
	bool taken = false;
	int i;

	pthread_mutex_lock(&resp_lock);
	for (i = 0; i < NRESP && !taken && !stopping(); i++) {
		if (resp[i].fd >= 0)
			continue;
		resp[i].fd = fd;
		resp[i].npending = 0;
		ts_after(&resp[i].until, 200 + rnd(r, 2000));
		__atomic_store_n(&perm_slots[i], fd, __ATOMIC_RELAXED);
		taken = true;
	}
	pthread_mutex_unlock(&resp_lock);
	/*
	 * No place, or the responder may be gone: close it here. Its release
	 * answers what is pending on it; what it waits for meanwhile (tasks
	 * waiting on other permission groups) the responder or the closer ends.
	 */
	if (!taken)
		close(fd);
	return taken;
}

/* ---- thread: groups ------------------------------------------------------------------ */

/*
 * Whether a dup of a slot's number may go into the slots: not when the number
 * has meanwhile been closed and reused by a permission group. A second fd would
 * keep that group alive after the closer's close, with nobody reading its
 * events: tasks would wait for its responses forever while holding other
 * groups, whose close then waits for them (seen: the teardown hung). Read
 * from the dup's fdinfo: a group of a permission class never goes there.
 */
static bool may_share(int fd)
{
	char path[64], buf[512], *p;
	unsigned int flags;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (fp_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	p = strstr(buf, "fanotify flags:");
	if (!p)
		return true;	/* not a group: harmless in a slot */
	if (sscanf(p, "fanotify flags:%x", &flags) != 1)
		return false;
	return !(flags & (FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT));
}

static const unsigned int classes[] = {
	FAN_CLASS_NOTIF, FAN_CLASS_NOTIF, FAN_CLASS_NOTIF, FAN_CLASS_CONTENT, FAN_CLASS_PRE_CONTENT,
};

static const unsigned int reports[] = {
	0, FAN_REPORT_FID, FAN_REPORT_DFID_NAME, FAN_REPORT_DFID_NAME | FAN_REPORT_FID,
};

static const unsigned long long notif_bits[] = {
	FAN_CREATE, FAN_DELETE, FAN_MOVED_FROM, FAN_MOVED_TO, FAN_ONDIR, FAN_EVENT_ON_CHILD,
	FAN_OPEN, FAN_CLOSE_WRITE, FAN_MODIFY, FAN_ATTRIB, FAN_RENAME, FAN_DELETE_SELF,
	FAN_MOVE_SELF, FAN_ACCESS,
};

static int new_group(struct rng *r, bool *perm)
{
	unsigned int class = classes[rnd(r, 5)];
	unsigned int flags = class | FAN_CLOEXEC;
	unsigned long long mask = 0;
	unsigned int mflags = FAN_MARK_ADD;
	int fan, i, n;

	/* Never blocking: any thread may read any slot (see drain()). */
	flags |= FAN_NONBLOCK;
	*perm = class != FAN_CLASS_NOTIF && chance(r, 70);
	if (!*perm)
		flags |= reports[rnd(r, 4)];
	if (chance(r, 20))
		flags |= FAN_UNLIMITED_QUEUE;
	fan = fanotify_init(flags, O_RDONLY);
	if (fan < 0)
		return -1;
	if (*perm) {
		/* Permission events only on BASE/p, where the opener works. */
		if (fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD |
				  (chance(r, 50) ? FAN_ACCESS_PERM : 0), AT_FDCWD, BASE "/p"))
			*perm = false;
		return fan;
	}
	for (n = 1 + rnd(r, 3); n > 0; n--) {
		mask = 0;
		for (i = 0; i < 4; i++)
			mask |= notif_bits[rnd(r, ARRAY_SIZE(notif_bits))];
		switch (rnd(r, 4)) {
		case 0:
			mflags = FAN_MARK_ADD | FAN_MARK_FILESYSTEM;
			break;
		case 1:
			mflags = FAN_MARK_ADD | FAN_MARK_MOUNT;
			break;
		default:
			mflags = FAN_MARK_ADD;
			break;
		}
		fanotify_mark(fan, mflags, mask, AT_FDCWD, rnd_dir(r));
	}
	return fan;
}

/* Read whatever a non-blocking group has queued (the fd may be anything by now). */
static void drain(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	union {
		struct fanotify_event_metadata m;
		char buf[4096];
	} u;
	struct fanotify_event_metadata *ev = &u.m;
	ssize_t len;

	if (fd < 0 || poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
		return;
	len = read(fd, u.buf, sizeof(u.buf));
	if (len < (ssize_t)sizeof(*ev) || ev->vers != FANOTIFY_METADATA_VERSION)
		return;
	for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
		if (ev->fd < 0)
			continue;
		if (ev->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM)) {
			/* A number reused by a permission group: answer, never strand. */
			struct fanotify_response resp = { .fd = ev->fd, .response = FAN_ALLOW };

			if (write(fd, &resp, sizeof(resp)) < 0)
				fail("response on a drained permission event: %s", strerror(errno));
		}
		close(ev->fd);
	}
}

static void *groups_thread(void *arg)
{
	struct rng r;

	rng_init(&r, (uintptr_t)arg);
	while (!stopping()) {
		int fd;
		bool perm;

		set_op(&r, "groups");
		switch (rnd(&r, 6)) {
		case 0:
		case 1:
			fd = new_group(&r, &perm);
			if (fd < 0)
				break;
			if (perm)
				resp_give(&r, fd);
			else
				slot_put(&r, fd);
			break;
		case 2:
			slot_close(&r);
			break;
		case 3:
			fd = __atomic_load_n(&slots[rnd(&r, NSLOTS)], __ATOMIC_RELAXED);
			fd = fd >= 0 ? dup(fd) : -1;	/* the same group, another fd */
			if (fd >= 0 && may_share(fd))
				slot_put(&r, fd);
			else if (fd >= 0)
				close(fd);
			break;
		default:
			drain(__atomic_load_n(&slots[rnd(&r, NSLOTS)], __ATOMIC_RELAXED));
			break;
		}
		msleep_rnd(&r, 20);
	}
	return NULL;
}

/* ---- thread: ioctls ------------------------------------------------------------------ */

static const char * const names[] = {
	"subtree", "name_filter", "uid_filter", "fptest", "fptest_admin", "subtree_bpf",
	"fptest", "subtree", "no_such_handler", "", "bad name!", "../fptest",
};

static const char * const good_args[] = {
	"root=" BASE "/t", "root=" BASE "/t/a exclude=" BASE "/t/a/b",
	"root=" BASE "/m0/d exclude=" BASE "/m0/d/e", "root=" BASE "/m1/d,/tmp cache=1",
	"root=" BASE "/m2/d/e cache=3", "root=/nonexistent", "root=" BASE "/p/f0",
	"ext=.c,.h", "ext=f0", "uid=0", "not_uid=0,65534", "uid=x", "drop=f", "deny=13",
	"drop=d deny=1", "ret=7", "ret=-5", "ancestor=2", "init_err=12", "deny=512", "",
	"cache=0 root=" BASE "/t", "root=", "exclude=" BASE "/t",
};

static void rnd_string(struct rng *r, char *buf, size_t size)
{
	size_t i, n = rnd(r, size);

	for (i = 0; i < n; i++)
		buf[i] = (char)(rnd(r, 2) ? ' ' + rnd(r, 95) : rnd(r, 256));
	buf[n < size ? n : size - 1] = 0;
}

/* A pointer for a structure: valid, NULL, unmapped, or running into the unmapped page. */
static void *rnd_ptr(struct rng *r, void *valid, size_t size)
{
	switch (rnd(r, 25)) {
	case 0:
		return NULL;
	case 1:
		return badpage;
	case 2:
		return (void *)1;
	case 3:
		/* Half of it readable, the rest in the unmapped page. */
		memcpy(edgepage + 4096 - size / 2, valid, size / 2);
		return edgepage + 4096 - size / 2;
	default:
		return valid;
	}
}

static void fuzz_attach(struct rng *r, int d)
{
	struct fanotify_fastpath_args a;
	char args[256];
	const char *s;
	int ret;

	memset(&a, 0, sizeof(a));
	if (chance(r, 90))
		snprintf(a.name, sizeof(a.name), "%s", names[rnd(r, 12)]);
	else
		memset(a.name, 'a' + rnd(r, 26), sizeof(a.name));	/* not terminated */
	a.version = chance(r, 95) ? FAN_FP_VERSION : rnd(r, 4);
	a.flags = chance(r, 80) ? rnd(r, 4) : 1u << rnd(r, 32);
	a.fanotify_fd = rnd_fd(r);
	if (chance(r, 80)) {
		s = good_args[rnd(r, ARRAY_SIZE(good_args))];
		snprintf(args, sizeof(args), "%s", s);
	} else {
		rnd_string(r, args, sizeof(args));
	}
	a.init_args = (uintptr_t)args;
	a.init_args_size = strlen(args) + 1;
	switch (rnd(r, 12)) {
	case 0:
		a.init_args_size = 0;
		break;
	case 1:
		a.init_args_size = FAN_FP_ARGS_MAX + 1 + rnd(r, 100);
		break;
	case 2:
		a.init_args = (uintptr_t)badpage;
		break;
	case 3:
		/* The string runs into the unmapped page. */
		memset(edgepage + 4096 - 8, 'x', 8);
		a.init_args = (uintptr_t)(edgepage + 4096 - 8);
		a.init_args_size = 16;
		break;
	case 4:
		a.init_args_size = rnd(r, a.init_args_size + 1);	/* not terminated */
		break;
	case 5:
		a.init_args = 0;
		break;
	}
	set_op(r, "ioctl ATTACH");
	ret = ioctl(d, FAN_FP_IOC_ATTACH, rnd_ptr(r, &a, sizeof(a))) ? -errno : 0;
	check("ATTACH", ret);
}

static void fuzz_detach(struct rng *r, int d)
{
	struct fanotify_fastpath_target t = {
		.version = chance(r, 95) ? FAN_FP_VERSION : rnd(r, 3),
		.flags = chance(r, 90) ? 0 : rnd(r, 8),
		.fanotify_fd = rnd_fd(r),
		.reserved = chance(r, 90) ? 0 : rnd(r, 1000),
	};

	set_op(r, "ioctl DETACH");
	check("DETACH", ioctl(d, FAN_FP_IOC_DETACH, rnd_ptr(r, &t, sizeof(t))) ? -errno : 0);
}

static void fuzz_query(struct rng *r, int d)
{
	struct fanotify_fastpath_info info;

	memset(&info, chance(r, 50) ? 0 : 0xa5, sizeof(info));
	info.version = chance(r, 95) ? FAN_FP_VERSION : rnd(r, 3);
	info.flags = chance(r, 90) ? 0 : rnd(r, 8);
	info.fanotify_fd = rnd_fd(r);
	set_op(r, "ioctl QUERY");
	check("QUERY", ioctl(d, FAN_FP_IOC_QUERY, rnd_ptr(r, &info, sizeof(info))) ? -errno : 0);
}

/*
 * A descriptor of some inode: an O_PATH or ordinary open of a random dir or
 * file (*@own set: the caller closes it), or any fd number (not ours).
 */
static int rnd_inode_fd(struct rng *r, bool *own)
{
	char p[160];

	*own = false;
	if (chance(r, 15))
		return rnd_fd(r);
	*own = true;
	set_op(r, "open for TAG/ROOT");
	if (chance(r, 20))
		snprintf(p, sizeof(p), "%s/f%u", rnd_dir(r), rnd(r, 4));
	else
		snprintf(p, sizeof(p), "%s", rnd_dir(r));
	return open(p, (chance(r, 50) ? O_PATH : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
}

static void fuzz_tag(struct rng *r, int d)
{
	struct fanotify_fastpath_tag t = {
		.version = chance(r, 95) ? FAN_FP_VERSION : rnd(r, 3),
		.flags = chance(r, 90) ? 0 : rnd(r, 8),
		.fanotify_fd = rnd_fd(r),
		.value = chance(r, 10) ? 0 : 1 + rnd(r, 1000),
	};
	bool own;
	int fd = rnd_inode_fd(r, &own);

	t.fd = fd;
	set_op(r, "ioctl TAG");
	check("TAG", ioctl(d, FAN_FP_IOC_TAG, rnd_ptr(r, &t, sizeof(t))) ? -errno : 0);
	if (own && fd >= 0)
		close(fd);
}

static void fuzz_root(struct rng *r, int d)
{
	static const unsigned int flags[] = {
		0, 0, FAN_FP_ROOT_EXCLUDE, FAN_FP_ROOT_REMOVE,
		FAN_FP_ROOT_REMOVE | FAN_FP_ROOT_EXCLUDE,
		4, 0x80000000u,
	};
	struct fanotify_fastpath_root rt = {
		.version = chance(r, 95) ? FAN_FP_VERSION : rnd(r, 3),
		.flags = flags[rnd(r, 7)],
		.fanotify_fd = rnd_fd(r),
	};
	bool own;
	int fd = rnd_inode_fd(r, &own);

	rt.fd = fd;
	set_op(r, "ioctl ROOT");
	check("ROOT", ioctl(d, FAN_FP_IOC_ROOT, rnd_ptr(r, &rt, sizeof(rt))) ? -errno : 0);
	if (own && fd >= 0)
		close(fd);
}

/* An attachment id: usually a small one (so it often exists), sometimes 0 or any. */
static __u64 rnd_id(struct rng *r)
{
	switch (rnd(r, 8)) {
	case 0:
		return 0;
	case 1:
		return ((__u64)rnd(r, 0xffffffff) << 32) | rnd(r, 0xffffffff);
	default:
		return 1 + rnd(r, 200);
	}
}

/* The version 2 ioctls, their first sizes, and the union of their structures. */
static const struct {
	unsigned long cmd;
	unsigned int ver0;
	const char *name;
} v2_cmds[] = {
	{ FAN_FP_IOC_ATTACH2, FAN_FP_ATTACH_SIZE_VER0, "ioctl ATTACH2" },
	{ FAN_FP_IOC_DETACH2, FAN_FP_DETACH_SIZE_VER0, "ioctl DETACH2" },
	{ FAN_FP_IOC_QUERY2, FAN_FP_QUERY_SIZE_VER0, "ioctl QUERY2" },
	{ FAN_FP_IOC_SET_TAG, FAN_FP_SET_TAG_SIZE_VER0, "ioctl SET_TAG" },
	{ FAN_FP_IOC_SET_ROOT, FAN_FP_SET_ROOT_SIZE_VER0, "ioctl SET_ROOT" },
	{ FAN_FP_IOC_GET_ROOTS, FAN_FP_GET_ROOTS_SIZE_VER0, "ioctl GET_ROOTS" },
};

#define V2_BUF		(4096 + 64)

/* Per version 2 ioctl: calls, and calls that succeeded (__atomic). */
static unsigned long v2_calls[6], v2_ok[6];
/* The group and id of the last attach that succeeded, for well-formed calls (__atomic). */
static int v2_last_fan = -1;
static __u64 v2_last_id;
#define ROOTS_BUF	((FAN_FP_ROOTS_MAX + 1) * 4096)

union v2_arg {
	struct fanotify_fastpath_attach attach;
	struct fanotify_fastpath_detach detach;
	struct fanotify_fastpath_query query;
	struct fanotify_fastpath_set_tag tag;
	struct fanotify_fastpath_set_root root;
	struct fanotify_fastpath_get_roots roots;
	unsigned char raw[V2_BUF];
};

/*
 * A version 2 ioctl with a structure that is valid, then given a size below the first
 * version's, exact, larger with a zero or a non-zero tail, at and past the page limit, or
 * any; the attachment by fd or by id; counters and roots arrays with room from none to
 * far more than there is, entries of every size, pointers that fault half-way. The
 * output arrays are large enough for whatever the module may write (at most
 * FAN_FP_CNT_NR counters, FAN_FP_ROOTS_MAX entries of at most a page), so a write past
 * what the caller asked for shows as a corrupted guard, not as a crash of the fuzzer.
 */
static void fuzz_v2(struct rng *r, int d)
{
	static __thread unsigned char *roots_buf;
	static __thread union v2_arg *u;
	__u64 counters[FAN_FP_CNT_NR + 16];
	unsigned int k = rnd(r, ARRAY_SIZE(v2_cmds)), size, ver0 = v2_cmds[k].ver0, n, i;
	bool own = false, good;
	char args[256];
	void *ptr;
	int fd = -1, ret;

	if (!u)
		u = malloc(sizeof(*u));
	if (!roots_buf)
		roots_buf = malloc(ROOTS_BUF + 8);
	if (!u || !roots_buf)
		return;
	memset(u, 0, sizeof(*u));
	switch (k) {
	case 0:
		snprintf(u->attach.name, sizeof(u->attach.name), "%s", names[rnd(r, 12)]);
		u->attach.flags = chance(r, 80) ? rnd(r, 4) : 1u << rnd(r, 32);
		u->attach.fanotify_fd = rnd_fd(r);
		snprintf(args, sizeof(args), "%s", good_args[rnd(r, ARRAY_SIZE(good_args))]);
		u->attach.init_args = (uintptr_t)args;
		u->attach.init_args_size = chance(r, 90) ? strlen(args) + 1 : rnd(r, 300);
		break;
	case 1:
		u->detach.fanotify_fd = rnd_fd(r);
		u->detach.reserved = chance(r, 90) ? 0 : rnd(r, 5);
		break;
	case 2:
		u->query.fanotify_fd = rnd_fd(r);
		n = rnd(r, 5);
		u->query.nr_counters = n == 0 ? 0 : n == 1 ? 1 + rnd(r, FAN_FP_CNT_NR) :
				       n == 2 ? FAN_FP_CNT_NR + rnd(r, 16) : 0xffffffffu;
		u->query.counters = (uintptr_t)rnd_ptr(r, counters, sizeof(counters));
		u->query.reserved = chance(r, 90) ? 0 : 1;
		break;
	case 3:
		u->tag.fanotify_fd = rnd_fd(r);
		fd = rnd_inode_fd(r, &own);
		u->tag.fd = fd;
		u->tag.value = chance(r, 10) ? 0 : 1 + rnd(r, 1000);
		break;
	case 4:
		u->root.fanotify_fd = rnd_fd(r);
		fd = rnd_inode_fd(r, &own);
		u->root.fd = fd;
		u->root.flags = chance(r, 80) ? rnd(r, 4) : 1u << rnd(r, 32);
		break;
	default: {
		static const unsigned int rsizes[] = {
			0, FAN_FP_ROOT_INFO_SIZE_VER0 - 1, FAN_FP_ROOT_INFO_SIZE_VER0,
			FAN_FP_ROOT_INFO_SIZE_VER0 + 8, 4096, 4097, 0xffffffffu,
		};

		u->roots.fanotify_fd = rnd_fd(r);
		u->roots.nr_roots = chance(r, 20) ? 0xffffffffu : rnd(r, FAN_FP_ROOTS_MAX + 2);
		u->roots.root_size = rsizes[rnd(r, ARRAY_SIZE(rsizes))];
		switch (rnd(r, 20)) {
		case 0:
			u->roots.roots = 0;
			break;
		case 1:
			u->roots.roots = (uintptr_t)badpage;
			break;
		case 2:
			/* Room for one small entry before the unmapped page. */
			u->roots.roots = (uintptr_t)(edgepage + 4096 - FAN_FP_ROOT_INFO_SIZE_VER0);
			break;
		default:
			u->roots.roots = (uintptr_t)roots_buf;
			break;
		}
		u->roots.reserved = chance(r, 90) ? 0 : 1;
		break;
	}
	}
	/*
	 * A third of the calls are well formed and aimed at the last attachment made, so
	 * that every ioctl also gets through its checks to its work.
	 */
	good = chance(r, 33);
	if (good && !k) {
		/* The test handler, replacing whatever a group of the slots has. */
		snprintf(u->attach.name, sizeof(u->attach.name), "fptest");
		u->attach.flags = FAN_FP_ATTACH_REPLACE;
		u->attach.fanotify_fd = __atomic_load_n(&slots[rnd(r, NSLOTS)], __ATOMIC_RELAXED);
		u->attach.init_args = 0;
		u->attach.init_args_size = 0;
	} else if (good) {
		/* fanotify_fd is the third word of each, id at byte 16 of each */
		u->detach.fanotify_fd = __atomic_load_n(&v2_last_fan, __ATOMIC_RELAXED);
		if (k == 1) {
			u->detach.reserved = 0;
		} else if (k == 2) {
			u->query.nr_counters = FAN_FP_CNT_NR;
			u->query.counters = (uintptr_t)counters;
			u->query.reserved = 0;
		} else if (k == 3) {
			u->tag.value = 1;
		} else if (k == 4) {
			u->root.flags &= FAN_FP_ROOT_ALL;
		} else if (k == 5) {
			u->roots.nr_roots = FAN_FP_ROOTS_MAX;
			u->roots.root_size = FAN_FP_ROOT_INFO_SIZE_VER0;
			u->roots.roots = (uintptr_t)roots_buf;
			u->roots.reserved = 0;
		}
	}
	/* By id instead of by descriptor (attach has no id: FAN_FP_BY_ID is a bad flag). */
	if (good && k && chance(r, 50)) {
		u->detach.flags |= FAN_FP_BY_ID;
		u->detach.id = __atomic_load_n(&v2_last_id, __ATOMIC_RELAXED);
	} else if (!good && chance(r, 30)) {
		u->detach.flags |= FAN_FP_BY_ID;	/* flags: the second word of each */
		u->detach.id = rnd_id(r);		/* id: at byte 16 of each but attach */
	}
	switch (good ? 99 : rnd(r, 9)) {
	case 0:
		size = rnd(r, ver0);				/* too small */
		break;
	case 1:
		size = ver0 + 8 * (1 + rnd(r, 8));		/* a zero tail */
		break;
	case 2:
		size = ver0 + 1 + rnd(r, 64);			/* a non-zero tail */
		u->raw[ver0 + rnd(r, size - ver0)] = 1 + rnd(r, 255);
		break;
	case 3:
		size = 4096;
		break;
	case 4:
		size = 4097 + rnd(r, 60);
		break;
	case 5:
		size = rnd(r, 0xffffffff);
		break;
	default:
		size = ver0;
		break;
	}
	u->detach.size = size;		/* size: the first word of each */
	ptr = u;
	if (good) {
		/* as it is */
	} else if (chance(r, 5)) {
		/* The structure ends where the unmapped page begins: a larger size faults. */
		i = ver0 < 4096 ? ver0 : 4096;
		memcpy(edgepage + 4096 - i, u, i);
		ptr = edgepage + 4096 - i;
	} else if (chance(r, 3)) {
		ptr = chance(r, 50) ? NULL : badpage;
	}
	memset(roots_buf + ROOTS_BUF, 0x5a, 8);
	set_op(r, v2_cmds[k].name);
	ret = ioctl(d, v2_cmds[k].cmd, ptr) ? -errno : 0;
	check(v2_cmds[k].name, ret);
	__atomic_add_fetch(&v2_calls[k], 1, __ATOMIC_RELAXED);
	if (!ret)
		__atomic_add_fetch(&v2_ok[k], 1, __ATOMIC_RELAXED);
	if (!ret && !k && ptr == u) {
		__atomic_store_n(&v2_last_fan, u->attach.fanotify_fd, __ATOMIC_RELAXED);
		__atomic_store_n(&v2_last_id, u->attach.id, __ATOMIC_RELAXED);
	}
	for (i = 0; i < 8; i++)
		if (roots_buf[ROOTS_BUF + i] != 0x5a)
			fail("GET_ROOTS wrote past %d entries of a page", FAN_FP_ROOTS_MAX + 1);
	if (own && fd >= 0)
		close(fd);
}

static void fuzz_other_ioctl(struct rng *r, int d)
{
	static const unsigned long cmds[] = {
		_IOW(FAN_FP_IOC_MAGIC, 0, int), _IOW(FAN_FP_IOC_MAGIC, 6, int),
		_IOW(FAN_FP_IOC_MAGIC, 1, int), _IOWR(FAN_FP_IOC_MAGIC, 3, int),
		_IO(FAN_FP_IOC_MAGIC, 5), 0, FIONREAD,
	};
	char buf[64];
	int ret;

	memset(buf, rnd(r, 256), sizeof(buf));
	set_op(r, "other ioctl");
	ret = ioctl(d, cmds[rnd(r, 7)], rnd_ptr(r, buf, sizeof(buf))) ? -errno : 0;
	check("other ioctl", ret);
}

static void ioctl_one(struct rng *r, int d)
{
	switch (rnd(r, 14)) {
	case 0:
	case 1:
	case 2:
		fuzz_attach(r, d);
		break;
	case 3:
		fuzz_detach(r, d);
		break;
	case 4:
		fuzz_query(r, d);
		break;
	case 5:
		fuzz_tag(r, d);
		break;
	case 6:
	case 7:
		fuzz_root(r, d);
		break;
	case 8:
		fuzz_other_ioctl(r, d);
		break;
	case 9:
		/* The ioctls on something that is not the device. */
		fuzz_query(r, rnd_fd(r));
		break;
	default:
		fuzz_v2(r, d);
		break;
	}
}

static void *ioctl_thread(void *arg)
{
	struct rng r;

	rng_init(&r, (uintptr_t)arg);
	while (!stopping()) {
		ioctl_one(&r, dev);
		if (chance(&r, 30))
			msleep_rnd(&r, 5);
	}
	return NULL;
}

/* ---- threads: file events, permission events ------------------------------------------- */

static void *events_thread(void *arg)
{
	char a[192], b[192];
	struct rng r;
	int fd;

	rng_init(&r, (uintptr_t)arg);
	while (!stopping()) {
		const char *d1 = rnd_dir(&r), *d2 = rnd_dir(&r);

		snprintf(a, sizeof(a), "%s/%c%u", d1, chance(&r, 50) ? 'f' : 'd', rnd(&r, 4));
		snprintf(b, sizeof(b), "%s/%c%u", d2, chance(&r, 50) ? 'f' : 'd', rnd(&r, 4));
		set_op(&r, "file event");
		switch (rnd(&r, 8)) {
		case 0:
			fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0) {
				if (write(fd, "x", 1) < 0)
					break;
				close(fd);
			}
			break;
		case 1:
			mkdir(a, 0755);
			break;
		case 2:
			rename(a, b);
			break;
		case 3:
			unlink(a);
			rmdir(a);
			break;
		case 4:
			link(a, b);
			break;
		case 5:
			chmod(a, 0700 + rnd(&r, 0100));
			break;
		case 6:
			/* Directories moved between trees and across roots. */
			snprintf(a, sizeof(a), "%s", d1);
			if (strcmp(d1, BASE "/p") && strcmp(d1, BASE "/u") &&
			    strchr(d1 + sizeof(BASE), '/') && !rename(d1, b))
				rename(b, d1);
			break;
		default:
			fd = open(d1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0)
				close(fd);
			break;
		}
		count_op();
	}
	return NULL;
}

static void *opener_thread(void *arg)
{
	char p[64];
	struct rng r;
	int fd;

	rng_init(&r, (uintptr_t)arg);
	while (!stopping()) {
		snprintf(p, sizeof(p), BASE "/p/f%u", rnd(&r, 4));
		set_op(&r, "open under permission marks");
		fd = open(p, O_RDONLY | O_CLOEXEC);	/* may wait for a response */
		if (fd >= 0) {
			char c;

			if (read(fd, &c, 1) < 0)
				c = 0;
			close(fd);
		}
		count_op();
		msleep_rnd(&r, 10);
	}
	return NULL;
}

static void answer(struct rng *r, int fan, int ev_fd)
{
	struct fanotify_response resp = {
		.fd = ev_fd,
		.response = chance(r, 80) ? FAN_ALLOW : FAN_DENY,
	};

	if (write(fan, &resp, sizeof(resp)) != sizeof(resp))
		fail("permission response refused: %s", strerror(errno));
	close(ev_fd);
}

/* Read one group's new events; answer the due ones. Context: resp_lock held. */
static void serve(struct rng *r, struct perm_group *g)
{
	struct pollfd pfd = { .fd = g->fd, .events = POLLIN };
	struct fanotify_event_metadata ev;
	int i;

	while (poll(&pfd, 1, 0) == 1 && read(g->fd, &ev, sizeof(ev)) == sizeof(ev)) {
		if (ev.fd < 0)
			continue;
		if (g->npending == NPENDING || chance(r, 40)) {
			answer(r, g->fd, ev.fd);
			continue;
		}
		g->ev_fd[g->npending] = ev.fd;
		ts_after(&g->due[g->npending], rnd(r, 500));	/* left pending a while */
		g->npending++;
	}
	for (i = 0; i < g->npending; i++) {
		if (!ts_passed(&g->due[i]) && !stopping())
			continue;
		answer(r, g->fd, g->ev_fd[i]);
		g->ev_fd[i] = g->ev_fd[--g->npending];
		g->due[i] = g->due[g->npending];
		i--;
	}
}

static void *responder_thread(void *arg)
{
	struct rng r;
	int i;

	rng_init(&r, (uintptr_t)arg);
	for (;;) {
		bool stop_now = stopping();
		int left = 0;

		set_op(&r, "permission responses");
		pthread_mutex_lock(&resp_lock);
		for (i = 0; i < NRESP; i++) {
			struct perm_group *g = &resp[i];

			if (g->fd < 0)
				continue;
			serve(&r, g);
			if (!stop_now && !ts_passed(&g->until))
				continue;
			while (g->npending)
				answer(&r, g->fd, g->ev_fd[--g->npending]);
			/* Never closed here: a close may wait for a response only we give. */
			if (!close_later(g->fd)) {
				left++;
				continue;
			}
			__atomic_store_n(&perm_slots[i], -1, __ATOMIC_RELAXED);
			g->fd = -1;
		}
		pthread_mutex_unlock(&resp_lock);
		if (stop_now && !left)
			break;
		usleep(1000);
	}
	__atomic_store_n(&responder_done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Closes the permission groups the responder is done with (a close may wait). */
static void *closer_thread(void *arg)
{
	struct rng r;
	int fd;

	rng_init(&r, (uintptr_t)arg);
	for (;;) {
		set_op(&r, "closing permission groups");
		pthread_mutex_lock(&resp_lock);
		fd = ncloseq ? closeq[--ncloseq] : -1;
		pthread_mutex_unlock(&resp_lock);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		/* Last: after the responder has handed over its last groups. */
		if (__atomic_load_n(&responder_done, __ATOMIC_ACQUIRE))
			break;
		usleep(5000);
	}
	return NULL;
}

/* ---- thread: modules ----------------------------------------------------------------- */

static void *modules_thread(void *arg)
{
	struct rng r;
	int ret;

	rng_init(&r, (uintptr_t)arg);
	while (!stopping()) {
		const char *m = handler_mods[rnd(&r, 4)];

		set_op(&r, m);
		ret = fp_unload(m);
		count_op();
		if (ret && ret != -EWOULDBLOCK && ret != -EBUSY && ret != -EAGAIN && ret != -ENOENT)
			fail("unload %s: %s", m, strerror(-ret));
		if (chance(&r, 80) || !strcmp(m, TMOD)) {
			ret = fp_load(m, NULL);
			count_op();
			if (ret && ret != -EEXIST && ret != -EBUSY)
				fail("load %s: %s", m, strerror(-ret));
		}
		msleep_rnd(&r, 300);
	}
	return NULL;
}

/* ---- thread: BPF handler ------------------------------------------------------------- */

static int bpf_cycles, bpf_errors;

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static void *bpf_thread(void *arg)
{
	struct rng r;

	rng_init(&r, (uintptr_t)arg);
	libbpf_set_print(quiet_libbpf);
	while (!stopping()) {
		struct subtree *skel;
		struct bpf_link *link = NULL;

		set_op(&r, "BPF load and register");
		skel = subtree__open_and_load();
		if (skel)
			link = bpf_map__attach_struct_ops(skel->maps.subtree_bpf_ops);
		if (link)
			bpf_cycles++;
		else
			bpf_errors++;	/* e.g. the name still registered by the last map */
		msleep_rnd(&r, 400);
		set_op(&r, "BPF unregister");
		if (link)
			bpf_link__destroy(link);	/* unregisters: detaches it everywhere */
		if (skel)
			subtree__destroy(skel);
		count_op();
		msleep_rnd(&r, 100);
	}
	return NULL;
}

/* ---- thread: parameters, caches, mounts -------------------------------------------------- */

static char orig_tag_max[32], orig_cache_max[32], orig_unpriv[8];

static void set_param(const char *name, const char *val)
{
	char p[128];
	int ret;

	snprintf(p, sizeof(p), PARAMS "%s", name);
	ret = fp_write_file(p, val);
	count_op();
	if (ret && ret != -EINVAL && ret != -ERANGE)
		fail("write %s=%s: %s", name, val, strerror(-ret));
}

/*
 * Caps for tag_max and cache_max. FP_FUZZ_HUGE_CAPS=1 adds 2^31 and 2^32-1.
 * They once made an ancestry cache ask kvcalloc() for 16 GiB, which WARNed
 * (found here); the cap is now clamped to 4M directories and
 * ancestry_test's huge_cap checks it. They stay opt-in: each attachment with
 * roots would then hold 16 MiB of buckets, and the fuzzer's many
 * attachments could exhaust the guest's memory.
 */
static const char * const caps[] = {
	"0", "1", "2", "16", "1000", "65536", "1000000", "2147483648", "4294967295",
};

static unsigned int ncaps = 7;

static void *control_thread(void *arg)
{
	static const char * const drops[] = { "1", "2", "3" };
	char p[64];
	struct rng r;
	int i;

	rng_init(&r, (uintptr_t)arg);
	while (!stopping()) {
		set_op(&r, "parameters, caches, mounts");
		switch (rnd(&r, 9)) {
		case 0:
			set_param("tag_max", caps[rnd(&r, ncaps)]);
			break;
		case 8:
			set_param("cache_gen_start", chance(&r, 50) ? "0" : "4294967290");
			break;
		case 1:
			set_param("cache_max", caps[rnd(&r, ncaps)]);
			break;
		case 2:
			set_param("allow_unprivileged", chance(&r, 50) ? "Y" : "N");
			break;
		case 3:
			if (chance(&r, 25))
				fp_write_file("/proc/sys/vm/drop_caches", drops[rnd(&r, 3)]);
			count_op();
			break;
		default:
			i = rnd(&r, NMOUNTS);
			snprintf(p, sizeof(p), BASE "/m%d", i);
			pthread_mutex_lock(&mount_lock);
			if (!mounted[i]) {
				if (!mount("fpfuzz", p, "tmpfs", 0, "size=4m")) {
					mounted[i] = true;
					mount_populate(i);
				}
			} else if (!umount2(p, chance(&r, 50) ? MNT_DETACH : 0)) {
				mounted[i] = false;
			}
			pthread_mutex_unlock(&mount_lock);
			count_op();
			break;
		}
		msleep_rnd(&r, 150);
	}
	return NULL;
}

/* ---- thread: the ancestry cache's bounds -------------------------------------------------- */

static bool bfs_mounted[NBFS];		/* the bounds thread only, then the teardown */
static unsigned long bfs_mounts, bfs_roots, bfs_enospc, bfs_ended;	/* bounds thread */

static const char * const bounds_args[] = {
	"", "cache=16", "cache=17", "cache=1000", "cache=4194304",
};

/* The bounds thread's own group with the subtree handler (re)attached: its fd. */
static int bounds_group(struct rng *r, int fan)
{
	if (fan >= 0 && rnd(r, 1000))
		return fan;
	if (fan >= 0)
		close(fan);
	fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK | FAN_CLOEXEC,
			    O_RDONLY);
	if (fan < 0)
		return -1;
	check("ATTACH (bounds)", fp_attach(dev, fan, "subtree",
					   bounds_args[rnd(r, ARRAY_SIZE(bounds_args))]));
	return fan;
}

static void *bounds_thread(void *arg)
{
	char p[64], rp[80];
	int fan = -1, fd, i, ret;
	struct rng r;

	rng_init(&r, (uintptr_t)arg);
	while (!stopping()) {
		set_op(&r, "bounds: filesystems and roots past FAN_FP_ROOTS_MAX");
		fan = bounds_group(&r, fan);
		i = rnd(&r, NBFS);
		snprintf(p, sizeof(p), BASE "/b%d", i);
		snprintf(rp, sizeof(rp), "%s/r", p);
		if (!bfs_mounted[i]) {
			mkdir(p, 0755);
			if (!mount("fpfuzzb", p, "tmpfs", 0, "size=1m")) {
				bfs_mounted[i] = true;
				bfs_mounts++;
				mkdir(rp, 0755);
				if (fan >= 0)
					fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
						      FAN_CREATE, AT_FDCWD, p);
			}
			count_op();
			continue;
		}
		switch (rnd(&r, 16)) {	/* mostly adds: the cap must be reached */
		case 0:
			if (!umount2(p, chance(&r, 50) ? MNT_DETACH : 0)) {
				bfs_mounted[i] = false;
				bfs_ended++;
			}
			count_op();
			break;
		case 1:
			if (!rmdir(rp))	/* the root goes away by itself */
				bfs_ended++;
			mkdir(rp, 0755);
			count_op();
			break;
		case 2:
			fd = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
			ret = fd < 0 ? 0 : fp_root_fd(dev, fan, fd, FAN_FP_ROOT_REMOVE);
			check("ROOT remove (bounds)", ret);
			if (fd >= 0)
				close(fd);
			break;
		case 3:
			fp_touch(rp, "f");
			count_op();
			break;
		default:
			fd = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
			ret = fd < 0 ? 0 : fp_root_fd(dev, chance(&r, 80) ? fan : rnd_fd(&r), fd,
						      chance(&r, 25) ? FAN_FP_ROOT_EXCLUDE : 0);
			check("ROOT add (bounds)", ret);
			bfs_roots += !ret;
			bfs_enospc += ret == -ENOSPC;
			if (fd >= 0)
				close(fd);
			break;
		}
	}
	if (fan >= 0)
		close(fan);
	return NULL;
}

/* A task that does not stop: what it was doing and where it is in the kernel. */
static void report_stuck(const char *what, pid_t pid, pid_t tid, const char *op)
{
	char path[96], stack[2048];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", pid, tid);
	if (fp_read_file(path, stack, sizeof(stack)) < 0)
		snprintf(stack, sizeof(stack), "(no %s)\n", path);
	fail("%s (tid %d) did not stop; doing: %s; kernel stack:", what, tid, op ? op : "?");
	ksft_print_msg("%s", stack);
}

static void report_threads(void)
{
	char path[96], stack[2048];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		if (!tstate[i].tid)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tstate[i].tid);
		if (fp_read_file(path, stack, sizeof(stack)) < 0)
			stack[0] = 0;
		ksft_print_msg("thread %d (tid %d) doing %s:\n%s", i, tstate[i].tid,
			       tstate[i].op ? tstate[i].op : "?", stack);
	}
}

static pid_t main_tid;
static bool teardown_done;		/* __atomic */

/* After the stop: if the teardown hangs (in the kernel?), say where, and fail. */
static void *watchdog_thread(void *arg)
{
	char path[96], stack[2048];
	int i;

	for (i = 0; i < 600; i++) {
		if (__atomic_load_n(&teardown_done, __ATOMIC_RELAXED))
			return NULL;
		usleep(100000);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", main_tid);
	if (fp_read_file(path, stack, sizeof(stack)) < 0)
		stack[0] = 0;
	fail("the teardown hangs after 60 s; main thread:");
	ksft_print_msg("%s", stack);
	report_threads();
	ksft_exit_fail_msg("stopped: a fuzzer thread hangs\n");
	return NULL;
}

/* Wait up to @ms for child @pid; returns its status, or -1 after reporting it and killing it. */
static int wait_child(pid_t pid, int ms)
{
	int status;

	for (; ms > 0; ms -= 20) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(20000);
	}
	report_stuck("the unprivileged process", pid, pid, tstate[NTHREADS].op);
	report_threads();
	kill(pid, SIGKILL);
	for (ms = 5000; ms > 0 && waitpid(pid, &status, WNOHANG) != pid; ms -= 20)
		usleep(20000);
	return -1;
}

/* ---- the unprivileged phase ------------------------------------------------------------ */

static sig_atomic_t unpriv_stop;	/* __atomic */

static void unpriv_term(int sig)
{
	__atomic_store_n(&unpriv_stop, 1, __ATOMIC_RELAXED);
}

/*
 * Runs as uid 65534 with the device fd root opened, until SIGTERM; exits 0,
 * or 1 after an unexpected errno.
 */
static int unpriv_child(unsigned int stream)
{
	struct rng r;
	int fans[4] = { -1, -1, -1, -1 };
	int i;

	signal(SIGTERM, unpriv_term);
	/* The parent's groups stay the parent's: they would outlive its closes here. */
	for (i = 3; i < 1024; i++)
		if (i != dev)
			close(i);
	for (i = 0; i < NSLOTS; i++)
		slots[i] = -1;
	for (i = 0; i < NRESP; i++)
		perm_slots[i] = -1;
	rng_init(&r, stream);
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	if (fp_open_dev() >= 0 || errno != EACCES)
		fail("unprivileged open of %s: not EACCES", FP_DEV);
	while (!__atomic_load_n(&unpriv_stop, __ATOMIC_RELAXED) && getppid() != 1) {
		i = rnd(&r, 4);
		if (fans[i] >= 0 && chance(&r, 20)) {
			close(fans[i]);
			fans[i] = -1;
		}
		if (fans[i] < 0) {
			fans[i] = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME |
						FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
			if (fans[i] >= 0)
				fanotify_mark(fans[i], FAN_MARK_ADD, FAN_CREATE | FAN_DELETE |
					      FAN_ONDIR, AT_FDCWD, BASE "/u");
		}
		/* Slots of this process are its own copies: point them at its groups. */
		slots[rnd(&r, NSLOTS)] = fans[rnd(&r, 4)];
		ioctl_one(&r, dev);
		set_op(&r, "file events");
		fp_touch(BASE "/u", "f0");
		unlink(BASE "/u/f0");
		drain(fans[i]);
		if (chance(&r, 20))
			usleep(1000);
	}
	return __atomic_load_n(&nfails, __ATOMIC_RELAXED) ? 1 : 0;
}

/* Fixed checks, with no fuzzing around: N refuses every attach, Y only admin-only handlers. */
static int unpriv_rules(void)
{
	pid_t pid;
	int status;

	for (int allow = 0; allow < 2; allow++) {
		set_param("allow_unprivileged", allow ? "Y" : "N");
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			int fan;

			if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
				_exit(10);
			fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC,
					    O_RDONLY);
			if (fan < 0)
				_exit(11);
			if (fp_attach(dev, fan, "fptest_admin", NULL) != -EPERM)
				_exit(12);
			if (fp_attach(dev, fan, "fptest", NULL) != (allow ? 0 : -EPERM))
				_exit(13);
			if (allow && fp_detach(dev, fan))
				_exit(14);
			_exit(0);
		}
		status = wait_child(pid, 30000);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("unprivileged rules, allow_unprivileged=%d: status 0x%x\n",
				       allow, status);
			return -1;
		}
	}
	return 0;
}

/* ---- setup and the checks afterwards ------------------------------------------------------- */

static int attachments_left(char *buf, size_t size)
{
	int len = fp_read_file(FP_SYSFS "/attachments", buf, size);

	return len > 0 ? len : 0;
}

static long core_extra_refs(void)
{
	struct dirent *de;
	long holders = 0;
	DIR *d = opendir("/sys/module/" CORE "/holders");

	if (!d)
		return -1;
	while ((de = readdir(d)))
		holders += de->d_name[0] != '.';
	closedir(d);
	return fp_module_refcnt(CORE) - holders;
}

/* In-use objects of the fp_anc_entry cache; -1 when not exact (merged, not a debug cache). */
static long anc_objects(void)
{
	char link[256], buf[64];
	ssize_t n = readlink(ANC_SLAB, link, sizeof(link) - 1);

	if (n > 0) {
		link[n] = 0;
		if (strchr(link, ':'))
			return -1;	/* merged with other caches */
	}
	if (fp_read_long(ANC_SLAB "/sanity_checks") != 1)
		return -1;	/* per-CPU slabs: counts are not exact */
	/*
	 * kmem_cache_shrink(): under KASAN, objects freed a while ago wait in
	 * its quarantine and still count as objects; this releases them.
	 */
	fp_write_file(ANC_SLAB "/shrink", "1");
	if (fp_read_file(ANC_SLAB "/objects", buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static void setup_trees(void)
{
	char p[64];
	int i;

	for (i = 0; i < (int)NDIRS; i++)
		fp_mkdirs("/", dirs[i] + 1);
	chmod(BASE "/u", 0777);
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "f%d", i);
		fp_touch(BASE "/p", p);
	}
	for (i = 0; i < NSLOTS; i++)
		slots[i] = -1;
	for (i = 0; i < NRESP; i++)
		resp[i].fd = -1;
}

static void cleanup_mounts(void)
{
	char p[64];
	int i;

	for (i = 0; i < NBFS; i++) {
		snprintf(p, sizeof(p), BASE "/b%d", i);
		while (!umount2(p, MNT_DETACH))
			;
		bfs_mounted[i] = false;
	}

	for (i = 0; i < NMOUNTS; i++) {
		snprintf(p, sizeof(p), BASE "/m%d", i);
		while (!umount2(p, MNT_DETACH))
			;
		mounted[i] = false;
	}
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-t SECONDS] [-s SEED]  (or FP_FUZZ_SECS, FP_SEED)\n",
		prog);
	exit(KSFT_FAIL);
}

typedef void *(*thread_fn)(void *);

int main(int argc, char **argv)
{
	pthread_t th[NTHREADS + 1];
	thread_fn fns[NTHREADS];
	const char *env;
	char buf[4096];
	long anc0, anc1, extra0, extra1, inits, frees;
	int opt, i, nth = 0, status, ret;
	pid_t unpriv;
	bool ok;

	env = getenv("FP_FUZZ_SECS");
	if (env)
		fuzz_secs = atoi(env);
	env = getenv("FP_FUZZ_HUGE_CAPS");
	if (env && atoi(env))
		ncaps = ARRAY_SIZE(caps);
	env = getenv("FP_SEED");
	if (env)
		seed = strtoull(env, NULL, 0);
	else
		seed = (unsigned long long)time(NULL) * 2654435761ULL ^ getpid();
	while ((opt = getopt(argc, argv, "t:s:")) != -1) {
		if (opt == 't')
			fuzz_secs = atoi(optarg);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else
			print_usage(argv[0]);
	}
	if (fuzz_secs <= 0)
		print_usage(argv[0]);

	ksft_print_header();
	ksft_set_plan(10);
	ksft_print_msg("seed %llu, %d s (reproduce: FP_SEED=%llu FP_FUZZ_SECS=%d)\n",
		       seed, fuzz_secs, seed, fuzz_secs);
	if (getuid())
		ksft_exit_skip("needs root\n");
	if (fp_ensure_loaded(CORE) || fp_ensure_loaded(TMOD))
		ksft_exit_fail_msg("cannot load %s and %s\n", CORE, TMOD);
	for (i = 0; i < 4; i++)
		fp_ensure_loaded(handler_mods[i]);
	dev = fp_open_dev();
	if (dev < 0)
		ksft_exit_fail_msg("open %s: %s\n", FP_DEV, strerror(errno));
	badpage = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (badpage == MAP_FAILED)
		ksft_exit_fail_msg("mmap\n");
	edgepage = badpage;
	tstate = mmap(NULL, sizeof(*tstate) * (NTHREADS + 1), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tstate == MAP_FAILED)
		ksft_exit_fail_msg("mmap\n");
	badpage += 4096;
	mprotect(badpage, 4096, PROT_NONE);
	fp_read_file(PARAMS "tag_max", orig_tag_max, sizeof(orig_tag_max));
	fp_read_file(PARAMS "cache_max", orig_cache_max, sizeof(orig_cache_max));
	fp_read_file(PARAMS "allow_unprivileged", orig_unpriv, sizeof(orig_unpriv));
	orig_tag_max[strcspn(orig_tag_max, "\n")] = 0;
	orig_cache_max[strcspn(orig_cache_max, "\n")] = 0;
	orig_unpriv[strcspn(orig_unpriv, "\n")] = 0;
	setup_trees();
	anc0 = anc_objects();
	extra0 = core_extra_refs();

	fns[nth++] = groups_thread;
	fns[nth++] = groups_thread;
	fns[nth++] = ioctl_thread;
	fns[nth++] = ioctl_thread;
	fns[nth++] = events_thread;
	fns[nth++] = opener_thread;
	fns[nth++] = responder_thread;
	fns[nth++] = closer_thread;
	fns[nth++] = modules_thread;
	fns[nth++] = bpf_thread;
	fns[nth++] = control_thread;
	fns[nth++] = bounds_thread;
	for (i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, fns[i], (void *)(uintptr_t)i))
			ksft_exit_fail_msg("pthread_create\n");

	/* The unprivileged phase: the middle third of the run. */
	sleep(fuzz_secs / 3);
	unpriv = fork();
	if (unpriv == 0)
		_exit(unpriv_child(100));
	sleep(fuzz_secs / 3);
	status = -1;
	if (unpriv > 0) {
		kill(unpriv, SIGTERM);
		status = wait_child(unpriv, 30000);
	}
	sleep(fuzz_secs - 2 * (fuzz_secs / 3));

	/*
	 * Stop. The threads end their current operation; a task waiting for a
	 * permission response holds every group its event met, so a close of any
	 * of them waits until the responder answers or the closer closes the
	 * permission group: both run until the others are done.
	 */
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	main_tid = gettid();
	if (pthread_create(&th[nth], NULL, watchdog_thread, NULL))
		ksft_exit_fail_msg("pthread_create\n");
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	slots_close_all();
	__atomic_store_n(&teardown_done, true, __ATOMIC_RELAXED);
	pthread_join(th[nth], NULL);
	pthread_mutex_lock(&mount_lock);
	cleanup_mounts();
	pthread_mutex_unlock(&mount_lock);
	ksft_print_msg("%lu operations, %d BPF register/unregister cycles (%d refused)\n",
		       nops, bpf_cycles, bpf_errors);

	ret = __atomic_load_n(&nfails, __ATOMIC_RELAXED);
	ksft_test_result(!ret, "fuzz: operations fail only with documented errnos (%d did not)\n",
			 ret);
	/* Past the checks too: every version 2 ioctl got through to do its work. */
	for (i = 0, ret = 0; i < (int)ARRAY_SIZE(v2_cmds); i++) {
		ksft_print_msg("%s: %lu calls, %lu succeeded\n", v2_cmds[i].name + 6, v2_calls[i],
			       v2_ok[i]);
		ret += !v2_ok[i];
	}
	ksft_test_result(!ret, "fuzz: every version 2 ioctl succeeded at least once (%d did not)\n",
			 ret);
	ksft_test_result(unpriv > 0 && status != -1 && WIFEXITED(status) && !WEXITSTATUS(status),
			 "fuzz: unprivileged process ran until stopped, documented errnos (0x%x)\n",
			 status);
	ksft_test_result(bfs_enospc > 0 && bfs_mounts > NBFS,
			 "bounds: %lu filesystems mounted on %d mount points, %lu roots added, %lu refused past FAN_FP_ROOTS_MAX, %lu directories deleted or unmounted\n",
			 bfs_mounts, NBFS, bfs_roots, bfs_enospc, bfs_ended);
	ksft_test_result(!unpriv_rules(),
			 "unprivileged: N refuses attaching, Y only admin-only handlers\n");
	set_param("tag_max", orig_tag_max);
	set_param("cache_max", orig_cache_max);
	set_param("cache_gen_start", "0");
	set_param("allow_unprivileged", orig_unpriv);
	/*
	 * Freeing is asynchronous in places (fsnotify's mark reaper, RCU, a
	 * struct_ops map's release): give it time.
	 */
	for (i = 0; i < 200 && attachments_left(buf, sizeof(buf)); i++)
		usleep(50000);
	ok = !attachments_left(buf, sizeof(buf));
	if (!ok)
		ksft_print_msg("attachments left:\n%s", buf);
	ksft_test_result(ok, "no attachment left\n");

	fp_ensure_loaded(TMOD);
	inits = fp_read_long("/sys/module/" TMOD "/parameters/inits");
	frees = fp_wait_long("/sys/module/" TMOD "/parameters/frees", inits, 5000);
	ksft_test_result(inits == frees, "fp_test_handler: %ld fp_init, %ld fp_free\n",
			 inits, frees);

	for (i = 0; i < 600; i++) {
		extra1 = core_extra_refs();
		if (extra1 == extra0)
			break;
		usleep(50000);
	}
	ok = extra1 == extra0;
	for (i = 0; i < 4; i++) {
		long ref = fp_module_refcnt(handler_mods[i]);

		if (ref > 0) {
			ksft_print_msg("%s: refcnt %ld\n", handler_mods[i], ref);
			ok = false;
		}
	}
	ksft_test_result(ok, "module refcounts back (core: %ld beyond its holders, was %ld)\n",
			 extra1, extra0);

	if (anc0 < 0) {
		ksft_test_result_skip("fp_anc_entry slab: inexact (merged, no slub_debug)\n");
	} else {
		for (i = 0; i < 600; i++) {
			anc1 = anc_objects();
			if (anc1 <= anc0)
				break;
			if (!(i % 100))
				ksft_print_msg("fp_anc_entry slab: %ld objects after %d ms\n",
					       anc1, i * 50);
			fp_write_file("/proc/sys/vm/drop_caches", "2");
			usleep(50000);
		}
		ksft_test_result(anc1 <= anc0,
				 "fp_anc_entry slab: %ld objects, %ld before (%d ms)\n",
				 anc1, anc0, i * 50);
	}

	close(dev);
	ret = fp_unload_holders(10000);
	if (!ret)
		ret = fp_unload_wait(CORE, 30000);
	if (ret)
		ksft_print_msg("unload: %s\n", strerror(-ret));
	ok = !ret && !fp_module_loaded(CORE);
	if (fp_load(CORE, NULL) || fp_load(TMOD, NULL))
		ok = false;
	ksft_test_result(ok, "every module unloads, and the core and %s load again\n", TMOD);
	ksft_finished();
}
