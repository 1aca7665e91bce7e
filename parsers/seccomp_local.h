/* SPDX-License-Identifier: Apache-2.0 */
/* A Localhost seccomp profile (OCI runtime-spec linux.seccomp, as Docker and kubelet write
 * it): defaultAction, defaultErrnoRet, architectures, flags and syscalls[{names, action,
 * errnoRet, args[{index, value, valueTwo, op}]}], validated into one owning tree.
 * runs in: helper/untrusted (crisp-helper-seccomp; pure, fuzzed). The daemon re-checks the
 * reply (daemon/replies/seccomp_reply.c) and resolves syscall names for the architecture. */
#ifndef CRISP_PARSERS_SECCOMP_LOCAL_H
#define CRISP_PARSERS_SECCOMP_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"
#include "parsers/json_map.h"

/* OCI actions; SCMP_ACT_NOTIFY is refused (it needs a seccomp agent crisp does not run). */
enum seccomp_local_action {
	SECCOMP_LOCAL_ACT_KILL, /* "SCMP_ACT_KILL" (= KILL_THREAD) */
	SECCOMP_LOCAL_ACT_KILL_THREAD,
	SECCOMP_LOCAL_ACT_KILL_PROCESS,
	SECCOMP_LOCAL_ACT_TRAP,
	SECCOMP_LOCAL_ACT_ERRNO, /* errnoRet, or EPERM when absent */
	SECCOMP_LOCAL_ACT_TRACE, /* errnoRet is the tracer's message */
	SECCOMP_LOCAL_ACT_ALLOW,
	SECCOMP_LOCAL_ACT_LOG,
	SECCOMP_LOCAL_ACT_COUNT
};

/* OCI argument operators. */
enum seccomp_local_op {
	SECCOMP_LOCAL_OP_NE,
	SECCOMP_LOCAL_OP_LT,
	SECCOMP_LOCAL_OP_LE,
	SECCOMP_LOCAL_OP_EQ,
	SECCOMP_LOCAL_OP_GE,
	SECCOMP_LOCAL_OP_GT,
	SECCOMP_LOCAL_OP_MASKED_EQ, /* (arg & value) == valueTwo */
	SECCOMP_LOCAL_OP_COUNT
};

struct seccomp_local_arg {
	uint64_t index; /* 0..5 */
	uint64_t value; /* 0..INT64_MAX: JSON integers are signed 64-bit */
	uint64_t value_two;
	char *op_name;
	enum seccomp_local_op op;
};

struct seccomp_local_rule {
	struct str_list names; /* 1..SECCOMP_LOCAL_MAX_NAMES of [a-z0-9_], unresolved */
	char *action_name;
	enum seccomp_local_action action;
	uint64_t errno_ret; /* 1..SECCOMP_LOCAL_MAX_ERRNO; 0: absent (ERRNO and TRACE only) */
	struct seccomp_local_arg *args;
	size_t n_args;
};

struct seccomp_local {
	char *default_action_name;
	enum seccomp_local_action default_action;
	uint64_t default_errno_ret;    /* as errno_ret */
	struct str_list architectures; /* "SCMP_ARCH_*" names of the OCI set */
	struct str_list flags;         /* "SECCOMP_FILTER_FLAG_{TSYNC,LOG,SPEC_ALLOW}" */
	struct seccomp_local_rule *syscalls;
	size_t n_syscalls;
};

/* Parse and validate a profile of len bytes (<= SECCOMP_LOCAL_MAX_SIZE): duplicate keys,
 * unknown actions, operators, architectures and flags, errnoRet 0 or over 4095 or on an
 * action that takes none, argument indexes over 5, Docker's conditional "includes" /
 * "excludes" (their conditions would be lost) and SCMP_ACT_NOTIFY are errors. opts is
 * reserved (NULL). On success *ret owns the result (seccomp_local_free); on failure returns
 * -errno and fills *reterr if not NULL. */
struct seccomp_local_opts;
int seccomp_local_parse(const uint8_t *buf, size_t len, const struct seccomp_local_opts *opts,
			struct seccomp_local **ret, struct parse_error *reterr);

/* Release p. Accepts NULL; returns NULL. */
struct seccomp_local *seccomp_local_free(struct seccomp_local *p);

/* OCI names ("SCMP_ACT_ALLOW", "SCMP_CMP_EQ"); NULL out of range. */
const char *seccomp_local_action_name(enum seccomp_local_action a);
const char *seccomp_local_op_name(enum seccomp_local_op op);

#endif
