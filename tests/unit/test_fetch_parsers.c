/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the fetcher's pure parsers, valid and hostile inputs: WWW-Authenticate
 * challenges (parsers/www_auth.c), token replies (parsers/token.c), registry error bodies
 * (parsers/registry_error.c) and response headers (parsers/http_header.c).
 * runs in: test. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/digest.h"
#include "parsers/http_header.h"
#include "parsers/registry_error.h"
#include "parsers/token.h"
#include "parsers/www_auth.h"

/* ---- WWW-Authenticate ------------------------------------------------------------------- */

struct wa_case {
	const char *name, *in;
	int code; /* 0: ok, else the parse_code */
	int scheme;
	const char *realm, *service, *scope;
};

static const struct wa_case wa_cases[] = {
    {"docker hub",
     "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
     "scope=\"repository:library/busybox:pull\"",
     0, WWW_AUTH_BEARER, "https://auth.docker.io/token", "registry.docker.io",
     "repository:library/busybox:pull"},
    {"basic", "Basic realm=\"Registry Realm\"", 0, WWW_AUTH_BASIC, "Registry Realm", "", ""},
    {"bearer preferred over basic", "Basic realm=\"b\", Bearer realm=\"https://t/x\",service=s", 0,
     WWW_AUTH_BEARER, "https://t/x", "s", ""},
    {"case-insensitive scheme and names", "bEaReR REALM=\"https://t\",SeRvIcE=\"s\"", 0,
     WWW_AUTH_BEARER, "https://t", "s", ""},
    {"quoted-pair", "Bearer realm=\"https://t\",scope=\"a\\\"b\"", 0, WWW_AUTH_BEARER, "https://t",
     "", "a\"b"},
    {"unknown schemes skipped", "Negotiate, Bearer realm=\"https://t\"", 0, WWW_AUTH_BEARER,
     "https://t", "", ""},
    {"only unknown schemes", "Negotiate, NTLM", PARSE_ERR_UNSUPPORTED, 0, NULL, NULL, NULL},
    {"empty", "", PARSE_ERR_UNSUPPORTED, 0, NULL, NULL, NULL},
    {"bearer without realm", "Bearer service=\"s\"", PARSE_ERR_MISSING, 0, NULL, NULL, NULL},
    {"duplicate realm", "Bearer realm=\"https://a\",realm=\"https://b\"", PARSE_ERR_DUPLICATE, 0,
     NULL, NULL, NULL},
    {"unterminated quote", "Bearer realm=\"https://x", PARSE_ERR_SYNTAX, 0, NULL, NULL, NULL},
    {"control byte", "Bearer realm=\"https://x/\r\nX: y\"", PARSE_ERR_VALUE, 0, NULL, NULL, NULL},
    {"non-ASCII", "Bearer realm=\"https://x/\xc3\xa9\"", PARSE_ERR_VALUE, 0, NULL, NULL, NULL},
    {"realm with blank", "Bearer realm=\"https://x/ y\"", PARSE_ERR_VALUE, 0, NULL, NULL, NULL},
    {"missing value", "Bearer realm=", PARSE_ERR_SYNTAX, 0, NULL, NULL, NULL},
    {"garbage between params", "Bearer realm=\"https://x\" junk=1", PARSE_ERR_SYNTAX, 0, NULL, NULL,
     NULL},
};

static void
test_www_auth(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(wa_cases) / sizeof(wa_cases[0]); i++) {
		const struct wa_case *c = &wa_cases[i];
		struct www_auth wa;
		struct parse_error e;
		int r = www_auth_parse((const uint8_t *)c->in, strlen(c->in), &wa, &e);
		if (c->code == 0) {
			if (r != 0)
				fail_msg("%s: %s", c->name, e.message);
			assert_int_equal(wa.scheme, c->scheme);
			assert_string_equal(wa.realm, c->realm);
			assert_string_equal(wa.service, c->service);
			assert_string_equal(wa.scope, c->scope);
		} else {
			if (r >= 0)
				fail_msg("%s: accepted", c->name);
			if ((int)e.code != c->code)
				fail_msg("%s: code %d, want %d (%s)", c->name, e.code, c->code,
					 e.message);
		}
	}
}

static void
test_www_auth_limits(void **state)
{
	(void)state;
	char buf[FETCH_MAX_HEADER_LEN + 64];
	struct www_auth wa;
	struct parse_error e;
	/* A value over WWW_AUTH_MAX_VALUE. */
	int n = snprintf(buf, sizeof(buf), "Bearer realm=\"https://x/%0*d\"",
			 (int)WWW_AUTH_MAX_VALUE, 0);
	assert_true(www_auth_parse((const uint8_t *)buf, (size_t)n, &wa, &e) < 0);
	assert_int_equal(e.code, PARSE_ERR_LIMIT);
	/* More than WWW_AUTH_MAX_PARAMS parameters. */
	n = snprintf(buf, sizeof(buf), "Bearer realm=\"https://x\"");
	for (unsigned i = 0; i < WWW_AUTH_MAX_PARAMS + 1; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",p%u=1", i);
	assert_true(www_auth_parse((const uint8_t *)buf, (size_t)n, &wa, &e) < 0);
	assert_int_equal(e.code, PARSE_ERR_LIMIT);
	/* The whole header over FETCH_MAX_HEADER_LEN. */
	memset(buf, 'a', sizeof(buf));
	assert_true(www_auth_parse((const uint8_t *)buf, sizeof(buf), &wa, &e) < 0);
	assert_int_equal(e.code, PARSE_ERR_LIMIT);
}

