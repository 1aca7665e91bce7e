/* SPDX-License-Identifier: Apache-2.0 */
/* `runc state` / `crun state` JSON and conmon sync-pipe messages (see runtime_state.h). Loading
 * goes through json_load_object (size, depth and count limits, duplicate keys and \u0000 refused).
 * runs in: helper/untrusted. */
#include "parsers/runtime_state.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/str.h"
#include "parsers/json_map.h"

static const char *const status_names[RUNTIME_STATE_STATUS_COUNT] = {
    "creating", "created", "running", "paused", "stopped",
};

const char *
runtime_state_status_name(enum runtime_state_status s)
{
	return (unsigned)s < RUNTIME_STATE_STATUS_COUNT ? status_names[s] : NULL;
}

/* ---- field checks ----------------------------------------------------------------------- */

static bool
id_char_ok(char c)
{
	return char_is_alnum(c) || c == '_' || c == '+' || c == '-' || c == '.';
}

/* The id names directories under the runtime's root: runc's own alphabet, never "." or "..". */
static int
check_id(struct json_ctx *ctx, const char *s, size_t len)
{
	if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return json_fail(ctx, PARSE_ERR_VALUE, "container id is empty, \".\" or \"..\"");
	for (size_t i = 0; i < len; i++)
		if (!id_char_ok(s[i]))
			return json_fail(ctx, PARSE_ERR_VALUE,
					 "container id has a byte outside [A-Za-z0-9_+.-]");
	return 0;
}

static int
check_printable(struct json_ctx *ctx, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return json_fail(ctx, PARSE_ERR_VALUE, "byte %zu is not printable ASCII",
					 i);
	return 0;
}

/* The bundle is a path crisp chose: absolute, printable ASCII, no ".." component. */
static int
check_bundle(struct json_ctx *ctx, const char *s, size_t len)
{
	int r = check_printable(ctx, s, len);
	if (r < 0)
		return r;
	if (len == 0 || s[0] != '/')
		return json_fail(ctx, PARSE_ERR_VALUE, "bundle is not an absolute path");
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && s[j] != '/')
			j++;
		if (j - i == 2 && s[i] == '.' && s[i + 1] == '.')
			return json_fail(ctx, PARSE_ERR_VALUE, "bundle has a \"..\" component");
		i = j + 1;
	}
	return 0;
}

