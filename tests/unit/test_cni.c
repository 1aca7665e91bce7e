/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for parsers/cni.c: network configuration files and plugin results, valid and
 * hostile, and the daemon's re-validation of crisp-helper-cni replies (daemon/replies/cni_reply.c).
 * runs in: test. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <string.h>

#include "daemon/replies/cni_reply.h"
#include "parsers/base/macro.h"
#include "parsers/cni.h"

struct conf_case {
	const char *name;
	const char *doc;
	int ok;
	size_t plugins;
	const char *want; /* substring of the first plugin conf, or of the error message */
};

static const struct conf_case conf_cases[] = {
    {"conflist",
     "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"bridge\"},"
     "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}",
     1, 2, "\"name\":\"n\""},
    {"single conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"s\",\"type\":\"bridge\"}", 1, 1,
     "\"type\":\"bridge\""},
    {"duplicate key", "{\"cniVersion\":\"1.0.0\",\"name\":\"a\",\"name\":\"b\",\"type\":\"x\"}", 0,
     0, ""},
    {"type with slash",
     "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"../sh\"}]}", 0, 0, "type"},
    {"type dotdot", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"..\"}", 0, 0, "type"},
    {"no plugins", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[]}", 0, 0, "plugins"},
    {"17 plugins",
     "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"a\"},{\"type\":\"a\"},"
     "{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},"
     "{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},"
     "{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"},{\"type\":\"a\"}]}",
     0, 0, "plugins"},
    {"missing version", "{\"name\":\"n\",\"type\":\"bridge\"}", 0, 0, "cniVersion"},
    {"bad version", "{\"cniVersion\":\"1.0.0; rm\",\"name\":\"n\",\"type\":\"b\"}", 0, 0,
     "cniVersion"},
    {"name with newline", "{\"cniVersion\":\"1.0.0\",\"name\":\"a\\nb\",\"type\":\"b\"}", 0, 0,
     "name"},
    {"not an object", "[1,2]", 0, 0, ""},
    {"trailing bytes", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"b\"} {}", 0, 0, ""},
    {"NUL escape", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\\u0000\",\"type\":\"b\"}", 0, 0, ""},
};

static void
test_conf(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(conf_cases); i++) {
		const struct conf_case *c = &conf_cases[i];
		struct cni_conf *out = NULL;
		struct parse_error e = {0};
		int r = cni_conf_parse((const uint8_t *)c->doc, strlen(c->doc), &out, &e);
		if ((r == 0) != c->ok)
			fail_msg("%s: got %d (%s)", c->name, r, e.message);
		if (r == 0) {
			assert_int_equal(out->n_plugins, c->plugins);
			if (!strstr(out->plugins[0].conf, c->want))
				fail_msg("%s: conf %s lacks %s", c->name, out->plugins[0].conf,
					 c->want);
			cni_conf_free(out);
		} else if (!strstr(e.message, c->want) && !strstr(e.path, c->want)) {
			fail_msg("%s: error '%s' at '%s' lacks '%s'", c->name, e.message, e.path,
				 c->want);
		}
	}
}

static void
test_conf_injects_name_and_caps(void **state)
{
	(void)state;
	const char *doc = "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"a\","
			  "\"name\":\"other\"},{\"type\":\"portmap\",\"capabilities\":{"
			  "\"portMappings\":true}}]}";
	struct cni_conf *c = NULL;
	assert_int_equal(cni_conf_parse((const uint8_t *)doc, strlen(doc), &c, NULL), 0);
	assert_string_equal(c->name, "net");
	assert_non_null(strstr(c->plugins[0].conf, "\"name\":\"net\""));
	assert_null(strstr(c->plugins[0].conf, "other"));
	assert_false(c->plugins[0].port_mappings);
	assert_true(c->plugins[1].port_mappings);
	cni_conf_free(c);
}

struct res_case {
	const char *name;
	const char *doc;
	int ok;
	int is_error;
	size_t n_ips;
	const char *ip0;
};

