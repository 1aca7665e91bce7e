/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the daemon's one helper round trip (daemon/helpers/helper_call.c) as the
 * fetcher (images/registry.c), the unpacker (images/layer.c) and the document table
 * (helpers/doc_call.c) use it: credentials wiped from the packed request on every path, the
 * bulk fd and deadline options, and hostile replies (wrong oneof case, wrong id, an Error
 * body where the helper never sends one, a malformed Error).
 * helper_run() is replaced through -Wl,--wrap (the sandbox boundary; STYLE.md keeps --wrap to
 * sandbox mocks, and this mocks exactly that): the test sees the request frame the daemon
 * hands to the helper and scripts the reply. free() is wrapped too, to look at the request
 * buffer the moment it is released.
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
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/helpers/cni_call.h"
#include "daemon/helpers/helper_ctx.h"
#include "daemon/images/layer.h"
#include "daemon/images/registry.h"
#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/macro.h"
#include "parsers/base/parse_error.h"
#include "sandbox/helper.h"

#define SECRET "pw-0123456789-SECRET-do-not-keep"
#define MARKER "cni-document-MARKER-bytes"
#define BLOB   "sha256:592a2766096e42ae81cd8d60f11964c9999e9eaa5169e1fcc5a06739c1f734b9"

enum script {
	REPLY_FETCH_OK,   /* FetchReply, blob complete */
	REPLY_WRONG_CASE, /* a body of another helper's kind */
	REPLY_WRONG_ID,   /* the right body, another request's id */
	REPLY_ERROR,      /* Error{LIMIT, "layer entry \"a\x01b\": too big"} */
	REPLY_ERROR_BAD,  /* Error with a code outside the protocol */
	REPLY_UNPACK_OK,  /* UnpackReply, no opaque dirs */
	RUN_FAILS,        /* helper_run itself fails (a timeout) */
};

/* What the fake helper_run saw and does. */
static struct {
	enum script script;
	const uint8_t *req; /* the packed request, as handed over */
	size_t req_len;
	bool secret_sent;   /* SECRET (or MARKER) was in it when handed over */
	bool freed;         /* the buffer was released ... */
	bool clean_at_free; /* ... and held no SECRET/MARKER by then */
	struct helper_spec spec;
	int bulk_flags; /* fcntl(F_GETFL) of spec.bulk_fd during the run */
	uint64_t fetch_deadline_ms;
} fake;

static const char *needle = SECRET;

void __real_free(void *p);
void __wrap_free(void *p);
int __wrap_helper_run(const struct helper_spec *spec, const uint8_t *req, size_t req_len,
		      uint8_t **ret_reply, size_t *ret_len, struct helper_error *reterr);

void
__wrap_free(void *p)
{
	if (p && p == fake.req) {
		fake.freed = true;
		fake.clean_at_free = !memmem(p, fake.req_len, needle, strlen(needle));
		fake.req = NULL;
	}
	__real_free(p);
}

static Crisp__Helper__HelperReply *
scripted(uint64_t id, Crisp__Helper__FetchReply *f, Crisp__Helper__UnpackReply *u,
	 Crisp__Helper__Error *e, Crisp__Helper__HelperReply *rep)
{
	crisp__helper__helper_reply__init(rep);
	rep->proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	rep->request_id = fake.script == REPLY_WRONG_ID ? id + 1000 : id;
	crisp__helper__fetch_reply__init(f);
	f->bytes_written = 4;
	crisp__helper__unpack_reply__init(u);
	u->diff_id = UNCONST(BLOB);
	u->disk_bytes = 8192;
	u->inodes = 1;
	crisp__helper__error__init(e);
	e->code = fake.script == REPLY_ERROR_BAD ? 99u : (uint32_t)PARSE_ERR_LIMIT;
	e->message = UNCONST("layer entry \"a\x01"
			     "b\": too big");
	e->path = UNCONST("");
	bool unpack = fake.spec.policy == POLICY_UNPACK;
	if (fake.script == REPLY_ERROR || fake.script == REPLY_ERROR_BAD) {
		rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_ERROR;
		rep->error = e;
	} else if ((fake.script == REPLY_WRONG_CASE) == unpack) {
		rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_FETCH;
		rep->fetch = f;
	} else {
		rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_UNPACK;
		rep->unpack = u;
	}
	return rep;
}

