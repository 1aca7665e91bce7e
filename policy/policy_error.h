/* SPDX-License-Identifier: Apache-2.0 */
/* struct policy_error: why a policy check refused a request field, naming the field and the
 * rule, with the offending bytes escaped and truncated so the daemon can log it safely.
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#ifndef CRISP_POLICY_POLICY_ERROR_H
#define CRISP_POLICY_POLICY_ERROR_H

#include <stddef.h>

#include "parsers/base/limits.h"

/* How many bytes of the offending value the message quotes before "...". */

struct policy_error {
	const char *field;                  /* static: "sysctl", "annotation", "env", ... */
	const char *rule;                   /* static: "value contains '+'", ... */
	size_t offset;                      /* byte offset in the value where the rule broke */
	char message[POLICY_ERROR_MSG_MAX]; /* `field "value": rule`, printable ASCII */
};

/* Fill *reterr (if not NULL) and return -EINVAL. field and rule must be string literals (they
 * are kept by pointer). value/len are the untrusted bytes quoted in the message: any byte
 * outside printable ASCII, '"' and '\\' are written as \xNN, and more than
 * POLICY_ERROR_QUOTE_MAX bytes end in "...". */
int policy_error_set(struct policy_error *reterr, const char *field, const char *value, size_t len,
		     size_t offset, const char *rule);

#endif
