/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-unpack's reply before the daemon uses any of it: the diffID
 * goes into image records and chain IDs, the opaque paths are opened beneath the layer, the
 * usage totals into the layer record, image sizes and ImageFsInfo.
 * runs in: daemon/privileged (pure: no I/O; fuzzed by fuzz/unpack_reply_fuzz.c). */
#include "daemon/replies/unpack_reply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/str.h"

struct unpack_reply *
unpack_reply_free(struct unpack_reply *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_opaque_dirs; i++)
		free(r->opaque_dirs[i]);
	free(r->opaque_dirs);
	free(r);
	return NULL;
}

int
unpack_reply_path_ok(const uint8_t *p, size_t len)
{
	if (len == 0 || len > LAYER_PATH_MAX || str_has_nul(p, len))
		return 0;
	if (len == 1 && p[0] == '.')
		return 1;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		size_t n = i - start;
		if (n == 0 || n > LAYER_NAME_MAX)
			return 0; /* leading, trailing or doubled '/', or a long name */
		if ((n == 1 && p[start] == '.') ||
		    (n == 2 && p[start] == '.' && p[start + 1] == '.'))
			return 0;
		start = i + 1;
	}
	return 1;
}

static int
bad(char *err, size_t errsz, const char *what)
{
	snprintf(err, errsz, "crisp-helper-unpack: invalid reply: %s", what);
	return -EPROTO;
}

static int
copy_opaque(const Crisp__Helper__UnpackReply *r, struct unpack_reply *out, char *err, size_t errsz)
{
	size_t total = 0;
	if (r->n_opaque_dirs > LAYER_MAX_OPAQUE_DIRS)
		return bad(err, errsz, "too many opaque directories");
	if (r->n_opaque_dirs == 0)
		return 0;
	out->opaque_dirs = calloc(r->n_opaque_dirs, sizeof(char *));
	if (!out->opaque_dirs)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_opaque_dirs; i++) {
		const ProtobufCBinaryData *d = &r->opaque_dirs[i];
		if (!unpack_reply_path_ok(d->data, d->len))
			return bad(err, errsz,
				   "an opaque directory path is not relative and normalised");
		total += d->len;
		if (total > LAYER_MAX_OPAQUE_BYTES)
			return bad(err, errsz, "opaque directory paths too long in total");
		out->opaque_dirs[i] = str_ndup(d->data, d->len);
		if (!out->opaque_dirs[i])
			return -ENOMEM;
		out->n_opaque_dirs = i + 1;
	}
	return 0;
}

/* The tree's usage (recorded with the layer, summed into image sizes and ImageFsInfo): at
 * least the root, no more inodes than the entries and their parent directories can make,
 * whole 512-byte blocks, and no more than the stream plus LAYER_INODE_DISK_SLACK per inode. */
static int
check_usage(const Crisp__Helper__UnpackReply *r, char *err, size_t errsz)
{
	uint64_t max_inodes, slack, max_bytes;
	if (r->inodes == 0)
		return bad(err, errsz, "inode count is 0 (the layer root is one)");
	if (__builtin_mul_overflow(r->entries, (uint64_t)LAYER_MAX_DEPTH, &max_inodes) ||
	    __builtin_add_overflow(max_inodes, 1u, &max_inodes) || r->inodes > max_inodes)
		return bad(err, errsz, "more inodes than the entries can create");
	if (r->disk_bytes % 512u != 0)
		return bad(err, errsz, "disk bytes not a whole number of 512-byte blocks");
	if (__builtin_mul_overflow(r->inodes, (uint64_t)LAYER_INODE_DISK_SLACK, &slack) ||
	    __builtin_add_overflow(slack, r->uncompressed_size, &max_bytes) ||
	    r->disk_bytes > max_bytes)
		return bad(err, errsz, "disk bytes over what the stream can take on disk");
	return 0;
}

int
unpack_reply_validate(const Crisp__Helper__UnpackReply *r, uint64_t max_uncompressed,
		      uint64_t max_entries, struct unpack_reply **ret, char *err, size_t errsz)
{
	enum digest_algo algo;
	if (!r->diff_id || digest_check(r->diff_id, strlen(r->diff_id), &algo) < 0 ||
	    algo != DIGEST_SHA256)
		return bad(err, errsz, "diff_id is not sha256:<64 lowercase hex>");
	if (r->uncompressed_size > max_uncompressed)
		return bad(err, errsz, "uncompressed size over the requested limit");
	if (r->entries > max_entries)
		return bad(err, errsz, "entry count over the requested limit");
	int rc = check_usage(r, err, errsz);
	if (rc < 0)
		return rc;
	struct unpack_reply *out = calloc(1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	memcpy(out->diff_id, r->diff_id, strlen(r->diff_id) + 1);
	out->uncompressed_size = r->uncompressed_size;
	out->entries = r->entries;
	out->disk_bytes = r->disk_bytes;
	out->inodes = r->inodes;
	rc = copy_opaque(r, out, err, errsz);
	if (rc < 0) {
		unpack_reply_free(out);
		return rc;
	}
	*ret = out;
	return 0;
}
