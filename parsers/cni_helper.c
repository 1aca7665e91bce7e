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

typedef Crisp__Helper__HelperReply HelperReply;

static _Noreturn void
send_reply(HelperReply *rep)
{
	size_t len = crisp__helper__helper_reply__get_packed_size(rep);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	(void)crisp__helper__helper_reply__pack(rep, buf);
	if (sandbox_helper_send(buf, len, POLICY_CNI->reply_max) < 0)
		sandbox_helper_fail(HELPER_EXIT_SEND, "cannot write the reply");
	_exit(HELPER_EXIT_OK);
}

static _Noreturn void
send_error(HelperReply *rep, const struct parse_error *e)
{
	Crisp__Helper__Error err;
	crisp__helper__error__init(&err);
	err.code = (uint32_t)e->code;
	err.offset = e->offset;
	err.path = UNCONST(e->path);
	err.message = UNCONST(e->message);
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_ERROR;
	rep->error = &err;
	send_reply(rep);
}

static _Noreturn void
do_conf(HelperReply *rep, const ProtobufCBinaryData *doc)
{
	struct cni_conf *c = NULL;
	struct parse_error e;
	if (cni_conf_parse(doc->data, doc->len, &c, &e) < 0)
		send_error(rep, &e);
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
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_CNI_CONF;
	rep->cni_conf = &out;
	send_reply(rep);
}

static _Noreturn void
do_result(HelperReply *rep, const ProtobufCBinaryData *doc)
{
	struct cni_res *r = NULL;
	struct parse_error e;
	if (cni_result_parse(doc->data, doc->len, &r, &e) < 0)
		send_error(rep, &e);
	Crisp__Helper__CniResultReply out;
	crisp__helper__cni_result_reply__init(&out);
	out.is_error = r->is_error;
	out.error_code = r->error_code;
	out.error_msg = r->error_msg ? r->error_msg : UNCONST("");
	out.n_ips = r->n_ips;
	out.ips = r->ips;
	out.json = r->json;
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_CNI_RESULT;
	rep->cni_result = &out;
	send_reply(rep);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_CNI);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (sandbox_helper_recv(POLICY_CNI->request_max, &buf, &len) < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "no valid request frame");
	/* The request holds one document of at most request_max bytes: a small multiple of
	 * that bounds what decoding may allocate. */
	struct budget b = {.left = 4 * POLICY_CNI->request_max};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__HelperRequest *req = crisp__helper__helper_request__unpack(&a, len, buf);
	if (!req || req->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    req->request_id == 0)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope");
	HelperReply rep;
	crisp__helper__helper_reply__init(&rep);
	rep.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	rep.request_id = req->request_id;
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CNI_CONF && req->cni_conf)
		do_conf(&rep, &req->cni_conf->document);
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CNI_RESULT && req->cni_result)
		do_result(&rep, &req->cni_result->document);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
