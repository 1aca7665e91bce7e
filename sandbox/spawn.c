/* SPDX-License-Identifier: Apache-2.0 */
/* Spawn a helper with clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD|CLONE_NEW*): the child lays out
 * fds, resets signals, drops identity and capabilities, sets its SELinux exec label, execve()s.
 * runs in: daemon/privileged (the child part runs between clone and execve). */
#include "sandbox/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parsers/base/macro.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The child runs on this stack inside the caller's address space until execve. */
#define SPAWN_STACK_SIZE ((size_t)64 * 1024u)

#define SPAWN_NS_ALLOWED                                                                           \
	(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWCGROUP)

/* The child shares memory with a daemon thread; ASan's bookkeeping is per thread and must not
 * see it, and the sanitizer runtime is not async-signal-safe. */
#define CHILD_FN __attribute__((no_sanitize("address", "undefined")))

struct child_args {
	const struct spawn_opts *o;
	const char *const *envp;
	volatile int err;  /* written by a failing child before it exits */
	volatile int step; /* enum spawn_step */
};

/* Kernel layout of struct sigaction for rt_sigaction(2). */
struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

/*
 * The child. It shares the daemon's memory, so it must not touch malloc, stdio, locks or any
 * glibc wrapper with process-wide side effects: only raw syscalls. In particular glibc's
 * setresuid() would broadcast SIGSETXID to every daemon thread from this child.
 */

CHILD_FN static _Noreturn void
child_fail(struct child_args *a, enum spawn_step s)
{
	a->err = errno > 0 ? errno : EIO;
	a->step = (int)s;
	(void)syscall(SYS_exit, 127);
	__builtin_unreachable();
}

/* 0,1 = /dev/null, 2..5 from o->fds, everything else closed. Without close_range the helper
 * would inherit whatever fd another daemon thread opened without CLOEXEC (none should). */
CHILD_FN static int
child_fds(const struct spawn_opts *o)
{
	int tmp[SPAWN_NFDS];
	long null = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -1;
	for (int i = 0; i < SPAWN_NFDS; i++) {
		int src = i < 2 ? (int)null : o->fds[i];
		tmp[i] = -1;
		/* Move every source above 5 first, so a source that sits in 0..5 survives. */
		if (src >= 0) {
			long t = syscall(SYS_fcntl, src, F_DUPFD_CLOEXEC, SPAWN_NFDS);
			if (t < 0)
				return -1;
			tmp[i] = (int)t;
		}
	}
	for (int i = 0; i < SPAWN_NFDS; i++) {
		if (tmp[i] < 0)
			(void)syscall(SYS_close, i);
		else if (syscall(SYS_dup3, tmp[i], i, 0) < 0) /* 0..5 lose CLOEXEC here */
			return -1;
	}
	return (int)syscall(SYS_close_range, SPAWN_NFDS, ~0U, 0);
}

/* Default dispositions: a handler of the daemon must never run in this child, and the helper
 * must not inherit ignored signals (an ignored SIGXCPU would defeat the CPU rlimit). */
CHILD_FN static int
child_signals(void)
{
	struct k_sigaction ka = {.handler = SIG_DFL};
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (syscall(SYS_rt_sigaction, sig, &ka, NULL, sizeof(uint64_t)) < 0)
			return -1;
	}
	return 0;
}

/* Written before the identity switch: once the uid changes the task is no longer dumpable
 * and /proc/thread-self/attr/exec is no longer ours to open. Takes effect at execve. */