int
__wrap_helper_run(const struct helper_spec *spec, const uint8_t *req, size_t req_len,
		  uint8_t **ret_reply, size_t *ret_len, struct helper_error *reterr)
{
	fake.spec = *spec;
	fake.req = req;
	fake.req_len = req_len;
	fake.secret_sent = memmem(req, req_len, needle, strlen(needle)) != NULL;
	fake.bulk_flags = spec->bulk_fd > 0 ? fcntl(spec->bulk_fd, F_GETFL) : -1;
	Crisp__Helper__HelperRequest *rq =
	    crisp__helper__helper_request__unpack(NULL, req_len, req);
	assert_non_null(rq);
	if (rq->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_FETCH)
		fake.fetch_deadline_ms = rq->fetch->deadline_ms;
	uint64_t id = rq->request_id;
	crisp__helper__helper_request__free_unpacked(rq, NULL);
	if (fake.script == RUN_FAILS) {
		*reterr = (struct helper_error){.code = HELPER_ERR_TIMEOUT, .err = -ETIMEDOUT};
		snprintf(reterr->message, sizeof(reterr->message), "deadline passed");
		return -ETIMEDOUT;
	}
	Crisp__Helper__FetchReply f;
	Crisp__Helper__UnpackReply u;
	Crisp__Helper__Error e;
	Crisp__Helper__HelperReply rep;
	scripted(id, &f, &u, &e, &rep);
	size_t len = crisp__helper__helper_reply__get_packed_size(&rep);
	uint8_t *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	(void)crisp__helper__helper_reply__pack(&rep, buf);
	*ret_reply = buf;
	*ret_len = len;
	return 0;
}

static const struct helper_ctx ctx = {.dir = "/nonexistent", .timeout_ms = 5000, .request_id = 7};

static int
tmp_file(void)
{
	char p[] = "/tmp/test_helper_call.XXXXXX";
	int fd = mkostemp(p, O_CLOEXEC);
	assert_true(fd >= 0);
	(void)unlink(p);
	assert_int_equal(write(fd, "abcd", 4), 4);
	return fd;
}

static int
get_blob(enum script s, char *err, size_t errsz)
{
	fake = (__typeof__(fake)){.script = s};
	needle = SECRET;
	int fd = tmp_file();
	struct registry_auth a = {.username = "user", .password = SECRET};
	struct registry_target t = {.registry = "127.0.0.1:5000", .repository = "library/busybox"};
	int r = registry_get_blob(&ctx, &t, &a, BLOB, 4, fd, 0, err, errsz);
	assert_int_equal(fake.spec.bulk_fd, fd);
	close(fd);
	return r;
}

/* On every path the helper got the credentials, and the buffer that held them was wiped
 * before it was released. */
static void
test_fetch_scrubs_credentials(void **state)
{
	(void)state;

	static const enum script paths[] = {REPLY_FETCH_OK, RUN_FAILS, REPLY_WRONG_CASE,
					    REPLY_WRONG_ID, REPLY_ERROR};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char err[256] = "";
		int r = get_blob(paths[i], err, sizeof(err));
		assert_int_equal(r, paths[i] == REPLY_FETCH_OK ? 0
				    : paths[i] == RUN_FAILS    ? -ETIMEDOUT
							       : -EPROTO);
		assert_true(fake.secret_sent);
		assert_true(fake.freed);
		assert_true(fake.clean_at_free);
	}
}

/* The check above can fail: a request without secrets is not wiped, and the test sees it. */
static void
test_unscrubbed_request_keeps_bytes(void **state)
{
	(void)state;
	fake = (__typeof__(fake)){.script = REPLY_WRONG_CASE};
	needle = MARKER;
	struct cni_result *res = NULL;
	char err[256] = "";
	assert_int_equal(
	    cni_call_result(&ctx, (const uint8_t *)MARKER, strlen(MARKER), &res, err, sizeof(err)),
	    -EPROTO);
	assert_true(fake.secret_sent);
	assert_true(fake.freed);
	assert_false(fake.clean_at_free);
	assert_null(res);
}

