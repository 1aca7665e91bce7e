/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for policy/validate.c: every validator with good and hostile inputs, including
 * the CVE-2022-0811 sysctl strings; each refusal must name the field and the rule.
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
#include <stdio.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "policy/validate.h"

/* Bytes with an explicit length, so cases can hold NULs. */
#define S(lit)                                                                                     \
	{                                                                                          \
		lit, sizeof(lit) - 1                                                               \
	}

struct bytes {
	const char *p;
	size_t n;
};

#define NETNS VALIDATE_NS_NET
#define IPCNS VALIDATE_NS_IPC
#define UTSNS VALIDATE_NS_UTS
#define ALLNS (NETNS | IPCNS | UTSNS)

/* A refusal must name the field and the rule, and quote printable ASCII only. */
static void
assert_refusal(int r, const struct policy_error *e, const char *field, const char *rule)
{
	assert_int_equal(r, -EINVAL);
	assert_non_null(e->field);
	assert_non_null(e->rule);
	assert_string_equal(e->field, field);
	if (rule)
		assert_string_equal(e->rule, rule);
	assert_non_null(strstr(e->message, field));
	assert_non_null(strstr(e->message, e->rule));
	for (const char *p = e->message; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

static const struct sysctl_case {
	struct bytes name, value;
	unsigned ns;
	const char *rule; /* NULL: accepted */
} sysctl_cases[] = {
    {S("net.ipv4.ip_forward"), S("1"), NETNS, NULL},
    {S("net.ipv4.ip_local_port_range"), S("1024 65535"), NETNS, NULL},
    {S("net/ipv4/conf/eth0.100/forwarding"), S("0"), NETNS, NULL},
    {S("net.core.somaxconn"), S("1024"), ALLNS, NULL},
    {S("kernel.shm_rmid_forced"), S("1"), IPCNS, NULL},
    {S("kernel.shmmax"), S("68719476736"), IPCNS, NULL},
    {S("kernel.msgmnb"), S("65536"), IPCNS, NULL},
    {S("kernel.sem"), S("250 32000 100 128"), IPCNS, NULL},
    {S("fs.mqueue.msg_max"), S("100"), IPCNS, NULL},
    {S("kernel/shmmni"), S("4096"), IPCNS, NULL},
    {S("kernel.domainname"), S("example.com"), UTSNS, NULL},
    /* CVE-2022-0811: a value smuggling a second sysctl through pinns' "+" separator. */
    {S("kernel.shm_rmid_forced"), S("1+kernel.core_pattern=|/var/lib/x/malicious.sh #"), IPCNS,
     "value contains '+'"},
    {S("kernel.sem"), S("1 2 3 4+net.ipv4.ip_forward"), IPCNS, "value contains '+'"},
    {S("kernel.shm_rmid_forced"), S("1=2"), IPCNS, "value contains '='"},
    {S("net.ipv4.ip_forward"), S("1\nkernel.core_pattern=|/x"), NETNS,
     "value contains a line break"},
    {S("net.ipv4.ip_forward"), S("1\r"), NETNS, "value contains a line break"},
    {S("net.ipv4.ip_forward"), S("1\0+x"), NETNS, "value contains NUL"},
    {S("net.ipv4.ip_forward"), S("1\t"), NETNS, "value contains a non-printable byte"},
    {S("net.ipv4.ip_forward"), S("\xff"), NETNS, "value contains a non-printable byte"},
    {S("net.ipv4.ip_forward"), S(""), NETNS, "value must be 1..1024 bytes"},
    /* Names. */
    {S("kernel.core_pattern"), S("|/x"), ALLNS, "not a namespaced sysctl"},
    {S("kernel.modprobe"), S("/x"), ALLNS, "not a namespaced sysctl"},
    {S("vm.overcommit_memory"), S("1"), ALLNS, "not a namespaced sysctl"},
    {S("kernel.hostname"), S("x"), ALLNS, "kernel.hostname is set from the CRI hostname field"},
    {S("net.ipv4.ip_forward"), S("1"), IPCNS, "needs the pod's own network namespace"},
    {S("kernel.shmmax"), S("1"), NETNS, "needs the pod's own IPC namespace"},
    {S("kernel.domainname"), S("x"), NETNS, "needs the pod's own UTS namespace"},
    {S("net"), S("1"), ALLNS, "not a namespaced sysctl"},
    {S("kernel.shm.x"), S("1"), ALLNS, "not a namespaced sysctl"},
    {S("net.ipv4..ip_forward"), S("1"), NETNS, "name has an empty component"},
    {S(".net.ipv4"), S("1"), NETNS, "name has an empty component"},
    {S("net/ipv4/../../kernel/core_pattern"), S("1"), NETNS, "name has a '.' or '..' component"},
    {S("net.ipv4.ip_forward=1"), S("1"), NETNS, "name has a byte outside [A-Za-z0-9_-]"},
    {S("net.ipv4.ip forward"), S("1"), NETNS, "name has a byte outside [A-Za-z0-9_-]"},
    {S("net.ipv4\0.x"), S("1"), NETNS, "name contains NUL"},
    {S(""), S("1"), NETNS, "name must be 1..256 bytes"},
};

static void
test_sysctl(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(sysctl_cases); i++) {
		const struct sysctl_case *c = &sysctl_cases[i];
		struct policy_error e = {0};
		int r = validate_sysctl(c->name.p, c->name.n, c->value.p, c->value.n, c->ns, &e);
		if (!c->rule) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, e.message);
			continue;
		}
		assert_refusal(r, &e, "sysctl", c->rule);
	}
}

