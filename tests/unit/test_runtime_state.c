/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for parsers/runtime_state.c (`runc state` / `crun state` JSON, conmon sync-pipe
 * messages), valid and hostile; the daemon's re-validation of crisp-helper-rtstate replies
 * (daemon/replies/rtstate_reply.c); and rt_parse_state / rt_parse_conmon over the real helper.
 * runs in: tests (as root, like the daemon: the helper is spawned confined). */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/helpers/helper_ctx.h"
#include "daemon/helpers/rtstate_call.h"
#include "daemon/replies/rtstate_reply.h"
#include "helper.pb-c.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/runtime_state.h"

static char helper_dir[PATH_MAX];

/* Real `runc --root R state ctr1` output (runc 1.1.5, Debian 12), after create. */
#define RUNC_CREATED                                                                               \
	"{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"ctr1\",\n  \"pid\": 2040,\n  "           \
	"\"status\": \"created\",\n  \"bundle\": \"/tmp/rtstate-demo/bundle\",\n  \"rootfs\": "    \
	"\"/tmp/rtstate-demo/bundle/rootfs\",\n  \"created\": \"2026-11-28T00:51:39.538080553Z\"," \
	"\n  \"owner\": \"\"\n}"
/* 2026-11-28T00:51:39Z */
#define RUNC_CREATED_S  1795827099LL
#define RUNC_CREATED_NS (RUNC_CREATED_S * 1000000000LL + 538080553LL)

/* runc with annotations from the CRI request (values may hold any byte). */
#define RUNC_ANNOTATED                                                                             \
	"{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"ctr2\",\n  \"pid\": 2712,\n  "           \
	"\"status\": \"created\",\n  \"bundle\": \"/tmp/rtstate-demo/bundle\",\n  \"rootfs\": "    \
	"\"/tmp/rtstate-demo/bundle/rootfs\",\n  \"created\": \"2026-11-28T00:51:45.296525069Z\"," \
	"\n  \"annotations\": {\n    \"io.kubernetes.pod\": \"x\",\n    \"k\": \"v\\n\\u0001\"\n " \
	" "                                                                                        \
	"},\n  \"owner\": \"\"\n}"

/* crun 1.8.1's layout (src/libcrun/container.c): ociVersion 1.0.0, %09ld fraction, a
 * systemd-scope key, no owner. */
#define CRUN_RUNNING                                                                               \
	"{\n  \"ociVersion\" : \"1.0.0\",\n  \"id\" : "                                            \
	"\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\n  \"pid\" : "      \
	"31337,\n  \"status\" : \"running\",\n  \"bundle\" : "                                     \
	"\"/run/crisp/containers/0123/bundle\",\n  \"rootfs\" : "                                  \
	"\"/run/crisp/containers/0123/rootfs\",\n  \"created\" : "                                 \
	"\"2024-02-29T23:59:59.000000001Z\","                                                      \
	"\n  \"systemd-scope\" : \"crisp-0123.scope\"\n}"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define STATE(status, pid, created)                                                                \
	"{\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"pid\":" pid ",\"status\":\"" status              \
	"\",\"bundle\":\"/b\"" created "}"

struct state_case {
	const char *name;
	const char *doc;
	int rc; /* 0 or the expected -errno */
	enum runtime_state_status status;
	int32_t pid;
	int64_t created_ns;
	const char *want; /* id on success, substring of the error message or path on failure */
};

