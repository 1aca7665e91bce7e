/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for parsers/image_ref.c: golden references under tests/data/image_ref/ (one
 * reference per file), Docker normalisation table, options.
 * runs in: unit tests only. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <string.h>

#include "parsers/image_ref.h"
#include "tests/unit/parsers_golden.h"

#define DATA     "tests/data/image_ref"
#define DIGEST_X "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"

static const char *
s_or_null(const char *s)
{
	return s ? s : "(null)";
}

static int
run_ref(const char *name, const uint8_t *buf, size_t len, struct text *out, struct parse_error *err)
{
	struct image_ref *r = NULL;
	int k = image_ref_parse(buf, len, NULL, &r, err);
	(void)name;
	if (k < 0)
		return k;
	text_printf(out, "string=%s\ndomain=%s\npath=%s\nname=%s\ntag=%s\ndigest=%s\n", r->string,
		    r->domain, r->path, r->name, s_or_null(r->tag), s_or_null(r->digest));
	(void)image_ref_free(r);
	return 0;
}

static void
test_golden_valid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/valid", true, run_ref) >= 26);
}

static void
test_golden_invalid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/invalid", false, run_ref) >= 39);
}

static void
test_normalise(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"busybox", "docker.io/library/busybox:latest"},
	    {"busybox:1.36", "docker.io/library/busybox:1.36"},
	    {"library/busybox", "docker.io/library/busybox:latest"},
	    {"user/app", "docker.io/user/app:latest"},
	    {"docker.io/app", "docker.io/library/app:latest"},
	    {"index.docker.io/app", "docker.io/library/app:latest"},
	    {"index.docker.io/user/app:x", "docker.io/user/app:x"},
	    {"localhost/app", "localhost/app:latest"},
	    {"localhost:5000", "docker.io/library/localhost:5000"},
	    {"localhost:5000/app", "localhost:5000/app:latest"},
	    {"quay.io/a/b:c", "quay.io/a/b:c"},
	    {"app@" DIGEST_X, "docker.io/library/app@" DIGEST_X},
	    {"app:t@" DIGEST_X, "docker.io/library/app:t@" DIGEST_X},
	    {"[::1]:5000/app", "[::1]:5000/app:latest"},
	    {"Foo/bar", "Foo/bar:latest"},
	    {"foo/bar/baz", "docker.io/foo/bar/baz:latest"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct image_ref *r = NULL;
		assert_int_equal(image_ref_parse((const uint8_t *)cases[i].in, strlen(cases[i].in),
						 NULL, &r, NULL),
				 0);
		assert_string_equal(r->string, cases[i].want);
		(void)image_ref_free(r);
	}
}

static void
test_errors(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		int want;
		enum parse_code code;
		uint64_t offset;
	} cases[] = {
	    {"", 0, -EINVAL, PARSE_ERR_SYNTAX, 0},
	    {"busy\0box", 8, -EINVAL, PARSE_ERR_SYNTAX, 4},
	    {"example.com/App", 0, -EINVAL, PARSE_ERR_VALUE, 12},
	    {"app:bad tag", 0, -EINVAL, PARSE_ERR_SYNTAX, 7},
	    {"app:-x", 0, -EINVAL, PARSE_ERR_VALUE, 4},
	    {"app@sha256:xyz", 0, -EINVAL, PARSE_ERR_VALUE, 4},
	    {"exa_mple.com/app", 0, -EINVAL, PARSE_ERR_SYNTAX, 0},
	    {"example.com/a//b", 0, -EINVAL, PARSE_ERR_SYNTAX, 14},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct image_ref *r = NULL;
		struct parse_error err = {0};
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		int k = image_ref_parse((const uint8_t *)cases[i].in, len, NULL, &r, &err);
		print_message("%zu: %d %s @%llu\n", i, k, err.message,
			      (unsigned long long)err.offset);
		assert_int_equal(k, cases[i].want);
		assert_int_equal(err.code, cases[i].code);
		assert_int_equal(err.offset, cases[i].offset);
		assert_null(r);
	}
}

static void
test_no_default_tag(void **state)
{
	struct image_ref_opts opts = {.no_default_tag = true};
	struct image_ref *r = NULL;
	(void)state;
	assert_int_equal(image_ref_parse((const uint8_t *)"busybox", 7, &opts, &r, NULL), 0);
	assert_null(r->tag);
	assert_string_equal(r->string, "docker.io/library/busybox");
	(void)image_ref_free(r);
	assert_null(image_ref_free(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_valid),   cmocka_unit_test(test_golden_invalid),
	    cmocka_unit_test(test_normalise),      cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_no_default_tag),
	};
	return cmocka_run_group_tests_name("image_ref", tests, NULL, NULL);
}
