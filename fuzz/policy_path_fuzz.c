/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for validate_mount_destination and validate_seccomp_localhost: byte 0
 * picks the validator, privilege and profile root, the rest is the path. Accepted paths are
 * absolute, have no "." or ".." component, no NUL or control byte, and a mount never lands on
 * /proc (nor /sys unless privileged); a profile stays beneath its root.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "policy/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const char *p, size_t len)
{
	POLICY_FUZZ_ASSERT(len > 0 && p[0] == '/');
	for (size_t i = 0; i < len; i++)
		POLICY_FUZZ_ASSERT((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
	for (size_t i = 0; i + 1 < len; i++) {
		if (p[i] != '/')
			continue;
		size_t rest = len - i - 1;
		POLICY_FUZZ_ASSERT(p[i + 1] != '/');
		POLICY_FUZZ_ASSERT(!(p[i + 1] == '.' && (rest == 1 || p[i + 2] == '/')));
		POLICY_FUZZ_ASSERT(!(rest >= 2 && p[i + 1] == '.' && p[i + 2] == '.' &&
				     (rest == 2 || p[i + 3] == '/')));
	}
}

static bool
under(const char *p, size_t len, const char *dir)
{
	size_t dl = strlen(dir);
	return len >= dl && memcmp(p, dir, dl) == 0 && (len == dl || p[dl] == '/');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const char *p = (const char *)data + 1;
	size_t len = size - 1;
	struct policy_error e;
	policy_fuzz_poison(&e);

	if (mode & 1) {
		bool privileged = mode & 2;
		int r = validate_mount_destination(p, len, privileged, &e);
		policy_fuzz_check(r, &e);
		if (r < 0)
			return 0;
		check_clean(p, len);
		POLICY_FUZZ_ASSERT(len > 1);
		POLICY_FUZZ_ASSERT(!under(p, len, "/proc"));
		POLICY_FUZZ_ASSERT(privileged || !under(p, len, "/sys"));
		return 0;
	}
	const char *root = (mode & 2) ? "/var/lib/kubelet/seccomp" : NULL;
	int r = validate_seccomp_localhost(p, len, root, &e);
	policy_fuzz_check(r, &e);
	if (r < 0)
		return 0;
	check_clean(p, len);
	POLICY_FUZZ_ASSERT(p[len - 1] != '/');
	if (root)
		POLICY_FUZZ_ASSERT(under(p, len, root) && len > strlen(root) + 1);
	return 0;
}
