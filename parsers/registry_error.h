/* SPDX-License-Identifier: Apache-2.0 */
/* A registry's error body ({"errors": [{"code": "MANIFEST_UNKNOWN", "message": ...,
 * "detail": ...}]}, the OCI distribution spec): the first error's code and message. Pure.
 * runs in: helper/untrusted (crisp-helper-fetch). */
#ifndef CRISP_PARSERS_REGISTRY_ERROR_H
#define CRISP_PARSERS_REGISTRY_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"
#include "parsers/base/parse_error.h"

struct registry_error {
	char code[REGISTRY_ERROR_CODE_MAX];   /* [A-Z0-9_], "" when the body had none */
	char message[REGISTRY_ERROR_MSG_MAX]; /* printable ASCII (others become '?'), cut */
	size_t n_errors;                      /* entries in the array */
};

/* Parse buf[0..len) (at most REGISTRY_ERROR_MAX_SIZE bytes): a JSON object with an "errors"
 * array of at most REGISTRY_ERROR_MAX_ERRORS objects; duplicate keys refused; "detail" is
 * ignored. A code outside [A-Z0-9_] or longer than the cap is PARSE_ERR_VALUE; a long
 * message is cut. *ret is written only on success. */
int registry_error_parse(const uint8_t *buf, size_t len, struct registry_error *ret,
			 struct parse_error *reterr);

#endif