static void
test_sysctl_message(void **state)
{
	(void)state;
	struct policy_error e = {0};
	static const char value[] = "1 2 3 4+net.ipv4.ip_forward";
	int r = validate_sysctl("kernel.sem", 10, value, sizeof(value) - 1, IPCNS, &e);
	assert_int_equal(r, -EINVAL);
	assert_string_equal(
	    e.message, "sysctl \"kernel.sem=1 2 3 4+net.ipv4.ip_forward\": value contains '+'");
	assert_int_equal(e.offset, 7);

	/* Hostile bytes are escaped, long values cut. */
	char big[600];
	memset(big, 'A', sizeof(big));
	big[3] = '\n';
	r = validate_sysctl("net.x", 5, big, sizeof(big), NETNS, &e);
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(e.message, "net.x=AAA\\x0aA"));
	assert_non_null(strstr(e.message, "...\": value contains a line break"));

	/* Too long. */
	r = validate_sysctl("net.x", 5, big, POLICY_SYSCTL_VALUE_MAX + 1, NETNS, &e);
	assert_int_equal(r, -EINVAL);
	/* NULL reterr is allowed. */
	assert_int_equal(validate_sysctl("vm.x", 4, "1", 1, ALLNS, NULL), -EINVAL);
}

static const struct annotation_case {
	struct bytes key, value;
	enum validate_annotation_kind kind;
	bool flag;
	uint64_t size;
	const char *rule;
} annotation_cases[] = {
    {S("io.kubernetes.pod.name"), S("x"), VALIDATE_ANNOTATION_INERT, false, 0, NULL},
    {S("io.kubernetes.cri-o.Devices"), S("/dev/kmsg"), VALIDATE_ANNOTATION_INERT, false, 0, NULL},
    {S("seccomp.security.alpha.kubernetes.io/pod"), S("unconfined"), VALIDATE_ANNOTATION_INERT,
     false, 0, NULL},
    {S("example.com/multi"), S("line1\nline2"), VALIDATE_ANNOTATION_INERT, false, 0, NULL},
    {S("example.com/empty"), S(""), VALIDATE_ANNOTATION_INERT, false, 0, NULL},
    {S("crisp.io/allow-privilege-escalation"), S("true"), VALIDATE_ANNOTATION_ALLOW_ESCALATION,
     true, 0, NULL},
    {S("crisp.io/allow-privilege-escalation"), S("false"), VALIDATE_ANNOTATION_ALLOW_ESCALATION,
     false, 0, NULL},
    {S("crisp.io/skip-selinux-relabel"), S("true"), VALIDATE_ANNOTATION_SKIP_SELINUX_RELABEL, true,
     0, NULL},
    {S("crisp.io/shm-size"), S("64Mi"), VALIDATE_ANNOTATION_SHM_SIZE, false, 64u << 20, NULL},
    {S("crisp.io/shm-size"), S("1000"), VALIDATE_ANNOTATION_SHM_SIZE, false, 1000, NULL},
    {S("crisp.io/shm-size"), S("2G"), VALIDATE_ANNOTATION_SHM_SIZE, false, 2000000000, NULL},
    {S("crisp.io/shm-size"), S("64Gi"), VALIDATE_ANNOTATION_SHM_SIZE, false, 64ull << 30, NULL},
    /* Hostile. */
    {S("crisp.io/allow-privilege-escalation"), S("True"), 0, false, 0,
     "value must be \"true\" or \"false\""},
    {S("crisp.io/allow-privilege-escalation"), S("true\n"), 0, false, 0,
     "value must be \"true\" or \"false\""},
    {S("crisp.io/shm-size"), S("65Gi"), 0, false, 0, "size must be 1 byte .. 64 GiB"},
    {S("crisp.io/shm-size"), S("0"), 0, false, 0, "size must be 1 byte .. 64 GiB"},
    {S("crisp.io/shm-size"), S("99999999999999999999999"), 0, false, 0, "size overflows"},
    {S("crisp.io/shm-size"), S("18446744073709551615Gi"), 0, false, 0,
     "size must be 1 byte .. 64 GiB"},
    {S("crisp.io/shm-size"), S("-1"), 0, false, 0, "size must start with a digit"},
    {S("crisp.io/shm-size"), S("1 Mi"), 0, false, 0,
     "size suffix must be one of k, M, G, Ki, Mi, Gi"},
    {S("crisp.io/shm-size"), S("1Ti"), 0, false, 0,
     "size suffix must be one of k, M, G, Ki, Mi, Gi"},
    {S("crisp.io/shm-sise"), S("1"), 0, false, 0, "unknown crisp.io/ annotation"},
    {S("crisp.io/allow-privilege-escalation\0x"), S("true"), 0, false, 0,
     "key has a space or non-printable byte"},
    {S("crisp.io/allow privilege"), S("true"), 0, false, 0,
     "key has a space or non-printable byte"},
    {S("example.com/x"), S("a\0b"), 0, false, 0, "value contains NUL"},
    {S(""), S("x"), 0, false, 0, "key must be 1..317 bytes"},
};

