// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: what the core module shows in sysfs (/sys/kernel/fanotify_fastpath,
 * its module parameters) and the commands built on it: "handler list|show"
 * (the registered handlers), "attachment list" (every attachment, with the
 * processes holding its group) and "version".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fpctl.h"

/* Read a small text file, without its trailing newline; returns length or -errno. */
int read_text(const char *path, char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	if (len < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[len] = 0;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = 0;
	return len;
}

/* The core module shows itself in sysfs while loaded. */
bool core_loaded(void)
{
	struct stat st;

	return !stat(FP_SYSFS, &st);
}

/* The error of every command that needs the core module; returns EX_NOCORE. */
int no_core(void)
{
	errmsg("the fanotify fastpath core module is not loaded (no %s)", FP_SYSFS);
	if (geteuid() == 0)
		hint("modprobe fanotify_fastpath failed: %s",
		     "is the module installed for this kernel (uname -r)?");
	else
		hint("as root, fpctl loads it (modprobe fanotify_fastpath)");
	return EX_NOCORE;
}

/* A boolean parameter of the core module is Y. */
bool param_enabled(const char *name)
{
	char path[256], buf[16];

	snprintf(path, sizeof(path), FP_PARAMS "/%s", name);
	return read_text(path, buf, sizeof(buf)) > 0 && (buf[0] == 'Y' || buf[0] == '1');
}

/* A handler of that name is registered. */
bool handler_available(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), FP_SYSFS "/handlers/%s", name);
	return !stat(path, &st);
}

static void handler_attr(const char *name, const char *attr, char *buf, size_t size)
{
	char path[256];

	snprintf(path, sizeof(path), FP_SYSFS "/handlers/%s/%s", name, attr);
	if (read_text(path, buf, size) < 0)
		snprintf(buf, size, "?");
}

/* The names of the module's counters, in their index order; returns how many. */
int counter_names(struct counter_names *cn)
{
	char *tok, *save;

	/* A module without the file (0.1) has no version 2 queries either. */
	cn->n = 0;
	if (read_text(FP_SYSFS "/counters", cn->buf, sizeof(cn->buf)) <= 0)
		return 0;
	for (tok = strtok_r(cn->buf, " ", &save); tok && cn->n < MAX_COUNTERS;
	     tok = strtok_r(NULL, " ", &save))
		cn->name[cn->n++] = tok;
	return cn->n;
}

static const char *const verdict_names[] = { "seen", "passed", "dropped", "denied", "errors" };

/* One handler as a JSON object. */
static struct json_object *handler_json(const char *name)
{
	struct json_object *h = json_new(json_type_object);
	char type[16], flags[32], module[64], count[32], desc[FAN_FP_DESC_MAX + 8];
	unsigned long long c[ARRAY_SIZE(verdict_names)];
	size_t i;

	handler_attr(name, "type", type, sizeof(type));
	handler_attr(name, "flags", flags, sizeof(flags));
	handler_attr(name, "module", module, sizeof(module));
	handler_attr(name, "attachments", count, sizeof(count));
	handler_attr(name, "description", desc, sizeof(desc));
	for (i = 0; i < ARRAY_SIZE(verdict_names); i++) {
		char v[32];

		handler_attr(name, verdict_names[i], v, sizeof(v));
		c[i] = strtoull(v, NULL, 10);
	}
	json_add_str(h, "name", name);
	json_add_str(h, "type", type);
	json_add_obj(h, "flags", json_handler_flags_array(strtoul(flags, NULL, 0)));
	/* sysfs says "-" for a BPF handler: no module. */
	json_add_obj(h, "module", strcmp(module, "-") && strcmp(module, "?") ?
		     json_object_new_string(module) : NULL);
	json_add_u64(h, "attachments", strtoull(count, NULL, 10));
	json_add_str(h, "description", desc);
	json_add_obj(h, "counters", json_counters(verdict_names, c, ARRAY_SIZE(verdict_names)));
	return h;
}

