/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/passwd and /etc/group parsers and USER resolution (see passwd.h). Every id is
 * parsed strictly (digits only, range-checked): a malformed id never becomes 0 (root).
 * runs in: helper/untrusted (crisp-helper-passwd; pure, fuzzed). */
#include "parsers/passwd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/overflow.h"
#include "parsers/base/str.h"

#define PASSWD_FIELDS 7
#define GROUP_FIELDS  4

struct field {
	const char *s;
	size_t len;
	size_t off; /* byte offset in the file */
};

/* Printable UTF-8 with no control characters, blanks, ':' or ',': a name as it may appear
 * in a reply, a log line and a group's member list (useradd refuses blanks as well). */
static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len > PASSWD_MAX_NAME_LEN || !utf8_valid((const uint8_t *)s, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == ':' || s[i] == ',')
			return false;
	return true;
}

static bool
text_ok(const char *s, size_t len)
{
	if (!utf8_valid((const uint8_t *)s, len))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int
parse_id(const struct field *f, const char *what, uint32_t *ret, struct parse_error *err)
{
	uint64_t v;
	int r = str_to_u64(f->s, f->len, PASSWD_MAX_ID, &v);
	if (r == -ERANGE)
		return parse_error_set(err, PARSE_ERR_RANGE, f->off, "", "%s out of range 0..%u",
				       what, PASSWD_MAX_ID);
	if (r < 0)
		return parse_error_set(err, PARSE_ERR_SYNTAX, f->off, "", "%s is not a number",
				       what);
	*ret = (uint32_t)v;
	return 0;
}

/* Split line at ':' into at most max fields; returns the count, max + 1 if there are more. */
static size_t
split_fields(const char *line, size_t len, size_t off, struct field *f, size_t max)
{
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && line[i] != ':')
			continue;
		if (n == max)
			return max + 1;
		f[n].s = line + start;
		f[n].len = i - start;
		f[n].off = off + start;
		n++;
		start = i + 1;
	}
	return n;
}

typedef int (*line_fn)(void *db, const struct field *f, struct parse_error *err);

struct line_parser {
	size_t nfields;
	line_fn fn;
	void *db;
	bool skip_malformed;
};

/* One line (without its newline, a trailing \r dropped). */
static int
parse_line(const struct line_parser *lp, const char *line, size_t len, size_t off,
	   struct parse_error *err)
{
	struct field f[PASSWD_FIELDS + 1];
	size_t n;
	int r;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
		return 0;
	n = split_fields(line, len, off, f, lp->nfields);
	if (n != lp->nfields)
		r = parse_error_set(err, PARSE_ERR_SYNTAX, off, "", "line has %s than %zu fields",
				    n < lp->nfields ? "fewer" : "more", lp->nfields);
	else
		r = lp->fn(lp->db, f, err);
	if (r < 0 && lp->skip_malformed && r != -E2BIG && r != -ENOMEM)
		return 0;
	return r;
}

static int
parse_lines(const struct line_parser *lp, const uint8_t *buf, size_t len, struct parse_error *err)
{
	const char *s = (const char *)buf;
	const void *nul;
	size_t pos = 0;
	if (len > PASSWD_MAX_FILE_SIZE)
		return parse_error_set(err, PARSE_ERR_LIMIT, PASSWD_MAX_FILE_SIZE, "",
				       "file of %zu bytes is over the limit of %u", len,
				       PASSWD_MAX_FILE_SIZE);
	nul = len ? memchr(buf, '\0', len) : NULL;
	if (nul)
		return parse_error_set(err, PARSE_ERR_SYNTAX, (size_t)((const uint8_t *)nul - buf),
				       "", "NUL byte in file");
	while (pos < len) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - s) : len;
		int r;
		if (end - pos > PASSWD_MAX_LINE_LEN)
			return parse_error_set(err, PARSE_ERR_LIMIT, pos, "",
					       "line longer than %u bytes", PASSWD_MAX_LINE_LEN);
		r = parse_line(lp, s + pos, end - pos, pos, err);
		if (r < 0)
			return r;
		pos = end + 1;
	}
	return 0;
}

/* ---- /etc/passwd ------------------------------------------------------------------------- */

struct passwd_db {
	struct passwd_file *file;
	size_t cap;
};

