/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime output through crisp-helper-rtstate: build the request, run the helper, unpack
 * the reply under a byte budget, check the envelope and hand the body to the pure validators
 * (daemon/replies/rtstate_reply.c) before anything reaches struct rt_state / struct conmon_msg.
 * runs in: daemon/privileged. Every reply byte is untrusted: the helper parsed runtime output
 * that quotes container-controlled text. */
#include "daemon/helpers/rtstate_call.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/helpers/helper_call.h"
#include "daemon/helpers/helper_ctx.h"
#include "daemon/core/log.h"
#include "daemon/replies/rtstate_reply.h"
#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/parse_error.h"
#include "sandbox/helper.h"

typedef Crisp__Helper__HelperRequest HelperRequest;
typedef Crisp__Helper__HelperReply HelperReply;

static int
validation_failed(int r, char *err, size_t errsz)
{
	if (r == -E2BIG) {
		snprintf(err, errsz, "crisp-helper-rtstate: more conmon messages than expected");
		return r;
	}
	snprintf(err, errsz, "crisp-helper-rtstate: reply failed validation");
	return -EPROTO;
}

int
rt_parse_state(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct rt_state *ret,
	       char *err, size_t errsz)
{
	if (len > RT_STATE_MAX_BYTES) {
		snprintf(err, errsz, "runtime state of %zu bytes is over the limit of %u", len,
			 RT_STATE_MAX_BYTES);
		return -E2BIG;
	}
	Crisp__Helper__RtStateRequest body;
	crisp__helper__rt_state_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_RT_STATE;
	req.rt_state = &body;
	struct helper_call call;
	helper_call_init(&call, POLICY_RTSTATE, "runtime state",
			 CRISP__HELPER__HELPER_REPLY__BODY_RT_STATE, err, errsz);
	HelperReply *rep = NULL;
	int r = helper_call_run(h, &call, &req, &rep);
	if (r < 0)
		return r;
	r = rep->rt_state ? rtstate_reply_state(rep->rt_state, ret) : -EPROTO;
	helper_call_free(&call, rep);
	return r < 0 ? validation_failed(r, err, errsz) : 0;
}

int
rt_parse_conmon(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct conmon_msg *ret,
		size_t max, size_t *ret_n, char *err, size_t errsz)
{
	if (len > CONMON_SYNC_MAX_BYTES) {
		snprintf(err, errsz, "conmon sync data of %zu bytes is over the limit of %u", len,
			 CONMON_SYNC_MAX_BYTES);
		return -E2BIG;
	}
	if (len == 0) { /* nothing to parse: no helper run */
		*ret_n = 0;
		return 0;
	}
	Crisp__Helper__ConmonSyncRequest body;
	crisp__helper__conmon_sync_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_CONMON_SYNC;
	req.conmon_sync = &body;
	struct helper_call call;
	helper_call_init(&call, POLICY_RTSTATE, "conmon sync message",
			 CRISP__HELPER__HELPER_REPLY__BODY_CONMON_SYNC, err, errsz);
	HelperReply *rep = NULL;
	int r = helper_call_run(h, &call, &req, &rep);
	if (r < 0)
		return r;
	r = rep->conmon_sync ? rtstate_reply_conmon(rep->conmon_sync, ret, max, ret_n)
			     : -EPROTO;
	helper_call_free(&call, rep);
	return r < 0 ? validation_failed(r, err, errsz) : 0;
}
