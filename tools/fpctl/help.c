// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the help texts of the commands, the text of the exit codes, the
 * usage summary and the "help" command.
 */
#define _GNU_SOURCE
#include <string.h>

#include "fpctl.h"

#define STRINGIFY_1(x)	#x
#define STRINGIFY(x)	STRINGIFY_1(x)

/* A usage of several lines (one per form of the command) separates them with '\n'. */
static const struct cmd_help cmd_helps[] = {
	{ "list", "fpctl list [--json] [--pretty]",
	  "List the registered handlers: name, type (c: kernel module, bpf: BPF struct_ops\n"
	  "map), flags (sys-admin-only: attaching needs CAP_SYS_ADMIN even when the core\n"
	  "module allows unprivileged attaching), the module that provides it, on how many\n"
	  "fanotify groups it is attached and its description. Handler modules that are\n"
	  "installed but not loaded are not listed: \"attach\" loads them on demand.\n"
	  "\n"
	  "  -j, --json               a JSON array of objects (name, type, flags,\n"
	  "                           sys_admin_only, module, attachments, description)\n"
	  "      --pretty             the same, indented\n" },
	{ "show", "fpctl show [--json] [--pretty]",
	  "Show every attachment (one handler on one fanotify group) with its counters:\n"
	  "events the handler saw, passed on to the group, dropped, denied (permission\n"
	  "events) and errors. When run as root it also names the processes holding each\n"
	  "group, as PROCESS[PID]:FD, found by scanning /proc.\n"
	  "\n"
	  "  -j, --json               a JSON array of objects (id, handler, flags, seen,\n"
	  "                           passed, dropped, denied, errors, processes: pid, comm\n"
	  "                           and fd of each holder, null when not run as root)\n"
	  "      --pretty             the same, indented\n" },
	{ "attach",
	  "fpctl attach --pid PID [--fd FD] [--replace] [--perm-skip-allows] [--wait SECS]\n"
	  "             HANDLER [ARGS...]",
	  "Attach handler HANDLER to the fanotify group of process PID. The process needs\n"
	  "no changes: its fanotify file descriptor is found in /proc/PID/fd (give --fd FD\n"
	  "when it has several) and duplicated with pidfd_getfd(2), which needs ptrace\n"
	  "rights over PID. ARGS are joined with spaces and passed to the handler (for\n"
	  "example root=/srv/data for the subtree handler). A handler module that is not\n"
	  "loaded is loaded through its alias fanotify-fastpath-HANDLER.\n"
	  "\n"
	  "  -p, --pid PID            the process holding the fanotify group\n"
	  "  -f, --fd FD              its file descriptor number FD (needed if it has several)\n"
	  "  -r, --replace            replace a handler already attached to the group\n"
	  "                           (atomically: no event goes unfiltered in between)\n"
	  "      --perm-skip-allows   let the handler drop permission events, which then\n"
	  "                           allows the access without asking the program\n"
	  "      --wait SECS          wait up to SECS seconds for the process to create its\n"
	  "                           fanotify group (a service just started)\n" },
	{ "detach", "fpctl detach --pid PID [--fd FD]",
	  "Detach the handler from the fanotify group of process PID: the group gets every\n"
	  "event again.\n" },
	{ "query", "fpctl query --pid PID [--fd FD] [--json] [--pretty]",
	  "Show the handler attached to the fanotify group of process PID, its counters,\n"
	  "the number of inode tags it holds, and its subtree roots and ancestry cache:\n"
	  "roots (include and exclude roots), cache_entries and cache_max (directories in\n"
	  "the cache now, and its cap), cache_hits and cache_walks (decisions answered\n"
	  "from the cache, and those that walked the dentry tree), cache_evicted (entries\n"
	  "dropped because the cache was full), cache_invalidations (directory moves and\n"
	  "root changes) and cache_unsure (decisions a concurrent rename made uncertain;\n"
	  "their events are delivered).\n"
	  "\n"
	  "  -j, --json               one JSON object: pid, comm, fd, handler, type, id,\n"
	  "                           flags and every counter under the names above\n"
	  "      --pretty             the same, indented\n" },
	{ "tag", "fpctl tag --pid PID [--fd FD] [--value N] PATH...",
	  "Tag the inode of each PATH (a file or a directory) in the attachment of the\n"
	  "fanotify group of process PID. Tags are the per-inode state of handlers (the\n"
	  "seed's BPF program tags the directories of its subtree; the subtree handler uses\n"
	  "roots instead, see \"fpctl help root\"). A tag does not pin its inode; tags die\n"
	  "with the attachment.\n"
	  "\n"
	  "  -v, --value N            the tag value, 1 (default) to 2^64-1\n" },
	{ "root",
	  "fpctl root add --pid PID [--fd FD] [--exclude] DIR\n"
	  "fpctl root del --pid PID [--fd FD] DIR",
	  "Add directory DIR as a subtree root of the attachment of the fanotify group of\n"
	  "process PID (add; adding a root that exists changes its kind), or remove it\n"
	  "(del). With its roots, the attachment's ancestry cache decides whether a\n"
	  "directory is inside: it is when its nearest root on the way up is an include\n"
	  "root, it is not when that root is an exclude root or when there is no root above\n"
	  "it. Handlers ask the cache; \"fpctl query\" shows its counters. An attachment\n"
	  "has at most " STRINGIFY(FAN_FP_ROOTS_MAX)
	  " roots. DIR must be a directory; it is passed to the core module\n"
	  "as a file descriptor (O_PATH).\n"
	  "\n"
	  "  -e, --exclude            add an exclude root: the tree below DIR is outside\n" },
	{ "help", "fpctl help [COMMAND]", "Show help for COMMAND, or for all commands.\n" },
};

