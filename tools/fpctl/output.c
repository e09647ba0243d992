// SPDX-License-Identifier: GPL-2.0
/*
 * fpctl: output. Error messages and hints (on stderr, prefixed "fpctl: ";
 * with --json kept for the JSON error instead),
 * tables with aligned columns, and the text forms of attach flags and of a
 * target group.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fpctl.h"

/* A message on stderr after @prefix, or kept for the JSON error under --json. */
static void note(bool is_hint, const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (json_out)
		json_error_note(is_hint, msg);
	else
		fprintf(stderr, "%s: %s%s\n", FPCTL_NAME, prefix, msg);
}

/* "fpctl: MESSAGE" on stderr. */
void __printf(1, 2) errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(false, "", fmt, ap);
	va_end(ap);
}

/* "fpctl: hint: MESSAGE" on stderr, after an error: what to do about it. */
void __printf(1, 2) hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(true, "hint: ", fmt, ap);
	va_end(ap);
}

/* Add a row of t->ncols strings (copied; NULL is ""); exits when out of memory. */
void table_add(struct table *t, ...)
{
	char **cells;
	va_list ap;
	int i;

	cells = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*cells));
	if (!cells) {
		errmsg("out of memory");
		exit(EX_FAIL);
	}
	t->cells = cells;
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);
		char *dup = strdup(s ? s : "");
		int len;

		if (!dup) {
			errmsg("out of memory");
			exit(EX_FAIL);
		}
		cells[t->nrows * t->ncols + i] = dup;
		len = strlen(dup);
		if (len > t->width[i])
			t->width[i] = len;
	}
	va_end(ap);
	t->nrows++;
}

/* Print with aligned columns; the last column is not padded. */
void table_print(struct table *t)
{
	int r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c == t->ncols - 1)
				printf("%s\n", s);
			else
				printf("%-*s  ", t->width[c], s);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/* FAN_FP_ATTACH_* flags as "replace,perm-skip-allows", or "-". */
const char *attach_flags_str(unsigned int flags, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s",
		 flags & FAN_FP_ATTACH_REPLACE ? "replace" : "",
		 (flags & FAN_FP_ATTACH_REPLACE) &&
		 (flags & FAN_FP_ATTACH_PERM_SKIP_ALLOWS) ? "," : "",
		 flags & FAN_FP_ATTACH_PERM_SKIP_ALLOWS ? "perm-skip-allows" : "");
	if (!buf[0])
		snprintf(buf, size, "-");
	return buf;
}

/* "process PID (COMM) fd FD" or "attachment ID", how messages name a target. */
void describe(const struct target *t, char *buf, size_t size)
{
	if (t->id)
		snprintf(buf, size, "attachment %llu", t->id);
	else
		snprintf(buf, size, "process %d (%s) fd %d", t->pid, t->comm, t->fd);
}
