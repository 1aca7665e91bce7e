/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime commands for containers (see ctr_runtime.c).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CTR_RUNTIME_H
#define CRISP_DAEMON_CTR_RUNTIME_H

#include <stddef.h>

#include "daemon/core/config.h"
#include "daemon/core/prog.h"
#include "daemon/helpers/helper_ctx.h"
#include "daemon/helpers/rtstate_call.h"

struct rt_ctx {
	const struct config_runtime *rt; /* the pod's handler */
	int systemd;                     /* cgroup_driver = systemd */
	const struct helper_ctx *helpers;
	/* The request's deadline (CLOCK_MONOTONIC ns, 0 = none): runtime commands and conmon's
	 * report get what is left of it, capped by their own limits. Undo steps run with 0. */
	uint64_t deadline_ns;
};

struct conmon_opts {
	const char *conmon;
	const char *id, *name;
	const char *bundle;
	const char *pid_file, *conmon_pid_file;
	const char *log_spec; /* "k8s-file:<path>" */
	const char *exit_dir, *socket_dir;
	const char *conmon_log; /* conmon's own stderr */
	int tty;
};

/* `runtime args...`; err gets the runtime's own (escaped) words on failure. */
int rt_run(const struct rt_ctx *rc, char *const *args, unsigned timeout_ms, struct prog_result *res,
	   char *err, size_t errsz);
int rt_simple(const struct rt_ctx *rc, char *const *args, char *err, size_t errsz);
int rt_state(const struct rt_ctx *rc, const char *id, struct rt_state *ret, char *err,
	     size_t errsz);

/* Start conmon, which runs `runtime create`; returns the container's init pid. When conmon
 * does not report in time (CONMON_CREATE_TIMEOUT_MS or the deadline), its process group
 * (conmon and the runtime it runs) is killed and -ETIMEDOUT returned: the caller still runs
 * `runtime delete --force` for what the runtime may have made. */
int rt_conmon_create(const struct rt_ctx *rc, const struct conmon_opts *o, int *ret_pid, char *err,
		     size_t errsz);

/* `runtime exec` with output capped (EXECSYNC_MAX_OUTPUT each, truncated and reported) and a
 * deadline that kills the exec'd process too. 0 when it ran (exit code in res). */
int rt_exec_sync(const struct rt_ctx *rc, const char *id, char *const *cmd, size_t n_cmd,
		 unsigned timeout_ms, const char *pid_file, struct prog_result *res, char *err,
		 size_t errsz);

#endif
