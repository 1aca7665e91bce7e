/* SPDX-License-Identifier: Apache-2.0 */
/* Small HTTP response-header parsers for the fetcher: a header line into name and value,
 * Content-Range of a 206 reply, Content-Type down to its media type, and
 * Docker-Content-Digest. Pure, no allocation.
 * runs in: helper/untrusted (crisp-helper-fetch). */
#ifndef CRISP_PARSERS_HTTP_HEADER_H
#define CRISP_PARSERS_HTTP_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"
#include "parsers/base/parse_error.h"

/* One header line "Name: value\r\n" (the CRLF optional): name is a token, value has its
 * surrounding blanks trimmed and must hold no control byte other than tab. Pointers go into
 * line. Errors: -EINVAL (a status line, a continuation line, no colon, bad bytes),
 * -E2BIG over FETCH_MAX_HEADER_LEN. */
int http_header_split(const char *line, size_t len, const char **ret_name, size_t *ret_name_len,
		      const char **ret_value, size_t *ret_value_len);

/* True if the header name name[0..len) equals want (ASCII, case-insensitive). */
bool http_header_is(const char *name, size_t len, const char *want);

/* Content-Range "bytes <first>-<last>/<total>", where total may be '*' (then *ret_total is
 * UINT64_MAX). last >= first, last < total, numbers strictly decimal below 2^63. Errors fill
 * reterr. */
int http_content_range_parse(const char *v, size_t len, uint64_t *ret_first, uint64_t *ret_last,
			     uint64_t *ret_total, struct parse_error *reterr);

/* Content-Type "type/subtype; params" -> "type/subtype" in out[cap] (parameters dropped,
 * RFC 6838 characters only, at most MEDIA_TYPE_MAX_LEN). Errors fill reterr. */
int http_media_type_parse(const char *v, size_t len, char *out, size_t cap,
			  struct parse_error *reterr);

/* Docker-Content-Digest: a digest (parsers/base/digest.h) into out[cap >= DIGEST_MAX_LEN+1]. */
int http_digest_parse(const char *v, size_t len, char *out, size_t cap, struct parse_error *reterr);

#endif
