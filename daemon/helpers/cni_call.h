/* SPDX-License-Identifier: Apache-2.0 */
/* CNI network configuration files and plugin results parsed by crisp-helper-cni; what the
 * daemon gets back is re-validated (daemon/replies/cni_reply.h declares the structs).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CNI_CALL_H
#define CRISP_DAEMON_CNI_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/helpers/helper_ctx.h"
#include "daemon/replies/cni_reply.h"

/* Parse one CNI config file (a .conflist, or a single-plugin .conf). On failure a
 * printable reason is in err and *ret is untouched. */
int cni_call_netconf(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		     struct cni_netconf **ret, char *err, size_t errsz);

/* Parse one plugin's stdout (a result or a CNI error object). */
int cni_call_result(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		    struct cni_result **ret, char *err, size_t errsz);

#endif
