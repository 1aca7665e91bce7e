/* SPDX-License-Identifier: Apache-2.0 */
/* Proves the RuntimeDefault profile through libseccomp, the way runc loads it: every name is
 * known to libseccomp, every capability selection loads without a rule conflict (the i386
 * socketcall guard), and a child process under the filter gets EPERM for what issue 7 blocks
 * (AF_ALG, AF_VSOCK, keyctl, unshare(CLONE_NEWUSER), mount, bpf, io_uring_setup, ptrace, ...),
 * ENOSYS for clone3, and working calls otherwise, on x86_64 and through the i386 (int 0x80)
 * and x32 entry points. Also checks that the generated seccomp.json equals the C table's
 * selection for the default capabilities.
 * runs in: test (forks; the filter is loaded only in children). */
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
#include <jansson.h>
#include <libgen.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parsers/base/macro.h"
#include "policy/container_policy.h"
#include "policy/seccomp_profile.h"

#define B(c)      (UINT64_C(1) << (c))
#define AF_ALG_   38
#define AF_VSOCK_ 40

static const char *arg0;

static uint32_t
arch_token(const char *name)
{
	static const struct {
		const char *name;
		uint32_t token;
	} map[] = {
	    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64}, {"SCMP_ARCH_X86", SCMP_ARCH_X86},
	    {"SCMP_ARCH_X32", SCMP_ARCH_X32},       {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
	    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
	};

	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (strcmp(map[i].name, name) == 0)
			return map[i].token;
	return 0;
}

/* Build the filter for caps as runc does from the OCI profile: default ERRNO(ENOSYS), the
 * architecture list, then every rule in order with seccomp_rule_add_array. Returns NULL and
 * writes why on a failure (a conflict would make runc refuse the container). */