static void
test_annotation(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(annotation_cases); i++) {
		const struct annotation_case *c = &annotation_cases[i];
		struct policy_error e = {0};
		struct validate_annotation a = {.kind = VALIDATE_ANNOTATION_KIND_COUNT};
		int r = validate_annotation(c->key.p, c->key.n, c->value.p, c->value.n, &a, &e);
		if (c->rule) {
			assert_refusal(r, &e, "annotation", c->rule);
			continue;
		}
		if (r != 0)
			fail_msg("case %zu refused: %s", i, e.message);
		assert_int_equal(a.kind, c->kind);
		assert_int_equal(a.flag, c->flag);
		if (c->kind == VALIDATE_ANNOTATION_SHM_SIZE)
			assert_int_equal(a.size, c->size);
	}
}

static void
test_annotation_limits(void **state)
{
	(void)state;
	static char big[POLICY_ANNOTATION_VALUE_MAX + 2];
	struct validate_annotation a;
	struct policy_error e;
	memset(big, 'x', sizeof(big));
	assert_int_equal(validate_annotation("k/x", 3, big, POLICY_ANNOTATION_VALUE_MAX, &a, &e),
			 0);
	assert_refusal(validate_annotation("k/x", 3, big, POLICY_ANNOTATION_VALUE_MAX + 1, &a, &e),
		       &e, "annotation", "value longer than 256 KiB");
	assert_refusal(validate_annotation(big, POLICY_ANNOTATION_KEY_MAX + 1, "", 0, &a, &e), &e,
		       "annotation", "key must be 1..317 bytes");
}

static const struct path_case {
	struct bytes path;
	bool privileged;
	const char *rule;
} mount_cases[] = {
    {S("/data"), false, NULL},
    {S("/var/lib/app/"), false, NULL},
    {S("/dev/termination-log"), false, NULL},
    {S("/etc/resolv.conf"), false, NULL},
    {S("/sys/fs/bpf"), true, NULL},
    {S("/system"), false, NULL},
    {S("/procfoo"), false, NULL},
    {S("/proc"), false, "must not be /proc or below (defeats masked paths)"},
    {S("/proc/"), true, "must not be /proc or below (defeats masked paths)"},
    {S("/proc/sys/kernel"), true, "must not be /proc or below (defeats masked paths)"},
    {S("/sys"), false, "must not be /sys or below unless privileged"},
    {S("/sys/firmware"), false, "must not be /sys or below unless privileged"},
    {S("/data/../proc"), false, "has a '.' or '..' component"},
    {S("/data/.."), false, "has a '.' or '..' component"},
    {S("/./proc"), false, "has a '.' or '..' component"},
    {S("//proc"), false, "has an empty component"},
    {S("/data//x"), false, "has an empty component"},
    {S("relative/path"), false, "must be absolute"},
    {S(""), false, "must be 1..4096 bytes"},
    {S("/"), false, "must not be the root"},
    {S("/data\0/proc"), false, "contains NUL"},
    {S("/data\n/proc"), false, "contains a control byte"},
};

