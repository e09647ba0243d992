// SPDX-License-Identifier: GPL-2.0
/*
 * fanotify fastpath: file handles of inodes. The subvolume of an inode, for
 * the ancestry cache's identity of directories on filesystems whose
 * subvolumes share one super_block (btrfs, bcachefs), and the handle of a
 * root, which the control device lists.
 *
 * In a file of its own, like memcg.c: <linux/exportfs.h> brings definitions
 * whose BTF would fork the module's copy of every structure that reaches
 * them, struct fanotify_fastpath_ops included (7.x's struct_ops registration
 * then fails; scripts/build.sh checks it). This file includes none of ours
 * but its header. No locks.
 */
#include <linux/exportfs.h>
#include <linux/fs.h>

#include "fh.h"

/**
 * fp_inode_subvol() - the subvolume of an inode, from its file handle
 * @inode: an inode of a filesystem with subvolumes
 *
 * The words of the inode's file handle after its 64-bit number (btrfs: the
 * subvolume's root id; bcachefs: the subvolume and generation). File handles
 * are a stable on-wire format; encoding one without a parent only reads the
 * inode.
 *
 * Context: any; does not sleep.
 * Return: the subvolume, 0 when unknown.
 */
u64 fp_inode_subvol(struct inode *inode)
{
	const struct export_operations *nop = inode->i_sb->s_export_op;
	u32 fh[6];
	int len = ARRAY_SIZE(fh);
	int type;

	if (!nop || !nop->encode_fh)
		return 0;
	type = nop->encode_fh(inode, fh, &len, NULL);
	if (type < 0 || type == FILEID_INVALID || len < 4)
		return 0;
	return (u64)fh[3] << 32 | fh[2];
}

/**
 * fp_inode_handle() - an inode's file handle, as name_to_handle_at(2) gives it
 * @inode: an inode the caller holds
 * @buf: room for @max bytes
 * @max: at most this many bytes (a multiple of 4)
 * @bytes: set to the handle's length, 0 when the filesystem has none
 *
 * Without a parent: the handle of a directory needs none. Some filesystems'
 * encoders allocate (overlayfs).
 *
 * Context: process context, may sleep.
 * Return: the handle's type, or FILEID_INVALID with *@bytes 0.
 */
int fp_inode_handle(struct inode *inode, u8 *buf, u32 max, u32 *bytes)
{
	const struct export_operations *nop = inode->i_sb->s_export_op;
	int len = max / 4;
	int type;

	*bytes = 0;
	if (!nop || !nop->encode_fh)
		return FILEID_INVALID;
	type = nop->encode_fh(inode, (u32 *)buf, &len, NULL);
	if (type < 0 || type == FILEID_INVALID || len * 4 > max)
		return FILEID_INVALID;
	*bytes = len * 4;
	return type;
}
