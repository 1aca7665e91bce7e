/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for container_policy_device_rule: byte 0 type, bytes 1-8 major and minor
 * (32-bit each, sign-extended), the rest the permissions. Accepted rules are c/b with
 * in-range numbers and a canonical non-empty subset of "rwm".
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "policy/container_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	int32_t major, minor;
	memcpy(&major, data + 1, 4);
	memcpy(&minor, data + 5, 4);
	struct container_policy_device_rule d;
	struct policy_error e;
	policy_fuzz_poison(&e);
	struct container_policy_device_request req = {(char)data[0], major, minor,
						      (const char *)data + 9, size - 9};
	int r = container_policy_device_rule(&req, &d, &e);
	policy_fuzz_check(r, &e);
	if (r < 0)
		return 0;
	POLICY_FUZZ_ASSERT(d.allow && (d.type == 'c' || d.type == 'b'));
	POLICY_FUZZ_ASSERT(d.major >= 0 && d.major < 4096 && d.minor >= 0 && d.minor < (1 << 20));
	static const char *const ok[] = {"r", "w", "m", "rw", "rm", "wm", "rwm"};
	bool canonical = false;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		canonical |= strcmp(d.access, ok[i]) == 0;
	POLICY_FUZZ_ASSERT(canonical);
	return 0;
}
