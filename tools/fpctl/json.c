// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: JSON output. With --json (-j) every command prints one JSON
 * document on stdout instead of its text, built with json-c; --pretty (-p)
 * indents it. Each document is an object with "schema" (FPCTL_JSON_SCHEMA)
 * and one member named after what it holds; a failed command prints
 * {"schema": N, "error": {...}} with the same exit code as without --json.
 * Documentation/fpctl.schema.json is the schema; within one schema version
 * members are only ever added.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fpctl.h"

bool json_out;
bool json_pretty;

/* The message and hints of the error being reported, for the JSON error. */
static char *err_message;
static struct json_object *err_hints;

/* A global option: --json, -j, --pretty or -p. */
bool json_option(const char *arg)
{
	if (!strcmp(arg, "--json") || !strcmp(arg, "-j")) {
		json_out = true;
		return true;
	}
	if (!strcmp(arg, "--pretty") || !strcmp(arg, "-p")) {
		json_out = true;
		json_pretty = true;
		return true;
	}
	return false;
}

static void json_oom(void)
{
	errmsg("out of memory");
	exit(EX_FAIL);
}

/* A new empty object or array; exits when out of memory. */
struct json_object *json_new(enum json_type type)
{
	struct json_object *obj;

	obj = type == json_type_array ? json_object_new_array() : json_object_new_object();
	if (!obj)
		json_oom();
	return obj;
}

/* Append @val (owned by @arr from now on) to the array @arr. */
void json_append(struct json_object *arr, struct json_object *val)
{
	if (!val || json_object_array_add(arr, val))
		json_oom();
}

/* Add @val (owned by @obj from now on; NULL is JSON null) under @key. */
void json_add_obj(struct json_object *obj, const char *key, struct json_object *val)
{
	if (json_object_object_add(obj, key, val))
		json_oom();
}

void json_add_str(struct json_object *obj, const char *key, const char *val)
{
	struct json_object *s = json_object_new_string(val);

	if (!s)
		json_oom();
	json_add_obj(obj, key, s);
}

void json_add_u64(struct json_object *obj, const char *key, unsigned long long val)
{
	struct json_object *v = json_object_new_uint64(val);

	if (!v)
		json_oom();
	json_add_obj(obj, key, v);
}

void json_add_int(struct json_object *obj, const char *key, int val)
{
	struct json_object *v = json_object_new_int(val);

	if (!v)
		json_oom();
	json_add_obj(obj, key, v);
}

/* FAN_FP_ATTACH_* flags as an array of their names, e.g. ["replace"]. */
struct json_object *json_flags_array(unsigned int attach_flags)
{
	struct json_object *arr = json_new(json_type_array);

	if ((attach_flags & FAN_FP_ATTACH_REPLACE) &&
	    json_object_array_add(arr, json_object_new_string("replace")))
		json_oom();
	if ((attach_flags & FAN_FP_ATTACH_PERM_SKIP_ALLOWS) &&
	    json_object_array_add(arr, json_object_new_string("perm-skip-allows")))
		json_oom();
	return arr;
}

/* FAN_FP_F_* handler flags as an array of their names, e.g. ["sys-admin-only"]. */
struct json_object *json_handler_flags_array(unsigned int flags)
{
	struct json_object *arr = json_new(json_type_array);

	if ((flags & FAN_FP_F_SYS_ADMIN_ONLY) &&
	    json_object_array_add(arr, json_object_new_string("sys-admin-only")))
		json_oom();
	return arr;
}

/* Counters as an object of @n members, name: value. */
struct json_object *json_counters(const char *const *names, const unsigned long long *v, int n)
{
	struct json_object *obj = json_new(json_type_object);
	int i;

	for (i = 0; i < n; i++)
		json_add_u64(obj, names[i], v[i]);
	return obj;
}

/* The process of a target as {"pid", "comm", "fd"}, or NULL (JSON null) for an id. */
struct json_object *target_json(const struct target *t)
{
	struct json_object *p;

	if (t->id)
		return NULL;
	p = json_new(json_type_object);
	json_add_int(p, "pid", t->pid);
	json_add_str(p, "comm", t->comm);
	json_add_int(p, "fd", t->fd);
	return p;
}

/* Print @obj as one document and a newline, and free it. */
void json_print(struct json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= json_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			       JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(obj, flags));
	json_object_put(obj);
}

/* Print {"schema": FPCTL_JSON_SCHEMA, @key: @val}, and free @val. */
void json_print_doc(const char *key, struct json_object *val)
{
	struct json_object *doc = json_new(json_type_object);

	json_add_int(doc, "schema", FPCTL_JSON_SCHEMA);
	json_add_obj(doc, key, val);
	json_print(doc);
}

/* Keep an error message (the first) or a hint for the JSON error. */
void json_error_note(bool is_hint, const char *msg)
{
	if (is_hint) {
		if (!err_hints)
			err_hints = json_new(json_type_array);
		json_append(err_hints, json_object_new_string(msg));
	} else if (!err_message) {
		err_message = strdup(msg);
	}
}

static const char *const exit_names[] = {
	[EX_FAIL] = "failed",
	[EX_USAGE] = "usage",
	[EX_NOPROC] = "no-process",
	[EX_NOFAN] = "no-fanotify-fd",
	[EX_AMBIGUOUS] = "ambiguous-fd",
	[EX_PERM] = "permission",
	[EX_NOHANDLER] = "no-handler",
	[EX_BUSY] = "busy",
	[EX_NOCORE] = "no-core-module",
	[EX_NOTATTACHED] = "not-attached",
	[EX_REJECTED] = "rejected",
	[EX_OLDMODULE] = "old-module",
};

/* The JSON error of a command that failed with exit code @code. */
void json_print_error(int code)
{
	struct json_object *e = json_new(json_type_object);
	const char *name = code > 0 && code < (int)ARRAY_SIZE(exit_names) && exit_names[code] ?
			   exit_names[code] : "failed";

	json_add_int(e, "code", code);
	json_add_str(e, "name", name);
	json_add_str(e, "message", err_message ? err_message : name);
	json_add_obj(e, "hints", err_hints ? err_hints : json_new(json_type_array));
	err_hints = NULL;
	json_print_doc("error", e);
}
