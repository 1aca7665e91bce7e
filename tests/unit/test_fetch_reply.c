/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the daemon side of the fetcher: re-validation of crisp-helper-fetch replies
 * (daemon/replies/fetch_reply.c) against hostile field values, and the registry target syntax
 * checks of daemon/images/registry.c that guard what goes into a URL. runs in: test. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <string.h>

#include "daemon/images/registry.h"
#include "daemon/replies/fetch_reply.h"
#include "parsers/base/macro.h"

#define DG "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static uint8_t doc[] = "{}";

static void
good_manifest(Crisp__Helper__FetchReply *r)
{
	crisp__helper__fetch_reply__init(r);
	r->media_type = UNCONST("application/vnd.oci.image.manifest.v1+json");
	r->digest = UNCONST(DG);
	r->document.data = doc;
	r->document.len = 2;
	r->http_status = 200;
}

static int
validate(const Crisp__Helper__FetchReply *r, int blob, uint64_t size)
{
	struct fetch_expect e = {.blob = blob, .size = size};
	struct fetch_result res;
	int k = fetch_reply_validate(r, &e, &res);
	if (k == 0)
		fetch_result_done(&res);
	return k;
}

static void
test_manifest_reply(void **state)
{
	(void)state;
	Crisp__Helper__FetchReply r;
	good_manifest(&r);
	struct fetch_expect e = {0};
	struct fetch_result res;
	assert_int_equal(fetch_reply_validate(&r, &e, &res), 0);
	assert_int_equal(res.document_len, 2);
	assert_memory_equal(res.document, "{}", 2);
	assert_string_equal(res.digest, DG);
	fetch_result_done(&res);
	/* Each hostile field on its own. */
	good_manifest(&r);
	r.media_type = UNCONST("application/json; charset=utf-8");
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	good_manifest(&r);
	r.media_type = UNCONST("");
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	good_manifest(&r);
	r.digest = UNCONST("sha256:../../etc/passwd");
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	good_manifest(&r);
	r.document.len = 0;
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	good_manifest(&r);
	r.document.len = REGISTRY_MAX_MANIFEST + 1;
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	good_manifest(&r);
	r.bytes_written = 5;
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	good_manifest(&r);
	r.http_status = 1000;
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	/* A failure carries no document and always a message. */
	good_manifest(&r);
	r.failure = CRISP__HELPER__FETCH_REPLY__FAILURE__NOT_FOUND;
	r.message = UNCONST("HTTP 404");
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	crisp__helper__fetch_reply__init(&r);
	r.failure = CRISP__HELPER__FETCH_REPLY__FAILURE__NOT_FOUND;
	assert_int_equal(validate(&r, 0, 0), -EPROTO);
	r.message = UNCONST("HTTP 404 from r");
	r.registry_code = UNCONST("MANIFEST_UNKNOWN");
	assert_int_equal(validate(&r, 0, 0), 0);
}

