/* SPDX-License-Identifier: Apache-2.0 */
/* Shared checks of the policy fuzz targets: a refusal is exactly -EINVAL with a well-formed
 * policy_error (static field and rule, printable NUL-terminated message), and a helper that
 * splits one input into two byte strings.
 * runs in: fuzzers and the replay driver only. */
#ifndef CRISP_FUZZ_POLICY_FUZZ_CHECK_H
#define CRISP_FUZZ_POLICY_FUZZ_CHECK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_error.h"

#define POLICY_FUZZ_ASSERT(x)                                                                      \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

/* A poisoned error, so a validator that succeeds while writing it is caught. */
static inline void
policy_fuzz_poison(struct policy_error *e)
{
	memset(e, 0xa5, sizeof(*e));
}

static inline void
policy_fuzz_check(int r, const struct policy_error *e)
{
	if (r == 0)
		return;
	POLICY_FUZZ_ASSERT(r == -EINVAL);
	POLICY_FUZZ_ASSERT(e->field && e->rule && e->field[0] && e->rule[0]);
	POLICY_FUZZ_ASSERT(memchr(e->message, '\0', sizeof(e->message)) != NULL);
	for (const char *p = e->message; *p; p++)
		POLICY_FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
	POLICY_FUZZ_ASSERT(strncmp(e->message, e->field, strlen(e->field)) == 0);
}

/* Split data at the first 0xff byte: a = before it, b = after it (b empty if none). The
 * separator cannot appear in either part, which no validator needs anyway. */
static inline void
policy_fuzz_split(const uint8_t *data, size_t size, const char **a, size_t *alen, const char **b,
		  size_t *blen)
{
	const uint8_t *sep = memchr(data, 0xff, size);
	*a = (const char *)data;
	*alen = sep ? (size_t)(sep - data) : size;
	*b = sep ? (const char *)sep + 1 : (const char *)data + size;
	*blen = sep ? size - *alen - 1 : 0;
}

#endif
