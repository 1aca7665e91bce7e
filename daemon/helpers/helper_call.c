/* SPDX-License-Identifier: Apache-2.0 */
/* Helper round trips shared by every daemon-side wrapper (see helper_call.h).
 * runs in: daemon/privileged. */
#include "daemon/helpers/helper_call.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "parsers/base/macro.h"
#include "parsers/base/parse_error.h"
#include "sandbox/helper.h"

typedef Crisp__Helper__HelperRequest HelperRequest;
typedef Crisp__Helper__HelperReply HelperReply;

void
helper_call_init(struct helper_call *c, const struct sandbox_policy *policy, const char *what,
		 Crisp__Helper__HelperReply__BodyCase want, char *err, size_t errsz)
{
	*c = (struct helper_call){
	    .policy = policy, .what = what, .want = want, .err = err, .errsz = errsz};
	c->alloc = (ProtobufCAllocator){budget_alloc, budget_free, &c->budget};
}

static void
on_helper_log(void *ud, const char *helper, pid_t pid, uint64_t req, const char *line, size_t len)
{
	(void)ud;
	char esc[4 * LOG_MAX_UNTRUSTED + 4];
	log_warn(req, "%s[%d]: %s", helper, (int)pid, log_escape(line, len, esc, sizeof(esc)));
}

/* The Error body of a reply as a message and an -errno from its class. A code outside the
 * protocol is itself a broken reply. */
static int
reply_error(const Crisp__Helper__Error *e, struct helper_call *c)
{
	char esc_m[4 * LOG_MAX_UNTRUSTED + 4], esc_p[4 * LOG_MAX_UNTRUSTED + 4];
	if (!e || !e->message || !e->path || e->code == PARSE_OK || e->code >= PARSE_CODE_COUNT) {
		snprintf(c->err, c->errsz, "crisp-helper-%s: malformed error reply",
			 c->policy->name);
		return -EPROTO;
	}
	snprintf(c->err, c->errsz, "invalid %s: %s%s%s", c->what,
		 log_escape(e->message, strlen(e->message), esc_m, sizeof(esc_m)),
		 e->path[0] ? " at " : "",
		 log_escape(e->path, strlen(e->path), esc_p, sizeof(esc_p)));
	return parse_code_errno((enum parse_code)e->code);
}

/* Unpack under the budget and check the envelope: version, the request's id, and a body
 * that is c->want or an Error (turned into its -errno here). */
static int
decode_reply(struct helper_call *c, uint64_t id, const uint8_t *rbuf, size_t rlen,
	     HelperReply **ret)
{
	c->budget.left = HELPER_CALL_UNPACK_FACTOR * rlen + HELPER_CALL_UNPACK_SLACK;
	HelperReply *rep = crisp__helper__helper_reply__unpack(&c->alloc, rlen, rbuf);
	int r = 0;
	if (!rep || rep->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    rep->request_id != id ||
	    (rep->body_case != c->want &&
	     rep->body_case != CRISP__HELPER__HELPER_REPLY__BODY_ERROR)) {
		snprintf(c->err, c->errsz, "crisp-helper-%s: malformed reply", c->policy->name);
		r = -EPROTO;
	} else if (rep->body_case == CRISP__HELPER__HELPER_REPLY__BODY_ERROR) {
		r = reply_error(rep->error, c);
	}
	if (r < 0) {
		if (rep)
			crisp__helper__helper_reply__free_unpacked(rep, &c->alloc);
		return r;
	}
	*ret = rep;
	return 0;
}

int
helper_call_run(const struct helper_ctx *h, struct helper_call *c, HelperRequest *req,
		HelperReply **ret)
{
	static _Atomic uint64_t next_id = 1;
	req->proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	req->request_id = atomic_fetch_add(&next_id, 1);
	size_t len = crisp__helper__helper_request__get_packed_size(req);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	(void)crisp__helper__helper_request__pack(req, buf);
	struct helper_spec spec = {.policy = c->policy,
				   .helper_dir = h->dir,
				   .deadline_ms = h->timeout_ms,
				   .reply_max = c->reply_max,
				   .bulk_fd = c->bulk_fd,
				   .request_id = h->request_id,
				   .log_fn = on_helper_log};
	cleanup_free uint8_t *rbuf = NULL;
	size_t rlen = 0;
	struct helper_error he;
	int r = helper_run(&spec, buf, len, &rbuf, &rlen, &he);
	if (r < 0) {
		snprintf(c->err, c->errsz, "crisp-helper-%s: %s", c->policy->name, he.message);
		return r;
	}
	return decode_reply(c, req->request_id, rbuf, rlen, ret);
}

void
helper_call_free(struct helper_call *c, HelperReply *rep)
{
	if (rep)
		crisp__helper__helper_reply__free_unpacked(rep, &c->alloc);
}
