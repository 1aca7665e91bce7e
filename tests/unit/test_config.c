/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/core/config.c: embedded defaults, overrides from INI text, line-numbered
 * errors for bad values, and print -> load round trips.
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

#include "daemon/core/config.h"
#include "parsers/base/macro.h"

static void
test_defaults(void **state)
{
	(void)state;
	struct config *c = config_new_defaults();
	assert_non_null(c);
	assert_string_equal(c->listen, "/run/crisp/crisp.sock");
	assert_string_equal(c->root, "/var/lib/crisp");
	assert_string_equal(c->runroot, "/run/crisp");
	assert_int_equal(c->cgroup_driver, CGROUP_DRIVER_CGROUPFS);
	assert_string_equal(c->default_runtime, "runc");
	assert_non_null(config_find_runtime(c, ""));
	assert_string_equal(config_find_runtime(c, "")->path, "/usr/sbin/runc");
	assert_string_equal(config_find_runtime(c, "crun")->path, "/usr/bin/crun");
	assert_null(config_find_runtime(c, "kata"));
	/* The runtime roots follow the runroot (two crispds never share runc state). */
	assert_null(config_find_runtime(c, "runc")->root);
	free(c->runroot);
	c->runroot = strdup("/run/other");
	assert_int_equal(config_fill_runtime_roots(c), 0);
	assert_string_equal(config_find_runtime(c, "runc")->root, "/run/other/runc");
	assert_string_equal(config_find_runtime(c, "crun")->root, "/run/other/crun");
	assert_int_equal(c->cni_bin_dirs.n, 2);
	assert_string_equal(c->cni_conf_dir, "/etc/cni/net.d");
	char err[256];
	assert_int_equal(config_validate(c, err, sizeof(err)), 0);
	config_free(c);
}

static const char overrides[] = "# comment\n"
				"[crisp]\n"
				"root = /srv/crisp\n"
				"log_level = debug\n"
				"cgroup_driver = systemd\n"
				"\n"
				"[runtime]\n"
				"default = kata\n"
				"[runtime.kata]\n"
				"path = /opt/kata/bin/kata-runtime\n"
				"root = /run/kata\n"
				"[cni]\n"
				"bin_dirs = /a, /b ,/c\n"
				"[registries]\n"
				"insecure = reg.local:5000\n"
				"certs_dir = /srv/certs\n"
				"mirror.docker.io = mirror.example:5000, m2.example\n"
				"[policy]\n"
				"no_new_privileges = always\n"
				"seccomp_unset = unconfined\n"
				"[limits]\n"
				"layer_max_bytes = 2G\n"
				"helper_timeout_seconds = 30\n";

static void
test_overrides(void **state)
{
	(void)state;
	struct config *c = config_new_defaults();
	char err[256] = "";
	int r = config_load_string(c, overrides, "test.conf", err, sizeof(err));
	if (r != 0)
		fail_msg("load: %s", err);
	assert_int_equal(config_validate(c, err, sizeof(err)), 0);
	assert_string_equal(c->root, "/srv/crisp");
	assert_string_equal(c->listen, "/run/crisp/crisp.sock"); /* untouched */
	assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(c->cgroup_driver, CGROUP_DRIVER_SYSTEMD);
	assert_string_equal(config_find_runtime(c, "")->name, "kata");
	assert_string_equal(config_find_runtime(c, "")->root, "/run/kata");
	assert_int_equal(c->cni_bin_dirs.n, 3);
	assert_string_equal(c->cni_bin_dirs.v[1], "/b");
	assert_int_equal(c->insecure.n, 1);
	assert_string_equal(c->certs_dir, "/srv/certs");
	assert_int_equal(c->n_mirrors, 1);
	assert_string_equal(c->mirrors[0].registry, "docker.io");
	assert_int_equal(c->mirrors[0].mirrors.n, 2);
	assert_int_equal(c->layer_max_bytes, 2ull << 30);
	assert_int_equal(c->helper_timeout_s, 30);
	assert_int_equal(c->no_new_privileges, CONFIG_NNP_ALWAYS);
	assert_int_equal(c->seccomp_unset, CONFIG_SECCOMP_UNSET_UNCONFINED);
	config_free(c);
}

struct bad_case {
	const char *text;
	const char *want; /* substring of the error, incl. the line number */
};

