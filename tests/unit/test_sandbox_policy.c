/* SPDX-License-Identifier: Apache-2.0 */
/* Every generated helper policy builds into a seccomp filter (normal and sanitizer variants)
 * with kill as default and for foreign architectures, and spawn_start() refuses bad options.
 * runs in: tests. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helper_policies.h"
#include "parsers/base/macro.h"
#include "sandbox/filter.h"
#include "sandbox/spawn.h"

static char *
export_pfc(const struct sandbox_policy *p, enum filter_variant v)
{
	int fd = memfd_create("pfc", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(filter_export_pfc(p, v, fd), 0);
	off_t size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0);
	char *text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(pread(fd, text, (size_t)size, 0), size);
	(void)close(fd);
	return text;
}

static void
test_every_policy_builds(void **state)
{
	(void)state;
	assert_true(helper_policies_count >= 4);
	for (size_t i = 0; i < helper_policies_count; i++) {
		const struct sandbox_policy *p = helper_policies[i];
		assert_non_null(p->name);
		assert_true(p->n_rules > 0);
		assert_true(p->request_max > 0 && p->reply_max > 0 && p->deadline_ms > 0);
		/* Unprivileged helpers keep nothing: capabilities need uid 0 here. */
		assert_true(p->keep_caps == 0 || p->uid == 0);
		for (int v = 0; v < FILTER_VARIANT_COUNT; v++) {
			char *pfc = export_pfc(p, (enum filter_variant)v);
			/* Default and bad-arch actions are both "kill the process". */
			assert_non_null(strstr(pfc, "# default action\n  action KILL_PROCESS;"));
			assert_non_null(
			    strstr(pfc, "# invalid architecture action\naction KILL_PROCESS;"));
			assert_null(strstr(pfc, "\"execve\""));
			/* crisp-helper-fetch is the one helper with network access and name
			 * resolution (socket, read-only openat of /etc/hosts); its list is
			 * checked in tests/integration/test_registry_fetch.py. crisp-helper-unpack
			 * creates the layer's files (openat beneath its chroot, never a socket);
			 * its list is checked by tests/integration/test_layer_unpack.py. */
			if (strcmp(p->name, "fetch") != 0)
				assert_null(strstr(pfc, "\"socket\""));
			if (strcmp(p->name, "fetch") != 0 && strcmp(p->name, "unpack") != 0)
				assert_null(strstr(pfc, "\"openat\""));
			free(pfc);
		}
	}
}

/* The parser baseline pins mmap against PROT_EXEC and I/O to fds 0..5. */
static void
test_parser_pins(void **state)
{
	(void)state;
	int saw_mmap = 0, saw_read = 0;
	const struct sandbox_policy *p = POLICY_MANIFEST;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sandbox_rule *r = &p->rules[i];
		if (strcmp(r->name, "mmap") == 0 || strcmp(r->name, "mprotect") == 0) {
			saw_mmap = 1;
			assert_int_equal(r->n_pins, 1);
			assert_int_equal(r->pins[0].arg, 2);
			assert_int_equal(r->pins[0].op, SANDBOX_PIN_MASKED_EQ);
			assert_int_equal(r->pins[0].mask, PROT_EXEC);
			assert_int_equal(r->pins[0].value, 0);
		}
		if (strcmp(r->name, "read") == 0 || strcmp(r->name, "write") == 0) {
			saw_read = 1;
			assert_int_equal(r->n_pins, 1);
			assert_int_equal(r->pins[0].arg, 0);
			assert_int_equal(r->pins[0].op, SANDBOX_PIN_LE);
			assert_int_equal(r->pins[0].value, 5);
		}
	}
	assert_true(saw_mmap && saw_read);
	assert_int_equal(p->uid, 65534);
	assert_int_equal(p->clone_flags & (CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS),
			 CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS);
}

static void
test_bad_rules_refused(void **state)
{
	(void)state;
	static const struct sandbox_rule bad_arg[] = {
	    {.nr = 0, .name = "read", .n_pins = 1, .pins = {{.arg = 6, .op = SANDBOX_PIN_LE}}},
	};
	static const struct sandbox_rule bad_op[] = {
	    {.nr = 0, .name = "read", .n_pins = 1, .pins = {{.arg = 0, .op = 9}}},
	};
	static const struct sandbox_rule too_many[] = {{.nr = 0, .name = "read", .n_pins = 4}};
	const struct sandbox_rule *tables[] = {bad_arg, bad_op, too_many};
	for (size_t i = 0; i < ELEMENTSOF(tables); i++) {
		struct sandbox_policy p = {.name = "bad", .rules = tables[i], .n_rules = 1};
		scmp_filter_ctx ctx = NULL;
		assert_int_equal(
		    filter_build(&p, FILTER_VARIANT_NORMAL, SCMP_ACT_KILL_PROCESS, &ctx), -EINVAL);
		assert_null(ctx);
	}
}

static void
test_spawn_refuses_bad_options(void **state)
{
	(void)state;
	const char *argv[] = {"x", NULL};
	const struct spawn_opts base = {.path = "/bin/true",
					.argv = argv,
					.fds = {-1, -1, 2, 0, 1, -1},
					.uid = 65534,
					.gid = 65534};
	struct spawn_opts cases[6];
	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		cases[i] = base;
	cases[0].path = "bin/true";           /* relative */
	cases[1].argv = NULL;                 /* no argv */
	cases[2].clone_flags = CLONE_NEWUSER; /* not a namespace we create */
	cases[3].keep_caps = 1;               /* caps for a non-root uid */
	cases[4].fds[3] = -1;                 /* no request fd */
	cases[5].fds[5] = -7;                 /* garbage bulk fd */
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct spawn_child c = {.pid = -1, .pidfd = -1};
		enum spawn_step step = SPAWN_STEP_COUNT;
		assert_int_equal(spawn_start(&cases[i], &c, &step), -EINVAL);
		assert_int_equal(step, SPAWN_STEP_NONE);
		assert_int_equal(c.pidfd, -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_policy_builds),
	    cmocka_unit_test(test_parser_pins),
	    cmocka_unit_test(test_bad_rules_refused),
	    cmocka_unit_test(test_spawn_refuses_bad_options),
	};
	return cmocka_run_group_tests_name("sandbox_policy", tests, NULL, NULL);
}
