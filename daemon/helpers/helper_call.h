/* SPDX-License-Identifier: Apache-2.0 */
/* One request/reply round trip with a crisp-helper-*: pack the envelope, run the helper
 * (sandbox/helper.h) with an optional bulk fd and a deadline, wipe the packed request if it
 * carries secrets, unpack the reply under a byte budget and check the envelope (version,
 * request id, the expected body or an Error, which becomes an -errno and a message). The body
 * is still untrusted: callers run their pure validators on it.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_HELPER_CALL_H
#define CRISP_DAEMON_HELPER_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/helpers/helper_ctx.h"
#include "helper.pb-c.h"
#include "parsers/base/budget.h"
#include "sandbox/filter.h"

/* Decoding budget: protobuf-c turns a 2-byte empty submessage into a ~100-byte struct, so a
 * hostile reply can expand ~50x; real replies stay under 3x plus this constant. */
#define HELPER_CALL_UNPACK_FACTOR 8u
#define HELPER_CALL_UNPACK_SLACK  ((size_t)1 << 20)

struct helper_call {
	const struct sandbox_policy *policy;
	const char *what; /* "image manifest", ... for Error messages: "invalid <what>: ...";
			   * NULL: the helper's message says what on its own */
	size_t reply_max; /* 0: the policy's */
	/* From spawn to reap; 0: the helper timeout of struct helper_ctx, or the policy's when
	 * that is 0 too (see helper_call_deadline_ms). */
	uint64_t deadline_ms;
	int bulk_fd;     /* > 0: the helper's fd 5 (borrowed); otherwise none */
	bool scrub;      /* the request carries secrets (credentials): the packed request is
			  * wiped once the helper has run, whatever the outcome */
	bool typed_only; /* the helper reports failures in its typed body: an Error body is a
			  * protocol violation */
	Crisp__Helper__HelperReply__BodyCase want;
	char *err;
	size_t errsz;
	struct budget budget;
	ProtobufCAllocator alloc; /* budget_alloc/budget_free over .budget */
};

/* Defaults: the policy's reply cap, the helper_ctx deadline, no bulk fd, no scrubbing, Error
 * bodies allowed. Set the other fields after this. */
void helper_call_init(struct helper_call *c, const struct sandbox_policy *policy, const char *what,
		      Crisp__Helper__HelperReply__BodyCase want, char *err, size_t errsz);

/* The deadline (ms, never 0) that a run of c under h receives. */
uint64_t helper_call_deadline_ms(const struct helper_ctx *h, const struct helper_call *c);

/* Run c->policy's helper on req (version and a fresh request id are filled in). A request
 * over the policy's request cap is refused (-E2BIG) before it is packed. On success *ret is
 * the reply, its body c->want; release it with helper_call_free(). On failure returns -errno
 * with a message in c->err, and *ret is untouched. */
int helper_call_run(const struct helper_ctx *h, struct helper_call *c,
		    Crisp__Helper__HelperRequest *req, Crisp__Helper__HelperReply **ret);

void helper_call_free(struct helper_call *c, Crisp__Helper__HelperReply *rep);

#endif
