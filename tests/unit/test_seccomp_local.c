/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for Localhost seccomp profiles: the parser (parsers/seccomp_local.c) on golden
 * files under tests/data/seccomp_local/ and generated over-limit documents; the reply
 * validator (daemon/replies/seccomp_reply.c) on hostile replies; the real crisp-helper-seccomp
 * under its filter; and the daemon's file loading (daemon/containers/ctr_seccomp_load.c):
 * symlink escapes, FIFOs, huge files, paths outside the root.
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
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/containers/ctr_seccomp_load.h"
#include "daemon/helpers/seccomp_call.h"
#include "daemon/replies/seccomp_reply.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/seccomp_local.h"
#include "tests/unit/parsers_golden.h"

#define DATA "tests/data/seccomp_local"

static char helper_dir[PATH_MAX];

/* ---- parser: golden files ---------------------------------------------------------------- */

static void
dump_rule(struct text *t, const struct seccomp_local_rule *r)
{
	text_printf(t, "rule %s errno=%llu names=", seccomp_local_action_name(r->action),
		    (unsigned long long)r->errno_ret);
	for (size_t i = 0; i < r->names.n; i++)
		text_printf(t, "%s%s", i ? "," : "", r->names.v[i]);
	text_printf(t, "\n");
	for (size_t i = 0; i < r->n_args; i++)
		text_printf(t, "  arg %llu %s %llu %llu\n", (unsigned long long)r->args[i].index,
			    seccomp_local_op_name(r->args[i].op),
			    (unsigned long long)r->args[i].value,
			    (unsigned long long)r->args[i].value_two);
}

static int
run_profile(const char *name, const uint8_t *buf, size_t len, struct text *out,
	    struct parse_error *err)
{
	(void)name;
	struct seccomp_local *p = NULL;
	int r = seccomp_local_parse(buf, len, NULL, &p, err);
	if (r < 0)
		return r;
	text_printf(out, "default %s errno=%llu\n", seccomp_local_action_name(p->default_action),
		    (unsigned long long)p->default_errno_ret);
	for (size_t i = 0; i < p->architectures.n; i++)
		text_printf(out, "arch %s\n", p->architectures.v[i]);
	for (size_t i = 0; i < p->flags.n; i++)
		text_printf(out, "flag %s\n", p->flags.v[i]);
	for (size_t i = 0; i < p->n_syscalls; i++)
		dump_rule(out, &p->syscalls[i]);
	(void)seccomp_local_free(p);
	return 0;
}

static void
test_golden_valid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/valid", true, run_profile) >= 4);
}

static void
test_golden_invalid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/invalid", false, run_profile) >= 30);
}

/* ---- parser: generated over-limit documents ------------------------------------------------ */

