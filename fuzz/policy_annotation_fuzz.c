/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for validate_annotation: key 0xff value. Accepted annotations are inert
 * unless their key is exactly a crisp.io/ one, and acted-on values are in range.
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
	const char *key, *value;
	size_t klen, vlen;
	policy_fuzz_split(data, size, &key, &klen, &value, &vlen);

	struct policy_error e;
	struct validate_annotation a;
	policy_fuzz_poison(&e);
	memset(&a, 0x5a, sizeof(a));
	int r = validate_annotation(key, klen, value, vlen, &a, &e);
	policy_fuzz_check(r, &e);
	if (r < 0)
		return 0;
	POLICY_FUZZ_ASSERT(!memchr(value, '\0', vlen));
	POLICY_FUZZ_ASSERT(a.kind < VALIDATE_ANNOTATION_KIND_COUNT);
	bool crisp = klen >= 9 && memcmp(key, "crisp.io/", 9) == 0;
	POLICY_FUZZ_ASSERT(crisp == (a.kind != VALIDATE_ANNOTATION_INERT));
	if (a.kind == VALIDATE_ANNOTATION_SHM_SIZE)
		POLICY_FUZZ_ASSERT(a.size >= 1 && a.size <= POLICY_SHM_SIZE_MAX);
	if (a.kind == VALIDATE_ANNOTATION_ALLOW_ESCALATION ||
	    a.kind == VALIDATE_ANNOTATION_SKIP_SELINUX_RELABEL)
		POLICY_FUZZ_ASSERT((a.flag && vlen == 4) || (!a.flag && vlen == 5));
	return 0;
}