/* ---- token replies ---------------------------------------------------------------------- */

struct tok_case {
	const char *name, *in;
	int code;
	const char *token, *refresh;
};

static const struct tok_case tok_cases[] = {
    {"docker both", "{\"token\":\"abc.def\",\"access_token\":\"abc.def\",\"expires_in\":300}", 0,
     "abc.def", NULL},
    {"oauth access_token", "{\"access_token\":\"x\",\"refresh_token\":\"r\"}", 0, "x", "r"},
    {"unknown keys ignored", "{\"token\":\"t\",\"scope\":\"a\",\"x\":[1,2]}", 0, "t", NULL},
    {"duplicate key", "{\"token\":\"a\",\"token\":\"b\"}", PARSE_ERR_DUPLICATE, NULL, NULL},
    {"token and access_token differ", "{\"token\":\"a\",\"access_token\":\"b\"}", PARSE_ERR_VALUE,
     NULL, NULL},
    {"no token", "{\"expires_in\":5}", PARSE_ERR_MISSING, NULL, NULL},
    {"empty token", "{\"token\":\"\"}", PARSE_ERR_MISSING, NULL, NULL},
    {"header injection", "{\"token\":\"a\\r\\nX-Evil: 1\"}", PARSE_ERR_VALUE, NULL, NULL},
    {"blank in token", "{\"token\":\"a b\"}", PARSE_ERR_VALUE, NULL, NULL},
    {"NUL in token", "{\"token\":\"a\\u0000b\"}", PARSE_ERR_VALUE, NULL, NULL},
    {"wrong type", "{\"token\":5}", PARSE_ERR_TYPE, NULL, NULL},
    {"negative expiry", "{\"token\":\"a\",\"expires_in\":-1}", PARSE_ERR_RANGE, NULL, NULL},
    {"not an object", "[\"token\"]", PARSE_ERR_TYPE, NULL, NULL},
    {"truncated", "{\"token\":\"abc\"", PARSE_ERR_SYNTAX, NULL, NULL},
    {"trailing bytes", "{\"token\":\"a\"} x", PARSE_ERR_SYNTAX, NULL, NULL},
};

static void
test_token(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tok_cases) / sizeof(tok_cases[0]); i++) {
		const struct tok_case *c = &tok_cases[i];
		struct token_reply *t = NULL;
		struct parse_error e;
		int r = token_parse((const uint8_t *)c->in, strlen(c->in), &t, &e);
		if (c->code == 0) {
			if (r != 0)
				fail_msg("%s: %s", c->name, e.message);
			assert_string_equal(t->token, c->token);
			if (c->refresh)
				assert_string_equal(t->refresh_token, c->refresh);
			else
				assert_null(t->refresh_token);
			token_reply_free(t);
		} else {
			if (r >= 0)
				fail_msg("%s: accepted", c->name);
			assert_null(t);
			if ((int)e.code != c->code)
				fail_msg("%s: code %d, want %d (%s)", c->name, e.code, c->code,
					 e.message);
		}
	}
}

static void
test_token_limits(void **state)
{
	(void)state;
	size_t n = TOKEN_MAX_LEN + 1;
	char *doc = malloc(n + 32);
	assert_non_null(doc);
	int k = snprintf(doc, 32, "{\"token\":\"");
	memset(doc + k, 'A', n);
	memcpy(doc + (size_t)k + n, "\"}", 3);
	struct token_reply *t = NULL;
	struct parse_error e;
	assert_true(token_parse((const uint8_t *)doc, strlen(doc), &t, &e) < 0);
	assert_int_equal(e.code, PARSE_ERR_LIMIT);
	free(doc);
	/* The whole reply over TOKEN_REPLY_MAX_SIZE, even if it is spaces. */
	doc = malloc(TOKEN_REPLY_MAX_SIZE + 16);
	assert_non_null(doc);
	memset(doc, ' ', TOKEN_REPLY_MAX_SIZE + 16);
	assert_true(token_parse((const uint8_t *)doc, TOKEN_REPLY_MAX_SIZE + 16, &t, &e) < 0);
	assert_int_equal(e.code, PARSE_ERR_LIMIT);
	free(doc);
}

/* ---- registry error bodies -------------------------------------------------------------- */

