/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for validate_cgroup_parent: byte 0 picks the driver. An accepted cgroupfs
 * parent is absolute without "." / ".." / empty components; an accepted systemd parent is a
 * "<name>.slice" without '/' or '\' and without empty '-' parts.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "policy/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum validate_cgroup_style style =
	    (data[0] & 1) ? VALIDATE_CGROUP_SYSTEMD : VALIDATE_CGROUP_CGROUPFS;
	const char *s = (const char *)data + 1;
	size_t len = size - 1;
	struct policy_error e;
	policy_fuzz_poison(&e);
	int r = validate_cgroup_parent(s, len, style, &e);
	policy_fuzz_check(r, &e);
	if (r < 0)
		return 0;
	POLICY_FUZZ_ASSERT(!memchr(s, '\0', len) && !memchr(s, '\\', len));
	if (style == VALIDATE_CGROUP_SYSTEMD) {
		POLICY_FUZZ_ASSERT(len > 6 && memcmp(s + len - 6, ".slice", 6) == 0);
		POLICY_FUZZ_ASSERT(!memchr(s, '/', len) && s[0] != '-' && s[len - 7] != '-');
		POLICY_FUZZ_ASSERT(!memmem(s, len, "--", 2));
		return 0;
	}
	POLICY_FUZZ_ASSERT(len > 1 && s[0] == '/' && s[len - 1] != '/');
	POLICY_FUZZ_ASSERT(!memmem(s, len, "//", 2) && !memmem(s, len, "/../", 4) &&
			   !memmem(s, len, "/./", 3));
	POLICY_FUZZ_ASSERT(!(len >= 3 && memcmp(s + len - 3, "/..", 3) == 0));
	POLICY_FUZZ_ASSERT(!(len >= 2 && memcmp(s + len - 2, "/.", 2) == 0));
	return 0;
}
