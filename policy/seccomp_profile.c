/* SPDX-License-Identifier: Apache-2.0 */
/* Selecting RuntimeDefault seccomp rules by capability set and architecture family.
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#include "policy/seccomp_profile.h"

#include <errno.h>

#include "parsers/base/macro.h"

enum seccomp_profile_arch
seccomp_profile_host_arch(void)
{
#if defined(__x86_64__)
	return SECCOMP_PROFILE_ARCH_X86;
#elif defined(__aarch64__)
	return SECCOMP_PROFILE_ARCH_ARM;
#else
	return SECCOMP_PROFILE_ARCH_COUNT;
#endif
}

const char *const *
seccomp_profile_architectures(enum seccomp_profile_arch arch, size_t *ret_n)
{
	/* i386 and x32 are listed, not left to the bad-arch action: a 64-bit process can enter
	 * either ABI (int 0x80, the x32 bit), so each must get the same rules. */
	static const char *const x86[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
	static const char *const arm[] = {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"};

	switch (arch) {
	case SECCOMP_PROFILE_ARCH_X86:
		*ret_n = ELEMENTSOF(x86);
		return x86;
	case SECCOMP_PROFILE_ARCH_ARM:
		*ret_n = ELEMENTSOF(arm);
		return arm;
	case SECCOMP_PROFILE_ARCH_ANY:
	case SECCOMP_PROFILE_ARCH_COUNT:
		break;
	}
	*ret_n = 0;
	return NULL;
}

const char *
seccomp_profile_action_name(enum seccomp_profile_action action)
{
	switch (action) {
	case SECCOMP_PROFILE_ACT_ALLOW:
		return "SCMP_ACT_ALLOW";
	case SECCOMP_PROFILE_ACT_ERRNO:
		return "SCMP_ACT_ERRNO";
	case SECCOMP_PROFILE_ACT_COUNT:
		break;
	}
	return NULL;
}

const char *
seccomp_profile_op_name(enum seccomp_profile_op op)
{
	switch (op) {
	case SECCOMP_PROFILE_OP_MASKED_EQ:
		return "SCMP_CMP_MASKED_EQ";
	case SECCOMP_PROFILE_OP_COUNT:
		break;
	}
	return NULL;
}

int
seccomp_profile_rule_applies(const struct seccomp_profile_rule *rule, uint64_t caps,
			     enum seccomp_profile_arch arch)
{
	if (rule->arch != SECCOMP_PROFILE_ARCH_ANY && rule->arch != arch)
		return 0;
	if (rule->caps_any && !(caps & rule->caps_any))
		return 0;
	return !(caps & rule->caps_none);
}

int
seccomp_profile_select(uint64_t caps, enum seccomp_profile_arch arch,
		       const struct seccomp_profile_rule **out, size_t outlen, size_t *ret_n)
{
	if (arch != SECCOMP_PROFILE_ARCH_X86 && arch != SECCOMP_PROFILE_ARCH_ARM)
		return -EINVAL;

	size_t n = 0;
	for (size_t i = 0; i < seccomp_table_rules_count; i++) {
		const struct seccomp_profile_rule *r = &seccomp_table_rules[i];
		if (!seccomp_profile_rule_applies(r, caps, arch))
			continue;
		if (n < outlen)
			out[n] = r;
		n++;
	}
	*ret_n = n;
	return n > outlen ? -ENOBUFS : 0;
}
