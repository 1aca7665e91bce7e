/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for policy/selinux_mcs.c: unique pairs over many pods, no reuse while in use,
 * exhaustion, release and reuse, state round trips and hostile state files, levels and
 * labels with and without SELinuxOptions.
 * runs in: test. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "policy/selinux_mcs.h"

/* Deterministic "randomness": splitmix64. */
static uint64_t
splitmix(void *userdata)
{
	uint64_t *s = userdata;
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The worst random source: always the same value. Allocation must still terminate. */
static uint64_t
constant(void *userdata)
{
	(void)userdata;
	return 12345;
}

static struct selinux_mcs *
new_mcs(unsigned lo, unsigned hi, uint64_t *seed)
{
	struct selinux_mcs_options o = {
	    .cat_min = lo, .cat_max = hi, .random = splitmix, .userdata = seed};
	struct selinux_mcs *m = NULL;
	assert_int_equal(selinux_mcs_new(&o, &m), 0);
	return m;
}

static void
test_options(void **state)
{
	(void)state;
	uint64_t seed = 1;
	struct selinux_mcs *m = NULL;
	struct selinux_mcs_options o = {
	    .cat_min = 0, .cat_max = 1023, .random = splitmix, .userdata = &seed};
	assert_int_equal(selinux_mcs_new(&o, &m), 0);
	assert_int_equal(selinux_mcs_capacity(m), 1024u * 1023u / 2u);
	assert_int_equal(selinux_mcs_count(m), 0);
	m = selinux_mcs_free(m);
	assert_null(m);
	o.cat_max = 1024;
	assert_int_equal(selinux_mcs_new(&o, &m), -EINVAL);
	o.cat_max = 0;
	assert_int_equal(selinux_mcs_new(&o, &m), -EINVAL);
	o.cat_max = 10;
	o.random = NULL;
	assert_int_equal(selinux_mcs_new(&o, &m), -EINVAL);
	assert_null(selinux_mcs_free(NULL));
}

static void
test_unique_over_many_pods(void **state)
{
	(void)state;
	uint64_t seed = 42;
	struct selinux_mcs *m = new_mcs(0, 1023, &seed);

	enum {
		PODS = 20000
	};
	struct selinux_mcs_pair *pairs = calloc(PODS, sizeof(*pairs));
	assert_non_null(pairs);
	uint8_t *seen = calloc((size_t)1024 * 1024, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < PODS; i++) {
		assert_int_equal(selinux_mcs_allocate(m, &pairs[i]), 0);
		assert_true(pairs[i].c1 < pairs[i].c2);
		assert_true(pairs[i].c2 < 1024);
		size_t k = pairs[i].c1 * 1024u + pairs[i].c2;
		assert_int_equal(seen[k], 0);
		seen[k] = 1;
		assert_true(selinux_mcs_in_use(m, &pairs[i]));
	}
	assert_int_equal(selinux_mcs_count(m), PODS);
	/* In use: cannot be reserved again; released: can. */
	assert_int_equal(selinux_mcs_reserve(m, &pairs[7]), -EEXIST);
	assert_int_equal(selinux_mcs_release(m, &pairs[7]), 0);
	assert_int_equal(selinux_mcs_release(m, &pairs[7]), -ENOENT);
	assert_false(selinux_mcs_in_use(m, &pairs[7]));
	assert_int_equal(selinux_mcs_reserve(m, &pairs[7]), 0);
	assert_int_equal(selinux_mcs_count(m), PODS);
	free(seen);
	free(pairs);
	selinux_mcs_free(m);
}

static void
test_exhaustion(void **state)
{
	(void)state;
	/* c10..c19: 45 pairs. Even with a constant random source every pair is handed out
	 * exactly once, then -ENOSPC; a release makes exactly that pair available again. */
	struct selinux_mcs_options o = {.cat_min = 10, .cat_max = 19, .random = constant};
	struct selinux_mcs *m = NULL;
	assert_int_equal(selinux_mcs_new(&o, &m), 0);
	assert_int_equal(selinux_mcs_capacity(m), 45);
	uint8_t seen[20][20] = {{0}};
	struct selinux_mcs_pair p;
	for (int i = 0; i < 45; i++) {
		assert_int_equal(selinux_mcs_allocate(m, &p), 0);
		assert_true(p.c1 >= 10 && p.c1 < p.c2 && p.c2 <= 19);
		assert_int_equal(seen[p.c1][p.c2], 0);
		seen[p.c1][p.c2] = 1;
	}
	assert_int_equal(selinux_mcs_allocate(m, &p), -ENOSPC);
	struct selinux_mcs_pair back = {12, 17};
	assert_int_equal(selinux_mcs_release(m, &back), 0);
	assert_int_equal(selinux_mcs_allocate(m, &p), 0);
	assert_int_equal(p.c1, 12);
	assert_int_equal(p.c2, 17);
	assert_int_equal(selinux_mcs_allocate(m, &p), -ENOSPC);
	/* Outside the range or not increasing. */
	struct selinux_mcs_pair bad[] = {{9, 12}, {12, 20}, {12, 12}, {15, 11}, {1000, 1001}};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(selinux_mcs_reserve(m, &bad[i]), -ERANGE);
		assert_int_equal(selinux_mcs_release(m, &bad[i]), -ERANGE);
		assert_false(selinux_mcs_in_use(m, &bad[i]));
	}
	selinux_mcs_free(m);
}