static void
test_mount_destination(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(mount_cases); i++) {
		const struct path_case *c = &mount_cases[i];
		struct policy_error e = {0};
		int r = validate_mount_destination(c->path.p, c->path.n, c->privileged, &e);
		if (!c->rule) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, e.message);
			continue;
		}
		assert_refusal(r, &e, "mount destination", c->rule);
	}
	static char longpath[POLICY_PATH_MAX + 2];
	memset(longpath, 'a', sizeof(longpath));
	longpath[0] = '/';
	struct policy_error e;
	assert_int_equal(validate_mount_destination(longpath, POLICY_PATH_MAX, false, &e), 0);
	assert_refusal(validate_mount_destination(longpath, POLICY_PATH_MAX + 1, false, &e), &e,
		       "mount destination", "must be 1..4096 bytes");
}

static void
test_seccomp_localhost(void **state)
{
	(void)state;

	static const struct {
		struct bytes path;
		const char *root;
		const char *rule;
	} cases[] = {
	    {S("/var/lib/kubelet/seccomp/profiles/a.json"), "/var/lib/kubelet/seccomp", NULL},
	    {S("/var/lib/kubelet/seccomp/a.json"), "/var/lib/kubelet/seccomp/", NULL},
	    {S("/etc/x.json"), NULL, NULL},
	    {S("/etc/x.json"), "/", NULL},
	    {S("/var/lib/kubelet/seccomp"), "/var/lib/kubelet/seccomp",
	     "must lie beneath the configured profile root"},
	    {S("/var/lib/kubelet/seccompx/a.json"), "/var/lib/kubelet/seccomp",
	     "must lie beneath the configured profile root"},
	    {S("/etc/passwd"), "/var/lib/kubelet/seccomp",
	     "must lie beneath the configured profile root"},
	    {S("/var/lib/kubelet/seccomp/../../../etc/shadow"), "/var/lib/kubelet/seccomp",
	     "has a '.' or '..' component"},
	    {S("/var/lib/kubelet/seccomp/dir/"), "/var/lib/kubelet/seccomp", "ends in '/'"},
	    {S("profiles/a.json"), NULL, "must be absolute"},
	    {S("/a.json\0.txt"), NULL, "contains NUL"},
	    {S(""), NULL, "must be 1..4096 bytes"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct policy_error e = {0};
		int r =
		    validate_seccomp_localhost(cases[i].path.p, cases[i].path.n, cases[i].root, &e);
		if (!cases[i].rule) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, e.message);
			continue;
		}
		assert_refusal(r, &e, "seccomp localhost profile", cases[i].rule);
	}
}

static void
test_env(void **state)
{
	(void)state;

	static const struct {
		struct bytes name, value;
		const char *rule;
	} cases[] = {
	    {S("PATH"), S("/usr/bin:/bin"), NULL},
	    {S("CERT"), S("-----BEGIN-----\nabc\n-----END-----\n"), NULL},
	    {S("EMPTY"), S(""), NULL},
	    {S("my.var-1"), S("x"), NULL},
	    {S("A=B"), S("x"), "name contains '='"},
	    {S(""), S("x"), "name is empty"},
	    {S("A\nB"), S("x"), "name has a non-printable byte"},
	    {S("A\0B"), S("x"), "name has a non-printable byte"},
	    {S("A"), S("x\0LD_PRELOAD=/x.so"), "value contains NUL"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct policy_error e = {0};
		int r = validate_env(cases[i].name.p, cases[i].name.n, cases[i].value.p,
				     cases[i].value.n, &e);
		if (!cases[i].rule) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, e.message);
			continue;
		}
		assert_refusal(r, &e, "env", cases[i].rule);
	}
	static char big[POLICY_ENV_ENTRY_MAX];
	memset(big, 'v', sizeof(big));
	struct policy_error e;
	/* "A=" + value + NUL == POLICY_ENV_ENTRY_MAX fits; one more byte does not. */
	assert_int_equal(validate_env("A", 1, big, POLICY_ENV_ENTRY_MAX - 3, &e), 0);
	assert_refusal(validate_env("A", 1, big, POLICY_ENV_ENTRY_MAX - 2, &e), &e, "env",
		       "NAME=value longer than 128 KiB (execve's limit)");
}

