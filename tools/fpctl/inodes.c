// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: the commands that name inodes for one attachment: "tag" (inode
 * tags, the per-inode state of handlers) and "root add|del|list" (subtree
 * roots of the attachment's ancestry cache; a listed root's path comes from
 * its file handle, opened on a mount of its filesystem found in
 * /proc/self/mountinfo).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fpctl.h"

/* Whether anything is attached to @t (for telling ENOENT apart). */
static bool is_attached(int dev, const struct target *t)
{
	struct fanotify_fastpath_query q;

	return fp_query_sel(dev, target_fan(t), target_by_id(t), t->id, &q, NULL, 0) != -ENOENT;
}

/* fpctl tag {--id ID | --pid PID [--fd FD]} [--value N] PATH... */
int cmd_tag(int argc, char **argv)
{
	struct json_object *arr = NULL;
	int ret, dev, i, err, *fds;
	char who[128];
	struct target t;
	struct opts o;

	ret = parse_opts("tag", argc, argv, OPTS_TAG | OPTS_ID, &o);
	if (ret < 0)
		return cmd_help_exit("tag", EX_OK);
	if (ret)
		return ret;
	if (!o.nargs)
		return bad_usage("tag", "no PATH to tag");
	/* Open every path first: a bad one tags nothing. */
	fds = calloc(o.nargs, sizeof(*fds));
	if (!fds) {
		errmsg("out of memory");
		return EX_FAIL;
	}
	for (i = 0; i < o.nargs; i++) {
		fds[i] = open(o.args[i], O_PATH | O_CLOEXEC);
		if (fds[i] < 0) {
			ret = bad_usage("tag", "cannot open %s: %s", o.args[i], strerror(errno));
			goto out;
		}
	}
	ret = setup_target("tag", &o, &dev, &t);
	if (ret)
		goto out;

	describe(&t, who, sizeof(who));
	if (json_out)
		arr = json_new(json_type_array);
	for (i = 0; i < o.nargs && !ret; i++) {
		struct fanotify_fastpath_set_tag st = {
			.size = sizeof(st), .flags = target_by_id(&t),
			.fanotify_fd = target_fan(&t), .fd = fds[i], .id = t.id,
			.value = o.value,
		};

		err = ioctl(dev, FAN_FP_IOC_SET_TAG, &st) ? errno : 0;
		if (!err && arr) {
			struct json_object *e = json_new(json_type_object);

			json_add_str(e, "path", o.args[i]);
			json_add_u64(e, "value", o.value);
			json_append(arr, e);
		} else if (!err) {
			printf("tagged %s (value %llu) for %s\n", o.args[i], o.value, who);
		} else if (err == ENOENT && !is_attached(dev, &t)) {
			ret = not_attached(&t);
		} else if (err == ENOSPC) {
			errmsg("cannot tag %s: the attachment has all the tags allowed", o.args[i]);
			hint("the limit is the module parameter fanotify_fastpath.tag_max");
			ret = EX_FAIL;
		} else {
			ret = common_errno(err, "tagging inodes for", &t);
		}
	}
	close_target(&t, dev);
	if (arr && !ret)
		json_print_doc("tagged", arr);
	else if (arr)
		json_object_put(arr);
out:
	for (i = 0; i < o.nargs; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return ret;
}

/* The message and exit code of a failed FAN_FP_IOC_SET_ROOT (errno @err) on @dir. */
static int root_errno(int err, bool del, const char *dir, const struct target *t, int dev)
{
	char who[128];

	describe(t, who, sizeof(who));
	switch (err) {
	case ENOENT:
		if (!is_attached(dev, t))
			return not_attached(t);
		if (!del)
			break;
		errmsg("%s is not a root of %s", dir, who);
		return EX_FAIL;
	case ENOSPC:
		errmsg("cannot add root %s: %s has %d roots, the most allowed", dir, who,
		       FAN_FP_ROOTS_MAX);
		return EX_FAIL;
	case EACCES:
		errmsg("permission denied: without CAP_SYS_ADMIN a root must be a directory %s",
		       "you may read and search");
		return EX_PERM;
	}
	return common_errno(err, del ? "removing a root of" : "adding a root to", t);
}

/* root add and root del: {--id ID | --pid PID [--fd FD]} [--exclude] DIR */
static int root_change(const char *cmd, bool del, int argc, char **argv)
{
	unsigned int flags = 0;
	const char *dir;
	int ret, dev, fd;
	char who[128];
	struct target t;
	struct opts o;

	ret = parse_opts(cmd, argc, argv, (del ? 0 : OPTS_ROOT) | OPTS_ID, &o);
	if (ret < 0)
		return cmd_help_exit(cmd, EX_OK);
	if (ret)
		return ret;
	if (o.nargs < 1)
		return bad_usage(cmd, "the directory is missing");
	if (o.nargs > 1)
		return bad_usage(cmd, "unexpected argument '%s'", o.args[1]);
	if (!o.id && o.pid < 0)
		return bad_usage(cmd, "--pid (or --id) is required");
	dir = o.args[0];
	/* The directory first: a bad one is a bad argument, whatever the group. */
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOTDIR)
			return bad_usage(cmd, "%s is not a directory", dir);
		return bad_usage(cmd, "cannot open %s: %s", dir, strerror(errno));
	}
	ret = setup_target(cmd, &o, &dev, &t);
	if (ret) {
		close(fd);
		return ret;
	}

	if (del)
		flags |= FAN_FP_ROOT_REMOVE;
	if (o.exclude)
		flags |= FAN_FP_ROOT_EXCLUDE;
	ret = fp_root_sel(dev, target_fan(&t), t.id, fd, flags | target_by_id(&t));
	if (ret)
		ret = root_errno(-ret, del, dir, &t, dev);
	close(fd);
	close_target(&t, dev);
	if (ret)
		return ret;
	if (json_out) {
		struct json_object *r = json_new(json_type_object);

		json_add_str(r, "path", dir);
		/* A removed root's kind is not known here. */
		json_add_obj(r, "kind", del ? NULL :
			     json_object_new_string(o.exclude ? "exclude" : "include"));
		json_add_str(r, "action", del ? "removed" : "added");
		json_print_doc("root", r);
		return EX_OK;
	}
	describe(&t, who, sizeof(who));
	if (del)
		printf("removed root %s for %s\n", dir, who);
	else
		printf("added %s root %s for %s\n", o.exclude ? "exclude" : "include", dir, who);
	return EX_OK;
}