/* A profile of n rules, each naming k syscalls, padded with spaces to at least pad bytes. */
static char *
gen_profile(size_t n, size_t k, size_t pad)
{
	struct text t = {0};
	text_printf(&t, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [");
	for (size_t i = 0; i < n; i++) {
		text_printf(&t, "%s{\"action\": \"SCMP_ACT_ERRNO\", \"names\": [", i ? "," : "");
		for (size_t j = 0; j < k; j++)
			text_printf(&t, "%s\"read\"", j ? "," : "");
		text_printf(&t, "]}");
	}
	text_printf(&t, "]");
	while (t.len < pad)
		text_printf(&t, "          ");
	text_printf(&t, "}");
	return t.s;
}

struct limit_case {
	size_t n, k, pad;
	int rc;
	enum parse_code code;
};

static void
test_limits(void **state)
{
	(void)state;
	static const struct limit_case cases[] = {
	    {1, 1, SECCOMP_LOCAL_MAX_SIZE - 100, 0, PARSE_OK},
	    {1, 1, SECCOMP_LOCAL_MAX_SIZE + 1, -E2BIG, PARSE_ERR_LIMIT},
	    {SECCOMP_LOCAL_MAX_RULES, 1, 0, 0, PARSE_OK},
	    {SECCOMP_LOCAL_MAX_RULES + 1, 1, 0, -E2BIG, PARSE_ERR_LIMIT},
	    {1, SECCOMP_LOCAL_MAX_NAMES + 1, 0, -E2BIG, PARSE_ERR_LIMIT},
	    {9, SECCOMP_LOCAL_MAX_NAMES, 0, -E2BIG, PARSE_ERR_LIMIT}, /* > 8192 in all */
	    {8, SECCOMP_LOCAL_MAX_NAMES, 0, 0, PARSE_OK},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *doc = gen_profile(cases[i].n, cases[i].k, cases[i].pad);
		struct seccomp_local *p = NULL;
		struct parse_error e = {0};
		int r = seccomp_local_parse((const uint8_t *)doc, strlen(doc), NULL, &p, &e);
		if (r != cases[i].rc || (r < 0 && e.code != cases[i].code))
			fail_msg("case %zu: rc %d code %d: %s at %s", i, r, (int)e.code, e.message,
				 e.path);
		(void)seccomp_local_free(p);
		free(doc);
	}
}

/* ---- reply validator: hostile replies ------------------------------------------------------ */

typedef Crisp__Helper__SeccompReply Reply;
typedef Crisp__Helper__SeccompReply__Rule Rule;
typedef Crisp__Helper__SeccompReply__Arg Arg;

/* A valid reply that each case breaks in one place. */
struct fixture {
	Reply rep;
	Rule rule, *rules[1];
	Arg arg, *args[1];
	char *names[2];
	char *arches[2];
	char *flags[1];
};

static void
fixture_init(struct fixture *f)
{
	crisp__helper__seccomp_reply__init(&f->rep);
	crisp__helper__seccomp_reply__rule__init(&f->rule);
	crisp__helper__seccomp_reply__arg__init(&f->arg);
	f->arg.index = 0;
	f->arg.value = 1;
	f->arg.op = CRISP__HELPER__SECCOMP_REPLY__OP__OP_EQ;
	f->args[0] = &f->arg;
	f->names[0] = UNCONST("sethostname");
	f->names[1] = UNCONST("read");
	f->rule.names = f->names;
	f->rule.n_names = 2;
	f->rule.action = CRISP__HELPER__SECCOMP_REPLY__ACTION__ACTION_ERRNO;
	f->rule.errno_ret = 1;
	f->rule.args = f->args;
	f->rule.n_args = 1;
	f->rules[0] = &f->rule;
	f->arches[0] = UNCONST("SCMP_ARCH_X86_64");
	f->arches[1] = UNCONST("SCMP_ARCH_X86");
	f->flags[0] = UNCONST("SECCOMP_FILTER_FLAG_LOG");
	f->rep.default_action = CRISP__HELPER__SECCOMP_REPLY__ACTION__ACTION_ALLOW;
	f->rep.architectures = f->arches;
	f->rep.n_architectures = 2;
	f->rep.flags = f->flags;
	f->rep.n_flags = 1;
	f->rep.syscalls = f->rules;
	f->rep.n_syscalls = 1;
}

struct hostile_case {
	const char *what;
	void (*mutate)(struct fixture *f);
	const char *msg; /* a substring of the validator's message */
};

static void
m_none(struct fixture *f)
{
	(void)f;
}

static void
m_default_unspec(struct fixture *f)
{
	f->rep.default_action = 0;
}

static void
m_default_9(struct fixture *f)
{
	f->rep.default_action = 9;
}

static void
m_default_errno_allow(struct fixture *f)
{
	f->rep.default_errno_ret = 1;
}

static void
m_errno_4096(struct fixture *f)
{
	f->rule.errno_ret = 4096;
}

static void
m_errno_on_allow(struct fixture *f)
{
	f->rule.action = 7;
}

static void
m_index_6(struct fixture *f)
{
	f->arg.index = 6;
}

static void
m_op_0(struct fixture *f)
{
	f->arg.op = 0;
}

static void
m_op_8(struct fixture *f)
{
	f->arg.op = 8;
}

static void
m_value_big(struct fixture *f)
{
	f->arg.value = (uint64_t)INT64_MAX + 1;
}

static void
m_value2_big(struct fixture *f)
{
	f->arg.value_two = UINT64_MAX;
}

static void
m_args_7(struct fixture *f)
{
	f->rule.n_args = 7;
}

static void
m_arg_null(struct fixture *f)
{
	f->args[0] = NULL;
}

static void
m_unknown_name(struct fixture *f)
{
	f->names[1] = UNCONST("no_such_syscall");
}

static void
m_upper_name(struct fixture *f)
{
	f->names[1] = UNCONST("READ");
}

static void
m_empty_name(struct fixture *f)
{
	f->names[1] = UNCONST("");
}

static void
m_null_name(struct fixture *f)
{
	f->names[1] = NULL;
}

static void
m_ctl_name(struct fixture *f)
{
	f->names[1] = UNCONST("read\n");
}

static void
m_long_name(struct fixture *f)
{
	f->names[1] = UNCONST("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

static void
m_no_names(struct fixture *f)
{
	f->rule.n_names = 0;
}

static void
m_names_over(struct fixture *f)
{
	f->rule.n_names = SECCOMP_LOCAL_MAX_NAMES + 1;
}

static void
m_rules_over(struct fixture *f)
{
	f->rep.n_syscalls = SECCOMP_LOCAL_MAX_RULES + 1;
}

static void
m_rule_null(struct fixture *f)
{
	f->rules[0] = NULL;
}

static void
m_arch_unknown(struct fixture *f)
{
	f->arches[1] = UNCONST("SCMP_ARCH_VAX");
}

static void
m_arch_dup(struct fixture *f)
{
	f->arches[1] = UNCONST("SCMP_ARCH_X86_64");
}

static void
m_arch_null(struct fixture *f)
{
	f->arches[1] = NULL;
}

static void
m_arches_over(struct fixture *f)
{
	f->rep.n_architectures = SECCOMP_LOCAL_MAX_ARCHES + 1;
}

static void
m_flag_unknown(struct fixture *f)
{
	f->flags[0] = UNCONST("SECCOMP_FILTER_FLAG_NEW_LISTENER");
}

static void
m_action_notify(struct fixture *f)
{
	f->rule.action = 9;
}

/* Names only other architectures have: a profile that lists the architecture may use them. */
static void
m_socketcall_listed(struct fixture *f)
{
	f->names[1] = UNCONST("socketcall");
}

static void
m_socketcall_unlisted(struct fixture *f)
{
	f->names[1] = UNCONST("socketcall");
	f->rep.n_architectures = 1; /* x86_64 only */
}

static void
test_reply_hostile(void **state)
{
	(void)state;
	static const struct hostile_case cases[] = {
	    {"valid", m_none, NULL},
	    {"default UNSPECIFIED", m_default_unspec, "unknown action"},
	    {"default action 9", m_default_9, "unknown action"},
	    {"errno on default ALLOW", m_default_errno_allow, "errnoRet on an action"},
	    {"errno 4096", m_errno_4096, "errnoRet out of"},
	    {"errno on ALLOW", m_errno_on_allow, "errnoRet on an action"},
	    {"arg index 6", m_index_6, "bad argument"},
	    {"op UNSPECIFIED", m_op_0, "bad argument"},
	    {"op 8", m_op_8, "bad argument"},
	    {"value over INT64_MAX", m_value_big, "bad argument"},
	    {"valueTwo over INT64_MAX", m_value2_big, "bad argument"},
	    {"7 args", m_args_7, "too many args"},
	    {"NULL arg", m_arg_null, "bad argument"},
	    {"unknown syscall", m_unknown_name, "unknown syscall name \"no_such_syscall\""},
	    {"upper-case name", m_upper_name, "bad syscall name"},
	    {"empty name", m_empty_name, "bad syscall name"},
	    {"NULL name", m_null_name, "bad syscall name"},
	    {"newline in name", m_ctl_name, "bad syscall name"},
	    {"65-byte name", m_long_name, "bad syscall name"},
	    {"no names", m_no_names, "without names"},
	    {"names over the cap", m_names_over, "too many"},
	    {"rules over the cap", m_rules_over, "too many syscalls"},
	    {"NULL rule", m_rule_null, "without names"},
	    {"unknown arch", m_arch_unknown, "architecture"},
	    {"repeated arch", m_arch_dup, "architecture"},
	    {"NULL arch", m_arch_null, "architecture"},
	    {"arches over the cap", m_arches_over, "too many architectures"},
	    {"unknown flag", m_flag_unknown, "flag"},
	    {"action past LOG", m_action_notify, "unknown action"},
	    {"socketcall with x86 listed", m_socketcall_listed, NULL},
	    {"socketcall on x86_64 alone", m_socketcall_unlisted, "unknown syscall name"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fixture f;
		fixture_init(&f);
		cases[i].mutate(&f);
		struct seccomp_reply_profile *p = NULL;
		char err[256] = "";
		int r = seccomp_reply_validate(&f.rep, &p, err, sizeof(err));
		if (!cases[i].msg) {
			if (r != 0)
				fail_msg("%s: refused: %s", cases[i].what, err);
			assert_int_equal(p->n_rules, 1);
			assert_string_equal(p->rules[0].action, "SCMP_ACT_ERRNO");
			assert_string_equal(p->default_action, "SCMP_ACT_ALLOW");
			(void)seccomp_reply_free(p);
			continue;
		}
		if (r != -EPROTO || !strstr(err, cases[i].msg))
			fail_msg("%s: rc %d '%s', want -EPROTO '%s'", cases[i].what, r, err,
				 cases[i].msg);
		assert_null(p);
	}
}

/* ---- the real helper, and the daemon's file loading ------------------------------------------ */

static struct helper_ctx
ctx(void)
{
	return (struct helper_ctx){.dir = helper_dir, .timeout_ms = 10000, .request_id = 7};
}

struct helper_case {
	const char *doc;
	int rc;
	const char *msg;
};

static void
test_helper(void **state)
{
	(void)state;
	static const struct helper_case cases[] = {
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	     "[\"sethostname\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}",
	     0, NULL},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"SCMP_ACT_KILL\"}",
	     -EINVAL, "duplicate"},
	    {"{\"defaultAction\": ", -EINVAL, "invalid seccomp profile"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
	     "[\"no_such_call\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\"}]}",
	     -EPROTO, "unknown syscall name \"no_such_call\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct helper_ctx h = ctx();
		struct seccomp_reply_profile *p = NULL;
		char err[512] = "";
		int r = seccomp_call_parse(&h, (const uint8_t *)cases[i].doc, strlen(cases[i].doc),
					   &p, err, sizeof(err));
		if (r != cases[i].rc || (cases[i].msg && !strstr(err, cases[i].msg)))
			fail_msg("case %zu: rc %d '%s'", i, r, err);
		if (r == 0) {
			assert_int_equal(p->n_rules, 1);
			assert_string_equal(p->rules[0].names[0], "sethostname");
			assert_int_equal(p->rules[0].errno_ret, 1);
		}
		(void)seccomp_reply_free(p);
	}
}

static char tmp_root[PATH_MAX];

static void
write_file(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];
	(void)snprintf(p, sizeof(p), "%s/%s", tmp_root, rel);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static Runtime__V1__SecurityProfile prof;
static Runtime__V1__LinuxContainerSecurityContext sc;

static int
load(const char *root, const char *path, bool privileged, struct seccomp_reply_profile **ret,
     char *err, size_t errsz)
{
	runtime__v1__security_profile__init(&prof);
	runtime__v1__linux_container_security_context__init(&sc);
	prof.profile_type = RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__Localhost;
	prof.localhost_ref = UNCONST(path);
	sc.seccomp = &prof;
	sc.privileged = privileged;
	struct helper_ctx h = ctx();
	return ctr_seccomp_load(&h, root, &sc, ret, err, errsz);
}

struct load_case {
	const char *root; /* "R": tmp_root/root */
	const char *rel;  /* under tmp_root ("" for an absolute path given in abs) */
	const char *abs;
	bool privileged;
	int rc;
	const char *msg;
};

static void
test_load(void **state)
{
	(void)state;
	char p[PATH_MAX + 128], q[PATH_MAX + 128], root[PATH_MAX + 64];
	(void)snprintf(root, sizeof(root), "%s/root", tmp_root);
	assert_int_equal(mkdir(root, 0700), 0);
	(void)snprintf(p, sizeof(p), "%s/sub", root);
	assert_int_equal(mkdir(p, 0700), 0);
	write_file("root/ok.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	write_file("outside.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	write_file("root/dup.json",
		   "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"x\"}");
	(void)snprintf(p, sizeof(p), "%s/outside.json", tmp_root);
	(void)snprintf(q, sizeof(q), "%s/escape.json", root);
	assert_int_equal(symlink(p, q), 0); /* absolute symlink out of the root */
	(void)snprintf(q, sizeof(q), "%s/sub/up.json", root);
	assert_int_equal(symlink("../../outside.json", q), 0); /* relative, out of the root */
	(void)snprintf(q, sizeof(q), "%s/sub/in.json", root);
	assert_int_equal(symlink("../ok.json", q), 0); /* relative, stays inside */
	(void)snprintf(q, sizeof(q), "%s/fifo.json", root);
	assert_int_equal(mkfifo(q, 0600), 0);
	(void)snprintf(q, sizeof(q), "%s/huge.json", root);
	int fd = open(q, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100 << 20), 0); /* 100 MiB, sparse */
	(void)close(fd);
	const struct load_case cases[] = {
	    {"R", "root/ok.json", NULL, false, 0, NULL},
	    {"R", "root/sub/in.json", NULL, false, 0, NULL},
	    {"", "outside.json", NULL, false, 0, NULL},
	    {"R", "root/ok.json", NULL, true, 0, NULL}, /* privileged: not even read */
	    {"R", "root/missing.json", NULL, true, 0, NULL},
	    {"R", "outside.json", NULL, false, -EINVAL, "must lie beneath"},
	    {"R", "root/../outside.json", NULL, false, -EINVAL, "'..' component"},
	    {"R", "root/escape.json", NULL, false, -EINVAL, "resolves outside"},
	    {"R", "root/sub/up.json", NULL, false, -EINVAL, "resolves outside"},
	    {"R", "root/fifo.json", NULL, false, -EINVAL, "not a regular file"},
	    {"R", "root/sub", NULL, false, -EINVAL, "not a regular file"},
	    {"R", "root/huge.json", NULL, false, -EINVAL, "larger than the limit"},
	    {"R", "root/missing.json", NULL, false, -EINVAL, "No such file"},
	    {"R", "root/dup.json", NULL, false, -EINVAL, "duplicate"},
	    {"", NULL, "relative/path.json", false, -EINVAL, "must be absolute"},
	    {"", NULL, "", false, -EINVAL, "must be 1..4096 bytes"},
	    {"", NULL, "/proc/self/fd/0", false, -EINVAL, "seccomp profile \"/proc/self/fd/0\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct load_case *c = &cases[i];
		if (c->rel)
			(void)snprintf(p, sizeof(p), "%s/%s", tmp_root, c->rel);
		else
			(void)snprintf(p, sizeof(p), "%s", c->abs);
		struct seccomp_reply_profile *sp = NULL;
		char err[1024] = "";
		int r = load(c->root[0] ? root : "", p, c->privileged, &sp, err, sizeof(err));
		if (r != c->rc || (c->msg && !strstr(err, c->msg)))
			fail_msg("case %zu (%s): rc %d '%s'", i, p, r, err);
		if (r == 0 && !c->privileged)
			assert_non_null(sp);
		if (c->privileged)
			assert_null(sp);
		if (r < 0) /* the message names the path */
			assert_non_null(strstr(err, c->rel ? c->rel : c->abs));
		(void)seccomp_reply_free(sp);
	}
}

/* The deprecated field: "localhost/<path>"; other kinds load nothing. */
static void
test_load_deprecated(void **state)
{
	(void)state;
	char p[PATH_MAX + 64];
	(void)snprintf(p, sizeof(p), "localhost/%s/root/ok.json", tmp_root);
	runtime__v1__linux_container_security_context__init(&sc);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	sc.seccomp_profile_path = p;
#pragma GCC diagnostic pop
	struct helper_ctx h = ctx();
	struct seccomp_reply_profile *sp = NULL;
	char err[512] = "";
	assert_int_equal(ctr_seccomp_load(&h, "", &sc, &sp, err, sizeof(err)), 0);
	assert_non_null(sp);
	sp = seccomp_reply_free(sp);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	sc.seccomp_profile_path = UNCONST("runtime/default");
#pragma GCC diagnostic pop
	assert_int_equal(ctr_seccomp_load(&h, "", &sc, &sp, err, sizeof(err)), 0);
	assert_null(sp);
	runtime__v1__security_profile__init(&prof);
	prof.profile_type = RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__RuntimeDefault;
	prof.localhost_ref = p;
	sc.seccomp = &prof; /* the typed field wins over the deprecated one */
	assert_int_equal(ctr_seccomp_load(&h, "", &sc, &sp, err, sizeof(err)), 0);
	assert_null(sp);
}

static int
setup(void **state)
{
	(void)state;
	const char *env = getenv("CRISP_HELPER_DIR");
	if (env && env[0] == '/') {
		(void)snprintf(helper_dir, sizeof(helper_dir), "%s", env);
	} else {
		/* <B>/tests/test_seccomp_local -> <B> */
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			return -1;
		exe[n] = '\0';
		(void)snprintf(helper_dir, sizeof(helper_dir), "%s", dirname(dirname(exe)));
	}
	(void)snprintf(tmp_root, sizeof(tmp_root), "/tmp/crisp-seccomp-XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int
rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmp_root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_valid),    cmocka_unit_test(test_golden_invalid),
	    cmocka_unit_test(test_limits),          cmocka_unit_test(test_reply_hostile),
	    cmocka_unit_test(test_helper),          cmocka_unit_test(test_load),
	    cmocka_unit_test(test_load_deprecated),
	};
	return cmocka_run_group_tests_name("seccomp_local", tests, setup, teardown);
}
