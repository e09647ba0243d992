/* SPDX-License-Identifier: GPL-2.0 */
/* fanotify fastpath: an inode's subvolume (subvol.c), without exportfs.h. */
#ifndef _FP_SUBVOL_H
#define _FP_SUBVOL_H

#include <linux/types.h>

struct inode;

u64 fp_inode_subvol(struct inode *inode);

#endif /* _FP_SUBVOL_H */