static const char exit_codes_text[] =
	"Exit codes:\n"
	"  0   success\n"
	"  1   other error\n"
	"  2   bad command line, or the handler rejected its arguments\n"
	"  3   no such process\n"
	"  4   the process has no fanotify file descriptor (or FD is not one)\n"
	"  5   the process has several fanotify file descriptors: choose one with --fd\n"
	"  6   permission denied: ptrace rights over the process, access to\n"
	"      " FP_DEV ", or CAP_SYS_ADMIN\n"
	"  7   no such handler\n"
	"  8   the group already has a handler: use --replace\n"
	"  9   the core module is not loaded and could not be (not root, or modprobe failed)\n"
	"  10  no handler is attached to the group\n";

/* The help of command @name, or NULL. */
const struct cmd_help *find_help(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmd_helps); i++)
		if (!strcmp(cmd_helps[i].name, name))
			return &cmd_helps[i];
	return NULL;
}

/* Print @text line by line, the first line after @first, the others after @next. */
static void print_lines(FILE *f, const char *first, const char *next, const char *text)
{
	const char *nl;

	for (; (nl = strchr(text, '\n')); text = nl + 1, first = next)
		fprintf(f, "%s%.*s\n", first, (int)(nl - text), text);
	fprintf(f, "%s%s\n", first, text);
}

/* "usage: " and the usage of command @name, a line for each of its forms. */
void print_cmd_usage(FILE *f, const char *name)
{
	print_lines(f, "usage: ", "       ", find_help(name)->usage);
}

/* The summary of all commands and the exit codes ("fpctl --help"). */
void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: fpctl [--version] [--help] [--json] [--pretty] COMMAND [ARGS]\n\n"
		"Control fanotify fastpath handlers: in-kernel filters that drop fanotify events\n"
		"before they are queued to a program.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(cmd_helps); i++)
		print_lines(f, "  ", "  ", cmd_helps[i].usage);
	fprintf(f, "\nRun \"fpctl help COMMAND\" for details.\n\n%s", exit_codes_text);
}

/* Print the usage and help of command @name ("fpctl COMMAND --help"); returns @ret. */
int cmd_help_exit(const char *name, int ret)
{
	const struct cmd_help *h = find_help(name);

	print_cmd_usage(stdout, name);
	printf("\n%s", h->text);
	return ret;
}

/* fpctl help [COMMAND] */
int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return bad_usage("help", "help takes at most one command name");
	if (argc == 2) {
		if (!find_help(argv[1])) {
			errmsg("unknown command '%s'", argv[1]);
			print_usage(stderr);
			return EX_USAGE;
		}
		cmd_help_exit(argv[1], EX_OK);
		if (strcmp(argv[1], "help"))
			printf("\n%s", exit_codes_text);
		return EX_OK;
	}
	print_usage(stdout);
	return EX_OK;
}
