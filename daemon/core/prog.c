/* SPDX-License-Identifier: Apache-2.0 */
/* Run a trusted local program with pipes and a deadline (see prog.h). posix_spawn keeps the
 * multithreaded daemon safe (no fork of a threaded process), and a pidfd lets us wait with
 * a timeout and kill exactly our child.
 * runs in: daemon/privileged. */
#include "daemon/core/prog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/core/proctree.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct sink {
	uint8_t *buf;
	size_t len, cap, max;
	int overflow;
};

static int
sink_read(struct sink *s, int fd)
{
	uint8_t tmp[16384];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -errno;
	if (n == 0)
		return 0;
	size_t take = (size_t)n;
	if (s->len + take > s->max) {
		s->overflow = 1;
		take = s->max - s->len;
	}
	if (take && (!s->buf || s->len + take + 1 > s->cap)) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + take + 1)
			cap *= 2;
		uint8_t *nb = realloc(s->buf, cap);
		if (!nb)
			return -ENOMEM;
		s->buf = nb;
		s->cap = cap;
	}
	if (take)
		memcpy(s->buf + s->len, tmp, take);
	s->len += take;
	return 1;
}

static int
spawn_child(const struct prog_opts *o, int in_r, int out_w, int err_w, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, in_r, 0);
	posix_spawn_file_actions_adddup2(&fa, out_w, 1);
	posix_spawn_file_actions_adddup2(&fa, err_w, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* The daemon blocks SIGTERM/SIGINT/SIGHUP for its signalfd; the child must not
	 * inherit that mask or ignore SIGPIPE. */
	sigset_t none, defs;
	sigemptyset(&none);
	sigemptyset(&defs);
	sigaddset(&defs, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &defs);
	/* A group of its own (pgid = pid), so a kill at the deadline reaches what it started. */
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					  POSIX_SPAWN_SETPGROUP);
	int r = posix_spawn(ret_pid, o->path, &fa, &at, o->argv, o->envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -r;
}

