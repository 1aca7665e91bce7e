/* SPDX-License-Identifier: Apache-2.0 */
/* WWW-Authenticate challenge parser: challenges, auth-params, quoted strings (RFC 7235 and
 * RFC 9110 grammar), strict about bytes and sizes.
 * runs in: helper/untrusted (crisp-helper-fetch). */
#include "parsers/www_auth.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "parsers/base/str.h"

struct cursor {
	const uint8_t *b;
	size_t len;
	size_t pos;
	struct parse_error *err;
};

/* One challenge being collected. */
struct challenge {
	int scheme; /* enum www_auth_scheme, or -1 for a scheme we skip */
	struct www_auth out;
	char seen[WWW_AUTH_MAX_PARAMS][32]; /* lower-cased names, for duplicate detection */
	size_t n_seen;
};

static bool
is_tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void
skip_ws(struct cursor *c)
{
	while (c->pos < c->len && (c->b[c->pos] == ' ' || c->b[c->pos] == '\t'))
		c->pos++;
}

static size_t
read_token(struct cursor *c)
{
	size_t start = c->pos;
	while (c->pos < c->len && is_tchar(c->b[c->pos]))
		c->pos++;
	return c->pos - start;
}

static int
fail(struct cursor *c, enum parse_code code, const char *msg)
{
	return parse_error_set(c->err, code, c->pos, NULL, "WWW-Authenticate: %s", msg);
}

/* A token or quoted-string value into out[WWW_AUTH_MAX_VALUE]. */
static int
read_value(struct cursor *c, char *out)
{
	size_t n = 0;
	if (c->pos < c->len && c->b[c->pos] == '"') {
		c->pos++;
		for (;;) {
			if (c->pos >= c->len)
				return fail(c, PARSE_ERR_SYNTAX, "unterminated quoted string");
			uint8_t ch = c->b[c->pos++];
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (c->pos >= c->len)
					return fail(c, PARSE_ERR_SYNTAX, "dangling backslash");
				ch = c->b[c->pos++];
			}
			/* Values end up in URLs and log lines: printable ASCII only. */
			if (ch < 0x20 || ch > 0x7e)
				return fail(c, PARSE_ERR_VALUE,
					    "control or non-ASCII byte in a value");
			if (n + 1 >= WWW_AUTH_MAX_VALUE)
				return fail(c, PARSE_ERR_LIMIT, "parameter value too long");
			out[n++] = (char)ch;
		}
	} else {
		size_t start = c->pos;
		size_t k = read_token(c);
		/* token68-style trailing '=' padding is part of a bare value. */
		while (c->pos < c->len && c->b[c->pos] == '=') {
			c->pos++;
			k++;
		}
		if (k == 0)
			return fail(c, PARSE_ERR_SYNTAX, "missing parameter value");
		if (k >= WWW_AUTH_MAX_VALUE)
			return fail(c, PARSE_ERR_LIMIT, "parameter value too long");
		memcpy(out, c->b + start, k);
		n = k;
	}
	out[n] = '\0';
	return 0;
}

static char *
param_slot(struct challenge *ch, const char *name)
{
	if (strcmp(name, "realm") == 0)
		return ch->out.realm;
	if (strcmp(name, "service") == 0)
		return ch->out.service;
	if (strcmp(name, "scope") == 0)
		return ch->out.scope;
	return NULL;
}

/* name is lower-cased, at most 31 bytes. */
static int
store_param(struct cursor *c, struct challenge *ch, const char *name)
{
	for (size_t i = 0; i < ch->n_seen; i++)
		if (strcmp(ch->seen[i], name) == 0)
			return parse_error_set(c->err, PARSE_ERR_DUPLICATE, c->pos, NULL,
					       "WWW-Authenticate: parameter %s given twice", name);
	if (ch->n_seen >= WWW_AUTH_MAX_PARAMS)
		return fail(c, PARSE_ERR_LIMIT, "too many parameters");
	memcpy(ch->seen[ch->n_seen++], name, strlen(name) + 1);
	char value[WWW_AUTH_MAX_VALUE];
	int r = read_value(c, value);
	if (r < 0)
		return r;
	char *slot = param_slot(ch, name);
	if (slot)
		memcpy(slot, value, strlen(value) + 1);
	else if (strcmp(name, "error") == 0)
		(void)str_copy(ch->out.error, sizeof(ch->out.error), value);
	return 0;
}

