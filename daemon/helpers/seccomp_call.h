/* SPDX-License-Identifier: Apache-2.0 */
/* A Localhost seccomp profile parsed in crisp-helper-seccomp and re-checked by
 * daemon/replies/seccomp_reply.c (the struct is declared there).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_SECCOMP_CALL_H
#define CRISP_DAEMON_SECCOMP_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/helpers/helper_ctx.h"
#include "daemon/replies/seccomp_reply.h"

/* Parse the profile's bytes (len <= SECCOMP_LOCAL_MAX_SIZE) in the helper and validate the
 * reply. *ret owns the result (seccomp_reply_free). Errors: -E2BIG over the cap, the
 * parser's -errno (-EINVAL, -ERANGE, -E2BIG, -ENOTSUP) with its message, -EPROTO for a reply
 * that fails validation (err names the field, e.g. an unknown syscall name), or the helper's
 * failure. */
int seccomp_call_parse(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		       struct seccomp_reply_profile **ret, char *err, size_t errsz);

#endif
