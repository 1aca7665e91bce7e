/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-fetch replies: enum ranges, sizes against the request and
 * limits.h, media type and digest syntax, printable messages.
 * runs in: daemon/privileged (pure, no I/O; fuzzed by fuzz/fetch_reply_fuzz.c). */
#include "daemon/replies/fetch_reply.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/str.h"

#define FAILURE_MAX CRISP__HELPER__FETCH_REPLY__FAILURE__REQUEST

void
fetch_result_done(struct fetch_result *res)
{
	free(res->document);
	res->document = NULL;
}

static bool
printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (n >= max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static bool
code_ok(const char *s)
{
	size_t n = strnlen(s, REGISTRY_ERROR_CODE_MAX);
	if (n >= REGISTRY_ERROR_CODE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || char_is_digit(s[i]) || s[i] == '_'))
			return false;
	return true;
}

static bool
mt_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 127 || !char_is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!char_is_alnum(s[i]) && !strchr("!#$&-^_.+", s[i]))
			return false;
	return true;
}

/* RFC 6838 "type/subtype", nothing else (it is stored and compared, never parsed further). */
static bool
media_type_ok(const char *s)
{
	size_t n = strnlen(s, MEDIA_TYPE_MAX_LEN + 1);
	const char *slash = memchr(s, '/', n);
	return n <= MEDIA_TYPE_MAX_LEN && slash && mt_name_ok(s, (size_t)(slash - s)) &&
	       mt_name_ok(slash + 1, n - (size_t)(slash - s) - 1);
}

static int
check_common(const Crisp__Helper__FetchReply *r)
{
	if ((int)r->failure < 0 || (int)r->failure > (int)FAILURE_MAX)
		return -EPROTO;
	if (r->http_status != 0 && (r->http_status < 100 || r->http_status > 599))
		return -EPROTO;
	if (!printable(r->message, FETCH_MAX_MESSAGE) || !code_ok(r->registry_code))
		return -EPROTO;
	/* A failure always says why. */
	if (r->failure != CRISP__HELPER__FETCH_REPLY__FAILURE__NONE && !r->message[0])
		return -EPROTO;
	return 0;
}

static int
check_manifest(const Crisp__Helper__FetchReply *r)
{
	if (r->bytes_written != 0)
		return -EPROTO;
	if (r->failure != CRISP__HELPER__FETCH_REPLY__FAILURE__NONE)
		return r->document.len == 0 && !r->media_type[0] && !r->digest[0] ? 0 : -EPROTO;
	if (r->document.len == 0 || r->document.len > REGISTRY_MAX_MANIFEST || !r->document.data)
		return -EPROTO;
	if (!media_type_ok(r->media_type))
		return -EPROTO;
	if (r->digest[0] && digest_check(r->digest, strlen(r->digest), NULL) < 0)
		return -EPROTO;
	return 0;
}

static int
check_blob(const Crisp__Helper__FetchReply *r, uint64_t size)
{
	if (r->document.len != 0 || r->media_type[0] || r->digest[0])
		return -EPROTO;
	if (r->bytes_written > size)
		return -EPROTO;
	if (r->failure == CRISP__HELPER__FETCH_REPLY__FAILURE__NONE && r->bytes_written != size)
		return -EPROTO;
	return 0;
}

int
fetch_reply_validate(const Crisp__Helper__FetchReply *r, const struct fetch_expect *e,
		     struct fetch_result *ret)
{
	if (!r || !r->message || !r->registry_code || !r->media_type || !r->digest)
		return -EPROTO;
	int k = check_common(r);
	if (k == 0)
		k = e->blob ? check_blob(r, e->size) : check_manifest(r);
	if (k < 0)
		return k;
	struct fetch_result out = {.failure = (int)r->failure,
				   .http_status = r->http_status,
				   .bytes_written = r->bytes_written};
	(void)str_copy(out.message, sizeof(out.message), r->message);
	(void)str_copy(out.registry_code, sizeof(out.registry_code), r->registry_code);
	(void)str_copy(out.media_type, sizeof(out.media_type), r->media_type);
	(void)str_copy(out.digest, sizeof(out.digest), r->digest);
	if (r->document.len > 0) {
		out.document = malloc(r->document.len);
		if (!out.document)
			return -ENOMEM;
		memcpy(out.document, r->document.data, r->document.len);
		out.document_len = r->document.len;
	}
	*ret = out;
	return 0;
}
