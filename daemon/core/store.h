/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic record files: write to a temp file, fsync, rename into place, fsync the directory,
 * so a crash leaves either the old record or the new one, never half of one.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_STORE_H
#define CRISP_DAEMON_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write len bytes as dir/name atomically with the given mode. Errors: -errno. */
int store_write_atomic(const char *dir, const char *name, const void *buf, size_t len, mode_t mode);

/* Read dir/name (a regular file, at most max bytes) into a new buffer. Errors: -ENOENT,
 * -EFBIG over max, -EINVAL not a regular file, other -errno. */
int store_read(const char *dir, const char *name, size_t max, uint8_t **ret_buf, size_t *ret_len);

/* Remove stale temp files ("*.tmp.*") a crash left in dir. Returns files removed. */
int store_clean_temp(const char *dir);

/* mkdir -p with mode for every created component. */
int store_mkdir_p(const char *path, mode_t mode);

/* rm -rf that never follows symlinks and never crosses into another mount (so a mount
 * left below path, e.g. a namespace pin, makes it fail with -EBUSY instead of deleting
 * through it). Missing path is success. */
int store_remove_tree(const char *path);

#endif