typedef int (*name_fn)(const char *, size_t, struct policy_error *);

static const struct name_case {
	name_fn fn;
	const char *field;
	struct bytes s;
	const char *rule;
} name_cases[] = {
    /* CRI allows any string: upper case, dots, underscores, spaces, UTF-8 and long names. */
    {validate_container_name, "container name", S("nginx"), NULL},
    {validate_container_name, "container name", S("Container-for-create-test_1.2"), NULL},
    {validate_container_name, "container name", S("-app"), NULL},
    {validate_container_name, "container name", S("../etc"), NULL},
    {validate_container_name, "container name", S("a b/\xc3\xa9"), NULL},
    {validate_container_name, "container name", S("a\0b"),
     "control bytes (0x00-0x1f, 0x7f) are not allowed"},
    {validate_container_name, "container name", S("a\nb"),
     "control bytes (0x00-0x1f, 0x7f) are not allowed"},
    {validate_container_name, "container name", S("a\x7f"),
     "control bytes (0x00-0x1f, 0x7f) are not allowed"},
    {validate_container_name, "container name", S("\x1b[31m"),
     "control bytes (0x00-0x1f, 0x7f) are not allowed"},
    {validate_container_name, "container name", S(""), "must not be empty"},
    {validate_pod_namespace, "pod namespace", S("kube.System_1"), NULL},
    {validate_pod_namespace, "pod namespace", S(""), "must not be empty"},
    {validate_pod_namespace, "pod namespace", S("ns\r"),
     "control bytes (0x00-0x1f, 0x7f) are not allowed"},
    {validate_pod_name, "pod name", S("PodSandbox-for-create-test-8f1c2d3e"), NULL},
    {validate_pod_name, "pod name", S("web..example"), NULL},
    {validate_pod_name, "pod name", S(""), "must not be empty"},
    {validate_pod_name, "pod name", S("web\tx"), "control bytes (0x00-0x1f, 0x7f) are not allowed"},
    {validate_pod_uid, "pod uid", S("0b8b8a9c-1f0e-4b5e-9c1a-6f1c2d3e4f50"), NULL},
    {validate_pod_uid, "pod uid", S("-rf"), NULL},
    {validate_pod_uid, "pod uid", S(""), NULL},
    {validate_pod_uid, "pod uid", S("a\0b"), "control bytes (0x00-0x1f, 0x7f) are not allowed"},
};

static void
test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(name_cases); i++) {
		const struct name_case *c = &name_cases[i];
		struct policy_error e = {0};
		int r = c->fn(c->s.p, c->s.n, &e);
		if (!c->rule) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, e.message);
			continue;
		}
		assert_refusal(r, &e, c->field, c->rule);
	}
	/* POLICY_META_NAME_MAX bytes are fine for every name, one more is not. */
	static char name[POLICY_META_NAME_MAX + 1];
	memset(name, 'A', sizeof(name));
	struct policy_error e;
	static const name_fn fns[] = {validate_container_name, validate_pod_namespace,
				      validate_pod_name, validate_pod_uid};
	for (size_t i = 0; i < ELEMENTSOF(fns); i++) {
		assert_int_equal(fns[i](name, POLICY_META_NAME_MAX, &e), 0);
		assert_int_equal(fns[i](name, POLICY_META_NAME_MAX + 1, &e), -EINVAL);
		assert_string_equal(e.rule, "must be at most 1024 bytes");
	}
}

