// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl - inspect fanotify fastpath handlers and attach them to the fanotify
 * group of a running, unmodified program.
 *
 * The group of another process is reached through its file descriptors: the
 * ones whose /proc/PID/fd link reads "anon_inode:[fanotify]" are fanotify
 * groups; pidfd_open() + pidfd_getfd() duplicate one into this process (that
 * needs ptrace rights over the target), and the ioctls of the control device
 * /dev/fanotify_fastpath act on it. Handlers and attachments are listed from
 * /sys/kernel/fanotify_fastpath.
 *
 * This file owns the command line: main() and the dispatch to the commands,
 * the parsing of their options, and usage errors. fpctl.h says which file
 * owns the rest. See fpctl(8) or "fpctl help" for the commands and the exit
 * codes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fpctl.h"

/* Parse a non-negative decimal int; false on anything else. */
bool parse_uint(const char *s, int *out)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > INT_MAX)
		return false;
	*out = v;
	return true;
}

/* Report a bad command line of @cmd with its usage; returns EX_USAGE. */
int bad_usage(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errmsg("%s", msg);
	if (!json_out)
		print_cmd_usage(stderr, cmd);
	return EX_USAGE;
}

enum { OPT_PERM_SKIP_ALLOWS = 256, OPT_WAIT, OPT_PID, OPT_ID };

/*
 * Parse --pid/--fd and the options of @which (OPTS_*); --json/-j and
 * --pretty/-p are global and taken anywhere. The other arguments are left in
 * o->args. Returns EX_OK, EX_USAGE, or -1 for --help.
 */
int parse_opts(const char *cmd, int argc, char **argv, unsigned int which, struct opts *o)
{
	static const struct option lopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "fd", required_argument, NULL, 'f' },
		{ "id", required_argument, NULL, OPT_ID },
		{ "replace", no_argument, NULL, 'r' },
		{ "perm-skip-allows", no_argument, NULL, OPT_PERM_SKIP_ALLOWS },
		{ "value", required_argument, NULL, 'v' },
		{ "exclude", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->pid = -1;
	o->fd = -1;
	o->wait = -1;
	o->value = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:rv:ejph", lopts, NULL)) != -1) {
		switch (c) {
		case OPT_PID:
			if (!parse_uint(optarg, &o->pid) || o->pid == 0)
				return bad_usage(cmd, "--pid needs a process id, not '%s'", optarg);
			break;
		case 'f':
			if (!parse_uint(optarg, &o->fd))
				return bad_usage(cmd, "--fd needs a descriptor number, not '%s'",
						 optarg);
			break;
		case OPT_ID:
			if (!(which & OPTS_ID))
				return bad_usage(cmd, "unknown option '--id'");
			errno = 0;
			o->id = strtoull(optarg, &end, 10);
			if (!isdigit((unsigned char)*optarg) || *end || errno || !o->id)
				return bad_usage(cmd, "--id needs an attachment id >= 1, not '%s'",
						 optarg);
			break;
		case 'r':
		case OPT_PERM_SKIP_ALLOWS:
			if (!(which & OPTS_ATTACH))
				return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
			if (c == 'r')
				o->replace = true;
			else
				o->perm_skip_allows = true;
			break;
		case 'v':
			if (!(which & OPTS_TAG))
				return bad_usage(cmd, "unknown option '--value'");
			errno = 0;
			o->value = strtoull(optarg, &end, 0);
			if (!isdigit((unsigned char)*optarg) || *end || errno || !o->value)
				return bad_usage(cmd, "--value needs a number >= 1, not '%s'",
						 optarg);
			break;
		case 'e':
			if (!(which & OPTS_ROOT))
				return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
			o->exclude = true;
			break;
		case 'j':
		case 'p':
			json_out = true;
			if (c == 'p')
				json_pretty = true;
			break;
		case OPT_WAIT:
			if (!(which & OPTS_ATTACH))
				return bad_usage(cmd, "unknown option '--wait'");
			if (!parse_uint(optarg, &o->wait))
				return bad_usage(cmd, "--wait needs a number of seconds, not '%s'",
						 optarg);
			break;
		case 'h':
			return -1;
		case ':':
			return bad_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->id && (o->pid >= 0 || o->fd >= 0))
		return bad_usage(cmd, "--id and --pid/--fd exclude each other");
	o->args = argv + optind;
	o->nargs = argc - optind;
	return EX_OK;
}

/* An OBJECT VERB command, and what runs it. */
struct command {
	const char *object;
	const char *verb;		/* NULL: the object takes no verb */
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "handler", "list", cmd_handler_list },
	{ "handler", "show", cmd_handler_show },
	{ "attachment", "list", cmd_attachment_list },
	{ "attachment", "show", cmd_query },
	{ "attachment", "add", cmd_attach },
	{ "attachment", "detach", cmd_detach },
	{ "root", "list", cmd_root_list },
	{ "root", "add", cmd_root_add },
	{ "root", "del", cmd_root_del },
	{ "tag", NULL, cmd_tag },
	{ "version", NULL, cmd_version },
	{ "help", NULL, cmd_help },
};

/* The spellings of 0.1, kept: what each one is now. */
static const struct {
	const char *name;
	const char *object;
	const char *verb;
} aliases[] = {
	{ "list", "handler", "list" },
	{ "show", "attachment", "list" },
	{ "query", "attachment", "show" },
	{ "attach", "attachment", "add" },
	{ "detach", "attachment", "detach" },
};

/* Run OBJECT VERB (argv[0], argv[1]); argv[1] becomes the command's argv[0]. */
static int dispatch(int argc, char **argv)
{
	const char *object = argv[0], *verb = argc > 1 ? argv[1] : NULL;
	bool known = false;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(aliases); i++) {
		size_t j;

		if (strcmp(object, aliases[i].name))
			continue;
		for (j = 0; j < ARRAY_SIZE(commands); j++)
			if (!strcmp(commands[j].object, aliases[i].object) &&
			    !strcmp(commands[j].verb, aliases[i].verb))
				return commands[j].fn(argc, argv);
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].object, object))
			continue;
		known = true;
		if (!commands[i].verb)
			return commands[i].fn(argc, argv);
		if (verb && !strcmp(commands[i].verb, verb))
			return commands[i].fn(argc - 1, argv + 1);
	}
	if (!known) {
		errmsg("unknown object or command '%s'", object);
		if (!json_out)
			print_usage(stderr);
		return EX_USAGE;
	}
	if (!verb || verb[0] == '-')
		errmsg("'%s' needs a verb", object);
	else
		errmsg("unknown verb '%s' for '%s'", verb, object);
	if (!json_out)
		print_object_usage(stderr, object);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int i, ret;

	/* --json and --pretty anywhere (bpftool's -j, -p), so errors come out as JSON too. */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty"))
			json_option(argv[i]);
	/* Options before the command. */
	while (argc > 1 && json_option(argv[1])) {
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	if (argc < 2) {
		errmsg("no command given");
		if (!json_out)
			print_usage(stderr);
		ret = EX_USAGE;
		goto out;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		print_usage(stdout);
		return EX_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		if (json_out)
			return cmd_version(1, argv + 1);
		/* One line, as every --version; "fpctl version" also names the module's. */
		printf("fpctl %s (fanotify fastpath interface version %d, JSON schema %d)\n",
		       FPCTL_VERSION, FAN_FP_API_VERSION, FPCTL_JSON_SCHEMA);
		return EX_OK;
	}
	ret = dispatch(argc - 1, argv + 1);
out:
	if (ret && json_out)
		json_print_error(ret);
	return ret;
}
