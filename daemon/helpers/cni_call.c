/* SPDX-License-Identifier: Apache-2.0 */
/* CNI JSON through crisp-helper-cni: build the request, run the helper (helper_call.h) and
 * hand its reply to the pure validators of daemon/replies/cni_reply.c.
 * runs in: daemon/privileged. */
#include "daemon/helpers/cni_call.h"

#include <errno.h>
#include <stdio.h>

#include "daemon/helpers/helper_call.h"
#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/macro.h"

int
cni_call_netconf(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		 struct cni_netconf **ret, char *err, size_t errsz)
{
	Crisp__Helper__CniConfRequest body;
	crisp__helper__cni_conf_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	Crisp__Helper__HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_CNI_CONF;
	req.cni_conf = &body;
	struct helper_call call;
	helper_call_init(&call, POLICY_CNI, "CNI network configuration",
			 CRISP__HELPER__HELPER_REPLY__BODY_CNI_CONF, err, errsz);
	Crisp__Helper__HelperReply *rep = NULL;
	int r = helper_call_run(h, &call, &req, &rep);
	if (r < 0)
		return r;
	if (!rep->cni_conf || (r = cni_reply_validate_netconf(rep->cni_conf, ret)) < 0) {
		snprintf(err, errsz, "crisp-helper-cni: reply failed validation");
		r = r < 0 ? r : -EPROTO;
	}
	helper_call_free(&call, rep);
	return r;
}

int
cni_call_result(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		 struct cni_result **ret, char *err, size_t errsz)
{
	Crisp__Helper__CniResultRequest body;
	crisp__helper__cni_result_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	Crisp__Helper__HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_CNI_RESULT;
	req.cni_result = &body;
	struct helper_call call;
	helper_call_init(&call, POLICY_CNI, "CNI plugin output",
			 CRISP__HELPER__HELPER_REPLY__BODY_CNI_RESULT, err, errsz);
	Crisp__Helper__HelperReply *rep = NULL;
	int r = helper_call_run(h, &call, &req, &rep);
	if (r < 0)
		return r;
	if (!rep->cni_result || (r = cni_reply_validate_result(rep->cni_result, ret)) < 0) {
		snprintf(err, errsz, "crisp-helper-cni: reply failed validation");
		r = r < 0 ? r : -EPROTO;
	}
	helper_call_free(&call, rep);
	return r;
}
