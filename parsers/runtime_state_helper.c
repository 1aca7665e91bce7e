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
#include "sandbox/helper_msg.h"

typedef Crisp__Helper__RtStateReply RtStateReply;
typedef Crisp__Helper__ConmonSyncReply ConmonSyncReply;
typedef Crisp__Helper__ConmonSyncReply__Msg ConmonMsg;

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
do_state(struct helper_msg *msg, const ProtobufCBinaryData *doc)
{
	struct runtime_state *s = NULL;
	struct parse_error e;
	if (runtime_state_parse(doc->data, doc->len, &s, &e) < 0)
		helper_msg_error(msg, &e);
	RtStateReply out;
	crisp__helper__rt_state_reply__init(&out);
	out.status = status_to_proto(s->status);
	out.pid = s->pid;
	out.id = s->id;
	out.bundle = s->bundle;
	out.created_ns = s->created_ns;
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_RT_STATE;
	msg->rep.rt_state = &out;
	helper_msg_send(msg);
}

static _Noreturn void
do_conmon(struct helper_msg *msg, const ProtobufCBinaryData *doc)
{
	struct runtime_state_conmon *c = NULL;
	struct parse_error e;
	if (runtime_state_conmon_parse(doc->data, doc->len, &c, &e) < 0)
		helper_msg_error(msg, &e);
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
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_CONMON_SYNC;
	msg->rep.conmon_sync = &out;
	helper_msg_send(msg);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_RTSTATE);
	struct helper_msg msg;
	Crisp__Helper__HelperRequest *req =
	    helper_msg_recv(&msg, POLICY_RTSTATE, 4 * POLICY_RTSTATE->request_max);
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_RT_STATE && req->rt_state)
		do_state(&msg, &req->rt_state->document);
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_CONMON_SYNC && req->conmon_sync)
		do_conmon(&msg, &req->conmon_sync->document);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
