/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/image_ref.c (linked by the daemon): parse, and check that
 * the normalised string parses again to itself (normalisation is idempotent).
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/image_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_ref(const struct image_ref *r, const struct image_ref_opts *opts)
{
	struct image_ref *again = NULL;
	struct parse_error err;
	FUZZ_ASSERT(r->domain && r->path && r->name && r->string);
	FUZZ_ASSERT(strlen(r->name) <= IMAGE_REF_MAX_NAME_LEN);
	FUZZ_ASSERT(!r->digest || digest_check(r->digest, strlen(r->digest), NULL) == 0);
	FUZZ_ASSERT(strcmp(r->domain, "index.docker.io") != 0);
	FUZZ_ASSERT(image_ref_parse((const uint8_t *)r->string, strlen(r->string), opts, &again,
				    &err) == 0);
	FUZZ_ASSERT(strcmp(again->string, r->string) == 0);
	FUZZ_ASSERT(strcmp(again->name, r->name) == 0);
	again = image_ref_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_ref_opts opts = {.no_default_tag = (size & 1) != 0};
	struct image_ref *r = NULL;
	struct parse_error err;
	int k;

	fuzz_poison_error(&err);
	k = image_ref_parse(data, size, &opts, &r, &err);
	if (k < 0) {
		fuzz_check_error(k, &err);
		FUZZ_ASSERT(r == NULL);
		return 0;
	}
	check_ref(r, &opts);
	r = image_ref_free(r);
	return 0;
}
