/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stand-in for the skeleton of subtree.bpf.c where BPF programs cannot be built: kernel
 * headers without a vmlinux (Debian 12's 6.1, which has no struct_ops types from modules
 * either). selftests/Makefile copies it to $(BPF_OBJ)/subtree.skel.h. Opening fails with
 * EOPNOTSUPP; the tests check fp_bpf_supported() first and skip their BPF variants.
 */
#ifndef SUBTREE_SKEL_STUB_H
#define SUBTREE_SKEL_STUB_H

#include <errno.h>
#include <stddef.h>
#include <bpf/libbpf.h>

struct subtree {
	struct {
		struct bpf_map *subtree_bpf_ops;
	} maps;
};

static inline struct subtree *subtree__open_and_load(void)
{
	errno = EOPNOTSUPP;
	return NULL;
}

static inline void subtree__destroy(struct subtree *obj)
{
}

#endif