static const struct state_case state_cases[] = {
    {"runc created", RUNC_CREATED, 0, RUNTIME_STATE_STATUS_CREATED, 2040, RUNC_CREATED_NS, "ctr1"},
    {"runc annotations", RUNC_ANNOTATED, 0, RUNTIME_STATE_STATUS_CREATED, 2712,
     (RUNC_CREATED_S + 6) * 1000000000LL + 296525069LL, "ctr2"},
    {"crun running", CRUN_RUNNING, 0, RUNTIME_STATE_STATUS_RUNNING, 31337,
     1709251199LL * 1000000000LL + 1,
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
    {"creating, no pid yet", STATE("creating", "0", ""), 0, RUNTIME_STATE_STATUS_CREATING, 0, 0,
     "c"},
    {"creating with pid", STATE("creating", "7", ""), 0, RUNTIME_STATE_STATUS_CREATING, 7, 0, "c"},
    {"created", STATE("created", "1", ""), 0, RUNTIME_STATE_STATUS_CREATED, 1, 0, "c"},
    {"running", STATE("running", "4194304", ""), 0, RUNTIME_STATE_STATUS_RUNNING, 4194304, 0, "c"},
    {"paused", STATE("paused", "99", ""), 0, RUNTIME_STATE_STATUS_PAUSED, 99, 0, "c"},
    {"stopped (runc prints 0)", STATE("stopped", "0", ""), 0, RUNTIME_STATE_STATUS_STOPPED, 0, 0,
     "c"},
    {"stopped with a stale pid", STATE("stopped", "1234", ""), 0, RUNTIME_STATE_STATUS_STOPPED, 0,
     0, "c"},
    {"created, no fraction", STATE("running", "5", ",\"created\":\"1970-01-01T00:00:01Z\""), 0,
     RUNTIME_STATE_STATUS_RUNNING, 5, 1000000000LL, "c"},
    {"created with offset", STATE("running", "5", ",\"created\":\"1970-01-01T02:00:00.5+02:00\""),
     0, RUNTIME_STATE_STATUS_RUNNING, 5, 500000000LL, "c"},
    {"created null", STATE("running", "5", ",\"created\":null"), 0, RUNTIME_STATE_STATUS_RUNNING, 5,
     0, "c"},
    /* hostile */
    {"duplicate key", STATE("running", "5", ",\"pid\":6"), -EINVAL, 0, 0, 0, "duplicate"},
    {"case twin", STATE("running", "5", ",\"Pid\":1"), -EINVAL, 0, 0, 0, "case"},
    {"huge pid", STATE("running", "4194305", ""), -ERANGE, 0, 0, 0, "pid"},
    {"huger pid", STATE("running", "99999999999999999999999", ""), -ERANGE, 0, 0, 0, ""},
    {"negative pid", STATE("running", "-1", ""), -ERANGE, 0, 0, 0, "pid"},
    {"float pid", STATE("running", "1.5", ""), -EINVAL, 0, 0, 0, "pid"},
    {"string pid", STATE("running", "\"5\"", ""), -EINVAL, 0, 0, 0, "pid"},
    {"running without pid", STATE("running", "0", ""), -ERANGE, 0, 0, 0, "needs a pid"},
    {"paused without pid", STATE("paused", "0", ""), -ERANGE, 0, 0, 0, "needs a pid"},
    {"status with newline", STATE("running\\n", "5", ""), -EINVAL, 0, 0, 0, "status"},
    {"status uppercase", STATE("Running", "5", ""), -EINVAL, 0, 0, 0, "status"},
    {"status unknown", STATE("exited", "5", ""), -EINVAL, 0, 0, 0, "status"},
    {"status not a string",
     "{\"ociVersion\":\"1\",\"id\":\"c\",\"pid\":1,\"status\":3,\"bundle\":\"/b\"}", -EINVAL, 0, 0,
     0, "status"},
    {"NUL escape in id",
     "{\"ociVersion\":\"1\",\"id\":\"a\\u0000b\",\"pid\":1,\"status\":\"running\",\"bundle\":\"/"
     "b\"}",
     -EINVAL, 0, 0, 0, "NUL"},
    {"id traversal",
     "{\"ociVersion\":\"1\",\"id\":\"../x\",\"pid\":1,\"status\":\"running\",\"bundle\":\"/b\"}",
     -EINVAL, 0, 0, 0, "id"},
    {"id dotdot",
     "{\"ociVersion\":\"1\",\"id\":\"..\",\"pid\":1,\"status\":\"running\",\"bundle\":\"/b\"}",
     -EINVAL, 0, 0, 0, "id"},
    {"id too long",
     "{\"ociVersion\":\"1\",\"id\":\"" ID64 ID64 "x\",\"pid\":1,\"status\":\"running\",\"bundle\":"
     "\"/b\"}",
     -E2BIG, 0, 0, 0, "id"},
    {"missing id", "{\"ociVersion\":\"1\",\"pid\":1,\"status\":\"running\",\"bundle\":\"/b\"}",
     -EINVAL, 0, 0, 0, "id"},
    {"missing bundle", "{\"ociVersion\":\"1\",\"id\":\"c\",\"pid\":1,\"status\":\"running\"}",
     -EINVAL, 0, 0, 0, "bundle"},
    {"relative bundle",
     "{\"ociVersion\":\"1\",\"id\":\"c\",\"pid\":1,\"status\":\"running\",\"bundle\":\"b\"}",
     -EINVAL, 0, 0, 0, "bundle"},
    {"bundle dotdot",
     "{\"ociVersion\":\"1\",\"id\":\"c\",\"pid\":1,\"status\":\"running\",\"bundle\":\"/a/../b\"}",
     -EINVAL, 0, 0, 0, "bundle"},
    {"bundle newline",
     "{\"ociVersion\":\"1\",\"id\":\"c\",\"pid\":1,\"status\":\"running\",\"bundle\":\"/a\\nb\"}",
     -EINVAL, 0, 0, 0, "bundle"},
    {"bad date", STATE("running", "5", ",\"created\":\"2023-02-29T00:00:00Z\""), -EINVAL, 0, 0, 0,
     "created"},
    {"bad hour", STATE("running", "5", ",\"created\":\"2023-01-01T24:00:00Z\""), -EINVAL, 0, 0, 0,
     "created"},
    {"ten fraction digits",
     STATE("running", "5", ",\"created\":\"2023-01-01T00:00:00.0123456789Z\""), -EINVAL, 0, 0, 0,
     "fraction"},
    {"no zone", STATE("running", "5", ",\"created\":\"2023-01-01T00:00:00\""), -EINVAL, 0, 0, 0,
     "created"},
    {"before 1970", STATE("running", "5", ",\"created\":\"1969-12-31T23:59:59Z\""), -ERANGE, 0, 0,
     0, "created"},
    {"after 2262", STATE("running", "5", ",\"created\":\"2263-01-01T00:00:00Z\""), -ERANGE, 0, 0, 0,
     "created"},
    {"Go zero time", STATE("running", "5", ",\"created\":\"0001-01-01T00:00:00Z\""), -ERANGE, 0, 0,
     0, "created"},
    {"annotation not a string", STATE("running", "5", ",\"annotations\":{\"a\":1}"), -EINVAL, 0, 0,
     0, "annotations"},
    {"deep nesting",
     STATE(
	 "running", "5",
	 ",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
     -E2BIG, 0, 0, 0, "nesting"},
    {"trailing bytes", STATE("running", "5", "") " {}", -EINVAL, 0, 0, 0, ""},
    {"not an object", "[1]", -EINVAL, 0, 0, 0, "object"},
    {"runc error text",
     "time=\"2026-11-28T00:51:34Z\" level=error msg=\"container does not exist\"", -EINVAL, 0, 0, 0,
     ""},
    {"empty", "", -EINVAL, 0, 0, 0, ""},
};

static void
test_state_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(state_cases); i++) {
		const struct state_case *c = &state_cases[i];
		struct runtime_state *s = NULL;
		struct parse_error e = {0};
		int r = runtime_state_parse((const uint8_t *)c->doc, strlen(c->doc), &s, &e);
		if (r != c->rc)
			fail_msg("%s: got %d (%s at %s), want %d", c->name, r, e.message, e.path,
				 c->rc);
		if (r < 0) {
			assert_null(s);
			if (!strstr(e.message, c->want) && !strstr(e.path, c->want))
				fail_msg("%s: error '%s' at '%s' lacks '%s'", c->name, e.message,
					 e.path, c->want);
			continue;
		}
		if (s->status != c->status || s->pid != c->pid || s->created_ns != c->created_ns)
			fail_msg("%s: status %d pid %d created %lld", c->name, (int)s->status,
				 (int)s->pid, (long long)s->created_ns);
		assert_string_equal(s->id, c->want);
		runtime_state_free(s);
	}
}

