/* SPDX-License-Identifier: Apache-2.0 */
/* CNI JSON through crisp-helper-cni: build the request body and hand it to the
 * document-helper table (doc_call.c), which runs the helper and the pure validators of
 * daemon/replies/cni_reply.c.
 * runs in: daemon/privileged. */
#include "daemon/helpers/cni_call.h"

#include "daemon/helpers/doc_call.h"
#include "helper.pb-c.h"
#include "parsers/base/macro.h"

int
cni_call_netconf(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		 struct cni_netconf **ret, char *err, size_t errsz)
{
	Crisp__Helper__CniConfRequest body;
	crisp__helper__cni_conf_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	struct doc_call c = {DOC_CALL_CNI_CONF, &body.base, len, NULL, ret, err, errsz};
	return doc_call_run(h, &c);
}

int
cni_call_result(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct cni_result **ret,
		char *err, size_t errsz)
{
	Crisp__Helper__CniResultRequest body;
	crisp__helper__cni_result_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	struct doc_call c = {DOC_CALL_CNI_RESULT, &body.base, len, NULL, ret, err, errsz};
	return doc_call_run(h, &c);
}
