/* SPDX-License-Identifier: Apache-2.0 */
/* Layer blob -> validated tar entries. Two libarchive readers in a chain: the outer one
 * (format "raw", exactly the one filter the caller named) decompresses; the inner one (format
 * tar, no filter) reads the uncompressed bytes through a callback that hashes and counts
 * them, so the diffID covers every byte and the size cap holds while reading.
 * runs in: helper/untrusted (pure: input through the caller's callback, no syscalls). */
#include "parsers/layer_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <mbedtls/sha256.h>
#include <stdlib.h>
#include <string.h>

#define LAYER_STREAM_BUF 65536u

struct layer_stream {
	struct layer_stream_opts o;
	layer_stream_read_fn read_fn;
	void *userdata;
	struct archive *outer; /* decompression: raw format + one filter */
	struct archive *inner; /* tar, reading outer's output through inner_read */
	struct archive_entry *cur;
	uint64_t compressed;   /* bytes pulled from read_fn */
	uint64_t uncompressed; /* bytes of the decompressed stream seen (and hashed) */
	uint64_t entries;
	uint64_t entry_size; /* declared size of the current regular file */
	int done;
	int failed; /* an error of ours is in err: report it rather than libarchive's */
	struct parse_error err;
	mbedtls_sha256_context sha;
	char diff_id[LAYER_DIFF_ID_LEN];
	uint8_t cbuf[LAYER_STREAM_BUF]; /* compressed bytes for the outer reader */
	uint8_t ubuf[LAYER_STREAM_BUF]; /* uncompressed bytes for the inner reader */
};

static const char *const compression_names[LAYER_STREAM_COMPRESSION_COUNT] = {"tar", "gzip",
									      "zstd"};

static int
fail(struct layer_stream *s, enum parse_code code, uint64_t offset, const char *msg)
{
	if (!s->failed) {
		s->failed = 1;
		(void)parse_error_set(&s->err, code, offset, NULL, "%s", msg);
	}
	return parse_code_errno(s->err.code);
}

/* Copy the first error into *e and return its -errno. */
static int
report(struct layer_stream *s, struct parse_error *e)
{
	if (e)
		*e = s->err;
	return parse_code_errno(s->err.code);
}

static la_ssize_t
outer_read(struct archive *a, void *ud, const void **buf)
{
	struct layer_stream *s = ud;
	(void)a;
	ssize_t n = s->read_fn(s->userdata, s->cbuf, sizeof(s->cbuf));
	if (n < 0) {
		(void)fail(s, PARSE_ERR_SYNTAX, s->compressed, "cannot read the layer blob");
		return -1;
	}
	s->compressed += (uint64_t)n;
	*buf = s->cbuf;
	return n;
}

/* The decompressor failed: "gzip: <why> at compressed byte N". */
static int
fail_decompress(struct layer_stream *s)
{
	char msg[PARSE_ERROR_MSG_MAX];
	const char *why = archive_error_string(s->outer);
	(void)snprintf(msg, sizeof(msg), "%s: %s at compressed byte %llu",
		       compression_names[s->o.compression], why ? why : "invalid stream",
		       (unsigned long long)s->compressed);
	return fail(s, PARSE_ERR_SYNTAX, s->compressed, msg);
}

/* Pull decompressed bytes, hash and count them. Returns bytes (0 at the end) or < 0. */
static la_ssize_t
pull_uncompressed(struct layer_stream *s)
{
	la_ssize_t n = archive_read_data(s->outer, s->ubuf, sizeof(s->ubuf));
	if (n < 0)
		return fail_decompress(s);
	if (n == 0)
		return 0;
	/* The cap holds before the bytes are used: a bomb stops at max_uncompressed + 64 KiB
	 * of work, whatever its ratio. */
	if ((uint64_t)n > s->o.max_uncompressed - s->uncompressed) {
		char msg[PARSE_ERROR_MSG_MAX];
		(void)snprintf(
		    msg, sizeof(msg),
		    "layer larger than the %llu-byte uncompressed limit (layer_max_bytes)",
		    (unsigned long long)s->o.max_uncompressed);
		return fail(s, PARSE_ERR_LIMIT, s->uncompressed, msg);
	}
	s->uncompressed += (uint64_t)n;
	if (mbedtls_sha256_update_ret(&s->sha, s->ubuf, (size_t)n) != 0)
		return fail(s, PARSE_ERR_NOMEM, s->uncompressed, "sha256 failed");
	return n;
}