static void
test_state_roundtrip(void **state)
{
	(void)state;
	uint64_t seed = 7, seed2 = 99;
	struct selinux_mcs *m = new_mcs(0, 1023, &seed);
	struct selinux_mcs_pair p[500];
	for (size_t i = 0; i < ELEMENTSOF(p); i++)
		assert_int_equal(selinux_mcs_allocate(m, &p[i]), 0);
	struct selinux_mcs_pair edge = {1022, 1023}, zero = {0, 1};
	(void)selinux_mcs_reserve(m, &edge);
	(void)selinux_mcs_reserve(m, &zero);

	char *text = NULL;
	size_t len = 0;
	assert_int_equal(selinux_mcs_serialize(m, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	assert_memory_equal(text, "crisp-mcs 1 0 1023\nc0,c1\n", 25);

	/* A restarted daemon: a new allocator with another seed, loaded from the text. */
	struct selinux_mcs *r = new_mcs(0, 1023, &seed2);
	struct policy_error e;
	assert_int_equal(selinux_mcs_deserialize(r, text, len, &e), 0);
	assert_int_equal(selinux_mcs_count(r), selinux_mcs_count(m));
	for (size_t i = 0; i < ELEMENTSOF(p); i++)
		assert_true(selinux_mcs_in_use(r, &p[i]));
	assert_true(selinux_mcs_in_use(r, &edge));
	/* Nothing it hands out collides with a restored pair. */
	for (int i = 0; i < 2000; i++) {
		struct selinux_mcs_pair q;
		assert_int_equal(selinux_mcs_allocate(r, &q), 0);
		assert_false(selinux_mcs_in_use(m, &q));
	}
	/* Loading twice is refused. */
	assert_int_equal(selinux_mcs_deserialize(r, text, len, &e), -EBUSY);

	/* Serialising the restored state gives back the same text for the same pairs. */
	struct selinux_mcs *r2 = new_mcs(0, 1023, &seed2);
	assert_int_equal(selinux_mcs_deserialize(r2, text, len, &e), 0);
	char *text2 = NULL;
	size_t len2 = 0;
	assert_int_equal(selinux_mcs_serialize(r2, &text2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(text, text2, len);

	free(text);
	free(text2);
	selinux_mcs_free(m);
	selinux_mcs_free(r);
	selinux_mcs_free(r2);
}

static void
test_state_hostile(void **state)
{
	(void)state;

	static const struct {
		const char *text;
		const char *rule;
	} cases[] = {
	    {"", "bad header"},
	    {"crisp-mcs 2 0 1023\n", "bad header"},
	    {"crisp-mcs 1 0 1023", "bad header"},
	    {"crisp-mcs 1 00 1023\n", "bad header"},
	    {"crisp-mcs 1 0 1024\n", "bad header"},
	    {"crisp-mcs 1 0 1022\n", "range differs from the configured one"},
	    {"crisp-mcs 1 0 1023\nc1,c2", "bad pair line"},
	    {"crisp-mcs 1 0 1023\nc1,c2\r\n", "bad pair line"},
	    {"crisp-mcs 1 0 1023\nc2,c1\n", "pair outside the range"},
	    {"crisp-mcs 1 0 1023\nc5,c5\n", "pair outside the range"},
	    {"crisp-mcs 1 0 1023\nc1,c1024\n", "bad pair line"},
	    {"crisp-mcs 1 0 1023\nc1,c99999999999\n", "bad pair line"},
	    {"crisp-mcs 1 0 1023\nc01,c2\n", "bad pair line"},
	    {"crisp-mcs 1 0 1023\nc-1,c2\n", "bad pair line"},
	    {"crisp-mcs 1 0 1023\nc1,c2\nc1,c2\n", "pairs not in increasing order"},
	    {"crisp-mcs 1 0 1023\nc1,c3\nc1,c2\n", "pairs not in increasing order"},
	    {"crisp-mcs 1 0 1023\nc1,c2\n\n", "bad pair line"},
	    {"crisp-mcs 1 0 1023\n c1,c2\n", "bad pair line"},
	};

	uint64_t seed = 3;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct selinux_mcs *m = new_mcs(0, 1023, &seed);
		struct policy_error e = {0};
		int r = selinux_mcs_deserialize(m, cases[i].text, strlen(cases[i].text), &e);
		if (r != -EINVAL)
			fail_msg("case %zu: %d", i, r);
		assert_string_equal(e.field, "mcs state");
		assert_string_equal(e.rule, cases[i].rule);
		/* All or nothing: nothing stays reserved after a failed load. */
		assert_int_equal(selinux_mcs_count(m), 0);
		selinux_mcs_free(m);
	}
	/* An embedded NUL is just a bad byte. */
	struct selinux_mcs *m = new_mcs(0, 1023, &seed);
	struct policy_error e;
	static const char nul[] = "crisp-mcs 1 0 1023\nc1,c2\0\n";
	assert_int_equal(selinux_mcs_deserialize(m, nul, sizeof(nul) - 1, &e), -EINVAL);
	assert_int_equal(selinux_mcs_count(m), 0);
	char *huge = calloc(POLICY_MCS_STATE_MAX + 1, 1);
	assert_non_null(huge);
	assert_int_equal(selinux_mcs_deserialize(m, huge, POLICY_MCS_STATE_MAX + 1, &e), -EINVAL);
	assert_string_equal(e.rule, "larger than 8 MiB");
	free(huge);
	selinux_mcs_free(m);
}

static void
test_levels_and_labels(void **state)
{
	(void)state;
	struct selinux_mcs_pair p = {3, 700}, q;
	char buf[32];
	assert_int_equal(selinux_mcs_format_level(&p, buf, sizeof(buf)), 10);
	assert_string_equal(buf, "s0:c3,c700");
	assert_int_equal(selinux_mcs_format_level(&p, buf, 5), -ENOBUFS);
	struct policy_error e;
	assert_int_equal(selinux_mcs_parse_level("s0:c3,c700", 10, &q, &e), 0);
	assert_int_equal(q.c1, 3);
	assert_int_equal(q.c2, 700);
	static const char *const bad[] = {"s0:c700,c3", "s0:c3,c3", "s1:c1,c2",  "s0:c1,c1024",
					  "s0:c1.c2",   "s0",       "s0:c01,c2", "s0:c1,c2 "};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_int_equal(selinux_mcs_parse_level(bad[i], strlen(bad[i]), &q, &e), -EINVAL);
		assert_string_equal(e.field, "selinux level");
	}

	struct selinux_mcs_label_set l;
	struct selinux_mcs_label_request none = {0};
	assert_int_equal(selinux_mcs_labels(&none, &p, &l, &e), 0);
	assert_string_equal(l.process, "system_u:system_r:container_t:s0:c3,c700");
	assert_string_equal(l.file, "system_u:object_r:container_file_t:s0:c3,c700");

	/* Containers inherit the pod's pair unless SELinuxOptions say otherwise. */
	struct selinux_mcs_label_request spc = {.type = "spc_t", .level = "s0-s0:c0.c1023"};
	assert_int_equal(selinux_mcs_labels(&spc, &p, &l, &e), 0);
	assert_string_equal(l.process, "system_u:system_r:spc_t:s0-s0:c0.c1023");
	struct selinux_mcs_label_request lvl = {.user = "", .level = "s0:c1,c2"};
	assert_int_equal(selinux_mcs_labels(&lvl, &p, &l, &e), 0);
	assert_string_equal(l.process, "system_u:system_r:container_t:s0:c1,c2");
	assert_string_equal(l.file, "system_u:object_r:container_file_t:s0:c1,c2");

	static const struct selinux_mcs_label_request hostile[] = {
	    {.type = "container_t:s0"},
	    {.user = "a\nb"},
	    {.role = "system_r:x"},
	    {.level = "s0:c1,c2:x"},
	    {.level = "s0:c9,c2"},
	    {.type = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	};
	for (size_t i = 0; i < ELEMENTSOF(hostile); i++)
		assert_int_equal(selinux_mcs_labels(&hostile[i], &p, &l, &e), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options),       cmocka_unit_test(test_unique_over_many_pods),
	    cmocka_unit_test(test_exhaustion),    cmocka_unit_test(test_state_roundtrip),
	    cmocka_unit_test(test_state_hostile), cmocka_unit_test(test_levels_and_labels),
	};
	return cmocka_run_group_tests_name("policy_mcs", tests, NULL, NULL);
}
