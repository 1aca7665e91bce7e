/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for parsers/image_config.c: golden files under tests/data/image_config/,
 * generated over-limit documents, ports and stop signals.
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
#include "parsers/image_config.h"
#include "tests/unit/parsers_golden.h"

#define DATA     "tests/data/image_config"
#define DIGEST_A "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"

static const char *
s_or_null(const char *s)
{
	return s ? s : "(null)";
}

static void
dump_list(struct text *t, const char *what, const struct str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		text_printf(t, "%s[%zu]=%s\n", what, i, l->v[i]);
}

static void
dump_config(struct text *t, const struct image_config *c)
{
	const struct image_exec_config *x = &c->config;
	text_printf(t, "platform=%s/%s/%s os.version=%s os.features=%zu\n", c->os, c->architecture,
		    s_or_null(c->variant), s_or_null(c->os_version), c->os_features.n);
	text_printf(t, "created=%s author=%s\n", s_or_null(c->created), s_or_null(c->author));
	text_printf(t, "user=%s workdir=%s stop=%s (%d) args_escaped=%d\n", s_or_null(x->user),
		    s_or_null(x->working_dir), s_or_null(x->stop_signal_str), x->stop_signal,
		    x->args_escaped);
	dump_list(t, "env", &x->env);
	dump_list(t, "entrypoint", &x->entrypoint);
	dump_list(t, "cmd", &x->cmd);
	dump_list(t, "port", &x->exposed_ports);
	dump_list(t, "volume", &x->volumes);
	for (size_t i = 0; i < x->labels.n; i++)
		text_printf(t, "label %s=%s\n", x->labels.v[i].key, x->labels.v[i].value);
	text_printf(t, "rootfs=%s\n", c->rootfs_type);
	dump_list(t, "diff_id", &c->diff_ids);
	for (size_t i = 0; i < c->n_history; i++)
		text_printf(t, "history[%zu] created=%s by=%s empty=%d\n", i,
			    s_or_null(c->history[i].created), s_or_null(c->history[i].created_by),
			    c->history[i].empty_layer);
}

static int
run_config(const char *name, const uint8_t *buf, size_t len, struct text *out,
	   struct parse_error *err)
{
	(void)name;
	struct image_config *c = NULL;
	int r = image_config_parse(buf, len, NULL, &c, err);
	if (r < 0)
		return r;
	dump_config(out, c);
	(void)image_config_free(c);
	return 0;
}

static void
test_golden_valid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/valid", true, run_config) >= 5);
}

static void
test_golden_invalid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/invalid", false, run_config) >= 39);
}

/* A config with n entries in one list: what = "diff_ids", "env", "history", ... */
static char *
gen_list(const char *what, size_t n)
{
	struct text t = {0};
	bool diff = strcmp(what, "diff_ids") == 0;
	bool hist = strcmp(what, "history") == 0;
	text_printf(&t, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			"\"layers\",\"diff_ids\":[");
	for (size_t i = 0; diff && i < n; i++)
		text_printf(&t, "%s\"%s\"", i ? "," : "", DIGEST_A);
	text_printf(&t, "]}");
	if (hist) {
		text_printf(&t, ",\"history\":[");
		for (size_t i = 0; i < n; i++)
			text_printf(&t, "%s{}", i ? "," : "");
		text_printf(&t, "]");
	} else if (!diff) {
		text_printf(&t, ",\"config\":{\"%s\":[", what);
		for (size_t i = 0; i < n; i++)
			text_printf(&t, "%s\"A%zu=1\"", i ? "," : "", i);
		text_printf(&t, "]}");
	}
	text_printf(&t, "}");
	return t.s;
}

