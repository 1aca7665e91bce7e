/* SPDX-License-Identifier: Apache-2.0 */
/* Run a local, trusted program (a CNI plugin, an OCI runtime command) with a given
 * environment and stdin bytes, collecting stdout and stderr up to caps, under a deadline.
 * Its output is still treated as untrusted bytes: callers hand it to a helper to parse.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_PROG_H
#define CRISP_DAEMON_PROG_H

#include <stddef.h>
#include <stdint.h>

struct prog_opts {
	const char *path;         /* absolute path of the program */
	char *const *argv;        /* NULL-terminated */
	char *const *envp;        /* NULL-terminated; the child gets exactly this */
	const uint8_t *stdin_buf; /* written to the child's stdin, then closed */
	size_t stdin_len;
	size_t stdout_max;   /* bytes kept; more makes the run fail with -EMSGSIZE */
	size_t stderr_max;   /* bytes kept; the rest is dropped (not an error) */
	unsigned timeout_ms; /* see prog_timeout_ms() to cap it by a request's deadline */
	/* Non-NULL: stdin is /dev/null and stdout+stderr go to this file (created 0600, or
	 * appended), and nothing is captured. For programs that leave a process behind holding
	 * their stdio (`runc run --detach`), where waiting for pipe EOF would never end. */
	const char *stdio_file;
	/* Non-zero: output beyond stdout_max/stderr_max is read and dropped (the result says
	 * so) instead of failing the run; memory stays bounded either way (CVE-2022-1708). */
	int truncate;
	/* Non-NULL: on timeout, the pid written in this file is killed too (the process a
	 * `runc exec` started inside a container, which killing runc alone would leave). */
	const char *kill_pid_file;
};

struct prog_result {
	int exited; /* 1: exit status in status; 0: killed by signal in status */
	int status;
	uint8_t *out; /* NUL-terminated; caller frees */
	size_t out_len;
	char *err; /* NUL-terminated, truncated to stderr_max; caller frees */
	size_t err_len;
	int out_truncated, err_truncated;
};

/* Run and wait. Returns 0 when the program ran to completion (whatever its exit status),
 * -ETIMEDOUT (killed at the deadline), -EMSGSIZE (stdout over the cap; killed), or another
 * -errno if it could not be started. The result is filled in every case where it ran.
 * The program starts in a process group of its own; when it is killed (deadline, cap), the
 * whole group is, so a plugin script's own children (a `sleep`) do not outlive the run. */
int prog_run(const struct prog_opts *o, struct prog_result *ret);
void prog_result_done(struct prog_result *r);

/* The time a program may run: limit_ms, or less when the request's deadline (CLOCK_MONOTONIC
 * ns, 0 = none; grpc_call_deadline_ns) comes first; 1 ms once it has passed, so the run
 * fails at once with -ETIMEDOUT instead of working for a client that gave up. */
unsigned prog_timeout_ms(unsigned limit_ms, uint64_t deadline_ns);

/* SIGKILL the process group whose leader's pid is written in path (conmon's -P file: conmon
 * daemonises into a session of its own with the OCI runtime in it). The pid must lead its
 * group, or nothing is killed. Returns the pid killed, or -errno. */
int prog_kill_group_from_pid_file(const char *path);

#endif