static void
test_hostile_common_fields(void **state)
{
	(void)state;
	Crisp__Helper__FetchReply r;
	crisp__helper__fetch_reply__init(&r);
	r.failure = (Crisp__Helper__FetchReply__Failure)99;
	r.message = UNCONST("x");
	assert_int_equal(validate(&r, 1, 10), -EPROTO);
	r.failure = CRISP__HELPER__FETCH_REPLY__FAILURE__HTTP;
	r.message = UNCONST("line one\nline two"); /* would forge a log line */
	assert_int_equal(validate(&r, 1, 10), -EPROTO);
	r.message = UNCONST("x");
	r.registry_code = UNCONST("not_upper");
	assert_int_equal(validate(&r, 1, 10), -EPROTO);
	char longmsg[FETCH_MAX_MESSAGE + 1];
	memset(longmsg, 'm', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	r.registry_code = UNCONST("");
	r.message = longmsg;
	assert_int_equal(validate(&r, 1, 10), -EPROTO);
	assert_int_equal(fetch_reply_validate(NULL, &(struct fetch_expect){0}, NULL), -EPROTO);
}

static void
test_blob_reply(void **state)
{
	(void)state;
	Crisp__Helper__FetchReply r;
	crisp__helper__fetch_reply__init(&r);
	r.bytes_written = 4096;
	assert_int_equal(validate(&r, 1, 4096), 0);
	/* Success with fewer bytes than declared, more bytes than declared, or a document. */
	assert_int_equal(validate(&r, 1, 4097), -EPROTO);
	assert_int_equal(validate(&r, 1, 4095), -EPROTO);
	r.document.data = doc;
	r.document.len = 1;
	assert_int_equal(validate(&r, 1, 4096), -EPROTO);
	crisp__helper__fetch_reply__init(&r);
	r.failure = CRISP__HELPER__FETCH_REPLY__FAILURE__SHORT;
	r.message = UNCONST("blob ended after 10 of 4096 bytes");
	r.bytes_written = 10;
	assert_int_equal(validate(&r, 1, 4096), 0);
	r.bytes_written = UINT64_MAX;
	assert_int_equal(validate(&r, 1, 4096), -EPROTO);
}

static void
test_target_syntax(void **state)
{
	(void)state;
	static const char *const hosts_ok[] = {"127.0.0.1:5000", "registry-1.docker.io",
					       "localhost",      "[::1]:5000",
					       "[::1]",          "a.b-c.d:65535"};
	static const char *const hosts_bad[] = {"",          "a/b",   "a@b",      "a:0",
						"a:65536",   "a:",    ":5000",    "-a.b",
						"a-.b",      "a..b",  "a.b.",     "[::1",
						"[]",        "a b",   "a:5000/x", "user:pw@host",
						"host#frag", "host?q"};
	for (size_t i = 0; i < sizeof(hosts_ok) / sizeof(hosts_ok[0]); i++)
		if (!registry_host_valid(hosts_ok[i]))
			fail_msg("refused %s", hosts_ok[i]);
	for (size_t i = 0; i < sizeof(hosts_bad) / sizeof(hosts_bad[0]); i++)
		if (registry_host_valid(hosts_bad[i]))
			fail_msg("accepted %s", hosts_bad[i]);
	static const char *const repos_ok[] = {"library/busybox", "a",        "a/b/c", "a__b",
					       "a-----b",         "a.b_c-d/e"};
	static const char *const repos_bad[] = {"",       "/a",    "a/",   "a//b",  "A",
						"a/../b", "..",    "a..b", "a___b", "a b",
						"a?b",    "a%2fb", "_a",   "a/b/"};
	for (size_t i = 0; i < sizeof(repos_ok) / sizeof(repos_ok[0]); i++)
		if (!registry_repository_valid(repos_ok[i]))
			fail_msg("refused %s", repos_ok[i]);
	for (size_t i = 0; i < sizeof(repos_bad) / sizeof(repos_bad[0]); i++)
		if (registry_repository_valid(repos_bad[i]))
			fail_msg("accepted %s", repos_bad[i]);
	assert_true(registry_tag_valid("latest") && registry_tag_valid("v1.2_3-rc"));
	assert_false(registry_tag_valid(".hidden") || registry_tag_valid("a/b") ||
		     registry_tag_valid("a:b") || registry_tag_valid("") ||
		     registry_tag_valid("-x"));
}

static void
test_invalid_requests_fail_before_spawning(void **state)
{
	(void)state;
	/* A helper directory that does not exist: anything reaching helper_run would fail with a
	 * spawn error, so an -EINVAL with our message proves the checks run first. */
	struct helper_ctx h = {.dir = "/nonexistent", .timeout_ms = 1000, .request_id = 1};
	struct registry_target t = {.registry = "127.0.0.1:5000", .repository = "a/b"};
	char err[256];
	uint8_t *buf = NULL;
	size_t len = 0;
	char *mt = NULL, *dg = NULL;
	assert_int_equal(
	    registry_get_manifest(&h, &t, NULL, "../x", &buf, &len, &mt, &dg, err, sizeof(err)),
	    -EINVAL);
	t.repository = "a/../b";
	assert_int_equal(
	    registry_get_manifest(&h, &t, NULL, "v1", &buf, &len, &mt, &dg, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "invalid repository"));
	t.repository = "a/b";
	assert_int_equal(registry_get_blob(&h, &t, NULL, "sha256:abc", 1, 0, 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(registry_get_blob(&h, &t, NULL, DG, 10, 0, 11, err, sizeof(err)), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest_reply),
	    cmocka_unit_test(test_hostile_common_fields),
	    cmocka_unit_test(test_blob_reply),
	    cmocka_unit_test(test_target_syntax),
	    cmocka_unit_test(test_invalid_requests_fail_before_spawning),
	};
	return cmocka_run_group_tests_name("fetch_reply", tests, NULL, NULL);
}
