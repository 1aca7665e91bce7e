/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/passwd_reply.c: the input is a packed PasswdReply as a
 * compromised crisp-helper-passwd could send it; unpack it as the daemon does (byte budget),
 * validate it against several USER specs, check what a success promises (ids in range, the
 * spec's numeric ids kept, sorted groups), free.
 * runs in: fuzzers and the replay driver only. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/replies/passwd_reply.h"
#include "fuzz/fuzz_check.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const specs[] = {
    "",     "0",   "1000",       "nobody",      "1000:1000", "nobody:nogroup",
    "root", "0:0", "4294967295", "65534:65534", "bin:0",     "daemon",
};

static void
check_user(const struct img_user *u, const char *spec)
{
	FUZZ_ASSERT(u->uid <= PASSWD_MAX_ID && u->gid <= PASSWD_MAX_ID);
	FUZZ_ASSERT(u->n_sgids <= PASSWD_MAX_SUPP_GROUPS && u->home);
	for (size_t i = 0; i < u->n_sgids; i++)
		FUZZ_ASSERT(u->sgids[i] <= PASSWD_MAX_ID &&
			    (i == 0 || u->sgids[i - 1] < u->sgids[i]));
	FUZZ_ASSERT(!u->name || u->name[0]);
	if (!strcmp(spec, "") || !strcmp(spec, "0") || !strcmp(spec, "0:0"))
		FUZZ_ASSERT(u->uid == 0);
	if (!strcmp(spec, "1000") || !strcmp(spec, "1000:1000"))
		FUZZ_ASSERT(u->uid == 1000);
	if (!strcmp(spec, "1000:1000") || !strcmp(spec, "0:0"))
		FUZZ_ASSERT(u->gid == (spec[0] == '0' ? 0u : 1000u) && u->n_sgids == 0);
	if (!strcmp(spec, "nobody") || !strcmp(spec, "root"))
		FUZZ_ASSERT(u->name && !strcmp(u->name, spec));
	FUZZ_ASSERT(strcmp(spec, "4294967295") != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 8 * size + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__PasswdReply *rep = crisp__helper__passwd_reply__unpack(&a, size, data);
	if (!rep)
		return 0;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct img_user *u = NULL;
		int r = passwd_reply_validate(rep, specs[i], &u);
		FUZZ_ASSERT(r == 0 || r == -EPROTO || r == -ENOMEM);
		if (r == 0) {
			check_user(u, specs[i]);
			img_user_free(u);
		}
	}
	crisp__helper__passwd_reply__free_unpacked(rep, &a);
	return 0;
}
