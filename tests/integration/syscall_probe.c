/* SPDX-License-Identifier: Apache-2.0 */
/* A static probe that tests/integration/test_container_policy.py compiles (gcc -static) and
 * runs as /probe inside containers: it tries the syscalls crisp's RuntimeDefault profile
 * blocks and a few it must allow, and prints one line per call, "<name> <return> <errno-name>"
 * ("OK" when the call succeeded), then "file <op> <path> <result> <errno-name>" for masked and
 * read-only paths, then the CapEff/CapBnd/NoNewPrivs/Seccomp lines of /proc/self/status.
 * Each call runs in its own forked child, so one call's side effect (a new namespace, a mount,
 * PTRACE_TRACEME) cannot change what the next one sees.
 * Built with -D_GNU_SOURCE, as everything in this tree.
 * runs in: test containers only (built at test time, never installed). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_userfaultfd
#define __NR_userfaultfd 323
#endif
#ifndef __NR_bpf
#define __NR_bpf 321
#endif
#ifndef __NR_perf_event_open
#define __NR_perf_event_open 298
#endif

static const char *
errname(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
	    {EPERM, "EPERM"},
	    {ENOENT, "ENOENT"},
	    {EINTR, "EINTR"},
	    {EBADF, "EBADF"},
	    {EACCES, "EACCES"},
	    {EFAULT, "EFAULT"},
	    {EBUSY, "EBUSY"},
	    {EEXIST, "EEXIST"},
	    {ENOTDIR, "ENOTDIR"},
	    {EINVAL, "EINVAL"},
	    {ENOSPC, "ENOSPC"},
	    {EROFS, "EROFS"},
	    {ENOSYS, "ENOSYS"},
	    {ENOKEY, "ENOKEY"},
	    {ENOMEM, "ENOMEM"},
	    {E2BIG, "E2BIG"},
	    {EAFNOSUPPORT, "EAFNOSUPPORT"},
	    {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
	    {ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"},
	    {EOPNOTSUPP, "EOPNOTSUPP"},
	    {ENODEV, "ENODEV"},
	    {EUSERS, "EUSERS"},
	    {ENOTTY, "ENOTTY"},
	    {EISDIR, "EISDIR"},
	};

	static char buf[32];
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static long
c_af_alg(void)
{
	return socket(AF_ALG, SOCK_SEQPACKET, 0);
}

static long
c_af_vsock(void)
{
	return socket(AF_VSOCK, SOCK_STREAM, 0);
}

/* KEYCTL_GET_KEYRING_ID (0) of KEY_SPEC_SESSION_KEYRING (-3), create = 0. */
static long
c_keyctl(void)
{
	return syscall(SYS_keyctl, 0L, -3L, 0L);
}

static long
c_unshare_user(void)
{
	return unshare(CLONE_NEWUSER);
}

static long
c_unshare_ns(void)
{
	return unshare(CLONE_NEWNS);
}

static long
c_mount(void)
{
	return mount("none", "/mnt", "tmpfs", 0, NULL);
}

static long
c_bpf(void)
{
	/* BPF_PROG_LOAD (5) with an all-zero attribute. */
	static unsigned char attr[128];
	return syscall(__NR_bpf, 5L, attr, (long)sizeof(attr));
}

static long
c_io_uring(void)
{
	static unsigned char params[120]; /* struct io_uring_params, zeroed */
	return syscall(__NR_io_uring_setup, 1L, params);
}

static long
c_ptrace(void)
{
	return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

/* UFFD_USER_MODE_ONLY (1): with vm.unprivileged_userfaultfd=0 the kernel allows only that
 * form without CAP_SYS_PTRACE, so an Unconfined container shows the call itself works. */
static long
c_userfaultfd(void)
{
	return syscall(__NR_userfaultfd, (long)(O_CLOEXEC | 1));
}

static long
c_perf(void)
{
	/* struct perf_event_attr: type PERF_TYPE_SOFTWARE (1), size, config
	 * PERF_COUNT_SW_TASK_CLOCK (1), flags: disabled | exclude_kernel | exclude_hv. */
	static unsigned int attr[32];
	memset(attr, 0, sizeof(attr));
	attr[0] = 1;
	attr[1] = sizeof(attr);
	attr[2] = 1;
	attr[10] = 1u | (1u << 5) | (1u << 6);
	return syscall(__NR_perf_event_open, attr, 0L, -1L, -1L, 0L);
}

static long
c_getpid(void)
{
	return getpid();
}

static long
c_inet(void)
{
	return socket(AF_INET, SOCK_STREAM, 0);
}

static long
c_openat(void)
{
	return openat(AT_FDCWD, "/etc/hostname", O_RDONLY);
}

static long
c_clock(void)
{
	struct timespec ts;
	return clock_gettime(CLOCK_MONOTONIC, &ts);
}

static const struct {
	const char *name;
	long (*fn)(void);
} calls[] = {
    {"af_alg", c_af_alg},
    {"af_vsock", c_af_vsock},
    {"keyctl", c_keyctl},
    {"unshare_user", c_unshare_user},
    {"unshare_ns", c_unshare_ns},
    {"mount", c_mount},
    {"bpf", c_bpf},
    {"io_uring_setup", c_io_uring},
    {"ptrace", c_ptrace},
    {"userfaultfd", c_userfaultfd},
    {"perf_event_open", c_perf},
    {"getpid", c_getpid},
    {"socket_inet", c_inet},
    {"openat", c_openat},
    {"clock_gettime", c_clock},
};

/* Reads count bytes (masked files read empty), directories count entries. */
static void
file_read(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("file read %s -1 %s\n", path, errname(errno));
		return;
	}
	long total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	int e = errno;
	close(fd);
	if (n < 0)
		printf("file read %s -1 %s\n", path, errname(e));
	else
		printf("file read %s %ld OK\n", path, total);
}

/* Only opens for writing: never writes (sysrq-trigger must not be fed). */
static void
file_openw(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("file openw %s -1 %s\n", path, errname(errno));
		return;
	}
	close(fd);
	printf("file openw %s 0 OK\n", path);
}

static void
status_lines(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	if (!f) {
		printf("status unreadable %s\n", errname(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapBnd:", 7) ||
		    !strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "Seccomp:", 8))
			fputs(line, stdout);
	fclose(f);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	status_lines();
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		pid_t p = fork();
		if (p < 0) {
			printf("%s fork-failed %s\n", calls[i].name, errname(errno));
			continue;
		}
		if (p == 0) {
			errno = 0;
			long r = calls[i].fn();
			int e = errno;
			if (r < 0)
				printf("%s %ld %s\n", calls[i].name, r, errname(e));
			else
				printf("%s %ld OK\n", calls[i].name, r);
			_exit(0);
		}
		int st;
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
	}
	file_read("/proc/interrupts");
	file_read("/proc/timer_list");
	file_read("/proc/keys");
	file_openw("/proc/sys/kernel/hostname");
	file_openw("/proc/sys/vm/drop_caches");
	file_openw("/proc/sysrq-trigger");
	printf("done\n");
	return 0;
}
