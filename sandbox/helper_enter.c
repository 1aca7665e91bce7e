/* SPDX-License-Identifier: Apache-2.0 */
/* The confinement prologue of every crisp-helper-* binary (checks what the spawner did, then
 * capabilities, rlimits, no_new_privs, dumpable, seccomp) and its one-frame I/O.
 * runs in: helper/untrusted (single-threaded, before and after confinement). */
#include "sandbox/helper_enter.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parsers/base/macro.h"
#include "sandbox/frame.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define HELPER_ASAN 1
/* Helpers under ASan: no leak check at exit (its ptrace-based checker is forbidden by seccomp
 * and pointless in a process that _exit()s), and a crash is a plain signal for the daemon. */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0";
}
#else
#define HELPER_ASAN 0
#endif

void
sandbox_helper_log(const char *fmt, ...)
{
	char buf[512];
	static const char prefix[] = "crisp-helper: ";
	memcpy(buf, prefix, sizeof(prefix) - 1);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + sizeof(prefix) - 1, sizeof(buf) - sizeof(prefix), fmt, ap);
	va_end(ap);
	size_t len = sizeof(prefix) - 1;
	if (n > 0)
		len += (size_t)n < sizeof(buf) - sizeof(prefix) ? (size_t)n
								: sizeof(buf) - sizeof(prefix) - 1;
	buf[len++] = '\n';
	(void)!write(HELPER_FD_LOG, buf, len);
}

_Noreturn void
sandbox_helper_fail(int code, const char *msg)
{
	sandbox_helper_log("%s (exit %d)", msg, code);
	_exit(code);
}

static void
fail_errno(int code, const char *what)
{
	sandbox_helper_log("%s: %s (exit %d)", what, strerrorname_np(errno) ?: "?", code);
	_exit(code);
}

/* ---- 1. what the spawner must already have done ------------------------------------------ */

/* Read the bounding set with prctl, not libcap-ng: capng_get_caps_process() reads
 * /proc/<gettid>/status, which in a fresh pid namespace (tid 1) is the host's init. */
static void
check_bounding(uint64_t keep)
{
	for (unsigned long cap = 0; cap < 64; cap++) {
		int have = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (have < 0)
			break;
		if (have == 1 && !(keep & (UINT64_C(1) << cap)))
			sandbox_helper_fail(HELPER_EXIT_IDENTITY, "bounding set not dropped");
	}
}

static void
check_identity(const struct sandbox_policy *p)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		fail_errno(HELPER_EXIT_IDENTITY, "getresuid");
	/* A helper started any other way than by helper_run() refuses to run unconfined. */
	if (ru != p->uid || eu != p->uid || su != p->uid || rg != p->gid || eg != p->gid ||
	    sg != p->gid)
		sandbox_helper_fail(HELPER_EXIT_IDENTITY, "not running as the policy's uid/gid");
	if (getgroups(0, NULL) != 0)
		sandbox_helper_fail(HELPER_EXIT_IDENTITY, "supplementary groups not cleared");
	check_bounding(p->keep_caps);
	if ((p->clone_flags & CLONE_NEWPID) && getpid() != 1)
		sandbox_helper_fail(HELPER_EXIT_IDENTITY, "not alone in a new pid namespace");
	for (int fd = HELPER_FD_LOG; fd <= HELPER_FD_REPLY; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			sandbox_helper_fail(HELPER_EXIT_IDENTITY, "fds 2..4 not set up");
}

/* ---- 2. capabilities ------------------------------------------------------------------------ */

static void
drop_caps(uint64_t keep)
{
	capng_clear(CAPNG_SELECT_BOTH);
	for (unsigned cap = 0; cap < 64; cap++)
		if ((keep & (UINT64_C(1) << cap)) &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, cap) < 0)
			sandbox_helper_fail(HELPER_EXIT_CONFINE, "capng_update failed");
	/* CAPNG_SELECT_CAPS only: the bounding set was dropped by the spawner (we lack
	 * CAP_SETPCAP now) and is checked above. */
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		sandbox_helper_fail(HELPER_EXIT_CONFINE, "capng_apply failed");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		fail_errno(HELPER_EXIT_CONFINE, "clear ambient capabilities");
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &hdr, d) < 0)
		fail_errno(HELPER_EXIT_CONFINE, "capget");
	uint64_t eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	uint64_t prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	if (eff != keep || prm != keep || d[0].inheritable || d[1].inheritable)
		sandbox_helper_fail(HELPER_EXIT_CONFINE, "capabilities not as the policy says");
}

/* ---- 3. rlimits: only ever lowered (root lacks CAP_SYS_RESOURCE on some hosts anyway) ---- */

static void
lower_rlimit(__rlimit_resource_t res, uint64_t soft, uint64_t hard, const char *what)
{
	struct rlimit cur;
	if (getrlimit(res, &cur) < 0)
		fail_errno(HELPER_EXIT_CONFINE, what);
	struct rlimit nl;
	nl.rlim_max = hard < cur.rlim_max ? (rlim_t)hard : cur.rlim_max;
	nl.rlim_cur = soft < nl.rlim_max ? (rlim_t)soft : nl.rlim_max;
	if (setrlimit(res, &nl) < 0)
		fail_errno(HELPER_EXIT_CONFINE, what);
}

