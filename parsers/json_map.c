/* SPDX-License-Identifier: Apache-2.0 */
/* Declarative JSON-to-struct mapping over jansson (see json_map.h), plus a raw-byte scan
 * that bounds nesting and value counts before jansson allocates anything.
 * runs in: helper/untrusted (pure: no I/O, no globals). */
#include "parsers/json_map.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/overflow.h"
#include "parsers/base/str.h"

void
str_list_done(struct str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
str_map_done(struct str_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		free(m->v[i].value);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

const char *
str_map_get(const struct str_map *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return m->v[i].value;
	return NULL;
}

void
json_ctx_init(struct json_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->path[0] = '$';
	ctx->path_len = 1;
}

int
json_fail(struct json_ctx *ctx, enum parse_code code, const char *fmt, ...)
{
	char msg[PARSE_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	return parse_error_set(&ctx->err, code, PARSE_OFFSET_NONE, ctx->path, "%s", msg);
}

static size_t
path_append(struct json_ctx *ctx, const char *s)
{
	size_t saved = ctx->path_len;
	size_t room = sizeof(ctx->path) - 1 - ctx->path_len;
	size_t n = strlen(s);
	if (n > room)
		n = room;
	memcpy(ctx->path + ctx->path_len, s, n);
	ctx->path_len += n;
	ctx->path[ctx->path_len] = '\0';
	return saved;
}

size_t
json_path_push_key(struct json_ctx *ctx, const char *key)
{
	size_t saved = path_append(ctx, ".");
	(void)path_append(ctx, key);
	return saved;
}

size_t
json_path_push_index(struct json_ctx *ctx, size_t index)
{
	char buf[32];
	(void)snprintf(buf, sizeof(buf), "[%zu]", index);
	return path_append(ctx, buf);
}

void
json_path_pop(struct json_ctx *ctx, size_t saved)
{
	if (saved < sizeof(ctx->path)) {
		ctx->path_len = saved;
		ctx->path[saved] = '\0';
	}
}

/* ---- loading ------------------------------------------------------------------------------ */

struct scan {
	size_t depth;
	size_t values;
	uint32_t items[JSON_MAX_DEPTH + 1];
};

/* One structural byte outside strings. Returns 0, or a parse_error_set() result. */
static int
scan_byte(struct scan *s, uint8_t c, size_t off, struct parse_error *err)
{
	if (c == '[' || c == '{') {
		if (s->depth >= JSON_MAX_DEPTH)
			return parse_error_set(err, PARSE_ERR_LIMIT, off, "",
					       "nesting deeper than %u", JSON_MAX_DEPTH);
		s->depth++;
		s->items[s->depth] = 0;
	} else if ((c == ']' || c == '}') && s->depth > 0) {
		s->depth--;
	} else if (c != ',') {
		return 0;
	}
	if (++s->values > JSON_MAX_VALUES)
		return parse_error_set(err, PARSE_ERR_LIMIT, off, "", "more than %u JSON values",
				       JSON_MAX_VALUES);
	if (c == ',' && ++s->items[s->depth] >= JSON_MAX_CONTAINER_ITEMS)
		return parse_error_set(err, PARSE_ERR_LIMIT, off, "",
				       "more than %u items in one array or object",
				       JSON_MAX_CONTAINER_ITEMS);
	return 0;
}

/* Bound depth and counts on the raw bytes. Syntax is left to jansson: this scan only has
 * to be conservative (it counts every bracket and comma outside strings). */
static int
json_prescan(const uint8_t *buf, size_t len, struct parse_error *err)
{
	struct scan s = {0};
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
			continue;
		}
		int r = scan_byte(&s, c, i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static enum parse_code
jansson_code(const json_error_t *jerr)
{
	enum json_error_code c = json_error_code(jerr);
	if (c == json_error_duplicate_key)
		return PARSE_ERR_DUPLICATE;
	if (c == json_error_null_character || c == json_error_null_byte_in_key)
		return PARSE_ERR_VALUE;
	if (c == json_error_numeric_overflow)
		return PARSE_ERR_RANGE;
	if (c == json_error_out_of_memory)
		return PARSE_ERR_NOMEM;
	if (c == json_error_stack_overflow)
		return PARSE_ERR_LIMIT;
	return PARSE_ERR_SYNTAX;
}

int
json_load_object(struct json_ctx *ctx, const uint8_t *buf, size_t len, size_t max_size,
		 json_t **ret)
{
	json_error_t jerr;
	json_t *root;
	int r;

	if (len > max_size)
		return parse_error_set(&ctx->err, PARSE_ERR_LIMIT, max_size, "",
				       "document of %zu bytes is over the limit of %zu", len,
				       max_size);
	r = json_prescan(buf, len, &ctx->err);
	if (r < 0)
		return r;
	/* No JSON_ALLOW_NUL: "\u0000" in a string is an error, as in keys. No
	 * JSON_DISABLE_EOF_CHECK: bytes after the document are an error. */
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root && json_error_code(&jerr) == json_error_null_character)
		return parse_error_set(&ctx->err, PARSE_ERR_VALUE, (uint64_t)jerr.position, "",
				       "NUL (\\u0000) in a string");
	if (!root)
		return parse_error_set(&ctx->err, jansson_code(&jerr), (uint64_t)jerr.position, "",
				       "%s", jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return json_fail(ctx, PARSE_ERR_TYPE, "document is not a JSON object");
	}
	*ret = root;
	return 0;
}

/* ---- checks --------------------------------------------------------------------------------- */

int
json_check_digest(struct json_ctx *ctx, const char *s, size_t len)
{
	if (digest_check(s, len, NULL) < 0)
		return json_fail(ctx, PARSE_ERR_VALUE,
				 "invalid digest (want sha256:<64 hex> or sha512:<128 hex>)");
	return 0;
}

static bool
media_type_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 127 || !char_is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		/* s[i] != '\0': strchr would match the terminator and let a NUL through. */
		if (!char_is_alnum(s[i]) && (s[i] == '\0' || !strchr("!#$&-^_.+", s[i])))
			return false;
	return true;
}

int
json_check_media_type(struct json_ctx *ctx, const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	if (!slash || !media_type_name_ok(s, (size_t)(slash - s)) ||
	    !media_type_name_ok(slash + 1, len - (size_t)(slash - s) - 1))
		return json_fail(ctx, PARSE_ERR_VALUE,
				 "invalid media type (RFC 6838 type/subtype)");
	return 0;
}

int
json_check_no_ctl(struct json_ctx *ctx, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return json_fail(ctx, PARSE_ERR_VALUE, "control character at byte %zu", i);
	return 0;
}

/* ---- mapping ------------------------------------------------------------------------------- */

/* A string value: type, length, no NUL, the field's check; *ret owns a copy. */
static int
take_string(struct json_ctx *ctx, const json_t *v, size_t max_len, json_check_fn check, char **ret)
{
	const char *s;
	size_t len;
	int r;
	if (!json_is_string(v))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected a string");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > max_len)
		return json_fail(ctx, PARSE_ERR_LIMIT, "string of %zu bytes is longer than %zu",
				 len, max_len);
	if (str_has_nul(s, len))
		return json_fail(ctx, PARSE_ERR_VALUE, "NUL byte in string");
	if (check) {
		r = check(ctx, s, len);
		if (r < 0)
			return r;
	}
	*ret = str_ndup(s, len);
	return *ret ? 0 : json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
}

static int
check_count(struct json_ctx *ctx, size_t n, size_t max, const char *what)
{
	if (n > max)
		return json_fail(ctx, PARSE_ERR_LIMIT, "%zu %s, more than the limit of %zu", n,
				 what, max);
	return 0;
}

static int
map_size(struct json_ctx *ctx, const struct json_field *f, const json_t *v, uint64_t *out)
{
	uint64_t max = f->max_len ? f->max_len : DESCRIPTOR_MAX_SIZE;
	json_int_t i;
	if (!json_is_integer(v))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected an integer");
	i = json_integer_value(v);
	if (i < 0)
		return json_fail(ctx, PARSE_ERR_RANGE, "negative value %lld", (long long)i);
	if ((uint64_t)i > max)
		return json_fail(ctx, PARSE_ERR_RANGE, "value %lld is over the limit %llu",
				 (long long)i, (unsigned long long)max);
	*out = (uint64_t)i;
	return 0;
}

static int
map_str_list(struct json_ctx *ctx, const struct json_field *f, const json_t *v,
	     struct str_list *out)
{
	size_t n, i;
	const json_t *item;
	int r;
	if (!json_is_array(v))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected an array of strings");
	n = json_array_size(v);
	r = check_count(ctx, n, f->max_items, "items");
	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	json_array_foreach (v, i, item) {
		size_t saved = json_path_push_index(ctx, i);
		r = take_string(ctx, item, f->max_len, f->check, &out->v[i]);
		if (r < 0)
			return r;
		out->n = i + 1;
		json_path_pop(ctx, saved);
	}
	return 0;
}

/* Shared by STR_MAP and KEY_SET: type and count of an object, key length and check. */
static int
check_map_key(struct json_ctx *ctx, const struct json_field *f, const char *key)
{
	size_t len = strlen(key);
	if (len > JSON_MAX_KEY_LEN)
		return json_fail(ctx, PARSE_ERR_LIMIT, "key of %zu bytes is longer than %u", len,
				 JSON_MAX_KEY_LEN);
	return f->check ? f->check(ctx, key, len) : 0;
}

static int
map_str_map(struct json_ctx *ctx, const struct json_field *f, const json_t *v, struct str_map *out)
{
	const char *key;
	json_t *val;
	size_t n;
	if (!json_is_object(v))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected an object of strings");
	n = json_object_size(v);
	if (check_count(ctx, n, f->max_items, "entries") < 0)
		return -E2BIG;
	if (n == 0)
		return 0;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	json_object_foreach ((json_t *)UNCONST(v), key, val) {
		size_t saved = json_path_push_key(ctx, key);
		struct str_pair *p = &out->v[out->n];
		int r = check_map_key(ctx, f, key);
		if (r >= 0)
			r = take_string(ctx, val, f->max_len, NULL, &p->value);
		if (r < 0)
			return r;
		out->n++;
		p->key = strdup(key);
		if (!p->key)
			return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
		json_path_pop(ctx, saved);
	}
	return 0;
}

static int
map_key_set(struct json_ctx *ctx, const struct json_field *f, const json_t *v, struct str_list *out)
{
	const char *key;
	json_t *val;
	size_t n;
	if (!json_is_object(v))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected an object");
	n = json_object_size(v);
	if (check_count(ctx, n, f->max_items, "entries") < 0)
		return -E2BIG;
	if (n == 0)
		return 0;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	json_object_foreach ((json_t *)UNCONST(v), key, val) {
		size_t saved = json_path_push_key(ctx, key);
		int r = check_map_key(ctx, f, key);
		if (r < 0)
			return r;
		if (!json_is_object(val))
			return json_fail(ctx, PARSE_ERR_TYPE, "expected an object ({})");
		out->v[out->n] = strdup(key);
		if (!out->v[out->n])
			return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
		out->n++;
		json_path_pop(ctx, saved);
	}
	return 0;
}

static int
map_array(struct json_ctx *ctx, const struct json_field *f, const json_t *v, void *field,
	  size_t *count)
{
	size_t n, i, bytes;
	const json_t *item;
	uint8_t *arr;
	if (!json_is_array(v))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected an array (of %s objects)",
				 f->sub->what);
	n = json_array_size(v);
	if (check_count(ctx, n, f->max_items, f->sub->what) < 0)
		return -E2BIG;
	if (n == 0)
		return 0;
	if (size_mul(n, f->sub->size, &bytes) < 0)
		return json_fail(ctx, PARSE_ERR_LIMIT, "array too large");
	arr = calloc(1, bytes);
	if (!arr)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	*(void **)field = arr;
	json_array_foreach (v, i, item) {
		size_t saved = json_path_push_index(ctx, i);
		int r;
		/* Count before mapping: a partly mapped element must be released too. */
		*count = i + 1;
		r = json_map_object(ctx, item, f->sub, arr + i * f->sub->size);
		if (r < 0)
			return r;
		json_path_pop(ctx, saved);
	}
	return 0;
}

static int
map_object_ptr(struct json_ctx *ctx, const struct json_field *f, const json_t *v, void **field)
{
	*field = calloc(1, f->sub->size);
	if (!*field)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	return json_map_object(ctx, v, f->sub, *field);
}

/* Map v into the member f describes of the struct at base. */
static int
map_value(struct json_ctx *ctx, const struct json_field *f, const json_t *v, uint8_t *base)
{
	void *field = base + f->offset;
	switch (f->kind) {
	case JSON_F_STRING:
		return take_string(ctx, v, f->max_len, f->check, field);
	case JSON_F_SIZE:
		return map_size(ctx, f, v, field);
	case JSON_F_BOOL:
		if (!json_is_boolean(v))
			return json_fail(ctx, PARSE_ERR_TYPE, "expected true or false");
		*(bool *)field = json_is_true(v);
		return 0;
	case JSON_F_STR_LIST:
		return map_str_list(ctx, f, v, field);
	case JSON_F_STR_MAP:
		return map_str_map(ctx, f, v, field);
	case JSON_F_KEY_SET:
		return map_key_set(ctx, f, v, field);
	case JSON_F_OBJECT:
		return json_map_object(ctx, v, f->sub, field);
	case JSON_F_OBJECT_PTR:
		return map_object_ptr(ctx, f, v, field);
	case JSON_F_ARRAY:
		return map_array(ctx, f, v, field, (size_t *)(void *)(base + f->count_offset));
	case JSON_F_KIND_COUNT:
		break;
	}
	return json_fail(ctx, PARSE_ERR_VALUE, "internal: bad field kind");
}

/* Refuse keys that are a known field name in another case ("user" next to "User"). */
static int
check_case_twins(struct json_ctx *ctx, const json_t *obj, const struct json_table *t)
{
	const char *key;
	json_t *val;
	json_object_foreach ((json_t *)UNCONST(obj), key, val) {
		for (size_t i = 0; i < t->n_fields; i++) {
			const char *name = t->fields[i].name;
			if (strcasecmp(key, name) == 0 && strcmp(key, name) != 0) {
				size_t saved = json_path_push_key(ctx, key);
				int r = json_fail(ctx, PARSE_ERR_DUPLICATE,
						  "key differs only in case from \"%s\"", name);
				json_path_pop(ctx, saved);
				return r;
			}
		}
	}
	return 0;
}

static int
map_fields(struct json_ctx *ctx, const json_t *obj, const struct json_table *t, void *out)
{
	int r = check_case_twins(ctx, obj, t);
	for (size_t i = 0; r >= 0 && i < t->n_fields; i++) {
		const struct json_field *f = &t->fields[i];
		const json_t *v = json_object_get(obj, f->name);
		size_t saved;
		if (!v || json_is_null(v)) {
			if (f->required)
				r = json_fail(ctx, PARSE_ERR_MISSING,
					      "required field \"%s\" is missing", f->name);
			continue;
		}
		saved = json_path_push_key(ctx, f->name);
		r = map_value(ctx, f, v, out);
		if (r >= 0)
			json_path_pop(ctx, saved);
	}
	return r;
}

int
json_map_object(struct json_ctx *ctx, const json_t *obj, const struct json_table *t, void *out)
{
	int r = 0;
	if (!json_is_object(obj))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected a %s object", t->what);
	if (t->base)
		r = map_fields(ctx, obj, t->base, out);
	if (r >= 0)
		r = map_fields(ctx, obj, t, out);
	if (r >= 0 && t->finish)
		r = t->finish(ctx, out);
	return r;
}

void
json_map_done(const struct json_table *t, void *out)
{
	uint8_t *base = out;
	if (!out)
		return;
	if (t->base)
		json_map_done(t->base, out);
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct json_field *f = &t->fields[i];
		void *field = base + f->offset;
		switch (f->kind) {
		case JSON_F_STRING:
			free(*(char **)field);
			*(char **)field = NULL;
			break;
		case JSON_F_STR_LIST:
		case JSON_F_KEY_SET:
			str_list_done(field);
			break;
		case JSON_F_STR_MAP:
			str_map_done(field);
			break;
		case JSON_F_OBJECT:
			json_map_done(f->sub, field);
			break;
		case JSON_F_OBJECT_PTR:
			json_map_done(f->sub, *(void **)field);
			free(*(void **)field);
			*(void **)field = NULL;
			break;
		case JSON_F_ARRAY: {
			size_t *count = (size_t *)(void *)(base + f->count_offset);
			uint8_t *arr = *(void **)field;
			for (size_t k = 0; arr && k < *count; k++)
				json_map_done(f->sub, arr + k * f->sub->size);
			free(arr);
			*(void **)field = NULL;
			*count = 0;
			break;
		}
		case JSON_F_SIZE:
		case JSON_F_BOOL:
		case JSON_F_KIND_COUNT:
			break;
		}
	}
}
