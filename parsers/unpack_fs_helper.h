/* SPDX-License-Identifier: Apache-2.0 */
/* Writing validated layer entries beneath one directory fd (the chroot's "/"): every path is
 * walked one component at a time with O_NOFOLLOW, nothing is ever opened through a symlink,
 * and metadata is set on fds (or with AT_SYMLINK_NOFOLLOW for nodes that are never opened).
 * runs in: helper/untrusted (crisp-helper-unpack only, after chroot and seccomp). */
#ifndef CRISP_PARSERS_UNPACK_FS_HELPER_H
#define CRISP_PARSERS_UNPACK_FS_HELPER_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"
#include "parsers/layer_stream.h"
#include "parsers/tar_entry.h"

struct unpack_fs;

/* root_fd: the layer root (borrowed; an O_RDONLY directory fd). NULL only on ENOMEM. */
struct unpack_fs *unpack_fs_new(int root_fd);
struct unpack_fs *unpack_fs_free(struct unpack_fs *fs);

/* Apply one entry: create it (data and kept xattrs come from s), set owner, xattrs, mode and
 * mtime (a directory's mtime is set by unpack_fs_finish, after its children exist). Errors: reterr
 * says which entry and why
 * ("layer entry \"a/b\": a path component is a symlink or not a directory", "...: hardlink
 * target \"x\" is not in this layer", "...: mkdir: no space left on device"). */
int unpack_fs_apply(struct unpack_fs *fs, struct layer_stream *s, const struct tar_entry *t,
		    struct parse_error *reterr);

/* Set the recorded directory mtimes. Errors as unpack_fs_apply. */
int unpack_fs_finish(struct unpack_fs *fs, struct parse_error *reterr);

/* What the tree uses once unpack_fs_finish succeeded: st_blocks * 512 of every inode the
 * layer created, the root included, each counted once (hardlinks, replaced entries); created
 * directories as they are at the end (past UNPACK_DIR_TIMES_MAX_BYTES of directory paths, as
 * they were when created). */
void unpack_fs_usage(const struct unpack_fs *fs, uint64_t *ret_bytes, uint64_t *ret_inodes);

/* Opaque directories seen so far ("." for the root), in archive order, without duplicates. */
const char *const *unpack_fs_opaque(const struct unpack_fs *fs, size_t *ret_n);

#endif
