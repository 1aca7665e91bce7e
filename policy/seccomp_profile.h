/* SPDX-License-Identifier: Apache-2.0 */
/* The RuntimeDefault seccomp profile as data: rule types, the generated rule table (from
 * policy/container/seccomp.groups) and the selection of rules for a container's capabilities
 * and architecture. The daemon turns the selection into OCI JSON (linux.seccomp) with jansson.
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#ifndef CRISP_POLICY_SECCOMP_PROFILE_H
#define CRISP_POLICY_SECCOMP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"

/* OCI: defaultAction SCMP_ACT_ERRNO with defaultErrnoRet ENOSYS (38), so syscalls no group
 * names (newer than the profile) fail as "not implemented" and libcs fall back. */
#define SECCOMP_PROFILE_DEFAULT_ACTION "SCMP_ACT_ERRNO"
#define SECCOMP_PROFILE_DEFAULT_ERRNO  38u

enum seccomp_profile_action {
	SECCOMP_PROFILE_ACT_ALLOW, /* "SCMP_ACT_ALLOW" */
	SECCOMP_PROFILE_ACT_ERRNO, /* "SCMP_ACT_ERRNO" with errnoRet */
	SECCOMP_PROFILE_ACT_COUNT
};

enum seccomp_profile_op {
	/* "SCMP_CMP_MASKED_EQ": (arg & value) == value_two */
	SECCOMP_PROFILE_OP_MASKED_EQ,
	SECCOMP_PROFILE_OP_COUNT
};

/* Architecture families: the host's native ABI plus the personas its kernel also runs. */
enum seccomp_profile_arch {
	SECCOMP_PROFILE_ARCH_ANY, /* in the table only: the rule is for every family */
	SECCOMP_PROFILE_ARCH_X86, /* SCMP_ARCH_X86_64, SCMP_ARCH_X86 (i386), SCMP_ARCH_X32 */
	SECCOMP_PROFILE_ARCH_ARM, /* SCMP_ARCH_AARCH64, SCMP_ARCH_ARM */
	SECCOMP_PROFILE_ARCH_COUNT
};

struct seccomp_profile_arg {
	unsigned index; /* 0..5 */
	enum seccomp_profile_op op;
	uint64_t value;
	uint64_t value_two;
};

struct seccomp_profile_group {
	const char *name;
	const char *reason;
};

/* One OCI "syscalls" entry. It applies to a container whose bounding set B satisfies
 * (caps_any == 0 || (B & caps_any) != 0) && (B & caps_none) == 0, on arch (or any). */
struct seccomp_profile_rule {
	size_t group; /* index into seccomp_table_groups */
	const char *const *names;
	size_t n_names;
	enum seccomp_profile_action action;
	unsigned errno_ret; /* for SECCOMP_PROFILE_ACT_ERRNO; never ENOSYS */
	const struct seccomp_profile_arg *args;
	size_t n_args;
	uint64_t caps_any; /* bit n = capability n (linux/capability.h) */
	uint64_t caps_none;
	enum seccomp_profile_arch arch;
};

/* The generated table (build/gen/policy/seccomp_table.c), in profile order. */
extern const struct seccomp_profile_group seccomp_table_groups[];
extern const size_t seccomp_table_groups_count;
extern const struct seccomp_profile_rule seccomp_table_rules[];
extern const size_t seccomp_table_rules_count;

/* The architecture family crisp was built for (x86_64 -> X86, aarch64 -> ARM); COUNT if
 * neither, and then no RuntimeDefault profile can be generated. */
enum seccomp_profile_arch seccomp_profile_host_arch(void);

/* The OCI "architectures" list of a family (SCMP_ARCH_* names), *ret_n entries. NULL for
 * ANY or an out-of-range value. */
const char *const *seccomp_profile_architectures(enum seccomp_profile_arch arch, size_t *ret_n);

/* OCI names of an action and an operator ("SCMP_ACT_ALLOW", "SCMP_CMP_MASKED_EQ"). */
const char *seccomp_profile_action_name(enum seccomp_profile_action action);
const char *seccomp_profile_op_name(enum seccomp_profile_op op);

/* Whether rule applies to a container with bounding capability set caps on arch. */
int seccomp_profile_rule_applies(const struct seccomp_profile_rule *rule, uint64_t caps,
				 enum seccomp_profile_arch arch);

/* Select the rules for a container, in profile order (order matters: see seccomp.groups).
 * caps is the container's bounding set (what it may ever hold, including through file
 * capabilities), the set Docker and containers/common key their profiles on too.
 * Writes up to outlen pointers into the static table to out and the number of matching rules
 * to *ret_n. Returns 0, -ENOBUFS if outlen is too small (*ret_n still says how many are
 * needed), -EINVAL for a bad arch. SECCOMP_PROFILE_MAX_RULES is always enough. */
int seccomp_profile_select(uint64_t caps, enum seccomp_profile_arch arch,
			   const struct seccomp_profile_rule **out, size_t outlen, size_t *ret_n);

/* Upper bound on the rules one selection returns (checked by the unit tests). */

#endif