/* The RFC 3339 conversion agrees with timegm(3). */
static void
test_state_created_matches_timegm(void **state)
{
	(void)state;
	struct tm tm = {
	    .tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 28, .tm_min = 51, .tm_sec = 39};
	tm.tm_hour = 0;
	assert_int_equal((long long)timegm(&tm), RUNC_CREATED_S);
	struct tm leapday = {.tm_year = 2024 - 1900,
			     .tm_mon = 1,
			     .tm_mday = 29,
			     .tm_hour = 23,
			     .tm_min = 59,
			     .tm_sec = 59};
	assert_int_equal((long long)timegm(&leapday), 1709251199LL);
}

/* Limits on the raw bytes: a 10 MiB document and a raw NUL byte. */
static void
test_state_hostile_bytes(void **state)
{
	(void)state;
	size_t big = (size_t)10 * 1024 * 1024;
	char *doc = malloc(big);
	assert_non_null(doc);
	memset(doc, ' ', big);
	doc[0] = '{'; /* an empty object padded with 10 MiB of blanks */
	doc[big - 1] = '}';
	struct runtime_state *s = NULL;
	struct parse_error e = {0};
	assert_int_equal(runtime_state_parse((const uint8_t *)doc, big, &s, &e), -E2BIG);
	assert_int_equal(e.code, PARSE_ERR_LIMIT);
	free(doc);

	static const char nul[] = "{\"ociVersion\":\"1\",\"id\":\"c\0\",\"pid\":1,\"status\":"
				  "\"running\",\"bundle\":\"/b\"}";
	assert_true(runtime_state_parse((const uint8_t *)nul, sizeof(nul) - 1, &s, &e) < 0);
	assert_true(e.message[0] != '\0');
}

