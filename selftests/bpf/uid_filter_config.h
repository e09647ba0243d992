/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration of the BPF "uid_filter_bpf" handler (uid_filter.bpf.c): the
 * value of its one-element "uf_config" array map, and, for loaders, a parser
 * of the C handler's argument string ("uid=1000,1001" or "not_uid=0") into
 * it with the same rules and errnos as handlers/fp_uid_filter.c, whose limit
 * UF_MAX_UIDS must equal this one.
 */
#ifndef UID_FILTER_CONFIG_H
#define UID_FILTER_CONFIG_H

#ifndef __bpf__
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#endif

#define UF_MAX_UIDS	16

struct uf_list {
	__u32 exclude;	/* 1: drop the listed uids' events; 0: pass only theirs */
	__u32 nr;
	__u32 uid[UF_MAX_UIDS];
};

#ifndef __bpf__
/* Parse "uid=LIST" or "not_uid=LIST" into @out; 0 or the C handler's -errno. */
static inline int uf_parse_args(const char *args, struct uf_list *out)
{
	const char *p, *end;
	char num[12];
	size_t len;
	unsigned long long v;

	memset(out, 0, sizeof(*out));
	if (!strncmp(args, "uid=", 4)) {
		p = args + 4;
	} else if (!strncmp(args, "not_uid=", 8)) {
		out->exclude = 1;
		p = args + 8;
	} else {
		return -EINVAL;
	}
	for (;;) {
		end = strchrnul(p, ',');
		len = end - p;
		if (!len || len >= sizeof(num))
			return len ? -ERANGE : -EINVAL;
		memcpy(num, p, len);
		num[len] = 0;
		if (strspn(num, "0123456789") != len)
			return -EINVAL;
		v = strtoull(num, NULL, 10);
		if (v >= 0xffffffffULL)
			return -ERANGE;
		if (out->nr == UF_MAX_UIDS)
			return -E2BIG;
		out->uid[out->nr++] = v;
		if (!*end)
			return 0;
		p = end + 1;
	}
}
#endif /* !__bpf__ */

#endif /* UID_FILTER_CONFIG_H */
