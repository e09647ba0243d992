/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fpctl's private header: what its files share. Which file owns what:
 *
 *   main.c    command line: OBJECT VERB dispatch, the old spellings, option parsing,
 *             usage errors
 *   help.c    help texts, the exit codes text, "fpctl help"
 *   output.c  messages (errors, hints; kept for the JSON error under --json), tables,
 *             formatting of flags and targets
 *   json.c    --json and --pretty: the JSON documents (schema in
 *             Documentation/fpctl.schema.json) built with json-c
 *   procfd.c  another process's fanotify descriptors: /proc/PID/fd, pidfd_getfd()
 *   sysfs.c   /sys/kernel/fanotify_fastpath and module parameters; "handler list|show",
 *             "attachment list", "version"
 *   dev.c     the control device: opening it, a command's attachment (--id or --pid),
 *             errno mapping
 *   attach.c  "attachment add|detach|show"
 *   inodes.c  "tag", "root list|add|del"
 */
#ifndef FPCTL_H
#define FPCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fp_lib.h"	/* tools/lib: FP_DEV, FP_SYSFS, the ioctl wrappers */

#ifndef FPCTL_VERSION
#define FPCTL_VERSION "unknown"
#endif

/* The kernel's __printf() (the attribute is on its own line for checkpatch). */
#define __printf(a, b)	__attribute__((				\
	format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define FPCTL_NAME	"fpctl"		/* prefix of every message */
#define FP_PARAMS	"/sys/module/fanotify_fastpath/parameters"

/* Exit codes; documented in fpctl.8 and in "fpctl help". */
enum {
	EX_OK		= 0,	/* success */
	EX_FAIL		= 1,	/* any other error */
	EX_USAGE	= 2,	/* bad command line (or a PATH, DIR that cannot be opened) */
	EX_NOPROC	= 3,	/* no such process */
	EX_NOFAN	= 4,	/* the process has no (such) fanotify file descriptor */
	EX_AMBIGUOUS	= 5,	/* several fanotify file descriptors and no --fd */
	EX_PERM		= 6,	/* permission denied (ptrace, device, CAP_SYS_ADMIN) */
	EX_NOHANDLER	= 7,	/* no handler of that name */
	EX_BUSY		= 8,	/* the group already has a handler (no --replace) */
	EX_NOCORE	= 9,	/* the core module is not loaded */
	EX_NOTATTACHED	= 10,	/* nothing is attached to the group (or no such attachment id) */
	EX_REJECTED	= 11,	/* the handler rejected its arguments */
	EX_OLDMODULE	= 12,	/* the loaded core module is older than fpctl (no interface 2) */
};

/* Version of fpctl's JSON documents ("schema" in each; Documentation/fpctl.schema.json). */
#define FPCTL_JSON_SCHEMA	1

/* ---- main.c: the command line ---- */

/* Which options a command takes besides --pid and --fd. */
#define OPTS_ATTACH	0x1	/* --replace, --perm-skip-allows, --wait */
#define OPTS_TAG	0x2	/* --value */
#define OPTS_ROOT	0x4	/* --exclude */
#define OPTS_ID		0x10	/* --id: the attachment by id instead of --pid */

struct opts {
	int pid;
	int fd;
	unsigned long long id;	/* --id, 0 without */
	int wait;		/* attach --wait SECS, -1 without */
	bool replace;
	bool perm_skip_allows;
	bool exclude;
	unsigned long long value;
	int nargs;
	char **args;
};

bool parse_uint(const char *s, int *out);
int parse_opts(const char *cmd, int argc, char **argv, unsigned int which, struct opts *o);
int bad_usage(const char *cmd, const char *fmt, ...) __printf(2, 3);

/* ---- help.c ---- */

struct cmd_help {
	const char *name;
	const char *usage;
	const char *text;
};

