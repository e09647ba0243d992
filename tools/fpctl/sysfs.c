// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: what the core module shows in sysfs (/sys/kernel/fanotify_fastpath,
 * its module parameters) and the two commands built on it: "list" (the
 * registered handlers) and "show" (every attachment, with the processes
 * holding its group).
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

/* list --json: one handler as an object. */
static struct json_object *handler_json(const char *name, const char *type, const char *flags,
					const char *module, const char *count, const char *desc)
{
	struct json_object *h = json_new(json_type_object);
	unsigned long fl = strtoul(flags, NULL, 0);

	json_add_str(h, "name", name);
	json_add_str(h, "type", type);
	json_add_u64(h, "flags", fl);
	json_add_obj(h, "sys_admin_only",
		     json_object_new_boolean(!!(fl & FAN_FP_F_SYS_ADMIN_ONLY)));
	json_add_str(h, "module", module);
	json_add_u64(h, "attachments", strtoull(count, NULL, 10));
	json_add_str(h, "description", desc);
	return h;
}

/* fpctl list [--json] [--pretty]: the registered handlers, from sysfs. */
int cmd_list(int argc, char **argv)
{
	struct table t = { .ncols = 6 };
	char avail[4096], *save, *name;
	struct json_object *arr = NULL;
	struct opts o;
	int ret;

	ret = parse_opts("list", argc, argv, OPTS_JSON, &o);
	if (ret < 0)
		return cmd_help_exit("list", EX_OK);
	if (ret)
		return ret;
	if (o.nargs || o.pid >= 0 || o.fd >= 0)
		return bad_usage("list", "list takes no arguments");
	if (!ensure_core())
		return no_core();
	ret = read_text(FP_SYSFS "/available", avail, sizeof(avail));
	if (ret < 0) {
		errmsg("cannot read %s/available: %s", FP_SYSFS, strerror(-ret));
		return EX_FAIL;
	}
	if (json_out)
		arr = json_new(json_type_array);
	if (!ret && json_out) {
		json_print(arr);
		return EX_OK;
	}
	if (!ret) {
		printf("no handlers are registered\n");
		printf("(a handler module registers its handlers when loaded;\n");
		printf(" \"fpctl attach\" loads the module on demand)\n");
		return EX_OK;
	}
	if (!arr)
		table_add(&t, "NAME", "TYPE", "FLAGS", "MODULE", "ATTACHED", "DESCRIPTION");
	for (name = strtok_r(avail, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		char type[16], flags[32], module[64], count[32], desc[FAN_FP_DESC_MAX + 8];
		unsigned long fl;

		handler_attr(name, "type", type, sizeof(type));
		handler_attr(name, "flags", flags, sizeof(flags));
		handler_attr(name, "module", module, sizeof(module));
		handler_attr(name, "attachments", count, sizeof(count));
		handler_attr(name, "description", desc, sizeof(desc));
		if (arr) {
			json_append(arr, handler_json(name, type, flags, module, count, desc));
			continue;
		}
		fl = strtoul(flags, NULL, 0);
		if (fl == FAN_FP_F_SYS_ADMIN_ONLY)
			snprintf(flags, sizeof(flags), "sys-admin-only");
		else if (!fl && strcmp(flags, "?"))
			snprintf(flags, sizeof(flags), "-");
		table_add(&t, name, type, flags, module, count, desc);
	}
	if (arr)
		json_print(arr);
	else
		table_print(&t);
	return EX_OK;
}

/*
 * show --json: one attachment as an object; "processes" lists the holders of
 * its group, or is null when they could not be looked up (not root).
 */
static struct json_object *attachment_json(unsigned long long id, const char *name,
					   unsigned int flags, unsigned long long *counters,
					   const struct owner *owners, int nowners, bool known)
{
	static const char * const names[] = { "seen", "passed", "dropped", "denied", "errors" };
	struct json_object *a = json_new(json_type_object), *procs = NULL;
	int i;

	json_add_u64(a, "id", id);
	json_add_str(a, "handler", name);
	json_add_obj(a, "flags", json_flags_array(flags));
	for (i = 0; i < (int)ARRAY_SIZE(names); i++)
		json_add_u64(a, names[i], counters[i]);
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

/* fpctl show [--json] [--pretty]: every attachment, with the processes holding its group. */
int cmd_show(int argc, char **argv)
{
	struct table t = { .ncols = 9 };
	struct json_object *arr = NULL;
	struct owner *owners = NULL;
	int ret, nowners = 0, dev = -1, rows = 0;
	char line[512], flagbuf[64];
	struct opts o;
	FILE *f;

	ret = parse_opts("show", argc, argv, OPTS_JSON, &o);
	if (ret < 0)
		return cmd_help_exit("show", EX_OK);
	if (ret)
		return ret;
	if (o.nargs || o.pid >= 0 || o.fd >= 0)
		return bad_usage("show", "show takes no arguments (one process: fpctl query)");
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
		json_print(arr);
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
