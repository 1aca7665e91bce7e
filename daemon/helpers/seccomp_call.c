/* SPDX-License-Identifier: Apache-2.0 */
/* The Localhost seccomp profile through crisp-helper-seccomp (see seccomp_call.h): the
 * request body for the document-helper table (doc_call.c), and the validator's own message
 * in place of the table's generic one.
 * runs in: daemon/privileged. Every reply byte is untrusted: the helper parsed the file. */
#include "daemon/helpers/seccomp_call.h"

#include <errno.h>
#include <stdio.h>

#include "daemon/helpers/doc_call.h"
#include "helper.pb-c.h"
#include "parsers/base/macro.h"

int
seccomp_call_parse(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		   struct seccomp_reply_profile **ret, char *err, size_t errsz)
{
	char why[256] = "";
	struct doc_call_msg m = {why, sizeof(why)};
	Crisp__Helper__SeccompRequest body;
	crisp__helper__seccomp_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	struct doc_call c = {DOC_CALL_SECCOMP, &body.base, len, &m, ret, err, errsz};
	int r = doc_call_run(h, &c);
	if (r == -EPROTO && why[0])
		snprintf(err, errsz, "invalid seccomp profile: %s", why);
	return r;
}
