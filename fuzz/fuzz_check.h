/* SPDX-License-Identifier: Apache-2.0 */
/* Invariants every fuzz target checks after a parse: a failure fills a well-formed
 * parse_error whose class matches the returned -errno. A broken invariant aborts, so the
 * fuzzer reports it like a crash.
 * runs in: fuzzers and the replay driver only. */
#ifndef CRISP_FUZZ_CHECK_H
#define CRISP_FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "parsers/base/parse_error.h"

#define FUZZ_ASSERT(x)                                                                             \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static inline void
fuzz_check_error(int r, const struct parse_error *e)
{
	FUZZ_ASSERT(r < 0);
	FUZZ_ASSERT(e->code > PARSE_OK && e->code < PARSE_CODE_COUNT);
	FUZZ_ASSERT(parse_code_errno(e->code) == r);
	FUZZ_ASSERT(memchr(e->message, '\0', sizeof(e->message)) != NULL);
	FUZZ_ASSERT(memchr(e->path, '\0', sizeof(e->path)) != NULL);
	for (const char *p = e->message; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
	for (const char *p = e->path; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
}

/* A poisoned error, so a parser that "succeeds" while writing it is caught. */
static inline void
fuzz_poison_error(struct parse_error *e)
{
	memset(e, 0xa5, sizeof(*e));
}

#endif