static int
passwd_line(void *db, const struct field *f, struct parse_error *err)
{
	struct passwd_db *d = db;
	struct passwd_entry e = {0};
	int r;
	if (!name_ok(f[0].s, f[0].len))
		return parse_error_set(err, PARSE_ERR_SYNTAX, f[0].off, "", "invalid user name");
	if (!text_ok(f[5].s, f[5].len) || !text_ok(f[6].s, f[6].len))
		return parse_error_set(err, PARSE_ERR_SYNTAX, f[5].off, "",
				       "home or shell is not printable UTF-8");
	r = parse_id(&f[2], "uid", &e.uid, err);
	if (r >= 0)
		r = parse_id(&f[3], "gid", &e.gid, err);
	if (r < 0)
		return r;
	if (d->file->n >= PASSWD_MAX_ENTRIES)
		return parse_error_set(err, PARSE_ERR_LIMIT, f[0].off, "", "more than %u entries",
				       PASSWD_MAX_ENTRIES);
	if (array_grow((void **)&d->file->v, &d->cap, d->file->n + 1, sizeof(e)) < 0)
		return parse_error_set(err, PARSE_ERR_NOMEM, f[0].off, "", "out of memory");
	e.name = str_ndup(f[0].s, f[0].len);
	e.home = str_ndup(f[5].s, f[5].len);
	e.shell = str_ndup(f[6].s, f[6].len);
	d->file->v[d->file->n++] = e;
	if (!e.name || !e.home || !e.shell)
		return parse_error_set(err, PARSE_ERR_NOMEM, f[0].off, "", "out of memory");
	return 0;
}

int
passwd_parse(const uint8_t *buf, size_t len, const struct passwd_opts *opts,
	     struct passwd_file **ret, struct parse_error *reterr)
{
	struct parse_error err;
	struct passwd_db d = {.file = calloc(1, sizeof(struct passwd_file))};
	struct line_parser lp = {
	    .nfields = PASSWD_FIELDS,
	    .fn = passwd_line,
	    .db = &d,
	    .skip_malformed = opts && opts->skip_malformed,
	};
	int r = d.file ? parse_lines(&lp, buf, len, &err)
		       : parse_error_set(&err, PARSE_ERR_NOMEM, 0, "", "out of memory");
	if (r < 0) {
		(void)passwd_free(d.file);
		if (reterr)
			*reterr = err;
		return r;
	}
	*ret = d.file;
	return 0;
}

struct passwd_file *
passwd_free(struct passwd_file *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].home);
		free(p->v[i].shell);
	}
	free(p->v);
	free(p);
	return NULL;
}

/* ---- /etc/group ---------------------------------------------------------------------------- */

struct group_db {
	struct group_file *file;
	size_t cap;
	size_t members_total;
};

static void
group_entry_done(struct group_entry *g)
{
	for (size_t i = 0; i < g->n_members; i++)
		free(g->members[i]);
	free(g->members);
	free(g->name);
}

/* Split the member list into g->members; counts are limits (not "malformed"). */
static int
group_members(struct group_db *d, struct group_entry *g, const struct field *f,
	      struct parse_error *err)
{
	size_t cap = 0, start = 0;
	for (size_t i = 0; i <= f->len; i++) {
		size_t n = i - start;
		const char *m = f->s + start;
		if (i < f->len && f->s[i] != ',')
			continue;
		start = i + 1;
		if (n == 0)
			continue;
		if (!name_ok(m, n))
			return parse_error_set(err, PARSE_ERR_SYNTAX, f->off + (size_t)(m - f->s),
					       "", "invalid member name");
		if (g->n_members >= GROUP_MAX_MEMBERS ||
		    d->members_total >= GROUP_MAX_MEMBERS_TOTAL)
			return parse_error_set(err, PARSE_ERR_LIMIT, f->off + (size_t)(m - f->s),
					       "", "more than %u members in a group or %u in all",
					       GROUP_MAX_MEMBERS, GROUP_MAX_MEMBERS_TOTAL);
		if (array_grow((void **)&g->members, &cap, g->n_members + 1, sizeof(char *)) < 0 ||
		    !(g->members[g->n_members] = str_ndup(m, n)))
			return parse_error_set(err, PARSE_ERR_NOMEM, f->off, "", "out of memory");
		g->n_members++;
		d->members_total++;
	}
	return 0;
}