struct conmon_case {
	const char *name;
	const char *doc;
	int rc;
	size_t n;
	/* first message */
	int has_pid, pid, has_data, data;
	const char *message; /* on failure: substring of the error message or path */
};

static const struct conmon_case conmon_cases[] = {
    /* conmon 2.1.6 --api-version 1 after create: the pid comes as "data" */
    {"create ok (api 1)", "{\"data\": 4242}\n", 0, 1, 0, 0, 1, 4242, ""},
    {"create ok (api 0)", "{\"pid\": 4242}\n", 0, 1, 1, 4242, 0, 0, ""},
    {"create failed",
     "{\"data\": -1, \"message\": \"time=\\\"2026-11-28T00:51:34Z\\\" level=error msg=\\\"runc "
     "create failed: unable to start container process: exec: \\\\\\\"nope\\\\\\\": executable "
     "file not found in $PATH\\\"\\n\"}\n",
     0, 1, 0, 0, 1, -1,
     "time=\"2026-11-28T00:51:34Z\" level=error msg=\"runc create failed: unable to start "
     "container process: exec: \\\"nope\\\": executable file not found in $PATH\""},
    {"exec: pid then exit code", "{\"data\": 4321}\n{\"data\": 3}\n", 0, 2, 0, 0, 1, 4321, ""},
    {"exec timed out", "{\"data\": 4321}\n{\"data\": -1, \"message\": \"command timed out\"}\n", 0,
     2, 0, 0, 1, 4321, ""},
    {"exec failed (minus wait status)", "{\"data\": -32512, \"message\": \"x\"}", 0, 1, 0, 0, 1,
     -32512, "x"},
    {"api 0 exec exit_code", "{\"exit_code\": 137}", 0, 1, 0, 0, 1, 137, ""},
    {"attach ready", "{\"data\": 0}\n", 0, 1, 0, 0, 1, 0, ""},
    {"concatenated", "{\"data\":1}{\"data\":2}", 0, 2, 0, 0, 1, 1, ""},
    {"blank lines", "\n\r\n {\"data\":1} \t\n\n", 0, 1, 0, 0, 1, 1, ""},
    {"empty", "", 0, 0, 0, 0, 0, 0, ""},
    {"blanks only", " \n", 0, 0, 0, 0, 0, 0, ""},
    {"null message", "{\"data\": -1, \"message\": null}", 0, 1, 0, 0, 1, -1, ""},
    {"unknown key ignored", "{\"data\": 5, \"future\": [1, {}]}", 0, 1, 0, 0, 1, 5, ""},
    {"control bytes escaped", "{\"data\": -1, \"message\": \"a\\u001b[31mb\\tc\\u007f\\u00e9\"}", 0,
     1, 0, 0, 1, -1, "a?[31mb c???"},
    /* conmon 2.1.6 leaves 0x1f and bytes >= 0x80 unescaped */
    {"raw control bytes",
     "{\"data\": -1, \"message\": \"a\x1f"
     "b\xff\xfe"
     "c\"}",
     0, 1, 0, 0, 1, -1, "a?b??c"},
    /* hostile */
    {"duplicate key", "{\"data\": 1, \"data\": 2}", -EINVAL, 0, 0, 0, 0, 0, "duplicate"},
    {"case twin", "{\"data\": 1, \"Data\": 2}", -EINVAL, 0, 0, 0, 0, 0, "case"},
    {"pid 0", "{\"pid\": 0}", -ERANGE, 0, 0, 0, 0, 0, "pid"},
    {"huge pid", "{\"pid\": 4194305}", -ERANGE, 0, 0, 0, 0, 0, "pid"},
    {"negative pid", "{\"pid\": -5}", -ERANGE, 0, 0, 0, 0, 0, "pid"},
    {"data too small", "{\"data\": -65536}", -ERANGE, 0, 0, 0, 0, 0, "data"},
    {"data overflow", "{\"data\": 18446744073709551616}", -ERANGE, 0, 0, 0, 0, 0, ""},
    {"data string", "{\"data\": \"1\"}", -EINVAL, 0, 0, 0, 0, 0, "data"},
    {"data float", "{\"data\": 1.0}", -EINVAL, 0, 0, 0, 0, 0, "data"},
    {"no number", "{\"message\": \"hi\"}", -EINVAL, 0, 0, 0, 0, 0, "no \"pid\""},
    {"data and exit_code", "{\"data\": 1, \"exit_code\": 2}", -EINVAL, 0, 0, 0, 0, 0, "both"},
    {"message not a string", "{\"data\": 1, \"message\": 5}", -EINVAL, 0, 0, 0, 0, 0, "message"},
    {"NUL escape", "{\"data\": -1, \"message\": \"a\\u0000b\"}", -EINVAL, 0, 0, 0, 0, 0, "NUL"},
    {"garbage between", "{\"data\":1} x {\"data\":2}", -EINVAL, 0, 0, 0, 0, 0, "object"},
    {"array", "[{\"data\":1}]", -EINVAL, 0, 0, 0, 0, 0, "object"},
    {"truncated", "{\"data\":1}\n{\"data\":", -EINVAL, 0, 0, 0, 0, 0, "incomplete"},
    {"second bad", "{\"data\":1}\n{\"pid\":0}", -ERANGE, 0, 0, 0, 0, 0, "[1].pid"},
    {"deep nesting",
     "{\"data\":1,\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
     "]]]]]}",
     -E2BIG, 0, 0, 0, 0, 0, "nesting"},
    {"17 messages",
     "{\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{"
     "\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{\"data\":1}{"
     "\"data\":1}{\"data\":1}{\"data\":1}",
     -E2BIG, 0, 0, 0, 0, 0, "messages"},
};