static const struct res_case res_cases[] = {
    {"v1 result", "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.88.0.2/16\"}]}", 1, 0, 1,
     "10.88.0.2"},
    {"dual stack",
     "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.2/24\"},{\"address\":"
     "\"FD00:0::5/64\"}]}",
     1, 0, 2, "10.1.0.2"},
    {"no ips", "{\"cniVersion\":\"1.0.0\"}", 1, 0, 0, NULL},
    {"error object", "{\"code\":11,\"msg\":\"no IP addresses available\"}", 1, 1, 0, NULL},
    {"bad ip", "{\"ips\":[{\"address\":\"10.0.0.256/8\"}]}", 0, 0, 0, NULL},
    {"bad prefix", "{\"ips\":[{\"address\":\"10.0.0.1/129\"}]}", 0, 0, 0, NULL},
    {"ip not string", "{\"ips\":[{\"address\":7}]}", 0, 0, 0, NULL},
    {"negative code", "{\"code\":-1,\"msg\":\"x\"}", 0, 0, 0, NULL},
    {"huge code", "{\"code\":99999999999,\"msg\":\"x\"}", 0, 0, 0, NULL},
    {"garbage", "Error: something went wrong", 0, 0, 0, NULL},
};

static void
test_result(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(res_cases); i++) {
		const struct res_case *c = &res_cases[i];
		struct cni_res *r = NULL;
		struct parse_error e = {0};
		int rc = cni_result_parse((const uint8_t *)c->doc, strlen(c->doc), &r, &e);
		if ((rc == 0) != c->ok)
			fail_msg("%s: got %d (%s)", c->name, rc, e.message);
		if (rc != 0)
			continue;
		assert_int_equal(r->is_error, c->is_error);
		assert_int_equal(r->n_ips, c->n_ips);
		if (c->ip0)
			assert_string_equal(r->ips[0], c->ip0);
		if (c->n_ips == 2)
			assert_string_equal(r->ips[1], "fd00::5"); /* canonical form */
		cni_res_free(r);
	}
}

static void
test_error_msg_sanitized(void **state)
{
	(void)state;
	const char *doc = "{\"code\":1,\"msg\":\"a\\nb\\u001b[31m\"}";
	struct cni_res *r = NULL;
	assert_int_equal(cni_result_parse((const uint8_t *)doc, strlen(doc), &r, NULL), 0);
	assert_string_equal(r->error_msg, "a?b?[31m");
	cni_res_free(r);
}

/* The daemon's re-validation refuses what a compromised helper could send. */
static void
test_reply_validation(void **state)
{
	(void)state;
	Crisp__Helper__CniConfReply__Plugin p;
	crisp__helper__cni_conf_reply__plugin__init(&p);
	Crisp__Helper__CniConfReply__Plugin *pp = &p;
	Crisp__Helper__CniConfReply c;
	crisp__helper__cni_conf_reply__init(&c);
	c.name = UNCONST("net");
	c.cni_version = UNCONST("1.0.0");
	c.n_plugins = 1;
	c.plugins = &pp;

	static const struct {
		const char *type, *conf;
		int ok;
	} cases[] = {
	    {"bridge", "{\"a\":1}", 1}, {"../bin/sh", "{}", 0},          {"..", "{}", 0},
	    {"bridge", "not json", 0},  {"bridge", "{\"a\":\"\n\"}", 0}, {"", "{}", 0},
	    {"bridge", "}{", 0},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		p.type = UNCONST(cases[i].type);
		p.conf = UNCONST(cases[i].conf);
		struct cni_netconf *n = NULL;
		int r = cni_reply_validate_netconf(&c, &n);
		if ((r == 0) != cases[i].ok)
			fail_msg("case %zu: got %d", i, r);
		cni_netconf_free(n);
	}
	Crisp__Helper__CniResultReply res;
	crisp__helper__cni_result_reply__init(&res);
	char *ips[] = {UNCONST("10.0.0.1"), UNCONST("10.0.0.1; rm -rf /")};
	res.json = UNCONST("{}");
	res.n_ips = 1;
	res.ips = ips;
	struct cni_result *out = NULL;
	assert_int_equal(cni_reply_validate_result(&res, &out), 0);
	cni_result_free(out);
	res.n_ips = 2;
	assert_int_equal(cni_reply_validate_result(&res, &out), -EPROTO);
	res.n_ips = 1;
	res.error_msg = UNCONST("bad\x1b[0m");
	assert_int_equal(cni_reply_validate_result(&res, &out), -EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conf),
	    cmocka_unit_test(test_conf_injects_name_and_caps),
	    cmocka_unit_test(test_result),
	    cmocka_unit_test(test_error_msg_sanitized),
	    cmocka_unit_test(test_reply_validation),
	};
	return cmocka_run_group_tests_name("cni", tests, NULL, NULL);
}