CHILD_FN static int
child_label(const char *label)
{
	if (!label)
		return 0;
	long fd =
	    syscall(SYS_openat, AT_FDCWD, "/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = __builtin_strlen(label) + 1;
	long n = syscall(SYS_write, fd, label, len);
	(void)syscall(SYS_close, fd);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Dropping from the bounding set needs CAP_SETPCAP, which setresuid() takes away, so this
 * runs before the identity switch (STYLE.md lists capabilities after it). Without it a
 * setuid-root or file-capability binary could hand capabilities back (no_new_privs, set in
 * the helper prologue, is the second lock on that door). */
CHILD_FN static int
child_bounding(uint64_t keep)
{
	for (unsigned long cap = 0; cap < 64; cap++) {
		long have = syscall(SYS_prctl, PR_CAPBSET_READ, cap, 0, 0, 0);
		if (have < 0)
			break; /* EINVAL: past the kernel's last capability */
		if (have == 1 && !(keep & (UINT64_C(1) << cap)) &&
		    syscall(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -1;
	}
	return (int)syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* Supplementary groups first (they would keep the daemon's root group), then gid, then uid:
 * after setresuid() we could not change the groups any more. */
CHILD_FN static int
child_ids(uint32_t uid, uint32_t gid)
{
	if (syscall(SYS_setgroups, 0, NULL) < 0)
		return -1;
	if (syscall(SYS_setresgid, gid, gid, gid) < 0)
		return -1;
	return (int)syscall(SYS_setresuid, uid, uid, uid);
}

/* Effective, permitted and inheritable sets: keep (uid 0 only) or nothing. The kernel already
 * cleared them for a non-root uid; this makes the state explicit and independent of securebits. */
CHILD_FN static int
child_caps(uint64_t keep)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {
	    {.effective = (uint32_t)keep, .permitted = (uint32_t)keep},
	    {.effective = (uint32_t)(keep >> 32), .permitted = (uint32_t)(keep >> 32)},
	};
	return (int)syscall(SYS_capset, &hdr, data);
}

CHILD_FN static int
child_main(void *arg)
{
	struct child_args *a = arg;
	const struct spawn_opts *o = a->o;
	uint64_t empty_mask = 0;

	if (child_fds(o) < 0)
		child_fail(a, SPAWN_STEP_FDS);
	if (child_signals() < 0)
		child_fail(a, SPAWN_STEP_SIGNALS);
	/* The daemon thread that spawned us waits for us; if the daemon dies, so do we. */
	if (syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(a, SPAWN_STEP_PDEATHSIG);
	if (child_label(o->exec_label) < 0)
		child_fail(a, SPAWN_STEP_LABEL);
	if (child_bounding(o->keep_caps) < 0)
		child_fail(a, SPAWN_STEP_BOUNDING);
	if (child_ids(o->uid, o->gid) < 0)
		child_fail(a, SPAWN_STEP_IDS);
	if (child_caps(o->keep_caps) < 0)
		child_fail(a, SPAWN_STEP_CAPS);
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, NULL, sizeof(empty_mask)) < 0)
		child_fail(a, SPAWN_STEP_SIGNALS);
	(void)syscall(SYS_execve, o->path, o->argv, a->envp);
	child_fail(a, SPAWN_STEP_EXEC);
}

/* ---- parent side ---------------------------------------------------------------------- */

static int
spawn_opts_ok(const struct spawn_opts *o)
{
	if (!o->path || o->path[0] != '/' || !o->argv || !o->argv[0])
		return 0;
	if ((o->clone_flags & ~SPAWN_NS_ALLOWED) != 0)
		return 0;
	/* Keeping capabilities across execve under a non-root uid would need ambient caps. */
	if (o->keep_caps != 0 && o->uid != 0)
		return 0;
	for (int i = 2; i < SPAWN_NFDS; i++)
		if (o->fds[i] < -1 || (i < 5 && o->fds[i] < 0))
			return 0;
	return 1;
}

static void
reap_pidfd(int pidfd)
{
	siginfo_t si;
	while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
}

static pid_t
clone_child(struct child_args *a, int *ret_pidfd)
{
	const size_t guard = (size_t)sysconf(_SC_PAGESIZE);
	const size_t total = guard + SPAWN_STACK_SIZE;
	void *stack = mmap(NULL, total, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -1;
	pid_t pid = -1;
	if (mprotect(stack, guard, PROT_NONE) == 0) {
		/* Every signal blocked across clone: a daemon handler must not run on the child's
		 * stack in shared memory. The child resets dispositions, then unblocks. */
		sigset_t all, old;
		sigfillset(&all);
		int e = pthread_sigmask(SIG_SETMASK, &all, &old);
		if (e != 0) {
			(void)munmap(stack, total);
			errno = e;
			return -1;
		}
		pid = clone(child_main, (uint8_t *)stack + total,
			    CLONE_VM | CLONE_VFORK | CLONE_PIDFD | a->o->clone_flags | SIGCHLD, a,
			    ret_pidfd);
		int saved = errno;
		(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
		errno = saved;
	}
	int saved = errno;
	(void)munmap(stack, total);
	errno = saved;
	return pid;
}

int
spawn_start(const struct spawn_opts *o, struct spawn_child *ret, enum spawn_step *reterr_step)
{
	static const char *const empty_env[] = {NULL};
	if (!spawn_opts_ok(o)) {
		*reterr_step = SPAWN_STEP_NONE;
		return -EINVAL;
	}
	struct child_args a = {.o = o, .envp = empty_env, .step = SPAWN_STEP_NONE};
	int pidfd = -EBADF;
	pid_t pid = clone_child(&a, &pidfd);
	if (pid < 0) {
		*reterr_step = SPAWN_STEP_CLONE;
		return -errno;
	}
	if (a.step != SPAWN_STEP_NONE) {
		/* The child exited (127) before or at execve: reap it, report where it failed. */
		reap_pidfd(pidfd);
		(void)close(pidfd);
		*reterr_step = (enum spawn_step)a.step;
		return -a.err;
	}
	ret->pid = pid;
	ret->pidfd = pidfd;
	return 0;
}

const char *
spawn_step_to_string(enum spawn_step s)
{
	static const char *const names[SPAWN_STEP_COUNT] = {
	    "none",         "clone",
	    "fd layout",    "signals",
	    "pdeathsig",    "selinux exec label",
	    "bounding set", "setgroups/setresgid/setresuid",
	    "capset",       "execve",
	};
	return (unsigned)s < SPAWN_STEP_COUNT ? names[s] : "?";
}
