// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the commands on one attachment: "attachment add" (alias "attach",
 * with the messages of every way an attach can fail), "attachment detach"
 * (alias "detach") and "attachment show" (alias "query"), by process or by id.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fpctl.h"

static bool valid_handler_name(const char *name)
{
	size_t i, len = strlen(name);

	if (!len || len >= FAN_FP_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

/* The message and exit code of a failed attach (errno @err). */
static int attach_errno(int err, const char *name, const char *args, const struct target *t,
			int dev)
{
	struct fanotify_fastpath_info info;
	char who[128], avail[1024];

	describe(t, who, sizeof(who));
	if (err == ENOTTY)
		return old_module("attaching needs FAN_FP_IOC_ATTACH2");
	switch (err) {
	case ENOENT:
		if (handler_available(name))
			break;		/* the handler's own fp_init said ENOENT */
		errmsg("no handler named '%s' is registered, and no module provides it",
		       name);
		if (read_text(FP_SYSFS "/available", avail, sizeof(avail)) >= 0)
			hint("registered handlers: %s", avail[0] ? avail : "(none)");
		hint("handler modules are loaded on demand by their alias fanotify-fastpath-%s",
		     name);
		return EX_NOHANDLER;
	case EBUSY:
		if (!fp_query(dev, t->local_fd, &info))
			errmsg("the fanotify group of %s already has handler '%s' attached", who,
			       info.name);
		else
			errmsg("the fanotify group of %s already has a handler attached", who);
		hint("use --replace to replace it");
		return EX_BUSY;
	case EACCES:
		break;		/* fp_init: a path the caller may not read and search */
	case EPERM:
		if (param_enabled("allow_unprivileged"))
			errmsg("permission denied: sys-admin-only handler '%s' needs CAP_SYS_ADMIN",
			       name);
		else
			errmsg("permission denied: attaching a handler needs CAP_SYS_ADMIN");
		return EX_PERM;
	case EINVAL:
	case E2BIG:
	case ENAMETOOLONG:
	case ENOTDIR:
	case ENOSPC:
	case ERANGE:
		break;		/* the handler's fp_init refused its arguments */
	default:
		return common_errno(err, "attaching to", t);
	}
	if (args[0])
		errmsg("handler '%s' rejected the arguments \"%s\": %s", name, args, strerror(err));
	else
		errmsg("handler '%s' refused to attach without arguments: %s", name, strerror(err));
	return EX_REJECTED;
}

/*
 * fpctl attachment add --pid PID [--fd FD] [--replace] [--perm-skip-allows] [--wait SECS]
 *		HANDLER [ARGS...]
 */
int cmd_attach(int argc, char **argv)
{
	struct fanotify_fastpath_info old;
	unsigned int flags;
	char args[FAN_FP_ARGS_MAX] = "", who[128];
	bool had_old = false;
	struct target t;
	struct opts o;
	int ret, dev, i;
	size_t len = 0;
	__u64 id = 0;

	ret = parse_opts("attachment add", argc, argv, OPTS_ATTACH, &o);
	if (ret < 0)
		return cmd_help_exit("attachment add", EX_OK);
	if (ret)
		return ret;
	if (!o.nargs)
		return bad_usage("attachment add", "the handler name is missing");
	if (!valid_handler_name(o.args[0]))
		return bad_usage("attachment add",
				 "invalid handler name '%s': 1 to %d characters of A-Z a-z 0-9 _ -",
				 o.args[0], FAN_FP_NAME_MAX - 1);
	for (i = 1; i < o.nargs; i++) {
		size_t l = strlen(o.args[i]);

		if (len + l + 2 > sizeof(args))
			return bad_usage("attachment add",
					 "the handler arguments are longer than %d bytes",
					 FAN_FP_ARGS_MAX - 1);
		if (len)
			args[len++] = ' ';
		memcpy(args + len, o.args[i], l + 1);
		len += l;
	}

	if (o.wait > 0 && o.pid > 0)
		wait_fanotify_fd(o.pid, o.fd, o.wait);
	ret = setup_target("attachment add", &o, &dev, &t);
	if (ret)
		return ret;
	if (o.replace)
		had_old = !fp_query(dev, t.local_fd, &old);

	flags = (o.replace ? FAN_FP_ATTACH_REPLACE : 0) |
		(o.perm_skip_allows ? FAN_FP_ATTACH_PERM_SKIP_ALLOWS : 0);
	/* No arguments: no argument string at all (init_args_size 0). */
	ret = fp_attach_id(dev, t.local_fd, o.args[0], len ? args : NULL, flags, &id);
	if (ret)
		ret = attach_errno(-ret, o.args[0], args, &t, dev);
	close_target(&t, dev);
	if (ret)
		return ret;

	if (json_out) {
		struct json_object *a = json_new(json_type_object);

		json_add_u64(a, "id", id);
		json_add_str(a, "handler", o.args[0]);
		json_add_obj(a, "replaced", had_old ? json_object_new_string(old.name) : NULL);
		json_add_obj(a, "process", target_json(&t));
		json_print_doc("attached", a);
		return EX_OK;
	}
	describe(&t, who, sizeof(who));
	if (had_old)
		printf("attached handler %s to %s as attachment %llu (replaced %s)\n", o.args[0],
		       who, (unsigned long long)id, old.name);
	else
		printf("attached handler %s to %s as attachment %llu\n", o.args[0], who,
		       (unsigned long long)id);
	return EX_OK;
}

/* The name and id of what is attached to @t, for messages; false when nothing is. */
static bool attached_name(int dev, const struct target *t, char *name, __u64 *id)
{
	struct fanotify_fastpath_query q;

	if (fp_query_sel(dev, target_fan(t), target_by_id(t), t->id, &q, NULL, 0))
		return false;
	snprintf(name, FAN_FP_NAME_MAX, "%s", q.name);
	*id = q.id;
	return true;
}

/* fpctl attachment detach {--id ID | --pid PID [--fd FD]} */
int cmd_detach(int argc, char **argv)
{
	char who[128], name[FAN_FP_NAME_MAX] = "?";
	struct target t;
	struct opts o;
	int ret, dev;
	__u64 id = 0;

	ret = parse_opts("attachment detach", argc, argv, OPTS_ID, &o);
	if (ret < 0)
		return cmd_help_exit("attachment detach", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("attachment detach", "unexpected argument '%s'", o.args[0]);
	ret = setup_target("attachment detach", &o, &dev, &t);
	if (ret)
		return ret;
	attached_name(dev, &t, name, &id);

	ret = fp_detach_sel(dev, target_fan(&t), target_by_id(&t), t.id);
	if (ret)
		ret = ret == -ENOENT ? not_attached(&t) : common_errno(-ret, "detaching", &t);
	close_target(&t, dev);
	if (ret)
		return ret;
	if (json_out) {
		struct json_object *d = json_new(json_type_object);

		json_add_u64(d, "id", id);
		json_add_str(d, "handler", name);
		json_add_obj(d, "process", target_json(&t));
		json_print_doc("detached", d);
		return EX_OK;
	}
	describe(&t, who, sizeof(who));
	printf("detached handler %s (attachment %llu) from %s\n", name, (unsigned long long)id,
	       who);
	return EX_OK;
}

/* fpctl attachment show {--id ID | --pid PID [--fd FD]} */
int cmd_query(int argc, char **argv)
{
	unsigned long long c[MAX_COUNTERS];
	struct fanotify_fastpath_query q;
	char flagbuf[64];
	struct counter_names cn;
	struct target t;
	struct opts o;
	int ret, dev, i, n;

	ret = parse_opts("attachment show", argc, argv, OPTS_ID, &o);
	if (ret < 0)
		return cmd_help_exit("attachment show", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("attachment show", "unexpected argument '%s'", o.args[0]);
	ret = setup_target("attachment show", &o, &dev, &t);
	if (ret)
		return ret;
	/* The module's counters by their names; a newer module's extra ones included. */
	n = counter_names(&cn);
	ret = fp_query_sel(dev, target_fan(&t), target_by_id(&t), t.id, &q,
			   (__u64 *)c, n);
	close_target(&t, dev);
	if (ret == -ENOENT)
		return not_attached(&t);
	if (ret)
		return common_errno(-ret, "querying", &t);
	if ((int)q.nr_counters < n)
		n = q.nr_counters;

	if (json_out) {
		struct json_object *a = json_new(json_type_object);

		json_add_u64(a, "id", q.id);
		json_add_str(a, "handler", q.name);
		json_add_str(a, "type", q.handler_type == FAN_FP_HANDLER_BPF ? "bpf" : "c");
		json_add_obj(a, "flags", json_flags_array(q.attach_flags));
		json_add_obj(a, "handler_flags", json_handler_flags_array(q.handler_flags));
		json_add_obj(a, "counters", json_counters(cn.name, c, n));
		json_add_obj(a, "process", target_json(&t));
		json_print_doc("attachment", a);
		return EX_OK;
	}
	if (t.id)
		printf("attachment %llu: handler %s\n", (unsigned long long)q.id, q.name);
	else
		printf("process %d (%s) fd %d: handler %s\n", t.pid, t.comm, t.fd, q.name);
	printf("\ttype %s id %llu flags %s\n", q.handler_type == FAN_FP_HANDLER_BPF ? "bpf" : "c",
	       (unsigned long long)q.id,
	       attach_flags_str(q.attach_flags, flagbuf, sizeof(flagbuf)));
	for (i = 0; i < n; i++)
		printf("%s%s %llu%s", i % 5 ? " " : "\t", cn.name[i], c[i],
		       i % 5 == 4 || i == n - 1 ? "\n" : "");
	return EX_OK;
}
