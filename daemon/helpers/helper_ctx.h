/* SPDX-License-Identifier: Apache-2.0 */
/* What the daemon needs to run a helper: where the binaries are, the deadline, and the log.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_HELPER_CTX_H
#define CRISP_DAEMON_HELPER_CTX_H

#include <stdint.h>

struct helper_ctx {
	const char *dir;     /* directory holding crisp-helper-<name> */
	uint64_t timeout_ms; /* per helper run */
	uint64_t request_id; /* for log lines */
};

#endif
