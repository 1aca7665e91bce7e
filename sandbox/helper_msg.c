/* SPDX-License-Identifier: Apache-2.0 */
/* Envelope handling shared by the helper mains (see helper_msg.h).
 * runs in: helper/untrusted. */
#include "sandbox/helper_msg.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/base/macro.h"
#include "sandbox/helper_enter.h"

Crisp__Helper__HelperRequest *
helper_msg_recv(struct helper_msg *m, const struct sandbox_policy *policy, size_t budget)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	m->policy = policy;
	m->budget.left = budget;
	m->alloc = (ProtobufCAllocator){budget_alloc, budget_free, &m->budget};
	if (sandbox_helper_recv(policy->request_max, &buf, &len) < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "no valid request frame");
	Crisp__Helper__HelperRequest *req =
	    crisp__helper__helper_request__unpack(&m->alloc, len, buf);
	/* The decoded request holds copies of every field: the frame goes now, wiped first (a
	 * fetch request carries credentials). */
	explicit_bzero(buf, len);
	free(buf);
	/* Check the envelope before any body: the version, and a non-zero id to echo. */
	if (!req || req->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    req->request_id == 0)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope");
	crisp__helper__helper_reply__init(&m->rep);
	m->rep.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	m->rep.request_id = req->request_id;
	return req;
}

_Noreturn void
helper_msg_send(struct helper_msg *m)
{
	size_t len = crisp__helper__helper_reply__get_packed_size(&m->rep);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	(void)crisp__helper__helper_reply__pack(&m->rep, buf);
	if (sandbox_helper_send(buf, len, m->policy->reply_max) < 0)
		sandbox_helper_fail(HELPER_EXIT_SEND, "cannot write the reply");
	_exit(HELPER_EXIT_OK);
}

_Noreturn void
helper_msg_error(struct helper_msg *m, const struct parse_error *e)
{
	Crisp__Helper__Error err;
	crisp__helper__error__init(&err);
	err.code = (uint32_t)e->code;
	err.offset = e->offset;
	err.path = UNCONST(e->path);
	err.message = UNCONST(e->message);
	m->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_ERROR;
	m->rep.error = &err;
	helper_msg_send(m);
}