static la_ssize_t
inner_read(struct archive *a, void *ud, const void **buf)
{
	struct layer_stream *s = ud;
	(void)a;
	la_ssize_t n = pull_uncompressed(s);
	if (n < 0)
		return -1;
	*buf = s->ubuf;
	return n;
}

static int
open_outer(struct layer_stream *s)
{
	static const int codes[LAYER_STREAM_COMPRESSION_COUNT] = {
	    ARCHIVE_FILTER_NONE, ARCHIVE_FILTER_GZIP, ARCHIVE_FILTER_ZSTD};
	struct archive_entry *ae;
	s->outer = archive_read_new();
	if (!s->outer)
		return fail(s, PARSE_ERR_NOMEM, 0, "out of memory");
	/* Exactly the filter the manifest's media type names, with bidding bypassed: no other
	 * decompressor (and no external program) is ever reachable. */
	if (archive_read_support_format_raw(s->outer) != ARCHIVE_OK ||
	    (s->o.compression != LAYER_STREAM_NONE &&
	     archive_read_append_filter(s->outer, codes[s->o.compression]) != ARCHIVE_OK))
		return fail(s, PARSE_ERR_UNSUPPORTED, 0, "decompressor not available");
	if (archive_read_open(s->outer, s, NULL, outer_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(s->outer, &ae) != ARCHIVE_OK)
		return fail_decompress(s);
	return 0;
}

static int
open_inner(struct layer_stream *s)
{
	s->inner = archive_read_new();
	if (!s->inner)
		return fail(s, PARSE_ERR_NOMEM, 0, "out of memory");
	if (archive_read_support_format_tar(s->inner) != ARCHIVE_OK)
		return fail(s, PARSE_ERR_UNSUPPORTED, 0, "tar reader not available");
	/* No skip or seek callback: every byte is read, so every byte is hashed. */
	if (archive_read_open(s->inner, s, NULL, inner_read, NULL) != ARCHIVE_OK) {
		if (s->failed)
			return parse_code_errno(s->err.code);
		return fail(s, PARSE_ERR_SYNTAX, 0, "not a tar archive");
	}
	return 0;
}

int
layer_stream_new(const struct layer_stream_opts *o, layer_stream_read_fn read_fn, void *userdata,
		 struct layer_stream **ret, struct parse_error *e)
{
	if ((unsigned)o->compression >= LAYER_STREAM_COMPRESSION_COUNT || !read_fn)
		return parse_error_set(e, PARSE_ERR_VALUE, PARSE_OFFSET_NONE, NULL,
				       "bad layer stream options");
	struct layer_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return parse_error_set(e, PARSE_ERR_NOMEM, 0, NULL, "out of memory");
	s->o = *o;
	s->read_fn = read_fn;
	s->userdata = userdata;
	mbedtls_sha256_init(&s->sha);
	int r = mbedtls_sha256_starts_ret(&s->sha, 0) != 0 ? -ENOMEM : 0;
	if (r == 0)
		r = open_outer(s);
	if (r == 0)
		r = open_inner(s);
	if (r < 0) {
		r = report(s, e);
		layer_stream_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

struct layer_stream *
layer_stream_free(struct layer_stream *s)
{
	if (!s)
		return NULL;
	if (s->inner)
		(void)archive_read_free(s->inner);
	if (s->outer)
		(void)archive_read_free(s->outer);
	mbedtls_sha256_free(&s->sha);
	free(s);
	return NULL;
}

/* After the end-of-archive marker: hash the rest of the decompressed stream, refusing more
 * than max_trailing bytes (a bomb padded with zeros after a tiny archive). */
static int
finish(struct layer_stream *s)
{
	/* Where the tar reader stopped: bytes it consumed, not what it buffered ahead. */
	la_int64_t pos = archive_filter_bytes(s->inner, 0);
	uint64_t end =
	    pos > 0 && (uint64_t)pos <= s->uncompressed ? (uint64_t)pos : s->uncompressed;
	for (;;) {
		if (s->uncompressed - end > s->o.max_trailing) {
			char msg[PARSE_ERROR_MSG_MAX];
			(void)snprintf(msg, sizeof(msg),
				       "layer continues more than %llu bytes past the tar "
				       "end-of-archive marker",
				       (unsigned long long)s->o.max_trailing);
			return fail(s, PARSE_ERR_LIMIT, s->uncompressed, msg);
		}
		la_ssize_t n = pull_uncompressed(s);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
	}
	uint8_t d[32];
	if (mbedtls_sha256_finish_ret(&s->sha, d) != 0)
		return fail(s, PARSE_ERR_NOMEM, s->uncompressed, "sha256 failed");
	static const char hex[] = "0123456789abcdef";
	memcpy(s->diff_id, "sha256:", 7);
	for (size_t i = 0; i < sizeof(d); i++) {
		s->diff_id[7 + 2 * i] = hex[d[i] >> 4];
		s->diff_id[8 + 2 * i] = hex[d[i] & 15];
	}
	s->diff_id[7 + 64] = '\0';
	s->done = 1;
	return 0;
}

/* libarchive failed on the tar stream (or our callback did: report that instead). */
static int
fail_tar(struct layer_stream *s)
{
	if (s->failed)
		return parse_code_errno(s->err.code);
	char msg[PARSE_ERROR_MSG_MAX];
	const char *why = archive_error_string(s->inner);
	(void)snprintf(msg, sizeof(msg), "tar: %s near uncompressed byte %llu",
		       why ? why : "invalid archive", (unsigned long long)s->uncompressed);
	return fail(s, PARSE_ERR_SYNTAX, s->uncompressed, msg);
}

static enum tar_entry_type
entry_type(struct archive_entry *ae)
{
	if (archive_entry_hardlink(ae))
		return TAR_ENTRY_HARDLINK;
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG:
		return TAR_ENTRY_REG;
	case AE_IFDIR:
		return TAR_ENTRY_DIR;
	case AE_IFLNK:
		return TAR_ENTRY_SYMLINK;
	case AE_IFCHR:
		return TAR_ENTRY_CHR;
	case AE_IFBLK:
		return TAR_ENTRY_BLK;
	case AE_IFIFO:
		return TAR_ENTRY_FIFO;
	default:
		return TAR_ENTRY_OTHER;
	}
}

static int
convert_entry(struct layer_stream *s, struct archive_entry *ae, struct tar_entry *ret)
{
	struct tar_entry_in in = {
	    .path = archive_entry_pathname(ae),
	    .type = entry_type(ae),
	    .mode = (uint32_t)archive_entry_perm(ae),
	    .uid = archive_entry_uid(ae),
	    .gid = archive_entry_gid(ae),
	    .size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0,
	    .dev_major = (uint64_t)archive_entry_rdevmajor(ae),
	    .dev_minor = (uint64_t)archive_entry_rdevminor(ae),
	    .max_size = s->o.max_uncompressed,
	    .mtime_sec = archive_entry_mtime(ae),
	    .mtime_nsec = archive_entry_mtime_nsec(ae),
	};
	if (!in.path)
		in.path = archive_entry_pathname_utf8(ae);
	if (!in.path)
		return fail(s, PARSE_ERR_VALUE, s->uncompressed, "tar: an entry without a path");
	in.link = in.type == TAR_ENTRY_HARDLINK  ? archive_entry_hardlink(ae)
		  : in.type == TAR_ENTRY_SYMLINK ? archive_entry_symlink(ae)
						 : NULL;
	int r = tar_entry_check(&in, ret, &s->err);
	if (r < 0) {
		s->failed = 1;
		s->err.offset = s->uncompressed;
		return r;
	}
	return 0;
}

int
layer_stream_next(struct layer_stream *s, struct tar_entry *ret, struct parse_error *e)
{
	if (s->failed)
		return report(s, e);
	if (s->done)
		return 0;
	struct archive_entry *ae = NULL;
	int ar = archive_read_next_header(s->inner, &ae);
	if (ar == ARCHIVE_EOF) {
		if (finish(s) < 0)
			return report(s, e);
		return 0;
	}
	/* ARCHIVE_WARN: libarchive recovered (a pathname it could not convert to the locale,
	 * an ignored pax keyword); the entry is still complete and is validated below. */
	if ((ar != ARCHIVE_OK && ar != ARCHIVE_WARN) || !ae) {
		(void)fail_tar(s);
		return report(s, e);
	}
	if (++s->entries > s->o.max_entries) {
		char msg[PARSE_ERROR_MSG_MAX];
		(void)snprintf(msg, sizeof(msg), "layer has more than %llu entries",
			       (unsigned long long)s->o.max_entries);
		(void)fail(s, PARSE_ERR_LIMIT, s->uncompressed, msg);
		return report(s, e);
	}
	s->cur = ae;
	if (convert_entry(s, ae, ret) < 0)
		return report(s, e);
	s->entry_size = ret->type == TAR_ENTRY_REG ? ret->size : 0;
	(void)archive_entry_xattr_reset(ae);
	return 1;
}

int
layer_stream_data(struct layer_stream *s, const void **buf, size_t *len, uint64_t *offset,
		  struct parse_error *e)
{
	if (s->failed)
		return report(s, e);
	const void *b = NULL;
	size_t n = 0;
	la_int64_t off = 0;
	int ar = archive_read_data_block(s->inner, &b, &n, &off);
	if (ar == ARCHIVE_EOF)
		return 0;
	if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
		(void)fail_tar(s);
		return report(s, e);
	}
	/* A sparse map may place blocks anywhere: never past the size tar_entry_check
	 * accepted (which is within the layer's cap). */
	if (off < 0 || (uint64_t)off > s->entry_size || n > s->entry_size - (uint64_t)off) {
		(void)fail(s, PARSE_ERR_VALUE, s->uncompressed,
			   "tar: file data past the entry's declared size");
		return report(s, e);
	}
	*buf = b;
	*len = n;
	*offset = (uint64_t)off;
	return 1;
}

int
layer_stream_xattr(struct layer_stream *s, const char **name, const void **value, size_t *len,
		   struct parse_error *e)
{
	if (s->failed)
		return report(s, e);
	if (!s->cur)
		return 0;
	if (archive_entry_xattr_count(s->cur) > (int)LAYER_MAX_XATTRS) {
		(void)fail(s, PARSE_ERR_LIMIT, s->uncompressed, "tar: too many xattrs on an entry");
		return report(s, e);
	}
	const char *n;
	const void *v;
	size_t l;
	while (archive_entry_xattr_next(s->cur, &n, &v, &l) == ARCHIVE_OK) {
		enum tar_xattr_verdict verdict;
		const char *path = archive_entry_pathname(s->cur);
		if (tar_xattr_check(path ? path : "?", n ? n : "", v, l, &verdict, &s->err) < 0) {
			s->failed = 1;
			return report(s, e);
		}
		if (verdict == TAR_XATTR_KEEP) {
			*name = n;
			*value = v;
			*len = l;
			return 1;
		}
	}
	return 0;
}

void
layer_stream_result(const struct layer_stream *s, char diff_id[LAYER_DIFF_ID_LEN],
		    uint64_t *uncompressed, uint64_t *entries)
{
	memcpy(diff_id, s->diff_id, LAYER_DIFF_ID_LEN);
	*uncompressed = s->uncompressed;
	*entries = s->entries;
}