static void
set_rlimits(const struct sandbox_rlimits *l)
{
	/* FSIZE 0: a parser cannot fill a disk even through an fd it was handed. */
	lower_rlimit(RLIMIT_FSIZE, l->fsize, l->fsize, "RLIMIT_FSIZE");
	lower_rlimit(RLIMIT_NOFILE, l->nofile, l->nofile, "RLIMIT_NOFILE");
	/* NPROC 0: no fork even if the filter had a hole. Counted per uid, so other helpers
	 * running as the same uid do not matter: it only stops new processes. */
	lower_rlimit(RLIMIT_NPROC, l->nproc, l->nproc, "RLIMIT_NPROC");
	lower_rlimit(RLIMIT_CORE, l->core, l->core, "RLIMIT_CORE");
	/* ASan reserves terabytes of shadow address space: an AS limit would kill it at once. */
	if (!HELPER_ASAN)
		lower_rlimit(RLIMIT_AS, l->as, l->as, "RLIMIT_AS");
	/* CPU: SIGXCPU at the soft limit, SIGKILL one second later. */
	uint64_t hard = l->cpu == UINT64_MAX ? UINT64_MAX : l->cpu + 1;
	lower_rlimit(RLIMIT_CPU, l->cpu, hard, "RLIMIT_CPU");
}

/* ---- 5. seccomp --------------------------------------------------------------------------------
 */

#ifdef CRISP_SECCOMP_TRAP
/* Debug builds (CFLAGS=-DCRISP_SECCOMP_TRAP): name the offending syscall instead of dying
 * silently. Only write and exit_group run here, both allowed by every policy. */
static void
sigsys_reporter(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	char msg[64] = "crisp-helper: seccomp trapped syscall ";
	size_t len = strlen(msg);
	char digits[12];
	size_t nd = 0;
	unsigned v = (unsigned)si->si_syscall;
	do
		digits[nd++] = (char)('0' + v % 10);
	while ((v /= 10) != 0 && nd < sizeof(digits));
	while (nd > 0 && len < sizeof(msg) - 1)
		msg[len++] = digits[--nd];
	msg[len++] = '\n';
	(void)!write(HELPER_FD_LOG, msg, len);
	_exit(HELPER_EXIT_SECCOMP_TRAP);
}

static uint32_t
default_action(void)
{
	struct sigaction sa = {.sa_sigaction = sigsys_reporter, .sa_flags = SA_SIGINFO};
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		fail_errno(HELPER_EXIT_CONFINE, "sigaction(SIGSYS)");
	return SCMP_ACT_TRAP;
}
#else
static uint32_t
default_action(void)
{
	return SCMP_ACT_KILL_PROCESS;
}
#endif

static void
ctx_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

static void
load_filter(const struct sandbox_policy *p)
{
	cleanup(ctx_releasep) scmp_filter_ctx ctx = NULL;
	int e = filter_build(p, filter_variant_for_build(), default_action(), &ctx);
	if (e < 0) {
		errno = -e;
		fail_errno(HELPER_EXIT_CONFINE, "build seccomp filter");
	}
	e = seccomp_load(ctx);
	if (e < 0) {
		errno = -e;
		fail_errno(HELPER_EXIT_CONFINE, "load seccomp filter");
	}
	/* ctx is freed here, under the filter: free() only needs brk/munmap, which every
	 * policy allows. */
}

void
sandbox_helper_enter(const struct sandbox_policy *p)
{
	check_identity(p);
	drop_caps(p->keep_caps);
	set_rlimits(&p->rlimits);
	/* no_new_privs: execve can never gain privileges again (setuid bits, file caps); it is
	 * also what lets an unprivileged process install a seccomp filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail_errno(HELPER_EXIT_CONFINE, "PR_SET_NO_NEW_PRIVS");
	/* Not dumpable: no core, no ptrace attach by our own uid, /proc/self owned by root. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail_errno(HELPER_EXIT_CONFINE, "PR_SET_DUMPABLE");
	load_filter(p);
}

/* ---- one frame in, one frame out ---------------------------------------------------------- */

int
sandbox_helper_recv(size_t cap, uint8_t **ret_buf, size_t *ret_len)
{
	return frame_read(HELPER_FD_REQUEST, cap, ret_buf, ret_len);
}

int
sandbox_helper_send(const uint8_t *buf, size_t len, size_t cap)
{
	return frame_write(HELPER_FD_REPLY, buf, len, cap);
}

/* Grow geometrically up to cap + 1 bytes: one byte more than allowed proves "too big". */
static int
bulk_grow(uint8_t **buf, size_t *size, size_t cap)
{
	size_t want = *size ? *size * 2 : (size_t)64 * 1024u;
	if (want > cap + 1 || want < *size)
		want = cap + 1;
	uint8_t *n = realloc(*buf, want);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*size = want;
	return 0;
}

int
sandbox_helper_read_bulk(size_t cap, uint8_t **ret_buf, size_t *ret_len)
{
	if (cap == SIZE_MAX)
		return -EINVAL;
	cleanup_free uint8_t *buf = NULL;
	size_t size = 0, got = 0;
	for (;;) {
		if (got == size && bulk_grow(&buf, &size, cap) < 0)
			return -ENOMEM;
		ssize_t n = read(HELPER_FD_BULK, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > cap)
			return -EFBIG;
	}
	*ret_buf = TAKE_PTR(buf);
	*ret_len = got;
	return 0;
}
