/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for policy/container_policy.c and policy/seccomp_profile.c: capability sets
 * (add/drop/ALL, non-root, privileged, inheritable always empty), masked and read-only
 * paths, no_new_privs, device rules, and seccomp rule selection by capability.
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
#include <linux/capability.h>
#include <string.h>

#include "parsers/base/macro.h"
#include "policy/container_policy.h"
#include "policy/seccomp_profile.h"

#define B(c) (UINT64_C(1) << (c))
#define NONE ((const char *const[]){NULL})
#define L(...)                                                                                     \
	((const char *const[]){__VA_ARGS__}), ELEMENTSOF(((const char *const[]){__VA_ARGS__}))

static const uint64_t crio_default = B(CAP_CHOWN) | B(CAP_DAC_OVERRIDE) | B(CAP_FSETID) |
				     B(CAP_FOWNER) | B(CAP_SETGID) | B(CAP_SETUID) |
				     B(CAP_SETPCAP) | B(CAP_NET_BIND_SERVICE) | B(CAP_KILL);

struct caps_case {
	const char *what;
	bool privileged, root;
	const char *const *add;
	size_t n_add;
	const char *const *drop;
	size_t n_drop;
	uint64_t bounding;
};

static void
test_default_set(void **state)
{
	(void)state;
	assert_int_equal(container_policy_default_caps, crio_default);
	assert_string_equal(container_policy_cap_name(0), "CAP_CHOWN");
	assert_string_equal(container_policy_cap_name(CAP_SYS_ADMIN), "CAP_SYS_ADMIN");
	assert_string_equal(container_policy_cap_name(CAP_CHECKPOINT_RESTORE),
			    "CAP_CHECKPOINT_RESTORE");
	assert_null(container_policy_cap_name(CONTAINER_POLICY_CAP_COUNT));
	for (unsigned i = 0; i < CONTAINER_POLICY_CAP_COUNT; i++) {
		const char *n = container_policy_cap_name(i);
		assert_int_equal(container_policy_cap_from_name(n, strlen(n)), (int)i);
		assert_int_equal(container_policy_cap_from_name(n + 4, strlen(n + 4)), (int)i);
	}
	assert_int_equal(container_policy_cap_from_name("net_admin", 9), CAP_NET_ADMIN);
	assert_int_equal(container_policy_cap_from_name("Cap_Net_Admin", 13), CAP_NET_ADMIN);
	assert_int_equal(container_policy_cap_from_name("NET_ADMIN\0X", 11), -EINVAL);
	assert_int_equal(container_policy_cap_from_name("CAP_", 4), -EINVAL);
	assert_int_equal(container_policy_cap_from_name("ALL", 3), -EINVAL);
	assert_int_equal(container_policy_cap_from_name("", 0), -EINVAL);
}

