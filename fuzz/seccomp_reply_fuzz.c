/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/seccomp_reply.c: the input is a packed SeccompReply as
 * a compromised crisp-helper-seccomp could send it; unpack it as the daemon does (byte
 * budget), validate it, check what a success promises (OCI names only, errno values
 * 1..4095 where they belong, indexes 0..5, values that fit jansson, counts capped), free.
 * runs in: fuzzers and the replay driver only. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/replies/seccomp_reply.h"
#include "fuzz/fuzz_check.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_action(const char *a, unsigned e)
{
	FUZZ_ASSERT(a && !strncmp(a, "SCMP_ACT_", 9) && strcmp(a, "SCMP_ACT_NOTIFY") != 0);
	FUZZ_ASSERT(e <= SECCOMP_LOCAL_MAX_ERRNO);
	FUZZ_ASSERT(e == 0 || !strcmp(a, "SCMP_ACT_ERRNO") || !strcmp(a, "SCMP_ACT_TRACE"));
}

static void
check_profile(const struct seccomp_reply_profile *p)
{
	check_action(p->default_action, p->default_errno_ret);
	FUZZ_ASSERT(p->n_arches <= SECCOMP_LOCAL_MAX_ARCHES &&
		    p->n_flags <= SECCOMP_LOCAL_MAX_FLAGS);
	for (size_t i = 0; i < p->n_arches; i++)
		FUZZ_ASSERT(!strncmp(p->arches[i], "SCMP_ARCH_", 10));
	FUZZ_ASSERT(p->n_rules <= SECCOMP_LOCAL_MAX_RULES);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct seccomp_reply_rule *r = &p->rules[i];
		check_action(r->action, r->errno_ret);
		FUZZ_ASSERT(r->n_names >= 1 && r->n_names <= SECCOMP_LOCAL_MAX_NAMES);
		for (size_t k = 0; k < r->n_names; k++) {
			size_t n = strlen(r->names[k]);
			FUZZ_ASSERT(n >= 1 && n <= SECCOMP_LOCAL_MAX_NAME_LEN);
			FUZZ_ASSERT(strspn(r->names[k], "abcdefghijklmnopqrstuvwxyz0123456789_") ==
				    n);
		}
		FUZZ_ASSERT(r->n_args <= SECCOMP_LOCAL_MAX_ARGS);
		for (size_t k = 0; k < r->n_args; k++) {
			FUZZ_ASSERT(r->args[k].index < SECCOMP_LOCAL_MAX_ARGS);
			FUZZ_ASSERT(!strncmp(r->args[k].op, "SCMP_CMP_", 9));
			FUZZ_ASSERT(r->args[k].value <= INT64_MAX);
			FUZZ_ASSERT(r->args[k].value_two <= INT64_MAX);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 8 * size + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__SeccompReply *rep = crisp__helper__seccomp_reply__unpack(&a, size, data);
	if (!rep)
		return 0;
	struct seccomp_reply_profile *p = NULL;
	char err[256];
	int r = seccomp_reply_validate(rep, &p, err, sizeof(err));
	FUZZ_ASSERT(r == 0 || r == -EPROTO || r == -ENOMEM);
	if (r == 0) {
		check_profile(p);
		p = seccomp_reply_free(p);
	} else {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	}
	crisp__helper__seccomp_reply__free_unpacked(rep, &a);
	return 0;
}
