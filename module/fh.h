/* SPDX-License-Identifier: GPL-2.0 */
/* fanotify fastpath: file handles of inodes (fh.c), without exportfs.h. */
#ifndef _FP_FH_H
#define _FP_FH_H

#include <linux/types.h>

struct inode;

u64 fp_inode_subvol(struct inode *inode);
int fp_inode_handle(struct inode *inode, u8 *buf, u32 max, u32 *bytes);

#endif /* _FP_FH_H */
