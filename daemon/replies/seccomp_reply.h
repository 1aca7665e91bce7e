/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-seccomp replies (a Localhost seccomp profile) into struct
 * seccomp_reply_profile, which daemon/containers/ctr_spec_seccomp.c writes into config.json.
 * runs in: daemon/privileged (pure, fuzzed: fuzz/seccomp_reply_fuzz.c). Syscall names are
 * resolved with libseccomp's tables (pure lookups, no I/O). */
#ifndef CRISP_DAEMON_SECCOMP_REPLY_H
#define CRISP_DAEMON_SECCOMP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "helper.pb-c.h"
#include "parsers/base/limits.h"

struct seccomp_reply_arg {
	unsigned index;     /* 0..5 */
	const char *op;     /* "SCMP_CMP_*" (static) */
	uint64_t value;     /* <= INT64_MAX */
	uint64_t value_two; /* <= INT64_MAX */
};

struct seccomp_reply_rule {
	char **names; /* owned; each resolves on the host's or a listed architecture */
	size_t n_names;
	const char *action; /* "SCMP_ACT_*" (static) */
	unsigned errno_ret; /* 1..4095, or 0: absent (only ERRNO and TRACE have one) */
	struct seccomp_reply_arg *args;
	size_t n_args;
};

struct seccomp_reply_profile {
	const char *default_action; /* "SCMP_ACT_*" (static) */
	unsigned default_errno_ret; /* as errno_ret */
	const char *arches[SECCOMP_LOCAL_MAX_ARCHES];
	size_t n_arches;
	const char *flags[SECCOMP_LOCAL_MAX_FLAGS];
	size_t n_flags;
	struct seccomp_reply_rule *rules;
	size_t n_rules;
};

/* Check every field of a SeccompReply from a helper that may be compromised and copy it into
 * a new *ret (seccomp_reply_free): actions and operators of the OCI set (never
 * UNSPECIFIED), errno values 1..4095 and only on ERRNO/TRACE, argument indexes 0..5 and values
 * up to INT64_MAX, architectures and flags of the OCI set without duplicates, every count
 * under limits.h's SECCOMP_LOCAL_* caps, syscall names [a-z0-9_]{1,64} that libseccomp knows
 * for the host's architecture or one the profile lists. On failure the first problem goes to
 * err (a message a person can act on; it quotes at most a syscall name) and returns -EPROTO,
 * or -ENOMEM. */
int seccomp_reply_validate(const Crisp__Helper__SeccompReply *r, struct seccomp_reply_profile **ret,
			   char *err, size_t errsz);

/* Release p. Accepts NULL; returns NULL. */
struct seccomp_reply_profile *seccomp_reply_free(struct seccomp_reply_profile *p);

#endif
