/* SPDX-License-Identifier: Apache-2.0 */
/* Containers and the OCI runtime: create through conmon (sync and start pipes, as CRI-O
 * drives it), then start, kill, delete, state and exec with the handler's runtime binary.
 * What conmon and the runtime print is parsed in crisp-helper-rtstate; their error text
 * reaches the client escaped.
 * runs in: daemon/privileged. */
#include "daemon/containers/ctr_runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/core/prog.h"
#include "daemon/helpers/rtstate_call.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

static char *const rt_env[] = {
    UNCONST("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), NULL};

static size_t
base_args(const struct rt_ctx *rc, char **argv, size_t max)
{
	size_t n = 0;
	argv[n++] = rc->rt->path;
	argv[n++] = UNCONST("--root");
	argv[n++] = rc->rt->root;
	if (rc->systemd && n < max)
		argv[n++] = UNCONST("--systemd-cgroup");
	return n;
}

static void
tail_escaped(const char *s, size_t len, char *out, size_t outsz)
{
	size_t off = len > 400 ? len - 400 : 0;
	log_escape(s + off, len - off, out, outsz);
}

int
rt_run(const struct rt_ctx *rc, char *const *args, unsigned timeout_ms, struct prog_result *res,
       char *err, size_t errsz)
{
	char *argv[32];
	size_t n = base_args(rc, argv, ELEMENTSOF(argv));
	for (size_t i = 0; args[i] && n + 1 < ELEMENTSOF(argv); i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	struct prog_opts o = {.path = rc->rt->path,
			      .argv = argv,
			      .envp = rt_env,
			      .stdout_max = RT_STATE_MAX_BYTES,
			      .stderr_max = RT_MAX_STDERR,
			      .timeout_ms = prog_timeout_ms(
				  timeout_ms ? timeout_ms : RT_CMD_TIMEOUT_MS, rc->deadline_ns)};
	int r = prog_run(&o, res);
	if (r == 0 && res->exited && res->status == 0)
		return 0;
	char esc[4 * LOG_MAX_UNTRUSTED + 4] = "";
	if (res->err)
		tail_escaped(res->err, res->err_len, esc, sizeof(esc));
	if (r < 0)
		snprintf(err, errsz, "%s %s: %s", rc->rt->name, args[0],
			 r == -ETIMEDOUT ? "timed out" : strerror(-r));
	else
		snprintf(err, errsz, "%s %s failed (exit %d): %s", rc->rt->name, args[0],
			 res->status, esc[0] ? esc : "no output");
	return r < 0 ? r : -EIO;
}

int
rt_simple(const struct rt_ctx *rc, char *const *args, char *err, size_t errsz)
{
	struct prog_result res;
	int r = rt_run(rc, args, 0, &res, err, errsz);
	prog_result_done(&res);
	return r;
}

int
rt_state(const struct rt_ctx *rc, const char *id, struct rt_state *ret, char *err, size_t errsz)
{
	char *args[] = {UNCONST("state"), UNCONST(id), NULL};
	struct prog_result res;
	int r = rt_run(rc, args, 0, &res, err, errsz);
	if (r == 0)
		r = rt_parse_state(rc->helpers, res.out, res.out_len, ret, err, errsz);
	prog_result_done(&res);
	return r;
}

/* ---- conmon --------------------------------------------------------------------------- */

static int
spawn_conmon(char *const *argv, const char *cwd, int sync_w, int start_r, int log_fd,
	     pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, log_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, log_fd, 2);
	posix_spawn_file_actions_adddup2(&fa, sync_w, 3);
	posix_spawn_file_actions_adddup2(&fa, start_r, 4);
	posix_spawn_file_actions_addclosefrom_np(&fa, 5);
	/* conmon drops files such as "oom" in its working directory: make it the bundle. */
	posix_spawn_file_actions_addchdir_np(&fa, cwd);
	sigset_t none, defs;
	sigemptyset(&none);
	sigemptyset(&defs);
	sigaddset(&defs, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &defs);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					  POSIX_SPAWN_SETSID);
	char *env[] = {rt_env[0], UNCONST("_OCI_SYNCPIPE=3"), UNCONST("_OCI_STARTPIPE=4"), NULL};
	int r = posix_spawn(ret_pid, argv[0], &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -r;
}

/* Read what conmon writes on the sync pipe until the first complete line (or EOF). */
static int
read_sync(int fd, uint8_t *buf, size_t max, size_t *ret_len, unsigned timeout_ms)
{
	size_t len = 0;
	struct timespec t0;
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct timespec now;
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= (long)timeout_ms)
			return -ETIMEDOUT;
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, (int)(timeout_ms - (unsigned long)spent)) < 0 && errno != EINTR)
			return -errno;
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(fd, buf + len, max - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) || len == max)
			break;
	}
	*ret_len = len;
	return 0;
}