static void
test_caps_table(void **state)
{
	(void)state;
	const uint64_t all = CONTAINER_POLICY_CAP_ALL;
	const struct caps_case cases[] = {
	    {"default root", false, true, NONE, 0, NONE, 0, crio_default},
	    {"add one", false, true, L("NET_ADMIN"), NONE, 0, crio_default | B(CAP_NET_ADMIN)},
	    {"add with prefix, any case", false, true, L("cap_sys_ptrace"), NONE, 0,
	     crio_default | B(CAP_SYS_PTRACE)},
	    {"drop one", false, true, NONE, 0, L("CHOWN"), crio_default & ~B(CAP_CHOWN)},
	    {"drop ALL", false, true, NONE, 0, L("ALL"), 0},
	    {"drop ALL, add one", false, true, L("NET_BIND_SERVICE"), L("ALL"),
	     B(CAP_NET_BIND_SERVICE)},
	    {"add ALL", false, true, L("ALL"), NONE, 0, all},
	    {"add ALL, drop one", false, true, L("ALL"), L("SYS_ADMIN"), all & ~B(CAP_SYS_ADMIN)},
	    {"add ALL and drop ALL", false, true, L("ALL"), L("ALL"), 0},
	    {"add ALL, drop ALL, add one", false, true, L("ALL", "KILL"), L("ALL"), B(CAP_KILL)},
	    {"add and drop the same: drop wins", false, true, L("NET_RAW"), L("NET_RAW"),
	     crio_default},
	    {"drop one not held", false, true, NONE, 0, L("SYS_ADMIN"), crio_default},
	    {"lowercase all", false, true, NONE, 0, L("all"), 0},
	    {"privileged", true, true, NONE, 0, NONE, 0, all},
	    {"privileged ignores drop", true, true, NONE, 0, L("ALL"), all},
	    {"non-root default", false, false, NONE, 0, NONE, 0, crio_default},
	    {"non-root with add", false, false, L("NET_ADMIN"), NONE, 0,
	     crio_default | B(CAP_NET_ADMIN)},
	    {"privileged non-root", true, false, NONE, 0, NONE, 0, all},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct caps_case *c = &cases[i];
		struct container_policy_caps_request req = {
		    .privileged = c->privileged,
		    .root = c->root,
		    .defaults = container_policy_default_caps,
		    .add = c->add,
		    .n_add = c->n_add,
		    .drop = c->drop,
		    .n_drop = c->n_drop,
		};
		struct container_policy_caps got;
		memset(&got, 0xa5, sizeof(got));
		struct policy_error e;
		if (container_policy_caps(&req, &got, &e) != 0)
			fail_msg("%s: %s", c->what, e.message);
		if (got.bounding != c->bounding)
			fail_msg("%s: bounding %#llx, want %#llx", c->what,
				 (unsigned long long)got.bounding, (unsigned long long)c->bounding);
		/* Root gets bounding in permitted and effective; non-root nothing. */
		assert_int_equal(got.permitted, c->root ? c->bounding : 0);
		assert_int_equal(got.effective, c->root ? c->bounding : 0);
		/* CVE-2022-24769: inheritable stays empty, even when privileged. */
		assert_int_equal(got.inheritable, 0);
		assert_int_equal(got.ambient, 0);
	}
}

static void
test_caps_errors(void **state)
{
	(void)state;
	struct container_policy_caps got = {.bounding = 42};
	struct policy_error e;
	struct container_policy_caps_request req = {
	    .root = true,
	    .defaults = container_policy_default_caps,
	    .add = L("NET_ADMIN", "CAP_BOGUS"),
	};
	assert_int_equal(container_policy_caps(&req, &got, &e), -EINVAL);
	assert_int_equal(got.bounding, 42); /* untouched on failure */
	assert_string_equal(e.field, "add_capabilities");
	assert_string_equal(e.message, "add_capabilities \"CAP_BOGUS\": unknown capability");

	struct container_policy_caps_request req2 = {
	    .root = true,
	    .defaults = container_policy_default_caps,
	    .drop = L("CHOWN\n"),
	};
	assert_int_equal(container_policy_caps(&req2, &got, &e), -EINVAL);
	assert_string_equal(e.message, "drop_capabilities \"CHOWN\\x0a\": unknown capability");

	/* Defaults outside the known range are masked off. */
	struct container_policy_caps_request req3 = {.root = true, .defaults = ~UINT64_C(0)};
	assert_int_equal(container_policy_caps(&req3, &got, NULL), 0);
	assert_int_equal(got.bounding, CONTAINER_POLICY_CAP_ALL);
}

