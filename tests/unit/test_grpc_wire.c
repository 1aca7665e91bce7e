/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/grpc/grpc_wire.c: message framing, grpc-timeout parsing, grpc-message
 * percent-encoding and :path splitting.
 * runs in: test (unprivileged is fine). */
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

#include "daemon/grpc/grpc_wire.h"
#include "parsers/base/macro.h"

struct frame_case {
	const char *name;
	const uint8_t *buf;
	size_t len;
	size_t max;
	int want;        /* 0 or -errno */
	size_t want_len; /* message length on success */
};

static const uint8_t f_empty_msg[] = {0, 0, 0, 0, 0};
static const uint8_t f_three[] = {0, 0, 0, 0, 3, 'a', 'b', 'c'};
static const uint8_t f_short_prefix[] = {0, 0, 0};
static const uint8_t f_truncated[] = {0, 0, 0, 0, 4, 'a', 'b'};
static const uint8_t f_trailing[] = {0, 0, 0, 0, 1, 'a', 'b'};
static const uint8_t f_compressed[] = {1, 0, 0, 0, 1, 'a'};
static const uint8_t f_bad_flag[] = {2, 0, 0, 0, 1, 'a'};
static const uint8_t f_huge[] = {0, 0x01, 0x00, 0x00, 0x01}; /* 16 MiB + 1 */
static const uint8_t f_max[] = {0, 0xff, 0xff, 0xff, 0xff};

static const struct frame_case frame_cases[] = {
    {"empty message", f_empty_msg, sizeof(f_empty_msg), 16u << 20, 0, 0},
    {"three bytes", f_three, sizeof(f_three), 16u << 20, 0, 3},
    {"no body at all", f_three, 0, 16u << 20, -ENODATA, 0},
    {"short prefix", f_short_prefix, sizeof(f_short_prefix), 16u << 20, -ENODATA, 0},
    {"truncated message", f_truncated, sizeof(f_truncated), 16u << 20, -ENODATA, 0},
    {"two messages / trailing bytes", f_trailing, sizeof(f_trailing), 16u << 20, -EPROTO, 0},
    {"compressed flag", f_compressed, sizeof(f_compressed), 16u << 20, -ENOTSUP, 0},
    {"flag byte 2", f_bad_flag, sizeof(f_bad_flag), 16u << 20, -EINVAL, 0},
    {"over 16 MiB", f_huge, sizeof(f_huge), 16u << 20, -EMSGSIZE, 0},
    {"length 2^32-1", f_max, sizeof(f_max), 16u << 20, -EMSGSIZE, 0},
    {"exactly the cap", f_three, sizeof(f_three), 3, 0, 3},
    {"one over a small cap", f_three, sizeof(f_three), 2, -EMSGSIZE, 0},
};

static void
test_frames(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(frame_cases); i++) {
		const struct frame_case *c = &frame_cases[i];
		struct grpc_wire_msg m = {0};
		int r = grpc_wire_parse_unary(c->buf, c->len, c->max, &m);
		if (r != c->want)
			fail_msg("%s: got %d want %d", c->name, r, c->want);
		if (r == 0) {
			assert_int_equal(m.len, c->want_len);
			assert_ptr_equal(m.data, c->buf + 5);
		}
	}
}

/* A body that arrives split across DATA frames is reassembled by the caller; parsing the
 * reassembled buffer at every split point must give the same answer as the whole. */
static void
test_split_frames(void **state)
{
	(void)state;
	uint8_t body[5 + 300];
	grpc_wire_put_prefix(body, 300);
	for (size_t i = 0; i < 300; i++)
		body[5 + i] = (uint8_t)i;
	assert_int_equal(body[0], 0);
	assert_int_equal(body[3], 1);
	assert_int_equal(body[4], 44);
	for (size_t cut = 0; cut < sizeof(body); cut++) {
		struct grpc_wire_msg m;
		assert_int_equal(grpc_wire_parse_unary(body, cut, 1u << 20, &m), -ENODATA);
	}
	struct grpc_wire_msg m;
	assert_int_equal(grpc_wire_parse_unary(body, sizeof(body), 1u << 20, &m), 0);
	assert_int_equal(m.len, 300);
	assert_int_equal(m.data[299], (uint8_t)299);
}

