/* SPDX-License-Identifier: Apache-2.0 */
/* Image documents parsed in confined helpers (crisp-helper-manifest, -config, -passwd): each
 * call runs the helper and hands its reply to the pure validators (daemon/replies/); the
 * structs are declared in daemon/replies/image_docs.h.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_IMAGE_CALLS_H
#define CRISP_DAEMON_IMAGE_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/helpers/helper_ctx.h"
#include "daemon/replies/image_docs.h"

/* Parse a manifest or index (len <= 4 MiB) in crisp-helper-manifest. content_type is the
 * registry's Content-Type or NULL. Docker schema 1 is refused with a clear message. */
int img_parse_manifest(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		       const char *content_type, struct img_manifest **ret, char *err,
		       size_t errsz);

/* Parse an image config in crisp-helper-config. */
int img_parse_config(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		     struct img_config **ret, char *err, size_t errsz);

/* Resolve a USER spec ("", "name", "uid", "user:group", ...) against an image's /etc/passwd
 * and /etc/group contents (either may be NULL/0: the image lacks the file) in
 * crisp-helper-passwd. An id out of range never becomes root; a name with no entry fails. */
int img_resolve_user(const struct helper_ctx *h, const uint8_t *passwd, size_t passwd_len,
		     const uint8_t *group, size_t group_len, const char *spec,
		     struct img_user **ret, char *err, size_t errsz);

#endif