int cmd_root_add(int argc, char **argv)
{
	return root_change("root add", false, argc, argv);
}

int cmd_root_del(int argc, char **argv)
{
	return root_change("root del", true, argc, argv);
}

/*
 * The path of a listed root, into @buf: its handle opened on a mount of its
 * filesystem (the first in /proc/self/mountinfo with its device number
 * whose open_by_handle_at() succeeds). False when none does: no handle, no
 * mount in our namespace, or a mount of another part of the filesystem.
 */
static bool root_path(const struct fanotify_fastpath_root_info *ri, char *buf, size_t size)
{
	struct { struct file_handle fh; unsigned char h[FAN_FP_HANDLE_MAX]; } h;
	char line[4096], mnt[4096], proc[64];
	unsigned int maj, min;
	bool found = false;
	FILE *f;

	if (!ri->handle_bytes || ri->handle_bytes > FAN_FP_HANDLE_MAX)
		return false;
	h.fh.handle_bytes = ri->handle_bytes;
	h.fh.handle_type = ri->handle_type;
	memcpy(h.fh.f_handle, ri->handle, ri->handle_bytes);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		int mfd, fd;
		ssize_t len;

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... (no spaces: they are escaped) */
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) != 3 ||
		    maj != ri->dev_major || min != ri->dev_minor || strchr(mnt, '\\'))
			continue;
		mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0)
			continue;
		fd = open_by_handle_at(mfd, &h.fh, O_PATH | O_CLOEXEC);
		close(mfd);
		if (fd < 0)
			continue;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		len = readlink(proc, buf, size - 1);
		close(fd);
		if (len > 0 && buf[0] == '/') {
			buf[len] = 0;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* fpctl root list {--id ID | --pid PID [--fd FD]} */
int cmd_root_list(int argc, char **argv)
{
	struct fanotify_fastpath_root_info ri[FAN_FP_ROOTS_MAX];
	struct json_object *arr = NULL;
	struct table tb = { .ncols = 4 };
	struct target t;
	struct opts o;
	int ret, dev, n, i;

	ret = parse_opts("root list", argc, argv, OPTS_ID, &o);
	if (ret < 0)
		return cmd_help_exit("root list", EX_OK);
	if (ret)
		return ret;
	if (o.nargs)
		return bad_usage("root list", "unexpected argument '%s'", o.args[0]);
	ret = setup_target("root list", &o, &dev, &t);
	if (ret)
		return ret;
	n = fp_get_roots(dev, target_fan(&t), target_by_id(&t), t.id, ri, FAN_FP_ROOTS_MAX);
	close_target(&t, dev);
	if (n == -ENOENT)
		return not_attached(&t);
	if (n < 0)
		return common_errno(-n, "listing the roots of", &t);
	if (n > FAN_FP_ROOTS_MAX)
		n = FAN_FP_ROOTS_MAX;
	if (json_out)
		arr = json_new(json_type_array);
	else
		table_add(&tb, "KIND", "DEVICE", "INODE", "PATH");
	for (i = 0; i < n; i++) {
		char path[4096], dev_s[32], ino_s[32];
		bool known = root_path(&ri[i], path, sizeof(path));
		const char *kind = ri[i].flags & FAN_FP_ROOT_EXCLUDE ? "exclude" : "include";

		snprintf(dev_s, sizeof(dev_s), "%u:%u", ri[i].dev_major, ri[i].dev_minor);
		snprintf(ino_s, sizeof(ino_s), "%llu", (unsigned long long)ri[i].ino);
		if (arr) {
			struct json_object *r = json_new(json_type_object);

			json_add_str(r, "kind", kind);
			json_add_obj(r, "path", known ? json_object_new_string(path) : NULL);
			json_add_str(r, "device", dev_s);
			json_add_u64(r, "inode", ri[i].ino);
			json_add_u64(r, "generation", ri[i].generation);
			json_append(arr, r);
		} else {
			table_add(&tb, kind, dev_s, ino_s, known ? path : "(unknown)");
		}
	}
	if (arr) {
		json_print_doc("roots", arr);
		return EX_OK;
	}
	table_print(&tb);
	if (!n)
		printf("(no roots)\n");
	return EX_OK;
}
