/* SPDX-License-Identifier: Apache-2.0 */
/* Pure validator of crisp-helper-unpack's reply: every field re-checked (diffID syntax,
 * sizes against the request's caps, usage totals consistent with them, opaque paths relative
 * and normalised) and copied.
 * runs in: daemon/privileged (pure, fuzzed). */
#ifndef CRISP_DAEMON_UNPACK_REPLY_H
#define CRISP_DAEMON_UNPACK_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "helper.pb-c.h"

struct unpack_reply {
	char diff_id[72]; /* "sha256:" + 64 lowercase hex */
	uint64_t uncompressed_size;
	uint64_t entries;
	uint64_t disk_bytes; /* st_blocks * 512 of the tree, each inode once; a multiple of 512 */
	uint64_t inodes;     /* >= 1 (the root), <= 1 + entries * LAYER_MAX_DEPTH */
	char **opaque_dirs;  /* normalised relative paths, "." for the root */
	size_t n_opaque_dirs;
};

struct unpack_reply *unpack_reply_free(struct unpack_reply *r);

/* Check r against the caps the request carried and copy it into *ret. disk_bytes and inodes
 * must be consistent with the entries and the stream (see struct unpack_reply). Errors: -EPROTO
 * (err says which field broke which rule), -ENOMEM. */
int unpack_reply_validate(const Crisp__Helper__UnpackReply *r, uint64_t max_uncompressed,
			  uint64_t max_entries, struct unpack_reply **ret, char *err, size_t errsz);

/* 1 if p[0..len) is "." or a relative path of 1..LAYER_NAME_MAX-byte components joined by
 * single '/', none "." or "..", no NUL, at most LAYER_PATH_MAX bytes; else 0. */
int unpack_reply_path_ok(const uint8_t *p, size_t len);

#endif