static const struct bad_case bad_cases[] = {
    {"[crisp]\nlog_level = loud\n", "test.conf:2: [crisp] log_level: \"loud\" is not one of"},
    {"[crisp]\nroot = relative/dir\n", "test.conf:2: [crisp] root: not an absolute path"},
    {"[crisp]\nroot = /a/../etc\n", "test.conf:2: [crisp] root: not an absolute path"},
    {"[crisp]\ncgroup_driver = cgroupv3\n", ":2: [crisp] cgroup_driver"},
    {"[policy]\nno_new_privileges = never\n", ":2: [policy] no_new_privileges: \"never\" is not"},
    {"[policy]\nseccomp_unset = RuntimeDefault\n", ":2: [policy] seccomp_unset: \"Runtime"},
    {"[policy]\nseccomp = x\n", ":2: [policy] seccomp: unknown key"},
    {"[crisp]\n\n\nfrobnicate = 1\n", "test.conf:4: [crisp] frobnicate: unknown key"},
    {"[nonsense]\nx = 1\n", "test.conf:2: [nonsense] x: unknown section"},
    {"x = 1\n", "test.conf:1: [(none)] x: keys must be inside a section"},
    {"[limits]\nhelper_timeout_seconds = 0\n", ":2: [limits] helper_timeout_seconds: \"0\" is"},
    {"[limits]\nhelper_timeout_seconds = 10x\n", ":2: [limits] helper_timeout_seconds"},
    {"[limits]\nlayer_max_bytes = 99999999999T\n", ":2: [limits] layer_max_bytes"},
    {"[limits]\nlayer_max_bytes = -1\n", ":2: [limits] layer_max_bytes"},
    {"[limits]\nlayer_max_bytes = 5Q\n", ":2: [limits] layer_max_bytes"},
    {"[runtime]\ndefault = Bad/Name\n", ":2: [runtime] default"},
    {"[runtime.BAD]\npath = /x\n", ":2: [runtime.BAD] path: section name"},
    {"[runtime.x]\nflavour = y\n", ":2: [runtime.x] flavour: unknown key"},
    {"[registries]\ninsecure = a b\n", ":2: [registries] insecure"},
    {"[cni]\nbin_dirs = ,\n", ":2: [cni] bin_dirs"},
    {"[registries]\ncerts_dir = certs\n", ":2: [registries] certs_dir"},
    {"[crisp]\nthis line has no equals sign\n", "test.conf:2: syntax error"},
    {"[crisp\n", "test.conf:1: syntax error"},
};

static void
test_bad_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
		struct config *c = config_new_defaults();
		char err[256] = "";
		int r = config_load_string(c, bad_cases[i].text, "test.conf", err, sizeof(err));
		if (r != -EINVAL)
			fail_msg("case %zu accepted: %s", i, bad_cases[i].text);
		if (!strstr(err, bad_cases[i].want))
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, bad_cases[i].want);
		config_free(c);
	}
}

static void
test_validate_default_runtime(void **state)
{
	(void)state;
	struct config *c = config_new_defaults();
	char err[256] = "";
	assert_int_equal(
	    config_load_string(c, "[runtime]\ndefault = kata\n", "t", err, sizeof(err)), 0);
	assert_int_equal(config_validate(c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "kata"));
	config_free(c);
}

static void
test_print_roundtrip(void **state)
{
	(void)state;
	struct config *c = config_new_defaults();
	char err[256] = "";
	assert_int_equal(config_load_string(c, overrides, "t", err, sizeof(err)), 0);
	char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	FILE *f = open_memstream(&a, &al);
	assert_int_equal(config_print(c, f), 0);
	fclose(f);
	struct config *d = config_new_defaults();
	if (config_load_string(d, a, "printed", err, sizeof(err)) != 0)
		fail_msg("printed config does not load: %s\n%s", err, a);
	f = open_memstream(&b, &bl);
	assert_int_equal(config_print(d, f), 0);
	fclose(f);
	assert_string_equal(a, b);
	free(a);
	free(b);
	config_free(c);
	config_free(d);
}

static void
test_missing_file(void **state)
{
	(void)state;
	struct config *c = config_new_defaults();
	char err[256] = "";
	assert_int_equal(config_load_file(c, "/nonexistent/crisp.conf", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/crisp.conf"));
	assert_int_equal(config_load_file(c, "/dev/null", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),        cmocka_unit_test(test_overrides),
	    cmocka_unit_test(test_bad_values),      cmocka_unit_test(test_validate_default_runtime),
	    cmocka_unit_test(test_print_roundtrip), cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