static bool
contains(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void
test_paths(void **state)
{
	(void)state;
	size_t n;
	const char *const *m = container_policy_masked_paths(false, &n);
	static const char *const want_masked[] = {
	    "/proc/acpi",        "/proc/kcore",
	    "/proc/keys",        "/proc/latency_stats",
	    "/proc/timer_list",  "/proc/timer_stats",
	    "/proc/sched_debug", "/proc/scsi",
	    "/sys/firmware",     "/sys/devices/virtual/powercap",
	    "/proc/interrupts",  "/proc/asound",
	};
	assert_int_equal(n, ELEMENTSOF(want_masked));
	for (size_t i = 0; i < ELEMENTSOF(want_masked); i++)
		assert_true(contains(m, n, want_masked[i]));
	const char *const *ro = container_policy_readonly_paths(false, &n);
	assert_int_equal(n, 5);
	assert_true(contains(ro, n, "/proc/sys"));
	assert_true(contains(ro, n, "/proc/sysrq-trigger"));
	assert_true(contains(ro, n, "/proc/bus"));
	assert_true(contains(ro, n, "/proc/fs"));
	assert_true(contains(ro, n, "/proc/irq"));

	(void)container_policy_masked_paths(true, &n);
	assert_int_equal(n, 0);
	(void)container_policy_readonly_paths(true, &n);
	assert_int_equal(n, 0);

	static const char want[] = "/sys/devices/system/cpu/cpu7/thermal_throttle";
	char buf[64];
	assert_int_equal(container_policy_thermal_throttle_path(7, buf, sizeof(buf)),
			 sizeof(want) - 1);
	assert_string_equal(buf, want);
	assert_int_equal(container_policy_thermal_throttle_path(7, buf, sizeof(want) - 1),
			 -ENOBUFS);
}

static void
test_no_new_privs(void **state)
{
	(void)state;
	/* privileged, request, allow_escalation -> nnp */
	/* (privileged, request, force, annotation): the request decides by default... */
	assert_false(container_policy_no_new_privs(false, false, false, false));
	assert_true(container_policy_no_new_privs(false, true, false, false));
	assert_false(container_policy_no_new_privs(true, false, false, false));
	assert_true(container_policy_no_new_privs(true, true, false, false));
	assert_true(container_policy_no_new_privs(false, true, false, true));
	/* ...force turns it on for unprivileged containers unless the pod opts out. */
	assert_true(container_policy_no_new_privs(false, false, true, false));
	assert_false(container_policy_no_new_privs(false, false, true, true));
	assert_false(container_policy_no_new_privs(true, false, true, false));
	assert_true(container_policy_no_new_privs(false, true, true, true));
}

static int
dev(char type, int64_t major, int64_t minor, const char *perms, size_t len,
    struct container_policy_device_rule *r, struct policy_error *e)
{
	struct container_policy_device_request req = {type, major, minor, perms, len};
	return container_policy_device_rule(&req, r, e);
}

static void
test_devices(void **state)
{
	(void)state;
	size_t n;
	const struct container_policy_device_rule *d = container_policy_devices(false, &n);
	assert_int_equal(n, 10);
	/* Deny all first. */
	assert_false(d[0].allow);
	assert_int_equal(d[0].type, 'a');
	assert_int_equal(d[0].major, -1);

	static const struct {
		int64_t major, minor;
	} want[] = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}};

	for (size_t i = 0; i < ELEMENTSOF(want); i++) {
		assert_true(d[i + 1].allow);
		assert_int_equal(d[i + 1].type, 'c');
		assert_int_equal(d[i + 1].major, want[i].major);
		assert_int_equal(d[i + 1].minor, want[i].minor);
		assert_string_equal(d[i + 1].access, "rwm");
	}
	d = container_policy_devices(true, &n);
	assert_int_equal(n, 1);
	assert_true(d[0].allow);
	assert_int_equal(d[0].type, 'a');

	struct container_policy_device_rule r;
	struct policy_error e;
	assert_int_equal(dev('c', 10, 200, "wr", 2, &r, &e), 0);
	assert_string_equal(r.access, "rw");
	assert_int_equal(r.major, 10);
	assert_int_equal(dev('b', 8, 0, "mrw", 3, &r, &e), 0);
	assert_string_equal(r.access, "rwm");
	assert_int_equal(dev('a', 8, 0, "r", 1, &r, &e), -EINVAL);
	assert_string_equal(e.rule, "must be 'c' or 'b'");
	assert_int_equal(dev('c', -1, 0, "r", 1, &r, &e), -EINVAL);
	assert_int_equal(dev('c', 4096, 0, "r", 1, &r, &e), -EINVAL);
	assert_string_equal(e.message, "device major \"4096\": outside 0..4095");
	assert_int_equal(dev('c', 1, 1 << 20, "r", 1, &r, &e), -EINVAL);
	assert_int_equal(dev('c', 1, 3, "", 0, &r, &e), -EINVAL);
	assert_int_equal(dev('c', 1, 3, "rr", 2, &r, &e), -EINVAL);
	assert_string_equal(e.rule, "repeated permission");
	assert_int_equal(dev('c', 1, 3, "rwx", 3, &r, &e), -EINVAL);
	assert_int_equal(dev('c', 1, 3, "r\0", 2, &r, &e), -EINVAL);
	assert_int_equal(dev('c', 1, 3, "rwmr", 4, &r, &e), -EINVAL);
}

