/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for validate_env: name 0xff value. An accepted entry has a non-empty
 * printable name without '=', a value without NUL, and fits execve's per-string limit.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "parsers/base/limits.h"
#include "policy/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name, *value;
	size_t nlen, vlen;
	policy_fuzz_split(data, size, &name, &nlen, &value, &vlen);
	struct policy_error e;
	policy_fuzz_poison(&e);
	int r = validate_env(name, nlen, value, vlen, &e);
	policy_fuzz_check(r, &e);
	if (r < 0)
		return 0;
	POLICY_FUZZ_ASSERT(nlen > 0 && !memchr(name, '=', nlen));
	for (size_t i = 0; i < nlen; i++)
		POLICY_FUZZ_ASSERT(name[i] >= 0x20 && name[i] < 0x7f);
	POLICY_FUZZ_ASSERT(!memchr(value, '\0', vlen));
	POLICY_FUZZ_ASSERT(nlen + vlen + 2 <= POLICY_ENV_ENTRY_MAX);
	return 0;
}