static void
test_conmon_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(conmon_cases); i++) {
		const struct conmon_case *c = &conmon_cases[i];
		struct runtime_state_conmon *out = NULL;
		struct parse_error e = {0};
		int r =
		    runtime_state_conmon_parse((const uint8_t *)c->doc, strlen(c->doc), &out, &e);
		if (r != c->rc)
			fail_msg("%s: got %d (%s at %s), want %d", c->name, r, e.message, e.path,
				 c->rc);
		if (r < 0) {
			assert_null(out);
			if (!strstr(e.message, c->message) && !strstr(e.path, c->message))
				fail_msg("%s: error '%s' at '%s' lacks '%s'", c->name, e.message,
					 e.path, c->message);
			continue;
		}
		assert_int_equal(out->n, c->n);
		if (c->n == 0) {
			runtime_state_conmon_free(out);
			continue;
		}
		const struct runtime_state_conmon_msg *m = &out->v[0];
		if (m->has_pid != c->has_pid || m->pid != c->pid || m->has_data != c->has_data ||
		    m->data != c->data || strcmp(m->message, c->message) != 0)
			fail_msg("%s: pid %d/%d data %d/%d message '%s'", c->name, m->has_pid,
				 (int)m->pid, m->has_data, (int)m->data, m->message);
		runtime_state_conmon_free(out);
	}
}

