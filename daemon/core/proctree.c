/* SPDX-License-Identifier: Apache-2.0 */
/* Killing a process tree (see proctree.h). /proc is the host's (crispd runs in the initial
 * PID namespace), so the pids read there are the ones kill(2) takes.
 * runs in: daemon/privileged. */
#include "daemon/core/proctree.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

static int
pidfd_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

/* A decimal pid of 1..PROCTREE_PID_MAX from s, or -EINVAL. */
static pid_t
parse_pid(const char *s, char **ret_end)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	*ret_end = end;
	if (end == s || errno || v <= 1 || v > PROCTREE_PID_MAX)
		return -EINVAL;
	return (pid_t)v;
}

int
proctree_open_pid_file(const char *path, int *ret_pidfd, pid_t *ret_pid)
{
	char buf[32];
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT; /* runc writes it after creating the process */
	buf[n] = '\0';
	char *end;
	pid_t pid = parse_pid(buf, &end);
	if (pid < 0 || (*end && *end != '\n'))
		return -EINVAL;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -errno;
	*ret_pidfd = pidfd;
	*ret_pid = pid;
	return 0;
}

static bool
known(const pid_t *v, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

/* Append the children of every thread of pid to v (stopping them as they are found). */
static void
add_children(pid_t pid, pid_t *v, size_t *n)
{
	char path[64], buf[PROCTREE_CHILDREN_READ_MAX];
	(void)snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	if (len <= 0)
		return;
	buf[len] = '\0';
	for (char *s = buf; *s && *n < PROCTREE_MAX_PROCS;) {
		char *end;
		pid_t c = parse_pid(s, &end);
		if (c < 0)
			break;
		if (!known(v, *n, c)) {
			(void)kill(c, SIGSTOP);
			v[(*n)++] = c;
		}
		s = end;
		while (*s == ' ' || *s == '\n')
			s++;
	}
}

static void
wait_exit(int pidfd, unsigned ms)
{
	struct pollfd p = {pidfd, POLLIN, 0};
	while (poll(&p, 1, (int)ms) < 0 && errno == EINTR)
		;
}

int
proctree_kill(int root_pidfd, pid_t root_pid)
{
	int r = pidfd_signal(root_pidfd, SIGSTOP);
	if (r < 0)
		return r;
	pid_t *v = calloc(PROCTREE_MAX_PROCS, sizeof(*v));
	size_t n = 0;
	if (v) {
		v[n++] = root_pid;
		/* breadth first: every member found is stopped before its children are read */
		for (size_t i = 0; i < n && n < PROCTREE_MAX_PROCS; i++)
			add_children(v[i], v, &n);
		for (size_t i = 1; i < n; i++)
			(void)kill(v[i], SIGKILL);
	}
	free(v);
	r = pidfd_signal(root_pidfd, SIGKILL);
	wait_exit(root_pidfd, PROCTREE_EXIT_WAIT_MS);
	return r < 0 ? r : (int)(n ? n : 1);
}