static void
kill_and_reap(pid_t pid, int pidfd, int *status)
{
	/* Still our unreaped child: neither its pid nor its group id can have been reused. The
	 * group goes first (a plugin script's `sleep` would otherwise outlive it). */
	(void)kill(-pid, SIGKILL);
	if (pidfd < 0 || syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
}

/* The process a `runc exec` started (o->kill_pid_file), held by a pidfd from as soon as the
 * runtime wrote its pid. */
struct pid_watch {
	const char *path;
	int pidfd;
	pid_t pid;
};

/* Pump stdin/stdout/stderr until the child exits and its pipes close, or the deadline. */
static int
pump(const struct prog_opts *o, int fds[3], int pidfd, struct sink *out, struct sink *err,
     struct pid_watch *w)
{
	size_t in_off = 0;
	uint64_t deadline = mono_ms() + o->timeout_ms;
	for (;;) {
		if (w->path && w->pidfd < 0)
			(void)proctree_open_pid_file(w->path, &w->pidfd, &w->pid);
		/* Once the child has exited its pidfd stays readable: stop watching it, or a
		 * grandchild that keeps the pipes open would make this loop spin until the
		 * deadline. */
		struct pollfd p[4] = {{fds[0], POLLOUT, 0},
				      {fds[1], POLLIN, 0},
				      {fds[2], POLLIN, 0},
				      {pidfd, POLLIN, 0}};
		if (fds[0] < 0 && fds[1] < 0 && fds[2] < 0)
			return 0;
		uint64_t now = mono_ms();
		if (now >= deadline)
			return -ETIMEDOUT;
		uint64_t wait = deadline - now;
		if (w->path && w->pidfd < 0 && wait > PROG_PID_FILE_POLL_MS)
			wait = PROG_PID_FILE_POLL_MS; /* until the pid file appears */
		if (poll(p, 4, (int)wait) < 0 && errno != EINTR)
			return -errno;
		if (p[3].revents & POLLIN)
			pidfd = -1;
		if (fds[0] >= 0 && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(fds[0], o->stdin_buf + in_off, o->stdin_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			if (n < 0 || in_off == o->stdin_len)
				closep(&fds[0]), fds[0] = -1;
		}
		for (int i = 1; i < 3; i++) {
			if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			int r = sink_read(i == 1 ? out : err, fds[i]);
			if (r < 0)
				return r;
			if (r == 0)
				closep(&fds[i]), fds[i] = -1;
		}
		if (out->overflow && !o->truncate)
			return -EMSGSIZE;
	}
}

/* At the deadline of a `runc exec`: the command and everything it started go first (through
 * the pidfd taken when the pid file appeared), then the runtime gets a moment to reap its
 * child and exit on its own, so no zombie is left for the container's init to ignore. */
static void
kill_exec_tree(struct pid_watch *w, int runtime_pidfd)
{
	if (w->pidfd < 0 && proctree_open_pid_file(w->path, &w->pidfd, &w->pid) < 0)
		return; /* no pid yet: the command never started */
	(void)proctree_kill(w->pidfd, w->pid);
	struct pollfd p = {runtime_pidfd, POLLIN, 0};
	while (poll(&p, 1, PROCTREE_EXIT_WAIT_MS) < 0 && errno == EINTR)
		;
}

/* The pid written in a pid file (by runc or conmon, trusted local programs), or -errno. */
static int
read_pid_file(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	char *end = NULL;
	long pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 1 || pid >= (1L << 22))
		return -EINVAL;
	return (int)pid;
}

int
prog_kill_group_from_pid_file(const char *path)
{
	int pid = read_pid_file(path);
	if (pid < 0)
		return pid;
	/* Only a group leader: a stale file naming some other process must not kill its
	 * group (and pid 1's group is never ours). */
	if (getpgid((pid_t)pid) != (pid_t)pid)
		return -ESRCH;
	if (kill(-(pid_t)pid, SIGKILL) < 0)
		return -errno;
	return pid;
}

unsigned
prog_timeout_ms(unsigned limit_ms, uint64_t deadline_ns)
{
	if (!deadline_ns)
		return limit_ms;
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (deadline_ns <= now)
		return 1;
	uint64_t left = (deadline_ns - now + 999999u) / 1000000u;
	return left < limit_ms ? (unsigned)left : limit_ms;
}

/* Run with stdio on /dev/null and a file; wait for the exit only. */
static int
run_to_file(const struct prog_opts *o, struct prog_result *ret)
{
	cleanup_close int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	cleanup_close int out =
	    open(o->stdio_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (in < 0 || out < 0)
		return -errno;
	pid_t pid;
	int r = spawn_child(o, in, out, out, &pid);
	if (r < 0)
		return r;
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {pidfd, POLLIN, 0};
	int status = 0;
	if (pidfd < 0 || poll(&p, 1, (int)o->timeout_ms) <= 0) {
		r = -ETIMEDOUT;
		kill_and_reap(pid, pidfd, &status);
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	ret->exited = WIFEXITED(status);
	ret->status = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
	ret->out = calloc(1, 1);
	ret->err = calloc(1, 1);
	return r;
}

int
prog_run(const struct prog_opts *o, struct prog_result *ret)
{
	*ret = (struct prog_result){0};
	if (o->stdio_file)
		return run_to_file(o, ret);
	int in[2], outp[2], errp[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(outp, O_CLOEXEC) < 0) {
		closep(&in[0]), closep(&in[1]);
		return -errno;
	}
	if (pipe2(errp, O_CLOEXEC) < 0) {
		closep(&in[0]), closep(&in[1]), closep(&outp[0]), closep(&outp[1]);
		return -errno;
	}
	pid_t pid;
	int r = spawn_child(o, in[0], outp[1], errp[1], &pid);
	closep(&in[0]), closep(&outp[1]), closep(&errp[1]);
	int fds[3] = {in[1], outp[0], errp[0]};
	if (r < 0) {
		for (int i = 0; i < 3; i++)
			closep(&fds[i]);
		return r;
	}
	(void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct sink out = {.max = o->stdout_max}, err = {.max = o->stderr_max};
	struct pid_watch w = {.path = o->kill_pid_file, .pidfd = -EBADF};
	r = pidfd < 0 ? -errno : pump(o, fds, pidfd, &out, &err, &w);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			closep(&fds[i]);
	int status = 0;
	if (r == -ETIMEDOUT && w.path)
		kill_exec_tree(&w, pidfd);
	if (w.pidfd >= 0)
		closep(&w.pidfd);
	if (r < 0)
		kill_and_reap(pid, pidfd, &status);
	else
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	ret->exited = WIFEXITED(status);
	ret->status = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
	ret->out = out.buf ? out.buf : calloc(1, 1);
	ret->out_len = out.len;
	if (out.buf)
		out.buf[out.len] = '\0';
	ret->err = err.buf ? (char *)err.buf : calloc(1, 1);
	ret->err_len = err.len;
	ret->out_truncated = out.overflow;
	ret->err_truncated = err.overflow;
	if (err.buf)
		err.buf[err.len] = '\0';
	return r;
}

void
prog_result_done(struct prog_result *r)
{
	free(r->out);
	free(r->err);
	*r = (struct prog_result){0};
}
