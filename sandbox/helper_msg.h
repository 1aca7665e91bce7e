/* SPDX-License-Identifier: Apache-2.0 */
/* The envelope work every crisp-helper-* main shares: read the one request frame, decode it
 * under a byte budget and check version and id; then send the typed reply or an Error built
 * from a struct parse_error, and exit. Fails fast with the protocol's exit codes.
 * runs in: helper/untrusted (after sandbox_helper_enter). */
#ifndef CRISP_SANDBOX_HELPER_MSG_H
#define CRISP_SANDBOX_HELPER_MSG_H

#include <stddef.h>

#include "helper.pb-c.h"
#include "parsers/base/budget.h"
#include "parsers/base/parse_error.h"
#include "sandbox/filter.h"

struct helper_msg {
	const struct sandbox_policy *policy;
	struct budget budget;
	ProtobufCAllocator alloc;
	Crisp__Helper__HelperReply rep; /* version and request id filled in by _recv */
};

/* Receive and decode the request (decoding may allocate at most budget bytes); the raw frame
 * is wiped and freed once decoded. The body is still the caller's to check against what this
 * helper serves. Never returns NULL. */
Crisp__Helper__HelperRequest *helper_msg_recv(struct helper_msg *m,
					      const struct sandbox_policy *policy, size_t budget);

/* Pack m->rep, write it (at most policy->reply_max bytes) and _exit(0). */
_Noreturn void helper_msg_send(struct helper_msg *m);

/* Reply with an Error body carrying e, and _exit(0). */
_Noreturn void helper_msg_error(struct helper_msg *m, const struct parse_error *e);

#endif
