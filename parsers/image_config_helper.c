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
#include "sandbox/helper_msg.h"

typedef Crisp__Helper__ConfigReply ConfigReply;
typedef Crisp__Helper__ConfigReply__Label Label;

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
do_config(struct helper_msg *msg, const ProtobufCBinaryData *doc)
{
	struct image_config *c = NULL;
	struct parse_error e;
	if (image_config_parse(doc->data, doc->len, NULL, &c, &e) < 0)
		helper_msg_error(msg, &e);
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
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_CONFIG;
	msg->rep.config = &out;
	helper_msg_send(msg);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_CONFIG);
	struct helper_msg msg;
	Crisp__Helper__HelperRequest *req =
	    helper_msg_recv(&msg, POLICY_CONFIG, POLICY_CONFIG->request_max + ((size_t)1 << 20));
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CONFIG && req->config)
		do_config(&msg, &req->config->document);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