/* A long runtime error is cut, never refused; a stream over the byte cap is refused. */
static void
test_conmon_sizes(void **state)
{
	(void)state;
	size_t len = 5000;
	char *doc = malloc(len + 64);
	assert_non_null(doc);
	int n = snprintf(doc, 64, "{\"data\": -1, \"message\": \"");
	memset(doc + n, 'x', len);
	memcpy(doc + n + len, "\"}\n", 4);
	struct runtime_state_conmon *c = NULL;
	assert_int_equal(runtime_state_conmon_parse((const uint8_t *)doc, strlen(doc), &c, NULL),
			 0);
	assert_int_equal(strlen(c->v[0].message), CONMON_MSG_MAX);
	runtime_state_conmon_free(c);
	free(doc);

	size_t big = CONMON_SYNC_MAX_BYTES + 1;
	doc = malloc(big);
	assert_non_null(doc);
	memset(doc, '\n', big);
	struct parse_error e = {0};
	assert_int_equal(runtime_state_conmon_parse((const uint8_t *)doc, big, &c, &e), -E2BIG);
	free(doc);

	static const char nul[] = "{\"data\": 1}\n\0{\"data\": 2}";
	assert_int_equal(runtime_state_conmon_parse((const uint8_t *)nul, sizeof(nul) - 1, &c, &e),
			 -EINVAL);
	assert_int_equal(e.offset, 12);
}

/* ---- real runtime and conmon output kept in the seed corpora ----------------------------- */

static uint8_t *
read_corpus(const char *name, size_t *len)
{
	char path[PATH_MAX];
	(void)snprintf(path, sizeof(path), "fuzz/corpus/%s", name);
	FILE *f = fopen(path, "rbe");
	if (!f)
		fail_msg("%s: %s (run from the top of the tree)", path, strerror(errno));
	uint8_t *buf = malloc(1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 16, f);
	(void)fclose(f);
	return buf;
}

static void
test_real_outputs(void **state)
{
	(void)state;

	static const struct {
		const char *file;
		enum runtime_state_status status;
		int32_t pid;
	} states[] = {
	    {"rtstate/runc-created.json", RUNTIME_STATE_STATUS_CREATED, 2040},
	    {"rtstate/runc-running.json", RUNTIME_STATE_STATUS_RUNNING, 2040},
	    {"rtstate/runc-paused.json", RUNTIME_STATE_STATUS_PAUSED, 2040},
	    {"rtstate/runc-stopped.json", RUNTIME_STATE_STATUS_STOPPED, 0},
	    {"rtstate/runc-annotations.json", RUNTIME_STATE_STATUS_CREATED, 2712},
	    {"rtstate/runc-under-conmon.json", RUNTIME_STATE_STATUS_CREATED, 15371},
	    {"rtstate/runc-stopped-under-conmon.json", RUNTIME_STATE_STATUS_STOPPED, 0},
	    {"rtstate/crun-running.json", RUNTIME_STATE_STATUS_RUNNING, 31337},
	};

	for (size_t i = 0; i < ELEMENTSOF(states); i++) {
		size_t len = 0;
		uint8_t *buf = read_corpus(states[i].file, &len);
		struct runtime_state *s = NULL;
		struct parse_error e = {0};
		if (runtime_state_parse(buf, len, &s, &e) != 0)
			fail_msg("%s: %s at %s", states[i].file, e.message, e.path);
		assert_int_equal(s->status, states[i].status);
		assert_int_equal(s->pid, states[i].pid);
		assert_true(s->created_ns > 0);
		runtime_state_free(s);
		free(buf);
	}

	static const struct {
		const char *file;
		size_t n;
		int32_t last_data;
		const char *last_message;
	} syncs[] = {
	    {"rtstate_conmon/conmon-2.1.6-create.json", 1, 15371, ""},
	    {"rtstate_conmon/conmon-2.1.6-exec.json", 2, 3, ""},
	    {"rtstate_conmon/conmon-2.1.6-exec-timeout.json", 2, -1, "command timed out"},
	    {"rtstate_conmon/conmon-2.1.6-create-fail.json", 1, -1,
	     "time=\"2026-11-28T01:00:37Z\" level=error msg=\"runc create failed: unable to start "
	     "container process: exec: \\\"/no/such/binary\\\": stat /no/such/binary: no such "
	     "file or directory\""},
	    /* runc quoted the binary name: raw UTF-8 from conmon becomes '?' */
	    {"rtstate_conmon/conmon-2.1.6-exec-fail.json", 1, -1,
	     "time=\"2026-11-28T01:00:30Z\" level=error msg=\"exec failed: unable to start "
	     "container "
	     "process: exec: \\\"/nonexistent-??\\\\x1f\\\\\\\"x\\\": stat "
	     "/nonexistent-??\\x1f\\\"x: "
	     "no such file or directory\""},
	};

	for (size_t i = 0; i < ELEMENTSOF(syncs); i++) {
		size_t len = 0;
		uint8_t *buf = read_corpus(syncs[i].file, &len);
		struct runtime_state_conmon *c = NULL;
		struct parse_error e = {0};
		if (runtime_state_conmon_parse(buf, len, &c, &e) != 0)
			fail_msg("%s: %s at %s", syncs[i].file, e.message, e.path);
		assert_int_equal(c->n, syncs[i].n);
		const struct runtime_state_conmon_msg *m = &c->v[c->n - 1];
		assert_true(m->has_data && !m->has_pid);
		assert_int_equal(m->data, syncs[i].last_data);
		assert_string_equal(m->message, syncs[i].last_message);
		runtime_state_conmon_free(c);
		free(buf);
	}
}

