/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A validator of JSON documents against a JSON Schema, for the subset that
 * Documentation/fpctl.schema.json uses, with json-c: the guest has no
 * Python, and no C validator is packaged. Keywords: type (a name or a list),
 * const, enum, minimum, properties, required, additionalProperties (false
 * or a schema), items, oneOf, $ref ("#/$defs/NAME"), and the annotations
 * $schema, $id, $defs, title, description. Any other keyword is an error of
 * the schema, so a schema that grows past this subset fails the test
 * instead of passing unchecked. Header-only, for selftests/fpctl_test.c.
 */
#ifndef FP_JSON_SCHEMA_H
#define FP_JSON_SCHEMA_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

struct js_ctx {
	struct json_object *root;	/* the schema document, for $ref */
	char err[1100];			/* the first error, with its path */
};

static bool js_validate(struct js_ctx *c, struct json_object *schema,
			struct json_object *doc, const char *path);

static bool js_fail(struct js_ctx *c, const char *path, const char *what)
{
	if (!c->err[0])
		snprintf(c->err, sizeof(c->err), "%s: %s", path[0] ? path : "/", what);
	return false;
}

static bool js_type_is(struct json_object *doc, const char *type)
{
	enum json_type t = json_object_get_type(doc);

	if (!strcmp(type, "object"))
		return t == json_type_object;
	if (!strcmp(type, "array"))
		return t == json_type_array;
	if (!strcmp(type, "string"))
		return t == json_type_string;
	if (!strcmp(type, "integer"))
		return t == json_type_int;
	if (!strcmp(type, "number"))
		return t == json_type_int || t == json_type_double;
	if (!strcmp(type, "boolean"))
		return t == json_type_boolean;
	if (!strcmp(type, "null"))
		return t == json_type_null;
	return false;
}

/* JSON equality of two values (for const and enum). */
static bool js_equal(struct json_object *a, struct json_object *b)
{
	return json_object_equal(a, b);
}

static bool js_kw_type(struct js_ctx *c, struct json_object *v, struct json_object *doc,
		       const char *path)
{
	size_t i;

	if (json_object_is_type(v, json_type_string)) {
		if (js_type_is(doc, json_object_get_string(v)))
			return true;
	} else {
		for (i = 0; i < json_object_array_length(v); i++) {
			struct json_object *t = json_object_array_get_idx(v, i);

			if (js_type_is(doc, json_object_get_string(t)))
				return true;
		}
	}
	return js_fail(c, path, "wrong type");
}

static bool js_kw_properties(struct js_ctx *c, struct json_object *schema,
			     struct json_object *doc, const char *path)
{
	struct json_object *props = NULL, *addl = NULL, *req = NULL, *sub;
	char p[512];
	bool ok = true;
	size_t i;

	if (!json_object_is_type(doc, json_type_object))
		return true;	/* "type" says whether it must be one */
	json_object_object_get_ex(schema, "properties", &props);
	json_object_object_get_ex(schema, "additionalProperties", &addl);
	if (json_object_object_get_ex(schema, "required", &req)) {
		for (i = 0; i < json_object_array_length(req); i++) {
			const char *k = json_object_get_string(json_object_array_get_idx(req, i));

			if (!json_object_object_get_ex(doc, k, NULL)) {
				snprintf(p, sizeof(p), "required member \"%s\" missing", k);
				ok = js_fail(c, path, p);
			}
		}
	}
	json_object_object_foreach(doc, key, val) {
		snprintf(p, sizeof(p), "%s/%s", path, key);
		if (props && json_object_object_get_ex(props, key, &sub)) {
			ok &= js_validate(c, sub, val, p);
		} else if (addl && json_object_is_type(addl, json_type_boolean)) {
			if (!json_object_get_boolean(addl))
				ok = js_fail(c, p, "member not in the schema");
		} else if (addl) {
			ok &= js_validate(c, addl, val, p);
		}
	}
	return ok;
}

static bool js_validate(struct js_ctx *c, struct json_object *schema,
			struct json_object *doc, const char *path)
{
	bool ok = true;
	char p[512];
	size_t i;

	if (!json_object_is_type(schema, json_type_object))
		return js_fail(c, path, "schema is not an object");
	json_object_object_foreach(schema, kw, v) {
		if (!strcmp(kw, "type")) {
			ok &= js_kw_type(c, v, doc, path);
		} else if (!strcmp(kw, "const")) {
			if (!js_equal(v, doc))
				ok = js_fail(c, path, "not the constant");
		} else if (!strcmp(kw, "enum")) {
			bool found = false;

			for (i = 0; i < json_object_array_length(v); i++)
				found |= js_equal(json_object_array_get_idx(v, i), doc);
			if (!found)
				ok = js_fail(c, path, "not one of the enum");
		} else if (!strcmp(kw, "minimum")) {
			if (json_object_is_type(doc, json_type_int) &&
			    json_object_get_int64(doc) < json_object_get_int64(v))
				ok = js_fail(c, path, "below the minimum");
		} else if (!strcmp(kw, "properties") || !strcmp(kw, "required")) {
			continue;	/* js_kw_properties, once per object */
		} else if (!strcmp(kw, "additionalProperties")) {
			ok &= js_kw_properties(c, schema, doc, path);
		} else if (!strcmp(kw, "items")) {
			if (!json_object_is_type(doc, json_type_array))
				continue;
			for (i = 0; i < json_object_array_length(doc); i++) {
				snprintf(p, sizeof(p), "%s/%zu", path, i);
				ok &= js_validate(c, v, json_object_array_get_idx(doc, i), p);
			}
		} else if (!strcmp(kw, "oneOf")) {
			int matched = 0;
			char saved[sizeof(c->err)];

			memcpy(saved, c->err, sizeof(saved));
			for (i = 0; i < json_object_array_length(v); i++) {
				c->err[0] = 0;
				matched += js_validate(c, json_object_array_get_idx(v, i), doc,
						       path);
			}
			memcpy(c->err, saved, sizeof(saved));
			if (matched != 1)
				ok = js_fail(c, path, matched ? "matches several of oneOf" :
						       "matches none of oneOf");
		} else if (!strcmp(kw, "$ref")) {
			const char *ref = json_object_get_string(v);
			struct json_object *defs, *target;

			if (strncmp(ref, "#/$defs/", 8) ||
			    !json_object_object_get_ex(c->root, "$defs", &defs) ||
			    !json_object_object_get_ex(defs, ref + 8, &target))
				return js_fail(c, path, "unresolvable $ref");
			ok &= js_validate(c, target, doc, path);
		} else if (!strcmp(kw, "$schema") || !strcmp(kw, "$id") || !strcmp(kw, "$defs") ||
			   !strcmp(kw, "title") || !strcmp(kw, "description")) {
			continue;
		} else {
			snprintf(p, sizeof(p), "schema keyword \"%s\" unknown to the validator",
				 kw);
			ok = js_fail(c, path, p);
		}
	}
	/* "properties" and "required" without "additionalProperties". */
	if (!json_object_object_get_ex(schema, "additionalProperties", NULL) &&
	    (json_object_object_get_ex(schema, "properties", NULL) ||
	     json_object_object_get_ex(schema, "required", NULL)))
		ok &= js_kw_properties(c, schema, doc, path);
	return ok;
}

/* Validate @doc against the schema document @schema; on failure c->err says why. */
static inline bool js_check(struct js_ctx *c, struct json_object *schema,
			    struct json_object *doc)
{
	c->root = schema;
	c->err[0] = 0;
	return js_validate(c, schema, doc, "");
}

#endif /* FP_JSON_SCHEMA_H */
