/* SPDX-License-Identifier: Apache-2.0 */
/* Confinement and helper_run() against the real crisp-helper-selftest under its real seccomp
 * filter: round trip, forbidden syscalls, deadlines, bad replies, identity, concurrency, leaks.
 * runs in: tests (as root, like the daemon). */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/macro.h"
#include "sandbox/helper.h"
#include "sandbox/helper_exit.h"
#include "sandbox/spawn.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

typedef Crisp__Helper__SelftestRequest SelftestRequest;
#define ACTION(x)    CRISP__HELPER__SELFTEST_REQUEST__ACTION__##x
#define FORBIDDEN(x) CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__##x

static char helper_dir[PATH_MAX];
static int fds_at_start;

struct result {
	int rc;
	struct helper_error err;
	uint8_t *raw;
	size_t raw_len;
	Crisp__Helper__HelperReply *reply; /* NULL if the reply did not decode */
	uint64_t id;
};

static void
result_done(struct result *r)
{
	if (r->reply)
		crisp__helper__helper_reply__free_unpacked(r->reply, NULL);
	free(r->raw);
	*r = (struct result){0};
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* Check the envelope the way the daemon must: version, id, body case. */
static Crisp__Helper__HelperReply *
decode_reply(const uint8_t *buf, size_t len, uint64_t id)
{
	Crisp__Helper__HelperReply *rep = crisp__helper__helper_reply__unpack(NULL, len, buf);
	if (rep &&
	    (rep->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	     rep->request_id != id ||
	     rep->body_case != CRISP__HELPER__HELPER_REPLY__BODY_SELFTEST || !rep->selftest)) {
		crisp__helper__helper_reply__free_unpacked(rep, NULL);
		return NULL;
	}
	return rep;
}

struct log_capture {
	pthread_mutex_t mu;
	unsigned lines;
	unsigned matching;
	int saw_dropped_note;
	int bad_tag;
};

static void
capture_log(void *userdata, const char *helper, pid_t pid, uint64_t request_id, const char *line,
	    size_t len)
{
	struct log_capture *c = userdata;
	pthread_mutex_lock(&c->mu);
	c->lines++;
	if (strcmp(helper, "selftest") != 0 || pid <= 0 || request_id == 0)
		c->bad_tag = 1;
	if (len == strlen("crisp-helper: line") && memcmp(line, "crisp-helper: line", len) == 0)
		c->matching++;
	if (len > 1 && line[0] == '[' && memmem(line, len, "dropped", 7))
		c->saw_dropped_note = 1;
	pthread_mutex_unlock(&c->mu);
}

/* CRISP_TEST_HELPER_LOG=1 shows helper stderr (with CFLAGS=-DCRISP_SECCOMP_TRAP helpers name
 * the syscall that the filter refused). */
static void
print_log(void *userdata, const char *helper, pid_t pid, uint64_t request_id, const char *line,
	  size_t len)
{
	(void)userdata;
	fprintf(stderr, "[%s pid %d req %llu] %.*s\n", helper, (int)pid,
		(unsigned long long)request_id, (int)len, line);
}

static uint64_t
next_id(void)
{
	static uint64_t id = 1000;
	return __atomic_add_fetch(&id, 1, __ATOMIC_RELAXED);
}

static void
run_with(const SelftestRequest *st, struct helper_spec *spec, struct result *out)
{
	Crisp__Helper__HelperRequest req = CRISP__HELPER__HELPER_REQUEST__INIT;
	req.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	req.request_id = out->id = next_id();
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_SELFTEST;
	req.selftest = (SelftestRequest *)UNCONST(st);
	uint8_t buf[4096];
	size_t len = crisp__helper__helper_request__get_packed_size(&req);
	assert_true(len <= sizeof(buf));
	(void)crisp__helper__helper_request__pack(&req, buf);
	spec->policy = POLICY_SELFTEST;
	spec->helper_dir = helper_dir;
	spec->request_id = out->id;
	if (!spec->log_fn && getenv("CRISP_TEST_HELPER_LOG"))
		spec->log_fn = print_log;
	out->rc = helper_run(spec, buf, len, &out->raw, &out->raw_len, &out->err);
	if (out->rc == 0)
		out->reply = decode_reply(out->raw, out->raw_len, out->id);
}

static void
run(const SelftestRequest *st, uint64_t deadline_ms, struct result *out)
{
	struct helper_spec spec = {.deadline_ms = deadline_ms};
	run_with(st, &spec, out);
}

static void
assert_fails(const struct result *r, enum helper_error_code code)
{
	if (r->rc == 0 || r->err.code != code)
		print_error("want %s, got rc %d code %s: %s\n", helper_error_code_to_string(code),
			    r->rc, helper_error_code_to_string(r->err.code), r->err.message);
	assert_true(r->rc < 0);
	assert_int_equal(r->err.code, code);
	assert_non_null(r->err.message[0] ? r->err.message : NULL);
}

/* ---- round trip -------------------------------------------------------------------------------
 */

static void
test_echo(void **state)
{
	(void)state;
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.action = ACTION(ECHO);
	st.payload.data = (uint8_t *)UNCONST("hello, sandbox");
	st.payload.len = strlen("hello, sandbox");
	struct result r = {0};
	run(&st, 0, &r);
	if (r.rc != 0)
		print_error("echo failed: %s\n", r.err.message);
	assert_int_equal(r.rc, 0);
	assert_non_null(r.reply);
	assert_int_equal(r.reply->selftest->payload.len, st.payload.len);
	assert_memory_equal(r.reply->selftest->payload.data, st.payload.data, st.payload.len);
	result_done(&r);
}

/* ---- confinement as seen from inside the helper -----------------------------------------------
 */

static void
assert_status_line(const char *status, const char *line)
{
	if (!strstr(status, line))
		print_error("missing %s in:\n%s\n", line, status);
	assert_non_null(strstr(status, line));
}

static uint64_t
own_ns(const char *name)
{
	char path[64];
	struct stat st;
	(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

/* Only "lo" below the two header lines of /proc/net/dev. */
static void
assert_only_lo(const char *net_dev)
{
	unsigned ifaces = 0;
	int saw_lo = 0;
	const char *p = net_dev;
	for (int line = 0; p && *p; line++) {
		const char *nl = strchr(p, '\n');
		if (line >= 2) {
			ifaces++;
			while (*p == ' ')
				p++;
			saw_lo |= strncmp(p, "lo:", 3) == 0;
		}
		p = nl ? nl + 1 : NULL;
	}
	assert_int_equal(ifaces, 1);
	assert_true(saw_lo);
}

static void
assert_limit(const char *limits, const char *name, const char *soft, const char *hard)
{
	const char *p = strstr(limits, name);
	assert_non_null(p);
	char s[32], h[32];
	assert_int_equal(sscanf(p + strlen(name), "%31s %31s", s, h), 2);
	assert_string_equal(s, soft);
	assert_string_equal(h, hard);
}

static void
test_report_confined(void **state)
{
	(void)state;
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.action = ACTION(REPORT);
	struct result r = {0};
	/* An fd the daemon forgot to mark CLOEXEC must still not reach the helper. */
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(null >= 0);
	int leak = fcntl(null, F_DUPFD, 20); /* no CLOEXEC on purpose */
	(void)close(null);
	assert_true(leak >= 20);
	run(&st, 0, &r);
	(void)close(leak);
	if (r.rc != 0)
		print_error("report failed: %s\n", r.err.message);
	assert_int_equal(r.rc, 0);
	assert_non_null(r.reply);
	const Crisp__Helper__SelftestReply *rep = r.reply->selftest;
	assert_int_equal(rep->n_uids, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(rep->uids[i], 65534);
		assert_int_equal(rep->gids[i], 65534);
	}
	assert_int_equal(rep->pid, 1); /* alone in a new pid namespace */
	assert_int_equal(rep->no_new_privs, 1);
	assert_int_equal(rep->seccomp_mode, 2);
	assert_int_equal(rep->bounding_set, 0);
	const char *s = rep->proc_status;
	assert_status_line(s, "\nNoNewPrivs:\t1\n");
	assert_status_line(s, "\nSeccomp:\t2\n");
	assert_status_line(s, "\nCapInh:\t0000000000000000\n");
	assert_status_line(s, "\nCapPrm:\t0000000000000000\n");
	assert_status_line(s, "\nCapEff:\t0000000000000000\n");
	assert_status_line(s, "\nCapBnd:\t0000000000000000\n");
	assert_status_line(s, "\nCapAmb:\t0000000000000000\n");
	const char *groups = strstr(s, "\nGroups:");
	assert_non_null(groups);
	groups += strlen("\nGroups:");
	assert_int_equal(strspn(groups, " \t"), strcspn(groups, "\n")); /* no groups at all */
	assert_status_line(s, "\nUid:\t65534\t65534\t65534\t65534\n");
	assert_only_lo(rep->net_dev);
	assert_limit(rep->proc_limits, "Max open files", "16", "16");
	assert_limit(rep->proc_limits, "Max processes", "0", "0");
	assert_limit(rep->proc_limits, "Max file size", "0", "0");
	assert_limit(rep->proc_limits, "Max core file size", "0", "0");
	assert_limit(rep->proc_limits, "Max cpu time", "2", "3");
	if (!UNDER_ASAN)
		assert_limit(rep->proc_limits, "Max address space", "268435456", "268435456");
	assert_true(rep->ns_net != 0 && rep->ns_net != own_ns("net"));
	assert_true(rep->ns_ipc != 0 && rep->ns_ipc != own_ns("ipc"));
	assert_true(rep->ns_uts != 0 && rep->ns_uts != own_ns("uts"));
	assert_true(rep->ns_mnt != 0 && rep->ns_mnt != own_ns("mnt"));
	assert_true(rep->ns_pid != 0 && rep->ns_pid != own_ns("pid"));
	/* Exactly the fixed layout: 0 and 1 (/dev/null), 2 log, 3 request, 4 reply; no bulk. */
	assert_int_equal(rep->n_fds_at_start, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(rep->fds_at_start[i], (int)i);
	result_done(&r);
}

/* A bulk stream on fd 5 reaches the helper, and nothing else does. */
static void
test_bulk_fd(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	static const char data[] = "layer bytes on the bulk fd";
	assert_int_equal(write(p[1], data, sizeof(data)), sizeof(data));
	(void)close(p[1]);
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.action = ACTION(READ_BULK);
	struct helper_spec spec = {.bulk_fd = p[0]};
	struct result r = {0};
	run_with(&st, &spec, &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(r.reply);
	assert_int_equal(r.reply->selftest->payload.len, sizeof(data));
	assert_memory_equal(r.reply->selftest->payload.data, data, sizeof(data));
	result_done(&r);

	st.action = ACTION(REPORT);
	run_with(&st, &spec, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.reply->selftest->n_fds_at_start, 6);
	assert_int_equal(r.reply->selftest->fds_at_start[5], 5);
	result_done(&r);
	(void)close(p[0]);

	/* A bulk stream longer than the helper's cap: it stops at cap + 1 bytes and fails. */
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(write(p[1], data, sizeof(data)), sizeof(data));
	(void)close(p[1]);
	st.action = ACTION(READ_BULK);
	st.size = 8;
	spec.bulk_fd = p[0];
	run_with(&st, &spec, &r);
	assert_fails(&r, HELPER_ERR_EXIT);
	assert_int_equal(r.err.exit_status, HELPER_EXIT_RECV);
	result_done(&r);
	(void)close(p[0]);

	/* No bulk fd at all: fd 5 is closed in the helper. */
	st.size = 0;
	spec.bulk_fd = -1;
	run_with(&st, &spec, &r);
	assert_fails(&r, HELPER_ERR_EXIT);
	result_done(&r);
}

/* ---- syscalls outside the allowlist: SIGSYS, and a clean error for the caller --------------- */

static void
test_forbidden_syscalls(void **state)
{
	(void)state;

	static const struct {
		Crisp__Helper__SelftestRequest__Forbidden which;
		const char *name;
	} cases[] = {
	    {FORBIDDEN(OPEN), "openat"},           {FORBIDDEN(SOCKET), "socket"},
	    {FORBIDDEN(EXECVE), "execve"},         {FORBIDDEN(PTRACE), "ptrace"},
	    {FORBIDDEN(MOUNT), "mount"},           {FORBIDDEN(UNSHARE), "unshare"},
	    {FORBIDDEN(MMAP_EXEC), "mmap+x"},      {FORBIDDEN(WRITE_FD), "write fd 9"},
	    {FORBIDDEN(CLONE), "clone"},           {FORBIDDEN(CONNECT), "connect"},
	    {FORBIDDEN(X32_GETPID), "x32 getpid"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
		st.action = ACTION(FORBIDDEN);
		st.forbidden = cases[i].which;
		struct result r = {0};
		run(&st, 0, &r);
		if (r.err.code != HELPER_ERR_SECCOMP)
			print_error("%s: %s\n", cases[i].name, r.err.message);
		assert_fails(&r, HELPER_ERR_SECCOMP);
		assert_int_equal(r.err.signal, SIGSYS);
		result_done(&r);
	}
}

/* ---- deadlines: killed, reaped, and the caller is not held up ----------------------------------
 */

static void
test_deadline(void **state)
{
	(void)state;
	static const Crisp__Helper__SelftestRequest__Action actions[] = {ACTION(SLEEP),
									 ACTION(SPIN)};
	for (size_t i = 0; i < ELEMENTSOF(actions); i++) {
		SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
		st.action = actions[i];
		st.sleep_ms = 60000;
		struct result r = {0};
		run(&st, 300, &r);
		assert_fails(&r, HELPER_ERR_TIMEOUT);
		assert_int_equal(r.rc, -ETIMEDOUT);
		assert_true(r.err.elapsed_ms >= 290 && r.err.elapsed_ms < 3000);
		result_done(&r);
	}
}

/* ---- replies that break the protocol ------------------------------------------------------------
 */

static void
test_bad_replies(void **state)
{
	(void)state;

	static const struct {
		Crisp__Helper__SelftestRequest__Action action;
		uint64_t size;
		enum helper_error_code want;
	} cases[] = {
	    {ACTION(REPLY_OVERSIZED), 1024u * 1024u * 1024u, HELPER_ERR_TOO_BIG}, /* 1 GiB */
	    {ACTION(REPLY_OVERSIZED), 1024u * 1024u + 1u, HELPER_ERR_TOO_BIG},    /* cap + 1 */
	    {ACTION(REPLY_ZERO_LENGTH), 0, HELPER_ERR_PROTOCOL},
	    {ACTION(REPLY_TRUNCATED), 1000, HELPER_ERR_PROTOCOL},
	    {ACTION(REPLY_TRUNCATED), 300000, HELPER_ERR_PROTOCOL},
	    {ACTION(REPLY_TRAILING), 0, HELPER_ERR_PROTOCOL},
	    {ACTION(NO_REPLY), 0, HELPER_ERR_PROTOCOL},
	    {ACTION(CRASH), 0, HELPER_ERR_SIGNALED},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
		st.action = cases[i].action;
		st.size = cases[i].size;
		struct result r = {0};
		run(&st, 5000, &r);
		assert_fails(&r, cases[i].want);
		assert_true(r.err.elapsed_ms < 3000);
		if (cases[i].want == HELPER_ERR_SIGNALED)
			assert_int_equal(r.err.signal, SIGSEGV);
		result_done(&r);
	}
}

/* A reply over a per-call cap smaller than the policy's. */
static void
test_reply_over_spec_cap(void **state)
{
	(void)state;
	uint8_t payload[200];
	memset(payload, 'p', sizeof(payload));
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.payload.data = payload;
	st.payload.len = sizeof(payload);
	struct helper_spec spec = {.reply_max = 100};
	struct result r = {0};
	run_with(&st, &spec, &r);
	assert_fails(&r, HELPER_ERR_TOO_BIG);
	assert_int_equal(r.rc, -EMSGSIZE);
	result_done(&r);
}

/* Well framed but not a HelperReply: helper_run hands back bytes, the envelope check refuses. */
static void
test_garbage_reply(void **state)
{
	(void)state;
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.action = ACTION(REPLY_GARBAGE);
	st.size = 64;
	struct result r = {0};
	run(&st, 0, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.raw_len, 64);
	assert_null(r.reply);
	result_done(&r);
}

static void
test_exit_code(void **state)
{
	(void)state;
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.action = ACTION(EXIT_CODE);
	st.exit_code = 42;
	struct result r = {0};
	run(&st, 0, &r);
	assert_fails(&r, HELPER_ERR_EXIT);
	assert_int_equal(r.err.exit_status, 42);
	result_done(&r);
}

/* RLIMIT_AS stops a helper that allocates too much (not under ASan, which needs no AS limit). */
static void
test_memory_limit(void **state)
{
	(void)state;
	if (UNDER_ASAN)
		skip();
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.action = ACTION(ALLOC);
	st.size = 512u * 1024u * 1024u;
	struct result r = {0};
	run(&st, 0, &r);
	assert_fails(&r, HELPER_ERR_EXIT);
	assert_int_equal(r.err.exit_status, HELPER_EXIT_NOMEM);
	result_done(&r);
	st.size = 16u * 1024u * 1024u; /* well under the limit: fine */
	run(&st, 0, &r);
	assert_int_equal(r.rc, 0);
	result_done(&r);
}

/* ---- stderr: forwarded with tags, capped per run ------------------------------------------------
 */

static void
test_log_capture(void **state)
{
	(void)state;

	static const struct {
		uint64_t lines;
		unsigned want_matching;
		int want_note;
	} cases[] = {{3, 3, 0}, {100000, HELPER_LOG_MAX_LINES, 1}};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct log_capture c = {.mu = PTHREAD_MUTEX_INITIALIZER};
		SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
		st.action = ACTION(LOG);
		st.payload.data = (uint8_t *)UNCONST("line");
		st.payload.len = 4;
		st.size = cases[i].lines;
		struct helper_spec spec = {.log_fn = capture_log, .log_userdata = &c};
		struct result r = {0};
		run_with(&st, &spec, &r);
		assert_int_equal(r.rc, 0);
		assert_int_equal(c.matching, cases[i].want_matching);
		assert_int_equal(c.saw_dropped_note, cases[i].want_note);
		assert_true(c.lines <= HELPER_LOG_MAX_LINES + 1);
		assert_false(c.bad_tag);
		result_done(&r);
	}
}

/* ---- errors before anything runs --------------------------------------------------------------
 */

static void
test_spawn_and_invalid(void **state)
{
	(void)state;
	static const uint8_t req[] = {1};
	uint8_t *reply = NULL;
	size_t len = 0;
	struct helper_error e;
	struct helper_spec spec = {.policy = POLICY_SELFTEST, .helper_dir = "/nonexistent/dir"};
	assert_int_equal(helper_run(&spec, req, sizeof(req), &reply, &len, &e), -ENOENT);
	assert_int_equal(e.code, HELPER_ERR_SPAWN);
	assert_int_equal(e.spawn_step, SPAWN_STEP_EXEC);

	spec.helper_dir = "relative/dir";
	assert_int_equal(helper_run(&spec, req, sizeof(req), &reply, &len, &e), -EINVAL);
	assert_int_equal(e.code, HELPER_ERR_INVALID);

	spec.helper_dir = helper_dir;
	assert_int_equal(helper_run(&spec, req, 0, &reply, &len, &e), -EMSGSIZE);
	assert_int_equal(e.code, HELPER_ERR_INVALID);
	size_t big = POLICY_SELFTEST->request_max + 1;
	uint8_t *buf = calloc(1, big);
	assert_non_null(buf);
	assert_int_equal(helper_run(&spec, buf, big, &reply, &len, &e), -EMSGSIZE);
	free(buf);

	/* A request that is not a HelperRequest: the helper fails fast with its decode code. */
	assert_int_equal(helper_run(&spec, req, sizeof(req), &reply, &len, &e), -ECHILD);
	assert_int_equal(e.code, HELPER_ERR_EXIT);
	assert_int_equal(e.exit_status, HELPER_EXIT_DECODE);
	assert_null(reply);
}

/* Started as plain root (not through helper_run), a helper refuses to run at all. */
static void
test_refuses_unconfined_start(void **state)
{
	(void)state;
	char path[PATH_MAX + 32];
	(void)snprintf(path, sizeof(path), "%s/crisp-helper-selftest", helper_dir);
	char *const argv[] = {path, NULL};
	char *const envp[] = {NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 3, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 4, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	assert_int_equal(posix_spawn(&pid, path, &fa, NULL, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), HELPER_EXIT_IDENTITY);
}

/* ---- many threads at once -----------------------------------------------------------------------
 */

#define CONCURRENT 50

static void *
echo_thread(void *arg)
{
	int *ok = arg;
	char text[32];
	(void)snprintf(text, sizeof(text), "thread-%p", arg);
	SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	st.payload.data = (uint8_t *)text;
	st.payload.len = strlen(text);
	struct helper_spec spec = {.deadline_ms = 30000};
	struct result r = {0};
	run_with(&st, &spec, &r);
	*ok = r.rc == 0 && r.reply && r.reply->selftest->payload.len == st.payload.len &&
	      memcmp(r.reply->selftest->payload.data, text, st.payload.len) == 0;
	if (!*ok)
		print_error("thread: rc %d %s\n", r.rc, r.err.message);
	result_done(&r);
	return NULL;
}

static void
test_concurrent(void **state)
{
	(void)state;
	pthread_t t[CONCURRENT];
	int ok[CONCURRENT] = {0};
	for (int i = 0; i < CONCURRENT; i++)
		assert_int_equal(pthread_create(&t[i], NULL, echo_thread, &ok[i]), 0);
	int good = 0;
	for (int i = 0; i < CONCURRENT; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		good += ok[i];
	}
	assert_int_equal(good, CONCURRENT);
}

/* ---- after everything: no fd and no child left behind ------------------------------------------
 */

static void
test_no_leaks(void **state)
{
	(void)state;
	assert_int_equal(count_fds(), fds_at_start);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	errno = 0;
	assert_int_equal(waitid(P_ALL, 0, &si, WEXITED | WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static int
setup(void **state)
{
	(void)state;
	const char *env = getenv("CRISP_HELPER_DIR");
	if (env && env[0] == '/') {
		(void)snprintf(helper_dir, sizeof(helper_dir), "%s", env);
	} else {
		/* <B>/tests/test_sandbox_helper -> <B> */
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return -1;
		exe[n] = '\0';
		(void)snprintf(helper_dir, sizeof(helper_dir), "%s", dirname(dirname(exe)));
	}
	fds_at_start = count_fds();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo),
	    cmocka_unit_test(test_report_confined),
	    cmocka_unit_test(test_bulk_fd),
	    cmocka_unit_test(test_forbidden_syscalls),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_bad_replies),
	    cmocka_unit_test(test_reply_over_spec_cap),
	    cmocka_unit_test(test_garbage_reply),
	    cmocka_unit_test(test_exit_code),
	    cmocka_unit_test(test_memory_limit),
	    cmocka_unit_test(test_log_capture),
	    cmocka_unit_test(test_spawn_and_invalid),
	    cmocka_unit_test(test_refuses_unconfined_start),
	    cmocka_unit_test(test_concurrent),
	    cmocka_unit_test(test_no_leaks),
	};
	return cmocka_run_group_tests_name("sandbox_helper", tests, setup, NULL);
}
