/* SPDX-License-Identifier: Apache-2.0 */
/* The token endpoint's JSON reply in the registry Bearer flow: {"token": ..., "access_token":
 * ..., "expires_in": ..., "refresh_token": ...}. Pure.
 * runs in: helper/untrusted (crisp-helper-fetch). */
#ifndef CRISP_PARSERS_TOKEN_H
#define CRISP_PARSERS_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"

struct token_reply {
	char *token;         /* the bearer token: "token", else "access_token"; 1..TOKEN_MAX_LEN
			      * visible ASCII (0x21..0x7e), so it cannot break a header line */
	char *refresh_token; /* NULL when absent; same alphabet */
	uint64_t expires_in; /* seconds, 0 when absent */
};

/* Parse buf[0..len) (at most TOKEN_REPLY_MAX_SIZE bytes): a JSON object, duplicate keys,
 * NUL and trailing bytes refused (json_load_object). Both "token" and "access_token" may be
 * present (Docker's token server sends both); they must then be equal. Neither, or an empty
 * one, is PARSE_ERR_MISSING. *ret is owned by the caller (token_reply_free). */
int token_parse(const uint8_t *buf, size_t len, struct token_reply **ret,
		struct parse_error *reterr);
struct token_reply *token_reply_free(struct token_reply *t);

#endif
