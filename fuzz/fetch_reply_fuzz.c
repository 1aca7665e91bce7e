/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/fetch_reply.c: the input is a packed FetchReply as a hostile
 * helper would send it; validate it as a manifest reply and as a blob reply, and check that
 * anything accepted keeps the documented invariants.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/replies/fetch_reply.h"
#include "fuzz/fuzz_check.h"
#include "parsers/base/budget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_result(const struct fetch_result *res, const struct fetch_expect *e)
{
	FUZZ_ASSERT(res->failure >= 0 &&
		    res->failure <= CRISP__HELPER__FETCH_REPLY__FAILURE__REQUEST);
	for (const char *p = res->message; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
	if (e->blob) {
		FUZZ_ASSERT(res->bytes_written <= e->size && !res->document);
		if (res->failure == 0)
			FUZZ_ASSERT(res->bytes_written == e->size);
		return;
	}
	if (res->failure == 0) {
		FUZZ_ASSERT(res->document && res->document_len > 0);
		FUZZ_ASSERT(res->document_len <= REGISTRY_MAX_MANIFEST);
		FUZZ_ASSERT(strchr(res->media_type, '/') != NULL);
		FUZZ_ASSERT(!res->digest[0] ||
			    digest_check(res->digest, strlen(res->digest), NULL) == 0);
	} else {
		FUZZ_ASSERT(!res->document && res->message[0]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 16u * 1024u * 1024u};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__FetchReply *r = crisp__helper__fetch_reply__unpack(&a, size, data);
	if (!r)
		return 0;
	const struct fetch_expect expects[] = {{.blob = 0},
					       {.blob = 1, .size = 0},
					       {.blob = 1, .size = 4096},
					       {.blob = 1, .size = UINT64_C(1) << 40}};
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		struct fetch_result res;
		if (fetch_reply_validate(r, &expects[i], &res) == 0) {
			check_result(&res, &expects[i]);
			fetch_result_done(&res);
		}
	}
	crisp__helper__fetch_reply__free_unpacked(r, &a);
	return 0;
}
