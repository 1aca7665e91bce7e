/* SPDX-License-Identifier: Apache-2.0 */
/* An image's /etc/passwd and /etc/group (never the C library's user lookup), and the
 * resolution of a USER spec ("name", "uid", "user:group") into uid, gid and supplementary
 * groups with Docker's rules. Numeric ids are 0..2^32-2; anything else is an error.
 * runs in: helper/untrusted (crisp-helper-passwd; pure, fuzzed). */
#ifndef CRISP_PARSERS_PASSWD_H
#define CRISP_PARSERS_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"

struct passwd_entry {
	char *name;
	uint32_t uid;
	uint32_t gid;
	char *home;
	char *shell;
};

struct passwd_file {
	struct passwd_entry *v; /* file order; lookups take the first match, as glibc does */
	size_t n;
};

struct group_entry {
	char *name;
	uint32_t gid;
	char **members;
	size_t n_members;
};

struct group_file {
	struct group_entry *v;
	size_t n;
};

struct passwd_opts {
	/* Skip lines that are not well-formed instead of failing the file. Limits (file size,
	 * line length, entry and member counts) fail the file either way. */
	bool skip_malformed;
};

/* Parse an /etc/passwd of len bytes (<= PASSWD_MAX_FILE_SIZE; lines <= PASSWD_MAX_LINE_LEN;
 * <= PASSWD_MAX_ENTRIES entries). Blank lines, '#' comments and NIS "+"/"-" lines are
 * skipped. A line is name:password:uid:gid:gecos:home:shell with a printable UTF-8 name and
 * ids in 0..PASSWD_MAX_ID. opts may be NULL (strict). On success *ret owns the result
 * (passwd_free); on failure returns -errno (-EINVAL, -ERANGE, -E2BIG, -ENOMEM) and fills
 * *reterr (offset = byte of the offending field) if not NULL. */
int passwd_parse(const uint8_t *buf, size_t len, const struct passwd_opts *opts,
		 struct passwd_file **ret, struct parse_error *reterr);
struct passwd_file *passwd_free(struct passwd_file *p);

/* Same for /etc/group: name:password:gid:member,member,... with at most GROUP_MAX_MEMBERS
 * members per group and GROUP_MAX_MEMBERS_TOTAL in the file. */
int passwd_group_parse(const uint8_t *buf, size_t len, const struct passwd_opts *opts,
		       struct group_file **ret, struct parse_error *reterr);
struct group_file *passwd_group_free(struct group_file *g);

/* The identity a container process gets. */
struct passwd_user {
	uint32_t uid;
	uint32_t gid;
	uint32_t *sgids; /* supplementary groups, ascending, no duplicates */
	size_t n_sgids;
	char *name; /* the passwd entry's name, NULL if a numeric uid has no entry */
	char *home; /* the entry's home, "/" without one */
};

/* Resolve spec (spec_len bytes; "", "user", "uid", "user:group", "uid:gid", mixes) against
 * pw and gr (either may be NULL: the image has no such file), as Docker and runc do:
 *  - an all-digit part is always an id, never a name; above PASSWD_MAX_ID it is -ERANGE
 *    (4294967295 is (uid_t)-1, and nothing out of range may fall back to a lookup);
 *  - a named user or group with no entry is -ENOENT;
 *  - a numeric uid without an entry gets gid 0 and home "/"; "" means uid 0;
 *  - supplementary groups are the groups listing the user's name, only when no group is
 *    given explicitly.
 * On success *ret owns the result (passwd_user_free). */
int passwd_resolve(const char *spec, size_t spec_len, const struct passwd_file *pw,
		   const struct group_file *gr, struct passwd_user **ret,
		   struct parse_error *reterr);
struct passwd_user *passwd_user_free(struct passwd_user *u);

#endif
