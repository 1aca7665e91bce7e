/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/http_header.c: the input is a header line; split it, then run
 * its value through the Content-Range, media type and digest parsers and check their results.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/digest.h"
#include "parsers/http_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_value(const char *v, size_t vl)
{
	uint64_t first, last, total;
	struct parse_error e;
	char out[MEDIA_TYPE_MAX_LEN + 1];
	fuzz_poison_error(&e);
	int r = http_content_range_parse(v, vl, &first, &last, &total, &e);
	if (r < 0)
		fuzz_check_error(r, &e);
	else
		FUZZ_ASSERT(first <= last && (total == UINT64_MAX || last < total));
	fuzz_poison_error(&e);
	r = http_media_type_parse(v, vl, out, sizeof(out), &e);
	if (r < 0)
		fuzz_check_error(r, &e);
	else
		FUZZ_ASSERT(strlen(out) <= MEDIA_TYPE_MAX_LEN && strchr(out, '/') &&
			    !strchr(out, ';'));
	char dg[DIGEST_MAX_LEN + 1];
	fuzz_poison_error(&e);
	r = http_digest_parse(v, vl, dg, sizeof(dg), &e);
	if (r < 0)
		fuzz_check_error(r, &e);
	else
		FUZZ_ASSERT(digest_check(dg, strlen(dg), NULL) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data, *name, *v;
	size_t nl, vl;
	if (http_header_split(line, size, &name, &nl, &v, &vl) == 0) {
		FUZZ_ASSERT(name == line && nl > 0 && v >= line + nl && v + vl <= line + size);
		for (size_t i = 0; i < vl; i++)
			FUZZ_ASSERT((unsigned char)v[i] >= 0x20 || v[i] == '\t');
		(void)http_header_is(name, nl, "content-range");
	}
	check_value(line, size);
	return 0;
}