static size_t
conmon_args(const struct rt_ctx *rc, const struct conmon_opts *o, char **a, char *rtroot,
	    size_t rtroot_sz)
{
	size_t n = 0;
	snprintf(rtroot, rtroot_sz, "--root=%s", rc->rt->root);
	a[n++] = UNCONST(o->conmon);
	a[n++] = UNCONST("--api-version");
	a[n++] = UNCONST("1");
	a[n++] = UNCONST("-c");
	a[n++] = UNCONST(o->id);
	a[n++] = UNCONST("-u");
	a[n++] = UNCONST(o->id);
	a[n++] = UNCONST("-n");
	a[n++] = UNCONST(o->name);
	a[n++] = UNCONST("-r");
	a[n++] = rc->rt->path;
	a[n++] = UNCONST("-b");
	a[n++] = UNCONST(o->bundle);
	a[n++] = UNCONST("-p");
	a[n++] = UNCONST(o->pid_file);
	a[n++] = UNCONST("-P");
	a[n++] = UNCONST(o->conmon_pid_file);
	a[n++] = UNCONST("-l");
	a[n++] = UNCONST(o->log_spec);
	a[n++] = UNCONST("--exit-dir");
	a[n++] = UNCONST(o->exit_dir);
	a[n++] = UNCONST("--socket-dir-path");
	a[n++] = UNCONST(o->socket_dir);
	a[n++] = UNCONST("--runtime-arg");
	a[n++] = rtroot;
	if (rc->systemd) {
		a[n++] = UNCONST("--systemd-cgroup");
		a[n++] = UNCONST("--runtime-arg");
		a[n++] = UNCONST("--systemd-cgroup");
	}
	if (o->tty)
		a[n++] = UNCONST("-t");
	a[n++] = UNCONST("--log-level");
	a[n++] = UNCONST("info");
	a[n] = NULL;
	return n;
}

int
rt_conmon_create(const struct rt_ctx *rc, const struct conmon_opts *o, int *ret_pid, char *err,
		 size_t errsz)
{
	char *argv[48], rtroot[sizeof("--root=") + CRISP_PATH_MAX];
	(void)conmon_args(rc, o, argv, rtroot, sizeof(rtroot));
	cleanup_free uint8_t *buf = malloc(CONMON_SYNC_MAX_BYTES);
	if (!buf)
		return -ENOMEM;
	int sync[2], start[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(start, O_CLOEXEC) < 0) {
		closep(&sync[0]), closep(&sync[1]);
		return -errno;
	}
	cleanup_close int log_fd =
	    open(o->conmon_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	pid_t pid = -1;
	int r =
	    log_fd < 0 ? -errno : spawn_conmon(argv, o->bundle, sync[1], start[0], log_fd, &pid);
	closep(&sync[1]);
	closep(&start[0]);
	if (r == 0)
		(void)!write(start[1], "0", 1); /* conmon waits for this before `runtime create` */
	closep(&start[1]);
	if (r == 0) /* conmon's first process exits once its daemonised child runs */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	size_t len = 0;
	unsigned limit = prog_timeout_ms(CONMON_CREATE_TIMEOUT_MS, rc->deadline_ns);
	if (r == 0 && (r = read_sync(sync[0], buf, CONMON_SYNC_MAX_BYTES, &len, limit)) < 0) {
		/* conmon outlives its first process in a session of its own, with the runtime
		 * it waits for; left alone, a hung `runtime create` keeps both forever. */
		int k = prog_kill_group_from_pid_file(o->conmon_pid_file);
		snprintf(err, errsz, "conmon did not report within %u ms (%s)", limit,
			 k > 0 ? "killed" : "no conmon left to kill");
	}
	closep(&sync[0]);
	if (r < 0) {
		if (!err[0])
			snprintf(err, errsz, "cannot run conmon %s: %s", o->conmon, strerror(-r));
		return r;
	}
	struct conmon_msg m[4];
	size_t nm = 0;
	if (len == 0) {
		snprintf(err, errsz, "conmon exited without reporting (see %s)", o->conmon_log);
		return -EIO;
	}
	r = rt_parse_conmon(rc->helpers, buf, len, m, ELEMENTSOF(m), &nm, err, errsz);
	if (r < 0)
		return r;
	if (nm == 0 || !m[0].has_data || m[0].data <= 0) {
		char esc[4 * LOG_MAX_UNTRUSTED + 4];
		log_escape(nm ? m[0].message : "", nm ? strlen(m[0].message) : 0, esc, sizeof(esc));
		snprintf(err, errsz, "%s create failed: %s", rc->rt->name,
			 esc[0] ? esc : "no message from conmon");
		return -EIO;
	}
	*ret_pid = m[0].data;
	return 0;
}

int
rt_exec_sync(const struct rt_ctx *rc, const char *id, char *const *cmd, size_t n_cmd,
	     unsigned timeout_ms, const char *pid_file, struct prog_result *res, char *err,
	     size_t errsz)
{
	char *argv[64];
	size_t n = base_args(rc, argv, ELEMENTSOF(argv));
	argv[n++] = UNCONST("exec");
	argv[n++] = UNCONST("--pid-file");
	argv[n++] = UNCONST(pid_file);
	argv[n++] = UNCONST(id);
	if (n_cmd + n + 1 > ELEMENTSOF(argv)) {
		snprintf(err, errsz, "too many arguments");
		return -E2BIG;
	}
	/* runc takes everything after the container id as the command (no "--"). */
	for (size_t i = 0; i < n_cmd; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
	struct prog_opts o = {.path = rc->rt->path,
			      .argv = argv,
			      .envp = rt_env,
			      .stdout_max = EXECSYNC_MAX_OUTPUT,
			      .stderr_max = EXECSYNC_MAX_OUTPUT,
			      .timeout_ms = timeout_ms,
			      .truncate = 1,
			      .kill_pid_file = pid_file};
	int r = prog_run(&o, res);
	if (r < 0)
		snprintf(err, errsz, "%s", r == -ETIMEDOUT ? "timed out" : strerror(-r));
	return r;
}