static int
check_version(struct json_ctx *ctx, const char *s, size_t len)
{
	if (len == 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "ociVersion is empty");
	for (size_t i = 0; i < len; i++)
		if (!char_is_alnum(s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '+')
			return json_fail(ctx, PARSE_ERR_VALUE, "ociVersion is not a version");
	return 0;
}

/* ---- RFC 3339 --------------------------------------------------------------------------- */

/* n decimal digits at s, or -1. */
static int64_t
dec(const char *s, size_t n)
{
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!char_is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool
leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Time-zone suffix at s[0..n): "Z", "z" or "+hh:mm" / "-hh:mm"; *off in seconds east. */
static bool
parse_zone(const char *s, size_t n, int64_t *off)
{
	if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
		*off = 0;
		return true;
	}
	if (n != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
		return false;
	int64_t hh = dec(s + 1, 2), mm = dec(s + 4, 2);
	if (hh < 0 || hh > 23 || mm < 0 || mm > 59)
		return false;
	*off = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	return true;
}

/* The date and time fields of "YYYY-MM-DDTHH:MM:SS" as seconds since the epoch (may be < 0). */
static bool
parse_date_time(const char *s, int64_t *ret)
{
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		return false;
	int64_t y = dec(s, 4), mo = dec(s + 5, 2), d = dec(s + 8, 2);
	int64_t h = dec(s + 11, 2), mi = dec(s + 14, 2), sec = dec(s + 17, 2);
	static const int64_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59) /* Go's time.Parse refuses leap second 60 too */
		return false;
	if (d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return false;
	*ret = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return true;
}

/* RFC 3339 (as Go's RFC3339Nano prints it, and crun's "%FT%T.%09dZ") to unix ns. */
static int
parse_rfc3339(struct json_ctx *ctx, const char *s, size_t len, int64_t *ret)
{
	int64_t secs, frac = 0, off = 0, ns;
	size_t i = 19, digits = 0;
	if (len < 20 || !parse_date_time(s, &secs))
		return json_fail(ctx, PARSE_ERR_VALUE, "not an RFC 3339 date and time");
	if (s[i] == '.') {
		for (i++; i < len && char_is_digit(s[i]) && digits < 10; i++, digits++)
			frac = frac * 10 + (s[i] - '0');
		if (digits == 0 || digits > 9)
			return json_fail(ctx, PARSE_ERR_VALUE,
					 "fraction of a second needs 1..9 digits");
		for (size_t k = digits; k < 9; k++)
			frac *= 10;
	}
	if (!parse_zone(s + i, len - i, &off))
		return json_fail(ctx, PARSE_ERR_VALUE, "not an RFC 3339 time zone");
	secs -= off;
	if (secs < 0 || __builtin_mul_overflow(secs, (int64_t)1000000000, &ns) ||
	    __builtin_add_overflow(ns, frac, &ns))
		return json_fail(ctx, PARSE_ERR_RANGE, "time outside 1970..2262");
	*ret = ns;
	return 0;
}

/* ---- runtime state ---------------------------------------------------------------------- */

struct state_doc {
	char *oci_version;
	char *id;
	uint64_t pid;
	char *status;
	char *bundle;
	char *rootfs;
	char *created;
	char *owner;
	struct str_map annotations;
};

static const struct json_field state_fields[] = {
    {"ociVersion", JSON_F_STRING, offsetof(struct state_doc, oci_version), true, RT_OCI_VERSION_MAX,
     0, check_version, NULL, 0},
    {"id", JSON_F_STRING, offsetof(struct state_doc, id), true, RT_ID_MAX, 0, check_id, NULL, 0},
    {"pid", JSON_F_SIZE, offsetof(struct state_doc, pid), true, RT_PID_MAX, 0, NULL, NULL, 0},
    {"status", JSON_F_STRING, offsetof(struct state_doc, status), true, 16, 0, NULL, NULL, 0},
    {"bundle", JSON_F_STRING, offsetof(struct state_doc, bundle), true, RT_PATH_MAX, 0,
     check_bundle, NULL, 0},
    {"rootfs", JSON_F_STRING, offsetof(struct state_doc, rootfs), false, RT_PATH_MAX, 0,
     json_check_no_ctl, NULL, 0},
    {"created", JSON_F_STRING, offsetof(struct state_doc, created), false, RT_TIMESTAMP_MAX, 0,
     NULL, NULL, 0},
    {"owner", JSON_F_STRING, offsetof(struct state_doc, owner), false, RT_OWNER_MAX, 0,
     json_check_no_ctl, NULL, 0},
    {"annotations", JSON_F_STR_MAP, offsetof(struct state_doc, annotations), false,
     ANNOTATION_MAX_VALUE_LEN, JSON_MAX_CONTAINER_ITEMS, NULL, NULL, 0},
};

static const struct json_table state_table = {
    .what = "runtime state",
    JSON_FIELDS(state_fields),
    .size = sizeof(struct state_doc),
};

/* status, pid and created of the mapped document into out. */
static int
state_finish(struct json_ctx *ctx, const struct state_doc *d, struct runtime_state *out)
{
	size_t saved = json_path_push_key(ctx, "status");
	unsigned st = 0;
	while (st < RUNTIME_STATE_STATUS_COUNT && strcmp(d->status, status_names[st]) != 0)
		st++;
	if (st == RUNTIME_STATE_STATUS_COUNT)
		return json_fail(ctx, PARSE_ERR_VALUE, "unknown status");
	json_path_pop(ctx, saved);
	out->status = (enum runtime_state_status)st;
	/* A stopped container's pid may already belong to another process: never pass it on. */
	out->pid = out->status == RUNTIME_STATE_STATUS_STOPPED ? 0 : (int32_t)d->pid;
	if (out->pid == 0 && out->status != RUNTIME_STATE_STATUS_STOPPED &&
	    out->status != RUNTIME_STATE_STATUS_CREATING) {
		(void)json_path_push_key(ctx, "pid");
		return json_fail(ctx, PARSE_ERR_RANGE, "a %s container needs a pid",
				 status_names[st]);
	}
	if (d->created) {
		saved = json_path_push_key(ctx, "created");
		int r = parse_rfc3339(ctx, d->created, strlen(d->created), &out->created_ns);
		if (r < 0)
			return r;
		json_path_pop(ctx, saved);
	}
	return 0;
}

static int
state_from_object(struct json_ctx *ctx, const json_t *root, struct runtime_state *out)
{
	struct state_doc d = {0};
	int r = json_map_object(ctx, root, &state_table, &d);
	if (r >= 0)
		r = state_finish(ctx, &d, out);
	if (r >= 0) {
		out->id = TAKE_PTR(d.id);
		out->bundle = TAKE_PTR(d.bundle);
	}
	json_map_done(&state_table, &d);
	return r;
}

static int
state_parse(struct json_ctx *ctx, const uint8_t *buf, size_t len, struct runtime_state **ret)
{
	json_t *root = NULL;
	int r = json_load_object(ctx, buf, len, RT_STATE_MAX_BYTES, &root);
	if (r < 0)
		return r;
	struct runtime_state *s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(root);
		(void)json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
		return -ENOMEM;
	}
	r = state_from_object(ctx, root, s);
	json_decref(root);
	if (r < 0) {
		runtime_state_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int
runtime_state_parse(const uint8_t *buf, size_t len, struct runtime_state **ret,
		    struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_ctx_init(&ctx);
	int r = state_parse(&ctx, buf, len, ret);
	if (r < 0 && reterr)
		*reterr = ctx.err;
	return r;
}

struct runtime_state *
runtime_state_free(struct runtime_state *s)
{
	if (!s)
		return NULL;
	free(s->id);
	free(s->bundle);
	free(s);
	return NULL;
}

/* ---- conmon sync pipe ------------------------------------------------------------------- */

/* A copy of buf where every raw byte inside a JSON string outside 0x20..0x7e is '?' (see the
 * header: conmon 2.1.6 leaves some unescaped). '?' is never valid JSON outside a string, so a
 * wrong guess of where strings are can only break a document, never repair one. */
static uint8_t *
conmon_sanitize(const uint8_t *buf, size_t len, struct parse_error *err, int *reterr)
{
	uint8_t *cp = malloc(len ? len : 1);
	if (!cp) {
		*reterr =
		    parse_error_set(err, PARSE_ERR_NOMEM, PARSE_OFFSET_NONE, "", "out of memory");
		return NULL;
	}
	bool in_string = false, escaped = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = buf[i];
		if (c == 0) {
			free(cp);
			*reterr = parse_error_set(err, PARSE_ERR_VALUE, i, "", "NUL byte");
			return NULL;
		}
		cp[i] = c;
		if (!in_string) {
			in_string = c == '"';
			continue;
		}
		if (escaped)
			escaped = false;
		else if (c == '\\')
			escaped = true;
		else if (c == '"')
			in_string = false;
		if (c < 0x20 || c > 0x7e)
			cp[i] = '?';
	}
	return cp;
}

/* The end (one past the closing brace) of the object that starts at buf[start] == '{'. */
static int
conmon_object_end(const uint8_t *buf, size_t len, size_t start, size_t *ret,
		  struct parse_error *err)
{
	size_t depth = 0;
	bool in_string = false, escaped = false;
	for (size_t i = start; i < len; i++) {
		uint8_t c = buf[i];
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if ((c == '}' || c == ']') && --depth == 0) {
			*ret = i + 1;
			return 0;
		}
	}
	return parse_error_set(err, PARSE_ERR_SYNTAX, start, "", "incomplete JSON object");
}

static const char *const conmon_keys[] = {"pid", "data", "exit_code", "message"};

/* Keys equal to a known one up to case would be read differently by case-folding decoders. */
static int
conmon_case_twins(struct json_ctx *ctx, const json_t *obj)
{
	const char *key;
	json_t *val;
	json_object_foreach ((json_t *)UNCONST(obj), key, val) {
		for (size_t i = 0; i < ELEMENTSOF(conmon_keys); i++)
			if (strcasecmp(key, conmon_keys[i]) == 0 &&
			    strcmp(key, conmon_keys[i]) != 0)
				return json_fail(ctx, PARSE_ERR_DUPLICATE,
						 "key differs only in case from \"%s\"",
						 conmon_keys[i]);
	}
	return 0;
}

struct int_key {
	const char *name;
	json_int_t min, max;
};

static const struct int_key key_pid = {"pid", 1, RT_PID_MAX};
static const struct int_key key_data = {"data", CONMON_DATA_MIN, RT_PID_MAX};
static const struct int_key key_exit_code = {"exit_code", CONMON_DATA_MIN, RT_PID_MAX};

/* An optional integer member in [k->min, k->max]: *has is set when present and not null. */
static int
conmon_int(struct json_ctx *ctx, const json_t *obj, const struct int_key *k, bool *has,
	   int32_t *out)
{
	const json_t *v = json_object_get(obj, k->name);
	if (!v || json_is_null(v))
		return 0;
	size_t saved = json_path_push_key(ctx, k->name);
	if (!json_is_integer(v))
		return json_fail(ctx, PARSE_ERR_TYPE, "expected an integer");
	json_int_t i = json_integer_value(v);
	if (i < k->min || i > k->max)
		return json_fail(ctx, PARSE_ERR_RANGE, "%lld is outside %lld..%lld", (long long)i,
				 (long long)k->min, (long long)k->max);
	json_path_pop(ctx, saved);
	*has = true;
	*out = (int32_t)i;
	return 0;
}

/* The message as printable ASCII: trailing blanks (stderr's last newline) dropped, tabs and
 * line breaks as spaces, any other byte outside 0x20..0x7e as '?', cut at CONMON_MSG_MAX. */
static char *
conmon_message(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
			   s[len - 1] == '\t'))
		len--;
	if (len > CONMON_MSG_MAX)
		len = CONMON_MSG_MAX;
	char *m = malloc(len + 1);
	if (!m)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\t' || c == '\n' || c == '\r')
			m[i] = ' ';
		else if (c < 0x20 || c > 0x7e)
			m[i] = '?';
		else
			m[i] = s[i];
	}
	m[len] = '\0';
	return m;
}

