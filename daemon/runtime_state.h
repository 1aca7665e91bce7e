/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime output parsed in crisp-helper-rtstate: `runc state <id>` / `crun state <id>`
 * JSON, and the JSON messages conmon writes on its sync pipe ({"pid": N} after create,
 * {"data": -1, "message": "..."} on failure, {"data": <exit code>} for exec). The daemon only
 * sees re-validated fields.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_RUNTIME_STATE_H
#define CRISP_DAEMON_RUNTIME_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/helper_ctx.h"

enum rt_status {
	RT_STATUS_CREATING,
	RT_STATUS_CREATED,
	RT_STATUS_RUNNING,
	RT_STATUS_PAUSED,
	RT_STATUS_STOPPED,
	RT_STATUS_COUNT
};

struct rt_state {
	enum rt_status status;
	int pid;       /* 0 when stopped; else 1..4194304 */
	char id[129];  /* the container id as the runtime reports it */
	char bundle[4096];
	int64_t created; /* unix ns, 0 when absent */
};

/* Parse `<runtime> state` output. */
int rt_parse_state(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		   struct rt_state *ret, char *err, size_t errsz);

struct conmon_msg {
	int has_pid;
	int pid; /* {"pid": N} */
	int has_data;
	int data;	   /* {"data": N}: -1 = failure, else an exit code or pid as conmon uses it */
	char message[1024]; /* printable ASCII, "" when absent */
};

/* Parse the bytes conmon wrote on a sync pipe: zero or more JSON objects, one per line or
 * concatenated; *ret_n messages in order, at most max. */
int rt_parse_conmon(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		    struct conmon_msg *ret, size_t max, size_t *ret_n, char *err, size_t errsz);

#endif