static void
test_id(void **state)
{
	(void)state;
	static const char good[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct policy_error e;
	assert_int_equal(validate_id(good, 64, false, &e), 0);
	assert_int_equal(validate_id(good, 64, true, &e), 0);
	assert_int_equal(validate_id(good, 12, true, &e), 0);
	assert_int_equal(validate_id(good, 1, true, &e), 0);
	assert_refusal(validate_id(good, 63, false, &e), &e, "id", "must be 64 hex digits");
	assert_refusal(validate_id(good, 0, true, &e), &e, "id", "prefix must be 1..64 hex digits");
	char bad[65];
	memcpy(bad, good, 64);
	bad[64] = '0';
	assert_refusal(validate_id(bad, 65, true, &e), &e, "id", "prefix must be 1..64 hex digits");
	bad[10] = 'A';
	assert_refusal(validate_id(bad, 64, false, &e), &e, "id",
		       "only lowercase hex digits allowed");
	assert_int_equal(e.offset, 10);
	bad[10] = '/';
	assert_refusal(validate_id(bad, 64, false, &e), &e, "id",
		       "only lowercase hex digits allowed");
	bad[10] = '\0';
	assert_refusal(validate_id(bad, 64, false, &e), &e, "id",
		       "only lowercase hex digits allowed");
	assert_refusal(validate_id("../../etc", 9, true, &e), &e, "id",
		       "only lowercase hex digits allowed");
}

static void
test_cgroup_parent(void **state)
{
	(void)state;

	static const struct {
		struct bytes s;
		enum validate_cgroup_style style;
		const char *rule;
	} cases[] = {
	    {S("/kubepods/burstable/pod0b8b8a9c-1f0e-4b5e"), VALIDATE_CGROUP_CGROUPFS, NULL},
	    {S("/kubepods"), VALIDATE_CGROUP_CGROUPFS, NULL},
	    {S("/machine.slice/a:b@c"), VALIDATE_CGROUP_CGROUPFS, NULL},
	    {S("/"), VALIDATE_CGROUP_CGROUPFS, "must not be the root cgroup"},
	    {S("kubepods"), VALIDATE_CGROUP_CGROUPFS, "must be absolute (cgroupfs driver)"},
	    {S("/kubepods/../../sys"), VALIDATE_CGROUP_CGROUPFS, "has a '.' or '..' component"},
	    {S("/kubepods//x"), VALIDATE_CGROUP_CGROUPFS, "has an empty component"},
	    {S("/kubepods/"), VALIDATE_CGROUP_CGROUPFS, "ends in '/'"},
	    {S("/kube pods"), VALIDATE_CGROUP_CGROUPFS, "only [A-Za-z0-9_.:@-] and '/' allowed"},
	    {S("/kube\npods"), VALIDATE_CGROUP_CGROUPFS, "only [A-Za-z0-9_.:@-] and '/' allowed"},
	    {S("kubepods-burstable-pod0b8b8a9c_1f0e.slice"), VALIDATE_CGROUP_SYSTEMD, NULL},
	    {S("kubepods.slice"), VALIDATE_CGROUP_SYSTEMD, NULL},
	    {S("-.slice"), VALIDATE_CGROUP_SYSTEMD,
	     "empty slice name part (leading, trailing or doubled '-')"},
	    {S("kubepods--x.slice"), VALIDATE_CGROUP_SYSTEMD,
	     "empty slice name part (leading, trailing or doubled '-')"},
	    {S("kubepods-.slice"), VALIDATE_CGROUP_SYSTEMD,
	     "empty slice name part (leading, trailing or doubled '-')"},
	    {S("/kubepods.slice"), VALIDATE_CGROUP_SYSTEMD, "only [A-Za-z0-9_.:@-] allowed"},
	    {S("kube\\x2dpods.slice"), VALIDATE_CGROUP_SYSTEMD, "only [A-Za-z0-9_.:@-] allowed"},
	    {S("kubepods.service"), VALIDATE_CGROUP_SYSTEMD,
	     "must be a \"<name>.slice\" of at most 255 bytes (systemd)"},
	    {S(".slice"), VALIDATE_CGROUP_SYSTEMD,
	     "must be a \"<name>.slice\" of at most 255 bytes (systemd)"},
	    {S("x"), VALIDATE_CGROUP_STYLE_COUNT, "unknown cgroup driver"},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct policy_error e = {0};
		int r = validate_cgroup_parent(cases[i].s.p, cases[i].s.n, cases[i].style, &e);
		if (!cases[i].rule) {
			if (r != 0)
				fail_msg("case %zu refused: %s", i, e.message);
			continue;
		}
		assert_refusal(r, &e, "cgroup parent", cases[i].rule);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sysctl),
	    cmocka_unit_test(test_sysctl_message),
	    cmocka_unit_test(test_annotation),
	    cmocka_unit_test(test_annotation_limits),
	    cmocka_unit_test(test_mount_destination),
	    cmocka_unit_test(test_seccomp_localhost),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_id),
	    cmocka_unit_test(test_cgroup_parent),
	};
	return cmocka_run_group_tests_name("policy_validate", tests, NULL, NULL);
}
