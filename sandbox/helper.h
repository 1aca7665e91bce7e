/* SPDX-License-Identifier: Apache-2.0 */
/* Daemon side of the helper protocol: run crisp-helper-<name> on one request frame and
 * collect one reply frame, under a deadline and a size cap, turning every failure into a
 * classified error. No global state: call it from any number of threads at once.
 * runs in: daemon/privileged. */
#ifndef CRISP_SANDBOX_HELPER_H
#define CRISP_SANDBOX_HELPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "parsers/base/limits.h"
#include "sandbox/filter.h"

/* Per run, at most this many stderr lines (each cut at HELPER_LOG_LINE_MAX bytes) and this
 * many bytes reach the log callback; the rest is drained and counted, and reported once. */
/* Longest deadline honoured (ms); longer ones are cut to it. */
/* Longest helper directory path accepted. */

/* Receives one line of helper stderr (without the newline; untrusted bytes, not
 * NUL-terminated: escape before logging). Called on the thread that called helper_run(). */
typedef void (*helper_log_fn)(void *userdata, const char *helper, pid_t pid, uint64_t request_id,
			      const char *line, size_t len);

struct helper_spec {
	const struct sandbox_policy *policy; /* binary name, ids, caps, namespaces, limits */
	const char *helper_dir;              /* absolute directory holding crisp-helper-<name> */
	uint64_t deadline_ms;                /* 0: policy->deadline_ms; from spawn to reap */
	size_t reply_max;                    /* reply frame cap: 0 or above the policy's means
					      * policy->reply_max */
	int bulk_fd;                         /* > 0: becomes fd 5 of the helper (borrowed); 0 or
					      * less: none (fd 0 is stdin, never a bulk stream) */
	const char *exec_label;              /* SELinux exec context or NULL (SELinux off) */
	uint64_t request_id;                 /* tag for log lines */
	helper_log_fn log_fn;                /* NULL: helper stderr is drained and dropped */
	void *log_userdata;
};

enum helper_error_code {
	HELPER_ERR_NONE,
	HELPER_ERR_INVALID,  /* bad spec or request (too big, empty, bad name): nothing ran */
	HELPER_ERR_SPAWN,    /* could not start: .err and .spawn_step say why */
	HELPER_ERR_TIMEOUT,  /* deadline passed; killed and reaped */
	HELPER_ERR_SECCOMP,  /* killed by SIGSYS: a syscall outside its allowlist */
	HELPER_ERR_SIGNALED, /* killed by another signal (crash, CPU rlimit): .signal */
	HELPER_ERR_EXIT,     /* exited non-zero: .exit_status (enum helper_exit) */
	HELPER_ERR_TOO_BIG,  /* reply frame length over the cap; killed and reaped */
	HELPER_ERR_PROTOCOL, /* zero length, truncated frame, bytes after the frame, no reply */
	HELPER_ERR_INTERNAL, /* the daemon side failed (poll, read, memory): .err */
	HELPER_ERR_COUNT
};

struct helper_error {
	enum helper_error_code code;
	int err;         /* -errno, where one applies */
	int spawn_step;  /* enum spawn_step for HELPER_ERR_SPAWN */
	int signal;      /* HELPER_ERR_SECCOMP, HELPER_ERR_SIGNALED */
	int exit_status; /* HELPER_ERR_EXIT */
	uint64_t elapsed_ms;
	char message[128]; /* human-readable, built from the fields above only (no helper bytes) */
};

/* Run spec->policy's helper on req[0..req_len): spawn it confined (see spawn.h), write the
 * request frame to its fd 3, read one reply frame of at most reply_max bytes from its fd 4,
 * forward its stderr to log_fn, wait for its exit and reap it, all before the deadline.
 * On success returns 0, *ret_reply is a malloc'ed buffer (caller frees) of *ret_len > 0 bytes
 * that the caller must still treat as untrusted, and the helper exited 0.
 * On failure returns -errno (-EINVAL, -ETIMEDOUT, -EMSGSIZE, -EPROTO, -ECHILD, ...) and fills
 * *reterr; the helper is always killed and reaped, and no fd is left behind.
 * The calling thread's SIGPIPE is blocked while it runs, so a helper that dies before reading
 * its request never kills the daemon. */
int helper_run(const struct helper_spec *spec, const uint8_t *req, size_t req_len,
	       uint8_t **ret_reply, size_t *ret_len, struct helper_error *reterr);

const char *helper_error_code_to_string(enum helper_error_code c);

#endif
