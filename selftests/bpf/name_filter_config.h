/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Configuration of the BPF "name_filter_bpf" handler (name_filter.bpf.c):
 * the value of its one-element "nf_config" array map, and, for loaders, a
 * parser of the C handler's argument string ("ext=.c,.h") into it with the
 * same rules and errnos as handlers/fp_name_filter.c, whose limits these
 * must equal.
 */
#ifndef NAME_FILTER_CONFIG_H
#define NAME_FILTER_CONFIG_H

#ifndef __bpf__
#include <errno.h>
#include <string.h>
#include <linux/types.h>
#endif

#define NF_MAX_SUFFIXES	16
#define NF_SUFFIX_MAX	32	/* including the NUL */

struct nf_list {
	__u32 nr;
	__u32 len[NF_MAX_SUFFIXES];
	char suffix[NF_MAX_SUFFIXES][NF_SUFFIX_MAX];
};

#ifndef __bpf__
/* Parse "ext=SUFFIX[,SUFFIX...]" into @out; 0 or the C handler's -errno. */
static inline int nf_parse_args(const char *args, struct nf_list *out)
{
	const char *p, *end;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (strncmp(args, "ext=", 4))
		return -EINVAL;
	p = args + 4;
	for (;;) {
		end = strchrnul(p, ',');
		len = end - p;
		if (!len || memchr(p, '/', len))
			return -EINVAL;
		if (len >= NF_SUFFIX_MAX)
			return -ENAMETOOLONG;
		if (out->nr == NF_MAX_SUFFIXES)
			return -E2BIG;
		memcpy(out->suffix[out->nr], p, len);
		out->len[out->nr++] = len;
		if (!*end)
			return 0;
		p = end + 1;
	}
}
#endif /* !__bpf__ */

#endif /* NAME_FILTER_CONFIG_H */
