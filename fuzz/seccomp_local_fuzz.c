/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/seccomp_local.c: parse, check what a success promises
 * (enums in range, caps held, errno values 1..4095 and only where they belong, argument
 * indexes 0..5, names [a-z0-9_]), free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/limits.h"
#include "parsers/seccomp_local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_errno(enum seccomp_local_action a, uint64_t e)
{
	FUZZ_ASSERT(e <= SECCOMP_LOCAL_MAX_ERRNO);
	FUZZ_ASSERT(e == 0 || a == SECCOMP_LOCAL_ACT_ERRNO || a == SECCOMP_LOCAL_ACT_TRACE);
}

static void
check_rule(const struct seccomp_local_rule *r)
{
	FUZZ_ASSERT(r->action < SECCOMP_LOCAL_ACT_COUNT && seccomp_local_action_name(r->action));
	check_errno(r->action, r->errno_ret);
	FUZZ_ASSERT(r->names.n >= 1 && r->names.n <= SECCOMP_LOCAL_MAX_NAMES);
	for (size_t i = 0; i < r->names.n; i++) {
		size_t n = strlen(r->names.v[i]);
		FUZZ_ASSERT(n >= 1 && n <= SECCOMP_LOCAL_MAX_NAME_LEN);
		FUZZ_ASSERT(strspn(r->names.v[i], "abcdefghijklmnopqrstuvwxyz0123456789_") == n);
	}
	FUZZ_ASSERT(r->n_args <= SECCOMP_LOCAL_MAX_ARGS);
	for (size_t i = 0; i < r->n_args; i++) {
		FUZZ_ASSERT(r->args[i].index < SECCOMP_LOCAL_MAX_ARGS);
		FUZZ_ASSERT(r->args[i].op < SECCOMP_LOCAL_OP_COUNT);
		FUZZ_ASSERT(r->args[i].value <= INT64_MAX && r->args[i].value_two <= INT64_MAX);
		FUZZ_ASSERT(!strcmp(seccomp_local_op_name(r->args[i].op), r->args[i].op_name));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seccomp_local *p = NULL;
	struct parse_error err;
	fuzz_poison_error(&err);
	int r = seccomp_local_parse(data, size, NULL, &p, &err);
	if (r < 0) {
		fuzz_check_error(r, &err);
		FUZZ_ASSERT(p == NULL);
		return 0;
	}
	FUZZ_ASSERT(p->default_action < SECCOMP_LOCAL_ACT_COUNT);
	check_errno(p->default_action, p->default_errno_ret);
	FUZZ_ASSERT(p->architectures.n <= SECCOMP_LOCAL_MAX_ARCHES);
	FUZZ_ASSERT(p->flags.n <= SECCOMP_LOCAL_MAX_FLAGS);
	FUZZ_ASSERT(p->n_syscalls <= SECCOMP_LOCAL_MAX_RULES);
	size_t total = 0;
	for (size_t i = 0; i < p->n_syscalls; i++) {
		check_rule(&p->syscalls[i]);
		total += p->syscalls[i].names.n;
	}
	FUZZ_ASSERT(total <= SECCOMP_LOCAL_MAX_TOTAL_NAMES);
	p = seccomp_local_free(p);
	return 0;
}