/* ---- the daemon's re-validation of replies -------------------------------------------- */

static void
test_reply_state(void **state)
{
	(void)state;
	Crisp__Helper__RtStateReply r;
	crisp__helper__rt_state_reply__init(&r);
	r.status = CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING;
	r.pid = 77;
	r.id = UNCONST("abc");
	r.bundle = UNCONST("/run/crisp/b");
	r.created_ns = 5;
	struct rt_state out;
	assert_int_equal(rtstate_reply_state(&r, &out), 0);
	assert_int_equal(out.status, RT_STATUS_RUNNING);
	assert_int_equal(out.pid, 77);
	assert_string_equal(out.id, "abc");
	assert_string_equal(out.bundle, "/run/crisp/b");
	assert_int_equal(out.created, 5);

	static char long_bundle[4200];
	long_bundle[0] = '/';
	memset(long_bundle + 1, 'a', 4096);

	static const struct {
		int status, pid;
		const char *id, *bundle;
		int64_t created;
	} bad[] = {
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_UNSPECIFIED, 1, "a", "/b", 0},
	    {99, 1, "a", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 0, "a", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, -1, "a", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 4194305, "a", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_STOPPED, 5, "a", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "..", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "a/b", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "", "/b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "a", "b", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "a", "/x/..", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "a", "/x\n", 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "a", long_bundle, 0},
	    {CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING, 1, "a", "/b", -1},
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		r.status = (Crisp__Helper__RtStateReply__Status)bad[i].status;
		r.pid = bad[i].pid;
		r.id = UNCONST(bad[i].id);
		r.bundle = UNCONST(bad[i].bundle);
		r.created_ns = bad[i].created;
		if (rtstate_reply_state(&r, &out) != -EPROTO)
			fail_msg("bad reply %zu accepted", i);
	}
}

static void
test_reply_conmon(void **state)
{
	(void)state;
	Crisp__Helper__ConmonSyncReply__Msg m[2], *mp[2] = {&m[0], &m[1]};
	for (size_t i = 0; i < 2; i++)
		crisp__helper__conmon_sync_reply__msg__init(&m[i]);
	m[0].has_data = 1;
	m[0].data = 4321;
	m[1].has_data = 1;
	m[1].data = -1;
	m[1].message = UNCONST("command timed out");
	Crisp__Helper__ConmonSyncReply r;
	crisp__helper__conmon_sync_reply__init(&r);
	r.n_messages = 2;
	r.messages = mp;
	struct conmon_msg out[4];
	size_t n = 0;
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].data, 4321);
	assert_string_equal(out[1].message, "command timed out");
	assert_int_equal(rtstate_reply_conmon(&r, out, 1, &n), -E2BIG);

	m[1].message = UNCONST("bad\x1b[0m");
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), -EPROTO);
	static char long_msg[2000];
	memset(long_msg, 'a', sizeof(long_msg) - 1);
	m[1].message = long_msg;
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), -EPROTO);
	m[1].message = UNCONST("");
	m[1].has_data = 0; /* neither pid nor data */
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), -EPROTO);
	m[1].has_pid = 1;
	m[1].pid = 0;
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), -EPROTO);
	m[1].pid = 1;
	m[1].data = 5; /* data without has_data */
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), -EPROTO);
	m[1].data = 0;
	m[0].data = CONMON_DATA_MIN - 1;
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), -EPROTO);
	m[0].data = 0;
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), 0);
	r.n_messages = CONMON_SYNC_MAX_MSGS + 1;
	assert_int_equal(rtstate_reply_conmon(&r, out, 4, &n), -EPROTO);
}

/* ---- the real helper, through rt_parse_state / rt_parse_conmon ------------------------- */