static void
test_registry_error(void **state)
{
	(void)state;
	struct registry_error re;
	struct parse_error e;
	const char *ok = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest "
			 "unknown\",\"detail\":{\"Tag\":\"x\"}},{\"code\":\"DENIED\"}]}";
	assert_int_equal(registry_error_parse((const uint8_t *)ok, strlen(ok), &re, &e), 0);
	assert_string_equal(re.code, "MANIFEST_UNKNOWN");
	assert_string_equal(re.message, "manifest unknown");
	assert_int_equal(re.n_errors, 2);
	/* Control bytes (terminal escapes) in a message become '?'. */
	const char *ctl = "{\"errors\":[{\"code\":\"X\",\"message\":\"a\\u001b[31mb\\nc\"}]}";
	assert_int_equal(registry_error_parse((const uint8_t *)ctl, strlen(ctl), &re, &e), 0);
	assert_string_equal(re.message, "a?[31mb?c");
	static const char *const bad[] = {
	    "{\"errors\":[{\"code\":\"lower case\"}]}",
	    "{\"errors\":[{\"code\":\"A\",\"code\":\"B\"}]}",
	    "{\"details\":\"no errors array\"}",
	    "<html>502</html>",
	    "{\"errors\":{\"code\":\"X\"}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (registry_error_parse((const uint8_t *)bad[i], strlen(bad[i]), &re, &e) >= 0)
			fail_msg("accepted: %s", bad[i]);
	/* A long message is cut, not refused. */
	char big[2048];
	int n = snprintf(big, sizeof(big), "{\"errors\":[{\"code\":\"X\",\"message\":\"%0*d\"}]}",
			 1000, 7);
	assert_int_equal(registry_error_parse((const uint8_t *)big, (size_t)n, &re, &e), 0);
	assert_int_equal(strlen(re.message), REGISTRY_ERROR_MSG_MAX - 1);
}

/* ---- headers ---------------------------------------------------------------------------- */

static void
test_header_split(void **state)
{
	(void)state;
	const char *name, *v;
	size_t nl, vl;
	const char *l = "Content-Type:  application/json ; x=1 \r\n";
	assert_int_equal(http_header_split(l, strlen(l), &name, &nl, &v, &vl), 0);
	assert_true(http_header_is(name, nl, "content-type"));
	assert_int_equal(vl, strlen("application/json ; x=1"));
	static const char *const bad[] = {"HTTP/1.1 200 OK\r\n", " folded\r\n",   "NoColon\r\n",
					  "Bad Name: x\r\n",     "X: a\x01b\r\n", "\r\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(http_header_split(bad[i], strlen(bad[i]), &name, &nl, &v, &vl) < 0);
}

static void
test_content_range(void **state)
{
	(void)state;
	uint64_t f, l, t;
	assert_int_equal(http_content_range_parse("bytes 10-19/20", 14, &f, &l, &t, NULL), 0);
	assert_true(f == 10 && l == 19 && t == 20);
	assert_int_equal(http_content_range_parse("bytes 0-9/*", 11, &f, &l, &t, NULL), 0);
	assert_true(t == UINT64_MAX);
	static const char *const bad[] = {
	    "bytes 10-5/20", "bytes 0-20/20", "bytes -5/20",
	    "items 0-1/2",   "bytes 0-1/2 ",  "bytes 0-99999999999999999999/1",
	    "bytes +1-2/3",  "bytes 0-1/",    "bytes 1-2/3/4"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_content_range_parse(bad[i], strlen(bad[i]), &f, &l, &t, NULL) >= 0)
			fail_msg("accepted: %s", bad[i]);
}

static void
test_media_type_and_digest(void **state)
{
	(void)state;
	char out[MEDIA_TYPE_MAX_LEN + 1];
	const char *ct = "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8";
	assert_int_equal(http_media_type_parse(ct, strlen(ct), out, sizeof(out), NULL), 0);
	assert_string_equal(out, "application/vnd.docker.distribution.manifest.v2+json");
	static const char *const bad[] = {"", "json", "/x", "a/", "a/b c", "a b/c", "a/\x7f"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(http_media_type_parse(bad[i], strlen(bad[i]), out, sizeof(out), NULL) <
			    0);
	char dg[DIGEST_MAX_LEN + 1];
	const char *good =
	    "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
	assert_int_equal(http_digest_parse(good, strlen(good), dg, sizeof(dg), NULL), 0);
	const char *upper =
	    "sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824";
	assert_true(http_digest_parse(upper, strlen(upper), dg, sizeof(dg), NULL) < 0);
	assert_true(http_digest_parse("md5:abc", 7, dg, sizeof(dg), NULL) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_www_auth),       cmocka_unit_test(test_www_auth_limits),
	    cmocka_unit_test(test_token),          cmocka_unit_test(test_token_limits),
	    cmocka_unit_test(test_registry_error), cmocka_unit_test(test_header_split),
	    cmocka_unit_test(test_content_range),  cmocka_unit_test(test_media_type_and_digest),
	};
	return cmocka_run_group_tests_name("fetch_parsers", tests, NULL, NULL);
}