struct timeout_case {
	const char *in;
	int want;
	uint64_t ns;
};

static const struct timeout_case timeout_cases[] = {
    {"1H", 0, 3600ull * 1000000000ull},
    {"2M", 0, 120ull * 1000000000ull},
    {"3S", 0, 3000000000ull},
    {"2010m", 0, 2010000000ull},
    {"2998459u", 0, 2998459000ull},
    {"7n", 0, 7},
    {"0m", 0, 0},
    {"99999999S", 0, 99999999ull * 1000000000ull},
    {"99999999H", 0, UINT64_MAX}, /* saturates */
    {"123456789S", -EINVAL, 0},   /* 9 digits */
    {"", -EINVAL, 0},
    {"S", -EINVAL, 0},
    {"10", -EINVAL, 0},
    {"10s", -EINVAL, 0},
    {"10x", -EINVAL, 0},
    {"-1S", -EINVAL, 0},
    {"1 S", -EINVAL, 0},
    {"+1S", -EINVAL, 0},
};

static void
test_timeouts(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(timeout_cases); i++) {
		const struct timeout_case *c = &timeout_cases[i];
		uint64_t ns = 12345;
		int r = grpc_wire_parse_timeout(c->in, strlen(c->in), &ns);
		if (r != c->want)
			fail_msg("timeout \"%s\": got %d want %d", c->in, r, c->want);
		if (r == 0 && ns != c->ns)
			fail_msg("timeout \"%s\": got %llu ns", c->in, (unsigned long long)ns);
		if (r < 0)
			assert_int_equal(ns, 12345); /* untouched on failure */
	}
}

static void
test_percent_encode(void **state)
{
	(void)state;
	char out[64];
	grpc_wire_percent_encode("plain text", out, sizeof(out));
	assert_string_equal(out, "plain text");
	grpc_wire_percent_encode("line1\nline2\r100%", out, sizeof(out));
	assert_string_equal(out, "line1%0Aline2%0D100%25");
	grpc_wire_percent_encode("caf\xc3\xa9\x7f", out, sizeof(out));
	assert_string_equal(out, "caf%C3%A9%7F");
	/* Never splits an escape when the buffer runs out. */
	char small[6];
	grpc_wire_percent_encode("ab\ncd", small, sizeof(small));
	assert_string_equal(small, "ab%0A");
	char tiny[5];
	grpc_wire_percent_encode("ab\ncd", tiny, sizeof(tiny));
	assert_string_equal(tiny, "ab");
}

static void
test_split_path(void **state)
{
	(void)state;
	const char *s, *m;
	size_t sl, ml;
	const char *p = "/runtime.v1.RuntimeService/Version";
	assert_int_equal(grpc_wire_split_path(p, strlen(p), &s, &sl, &m, &ml), 0);
	assert_int_equal(sl, strlen("runtime.v1.RuntimeService"));
	assert_memory_equal(m, "Version", ml);
	static const char *const bad[] = {
	    "", "/", "//", "/a/", "//b", "a/b", "/a/b/c", "/a b/c", "/a/b\n", "/a/b%2f",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (grpc_wire_split_path(bad[i], strlen(bad[i]), &s, &sl, &m, &ml) != -EINVAL)
			fail_msg("path \"%s\" accepted", bad[i]);
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(grpc_wire_status_name(GRPC_STATUS_RESOURCE_EXHAUSTED),
			    "RESOURCE_EXHAUSTED");
	assert_string_equal(grpc_wire_status_name(16), "UNAUTHENTICATED");
	assert_string_equal(grpc_wire_status_name(17), "INVALID_STATUS");
	assert_string_equal(grpc_wire_status_name(-1), "INVALID_STATUS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frames),     cmocka_unit_test(test_split_frames),
	    cmocka_unit_test(test_timeouts),   cmocka_unit_test(test_percent_encode),
	    cmocka_unit_test(test_split_path), cmocka_unit_test(test_status_names),
	};
	return cmocka_run_group_tests_name("grpc_wire", tests, NULL, NULL);
}
