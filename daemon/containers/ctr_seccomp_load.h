/* SPDX-License-Identifier: Apache-2.0 */
/* A container's Localhost seccomp profile: the file the request names, opened and read by
 * the daemon (never following a symlink out of [policy] seccomp_profile_root, regular files
 * only, capped), parsed in crisp-helper-seccomp and re-checked in daemon/replies/.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CTR_SECCOMP_LOAD_H
#define CRISP_DAEMON_CTR_SECCOMP_LOAD_H

#include <stddef.h>

#include "cri/api.pb-c.h"
#include "daemon/helpers/helper_ctx.h"
#include "daemon/replies/seccomp_reply.h"

/* The profile of a container whose security context asks for a Localhost one (the typed
 * field's localhost_ref, or the deprecated seccomp_profile_path "localhost/<path>"), loaded
 * beneath root ("" = any absolute path). *ret is NULL when the context asks for no
 * Localhost profile or the container is privileged (which runs without seccomp). Errors:
 * -EINVAL with err naming the path and the problem (not absolute, not beneath root, a
 * symlink out of it, missing, not a regular file, over SECCOMP_LOCAL_MAX_SIZE, malformed
 * JSON, duplicate keys, an unknown syscall name, ...), -ENOMEM. Never "unconfined". */
int ctr_seccomp_load(const struct helper_ctx *h, const char *root,
		     const Runtime__V1__LinuxContainerSecurityContext *sc,
		     struct seccomp_reply_profile **ret, char *err, size_t errsz);

#endif
