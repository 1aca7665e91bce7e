/* SPDX-License-Identifier: Apache-2.0 */
/* A layer blob as a stream of validated tar entries: decompression (gzip, zstd or none, as
 * the caller says, never guessed), the sha256 and size of the uncompressed stream (the
 * diffID), the uncompressed-size, entry-count and trailing-bytes limits, all over libarchive
 * with only the tar format and those filters enabled.
 * runs in: helper/untrusted (pure: bytes come from the caller's pull callback). */
#ifndef CRISP_PARSERS_LAYER_STREAM_H
#define CRISP_PARSERS_LAYER_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "parsers/base/parse_error.h"
#include "parsers/tar_entry.h"

enum layer_stream_compression {
	LAYER_STREAM_NONE,
	LAYER_STREAM_GZIP,
	LAYER_STREAM_ZSTD,
	LAYER_STREAM_COMPRESSION_COUNT
};

/* Pull up to len compressed bytes into buf: > 0 bytes read, 0 at end of input, < 0 -errno. */
typedef ssize_t (*layer_stream_read_fn)(void *userdata, uint8_t *buf, size_t len);

struct layer_stream_opts {
	enum layer_stream_compression compression;
	uint64_t max_uncompressed; /* the whole uncompressed stream, trailing bytes included */
	uint64_t max_entries;      /* archive entries, whiteouts and skipped ones included */
	uint64_t max_trailing;     /* bytes allowed after the end-of-archive marker */
};

struct layer_stream;

/* "sha256:" + 64 hex + NUL */
#define LAYER_DIFF_ID_LEN 72

/* Open a stream over read_fn. Errors: -EINVAL for bad options, -ENOMEM (reterr filled). */
int layer_stream_new(const struct layer_stream_opts *o, layer_stream_read_fn read_fn,
		     void *userdata, struct layer_stream **ret, struct parse_error *reterr);

struct layer_stream *layer_stream_free(struct layer_stream *s);

/* The next entry, validated by tar_entry_check: returns 1 with *ret filled, or 0 when the
 * archive ended cleanly (end-of-archive marker, then at most max_trailing bytes, then the
 * end of the decompressed stream); the digest and size are final then. Errors (reterr
 * filled, the message says where: "gzip: ... at compressed byte N", "tar: ... at byte N"):
 * corrupt compression or tar, a limit exceeded, an entry refused by tar_entry_check. */
int layer_stream_next(struct layer_stream *s, struct tar_entry *ret, struct parse_error *reterr);

/* The next data block of the current entry: returns 1 with *buf (valid until the next call),
 * *len and *offset (sparse files skip ahead) filled, 0 at the end of the entry's data.
 * Blocks never reach past the entry's declared size. Errors as layer_stream_next. */
int layer_stream_data(struct layer_stream *s, const void **buf, size_t *len, uint64_t *offset,
		      struct parse_error *reterr);

/* The next extended attribute of the current entry that tar_xattr_check keeps: returns 1
 * with name/value/len filled (valid until the next entry), 0 when there are no more.
 * Dropped names are skipped silently. Errors: a malformed kept value, too many xattrs. */
int layer_stream_xattr(struct layer_stream *s, const char **name, const void **value, size_t *len,
		       struct parse_error *reterr);

/* After layer_stream_next returned 0: the diffID, uncompressed bytes and entries. */
void layer_stream_result(const struct layer_stream *s, char diff_id[LAYER_DIFF_ID_LEN],
			 uint64_t *uncompressed, uint64_t *entries);

#endif