/* ---- seccomp selection ------------------------------------------------------------------ */

/* The result of a call with no arguments under the selection: 0 allow, >0 errno, -1 none. */
static int
plain_result(const struct seccomp_profile_rule **rules, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (rules[i]->n_args)
			continue;
		for (size_t k = 0; k < rules[i]->n_names; k++)
			if (strcmp(rules[i]->names[k], name) == 0)
				return rules[i]->action == SECCOMP_PROFILE_ACT_ALLOW
					   ? 0
					   : (int)rules[i]->errno_ret;
	}
	return -1;
}

static size_t
select_rules(uint64_t caps, enum seccomp_profile_arch arch, const struct seccomp_profile_rule **out)
{
	size_t n = 0;
	assert_int_equal(seccomp_profile_select(caps, arch, out, SECCOMP_PROFILE_MAX_RULES, &n), 0);
	return n;
}

static void
test_seccomp_select(void **state)
{
	(void)state;
	const struct seccomp_profile_rule *rules[SECCOMP_PROFILE_MAX_RULES];
	size_t n = select_rules(crio_default, SECCOMP_PROFILE_ARCH_X86, rules);
	assert_true(n > 50);

	static const char *const blocked[] = {
	    "keyctl",
	    "add_key",
	    "request_key",
	    "io_uring_setup",
	    "io_uring_enter",
	    "bpf",
	    "userfaultfd",
	    "perf_event_open",
	    "kexec_load",
	    "kexec_file_load",
	    "open_by_handle_at",
	    "mount",
	    "fsopen",
	    "fsmount",
	    "move_mount",
	    "open_tree",
	    "setns",
	    "ptrace",
	    "umount2",
	    "pivot_root",
	};
	for (size_t i = 0; i < ELEMENTSOF(blocked); i++)
		if (plain_result(rules, n, blocked[i]) != EPERM)
			fail_msg("%s is not EPERM for the default set", blocked[i]);
	assert_int_equal(plain_result(rules, n, "read"), 0);
	assert_int_equal(plain_result(rules, n, "arch_prctl"), 0);
	assert_int_equal(plain_result(rules, n, "clone3"), -1);     /* default: ENOSYS */
	assert_int_equal(plain_result(rules, n, "socketcall"), -1); /* never named */
	assert_int_equal(plain_result(rules, n, "set_tls"), -1);    /* arm only */

	/* CAP_SYS_PTRACE opens the ptrace group; CAP_SYS_ADMIN the mount API and namespaces. */
	n = select_rules(crio_default | B(CAP_SYS_PTRACE), SECCOMP_PROFILE_ARCH_X86, rules);
	assert_int_equal(plain_result(rules, n, "ptrace"), 0);
	assert_int_equal(plain_result(rules, n, "process_vm_readv"), 0);
	assert_int_equal(plain_result(rules, n, "mount"), EPERM);
	n = select_rules(crio_default | B(CAP_SYS_ADMIN), SECCOMP_PROFILE_ARCH_X86, rules);
	assert_int_equal(plain_result(rules, n, "mount"), 0);
	assert_int_equal(plain_result(rules, n, "fsopen"), 0);
	assert_int_equal(plain_result(rules, n, "unshare"), 0);
	assert_int_equal(plain_result(rules, n, "clone3"), 0);
	assert_int_equal(plain_result(rules, n, "setns"), 0);
	assert_int_equal(plain_result(rules, n, "bpf"), 0);
	assert_int_equal(plain_result(rules, n, "ptrace"), EPERM);
	/* Always blocked, whatever the capabilities. */
	n = select_rules(CONTAINER_POLICY_CAP_ALL, SECCOMP_PROFILE_ARCH_X86, rules);
	assert_int_equal(plain_result(rules, n, "keyctl"), EPERM);
	assert_int_equal(plain_result(rules, n, "io_uring_setup"), EPERM);
	assert_int_equal(plain_result(rules, n, "open_by_handle_at"), EPERM);
	assert_int_equal(plain_result(rules, n, "kexec_load"), EPERM);
	assert_int_equal(plain_result(rules, n, "userfaultfd"), EPERM);
	n = select_rules(B(CAP_BPF), SECCOMP_PROFILE_ARCH_X86, rules);
	assert_int_equal(plain_result(rules, n, "bpf"), 0);
	assert_int_equal(plain_result(rules, n, "perf_event_open"), EPERM);
	n = select_rules(B(CAP_PERFMON), SECCOMP_PROFILE_ARCH_ARM, rules);
	assert_int_equal(plain_result(rules, n, "perf_event_open"), 0);
	assert_int_equal(plain_result(rules, n, "set_tls"), 0);
	assert_int_equal(plain_result(rules, n, "arch_prctl"), -1);
}

