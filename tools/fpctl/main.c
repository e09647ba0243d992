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
	va_list ap;

	fprintf(stderr, "%s: ", FPCTL_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_cmd_usage(stderr, cmd);
	return EX_USAGE;
}

enum { OPT_PERM_SKIP_ALLOWS = 256, OPT_PRETTY, OPT_WAIT };

/*
 * Parse --pid/--fd and the options of @which (OPTS_*); the other arguments are
 * left in o->args. Returns EX_OK, EX_USAGE, or -1 for --help.
 */
int parse_opts(const char *cmd, int argc, char **argv, unsigned int which, struct opts *o)
{
	static const struct option lopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "fd", required_argument, NULL, 'f' },
		{ "replace", no_argument, NULL, 'r' },
		{ "perm-skip-allows", no_argument, NULL, OPT_PERM_SKIP_ALLOWS },
		{ "value", required_argument, NULL, 'v' },
		{ "exclude", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, OPT_PRETTY },
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
	while ((c = getopt_long(argc, argv, ":p:f:rv:ejh", lopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_uint(optarg, &o->pid) || o->pid == 0)
				return bad_usage(cmd, "--pid needs a process id, not '%s'", optarg);
			break;
		case 'f':
			if (!parse_uint(optarg, &o->fd))
				return bad_usage(cmd, "--fd needs a descriptor number, not '%s'",
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
				return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
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
		case OPT_PRETTY:
			if (!(which & OPTS_JSON))
				return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
			json_out = true;
			if (c == OPT_PRETTY)
				json_pretty = true;
			break;
		case OPT_WAIT:
			if (!(which & OPTS_ATTACH))
				return bad_usage(cmd, "unknown option '%s'", argv[optind - 1]);
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
	o->args = argv + optind;
	o->nargs = argc - optind;
	return EX_OK;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "list", cmd_list },
		{ "show", cmd_show },
		{ "attach", cmd_attach },
		{ "detach", cmd_detach },
		{ "query", cmd_query },
		{ "tag", cmd_tag },
		{ "root", cmd_root },
		{ "help", cmd_help },
	};
	const char *cmd;
	size_t i;

	/* Options before the command: --json, --pretty (as "bpftool -j" and "ip -j"). */
	while (argc > 1 && json_option(argv[1])) {
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	if (argc < 2) {
		print_usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		print_usage(stdout);
		return EX_OK;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("fpctl %s (fanotify fastpath interface version %d)\n", FPCTL_VERSION,
		       FAN_FP_VERSION);
		return EX_OK;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	errmsg("unknown command '%s'", cmd);
	print_usage(stderr);
	return EX_USAGE;
}
