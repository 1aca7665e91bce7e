/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-passwd replies into struct img_user (image_docs.h declares the
 * struct and the contract).
 * runs in: daemon/privileged (pure, fuzzed: fuzz/passwd_reply_fuzz.c). */
#ifndef CRISP_DAEMON_PASSWD_REPLY_H
#define CRISP_DAEMON_PASSWD_REPLY_H

#include "daemon/replies/image_docs.h"
#include "helper.pb-c.h"

/* Check every field of a PasswdReply from a helper that may be compromised, against the USER
 * spec it was asked to resolve (NULL is ""), and copy it into a new *ret (img_user_free):
 * uid, gid and supplementary gids in 0..2^32-2, gids ascending without duplicates and at most
 * PASSWD_MAX_SUPP_GROUPS of them; name empty or a valid user name, home bounded printable.
 * Against the spec: a numeric user part is the uid (and "" is uid 0), a named one is the
 * reply's name; a numeric group part is the gid; an explicit group means no supplementary
 * groups; a numeric uid without an entry has gid 0, home "/" and no supplementary groups.
 * So a lying helper cannot turn "1000" into root. Errors: -EPROTO, -ENOMEM. */
int passwd_reply_validate(const Crisp__Helper__PasswdReply *r, const char *spec,
			  struct img_user **ret);

#endif
