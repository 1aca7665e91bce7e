/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for parsers/passwd.c: golden /etc/passwd and /etc/group files under
 * tests/data/passwd/, USER resolution (numeric vs named, ranges, missing entries,
 * supplementary groups), and generated over-limit files.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/passwd.h"
#include "tests/unit/parsers_golden.h"

#define DATA "tests/data/passwd"

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void
dump_group(struct text *t, const struct group_file *g)
{
	for (size_t i = 0; i < g->n; i++) {
		text_printf(t, "group %s gid=%u members=%zu:", g->v[i].name, g->v[i].gid,
			    g->v[i].n_members);
		for (size_t k = 0; k < g->v[i].n_members; k++)
			text_printf(t, " %s", g->v[i].members[k]);
		text_printf(t, "\n");
	}
}

/* *.group files are group files, everything else passwd files. */
static int
run_file(const char *name, const uint8_t *buf, size_t len, struct text *out,
	 struct parse_error *err)
{
	if (has_suffix(name, ".group")) {
		struct group_file *g = NULL;
		int r = passwd_group_parse(buf, len, NULL, &g, err);
		if (r < 0)
			return r;
		dump_group(out, g);
		(void)passwd_group_free(g);
		return 0;
	}
	struct passwd_file *p = NULL;
	int r = passwd_parse(buf, len, NULL, &p, err);
	if (r < 0)
		return r;
	text_printf(out, "entries=%zu\n", p->n);
	for (size_t i = 0; i < p->n; i++)
		text_printf(out, "user %s uid=%u gid=%u home=%s shell=%s\n", p->v[i].name,
			    p->v[i].uid, p->v[i].gid, p->v[i].home, p->v[i].shell);
	(void)passwd_free(p);
	return 0;
}

static void
test_golden_valid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/valid", true, run_file) >= 11);
}

static void
test_golden_invalid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/invalid", false, run_file) >= 23);
}

static struct passwd_file *
load_passwd(const char *name)
{
	char path[256];
	size_t len = 0;
	struct passwd_file *p = NULL;
	uint8_t *buf;
	(void)snprintf(path, sizeof(path), DATA "/valid/%s", name);
	buf = golden_read(path, &len);
	assert_non_null(buf);
	assert_int_equal(passwd_parse(buf, len, NULL, &p, NULL), 0);
	free(buf);
	return p;
}

static struct group_file *
load_group(const char *name)
{
	char path[256];
	size_t len = 0;
	struct group_file *g = NULL;
	uint8_t *buf;
	(void)snprintf(path, sizeof(path), DATA "/valid/%s", name);
	buf = golden_read(path, &len);
	assert_non_null(buf);
	assert_int_equal(passwd_group_parse(buf, len, NULL, &g, NULL), 0);
	free(buf);
	return g;
}

struct resolve_case {
	const char *spec;
	size_t spec_len; /* 0: strlen(spec) */
	bool no_passwd, no_group;
	int want;
	uint32_t uid, gid;
	const char *name, *home;
	const char *sgids; /* "4,29,100" */
};

static void
check_resolve(const struct resolve_case *c, const struct passwd_file *pw,
	      const struct group_file *gr)
{
	struct passwd_user *u = (struct passwd_user *)(uintptr_t)0x1;
	struct parse_error err = {0};
	size_t len = c->spec_len ? c->spec_len : strlen(c->spec);
	struct text sg = {0};
	int r = passwd_resolve(c->spec, len, c->no_passwd ? NULL : pw, c->no_group ? NULL : gr, &u,
			       &err);
	print_message("resolve \"%s\": r=%d %s\n", c->spec, r, r < 0 ? err.message : "");
	assert_int_equal(r, c->want);
	if (r < 0) {
		assert_ptr_equal(u, (struct passwd_user *)(uintptr_t)0x1);
		return;
	}
	assert_int_equal(u->uid, c->uid);
	assert_int_equal(u->gid, c->gid);
	if (c->name)
		assert_string_equal(u->name, c->name);
	else
		assert_null(u->name);
	assert_string_equal(u->home, c->home);
	for (size_t i = 0; i < u->n_sgids; i++)
		text_printf(&sg, "%s%u", i ? "," : "", u->sgids[i]);
	assert_string_equal(sg.s ? sg.s : "", c->sgids);
	text_done(&sg);
	(void)passwd_user_free(u);
}