const struct cmd_help *find_help(const char *name);
void print_usage(FILE *f);
void print_cmd_usage(FILE *f, const char *name);
void print_object_usage(FILE *f, const char *object);
int cmd_help_exit(const char *name, int ret);
int cmd_help(int argc, char **argv);

/* ---- output.c ---- */

#define TABLE_COLS	9

struct table {
	int ncols;
	int nrows;
	char **cells;		/* nrows * ncols strings */
	int width[TABLE_COLS];
};

/*
 * The attachment a command acts on: by id (--id), or the group of another
 * process (--pid, --fd) and our duplicate of its descriptor.
 */
struct target {
	unsigned long long id;	/* --id; 0 when by process */
	int pid;
	int fd;			/* the descriptor number in the target */
	int local_fd;		/* our duplicate of it; -1 by id */
	char comm[64];
};

/* The selector arguments of the fp_lib.h wrappers for @t: the group's fd, or FAN_FP_BY_ID. */
static inline int target_fan(const struct target *t)
{
	return t->id ? -1 : t->local_fd;
}

static inline unsigned int target_by_id(const struct target *t)
{
	return t->id ? FAN_FP_BY_ID : 0;
}

void errmsg(const char *fmt, ...) __printf(1, 2);
void hint(const char *fmt, ...) __printf(1, 2);
void table_add(struct table *t, ...);
void table_print(struct table *t);
const char *attach_flags_str(unsigned int flags, char *buf, size_t size);
void describe(const struct target *t, char *buf, size_t size);

/* ---- json.c ---- */

struct json_object;
enum json_type;

extern bool json_out;		/* --json (or --pretty): JSON on stdout instead of text */
extern bool json_pretty;	/* --pretty: indented */

bool json_option(const char *arg);
struct json_object *json_new(enum json_type type);
void json_append(struct json_object *arr, struct json_object *val);
void json_add_obj(struct json_object *obj, const char *key, struct json_object *val);
struct json_object *json_flags_array(unsigned int attach_flags);
struct json_object *json_handler_flags_array(unsigned int flags);
struct json_object *json_counters(const char *const *names, const unsigned long long *v,
				  int n);
void json_add_str(struct json_object *obj, const char *key, const char *val);
void json_add_u64(struct json_object *obj, const char *key, unsigned long long val);
void json_add_int(struct json_object *obj, const char *key, int val);
void json_print(struct json_object *obj);
void json_print_doc(const char *key, struct json_object *val);
struct json_object *target_json(const struct target *t);
void json_error_note(bool is_hint, const char *msg);
void json_print_error(int code);

/* ---- procfd.c ---- */

struct owner {
	unsigned long long id;
	int pid;
	int fd;
	char comm[64];
	char who[96];		/* COMM[PID]:FD */
};

int get_target(int pid, int fd_opt, struct target *t);
void wait_fanotify_fd(int pid, int fd_opt, int secs);
int find_owners(int dev, struct owner **out);

/* ---- sysfs.c ---- */

#define MAX_COUNTERS	64

struct counter_names {
	int n;
	char buf[1024];
	const char *name[MAX_COUNTERS];
};

int read_text(const char *path, char *buf, size_t size);
bool core_loaded(void);
int no_core(void);
bool ensure_core(void);
bool param_enabled(const char *name);
bool handler_available(const char *name);
int counter_names(struct counter_names *cn);
int cmd_handler_list(int argc, char **argv);
int cmd_handler_show(int argc, char **argv);
int cmd_attachment_list(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* ---- dev.c ---- */

int open_device(int *devp);
int setup_target(const char *cmd, struct opts *o, int *dev, struct target *t);
void close_target(struct target *t, int dev);
int common_errno(int err, const char *what, const struct target *t);
int old_module(const char *what);
int not_attached(const struct target *t);

/* ---- attach.c, inodes.c: the commands that act on one group ---- */

int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_root_add(int argc, char **argv);
int cmd_root_del(int argc, char **argv);
int cmd_root_list(int argc, char **argv);

#endif /* FPCTL_H */