static struct helper_ctx
ctx(void)
{
	return (struct helper_ctx){.dir = helper_dir, .timeout_ms = 10000, .request_id = 1};
}

static void
test_helper_state(void **state)
{
	(void)state;
	struct helper_ctx h = ctx();
	struct rt_state st;
	char err[256] = "";
	int r = rt_parse_state(&h, (const uint8_t *)RUNC_CREATED, strlen(RUNC_CREATED), &st, err,
			       sizeof(err));
	if (r != 0)
		fail_msg("rt_parse_state: %d %s", r, err);
	assert_int_equal(st.status, RT_STATUS_CREATED);
	assert_int_equal(st.pid, 2040);
	assert_string_equal(st.id, "ctr1");
	assert_string_equal(st.bundle, "/tmp/rtstate-demo/bundle");
	assert_true(st.created == RUNC_CREATED_NS);

	r = rt_parse_state(&h, (const uint8_t *)CRUN_RUNNING, strlen(CRUN_RUNNING), &st, err,
			   sizeof(err));
	assert_int_equal(r, 0);
	assert_int_equal(st.status, RT_STATUS_RUNNING);

	static const char dup[] = STATE("running", "5", ",\"pid\":6");
	r = rt_parse_state(&h, (const uint8_t *)dup, strlen(dup), &st, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "duplicate"));

	static const char nl[] = STATE("running\\n", "5", "");
	r = rt_parse_state(&h, (const uint8_t *)nl, strlen(nl), &st, err, sizeof(err));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(err, "status"));

	/* Over the cap: refused before any helper runs. */
	size_t big = (size_t)10 * 1024 * 1024;
	uint8_t *doc = calloc(1, big);
	assert_non_null(doc);
	h.dir = "/nonexistent"; /* proves no helper was needed */
	r = rt_parse_state(&h, doc, big, &st, err, sizeof(err));
	assert_int_equal(r, -E2BIG);
	free(doc);
}

static void
test_helper_conmon(void **state)
{
	(void)state;
	struct helper_ctx h = ctx();
	struct conmon_msg msgs[4];
	size_t n = 0;
	char err[256] = "";
	static const char two[] = "{\"data\": 4321}\n{\"data\": -1, \"message\": \"exec failed:\\n"
				  "\\u001b[31mno such file\\n\"}\n";
	int r =
	    rt_parse_conmon(&h, (const uint8_t *)two, strlen(two), msgs, 4, &n, err, sizeof(err));
	if (r != 0)
		fail_msg("rt_parse_conmon: %d %s", r, err);
	assert_int_equal(n, 2);
	assert_true(msgs[0].has_data && msgs[0].data == 4321 && !msgs[0].has_pid);
	assert_int_equal(msgs[1].data, -1);
	assert_string_equal(msgs[1].message, "exec failed: ?[31mno such file");

	r = rt_parse_conmon(&h, (const uint8_t *)two, strlen(two), msgs, 1, &n, err, sizeof(err));
	assert_int_equal(r, -E2BIG);

	static const char bad[] = "{\"pid\": 4194305}";
	r = rt_parse_conmon(&h, (const uint8_t *)bad, strlen(bad), msgs, 4, &n, err, sizeof(err));
	assert_int_equal(r, -ERANGE);

	n = 99;
	assert_int_equal(rt_parse_conmon(&h, (const uint8_t *)"", 0, msgs, 4, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 0);
}

static int
setup(void **state)
{
	(void)state;
	const char *env = getenv("CRISP_HELPER_DIR");
	if (env && env[0] == '/') {
		(void)snprintf(helper_dir, sizeof(helper_dir), "%s", env);
		return 0;
	}
	/* <B>/tests/test_runtime_state -> <B> */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	(void)snprintf(helper_dir, sizeof(helper_dir), "%s", dirname(dirname(exe)));
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_table),
	    cmocka_unit_test(test_state_created_matches_timegm),
	    cmocka_unit_test(test_state_hostile_bytes),
	    cmocka_unit_test(test_conmon_table),
	    cmocka_unit_test(test_conmon_sizes),
	    cmocka_unit_test(test_real_outputs),
	    cmocka_unit_test(test_reply_state),
	    cmocka_unit_test(test_reply_conmon),
	    cmocka_unit_test(test_helper_state),
	    cmocka_unit_test(test_helper_conmon),
	};
	return cmocka_run_group_tests_name("runtime_state", tests, setup, NULL);
}
