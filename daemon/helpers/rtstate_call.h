/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime output parsed in crisp-helper-rtstate: `runc state <id>` / `crun state <id>`
 * JSON, and the JSON messages conmon writes on its sync pipe ({"pid": N} after create,
 * {"data": -1, "message": "..."} on failure, {"data": <exit code>} for exec). The daemon only
 * sees re-validated fields.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_RTSTATE_CALL_H
#define CRISP_DAEMON_RTSTATE_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/helpers/helper_ctx.h"
#include "daemon/replies/rtstate_reply.h"

/* Parse `<runtime> state` output. */
int rt_parse_state(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct rt_state *ret,
		   char *err, size_t errsz);

/* Parse the bytes conmon wrote on a sync pipe: zero or more JSON objects, one per line or
 * concatenated; *ret_n messages in order, at most max. */
int rt_parse_conmon(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		    struct conmon_msg *ret, size_t max, size_t *ret_n, char *err, size_t errsz);

#endif