static void
test_seccomp_bounds(void **state)
{
	(void)state;
	const struct seccomp_profile_rule *rules[SECCOMP_PROFILE_MAX_RULES];
	size_t n = 0;
	static const unsigned tested[] = {CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_AUDIT_WRITE,
					  CAP_BPF,       CAP_SYS_TIME,   CAP_SYS_MODULE};
	/* Every capability combination that a group tests fits in MAX_RULES. */
	for (unsigned a = 0; a < 2; a++) {
		for (uint64_t caps = 0; caps < 64; caps++) {
			uint64_t set = 0;
			for (unsigned bit = 0; bit < ELEMENTSOF(tested); bit++)
				if (caps >> bit & 1)
					set |= B(tested[bit]);
			set |= a ? CONTAINER_POLICY_CAP_ALL : 0;
			assert_int_equal(seccomp_profile_select(set, SECCOMP_PROFILE_ARCH_X86,
								rules, SECCOMP_PROFILE_MAX_RULES,
								&n),
					 0);
			assert_true(n <= SECCOMP_PROFILE_MAX_RULES);
		}
	}
	/* A short buffer reports the size needed. */
	assert_int_equal(seccomp_profile_select(0, SECCOMP_PROFILE_ARCH_X86, rules, 3, &n),
			 -ENOBUFS);
	assert_true(n > 3);
	assert_int_equal(seccomp_profile_select(0, SECCOMP_PROFILE_ARCH_ANY, rules, 3, &n),
			 -EINVAL);

	size_t na;
	const char *const *arches = seccomp_profile_architectures(SECCOMP_PROFILE_ARCH_X86, &na);
	assert_int_equal(na, 3);
	assert_string_equal(arches[0], "SCMP_ARCH_X86_64");
	assert_string_equal(arches[1], "SCMP_ARCH_X86");
	assert_string_equal(arches[2], "SCMP_ARCH_X32");
	arches = seccomp_profile_architectures(SECCOMP_PROFILE_ARCH_ARM, &na);
	assert_int_equal(na, 2);
	assert_string_equal(arches[0], "SCMP_ARCH_AARCH64");
	assert_null(seccomp_profile_architectures(SECCOMP_PROFILE_ARCH_ANY, &na));
	assert_int_equal(na, 0);
#if defined(__x86_64__)
	assert_int_equal(seccomp_profile_host_arch(), SECCOMP_PROFILE_ARCH_X86);
#endif
	assert_string_equal(seccomp_profile_action_name(SECCOMP_PROFILE_ACT_ERRNO),
			    "SCMP_ACT_ERRNO");
	assert_string_equal(seccomp_profile_op_name(SECCOMP_PROFILE_OP_MASKED_EQ),
			    "SCMP_CMP_MASKED_EQ");
	assert_null(seccomp_profile_action_name(SECCOMP_PROFILE_ACT_COUNT));

	/* Every group has a reason and every rule points at a group. */
	for (size_t i = 0; i < seccomp_table_groups_count; i++)
		assert_true(strlen(seccomp_table_groups[i].reason) > 10);
	for (size_t i = 0; i < seccomp_table_rules_count; i++) {
		assert_true(seccomp_table_rules[i].group < seccomp_table_groups_count);
		assert_true(seccomp_table_rules[i].errno_ret != SECCOMP_PROFILE_DEFAULT_ERRNO);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_set),    cmocka_unit_test(test_caps_table),
	    cmocka_unit_test(test_caps_errors),    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_no_new_privs),   cmocka_unit_test(test_devices),
	    cmocka_unit_test(test_seccomp_select), cmocka_unit_test(test_seccomp_bounds),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