/* One handler as a table row. */
static void handler_row(struct table *t, const char *name)
{
	char type[16], flags[32], module[64], count[32], desc[FAN_FP_DESC_MAX + 8];
	unsigned long fl;

	handler_attr(name, "type", type, sizeof(type));
	handler_attr(name, "flags", flags, sizeof(flags));
	handler_attr(name, "module", module, sizeof(module));
	handler_attr(name, "attachments", count, sizeof(count));
	handler_attr(name, "description", desc, sizeof(desc));
	fl = strtoul(flags, NULL, 0);
	if (fl == FAN_FP_F_SYS_ADMIN_ONLY)
		snprintf(flags, sizeof(flags), "sys-admin-only");
	else if (!fl && strcmp(flags, "?"))
		snprintf(flags, sizeof(flags), "-");
	table_add(t, name, type, flags, module, count, desc);
}

/* handler list, and handler show [NAME...]: @names NULL for every registered handler. */
static int show_handlers(char **names, int nnames)
{
	struct table t = { .ncols = 6 };
	char avail[4096], *save, *name;
	struct json_object *arr = NULL;
	int ret, i;

	if (!ensure_core())
		return no_core();
	ret = read_text(FP_SYSFS "/available", avail, sizeof(avail));
	if (ret < 0) {
		errmsg("cannot read %s/available: %s", FP_SYSFS, strerror(-ret));
		return EX_FAIL;
	}
	for (i = 0; i < nnames; i++) {
		if (handler_available(names[i]))
			continue;
		errmsg("no handler named '%s' is registered", names[i]);
		hint("registered handlers: %s", avail[0] ? avail : "(none)");
		return EX_NOHANDLER;
	}
	if (json_out)
		arr = json_new(json_type_array);
	else
		table_add(&t, "NAME", "TYPE", "FLAGS", "MODULE", "ATTACHED", "DESCRIPTION");
	if (!names && !ret && !json_out) {
		table_print(&t);	/* frees the header */
		printf("no handlers are registered\n");
		printf("(a handler module registers its handlers when loaded;\n");
		printf(" \"fpctl attachment add\" loads the module on demand)\n");
		return EX_OK;
	}
	if (names) {
		for (i = 0; i < nnames; i++) {
			if (arr)
				json_append(arr, handler_json(names[i]));
			else
				handler_row(&t, names[i]);
		}
	} else {
		for (name = strtok_r(avail, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
			if (arr)
				json_append(arr, handler_json(name));
			else
				handler_row(&t, name);
		}
	}
	if (arr)
		json_print_doc("handlers", arr);
	else
		table_print(&t);
	return EX_OK;
}

/* fpctl handler list [--json] [--pretty]: the registered handlers, from sysfs. */
int cmd_handler_list(int argc, char **argv)
{
	struct opts o;
	int ret;

	ret = parse_opts("handler list", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("handler list", EX_OK);
	if (ret)
		return ret;
	if (o.nargs || o.pid >= 0 || o.fd >= 0)
		return bad_usage("handler list", "handler list takes no arguments");
	return show_handlers(NULL, 0);
}

/* fpctl handler show [NAME...]: the same for the named handlers (all without NAME). */
int cmd_handler_show(int argc, char **argv)
{
	struct opts o;
	int ret;

	ret = parse_opts("handler show", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("handler show", EX_OK);
	if (ret)
		return ret;
	if (o.pid >= 0 || o.fd >= 0)
		return bad_usage("handler show", "handler show takes handler names only");
	return show_handlers(o.nargs ? o.args : NULL, o.nargs);
}

/*
 * One attachment as a JSON object; "processes" lists the holders of its group,
 * or is null when they could not be looked up (not root).
 */
static struct json_object *attachment_json(unsigned long long id, const char *name,
					   unsigned int flags, unsigned long long *counters,
					   const struct owner *owners, int nowners, bool known)
{
	struct json_object *a = json_new(json_type_object), *procs = NULL;
	int i;

	json_add_u64(a, "id", id);
	json_add_str(a, "handler", name);
	json_add_obj(a, "flags", json_flags_array(flags));
	json_add_obj(a, "counters", json_counters(verdict_names, counters,
						  ARRAY_SIZE(verdict_names)));
	if (known) {
		procs = json_new(json_type_array);
		for (i = 0; i < nowners; i++) {
			struct json_object *p;

			if (owners[i].id != id)
				continue;
			p = json_new(json_type_object);
			json_add_int(p, "pid", owners[i].pid);
			json_add_str(p, "comm", owners[i].comm);
			json_add_int(p, "fd", owners[i].fd);
			json_append(procs, p);
		}
	}
	if (json_object_object_add(a, "processes", procs))
		exit(EX_FAIL);
	return a;
}

/* fpctl attachment list: every attachment, with the processes holding its group. */
int cmd_attachment_list(int argc, char **argv)
{
	struct table t = { .ncols = 9 };
	struct json_object *arr = NULL;
	struct owner *owners = NULL;
	int ret, nowners = 0, dev = -1, rows = 0;
	char line[512], flagbuf[64];
	struct opts o;
	FILE *f;

	ret = parse_opts("attachment list", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("attachment list", EX_OK);
	if (ret)
		return ret;
	if (o.nargs || o.pid >= 0 || o.fd >= 0)
		return bad_usage("attachment list",
				 "attachment list takes no arguments (one: attachment show)");
	if (!ensure_core())
		return no_core();
	f = fopen(FP_SYSFS "/attachments", "re");
	if (!f) {
		errmsg("cannot read %s/attachments: %s", FP_SYSFS, strerror(errno));
		return EX_FAIL;
	}
	dev = fp_open_dev();
	if (dev >= 0) {
		nowners = find_owners(dev, &owners);
		close(dev);
	}
	if (json_out)
		arr = json_new(json_type_array);
	else
		table_add(&t, "ID", "HANDLER", "FLAGS", "SEEN", "PASSED", "DROPPED", "DENIED",
			  "ERRORS", "PROCESSES");
	while (fgets(line, sizeof(line), f)) {
		char id[24], name[FAN_FP_NAME_MAX], flags[16], seen[24], passed[24];
		char dropped[24], denied[24], errors[24], who[512];
		unsigned long long idv;
		int i;

		if (sscanf(line, "%23s %31s %15s %23s %23s %23s %23s %23s", id, name, flags, seen,
			   passed, dropped, denied, errors) != 8)
			continue;
		idv = strtoull(id, NULL, 10);
		if (arr) {
			unsigned long long c[] = {
				strtoull(seen, NULL, 10), strtoull(passed, NULL, 10),
				strtoull(dropped, NULL, 10), strtoull(denied, NULL, 10),
				strtoull(errors, NULL, 10),
			};

			json_append(arr, attachment_json(idv, name, strtoul(flags, NULL, 0), c,
							 owners, nowners, dev >= 0));
			continue;
		}
		who[0] = 0;
		for (i = 0; i < nowners; i++) {
			size_t len = strlen(who);

			if (owners[i].id == idv)
				snprintf(who + len, sizeof(who) - len, "%s%s", len ? " " : "",
					 owners[i].who);
		}
		if (!who[0])
			snprintf(who, sizeof(who), dev < 0 ? "(needs root)" : "-");
		table_add(&t, id, name,
			  attach_flags_str(strtoul(flags, NULL, 0), flagbuf, sizeof(flagbuf)),
			  seen, passed, dropped, denied, errors, who);
		rows++;
	}
	fclose(f);
	free(owners);
	if (arr) {
		json_print_doc("attachments", arr);
		return EX_OK;
	}
	if (!rows) {
		table_print(&t);	/* frees the header */
		printf("(no handler is attached to any fanotify group)\n");
		return EX_OK;
	}
	table_print(&t);
	return EX_OK;
}

/* fpctl version: fpctl's, its interface and JSON schema versions, the loaded module's. */
int cmd_version(int argc, char **argv)
{
	char ver[64];
	bool loaded;
	struct opts o;
	int ret;

	ret = parse_opts("version", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("version", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("version", "unexpected argument '%s'", o.args[0]);
	loaded = read_text("/sys/module/fanotify_fastpath/version", ver, sizeof(ver)) > 0;
	if (json_out) {
		struct json_object *v = json_new(json_type_object);

		json_add_str(v, "fpctl", FPCTL_VERSION);
		json_add_int(v, "api", FAN_FP_API_VERSION);
		json_add_int(v, "schema", FPCTL_JSON_SCHEMA);
		json_add_obj(v, "module", loaded ? json_object_new_string(ver) : NULL);
		json_print_doc("version", v);
		return EX_OK;
	}
	printf("fpctl %s (fanotify fastpath interface version %d, JSON schema %d)\n",
	       FPCTL_VERSION, FAN_FP_API_VERSION, FPCTL_JSON_SCHEMA);
	if (loaded)
		printf("module fanotify_fastpath %s\n", ver);
	else
		printf("module fanotify_fastpath not loaded\n");
	return EX_OK;
}
