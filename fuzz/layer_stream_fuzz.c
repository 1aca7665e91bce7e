/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/layer_stream.c (libarchive tar + gzip/zstd/none, the diffID
 * hash and the limits): the first byte picks the compression, the rest is the layer blob.
 * Every entry is validated, its data and kept xattrs read; a success must give a sha256
 * diffID and sizes within the limits, a failure a well-formed error.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "fuzz/fuzz_check.h"
#include "parsers/layer_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
	const uint8_t *p;
	size_t left;
};

static ssize_t
pull(void *ud, uint8_t *buf, size_t len)
{
	struct src *s = ud;
	/* Odd chunk sizes exercise the readers' buffering. */
	size_t n = len < 4093 ? len : 4093;
	if (n > s->left)
		n = s->left;
	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

static int
drain(struct layer_stream *ls, const struct tar_entry *t, struct parse_error *e)
{
	const void *buf;
	size_t len;
	uint64_t off;
	const char *name;
	int r;
	while ((r = layer_stream_data(ls, &buf, &len, &off, e)) > 0)
		FUZZ_ASSERT(off + len <= t->size);
	if (r < 0)
		return r;
	while ((r = layer_stream_xattr(ls, &name, &buf, &len, e)) > 0)
		FUZZ_ASSERT(strcmp(name, "security.capability") == 0 ||
			    strncmp(name, "user.", 5) == 0);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct src s = {data + 1, size - 1};
	struct layer_stream_opts o = {
	    .compression =
		(enum layer_stream_compression)(data[0] % LAYER_STREAM_COMPRESSION_COUNT),
	    .max_uncompressed = 16u << 20,
	    .max_entries = 20000,
	    .max_trailing = 65536,
	};
	struct layer_stream *ls = NULL;
	struct parse_error e;
	fuzz_poison_error(&e);
	int r = layer_stream_new(&o, pull, &s, &ls, &e);
	if (r < 0) {
		fuzz_check_error(r, &e);
		return 0;
	}
	struct tar_entry *t = malloc(sizeof(*t));
	FUZZ_ASSERT(t);
	while ((r = layer_stream_next(ls, t, &e)) > 0)
		if ((r = drain(ls, t, &e)) < 0)
			break;
	if (r < 0) {
		fuzz_check_error(r, &e);
	} else {
		char id[LAYER_DIFF_ID_LEN];
		uint64_t n, entries;
		layer_stream_result(ls, id, &n, &entries);
		FUZZ_ASSERT(strncmp(id, "sha256:", 7) == 0 && strlen(id) == 71);
		FUZZ_ASSERT(n <= o.max_uncompressed && entries <= o.max_entries);
	}
	free(t);
	layer_stream_free(ls);
	return 0;
}
