/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-cni: confine, read one request (a CNI network config file or a plugin's
 * stdout), parse it with parsers/cni.c and reply with the validated content or an Error.
 * runs in: helper/untrusted. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/macro.h"
#include "parsers/cni.h"
#include "sandbox/helper_enter.h"
#include "sandbox/helper_msg.h"

static _Noreturn void
do_conf(struct helper_msg *msg, const ProtobufCBinaryData *doc)
{
	struct cni_conf *c = NULL;
	struct parse_error e;
	if (cni_conf_parse(doc->data, doc->len, &c, &e) < 0)
		helper_msg_error(msg, &e);
	Crisp__Helper__CniConfReply out;
	crisp__helper__cni_conf_reply__init(&out);
	Crisp__Helper__CniConfReply__Plugin pl[CNI_MAX_PLUGINS], *plp[CNI_MAX_PLUGINS];
	for (size_t i = 0; i < c->n_plugins; i++) {
		crisp__helper__cni_conf_reply__plugin__init(&pl[i]);
		pl[i].type = c->plugins[i].type;
		pl[i].conf = c->plugins[i].conf;
		pl[i].port_mappings = c->plugins[i].port_mappings;
		plp[i] = &pl[i];
	}
	out.name = c->name;
	out.cni_version = c->cni_version;
	out.n_plugins = c->n_plugins;
	out.plugins = plp;
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_CNI_CONF;
	msg->rep.cni_conf = &out;
	helper_msg_send(msg);
}

static _Noreturn void
do_result(struct helper_msg *msg, const ProtobufCBinaryData *doc)
{
	struct cni_res *r = NULL;
	struct parse_error e;
	if (cni_result_parse(doc->data, doc->len, &r, &e) < 0)
		helper_msg_error(msg, &e);
	Crisp__Helper__CniResultReply out;
	crisp__helper__cni_result_reply__init(&out);
	out.is_error = r->is_error;
	out.error_code = r->error_code;
	out.error_msg = r->error_msg ? r->error_msg : UNCONST("");
	out.n_ips = r->n_ips;
	out.ips = r->ips;
	out.json = r->json;
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_CNI_RESULT;
	msg->rep.cni_result = &out;
	helper_msg_send(msg);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_CNI);
	struct helper_msg msg;
	Crisp__Helper__HelperRequest *req =
	    helper_msg_recv(&msg, POLICY_CNI, 4 * POLICY_CNI->request_max);
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CNI_CONF && req->cni_conf)
		do_conf(&msg, &req->cni_conf->document);
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CNI_RESULT && req->cni_result)
		do_result(&msg, &req->cni_result->document);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