static void
test_resolve(void **state)
{
	static const struct resolve_case cases[] = {
	    {"", 0, false, false, 0, 0, 0, "root", "/root", ""},
	    {"root", 0, false, false, 0, 0, 0, "root", "/root", ""},
	    {"0", 0, false, false, 0, 0, 0, "root", "/root", ""},
	    {"0:0", 0, false, false, 0, 0, 0, "root", "/root", ""},
	    {"app", 0, false, false, 0, 1000, 1000, "app", "/home/app", "4,29,100"},
	    {"1000", 0, false, false, 0, 1000, 1000, "app", "/home/app", "4,29,100"},
	    {"app:www-data", 0, false, false, 0, 1000, 33, "app", "/home/app", ""},
	    {"app:33", 0, false, false, 0, 1000, 33, "app", "/home/app", ""},
	    /* all digits is always an id: not the group named "2000" (gid 0) */
	    {"app:2000", 0, false, false, 0, 1000, 2000, "app", "/home/app", ""},
	    /* not the user named "1001" (uid 0) */
	    {"1001", 0, false, false, 0, 1001, 0, NULL, "/", ""},
	    {"4242", 0, false, false, 0, 4242, 0, NULL, "/", ""},
	    {"4242:4242", 0, false, false, 0, 4242, 4242, NULL, "/", ""},
	    {"4294967294", 0, false, false, 0, 4294967294u, 4294967294u, "maxuser", "/home/max",
	     ""},
	    {"nobody", 0, false, false, 0, 65534, 65534, "nobody", "/nonexistent", ""},
	    {"www-data:nogroup", 0, false, false, 0, 33, 65534, "www-data", "/var/www", ""},
	    {"4294967295", 0, false, false, -ERANGE, 0, 0, NULL, NULL, NULL},
	    {"99999999999", 0, false, false, -ERANGE, 0, 0, NULL, NULL, NULL},
	    {"18446744073709551616", 0, false, false, -ERANGE, 0, 0, NULL, NULL, NULL},
	    {"app:4294967295", 0, false, false, -ERANGE, 0, 0, NULL, NULL, NULL},
	    {"0:99999999999", 0, false, false, -ERANGE, 0, 0, NULL, NULL, NULL},
	    {"-1", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {"+1", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {"app:-1", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {"0x0", 0, false, false, -ENOENT, 0, 0, NULL, NULL, NULL},
	    {" 0", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {"root\n", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {"ro\0ot", 5, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {"nosuchuser", 0, false, false, -ENOENT, 0, 0, NULL, NULL, NULL},
	    {"app:nosuchgroup", 0, false, false, -ENOENT, 0, 0, NULL, NULL, NULL},
	    {"app:", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {":0", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {":", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    {"app:adm:x", 0, false, false, -EINVAL, 0, 0, NULL, NULL, NULL},
	    /* no /etc/passwd or /etc/group in the image */
	    {"app", 0, true, false, -ENOENT, 0, 0, NULL, NULL, NULL},
	    {"1000", 0, true, false, 0, 1000, 0, NULL, "/", ""},
	    {"", 0, true, true, 0, 0, 0, NULL, "/", ""},
	    {"app", 0, false, true, 0, 1000, 1000, "app", "/home/app", ""},
	    {"app:adm", 0, false, true, -ENOENT, 0, 0, NULL, NULL, NULL},
	    {"app:4", 0, false, true, 0, 1000, 4, "app", "/home/app", ""},
	};
	struct passwd_file *pw = load_passwd("debian.passwd");
	struct group_file *gr = load_group("debian.group");
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_resolve(&cases[i], pw, gr);
	(void)passwd_free(pw);
	(void)passwd_group_free(gr);
}

static void
test_resolve_alpine(void **state)
{
	static const struct resolve_case cases[] = {
	    {"root", 0, false, false, 0, 0, 0, "root", "/root", "0,1,2,3,4,6,10"},
	    {"daemon", 0, false, false, 0, 2, 2, "daemon", "/sbin", "1,2,4"},
	    {"adm", 0, false, false, 0, 3, 4, "adm", "/var/adm", "3,4,6"},
	    {"nobody:nobody", 0, false, false, 0, 65534, 65534, "nobody", "/", ""},
	};
	struct passwd_file *pw = load_passwd("alpine.passwd");
	struct group_file *gr = load_group("alpine.group");
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_resolve(&cases[i], pw, gr);
	(void)passwd_free(pw);
	(void)passwd_group_free(gr);
}

/* ---- generated files -------------------------------------------------------------------- */

/* One group "big" with n members u0..u(n-2) and "app", then "small" with app. */
static char *
gen_big_group(size_t n)
{
	struct text t = {0};
	text_printf(&t, "big:x:5000:");
	for (size_t i = 0; i + 1 < n; i++)
		text_printf(&t, "u%zu,", i);
	text_printf(&t, "app\nsmall:x:5001:app\n");
	return t.s;
}

static void
test_big_groups(void **state)
{
	static const struct {
		size_t n;
		int want;
	} cases[] = {
	    {1, 0},
	    {5000, 0},
	    {GROUP_MAX_MEMBERS, 0},
	    {GROUP_MAX_MEMBERS + 1, -E2BIG},
	};
	struct passwd_file *pw = load_passwd("debian.passwd");
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *doc = gen_big_group(cases[i].n);
		struct group_file *g = NULL;
		struct passwd_user *u = NULL;
		struct parse_error err = {0};
		int r = passwd_group_parse((const uint8_t *)doc, strlen(doc), NULL, &g, &err);
		print_message("%zu members: r=%d %s\n", cases[i].n, r, err.message);
		assert_int_equal(r, cases[i].want);
		if (r == 0) {
			assert_int_equal(g->v[0].n_members, cases[i].n);
			assert_int_equal(passwd_resolve("app", 3, pw, g, &u, NULL), 0);
			assert_int_equal(u->n_sgids, 2);
			assert_int_equal(u->sgids[0], 5000);
			assert_int_equal(u->sgids[1], 5001);
			(void)passwd_user_free(u);
		} else {
			assert_int_equal(err.code, PARSE_ERR_LIMIT);
		}
		(void)passwd_group_free(g);
		free(doc);
	}
	(void)passwd_free(pw);
}

/* n lines "<prefix><i><suffix>". */
static char *
gen_lines(const char *prefix, const char *suffix, size_t n)
{
	struct text t = {0};
	for (size_t i = 0; i < n; i++)
		text_printf(&t, "%s%zu%s", prefix, i, suffix);
	return t.s;
}

static void
test_file_limits(void **state)
{
	struct {
		const char *name;
		char *doc;
		size_t len;
		bool group;
		int want;
	} cases[] = {
	    {"members in all over limit", gen_lines("g", ":x:1:a,b,c,d,e,f,g,h\n", 8193), 0, true,
	     -E2BIG},
	    {"entries at limit", gen_lines("u", ":x:1:1::/:/bin/sh\n", PASSWD_MAX_ENTRIES), 0,
	     false, 0},
	    {"entries over limit", gen_lines("u", ":x:1:1::/:/bin/sh\n", PASSWD_MAX_ENTRIES + 1), 0,
	     false, -E2BIG},
	    {"group entries over limit", gen_lines("g", ":x:1:\n", PASSWD_MAX_ENTRIES + 1), 0, true,
	     -E2BIG},
	    {"file over limit", NULL, PASSWD_MAX_FILE_SIZE + 1, false, -E2BIG},
	    {"group file over limit", NULL, PASSWD_MAX_FILE_SIZE + 1, true, -E2BIG},
	    {"line over limit", NULL, PASSWD_MAX_LINE_LEN + 1, true, -E2BIG},
	    {"line at limit", NULL, PASSWD_MAX_LINE_LEN, false, -EINVAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parse_error err = {0};
		size_t len;
		int r;
		if (!cases[i].doc) {
			/* One long comment-free line of 'a': over-limit cases fail on size,
			 * the at-limit line on its format. */
			cases[i].doc = malloc(cases[i].len + 1);
			assert_non_null(cases[i].doc);
			memset(cases[i].doc, 'a', cases[i].len);
			cases[i].doc[cases[i].len] = '\0';
		}
		len = strlen(cases[i].doc);
		if (cases[i].group) {
			struct group_file *g = NULL;
			r = passwd_group_parse((const uint8_t *)cases[i].doc, len, NULL, &g, &err);
			(void)passwd_group_free(g);
		} else {
			struct passwd_file *p = NULL;
			r = passwd_parse((const uint8_t *)cases[i].doc, len, NULL, &p, &err);
			(void)passwd_free(p);
		}
		print_message("%s: r=%d %s\n", cases[i].name, r, err.message);
		assert_int_equal(r, cases[i].want);
		if (r == -E2BIG)
			assert_int_equal(err.code, PARSE_ERR_LIMIT);
		free(cases[i].doc);
	}
}

static void
test_skip_malformed(void **state)
{
	static const char doc[] = "root:x:0:0::/root:/bin/sh\n"
				  "evil:x:4294967295:0::/:/bin/sh\n"
				  "evil2:x:-1:0::/:/bin/sh\n"
				  "short:x:1\n"
				  "app:x:1000:1000::/home/app:/bin/sh\n";
	struct passwd_opts skip = {.skip_malformed = true};
	struct passwd_file *p = NULL;
	struct passwd_user *u = NULL;
	struct parse_error err = {0};
	(void)state;
	assert_int_equal(passwd_parse((const uint8_t *)doc, strlen(doc), NULL, &p, &err), -ERANGE);
	assert_int_equal(err.offset, strlen("root:x:0:0::/root:/bin/sh\nevil:x:"));
	assert_null(p);
	assert_int_equal(passwd_parse((const uint8_t *)doc, strlen(doc), &skip, &p, &err), 0);
	assert_int_equal(p->n, 2);
	assert_string_equal(p->v[1].name, "app");
	/* A skipped line's user is not found: never a fallback to uid 0. */
	assert_int_equal(passwd_resolve("evil", 4, p, NULL, &u, &err), -ENOENT);
	assert_int_equal(err.code, PARSE_ERR_NOT_FOUND);
	assert_int_equal(passwd_resolve("evil2", 5, p, NULL, &u, &err), -ENOENT);
	(void)passwd_free(p);
}

static void
test_free_null(void **state)
{
	(void)state;
	assert_null(passwd_free(NULL));
	assert_null(passwd_group_free(NULL));
	assert_null(passwd_user_free(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_valid),   cmocka_unit_test(test_golden_invalid),
	    cmocka_unit_test(test_resolve),        cmocka_unit_test(test_resolve_alpine),
	    cmocka_unit_test(test_big_groups),     cmocka_unit_test(test_file_limits),
	    cmocka_unit_test(test_skip_malformed), cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests_name("passwd", tests, NULL, NULL);
}
