/* SPDX-License-Identifier: Apache-2.0 */
/* Image reference parser and Docker normalisation (see image_ref.h), following the
 * grammar of github.com/distribution/reference, with only sha256/sha512 digests.
 * runs in: daemon/privileged. The daemon links this file (and only this parser): it reads
 * kubelet's input, never registry bytes. It uses parsers/base headers only (no base .c
 * files reach the daemon) and is fuzzed by fuzz/image_ref_fuzz.c. */
#include "parsers/image_ref.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/str.h"

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DOMAIN  "index.docker.io"
#define OFFICIAL_REPO  "library/"
#define DEFAULT_TAG    "latest"

/* A counted slice of the input with its offset. */
struct part {
	const char *s;
	size_t len;
	size_t off;
};

static bool
part_is(const struct part *p, const char *lit)
{
	return p->len == strlen(lit) && memcmp(p->s, lit, p->len) == 0;
}

/* [a-z0-9]+ ((?:[._]|__|[-]+)[a-z0-9]+)*  (distribution's path-component) */
static bool
path_component_ok(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j;
		if (!char_is_lower_alnum(s[i]))
			return false;
		while (i < len && char_is_lower_alnum(s[i]))
			i++;
		if (i == len)
			return true;
		j = i + 1;
		if (s[i] == '_' && j < len && s[j] == '_')
			j++;
		else if (s[i] == '-')
			while (j < len && s[j] == '-')
				j++;
		else if (s[i] != '.' && s[i] != '_')
			return false;
		if (j == len)
			return false;
		i = j;
	}
	return len > 0;
}

/* [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool
domain_component_ok(const char *s, size_t len)
{
	if (len == 0 || !char_is_alnum(s[0]) || !char_is_alnum(s[len - 1]))
		return false;
	for (size_t i = 1; i + 1 < len; i++)
		if (!char_is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool
host_ok(const char *s, size_t len)
{
	size_t start = 0;
	if (len >= 3 && s[0] == '[' && s[len - 1] == ']') {
		for (size_t i = 1; i + 1 < len; i++)
			if (!char_is_digit(s[i]) && !strchr("abcdefABCDEF:", s[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!domain_component_ok(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/* host [":" port], port 1 to 5 digits. The ':' is searched after any "]". */
static bool
domain_ok(const struct part *d)
{
	const char *close = memchr(d->s, ']', d->len);
	const char *from = close ? close : d->s;
	const char *colon = memchr(from, ':', d->len - (size_t)(from - d->s));
	size_t hlen = colon ? (size_t)(colon - d->s) : d->len;
	if (colon) {
		size_t plen = d->len - hlen - 1;
		if (plen == 0 || plen > 5)
			return false;
		for (size_t i = 0; i < plen; i++)
			if (!char_is_digit(colon[1 + i]))
				return false;
	}
	return host_ok(d->s, hlen);
}

/* [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
static bool
tag_ok(const struct part *t)
{
	if (t->len == 0 || t->len > IMAGE_REF_MAX_TAG_LEN)
		return false;
	if (!char_is_alnum(t->s[0]) && t->s[0] != '_')
		return false;
	for (size_t i = 1; i < t->len; i++)
		if (!char_is_alnum(t->s[i]) && !strchr("_.-", t->s[i]))
			return false;
	return true;
}

/* Each path component, separated by single '/'. Uppercase gets distribution's message. */
static int
check_path(const struct part *p, struct parse_error *err)
{
	size_t start = 0;
	for (size_t i = 0; i < p->len; i++)
		if (p->s[i] >= 'A' && p->s[i] <= 'Z')
			return parse_error_set(err, PARSE_ERR_VALUE, p->off + i, "",
					       "repository name must be lowercase");
	for (size_t i = 0; i <= p->len; i++) {
		if (i < p->len && p->s[i] != '/')
			continue;
		if (!path_component_ok(p->s + start, i - start))
			return parse_error_set(err, PARSE_ERR_SYNTAX, p->off + start, "",
					       "invalid repository path component");
		start = i + 1;
	}
	return 0;
}

/* Docker's rule: the first component is a domain if it has '.' or ':', is "localhost" or
 * is not all lowercase; otherwise the name lives on docker.io. True if a domain was given. */
static bool
split_domain(const struct part *name, struct part *domain, struct part *path)
{
	const char *slash = memchr(name->s, '/', name->len);
	struct part first;
	bool upper = false;
	*domain = (struct part){.s = DEFAULT_DOMAIN, .len = strlen(DEFAULT_DOMAIN)};
	*path = *name;
	if (!slash)
		return false;
	first = (struct part){.s = name->s, .len = (size_t)(slash - name->s), .off = name->off};
	for (size_t i = 0; i < first.len; i++)
		upper |= first.s[i] >= 'A' && first.s[i] <= 'Z';
	if (!memchr(first.s, '.', first.len) && !memchr(first.s, ':', first.len) &&
	    !part_is(&first, "localhost") && !upper)
		return false;
	*domain = first;
	path->s = slash + 1;
	path->len = name->len - first.len - 1;
	path->off = name->off + first.len + 1;
	return true;
}

struct split {
	struct part name, tag, digest;
};