static int
conmon_from_object(struct json_ctx *ctx, const json_t *obj, struct runtime_state_conmon_msg *m)
{
	bool has_exit = false;
	int32_t exit_code = 0;
	int r = conmon_case_twins(ctx, obj);
	if (r == 0)
		r = conmon_int(ctx, obj, &key_pid, &m->has_pid, &m->pid);
	if (r == 0)
		r = conmon_int(ctx, obj, &key_data, &m->has_data, &m->data);
	if (r == 0)
		r = conmon_int(ctx, obj, &key_exit_code, &has_exit, &exit_code);
	if (r < 0)
		return r;
	if (has_exit && m->has_data)
		return json_fail(ctx, PARSE_ERR_VALUE, "both \"data\" and \"exit_code\"");
	if (has_exit) { /* conmon's api-version 0 name for the exec exit code */
		m->has_data = true;
		m->data = exit_code;
	}
	if (!m->has_pid && !m->has_data)
		return json_fail(ctx, PARSE_ERR_MISSING, "no \"pid\", \"data\" or \"exit_code\"");
	const json_t *msg = json_object_get(obj, "message");
	if (msg && !json_is_null(msg) && !json_is_string(msg)) {
		size_t saved = json_path_push_key(ctx, "message");
		r = json_fail(ctx, PARSE_ERR_TYPE, "expected a string");
		json_path_pop(ctx, saved);
		return r;
	}
	m->message = json_is_string(msg)
			 ? conmon_message(json_string_value(msg), json_string_length(msg))
			 : strdup("");
	if (!m->message) {
		(void)json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* One object at cp[start..end): decoded with the usual limits, mapped into c->v[c->n]. */
static int
conmon_one(struct json_ctx *ctx, const uint8_t *cp, size_t start, size_t end,
	   struct runtime_state_conmon *c)
{
	json_t *root = NULL;
	if (c->n >= CONMON_SYNC_MAX_MSGS)
		return parse_error_set(&ctx->err, PARSE_ERR_LIMIT, start, "",
				       "more than %u messages", CONMON_SYNC_MAX_MSGS);
	size_t saved = json_path_push_index(ctx, c->n);
	int r = json_load_object(ctx, cp + start, end - start, CONMON_SYNC_MAX_BYTES, &root);
	if (r < 0) {
		if (ctx->err.offset != PARSE_OFFSET_NONE)
			ctx->err.offset += start;
		return r;
	}
	r = conmon_from_object(ctx, root, &c->v[c->n]);
	c->n++; /* counted even when half filled: runtime_state_conmon_free releases it */
	json_decref(root);
	if (r == 0)
		json_path_pop(ctx, saved);
	return r;
}

static int
conmon_split(struct json_ctx *ctx, const uint8_t *cp, size_t len, struct runtime_state_conmon *c)
{
	size_t i = 0;
	for (;;) {
		while (i < len && (cp[i] == ' ' || cp[i] == '\t' || cp[i] == '\n' || cp[i] == '\r'))
			i++;
		if (i == len)
			return 0;
		if (cp[i] != '{')
			return parse_error_set(&ctx->err, PARSE_ERR_SYNTAX, i, "",
					       "expected a JSON object");
		size_t end = 0;
		int r = conmon_object_end(cp, len, i, &end, &ctx->err);
		if (r == 0)
			r = conmon_one(ctx, cp, i, end, c);
		if (r < 0)
			return r;
		i = end;
	}
}

static int
conmon_parse(struct json_ctx *ctx, const uint8_t *buf, size_t len,
	     struct runtime_state_conmon **ret)
{
	if (len > CONMON_SYNC_MAX_BYTES)
		return parse_error_set(&ctx->err, PARSE_ERR_LIMIT, CONMON_SYNC_MAX_BYTES, "",
				       "%zu bytes is over the limit of %u", len,
				       CONMON_SYNC_MAX_BYTES);
	int r = -EINVAL;
	uint8_t *cp = conmon_sanitize(buf, len, &ctx->err, &r);
	if (!cp)
		return r;
	struct runtime_state_conmon *c = calloc(1, sizeof(*c));
	if (c)
		c->v = calloc(CONMON_SYNC_MAX_MSGS, sizeof(*c->v));
	if (!c || !c->v) {
		free(cp);
		runtime_state_conmon_free(c);
		(void)parse_error_set(&ctx->err, PARSE_ERR_NOMEM, PARSE_OFFSET_NONE, "",
				      "out of memory");
		return -ENOMEM;
	}
	r = conmon_split(ctx, cp, len, c);
	free(cp);
	if (r < 0) {
		runtime_state_conmon_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int
runtime_state_conmon_parse(const uint8_t *buf, size_t len, struct runtime_state_conmon **ret,
			   struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_ctx_init(&ctx);
	int r = conmon_parse(&ctx, buf, len, ret);
	if (r < 0 && reterr)
		*reterr = ctx.err;
	return r;
}

struct runtime_state_conmon *
runtime_state_conmon_free(struct runtime_state_conmon *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; c->v && i < c->n; i++)
		free(c->v[i].message);
	free(c->v);
	free(c);
	return NULL;
}