static void
test_generated_counts(void **state)
{
	static const struct {
		const char *what;
		size_t n;
		int want;
		const char *path;
	} cases[] = {
	    {"diff_ids", IMAGE_CONFIG_MAX_DIFF_IDS, 0, ""},
	    {"diff_ids", IMAGE_CONFIG_MAX_DIFF_IDS + 1, -E2BIG, "$.rootfs.diff_ids"},
	    {"diff_ids", 100000, -E2BIG, ""},
	    {"history", IMAGE_CONFIG_MAX_HISTORY, 0, ""},
	    {"history", IMAGE_CONFIG_MAX_HISTORY + 1, -E2BIG, "$.history"},
	    {"Env", IMAGE_CONFIG_MAX_ENV, 0, ""},
	    {"Env", IMAGE_CONFIG_MAX_ENV + 1, -E2BIG, "$.config.Env"},
	    {"Cmd", IMAGE_CONFIG_MAX_ARGS + 1, -E2BIG, "$.config.Cmd"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *doc = gen_list(cases[i].what, cases[i].n);
		struct image_config *c = NULL;
		struct parse_error err = {0};
		int r = image_config_parse((const uint8_t *)doc, strlen(doc), NULL, &c, &err);
		print_message("case %s x %zu: r=%d %s %s\n", cases[i].what, cases[i].n, r, err.path,
			      err.message);
		assert_int_equal(r, cases[i].want);
		if (r < 0) {
			assert_int_equal(err.code, PARSE_ERR_LIMIT);
			assert_string_equal(err.path, cases[i].path);
		}
		(void)image_config_free(c);
		free(doc);
	}
}

static void
test_long_strings(void **state)
{
	static const struct {
		const char *prefix, *suffix;
		size_t n;
		int want;
	} cases[] = {
	    {"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	     "\"diff_ids\":[]},\"config\":{\"Env\":[\"A=",
	     "\"]}}", IMAGE_CONFIG_MAX_ARG_LEN - 2, 0},
	    {"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	     "\"diff_ids\":[]},\"config\":{\"Env\":[\"A=",
	     "\"]}}", IMAGE_CONFIG_MAX_ARG_LEN - 1, -E2BIG},
	    {"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	     "\"diff_ids\":[]},\"config\":{\"WorkingDir\":\"/",
	     "\"}}", IMAGE_PATH_MAX, -E2BIG},
	    {"{\"architecture\":\"",
	     "\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	     "\"diff_ids\":[]}}",
	     PLATFORM_MAX_FIELD_LEN + 1, -E2BIG},
	    {"{\"architecture\":\"amd64\",\"os\":\"linux\",\"x\":\"", "\"}", IMAGE_CONFIG_MAX_SIZE,
	     -E2BIG},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct text t = {0};
		char *fill = malloc(cases[i].n + 1);
		struct image_config *c = NULL;
		struct parse_error err = {0};
		int r;
		assert_non_null(fill);
		memset(fill, 'a', cases[i].n);
		fill[cases[i].n] = '\0';
		text_printf(&t, "%s%s%s", cases[i].prefix, fill, cases[i].suffix);
		r = image_config_parse((const uint8_t *)t.s, t.len, NULL, &c, &err);
		print_message("case %zu: r=%d %s %s\n", i, r, err.path, err.message);
		assert_int_equal(r, cases[i].want);
		(void)image_config_free(c);
		free(fill);
		text_done(&t);
	}
}

static void
test_signals(void **state)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
	    {"SIGTERM", 15},
	    {"TERM", 15},
	    {"sigterm", 15},
	    {"15", 15},
	    {"SIGKILL", 9},
	    {"SIGQUIT", 3},
	    {"SIGWINCH", 28},
	    {"SIGRTMIN", 34},
	    {"RTMIN+3", 37},
	    {"SIGRTMAX", 64},
	    {"SIGRTMAX-2", 62},
	    {"64", 64},
	    {"1", 1},
	    {"0", -EINVAL},
	    {"65", -EINVAL},
	    {"-9", -EINVAL},
	    {"", -EINVAL},
	    {"SIG", -EINVAL},
	    {"SIGRTMIN+31", -EINVAL},
	    {"SIGRTMIN-1", -EINVAL},
	    {"SIGRTMAX+1", -EINVAL},
	    {"SIGTERM ", -EINVAL},
	    {"99999999999999999999999", -EINVAL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = image_config_signal(cases[i].s, strlen(cases[i].s));
		print_message("signal %s -> %d\n", cases[i].s, r);
		assert_int_equal(r, cases[i].want);
	}
}

static void
test_ports(void **state)
{
	static const struct {
		const char *s;
		int want;
		uint16_t port;
		enum port_protocol proto;
	} cases[] = {
	    {"80/tcp", 0, 80, PORT_PROTOCOL_TCP},
	    {"53/udp", 0, 53, PORT_PROTOCOL_UDP},
	    {"1/sctp", 0, 1, PORT_PROTOCOL_SCTP},
	    {"65535/tcp", 0, 65535, PORT_PROTOCOL_TCP},
	    {"65536/tcp", -EINVAL, 0, 0},
	    {"0/tcp", -EINVAL, 0, 0},
	    {"80", -EINVAL, 0, 0},
	    {"80/TCP", -EINVAL, 0, 0},
	    {"/tcp", -EINVAL, 0, 0},
	    {"8o/tcp", -EINVAL, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t port = 0;
		enum port_protocol proto = PORT_PROTOCOL_COUNT;
		int r = image_config_port(cases[i].s, &port, &proto);
		assert_int_equal(r, cases[i].want);
		if (r == 0) {
			assert_int_equal(port, cases[i].port);
			assert_int_equal(proto, cases[i].proto);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_valid),     cmocka_unit_test(test_golden_invalid),
	    cmocka_unit_test(test_generated_counts), cmocka_unit_test(test_long_strings),
	    cmocka_unit_test(test_signals),          cmocka_unit_test(test_ports),
	};
	return cmocka_run_group_tests_name("image_config", tests, NULL, NULL);
}
