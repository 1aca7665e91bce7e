/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for container_policy_caps: byte 0 holds privileged/root, the rest is
 * "add names" 0xff "drop names", each list split on '\n' (up to 16 names each). Whatever the
 * names, inheritable and ambient stay empty, non-root gets nothing effective, effective and
 * permitted never exceed bounding, and privileged gets every capability.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "policy/container_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NAMES 16u

/* Split s into NUL-terminated copies at '\n'; returns the count. */
static size_t
split_names(const char *s, size_t len, char *store, const char **names)
{
	size_t n = 0, start = 0;
	memcpy(store, s, len);
	for (size_t i = 0; i <= len && n < MAX_NAMES; i++) {
		if (i < len && s[i] != '\n')
			continue;
		store[i] = '\0';
		names[n++] = store + start;
		start = i + 1;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	const char *a, *d;
	size_t alen, dlen;
	policy_fuzz_split(data + 1, size - 1, &a, &alen, &d, &dlen);
	char *astore = malloc(alen + 1), *dstore = malloc(dlen + 1);
	if (!astore || !dstore) {
		free(astore);
		free(dstore);
		return 0;
	}
	const char *add[MAX_NAMES], *drop[MAX_NAMES];
	struct container_policy_caps_request req = {
	    .privileged = data[0] & 1,
	    .root = data[0] & 2,
	    .defaults = container_policy_default_caps,
	    .add = add,
	    .n_add = split_names(a, alen, astore, add),
	    .drop = drop,
	    .n_drop = split_names(d, dlen, dstore, drop),
	};
	struct container_policy_caps c;
	struct policy_error e;
	policy_fuzz_poison(&e);
	memset(&c, 0x5a, sizeof(c));
	int r = container_policy_caps(&req, &c, &e);
	policy_fuzz_check(r, &e);
	if (r == 0) {
		POLICY_FUZZ_ASSERT(c.inheritable == 0 && c.ambient == 0);
		POLICY_FUZZ_ASSERT((c.bounding & ~CONTAINER_POLICY_CAP_ALL) == 0);
		POLICY_FUZZ_ASSERT((c.effective & ~c.bounding) == 0);
		POLICY_FUZZ_ASSERT(c.permitted == c.effective);
		POLICY_FUZZ_ASSERT(req.root || c.effective == 0);
		POLICY_FUZZ_ASSERT(!req.privileged || c.bounding == CONTAINER_POLICY_CAP_ALL);
	}
	free(astore);
	free(dstore);
	return 0;
}
