// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the help texts of the commands (by "OBJECT VERB", and the old
 * spellings that name them), the text of the exit codes, the usage summary
 * and the "help" command.
 */
#define _GNU_SOURCE
#include <string.h>

#include "fpctl.h"

#define STRINGIFY_1(x)	#x
#define STRINGIFY(x)	STRINGIFY_1(x)

#define SEL	"{--id ID | --pid PID [--fd FD]}"
#define SEL_TEXT \
	"  --id ID                  the attachment ID (\"fpctl attachment list\" shows the ids;\n" \
	"                           needs CAP_SYS_ADMIN), or:\n" \
	"  --pid PID                the process holding the fanotify group\n" \
	"  -f, --fd FD              its file descriptor number FD (needed if it has several)\n"

/* A usage of several lines (one per form of the command) separates them with '\n'. */
static const struct cmd_help cmd_helps[] = {
	{ "handler list", "fpctl handler list",
	  "List the registered handlers: name, type (c: kernel module, bpf: BPF struct_ops\n"
	  "map), flags (sys-admin-only: attaching needs CAP_SYS_ADMIN even when the core\n"
	  "module allows unprivileged attaching), the module that provides it, on how many\n"
	  "fanotify groups it is attached and its description. Handler modules that are\n"
	  "installed but not loaded are not listed: \"attachment add\" loads them on demand.\n"
	  "The arguments of each handler: fpctl(8).\n" },
	{ "handler show", "fpctl handler show [NAME...]",
	  "The same for the handlers NAME (every registered one without NAME); with --json\n"
	  "also their counters over all their attachments, ended ones included.\n" },
	{ "attachment list", "fpctl attachment list",
	  "Show every attachment (one handler on one fanotify group) with its id and\n"
	  "counters: events the handler saw, passed on to the group, dropped, denied\n"
	  "(permission events) and errors. When run as root it also names the processes\n"
	  "holding each group, as PROCESS[PID]:FD, found by scanning /proc.\n" },
	{ "attachment show", "fpctl attachment show " SEL,
	  "Show one attachment: its handler, flags and every counter of the module, by\n"
	  "name (/sys/kernel/fanotify_fastpath/counters): the verdicts, the inode tags,\n"
	  "roots (include and exclude), cache_entries and cache_max (directories in the\n"
	  "ancestry cache now, and its cap), cache_hits and cache_walks, cache_evicted,\n"
	  "cache_invalidations (directory moves and root changes) and cache_unsure\n"
	  "(decisions a concurrent rename made uncertain; their events are delivered).\n"
	  "\n" SEL_TEXT },
	{ "attachment add",
	  "fpctl attachment add --pid PID [--fd FD] [--replace] [--perm-skip-allows]\n"
	  "             [--wait SECS] HANDLER [ARGS...]",
	  "Attach handler HANDLER to the fanotify group of process PID. The process needs\n"
	  "no changes: its fanotify file descriptor is found in /proc/PID/fd (give --fd FD\n"
	  "when it has several) and duplicated with pidfd_getfd(2), which needs ptrace\n"
	  "rights over PID. ARGS are joined with spaces and passed to the handler (for\n"
	  "example root=/srv/data for the subtree handler; every handler's: fpctl(8)). A\n"
	  "handler module that is not loaded is loaded through its alias\n"
	  "fanotify-fastpath-HANDLER. Prints the new attachment's id.\n"
	  "\n"
	  "  --pid PID                the process holding the fanotify group\n"
	  "  -f, --fd FD              its file descriptor number FD (needed if it has several)\n"
	  "  -r, --replace            replace a handler already attached to the group\n"
	  "                           (atomically: no event goes unfiltered in between)\n"
	  "      --perm-skip-allows   let the handler drop permission events, which then\n"
	  "                           allows the access without asking the program\n"
	  "      --wait SECS          wait up to SECS seconds for the process to create its\n"
	  "                           fanotify group (a service just started)\n" },
	{ "attachment detach", "fpctl attachment detach " SEL,
	  "Detach the handler: the group gets every event again.\n\n" SEL_TEXT },
	{ "root list", "fpctl root list " SEL,
	  "List the subtree roots of an attachment: kind (include or exclude), device,\n"
	  "inode and path. The path comes from the root's file handle, so it is where the\n"
	  "directory is now, wherever it was moved; \"(unknown)\" when no mount of its\n"
	  "filesystem in fpctl's mount namespace reaches it.\n\n" SEL_TEXT },
	{ "root add", "fpctl root add " SEL " [--exclude] DIR",
	  "Add directory DIR as a subtree root of the attachment (adding a root that\n"
	  "exists changes its kind). With its roots, the attachment's ancestry cache\n"
	  "decides whether a directory is inside: Documentation/subtree.md. An attachment\n"
	  "has at most " STRINGIFY(FAN_FP_ROOTS_MAX) " roots.\n"
	  "\n" SEL_TEXT
	  "  -e, --exclude            add an exclude root: the tree below DIR is outside\n" },
	{ "root del", "fpctl root del " SEL " DIR",
	  "Remove the root DIR of the attachment.\n\n" SEL_TEXT },
	{ "tag", "fpctl tag " SEL " [--value N] PATH...",
	  "Tag the inode of each PATH (a file or a directory) in the attachment. Tags are\n"
	  "the per-inode state of handlers (the seed's BPF program tags the directories of\n"
	  "its subtree; the subtree handler uses roots instead). A tag does not pin its\n"
	  "inode; tags die with the attachment.\n"
	  "\n" SEL_TEXT
	  "  -v, --value N            the tag value, 1 (default) to 2^64-1\n" },
	{ "version", "fpctl version",
	  "Print fpctl's version, the interface version it uses, its JSON schema version\n"
	  "and the loaded module's version.\n" },
	{ "help", "fpctl help [OBJECT [VERB]]", "Show help for a command, or for all.\n" },
};