/* name[:tag][@digest], with the tag's ':' after the last '/' (else it is a port). */
static int
split_ref(const char *s, size_t len, struct split *sp, struct parse_error *err)
{
	const char *at = memchr(s, '@', len);
	size_t end = at ? (size_t)(at - s) : len;
	*sp = (struct split){.name = {.s = s, .len = end}};
	if (at) {
		sp->digest = (struct part){.s = at + 1, .len = len - end - 1, .off = end + 1};
		if (digest_check(sp->digest.s, sp->digest.len, NULL) < 0)
			return parse_error_set(err, PARSE_ERR_VALUE, end + 1, "",
					       "invalid digest (want sha256:<64 hex> or "
					       "sha512:<128 hex>)");
	}
	for (size_t i = end; i-- > 0;) {
		if (s[i] == '/')
			break;
		if (s[i] == ':') {
			sp->tag = (struct part){.s = s + i + 1, .len = end - i - 1, .off = i + 1};
			sp->name.len = i;
			if (!tag_ok(&sp->tag))
				return parse_error_set(err, PARSE_ERR_VALUE, i + 1, "",
						       "invalid tag");
			break;
		}
	}
	if (sp->name.len == 0)
		return parse_error_set(err, PARSE_ERR_SYNTAX, 0, "", "empty repository name");
	return 0;
}

/* Bytes outside printable ASCII (and spaces) have no place in a reference; this also
 * makes the strchr() class tests above safe (no NUL reaches them). */
static int
check_bytes(const uint8_t *buf, size_t len, struct parse_error *err)
{
	bool hex64 = len == 64;
	if (len == 0)
		return parse_error_set(err, PARSE_ERR_SYNTAX, 0, "", "empty reference");
	if (len > IMAGE_REF_MAX_LEN)
		return parse_error_set(err, PARSE_ERR_LIMIT, IMAGE_REF_MAX_LEN, "",
				       "reference longer than %u bytes", IMAGE_REF_MAX_LEN);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] <= 0x20 || buf[i] >= 0x7f)
			return parse_error_set(err, PARSE_ERR_SYNTAX, i, "",
					       "invalid byte 0x%02x in reference", buf[i]);
		hex64 = hex64 && char_is_lower_hex((char)buf[i]);
	}
	if (hex64)
		return parse_error_set(err, PARSE_ERR_VALUE, 0, "",
				       "a 64-hex string is an image ID, not a repository name");
	return 0;
}

/* Fill r from the validated parts; the only failure is ENOMEM. */
static int
build(struct image_ref *r, const struct part *domain, const struct part *path,
      const struct split *sp, const struct image_ref_opts *opts)
{
	const char *lib = "";
	if (part_is(domain, DEFAULT_DOMAIN) && !memchr(path->s, '/', path->len))
		lib = OFFICIAL_REPO;
	r->domain = str_ndup(domain->s, domain->len);
	if (asprintf(&r->path, "%s%.*s", lib, (int)path->len, path->s) < 0)
		r->path = NULL;
	if (!r->domain || !r->path || asprintf(&r->name, "%s/%s", r->domain, r->path) < 0)
		return -ENOMEM;
	if (sp->tag.s)
		r->tag = str_ndup(sp->tag.s, sp->tag.len);
	else if (!sp->digest.s && !(opts && opts->no_default_tag))
		r->tag = strdup(DEFAULT_TAG);
	if (sp->digest.s)
		r->digest = str_ndup(sp->digest.s, sp->digest.len);
	if ((sp->tag.s && !r->tag) || (sp->digest.s && !r->digest))
		return -ENOMEM;
	if (asprintf(&r->string, "%s%s%s%s%s", r->name, r->tag ? ":" : "", r->tag ? r->tag : "",
		     r->digest ? "@" : "", r->digest ? r->digest : "") < 0)
		return -ENOMEM;
	return 0;
}

static int
parse(const uint8_t *buf, size_t len, const struct image_ref_opts *opts, struct image_ref *r,
      struct parse_error *err)
{
	struct split sp;
	struct part domain, path;
	int k = check_bytes(buf, len, err);
	if (k >= 0)
		k = split_ref((const char *)buf, len, &sp, err);
	if (k < 0)
		return k;
	if (split_domain(&sp.name, &domain, &path) && !domain_ok(&domain))
		return parse_error_set(err, PARSE_ERR_SYNTAX, domain.off, "",
				       "invalid registry domain");
	if (part_is(&domain, LEGACY_DOMAIN))
		domain = (struct part){.s = DEFAULT_DOMAIN, .len = strlen(DEFAULT_DOMAIN)};
	k = check_path(&path, err);
	if (k < 0)
		return k;
	if (build(r, &domain, &path, &sp, opts) < 0)
		return parse_error_set(err, PARSE_ERR_NOMEM, 0, "", "out of memory");
	if (strlen(r->name) > IMAGE_REF_MAX_NAME_LEN)
		return parse_error_set(err, PARSE_ERR_LIMIT, 0, "",
				       "repository name longer than %u bytes",
				       IMAGE_REF_MAX_NAME_LEN);
	return 0;
}

int
image_ref_parse(const uint8_t *buf, size_t len, const struct image_ref_opts *opts,
		struct image_ref **ret, struct parse_error *reterr)
{
	struct parse_error err;
	struct image_ref *r = calloc(1, sizeof(*r));
	int k = r ? parse(buf, len, opts, r, &err)
		  : parse_error_set(&err, PARSE_ERR_NOMEM, 0, "", "out of memory");
	if (k < 0) {
		(void)image_ref_free(r);
		if (reterr)
			*reterr = err;
		return k;
	}
	*ret = r;
	return 0;
}

struct image_ref *
image_ref_free(struct image_ref *r)
{
	if (!r)
		return NULL;
	free(r->domain);
	free(r->path);
	free(r->name);
	free(r->tag);
	free(r->digest);
	free(r->string);
	free(r);
	return NULL;
}
