/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-passwd replies: ids range-checked and cross-checked against the USER spec
 * before they become the identity of a container process.
 * runs in: daemon/privileged (pure: no I/O, no globals; fuzzed). */
#include "daemon/replies/passwd_reply.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/replies/reply_check.h"
#include "parsers/base/limits.h"
#include "parsers/base/str.h"

struct img_user *
img_user_free(struct img_user *u)
{
	if (!u)
		return NULL;
	free(u->sgids);
	free(u->name);
	free(u->home);
	free(u);
	return NULL;
}

/* A user name as the parser accepts it: printable UTF-8 without blanks, ':' or ','. */
static bool
name_ok(const char *s)
{
	size_t n = reply_len(s, PASSWD_MAX_NAME_LEN);
	if (n == SIZE_MAX || n == 0 || !utf8_valid((const uint8_t *)s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == ':' || s[i] == ',')
			return false;
	return true;
}

static bool
all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!char_is_digit(s[i]))
			return false;
	return len > 0;
}

/* The reply's uid, gid and name agree with the user part spec[0..ulen). */
static bool
user_part_ok(const Crisp__Helper__PasswdReply *r, const char *spec, size_t ulen, bool has_name)
{
	uint64_t id;
	if (ulen == 0)
		return r->uid == 0;
	if (all_digits(spec, ulen))
		return str_to_u64(spec, ulen, PASSWD_MAX_ID, &id) == 0 && id == r->uid;
	return has_name && strlen(r->name) == ulen && memcmp(r->name, spec, ulen) == 0;
}

static bool
spec_ok(const Crisp__Helper__PasswdReply *r, const char *spec)
{
	size_t len = reply_len(spec, IMAGE_CONFIG_MAX_USER_LEN);
	if (len == SIZE_MAX)
		return false;
	const char *colon = memchr(spec, ':', len);
	size_t ulen = colon ? (size_t)(colon - spec) : len;
	bool has_name = r->name[0] != '\0';
	uint64_t id;
	if (!user_part_ok(r, spec, ulen, has_name))
		return false;
	/* No entry for a numeric uid: gid 0, home "/", nothing else (Docker's rule). */
	if (!has_name && (strcmp(r->home, "/") != 0 || r->n_sgids != 0 || (!colon && r->gid != 0)))
		return false;
	if (!colon)
		return true;
	/* An explicit group replaces the supplementary groups. */
	if (r->n_sgids != 0)
		return false;
	if (all_digits(colon + 1, len - ulen - 1))
		return str_to_u64(colon + 1, len - ulen - 1, PASSWD_MAX_ID, &id) == 0 &&
		       id == r->gid;
	return true;
}

static bool
ids_ok(const Crisp__Helper__PasswdReply *r)
{
	if (r->uid > PASSWD_MAX_ID || r->gid > PASSWD_MAX_ID ||
	    r->n_sgids > PASSWD_MAX_SUPP_GROUPS || (r->n_sgids && !r->sgids))
		return false;
	for (size_t i = 0; i < r->n_sgids; i++)
		if (r->sgids[i] > PASSWD_MAX_ID || (i > 0 && r->sgids[i] <= r->sgids[i - 1]))
			return false;
	return true;
}

int
passwd_reply_validate(const Crisp__Helper__PasswdReply *r, const char *spec, struct img_user **ret)
{
	if (!r || !r->name || !r->home || !ids_ok(r) || (r->name[0] && !name_ok(r->name)) ||
	    !reply_line_ok(r->home, PASSWD_MAX_LINE_LEN) || !spec_ok(r, spec ? spec : ""))
		return -EPROTO;
	struct img_user *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	bool ok = true;
	u->uid = r->uid;
	u->gid = r->gid;
	u->name = reply_dup(r->name, true, &ok);
	u->home = reply_dup(r->home, false, &ok);
	if (ok && r->n_sgids) {
		u->sgids = malloc(r->n_sgids * sizeof(*u->sgids));
		if (u->sgids) {
			memcpy(u->sgids, r->sgids, r->n_sgids * sizeof(*u->sgids));
			u->n_sgids = r->n_sgids;
		}
		ok = u->sgids != NULL;
	}
	if (!ok) {
		img_user_free(u);
		return -ENOMEM;
	}
	*ret = u;
	return 0;
}
