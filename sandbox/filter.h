/* SPDX-License-Identifier: Apache-2.0 */
/* A helper's confinement policy (identity, capabilities, namespaces, rlimits, syscall
 * allowlist) as plain data, and the libseccomp filter built from it. The tables themselves are
 * generated from policy/helpers/<x>.syscalls into the build directory (helper_policies.h).
 * runs in: daemon/privileged (spawn side, policy-dump) and helper/untrusted (filter install). */
#ifndef CRISP_SANDBOX_FILTER_H
#define CRISP_SANDBOX_FILTER_H

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

enum sandbox_pin_op {
	SANDBOX_PIN_EQ,        /* arg == value */
	SANDBOX_PIN_LE,        /* arg <= value (unsigned 64-bit) */
	SANDBOX_PIN_GE,        /* arg >= value (unsigned 64-bit) */
	SANDBOX_PIN_MASKED_EQ, /* (arg & mask) == value */
	SANDBOX_PIN_COUNT
};

/* One comparison on one syscall argument. Rules with several pins need all of them. */
struct sandbox_pin {
	uint8_t arg; /* 0..5 */
	uint8_t op;  /* enum sandbox_pin_op */
	uint64_t mask;
	uint64_t value;
};

#define SANDBOX_MAX_PINS 3u

/* One allow rule. Several rules for the same syscall are alternatives (any may match). */
struct sandbox_rule {
	int nr; /* native syscall number, or a libseccomp pseudo number (< 0) */
	const char *name;
	uint8_t n_pins;
	struct sandbox_pin pins[SANDBOX_MAX_PINS];
};

struct sandbox_rlimits {
	uint64_t as;     /* bytes; ignored in sanitizer builds (ASan reserves terabytes) */
	uint64_t cpu;    /* seconds (soft); the hard limit is one second later */
	uint64_t fsize;  /* bytes a helper may write to regular files */
	uint64_t nofile; /* highest fd number + 1 */
	uint64_t nproc;  /* processes of the helper's uid (0: no fork at all) */
	uint64_t core;   /* bytes (0: no core dumps) */
};

struct sandbox_policy {
	const char *name;     /* binary is crisp-helper-<name>; [a-z0-9_-], at most 32 bytes */
	uint32_t uid, gid;    /* ids the spawner switches to before execve */
	uint64_t keep_caps;   /* capabilities kept (bit n = capability n); only with uid 0 */
	int clone_flags;      /* CLONE_NEW* namespaces the helper is born in */
	uint64_t deadline_ms; /* default wall-clock deadline, spawn to reap */
	uint64_t request_max; /* largest request frame */
	uint64_t reply_max;   /* largest reply frame */
	struct sandbox_rlimits rlimits;
	const struct sandbox_rule *rules;
	size_t n_rules;
	const struct sandbox_rule *san_rules; /* added only in ASan/UBSan builds */
	size_t n_san_rules;
};

enum filter_variant {
	FILTER_VARIANT_NORMAL,
	FILTER_VARIANT_SANITIZER, /* rules + san_rules */
	FILTER_VARIANT_COUNT
};

/* Build the seccomp filter of p: default_action for anything not allowed (SCMP_ACT_KILL_PROCESS
 * in production), foreign architectures (incl. x32 on x86_64) killed. On success *ret is a
 * context the caller loads or exports, then releases with seccomp_release().
 * Errors: -EINVAL for a malformed rule, -ENOMEM, or the -errno libseccomp returned. */
int filter_build(const struct sandbox_policy *p, enum filter_variant v, uint32_t default_action,
		 scmp_filter_ctx *ret);

/* Write the filter of p in libseccomp's PFC text form to fd (for `make policy-dump`). */
int filter_export_pfc(const struct sandbox_policy *p, enum filter_variant v, int fd);

/* The variant this binary must use: FILTER_VARIANT_SANITIZER when built with ASan or UBSan. */
enum filter_variant filter_variant_for_build(void);

#endif
