/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/token.c: parse a token endpoint reply, check the token can go
 * into a header line as is (visible ASCII, bounded), free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/limits.h"
#include "parsers/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_token(const char *s)
{
	size_t n = strlen(s);
	FUZZ_ASSERT(n <= TOKEN_MAX_LEN);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(s[i] > 0x20 && s[i] < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token_reply *t = NULL;
	struct parse_error e;
	fuzz_poison_error(&e);
	int r = token_parse(data, size, &t, &e);
	if (r < 0) {
		fuzz_check_error(r, &e);
		FUZZ_ASSERT(t == NULL);
		return 0;
	}
	FUZZ_ASSERT(t && t->token && t->token[0]);
	check_token(t->token);
	if (t->refresh_token)
		check_token(t->refresh_token);
	token_reply_free(t);
	return 0;
}
