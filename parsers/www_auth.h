/* SPDX-License-Identifier: Apache-2.0 */
/* WWW-Authenticate (RFC 7235) challenges from a registry: the scheme (Basic or Bearer) and the
 * Bearer parameters realm, service and scope that the token flow needs. Pure.
 * runs in: helper/untrusted (crisp-helper-fetch). */
#ifndef CRISP_PARSERS_WWW_AUTH_H
#define CRISP_PARSERS_WWW_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"
#include "parsers/base/parse_error.h"

enum www_auth_scheme {
	WWW_AUTH_BASIC,
	WWW_AUTH_BEARER,
	WWW_AUTH_SCHEME_COUNT
};

/* Values are printable ASCII (0x20..0x7e), unescaped, NUL-terminated; "" when absent. */
struct www_auth {
	enum www_auth_scheme scheme;
	char realm[WWW_AUTH_MAX_VALUE]; /* Bearer: required, no blanks (it is a URL) */
	char service[WWW_AUTH_MAX_VALUE];
	char scope[WWW_AUTH_MAX_VALUE]; /* space-separated scopes */
	char error[64];                 /* RFC 6750 error="insufficient_scope", ... */
};

/* Parse one header value buf[0..len) (at most FETCH_MAX_HEADER_LEN bytes), which may hold
 * several challenges ("Basic realm=x, Bearer realm=y"). The first Bearer challenge wins,
 * else the first Basic one; other schemes are skipped. Refused: no Basic/Bearer challenge
 * (PARSE_ERR_UNSUPPORTED), bad syntax, unterminated quotes, a parameter twice in one
 * challenge (PARSE_ERR_DUPLICATE), control or non-ASCII bytes, values over
 * WWW_AUTH_MAX_VALUE or more than WWW_AUTH_MAX_PARAMS parameters (PARSE_ERR_LIMIT), a
 * Bearer challenge without realm (PARSE_ERR_MISSING). *ret is written only on success. */
int www_auth_parse(const uint8_t *buf, size_t len, struct www_auth *ret,
		   struct parse_error *reterr);

#endif
