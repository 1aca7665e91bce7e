/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the name and ID validators: byte 0 picks container name, pod
 * namespace, pod name, pod UID, full ID or ID prefix. An accepted name holds no control byte
 * and fits POLICY_META_NAME_MAX; an accepted ID is safe as a path component: no '/', no NUL,
 * never "." or "..".
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
	if (size < 1)
		return 0;
	const char *s = (const char *)data + 1;
	size_t len = size - 1;
	struct policy_error e;
	policy_fuzz_poison(&e);
	int r;
	switch (data[0] % 6u) {
	case 0:
		r = validate_container_name(s, len, &e);
		break;
	case 1:
		r = validate_pod_namespace(s, len, &e);
		break;
	case 2:
		r = validate_pod_name(s, len, &e);
		break;
	case 3:
		r = validate_pod_uid(s, len, &e);
		break;
	case 4:
		r = validate_id(s, len, false, &e);
		if (r == 0)
			POLICY_FUZZ_ASSERT(len == POLICY_ID_LEN);
		break;
	default:
		r = validate_id(s, len, true, &e);
		break;
	}
	policy_fuzz_check(r, &e);
	if (r < 0)
		return 0;
	if (data[0] % 6u < 4u) {
		POLICY_FUZZ_ASSERT(len <= POLICY_META_NAME_MAX);
		for (size_t i = 0; i < len; i++)
			POLICY_FUZZ_ASSERT((unsigned char)s[i] >= 0x20 &&
					   (unsigned char)s[i] != 0x7f);
		return 0;
	}
	POLICY_FUZZ_ASSERT(len > 0 && len <= POLICY_ID_LEN);
	POLICY_FUZZ_ASSERT(!memchr(s, '/', len) && !memchr(s, '\0', len));
	POLICY_FUZZ_ASSERT(!(len == 1 && s[0] == '.') && !(len == 2 && s[0] == '.' && s[1] == '.'));
	POLICY_FUZZ_ASSERT(s[0] != '.' && s[0] != '-');
	return 0;
}