static scmp_filter_ctx
build_filter(uint64_t caps, char *why, size_t whysz)
{
	enum seccomp_profile_arch arch = seccomp_profile_host_arch();
	const struct seccomp_profile_rule *rules[SECCOMP_PROFILE_MAX_RULES];
	size_t n = 0, na = 0;
	const char *const *arches = seccomp_profile_architectures(arch, &na);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(SECCOMP_PROFILE_DEFAULT_ERRNO));

	if (!ctx || !arches ||
	    seccomp_profile_select(caps, arch, rules, SECCOMP_PROFILE_MAX_RULES, &n) < 0) {
		snprintf(why, whysz, "setup failed");
		goto fail;
	}
	for (size_t i = 0; i < na; i++) {
		int r = seccomp_arch_add(ctx, arch_token(arches[i]));
		if (r < 0 && r != -EEXIST) {
			snprintf(why, whysz, "arch %s: %d", arches[i], r);
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct seccomp_profile_rule *rule = rules[i];
		struct scmp_arg_cmp cmp[6];
		for (size_t k = 0; k < rule->n_args; k++)
			cmp[k] =
			    (struct scmp_arg_cmp){rule->args[k].index, SCMP_CMP_MASKED_EQ,
						  rule->args[k].value, rule->args[k].value_two};
		uint32_t act = rule->action == SECCOMP_PROFILE_ACT_ALLOW
				   ? SCMP_ACT_ALLOW
				   : SCMP_ACT_ERRNO(rule->errno_ret);
		for (size_t k = 0; k < rule->n_names; k++) {
			int nr = seccomp_syscall_resolve_name(rule->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue; /* runc skips names this libseccomp does not know */
			int r = seccomp_rule_add_array(ctx, act, nr, (unsigned)rule->n_args, cmp);
			if (r < 0) {
				snprintf(why, whysz, "rule %zu (%s, group %s): %s", i,
					 rule->names[k], seccomp_table_groups[rule->group].name,
					 strerror(-r));
				goto fail;
			}
		}
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

static void
test_names_known(void **state)
{
	(void)state;
	static const uint32_t x86[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
	static const uint32_t arm[] = {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM};
	for (size_t i = 0; i < seccomp_table_rules_count; i++) {
		const struct seccomp_profile_rule *r = &seccomp_table_rules[i];
		for (size_t k = 0; k < r->n_names; k++) {
			bool known = false;
			if (r->arch != SECCOMP_PROFILE_ARCH_ARM)
				for (size_t a = 0; a < ELEMENTSOF(x86); a++)
					known |= seccomp_syscall_resolve_name_arch(
						     x86[a], r->names[k]) >= 0;
			if (r->arch != SECCOMP_PROFILE_ARCH_X86)
				for (size_t a = 0; a < ELEMENTSOF(arm); a++)
					known |= seccomp_syscall_resolve_name_arch(
						     arm[a], r->names[k]) >= 0;
			if (!known)
				fail_msg("%s (group %s) exists on none of its architectures",
					 r->names[k], seccomp_table_groups[r->group].name);
		}
	}
}

static void
test_every_selection_loads(void **state)
{
	(void)state;
	if (seccomp_profile_host_arch() == SECCOMP_PROFILE_ARCH_COUNT)
		skip();
	static const unsigned gates[] = {CAP_SYS_ADMIN,  CAP_SYS_PTRACE, CAP_AUDIT_WRITE,
					 CAP_BPF,        CAP_PERFMON,    CAP_SYS_TIME,
					 CAP_SYS_MODULE, CAP_SYS_CHROOT, CAP_SYSLOG};
	for (uint64_t m = 0; m < (UINT64_C(1) << ELEMENTSOF(gates)); m++) {
		uint64_t caps = container_policy_default_caps;
		for (size_t b = 0; b < ELEMENTSOF(gates); b++)
			if (m >> b & 1)
				caps |= B(gates[b]);
		char why[256];
		scmp_filter_ctx ctx = build_filter(caps, why, sizeof(why));
		if (!ctx)
			fail_msg("caps %#llx: %s", (unsigned long long)caps, why);
		seccomp_release(ctx);
	}
}

/* ---- probes in a filtered child -------------------------------------------------------------- */

struct probe {
	const char *what;
	long ret;
	int err;
};

#define PROBE(p, i, call)                                                                          \
	do {                                                                                       \
		errno = 0;                                                                         \
		(p)[i].what = #call;                                                               \
		(p)[i].ret = (long)(call);                                                         \
		(p)[i].err = errno;                                                                \
		(i)++;                                                                             \
	} while (0)

#if defined(__x86_64__)
/* An i386 system call from this 64-bit process: the kernel runs it with AUDIT_ARCH_I386, so
 * the filter's i386 rules apply. */
static long
int80(long nr, long a, long b, long c)
{
	long ret;
	/* int $0x80 from 64-bit code zeroes r8-r11. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

/* Whether this kernel runs i386 code: int $0x80 raises SIGSEGV where IA32 emulation is off
 * (CONFIG_IA32_EMULATION=n or ia32_emulation=0), so try it in a throwaway child. */
static bool
have_ia32(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		(void)signal(SIGSEGV, SIG_DFL);
		_exit(int80(20 /* getpid */, 0, 0, 0) > 0 ? 0 : 1);
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static bool ia32;
#define I386_GETPID     20
#define I386_SOCKETCALL 102
#define I386_SOCKET     359
#define X32_BIT         0x40000000L
#endif

enum {
	MAX_PROBES = 64
};

/* Runs in the child after the filter is loaded; fills p and returns the count. Every call
 * that the filter would wrongly allow is arranged to fail harmlessly in the kernel (missing
 * paths, bad fds, NULL pointers, invalid flag combinations). */
static size_t
run_probes(struct probe *p)
{
	size_t i = 0;
	PROBE(p, i, socket(AF_ALG_, SOCK_SEQPACKET, 0));
	PROBE(p, i, socket(AF_VSOCK_, SOCK_STREAM, 0));
	PROBE(p, i, syscall(SYS_socket, (1L << 32) | AF_ALG_, SOCK_SEQPACKET, 0));
	PROBE(p, i, socketpair(AF_ALG_, SOCK_SEQPACKET, 0, (int[2]){0}));
	PROBE(p, i, socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT));
	PROBE(p, i, socket(AF_INET, SOCK_STREAM, 0));
	PROBE(p, i, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	PROBE(p, i, socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
	PROBE(p, i, syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	PROBE(p, i, syscall(SYS_add_key, "user", "crisp", "x", 1, -3));
	PROBE(p, i, syscall(SYS_request_key, "user", "crisp", NULL, 0));
	PROBE(p, i, syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */ | 0x200 /* CLONE_FS */));
	PROBE(p, i, syscall(SYS_unshare, 0x20000 /* CLONE_NEWNS */ | 0x200 | 0x10000000));
	PROBE(p, i, syscall(SYS_clone, 0x10000000 | 0x200 | SIGCHLD, 0, 0, 0, 0));
	PROBE(p, i, syscall(SYS_mount, "none", "/nonexistent-crisp", "tmpfs", 0, NULL));
	PROBE(p, i, syscall(SYS_umount2, "/nonexistent-crisp", 0));
	PROBE(p, i, syscall(SYS_fsopen, NULL, 0));
	PROBE(p, i, syscall(SYS_open_tree, -1, "/nonexistent-crisp", 0));
	PROBE(p, i, syscall(SYS_move_mount, -1, "", -1, "", 0));
	PROBE(p, i, syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0));
	PROBE(p, i, syscall(SYS_io_uring_setup, 0, NULL));
	PROBE(p, i, syscall(SYS_ptrace, 2 /* PTRACE_PEEKDATA */, 0, 0, 0));
	PROBE(p, i, syscall(SYS_userfaultfd, 0));
	PROBE(p, i, syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	PROBE(p, i, syscall(SYS_open_by_handle_at, -1, NULL, 0));
	PROBE(p, i, syscall(SYS_kexec_load, 0, 0, NULL, 0));
	PROBE(p, i, syscall(SYS_setns, -1, 0));
	PROBE(p, i, syscall(SYS_clone3, NULL, 0));
	PROBE(p, i, syscall(SYS_unshare, 0));
	PROBE(p, i, syscall(SYS_getpid));
	PROBE(p, i, syscall(SYS_personality, 0xffffffffL));
#if defined(__x86_64__)
	static long *args;
	if (!args) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		args = m == MAP_FAILED ? NULL : m;
	}
	int *a32 = (int *)args; /* i386 socketcall reads 32-bit ints */
	if (a32) {
		a32[0] = AF_INET;
		a32[1] = SOCK_STREAM;
		a32[2] = 0;
	}
	if (ia32) {
		PROBE(p, i, int80(I386_GETPID, 0, 0, 0));
		PROBE(p, i, int80(I386_SOCKETCALL, 1 /* SYS_SOCKET */, (long)(uintptr_t)a32, 0));
		PROBE(p, i, int80(I386_SOCKET, AF_ALG_, SOCK_SEQPACKET, 0));
		PROBE(p, i, int80(I386_SOCKET, AF_INET, SOCK_STREAM, 0));
	}
	PROBE(p, i, syscall(X32_BIT | SYS_socket, AF_ALG_, SOCK_SEQPACKET, 0));
#endif
	return i;
}

/* Fork, load the filter for caps in the child, run the probes, return them. */
static size_t
probe_under_filter(uint64_t caps, struct probe *out)
{
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka catches crashes by longjmp; a crashing child must just die. */
		(void)signal(SIGSEGV, SIG_DFL);
		(void)signal(SIGBUS, SIG_DFL);
		(void)signal(SIGILL, SIG_DFL);
		(void)signal(SIGSYS, SIG_DFL);
		char why[256];
		scmp_filter_ctx ctx = build_filter(caps, why, sizeof(why));
		if (!ctx) {
			(void)fprintf(stderr, "filter: %s\n", why);
			_exit(2);
		}
		int r = seccomp_load(ctx);
		if (r < 0) {
			(void)fprintf(stderr, "seccomp_load: %s\n", strerror(-r));
			_exit(2);
		}
		struct probe p[MAX_PROBES];
		size_t n = run_probes(p);
		if (write(fds[1], p, n * sizeof(p[0])) != (ssize_t)(n * sizeof(p[0])))
			_exit(3);
		_exit(0);
	}
	(void)close(fds[1]);
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fds[0], (char *)out + got, MAX_PROBES * sizeof(*out) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	(void)close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("filtered child died with signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return got / sizeof(*out);
}

static const struct probe *
find(const struct probe *p, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(p[i].what, prefix, strlen(prefix)) == 0)
			return &p[i];
	fail_msg("no probe %s", prefix);
	return NULL;
}

/* The probe failed with err (ret -1 for libc calls, -err for raw int 0x80). */
static void
assert_errno(const struct probe *p, int err)
{
	bool raw = strncmp(p->what, "int80", 5) == 0;
	long ret = p->ret;
	int got = raw ? (ret < 0 ? (int)-ret : 0) : (ret == -1 ? p->err : 0);
	if (got != err)
		fail_msg("%s: ret %ld errno %d, expected errno %d", p->what, ret, p->err, err);
}

static void
assert_works(const struct probe *p)
{
	if (p->ret < 0)
		fail_msg("%s failed: ret %ld errno %d", p->what, p->ret, p->err);
}

static void
test_default_profile_in_child(void **state)
{
	(void)state;
	if (seccomp_profile_host_arch() == SECCOMP_PROFILE_ARCH_COUNT)
		skip();
	struct probe p[MAX_PROBES];
	size_t n = probe_under_filter(container_policy_default_caps, p);
	static const char *const eperm[] = {
	    "socket(AF_ALG_",
	    "socket(AF_VSOCK_",
	    "syscall(SYS_socket, (1L",
	    "socketpair(AF_ALG_",
	    "syscall(SYS_keyctl",
	    "syscall(SYS_add_key",
	    "syscall(SYS_request_key",
	    "syscall(SYS_unshare, 0x10000000",
	    "syscall(SYS_unshare, 0x20000",
	    "syscall(SYS_clone,",
	    "syscall(SYS_mount",
	    "syscall(SYS_umount2",
	    "syscall(SYS_fsopen",
	    "syscall(SYS_open_tree",
	    "syscall(SYS_move_mount",
	    "syscall(SYS_bpf",
	    "syscall(SYS_io_uring_setup",
	    "syscall(SYS_ptrace",
	    "syscall(SYS_userfaultfd",
	    "syscall(SYS_perf_event_open",
	    "syscall(SYS_open_by_handle_at",
	    "syscall(SYS_kexec_load",
	    "syscall(SYS_setns",
	};
	for (size_t i = 0; i < ELEMENTSOF(eperm); i++)
		assert_errno(find(p, n, eperm[i]), EPERM);
	assert_errno(find(p, n, "socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT"), EINVAL);
	assert_errno(find(p, n, "syscall(SYS_clone3"), ENOSYS);
	assert_works(find(p, n, "socket(AF_INET"));
	assert_works(find(p, n, "socket(AF_UNIX"));
	assert_works(find(p, n, "socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC"));
	assert_works(find(p, n, "syscall(SYS_unshare, 0)"));
	assert_works(find(p, n, "syscall(SYS_getpid"));
	assert_works(find(p, n, "syscall(SYS_personality"));
#if defined(__x86_64__)
	/* x32: the filter answers before the kernel looks at the ABI. */
	assert_errno(find(p, n, "syscall(X32_BIT"), EPERM);
	if (!ia32) {
		print_message("kernel without IA32 emulation: i386 probes skipped\n");
		return;
	}
	assert_works(find(p, n, "int80(I386_GETPID"));
	/* i386: socketcall(SYS_SOCKET) is refused whatever the family; the direct socket
	 * syscall is filtered by family. */
	assert_errno(find(p, n, "int80(I386_SOCKETCALL"), EPERM);
	assert_errno(find(p, n, "int80(I386_SOCKET, AF_ALG_"), EPERM);
	assert_works(find(p, n, "int80(I386_SOCKET, AF_INET"));
#endif
}

static void
test_capabilities_open_groups(void **state)
{
	(void)state;
	if (seccomp_profile_host_arch() == SECCOMP_PROFILE_ARCH_COUNT)
		skip();
	struct probe p[MAX_PROBES];
	size_t n = probe_under_filter(
	    container_policy_default_caps | B(CAP_SYS_PTRACE) | B(CAP_SYS_ADMIN), p);
	/* Allowed by the filter now: the kernel's own answer comes back instead of EPERM. */
	assert_errno(find(p, n, "syscall(SYS_ptrace"), ESRCH);
	assert_errno(find(p, n, "syscall(SYS_mount"), ENOENT);
	assert_works(find(p, n, "syscall(SYS_unshare, 0x10000000")); /* in a throwaway child */
	assert_errno(find(p, n, "syscall(SYS_clone,"), EINVAL);
	const struct probe *c3 = find(p, n, "syscall(SYS_clone3");
	assert_true(c3->ret == -1 && c3->err != ENOSYS && c3->err != EPERM);
	/* Never allowed. */
	assert_errno(find(p, n, "syscall(SYS_keyctl"), EPERM);
	assert_errno(find(p, n, "syscall(SYS_io_uring_setup"), EPERM);
	assert_errno(find(p, n, "syscall(SYS_open_by_handle_at"), EPERM);
	assert_errno(find(p, n, "socket(AF_ALG_"), EPERM);
}

/* ---- the generated JSON equals the C selection ------------------------------------------- */

static json_t *
rule_json(const struct seccomp_profile_rule *r)
{
	json_t *names = json_array(), *o = json_object();
	for (size_t k = 0; k < r->n_names; k++)
		json_array_append_new(names, json_string(r->names[k]));
	json_object_set_new(o, "names", names);
	json_object_set_new(o, "action", json_string(seccomp_profile_action_name(r->action)));
	if (r->action == SECCOMP_PROFILE_ACT_ERRNO)
		json_object_set_new(o, "errnoRet", json_integer(r->errno_ret));
	if (r->n_args) {
		json_t *args = json_array();
		for (size_t k = 0; k < r->n_args; k++) {
			json_t *a = json_object();
			json_object_set_new(a, "index", json_integer(r->args[k].index));
			json_object_set_new(a, "value", json_integer((json_int_t)r->args[k].value));
			json_object_set_new(a, "valueTwo",
					    json_integer((json_int_t)r->args[k].value_two));
			json_object_set_new(a, "op",
					    json_string(seccomp_profile_op_name(r->args[k].op)));
			json_array_append_new(args, a);
		}
		json_object_set_new(o, "args", args);
	}
	return o;
}

static void
test_json_matches_table(void **state)
{
	(void)state;
	enum seccomp_profile_arch arch = seccomp_profile_host_arch();
	if (arch == SECCOMP_PROFILE_ARCH_COUNT)
		skip();
	/* The test binary is $(B)/tests/x; the profile is $(B)/../gen/policy/seccomp.json. */
	char dir[4096], path[4200];
	snprintf(dir, sizeof(dir), "%s", arg0);
	snprintf(path, sizeof(path), "%s/../../gen/policy/seccomp.json", dirname(dir));
	json_error_t jerr;
	json_t *file = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!file)
		fail_msg("%s: %s", path, jerr.text);

	const struct seccomp_profile_rule *rules[SECCOMP_PROFILE_MAX_RULES];
	size_t n = 0, na = 0;
	assert_int_equal(seccomp_profile_select(container_policy_default_caps, arch, rules,
						SECCOMP_PROFILE_MAX_RULES, &n),
			 0);
	const char *const *arches = seccomp_profile_architectures(arch, &na);
	json_t *mine = json_object(), *syscalls = json_array(), *archs = json_array();
	for (size_t i = 0; i < na; i++)
		json_array_append_new(archs, json_string(arches[i]));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(syscalls, rule_json(rules[i]));
	json_object_set_new(mine, "defaultAction", json_string(SECCOMP_PROFILE_DEFAULT_ACTION));
	json_object_set_new(mine, "defaultErrnoRet", json_integer(SECCOMP_PROFILE_DEFAULT_ERRNO));
	json_object_set_new(mine, "architectures", archs);
	json_object_set_new(mine, "syscalls", syscalls);
	if (!json_equal(file, mine)) {
		char *a = json_dumps(mine, JSON_COMPACT);
		fail_msg("%s differs from the C table's selection: %.300s", path, a);
	}
	json_decref(file);
	json_decref(mine);
}

int
main(int argc, char **argv)
{
	(void)argc;
	arg0 = argv[0];
#if defined(__x86_64__)
	ia32 = have_ia32();
#endif
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_known),
	    cmocka_unit_test(test_every_selection_loads),
	    cmocka_unit_test(test_default_profile_in_child),
	    cmocka_unit_test(test_capabilities_open_groups),
	    cmocka_unit_test(test_json_matches_table),
	};
	return cmocka_run_group_tests_name("policy_seccomp", tests, NULL, NULL);
}
