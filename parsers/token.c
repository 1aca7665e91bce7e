/* SPDX-License-Identifier: Apache-2.0 */
/* Token endpoint reply parser over the JSON field tables (parsers/json_map.h).
 * runs in: helper/untrusted (crisp-helper-fetch). */
#include "parsers/token.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/json_map.h"

struct token_doc {
	char *token;
	char *access_token;
	char *refresh_token;
	char *issued_at;
	uint64_t expires_in;
};

/* A token goes into an "Authorization: Bearer <token>" header line: visible ASCII only, so
 * no CR/LF (header injection), no blanks and no bytes a proxy would mangle. */
static int
check_token(struct json_ctx *ctx, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return json_fail(ctx, PARSE_ERR_VALUE,
					 "token byte %zu is not visible ASCII", i);
	return 0;
}

static const struct json_field token_fields[] = {
    {.name = "token",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct token_doc, token),
     .max_len = TOKEN_MAX_LEN,
     .check = check_token},
    {.name = "access_token",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct token_doc, access_token),
     .max_len = TOKEN_MAX_LEN,
     .check = check_token},
    {.name = "refresh_token",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct token_doc, refresh_token),
     .max_len = TOKEN_MAX_LEN,
     .check = check_token},
    {.name = "issued_at",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct token_doc, issued_at),
     .max_len = 64,
     .check = json_check_no_ctl},
    /* Seconds; a day is far more than any registry hands out, and the helper lives for one
     * job anyway. */
    {.name = "expires_in",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct token_doc, expires_in),
     .max_len = 31536000},
};

static const struct json_table token_table = {
    .what = "token reply",
    JSON_FIELDS(token_fields),
    .size = sizeof(struct token_doc),
};

static int
pick(struct json_ctx *ctx, struct token_doc *d, struct token_reply *out)
{
	bool has_t = d->token && d->token[0], has_a = d->access_token && d->access_token[0];
	if (!has_t && !has_a)
		return json_fail(ctx, PARSE_ERR_MISSING, "no token or access_token");
	if (has_t && has_a && strcmp(d->token, d->access_token) != 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "token and access_token differ");
	if (has_t) {
		out->token = d->token;
		d->token = NULL;
	} else {
		out->token = d->access_token;
		d->access_token = NULL;
	}
	if (d->refresh_token && d->refresh_token[0]) {
		out->refresh_token = d->refresh_token;
		d->refresh_token = NULL;
	}
	out->expires_in = d->expires_in;
	return 0;
}

int
token_parse(const uint8_t *buf, size_t len, struct token_reply **ret, struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_t *root = NULL;
	struct token_doc doc = {0};
	struct token_reply *t = NULL;

	json_ctx_init(&ctx);
	int r = json_load_object(&ctx, buf, len, TOKEN_REPLY_MAX_SIZE, &root);
	if (r >= 0)
		r = json_map_object(&ctx, root, &token_table, &doc);
	if (r >= 0) {
		t = calloc(1, sizeof(*t));
		r = t ? pick(&ctx, &doc, t) : json_fail(&ctx, PARSE_ERR_NOMEM, "out of memory");
	}
	json_decref(root);
	json_map_done(&token_table, &doc);
	if (r < 0) {
		(void)token_reply_free(t);
		if (reterr)
			*reterr = ctx.err;
		return r;
	}
	*ret = t;
	return 0;
}

struct token_reply *
token_reply_free(struct token_reply *t)
{
	if (!t)
		return NULL;
	if (t->token) {
		/* Do not leave the credential lying around in freed heap. */
		explicit_bzero(t->token, strlen(t->token));
		free(t->token);
	}
	if (t->refresh_token) {
		explicit_bzero(t->refresh_token, strlen(t->refresh_token));
		free(t->refresh_token);
	}
	free(t);
	return NULL;
}
