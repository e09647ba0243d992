// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: JSON output. With --json (-j) the commands "list", "show" and
 * "query" print one JSON document on stdout instead of their table, built
 * with json-c; --pretty indents it. Errors stay on stderr as text, and the
 * exit codes are the same as without --json.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fpctl.h"

bool json_out;
bool json_pretty;

/* A global option before the command: --json, -j or --pretty. */
bool json_option(const char *arg)
{
	if (!strcmp(arg, "--json") || !strcmp(arg, "-j")) {
		json_out = true;
		return true;
	}
	if (!strcmp(arg, "--pretty")) {
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

/* Add @val (owned by @obj from now on) under @key. */
void json_add_obj(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val || json_object_object_add(obj, key, val))
		json_oom();
}

void json_add_str(struct json_object *obj, const char *key, const char *val)
{
	json_add_obj(obj, key, json_object_new_string(val));
}

void json_add_u64(struct json_object *obj, const char *key, unsigned long long val)
{
	json_add_obj(obj, key, json_object_new_uint64(val));
}

void json_add_int(struct json_object *obj, const char *key, int val)
{
	json_add_obj(obj, key, json_object_new_int(val));
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

/* Print @obj as one document and a newline, and free it. */
void json_print(struct json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	flags |= json_pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			       JSON_C_TO_STRING_PLAIN;
	puts(json_object_to_json_string_ext(obj, flags));
	json_object_put(obj);
}
