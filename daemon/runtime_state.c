/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime output through crisp-helper-rtstate: build the request, run the helper, unpack
 * the reply under a byte budget, check the envelope and hand the body to the pure validators
 * (runtime_state_reply.c) before anything reaches struct rt_state / struct conmon_msg.
 * runs in: daemon/privileged. Every reply byte is untrusted: the helper parsed runtime output
 * that quotes container-controlled text. */
#include "daemon/runtime_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/helper_ctx.h"
#include "daemon/log.h"
#include "daemon/runtime_state_reply.h"
#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/parse_error.h"
#include "sandbox/helper.h"

typedef Crisp__Helper__HelperRequest HelperRequest;
typedef Crisp__Helper__HelperReply HelperReply;

/* Decoding budget: protobuf-c may expand a hostile reply ~50x (empty submessages); the policy
 * caps replies at 256 KiB, real ones are a few KiB. */
#define RT_UNPACK_FACTOR 8u
#define RT_UNPACK_SLACK  ((size_t)1 << 20)

static void
on_helper_log(void *ud, const char *helper, pid_t pid, uint64_t req, const char *line, size_t len)
{
	(void)ud;
	char esc[4 * LOG_MAX_UNTRUSTED + 4];
	log_warn(req, "%s[%d]: %s", helper, (int)pid, log_escape(line, len, esc, sizeof(esc)));
}

/* The Error body of a reply as a message and the -errno of its class. A code outside the
 * protocol is itself a broken reply. */
static int
reply_error(const Crisp__Helper__Error *e, const char *what, char *err, size_t errsz)
{
	char esc_m[4 * LOG_MAX_UNTRUSTED + 4], esc_p[4 * LOG_MAX_UNTRUSTED + 4];
	if (!e || !e->message || !e->path || e->code == PARSE_OK || e->code >= PARSE_CODE_COUNT) {
		snprintf(err, errsz, "crisp-helper-rtstate: malformed error reply");
		return -EPROTO;
	}
	snprintf(err, errsz, "invalid %s: %s%s%s", what,
		 log_escape(e->message, strlen(e->message), esc_m, sizeof(esc_m)),
		 e->path[0] ? " at " : "",
		 log_escape(e->path, strlen(e->path), esc_p, sizeof(esc_p)));
	return parse_code_errno((enum parse_code)e->code);
}

/* One helper job: who runs it, the reply body it must answer with, and where errors go. */
struct rt_call {
	const struct helper_ctx *h;
	Crisp__Helper__HelperReply__BodyCase want;
	const char *what; /* "runtime state", ... for messages */
	char *err;
	size_t errsz;
};

/* Run the helper on req. On success *ret is the unpacked reply (allocated from alloc) whose
 * envelope matched and whose body is c->want; an Error body becomes its -errno here. */
static int
run_helper(const struct rt_call *c, HelperRequest *req, ProtobufCAllocator *alloc,
	   HelperReply **ret)
{
	const struct helper_ctx *h = c->h;
	char *err = c->err;
	size_t errsz = c->errsz;
	static _Atomic uint64_t next_id = 1;
	req->proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	req->request_id = next_id++;
	size_t len = crisp__helper__helper_request__get_packed_size(req);
	cleanup_free uint8_t *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	(void)crisp__helper__helper_request__pack(req, buf);
	struct helper_spec spec = {.policy = POLICY_RTSTATE,
				   .helper_dir = h->dir,
				   .deadline_ms = h->timeout_ms,
				   .request_id = h->request_id,
				   .log_fn = on_helper_log};
	cleanup_free uint8_t *rbuf = NULL;
	size_t rlen = 0;
	struct helper_error he;
	int r = helper_run(&spec, buf, len, &rbuf, &rlen, &he);
	if (r < 0) {
		snprintf(err, errsz, "crisp-helper-rtstate: %s", he.message);
		return r;
	}
	((struct budget *)alloc->allocator_data)->left = RT_UNPACK_FACTOR * rlen + RT_UNPACK_SLACK;
	HelperReply *rep = crisp__helper__helper_reply__unpack(alloc, rlen, rbuf);
	if (!rep || rep->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    rep->request_id != req->request_id ||
	    (rep->body_case != c->want &&
	     rep->body_case != CRISP__HELPER__HELPER_REPLY__BODY_ERROR)) {
		if (rep)
			crisp__helper__helper_reply__free_unpacked(rep, alloc);
		snprintf(err, errsz, "crisp-helper-rtstate: malformed reply");
		return -EPROTO;
	}
	if (rep->body_case == CRISP__HELPER__HELPER_REPLY__BODY_ERROR) {
		r = reply_error(rep->error, c->what, err, errsz);
		crisp__helper__helper_reply__free_unpacked(rep, alloc);
		return r;
	}
	*ret = rep;
	return 0;
}

static int
validation_failed(int r, char *err, size_t errsz)
{
	if (r == -E2BIG) {
		snprintf(err, errsz, "crisp-helper-rtstate: more conmon messages than expected");
		return r;
	}
	snprintf(err, errsz, "crisp-helper-rtstate: reply failed validation");
	return -EPROTO;
}

int
rt_parse_state(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct rt_state *ret,
	       char *err, size_t errsz)
{
	if (len > RT_STATE_MAX_BYTES) {
		snprintf(err, errsz, "runtime state of %zu bytes is over the limit of %u", len,
			 RT_STATE_MAX_BYTES);
		return -E2BIG;
	}
	Crisp__Helper__RtStateRequest body;
	crisp__helper__rt_state_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_RT_STATE;
	req.rt_state = &body;
	struct budget b = {0};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	HelperReply *rep = NULL;
	const struct rt_call call = {h, CRISP__HELPER__HELPER_REPLY__BODY_RT_STATE, "runtime state",
				     err, errsz};
	int r = run_helper(&call, &req, &a, &rep);
	if (r < 0)
		return r;
	r = rep->rt_state ? runtime_state_reply_state(rep->rt_state, ret) : -EPROTO;
	crisp__helper__helper_reply__free_unpacked(rep, &a);
	return r < 0 ? validation_failed(r, err, errsz) : 0;
}

int
rt_parse_conmon(const struct helper_ctx *h, const uint8_t *buf, size_t len, struct conmon_msg *ret,
		size_t max, size_t *ret_n, char *err, size_t errsz)
{
	if (len > CONMON_SYNC_MAX_BYTES) {
		snprintf(err, errsz, "conmon sync data of %zu bytes is over the limit of %u", len,
			 CONMON_SYNC_MAX_BYTES);
		return -E2BIG;
	}
	if (len == 0) { /* nothing to parse: no helper run */
		*ret_n = 0;
		return 0;
	}
	Crisp__Helper__ConmonSyncRequest body;
	crisp__helper__conmon_sync_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_CONMON_SYNC;
	req.conmon_sync = &body;
	struct budget b = {0};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	HelperReply *rep = NULL;
	const struct rt_call call = {h, CRISP__HELPER__HELPER_REPLY__BODY_CONMON_SYNC,
				     "conmon sync message", err, errsz};
	int r = run_helper(&call, &req, &a, &rep);
	if (r < 0)
		return r;
	r = rep->conmon_sync ? runtime_state_reply_conmon(rep->conmon_sync, ret, max, ret_n)
			     : -EPROTO;
	crisp__helper__helper_reply__free_unpacked(rep, &a);
	return r < 0 ? validation_failed(r, err, errsz) : 0;
}
