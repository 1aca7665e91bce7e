/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-config: confine, read one ConfigRequest (an image config as fetched), parse it
 * with parsers/image_config.c and reply with the process defaults, platform and diff IDs
 * (ConfigReply) or an Error.
 * runs in: helper/untrusted. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/macro.h"
#include "parsers/image_config.h"
#include "sandbox/helper_enter.h"

typedef Crisp__Helper__HelperReply HelperReply;
typedef Crisp__Helper__ConfigReply ConfigReply;
typedef Crisp__Helper__ConfigReply__Label Label;

static _Noreturn void
send_reply(HelperReply *rep)
{
	size_t len = crisp__helper__helper_reply__get_packed_size(rep);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	(void)crisp__helper__helper_reply__pack(rep, buf);
	if (sandbox_helper_send(buf, len, POLICY_CONFIG->reply_max) < 0)
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

/* protobuf-c packs NULL strings as absent only for proto2; proto3 needs "" instead. */
static char *
str_or_empty(char *s)
{
	return s ? s : UNCONST("");
}

/* The labels as a pointer array (never freed: the helper exits right after replying). */
static Label **
labels_of(const struct str_map *m)
{
	Label *l = calloc(m->n ? m->n : 1, sizeof(*l));
	/* sizeof(void *): an array of pointers (clang-tidy reads sizeof(Label *) as a slip). */
	Label **p = calloc(m->n ? m->n : 1, sizeof(void *));
	if (!l || !p)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	for (size_t i = 0; i < m->n; i++) {
		crisp__helper__config_reply__label__init(&l[i]);
		l[i].key = m->v[i].key;
		l[i].value = m->v[i].value;
		p[i] = &l[i];
	}
	return p;
}

static _Noreturn void
do_config(HelperReply *rep, const ProtobufCBinaryData *doc)
{
	struct image_config *c = NULL;
	struct parse_error e;
	if (image_config_parse(doc->data, doc->len, NULL, &c, &e) < 0)
		send_error(rep, &e);
	const struct image_exec_config *x = &c->config;
	ConfigReply out;
	crisp__helper__config_reply__init(&out);
	out.os = str_or_empty(c->os);
	out.architecture = str_or_empty(c->architecture);
	out.variant = str_or_empty(c->variant);
	out.created = str_or_empty(c->created);
	out.user = str_or_empty(x->user);
	out.n_env = x->env.n;
	out.env = x->env.v;
	out.n_entrypoint = x->entrypoint.n;
	out.entrypoint = x->entrypoint.v;
	out.n_cmd = x->cmd.n;
	out.cmd = x->cmd.v;
	out.working_dir = str_or_empty(x->working_dir);
	out.n_exposed_ports = x->exposed_ports.n;
	out.exposed_ports = x->exposed_ports.v;
	out.n_volumes = x->volumes.n;
	out.volumes = x->volumes.v;
	out.n_labels = x->labels.n;
	out.labels = labels_of(&x->labels);
	out.stop_signal = str_or_empty(x->stop_signal_str);
	out.stop_signal_num = x->stop_signal > 0 ? (uint32_t)x->stop_signal : 0;
	out.n_diff_ids = c->diff_ids.n;
	out.diff_ids = c->diff_ids.v;
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_CONFIG;
	rep->config = &out;
	send_reply(rep);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_CONFIG);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (sandbox_helper_recv(POLICY_CONFIG->request_max, &buf, &len) < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "no valid request frame");
	/* One document, copied once by the decoder: its size plus a little. */
	struct budget b = {.left = POLICY_CONFIG->request_max + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__HelperRequest *req = crisp__helper__helper_request__unpack(&a, len, buf);
	if (!req || req->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    req->request_id == 0)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope");
	HelperReply rep;
	crisp__helper__helper_reply__init(&rep);
	rep.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	rep.request_id = req->request_id;
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CONFIG && req->config)
		do_config(&rep, &req->config->document);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