/* The spellings of 0.1, for "fpctl help ALIAS" (main.c runs them). */
static const struct {
	const char *alias;
	const char *name;
} help_aliases[] = {
	{ "list", "handler list" },
	{ "show", "attachment list" },
	{ "query", "attachment show" },
	{ "attach", "attachment add" },
	{ "detach", "attachment detach" },
};

static const char exit_codes_text[] =
	"Exit codes:\n"
	"  0   success\n"
	"  1   other error\n"
	"  2   bad command line (or a PATH or DIR that cannot be opened)\n"
	"  3   no such process\n"
	"  4   the process has no fanotify file descriptor (or FD is not one)\n"
	"  5   the process has several fanotify file descriptors: choose one with --fd\n"
	"  6   permission denied: ptrace rights over the process, access to\n"
	"      " FP_DEV ", or CAP_SYS_ADMIN\n"
	"  7   no such handler\n"
	"  8   the group already has a handler: use --replace\n"
	"  9   the core module is not loaded and could not be (not root, or modprobe failed)\n"
	"  10  no handler is attached to the group, or no attachment has that id\n"
	"  11  the handler rejected its arguments\n"
	"  12  the loaded core module is older than fpctl (it lacks interface version 2)\n"
	"With --json, a failed command prints {\"schema\": N, \"error\": {\"code\", \"name\",\n"
	"\"message\", \"hints\"}} on stdout instead of messages on stderr.\n";

/* The help of command @name ("OBJECT VERB", or an old spelling), or NULL. */
const struct cmd_help *find_help(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(help_aliases); i++)
		if (!strcmp(help_aliases[i].alias, name))
			name = help_aliases[i].name;
	for (i = 0; i < ARRAY_SIZE(cmd_helps); i++)
		if (!strcmp(cmd_helps[i].name, name))
			return &cmd_helps[i];
	return NULL;
}

/* Whether help entry @h is of @object ("root" for "root add"). */
static bool of_object(const struct cmd_help *h, const char *object)
{
	size_t len = strlen(object);

	return !strncmp(h->name, object, len) && (!h->name[len] || h->name[len] == ' ');
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

/* The usages of every verb of @object. */
void print_object_usage(FILE *f, const char *object)
{
	const char *first = "usage: ";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmd_helps); i++)
		if (of_object(&cmd_helps[i], object)) {
			print_lines(f, first, "       ", cmd_helps[i].usage);
			first = "       ";
		}
}

/* The summary of all commands and the exit codes ("fpctl --help"). */
void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: fpctl [-j|--json] [-p|--pretty] OBJECT VERB [ARGS]\n"
		"       fpctl -h|--help | -V|--version\n\n"
		"Control fanotify fastpath handlers: in-kernel filters that drop fanotify events\n"
		"before they are queued to a program.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(cmd_helps); i++)
		print_lines(f, "  ", "  ", cmd_helps[i].usage);
	fprintf(f, "\nOld spellings, kept: list (handler list), show (attachment list), query\n"
		"(attachment show), attach (attachment add), detach (attachment detach).\n"
		"-j, --json: one JSON document on stdout (Documentation/fpctl.schema.json);\n"
		"-p, --pretty: indented. Run \"fpctl help OBJECT [VERB]\" for details.\n\n%s",
		exit_codes_text);
}

/* Print the usage and help of command @name ("fpctl COMMAND --help"); returns @ret. */
int cmd_help_exit(const char *name, int ret)
{
	const struct cmd_help *h = find_help(name);

	print_cmd_usage(stdout, name);
	printf("\n%s", h->text);
	return ret;
}

/* fpctl help [OBJECT [VERB]] (or an old spelling) */
int cmd_help(int argc, char **argv)
{
	char name[64];
	size_t i;
	bool any = false;

	if (argc > 3)
		return bad_usage("help", "help takes an object and a verb at most");
	if (argc == 1) {
		print_usage(stdout);
		return EX_OK;
	}
	snprintf(name, sizeof(name), "%s%s%s", argv[1], argc == 3 ? " " : "",
		 argc == 3 ? argv[2] : "");
	if (find_help(name)) {
		cmd_help_exit(name, EX_OK);
		if (strcmp(name, "help"))
			printf("\n%s", exit_codes_text);
		return EX_OK;
	}
	for (i = 0; argc == 2 && i < ARRAY_SIZE(cmd_helps); i++)
		if (of_object(&cmd_helps[i], argv[1])) {
			printf("%s", any ? "\n" : "");
			cmd_help_exit(cmd_helps[i].name, EX_OK);
			any = true;
		}
	if (any)
		return EX_OK;
	errmsg("unknown command '%s'", name);
	if (!json_out)
		print_usage(stderr);
	return EX_USAGE;
}
