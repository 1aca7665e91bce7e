/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-rtstate: confine, read one request (`runc state` / `crun state` stdout, or the
 * bytes conmon wrote on a sync pipe), parse it with parsers/runtime_state.c and reply with the
 * validated fields or an Error.
 * runs in: helper/untrusted. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/runtime_state.h"
#include "sandbox/helper_enter.h"

typedef Crisp__Helper__HelperReply HelperReply;
typedef Crisp__Helper__RtStateReply RtStateReply;
typedef Crisp__Helper__ConmonSyncReply ConmonSyncReply;
typedef Crisp__Helper__ConmonSyncReply__Msg ConmonMsg;

static _Noreturn void
send_reply(HelperReply *rep)
{
	size_t len = crisp__helper__helper_reply__get_packed_size(rep);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	(void)crisp__helper__helper_reply__pack(rep, buf);
	if (sandbox_helper_send(buf, len, POLICY_RTSTATE->reply_max) < 0)
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

/* enum runtime_state_status -> the proto enum (declared in the same order, one up). */
static Crisp__Helper__RtStateReply__Status
status_to_proto(enum runtime_state_status s)
{
	switch (s) {
	case RUNTIME_STATE_STATUS_CREATING:
		return CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_CREATING;
	case RUNTIME_STATE_STATUS_CREATED:
		return CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_CREATED;
	case RUNTIME_STATE_STATUS_RUNNING:
		return CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING;
	case RUNTIME_STATE_STATUS_PAUSED:
		return CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_PAUSED;
	case RUNTIME_STATE_STATUS_STOPPED:
		return CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_STOPPED;
	case RUNTIME_STATE_STATUS_COUNT:
		break;
	}
	sandbox_helper_fail(HELPER_EXIT_INTERNAL, "status out of range");
}

static _Noreturn void
do_state(HelperReply *rep, const ProtobufCBinaryData *doc)
{
	struct runtime_state *s = NULL;
	struct parse_error e;
	if (runtime_state_parse(doc->data, doc->len, &s, &e) < 0)
		send_error(rep, &e);
	RtStateReply out;
	crisp__helper__rt_state_reply__init(&out);
	out.status = status_to_proto(s->status);
	out.pid = s->pid;
	out.id = s->id;
	out.bundle = s->bundle;
	out.created_ns = s->created_ns;
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_RT_STATE;
	rep->rt_state = &out;
	send_reply(rep);
}

static _Noreturn void
do_conmon(HelperReply *rep, const ProtobufCBinaryData *doc)
{
	struct runtime_state_conmon *c = NULL;
	struct parse_error e;
	if (runtime_state_conmon_parse(doc->data, doc->len, &c, &e) < 0)
		send_error(rep, &e);
	ConmonMsg msgs[CONMON_SYNC_MAX_MSGS], *mp[CONMON_SYNC_MAX_MSGS];
	for (size_t i = 0; i < c->n; i++) {
		crisp__helper__conmon_sync_reply__msg__init(&msgs[i]);
		msgs[i].has_pid = c->v[i].has_pid;
		msgs[i].pid = c->v[i].pid;
		msgs[i].has_data = c->v[i].has_data;
		msgs[i].data = c->v[i].data;
		msgs[i].message = c->v[i].message;
		mp[i] = &msgs[i];
	}
	ConmonSyncReply out;
	crisp__helper__conmon_sync_reply__init(&out);
	out.n_messages = c->n;
	out.messages = mp;
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_CONMON_SYNC;
	rep->conmon_sync = &out;
	send_reply(rep);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_RTSTATE);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (sandbox_helper_recv(POLICY_RTSTATE->request_max, &buf, &len) < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "no valid request frame");
	/* The request holds one document of at most request_max bytes: a small multiple of
	 * that bounds what decoding may allocate. */
	struct budget b = {.left = 4 * POLICY_RTSTATE->request_max};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__HelperRequest *req = crisp__helper__helper_request__unpack(&a, len, buf);
	if (!req || req->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    req->request_id == 0)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope");
	HelperReply rep;
	crisp__helper__helper_reply__init(&rep);
	rep.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	rep.request_id = req->request_id;
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_RT_STATE && req->rt_state)
		do_state(&rep, &req->rt_state->document);
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CONMON_SYNC && req->conmon_sync)
		do_conmon(&rep, &req->conmon_sync->document);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
