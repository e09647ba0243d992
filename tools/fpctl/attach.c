// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the commands on the attachment of one group: "attach" (with the
 * messages of every way an attach can fail), "detach" and "query".
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
	case EPERM:
	case EACCES:
		if (param_enabled("allow_unprivileged"))
			errmsg("permission denied: sys-admin-only handler '%s' needs CAP_SYS_ADMIN",
			       name);
		else
			errmsg("permission denied: attaching a handler needs CAP_SYS_ADMIN");
		return EX_PERM;
	case EINVAL:
	case E2BIG:
	case ENAMETOOLONG:
		break;
	default:
		return common_errno(err, "attaching to", t);
	}
	if (args[0])
		errmsg("handler '%s' rejected the arguments \"%s\": %s", name, args, strerror(err));
	else
		errmsg("handler '%s' refused to attach without arguments: %s", name, strerror(err));
	return EX_USAGE;
}

/*
 * fpctl attach --pid PID [--fd FD] [--replace] [--perm-skip-allows] [--wait SECS]
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

	ret = parse_opts("attach", argc, argv, OPTS_ATTACH, &o);
	if (ret < 0)
		return cmd_help_exit("attach", EX_OK);
	if (ret)
		return ret;
	if (!o.nargs)
		return bad_usage("attach", "the handler name is missing");
	if (!valid_handler_name(o.args[0]))
		return bad_usage("attach",
				 "invalid handler name '%s': 1 to %d characters of A-Z a-z 0-9 _ -",
				 o.args[0], FAN_FP_NAME_MAX - 1);
	for (i = 1; i < o.nargs; i++) {
		size_t l = strlen(o.args[i]);

		if (len + l + 2 > sizeof(args))
			return bad_usage("attach", "the handler arguments are longer than %d bytes",
					 FAN_FP_ARGS_MAX - 1);
		if (len)
			args[len++] = ' ';
		memcpy(args + len, o.args[i], l + 1);
		len += l;
	}

	if (o.wait > 0 && o.pid > 0)
		wait_fanotify_fd(o.pid, o.fd, o.wait);
	ret = setup_target("attach", &o, &dev, &t);
	if (ret)
		return ret;
	if (o.replace)
		had_old = !fp_query(dev, t.local_fd, &old);

	flags = (o.replace ? FAN_FP_ATTACH_REPLACE : 0) |
		(o.perm_skip_allows ? FAN_FP_ATTACH_PERM_SKIP_ALLOWS : 0);
	/* No arguments: no argument string at all (init_args_size 0). */
	ret = fp_attach_flags(dev, t.local_fd, o.args[0], len ? args : NULL, flags);
	if (ret)
		ret = attach_errno(-ret, o.args[0], args, &t, dev);
	close(t.local_fd);
	close(dev);
	if (ret)
		return ret;

	describe(&t, who, sizeof(who));
	if (had_old)
		printf("attached handler %s to %s (replaced %s)\n", o.args[0], who, old.name);
	else
		printf("attached handler %s to %s\n", o.args[0], who);
	return EX_OK;
}

/* fpctl detach --pid PID [--fd FD] */
int cmd_detach(int argc, char **argv)
{
	struct fanotify_fastpath_info info;
	char who[128];
	struct target t;
	struct opts o;
	int ret, dev;
	bool named;

	ret = parse_opts("detach", argc, argv, 0, &o);
	if (ret < 0)
		return cmd_help_exit("detach", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("detach", "unexpected argument '%s'", o.args[0]);
	ret = setup_target("detach", &o, &dev, &t);
	if (ret)
		return ret;
	named = !fp_query(dev, t.local_fd, &info);

	ret = fp_detach(dev, t.local_fd);
	if (ret)
		ret = ret == -ENOENT ? not_attached(&t) : common_errno(-ret, "detaching from", &t);
	close(t.local_fd);
	close(dev);
	if (ret)
		return ret;
	describe(&t, who, sizeof(who));
	printf("detached handler %s from %s\n", named ? info.name : "?", who);
	return EX_OK;
}

/* query --json: one object, the target and the counters under query's text names. */
static void query_json(const struct target *t, const struct fanotify_fastpath_info *info)
{
	struct json_object *obj = json_new(json_type_object);

	json_add_int(obj, "pid", t->pid);
	json_add_str(obj, "comm", t->comm);
	json_add_int(obj, "fd", t->fd);
	json_add_str(obj, "handler", info->name);
	json_add_str(obj, "type", info->is_bpf ? "bpf" : "c");
	json_add_u64(obj, "id", info->id);
	json_add_obj(obj, "flags", json_flags_array(info->attach_flags));
	json_add_u64(obj, "seen", info->seen);
	json_add_u64(obj, "passed", info->passed);
	json_add_u64(obj, "dropped", info->dropped);
	json_add_u64(obj, "denied", info->denied);
	json_add_u64(obj, "errors", info->errors);
	json_add_u64(obj, "tags", info->tags);
	json_add_u64(obj, "roots", info->roots);
	json_add_u64(obj, "cache_entries", info->cache_entries);
	json_add_u64(obj, "cache_max", info->cache_max);
	json_add_u64(obj, "cache_hits", info->cache_hits);
	json_add_u64(obj, "cache_walks", info->cache_walks);
	json_add_u64(obj, "cache_evicted", info->cache_evicted);
	json_add_u64(obj, "cache_invalidations", info->cache_invalidations);
	json_add_u64(obj, "cache_unsure", info->cache_unsure);
	json_print(obj);
}

/* fpctl query --pid PID [--fd FD] [--json] [--pretty] */
int cmd_query(int argc, char **argv)
{
	struct fanotify_fastpath_info info;
	char flagbuf[64];
	struct target t;
	struct opts o;
	int ret, dev;

	ret = parse_opts("query", argc, argv, OPTS_JSON, &o);
	if (ret < 0)
		return cmd_help_exit("query", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("query", "unexpected argument '%s'", o.args[0]);
	ret = setup_target("query", &o, &dev, &t);
	if (ret)
		return ret;
	ret = fp_query(dev, t.local_fd, &info);
	close(t.local_fd);
	close(dev);
	if (ret == -ENOENT)
		return not_attached(&t);
	if (ret)
		return common_errno(-ret, "querying", &t);

	if (json_out) {
		query_json(&t, &info);
		return EX_OK;
	}
	printf("process %d (%s) fd %d: handler %s\n", t.pid, t.comm, t.fd, info.name);
	printf("\ttype %s id %llu flags %s\n", info.is_bpf ? "bpf" : "c",
	       (unsigned long long)info.id,
	       attach_flags_str(info.attach_flags, flagbuf, sizeof(flagbuf)));
	printf("\tseen %llu passed %llu dropped %llu denied %llu errors %llu tags %llu\n",
	       (unsigned long long)info.seen, (unsigned long long)info.passed,
	       (unsigned long long)info.dropped, (unsigned long long)info.denied,
	       (unsigned long long)info.errors, (unsigned long long)info.tags);
	printf("\troots %llu cache_entries %llu cache_max %llu\n",
	       (unsigned long long)info.roots, (unsigned long long)info.cache_entries,
	       (unsigned long long)info.cache_max);
	printf("\tcache_hits %llu cache_walks %llu cache_evicted %llu",
	       (unsigned long long)info.cache_hits, (unsigned long long)info.cache_walks,
	       (unsigned long long)info.cache_evicted);
	printf(" cache_invalidations %llu cache_unsure %llu\n",
	       (unsigned long long)info.cache_invalidations,
	       (unsigned long long)info.cache_unsure);
	return EX_OK;
}