static int
group_line(void *db, const struct field *f, struct parse_error *err)
{
	struct group_db *d = db;
	struct group_entry g = {0};
	int r;
	if (!name_ok(f[0].s, f[0].len))
		return parse_error_set(err, PARSE_ERR_SYNTAX, f[0].off, "", "invalid group name");
	r = parse_id(&f[2], "gid", &g.gid, err);
	if (r >= 0)
		r = group_members(d, &g, &f[3], err);
	if (r >= 0 && d->file->n >= PASSWD_MAX_ENTRIES)
		r = parse_error_set(err, PARSE_ERR_LIMIT, f[0].off, "", "more than %u entries",
				    PASSWD_MAX_ENTRIES);
	if (r >= 0 && array_grow((void **)&d->file->v, &d->cap, d->file->n + 1, sizeof(g)) < 0)
		r = parse_error_set(err, PARSE_ERR_NOMEM, f[0].off, "", "out of memory");
	if (r >= 0 && !(g.name = str_ndup(f[0].s, f[0].len)))
		r = parse_error_set(err, PARSE_ERR_NOMEM, f[0].off, "", "out of memory");
	if (r < 0) {
		d->members_total -= g.n_members;
		group_entry_done(&g);
		return r;
	}
	d->file->v[d->file->n++] = g;
	return 0;
}

int
passwd_group_parse(const uint8_t *buf, size_t len, const struct passwd_opts *opts,
		   struct group_file **ret, struct parse_error *reterr)
{
	struct parse_error err;
	struct group_db d = {.file = calloc(1, sizeof(struct group_file))};
	struct line_parser lp = {
	    .nfields = GROUP_FIELDS,
	    .fn = group_line,
	    .db = &d,
	    .skip_malformed = opts && opts->skip_malformed,
	};
	int r = d.file ? parse_lines(&lp, buf, len, &err)
		       : parse_error_set(&err, PARSE_ERR_NOMEM, 0, "", "out of memory");
	if (r < 0) {
		(void)passwd_group_free(d.file);
		if (reterr)
			*reterr = err;
		return r;
	}
	*ret = d.file;
	return 0;
}

struct group_file *
passwd_group_free(struct group_file *g)
{
	if (!g)
		return NULL;
	for (size_t i = 0; i < g->n; i++)
		group_entry_done(&g->v[i]);
	free(g->v);
	free(g);
	return NULL;
}

/* ---- USER resolution ------------------------------------------------------------------------ */

static const struct passwd_entry *
find_user_name(const struct passwd_file *pw, const char *s, size_t len)
{
	for (size_t i = 0; pw && i < pw->n; i++)
		if (strlen(pw->v[i].name) == len && memcmp(pw->v[i].name, s, len) == 0)
			return &pw->v[i];
	return NULL;
}

static const struct passwd_entry *
find_uid(const struct passwd_file *pw, uint32_t uid)
{
	for (size_t i = 0; pw && i < pw->n; i++)
		if (pw->v[i].uid == uid)
			return &pw->v[i];
	return NULL;
}

static const struct group_entry *
find_group_name(const struct group_file *gr, const char *s, size_t len)
{
	for (size_t i = 0; gr && i < gr->n; i++)
		if (strlen(gr->v[i].name) == len && memcmp(gr->v[i].name, s, len) == 0)
			return &gr->v[i];
	return NULL;
}

static bool
all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!char_is_digit(s[i]))
			return false;
	return len > 0;
}

/* A numeric part: all digits, 0..PASSWD_MAX_ID. Anything that looks like a number with a
 * sign is refused as well, so "-1" can never be taken for a name. */
static int
spec_id(const char *s, size_t len, size_t off, const char *what, uint32_t *ret,
	struct parse_error *err)
{
	uint64_t v;
	if (str_to_u64(s, len, PASSWD_MAX_ID, &v) < 0)
		return parse_error_set(err, PARSE_ERR_RANGE, off, "", "%s out of range 0..%u", what,
				       PASSWD_MAX_ID);
	*ret = (uint32_t)v;
	return 0;
}

static int
spec_name_check(const char *s, size_t len, size_t off, const char *what, struct parse_error *err)
{
	if (len > 0 && (s[0] == '-' || s[0] == '+'))
		return parse_error_set(err, PARSE_ERR_VALUE, off, "",
				       "%s may not start with '%c' (negative or signed id?)", what,
				       s[0]);
	if (!name_ok(s, len))
		return parse_error_set(err, PARSE_ERR_VALUE, off, "", "invalid %s name", what);
	return 0;
}