/* The fetcher's deadline is the helper_ctx timeout; the helper's own ends a second earlier. */
static void
test_fetch_deadline(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(get_blob(REPLY_FETCH_OK, err, sizeof(err)), 0);
	assert_int_equal(fake.spec.deadline_ms, 5000);
	assert_int_equal(fake.fetch_deadline_ms, 4000);
	assert_int_equal(fake.spec.policy, POLICY_FETCH);
}

/* The fetcher reports failures in its FetchReply: another body, another id or an Error body
 * is a protocol violation, with the registry named. */
static void
test_fetch_hostile_replies(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(get_blob(REPLY_WRONG_CASE, err, sizeof(err)), -EPROTO);
	assert_non_null(
	    strstr(err, "registry 127.0.0.1:5000: crisp-helper-fetch: malformed reply"));
	assert_int_equal(get_blob(REPLY_WRONG_ID, err, sizeof(err)), -EPROTO);
	assert_int_equal(get_blob(REPLY_ERROR, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "malformed error reply"));
	assert_int_equal(get_blob(RUN_FAILS, err, sizeof(err)), -ETIMEDOUT);
	assert_non_null(strstr(err, "crisp-helper-fetch: deadline passed"));
}

static int
unpack(enum script s, struct layer_unpack_result *res, char *err, size_t errsz)
{
	fake = (__typeof__(fake)){.script = s};
	needle = SECRET;
	char dir[] = "/tmp/test_helper_call.dXXXXXX";
	assert_non_null(mkdtemp(dir));
	int fd = tmp_file();
	int r = layer_unpack(&ctx, fd, dir, LAYER_COMPRESSION_GZIP, 1u << 20, res, err, errsz);
	/* The helper gets its own read-only open of the blob, never the caller's fd. */
	assert_true(fake.spec.bulk_fd > 0 && fake.spec.bulk_fd != fd);
	assert_int_equal(fake.bulk_flags & O_ACCMODE, O_RDONLY);
	close(fd);
	(void)rmdir(dir);
	return r;
}

static void
test_unpack_options_and_replies(void **state)
{
	(void)state;
	struct layer_unpack_result res;
	char err[256];
	assert_int_equal(unpack(REPLY_UNPACK_OK, &res, err, sizeof(err)), 0);
	assert_string_equal(res.diff_id, BLOB);
	/* The tree's usage is passed on as the (validated) reply said. */
	assert_int_equal(res.disk_bytes, 8192);
	assert_int_equal(res.inodes, 1);
	/* The unpack policy's deadline (1 h) is the least it gets. */
	assert_int_equal(fake.spec.deadline_ms, POLICY_UNPACK->deadline_ms);
	assert_int_equal(fake.spec.policy, POLICY_UNPACK);
	assert_int_equal(unpack(REPLY_WRONG_CASE, &res, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "crisp-helper-unpack: malformed reply"));
	assert_int_equal(unpack(REPLY_WRONG_ID, &res, err, sizeof(err)), -EPROTO);
	assert_int_equal(unpack(REPLY_ERROR_BAD, &res, err, sizeof(err)), -EPROTO);
	/* An Error body: its class gives the errno, its message stands alone, printable ASCII
	 * with the quotes kept. */
	assert_int_equal(unpack(REPLY_ERROR, &res, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "layer entry \"a?b\": too big");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fetch_scrubs_credentials),
	    cmocka_unit_test(test_unscrubbed_request_keeps_bytes),
	    cmocka_unit_test(test_fetch_deadline),
	    cmocka_unit_test(test_fetch_hostile_replies),
	    cmocka_unit_test(test_unpack_options_and_replies),
	};
	return cmocka_run_group_tests_name("helper_call", tests, NULL, NULL);
}
