/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/core/error.c: the errno -> gRPC status table (both origins), the
 * fill-once rule, message escaping and truncation.
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

#include "daemon/core/error.h"
#include "daemon/grpc/grpc_wire.h"
#include "parsers/base/macro.h"

#define S(x) GRPC_STATUS_##x

struct map_case {
	int errnum;
	int request;  /* status for ERROR_ORIGIN_REQUEST */
	int external; /* status for ERROR_ORIGIN_EXTERNAL */
};

/* The table of error.h, row by row, in gRPC's own numbering (grpc_wire.h). */
static const struct map_case map_cases[] = {
    {0, S(OK), S(OK)},
    {ENOENT, S(NOT_FOUND), S(UNKNOWN)},
    {EINVAL, S(INVALID_ARGUMENT), S(UNKNOWN)},
    {EDOM, S(INVALID_ARGUMENT), S(UNKNOWN)},
    {EILSEQ, S(INVALID_ARGUMENT), S(UNKNOWN)},
    {ENAMETOOLONG, S(INVALID_ARGUMENT), S(UNKNOWN)},
    {ERANGE, S(OUT_OF_RANGE), S(UNKNOWN)},
    {EEXIST, S(ALREADY_EXISTS), S(UNKNOWN)},
    {EPERM, S(PERMISSION_DENIED), S(UNKNOWN)},
    {EACCES, S(PERMISSION_DENIED), S(UNKNOWN)},
    {EBUSY, S(FAILED_PRECONDITION), S(FAILED_PRECONDITION)},
    {ENOTEMPTY, S(FAILED_PRECONDITION), S(FAILED_PRECONDITION)},
    {ETIMEDOUT, S(DEADLINE_EXCEEDED), S(DEADLINE_EXCEEDED)},
    {ETIME, S(DEADLINE_EXCEEDED), S(DEADLINE_EXCEEDED)},
    {ENOMEM, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {E2BIG, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {EMSGSIZE, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {EFBIG, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {ENOBUFS, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {ENOSPC, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {EDQUOT, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {EMFILE, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {ENFILE, S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)},
    {ECANCELED, S(CANCELLED), S(CANCELLED)},
    {ENOSYS, S(UNIMPLEMENTED), S(UNIMPLEMENTED)},
    {EOPNOTSUPP, S(UNIMPLEMENTED), S(UNIMPLEMENTED)},
    {ENOTSUP, S(UNIMPLEMENTED), S(UNIMPLEMENTED)},
    {ECONNREFUSED, S(UNAVAILABLE), S(UNAVAILABLE)},
    {ECONNRESET, S(UNAVAILABLE), S(UNAVAILABLE)},
    {EHOSTUNREACH, S(UNAVAILABLE), S(UNAVAILABLE)},
    {ENETUNREACH, S(UNAVAILABLE), S(UNAVAILABLE)},
    {EAGAIN, S(UNAVAILABLE), S(UNAVAILABLE)},
    {EPROTO, S(UNKNOWN), S(UNKNOWN)},
    {EBADMSG, S(UNKNOWN), S(UNKNOWN)},
    {ECHILD, S(UNKNOWN), S(UNKNOWN)},
    {EIO, S(UNKNOWN), S(UNKNOWN)},
    {ENOTRECOVERABLE, S(INTERNAL), S(INTERNAL)},
    {EXDEV, S(UNKNOWN), S(UNKNOWN)}, /* not in the table */
    {4095, S(UNKNOWN), S(UNKNOWN)},  /* no such errno */
};

static void
test_map(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(map_cases); i++) {
		const struct map_case *c = &map_cases[i];
		int e = c->errnum;
		if (error_status_of(e, ERROR_ORIGIN_REQUEST) != c->request ||
		    error_status_of(-e, ERROR_ORIGIN_REQUEST) != c->request ||
		    error_status_of(e, ERROR_ORIGIN_EXTERNAL) != c->external ||
		    error_status_of(-e, ERROR_ORIGIN_EXTERNAL) != c->external)
			fail_msg("errno %d (%s): got %s/%s, want %s/%s", e, strerror(e),
				 grpc_wire_status_name(error_status_of(e, ERROR_ORIGIN_REQUEST)),
				 grpc_wire_status_name(error_status_of(e, ERROR_ORIGIN_EXTERNAL)),
				 grpc_wire_status_name(c->request),
				 grpc_wire_status_name(c->external));
	}
}

static void
test_set(void **state)
{
	(void)state;
	struct error e = {0};
	/* -errno or errno, the table's status, -errno back. */
	assert_int_equal(error_set(&e, -ENOENT, "pod sandbox %s not found", "abc"), -ENOENT);
	assert_int_equal(e.errnum, ENOENT);
	assert_int_equal(e.status, GRPC_STATUS_NOT_FOUND);
	assert_string_equal(e.msg, "pod sandbox abc not found");
	/* Filled once: a later fill (a caller adding its view) changes nothing. */
	assert_int_equal(error_set(&e, EINVAL, "other"), -ENOENT);
	assert_int_equal(error_set_status(&e, EIO, GRPC_STATUS_INTERNAL, "x"), -ENOENT);
	assert_string_equal(e.msg, "pod sandbox abc not found");
	assert_int_equal(e.status, GRPC_STATUS_NOT_FOUND);

	struct error x = {0};
	assert_int_equal(error_set_external(&x, -ENOENT, "RunPodSandbox: %s", "no plugin"),
			 -ENOENT);
	assert_int_equal(x.status, GRPC_STATUS_UNKNOWN);
	assert_int_equal(x.errnum, ENOENT);

	/* An explicit status wins over the table; the errno stays for the log. */
	struct error o = {0};
	assert_int_equal(error_set_status(&o, EINVAL, GRPC_STATUS_FAILED_PRECONDITION, "s"),
			 -EINVAL);
	assert_int_equal(o.status, GRPC_STATUS_FAILED_PRECONDITION);
	assert_int_equal(o.errnum, EINVAL);

	/* A failure without an errno is EIO (UNKNOWN), never OK; a bad status is the table's. */
	struct error z = {0};
	assert_int_equal(error_set(&z, 0, "no errno"), -EIO);
	assert_int_equal(z.status, GRPC_STATUS_UNKNOWN);
	struct error b = {0};
	assert_int_equal(error_set_status(&b, EEXIST, 99, "bad status"), -EEXIST);
	assert_int_equal(b.status, GRPC_STATUS_ALREADY_EXISTS);
	struct error k = {0};
	(void)error_set_status(&k, EEXIST, GRPC_STATUS_OK, "ok is no failure");
	assert_int_equal(k.status, GRPC_STATUS_UNKNOWN);
}

struct esc_case {
	const char *name;
	const char *in;
	size_t len;
	size_t outsz;
	const char *want;
};

static const struct esc_case esc_cases[] = {
    {"plain", "image x not found", 17, 64, "image x not found"},
    {"quotes and backslash kept", "ref \"a\\b\"", 9, 64, "ref \"a\\b\""},
    {"newline and CR", "a\nb\rc", 5, 64, "a\\x0ab\\x0dc"},
    {"escape and NUL inside", "a\x1b[2J\0z", 7, 64, "a\\x1b[2J\\x00z"},
    {"DEL and high bytes", "\x7f\xc3\xa9", 3, 64, "\\x7f\\xc3\\xa9"},
    {"fits exactly", "abcdefg", 7, 8, "abcdefg"},
    {"cut with dots", "abcdefgh", 8, 8, "abcd..."},
    {"cut never splits an escape", "ab\ncdef", 7, 9, "ab..."},
    {"escape fits before the dots", "a\nbcdefgh", 9, 12, "a\\x0abcd..."},
    {"smallest buffer", "abcdef", 6, 4, "..."},
    {"empty", "", 0, 4, ""},
};

static void
test_escape(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(esc_cases); i++) {
		const struct esc_case *c = &esc_cases[i];
		char out[64];
		memset(out, 'Z', sizeof(out));
		size_t n = error_escape(c->in, c->len, out, c->outsz);
		if (strcmp(out, c->want) != 0 || n != strlen(c->want) || n >= c->outsz)
			fail_msg("%s: got \"%s\" (%zu), want \"%s\"", c->name, out, n, c->want);
		if (c->outsz < sizeof(out) && out[c->outsz] != 'Z')
			fail_msg("%s: wrote past outsz", c->name);
	}
}

/* Messages through error_set: control bytes from an untrusted argument are escaped, and a
 * message over ERROR_MSG_MAX is cut, ends in "...", and holds only printable ASCII. */
static void
test_message_bounds(void **state)
{
	(void)state;
	struct error e = {0};
	(void)error_set(&e, EINVAL, "invalid image reference \"%s\"", "evil\n\x1b[31mred");
	assert_string_equal(e.msg, "invalid image reference \"evil\\x0a\\x1b[31mred\"");

	static char big[3 * ERROR_MSG_MAX];
	memset(big, '\n', sizeof(big) - 1);
	struct error t = {0};
	(void)error_set(&t, E2BIG, "pull %s", big);
	size_t n = strlen(t.msg);
	assert_true(n <= ERROR_MSG_MAX - 1);
	assert_true(n >= ERROR_MSG_MAX - 1 - 6); /* full but for an escape that did not fit */
	assert_memory_equal(t.msg, "pull \\x0a", 9);
	assert_string_equal(t.msg + n - 3, "...");
	for (size_t i = 0; i < n; i++)
		assert_true(t.msg[i] >= 0x20 && t.msg[i] < 0x7f);
	assert_int_equal(t.status, GRPC_STATUS_RESOURCE_EXHAUSTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_map),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_message_bounds),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