/* Parameters after a scheme, up to the next challenge or the end. */
static int
read_params(struct cursor *c, struct challenge *ch)
{
	for (;;) {
		skip_ws(c);
		while (c->pos < c->len && (c->b[c->pos] == ',' || c->b[c->pos] == ' '))
			c->pos++;
		if (c->pos >= c->len)
			return 0;
		size_t start = c->pos;
		size_t k = read_token(c);
		if (k == 0)
			return fail(c, PARSE_ERR_SYNTAX, "expected a parameter name");
		skip_ws(c);
		if (c->pos >= c->len || c->b[c->pos] != '=') {
			c->pos = start; /* the next challenge's scheme */
			return 0;
		}
		c->pos++;
		skip_ws(c);
		char name[32];
		if (k >= sizeof(name))
			return fail(c, PARSE_ERR_LIMIT, "parameter name too long");
		for (size_t i = 0; i < k; i++) {
			char x = (char)c->b[start + i];
			name[i] = (char)((x >= 'A' && x <= 'Z') ? x - 'A' + 'a' : x);
		}
		name[k] = '\0';
		int r = store_param(c, ch, name);
		if (r < 0)
			return r;
		skip_ws(c);
		if (c->pos < c->len && c->b[c->pos] != ',')
			return fail(c, PARSE_ERR_SYNTAX, "expected ',' between parameters");
	}
}

static int
scheme_of(const uint8_t *s, size_t k)
{
	if (k == 5 && strncasecmp((const char *)s, "basic", 5) == 0)
		return WWW_AUTH_BASIC;
	if (k == 6 && strncasecmp((const char *)s, "bearer", 6) == 0)
		return WWW_AUTH_BEARER;
	return -1;
}

static int
finish(struct cursor *c, const struct challenge *best, struct www_auth *ret)
{
	if (!best)
		return fail(c, PARSE_ERR_UNSUPPORTED, "no Basic or Bearer challenge");
	if (best->scheme == WWW_AUTH_BEARER) {
		if (!best->out.realm[0])
			return parse_error_set(c->err, PARSE_ERR_MISSING, PARSE_OFFSET_NONE, NULL,
					       "WWW-Authenticate: Bearer challenge without realm");
		/* The realm is a URL: no blanks. */
		if (strchr(best->out.realm, ' '))
			return parse_error_set(c->err, PARSE_ERR_VALUE, PARSE_OFFSET_NONE, NULL,
					       "WWW-Authenticate: realm is not a URL");
	}
	*ret = best->out;
	ret->scheme = (enum www_auth_scheme)best->scheme;
	return 0;
}

int
www_auth_parse(const uint8_t *buf, size_t len, struct www_auth *ret, struct parse_error *reterr)
{
	struct cursor c = {.b = buf, .len = len, .err = reterr};
	if (len > FETCH_MAX_HEADER_LEN)
		return fail(&c, PARSE_ERR_LIMIT, "header too long");
	/* Two challenges live at once: the one being read and the best one so far. */
	static const struct challenge zero;
	struct challenge cur = zero, best = zero;
	bool have_best = false;
	for (;;) {
		while (c.pos < len &&
		       (buf[c.pos] == ' ' || buf[c.pos] == '\t' || buf[c.pos] == ','))
			c.pos++;
		if (c.pos >= len)
			break;
		size_t start = c.pos;
		size_t k = read_token(&c);
		if (k == 0)
			return fail(&c, PARSE_ERR_SYNTAX, "expected an auth scheme");
		cur = zero;
		cur.scheme = scheme_of(buf + start, k);
		if (c.pos < len && buf[c.pos] != ' ' && buf[c.pos] != '\t' && buf[c.pos] != ',')
			return fail(&c, PARSE_ERR_SYNTAX, "bad character after the auth scheme");
		int r = read_params(&c, &cur);
		if (r < 0)
			return r;
		if (cur.scheme < 0)
			continue;
		if (!have_best ||
		    (best.scheme == WWW_AUTH_BASIC && cur.scheme == WWW_AUTH_BEARER)) {
			best = cur;
			have_best = true;
		}
	}
	return finish(&c, have_best ? &best : NULL, ret);
}
