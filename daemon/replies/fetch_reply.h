/* SPDX-License-Identifier: Apache-2.0 */
/* Pure validator of crisp-helper-fetch's reply (fuzzed): every field checked against the
 * request and limits.h before the daemon uses it.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_FETCH_REPLY_H
#define CRISP_DAEMON_FETCH_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "helper.pb-c.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"

struct fetch_result {
	int failure;                     /* Crisp__Helper__FetchReply__Failure, range-checked */
	uint32_t http_status;            /* 0 or 100..599 */
	char message[FETCH_MAX_MESSAGE]; /* printable ASCII */
	char registry_code[REGISTRY_ERROR_CODE_MAX]; /* [A-Z0-9_] */
	/* manifest, on success */
	char media_type[MEDIA_TYPE_MAX_LEN + 1]; /* RFC 6838 type/subtype */
	char digest[DIGEST_MAX_LEN + 1];         /* "" or a valid digest */
	uint8_t *document;                       /* owned, 1..REGISTRY_MAX_MANIFEST bytes */
	size_t document_len;
	/* blob */
	uint64_t bytes_written; /* <= size; == size on success */
};

/* What the daemon asked for. */
struct fetch_expect {
	int blob;      /* 0: manifest */
	uint64_t size; /* blob: declared size */
};

/* Check r against e and copy it into *ret (release with fetch_result_done). A failure the
 * helper reports is a valid reply (ret->failure != 0). Errors: -EPROTO (a field breaks a
 * rule: the helper is broken or compromised), -ENOMEM. */
int fetch_reply_validate(const Crisp__Helper__FetchReply *r, const struct fetch_expect *e,
			 struct fetch_result *ret);
void fetch_result_done(struct fetch_result *res);

#endif
