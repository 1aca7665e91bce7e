/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime output through crisp-helper-rtstate: build the request body and hand it to the
 * document-helper table (doc_call.c), which runs the helper and the pure validators
 * (daemon/replies/rtstate_reply.c) before anything reaches struct rt_state / conmon_msg.
 * runs in: daemon/privileged. Every reply byte is untrusted: the helper parsed runtime output
 * that quotes container-controlled text. */
#include "daemon/helpers/rtstate_call.h"

#include "daemon/helpers/doc_call.h"
#include "helper.pb-c.h"
#include "parsers/base/macro.h"

int
rt_parse_state(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct rt_state *ret,
	       char *err, size_t errsz)
{
	Crisp__Helper__RtStateRequest body;
	crisp__helper__rt_state_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	struct doc_call c = {DOC_CALL_RT_STATE, &body.base, len, NULL, ret, err, errsz};
	return doc_call_run(h, &c);
}

int
rt_parse_conmon(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct conmon_msg *ret,
		size_t max, size_t *ret_n, char *err, size_t errsz)
{
	if (len == 0) { /* nothing to parse: no helper run */
		*ret_n = 0;
		return 0;
	}
	Crisp__Helper__ConmonSyncRequest body;
	crisp__helper__conmon_sync_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	struct doc_call_conmon arg = {.max = max, .ret_n = ret_n};
	struct doc_call c = {DOC_CALL_CONMON_SYNC, &body.base, len, &arg, ret, err, errsz};
	return doc_call_run(h, &c);
}
