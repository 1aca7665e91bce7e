/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for seccomp_profile_select: 8 bytes of capability set and one of arch.
 * Any selection fits SECCOMP_PROFILE_MAX_RULES, keeps table order, starts the socket rules
 * with the unconditional EPERM guard, and always blocks the keyring and io_uring.
 * runs in: fuzzers and the replay driver only. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "policy/seccomp_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
names(const struct seccomp_profile_rule *r, const char *name)
{
	for (size_t k = 0; k < r->n_names; k++)
		if (strcmp(r->names[k], name) == 0)
			return true;
	return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	uint64_t caps;
	memcpy(&caps, data, 8);
	enum seccomp_profile_arch arch = (enum seccomp_profile_arch)(data[8] % 4u);
	const struct seccomp_profile_rule *rules[SECCOMP_PROFILE_MAX_RULES];
	size_t n = 0;
	int r = seccomp_profile_select(caps, arch, rules, SECCOMP_PROFILE_MAX_RULES, &n);
	if (arch != SECCOMP_PROFILE_ARCH_X86 && arch != SECCOMP_PROFILE_ARCH_ARM) {
		POLICY_FUZZ_ASSERT(r == -EINVAL);
		return 0;
	}
	POLICY_FUZZ_ASSERT(r == 0 && n <= SECCOMP_PROFILE_MAX_RULES);
	bool socket_seen = false, keyctl_blocked = false, uring_blocked = false;
	for (size_t i = 0; i < n; i++) {
		POLICY_FUZZ_ASSERT(i == 0 || rules[i] > rules[i - 1]);
		POLICY_FUZZ_ASSERT(seccomp_profile_rule_applies(rules[i], caps, arch));
		if (names(rules[i], "socket") && !socket_seen) {
			socket_seen = true;
			POLICY_FUZZ_ASSERT(rules[i]->action == SECCOMP_PROFILE_ACT_ERRNO &&
					   rules[i]->n_args == 1 && rules[i]->args[0].index == 0);
		}
		if (rules[i]->action == SECCOMP_PROFILE_ACT_ERRNO && rules[i]->n_args == 0) {
			keyctl_blocked |= names(rules[i], "keyctl");
			uring_blocked |= names(rules[i], "io_uring_setup");
		}
		POLICY_FUZZ_ASSERT(
		    rules[i]->action != SECCOMP_PROFILE_ACT_ALLOW ||
		    (!names(rules[i], "keyctl") && !names(rules[i], "io_uring_setup")));
	}
	POLICY_FUZZ_ASSERT(socket_seen && keyctl_blocked && uring_blocked);
	return 0;
}