static int
resolve_user(const char *s, size_t len, const struct passwd_file *pw, struct passwd_user *u,
	     struct parse_error *err)
{
	const struct passwd_entry *e;
	int r;
	if (len == 0 || all_digits(s, len)) {
		uint32_t uid = 0;
		if (len > 0 && (r = spec_id(s, len, 0, "uid", &uid, err)) < 0)
			return r;
		e = find_uid(pw, uid);
		u->uid = uid;
	} else {
		r = spec_name_check(s, len, 0, "user", err);
		if (r < 0)
			return r;
		e = find_user_name(pw, s, len);
		if (!e)
			return parse_error_set(
			    err, PARSE_ERR_NOT_FOUND, 0, "",
			    "unable to find user %.*s: no matching entries in "
			    "passwd file",
			    (int)(len < PARSE_ERROR_QUOTE_MAX ? len : PARSE_ERROR_QUOTE_MAX), s);
		u->uid = e->uid;
	}
	u->gid = e ? e->gid : 0;
	u->home = strdup(e ? e->home : "/");
	u->name = e ? strdup(e->name) : NULL;
	if (!u->home || (e && !u->name))
		return parse_error_set(err, PARSE_ERR_NOMEM, 0, "", "out of memory");
	return 0;
}

static int
resolve_group(const char *s, size_t len, size_t off, const struct group_file *gr,
	      struct passwd_user *u, struct parse_error *err)
{
	const struct group_entry *g;
	int r;
	if (all_digits(s, len))
		return spec_id(s, len, off, "gid", &u->gid, err);
	r = spec_name_check(s, len, off, "group", err);
	if (r < 0)
		return r;
	g = find_group_name(gr, s, len);
	if (!g)
		return parse_error_set(
		    err, PARSE_ERR_NOT_FOUND, off, "",
		    "unable to find group %.*s: no matching entries in group "
		    "file",
		    (int)(len < PARSE_ERROR_QUOTE_MAX ? len : PARSE_ERROR_QUOTE_MAX), s);
	u->gid = g->gid;
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static bool
is_member(const struct group_entry *g, const char *name)
{
	for (size_t k = 0; k < g->n_members; k++)
		if (strcmp(g->members[k], name) == 0)
			return true;
	return false;
}

/* Supplementary groups: every group listing the user's name; sorted, duplicates dropped. */
static int
resolve_sgids(const struct group_file *gr, struct passwd_user *u, struct parse_error *err)
{
	size_t cap = 0, n = 0;
	for (size_t i = 0; gr && u->name && i < gr->n; i++) {
		if (!is_member(&gr->v[i], u->name))
			continue;
		if (n >= PASSWD_MAX_SUPP_GROUPS)
			return parse_error_set(err, PARSE_ERR_LIMIT, 0, "",
					       "more than %u supplementary groups",
					       PASSWD_MAX_SUPP_GROUPS);
		if (array_grow((void **)&u->sgids, &cap, n + 1, sizeof(uint32_t)) < 0)
			return parse_error_set(err, PARSE_ERR_NOMEM, 0, "", "out of memory");
		u->sgids[n++] = gr->v[i].gid;
	}
	if (n > 1)
		qsort(u->sgids, n, sizeof(uint32_t), cmp_u32);
	u->n_sgids = 0;
	for (size_t i = 0; i < n; i++)
		if (u->n_sgids == 0 || u->sgids[u->n_sgids - 1] != u->sgids[i])
			u->sgids[u->n_sgids++] = u->sgids[i];
	return 0;
}

int
passwd_resolve(const char *spec, size_t spec_len, const struct passwd_file *pw,
	       const struct group_file *gr, struct passwd_user **ret, struct parse_error *reterr)
{
	struct parse_error err;
	const char *colon = spec_len ? memchr(spec, ':', spec_len) : NULL;
	size_t ulen = colon ? (size_t)(colon - spec) : spec_len;
	struct passwd_user *u;
	int r;

	if (str_has_nul(spec, spec_len))
		r = parse_error_set(&err, PARSE_ERR_VALUE, 0, "", "NUL byte in user spec");
	else if (colon && (ulen == 0 || ulen + 1 == spec_len))
		r = parse_error_set(&err, PARSE_ERR_VALUE, ulen, "", "empty user or group in spec");
	else if (!(u = calloc(1, sizeof(*u))))
		r = parse_error_set(&err, PARSE_ERR_NOMEM, 0, "", "out of memory");
	else {
		r = resolve_user(spec, ulen, pw, u, &err);
		if (r >= 0 && colon)
			r = resolve_group(colon + 1, spec_len - ulen - 1, ulen + 1, gr, u, &err);
		else if (r >= 0)
			r = resolve_sgids(gr, u, &err);
		if (r >= 0) {
			*ret = u;
			return 0;
		}
		(void)passwd_user_free(u);
	}
	if (reterr)
		*reterr = err;
	return r;
}

struct passwd_user *
passwd_user_free(struct passwd_user *u)
{
	if (!u)
		return NULL;
	free(u->sgids);
	free(u->name);
	free(u->home);
	free(u);
	return NULL;
}
