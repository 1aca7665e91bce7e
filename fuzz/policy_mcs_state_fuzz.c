/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for selinux_mcs_deserialize and selinux_mcs_parse_level: the input is a
 * state file. A failed load leaves the allocator empty; a successful one serialises back to
 * exactly the input (the format is canonical) and allocation still never repeats a pair.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "policy/selinux_mcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t
counter(void *userdata)
{
	uint64_t *c = userdata;
	return (*c)++ * UINT64_C(0x9e3779b97f4a7c15);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seed = size;
	struct selinux_mcs_options o = {
	    .cat_min = 0, .cat_max = 1023, .random = counter, .userdata = &seed};
	struct selinux_mcs *m = NULL;
	struct policy_error e;
	struct selinux_mcs_pair p;

	policy_fuzz_poison(&e);
	int r = selinux_mcs_parse_level((const char *)data, size, &p, &e);
	policy_fuzz_check(r, &e);
	if (r == 0)
		POLICY_FUZZ_ASSERT(p.c1 < p.c2 && p.c2 < 1024);

	if (selinux_mcs_new(&o, &m) < 0)
		return 0;
	policy_fuzz_poison(&e);
	r = selinux_mcs_deserialize(m, (const char *)data, size, &e);
	policy_fuzz_check(r, &e);
	if (r < 0) {
		POLICY_FUZZ_ASSERT(selinux_mcs_count(m) == 0);
		selinux_mcs_free(m);
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	if (selinux_mcs_serialize(m, &text, &len) == 0) {
		POLICY_FUZZ_ASSERT(len == size && memcmp(text, data, size) == 0);
		free(text);
	}
	size_t before = selinux_mcs_count(m);
	for (int i = 0; i < 8; i++) {
		if (selinux_mcs_allocate(m, &p) < 0)
			break;
		POLICY_FUZZ_ASSERT(selinux_mcs_reserve(m, &p) == -EEXIST);
	}
	POLICY_FUZZ_ASSERT(selinux_mcs_count(m) >= before);
	selinux_mcs_free(m);
	return 0;
}
