/* SPDX-License-Identifier: Apache-2.0 */
/* Helper round trips shared by every daemon-side caller (see helper_call.h): the document
 * helpers (doc_call.c), the fetcher (images/registry.c) and the unpacker (images/layer.c).
 * runs in: daemon/privileged. */
#include "daemon/helpers/helper_call.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/core/log.h"
#include "parsers/base/limits.h"
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

uint64_t
helper_call_deadline_ms(const struct helper_ctx *h, const struct helper_call *c)
{
	if (c->deadline_ms)
		return c->deadline_ms;
	return h->timeout_ms ? h->timeout_ms : c->policy->deadline_ms;
}

static void
on_helper_log(void *ud, const char *helper, pid_t pid, uint64_t req, const char *line, size_t len)
{
	(void)ud;
	char esc[4 * LOG_MAX_UNTRUSTED + 4];
	log_warn(req, "%s[%d]: %s", helper, (int)pid, log_escape(line, len, esc, sizeof(esc)));
}

/* Untrusted text as the protocol's Error strings must be: printable ASCII ('?' for any other
 * byte; quotes stay, they delimit entry names), at most max bytes. */
static void
copy_printable(char *out, size_t outsz, const char *in, size_t max)
{
	size_t n = 0;
	for (; n < max && n + 1 < outsz && in[n]; n++) {
		unsigned char ch = (unsigned char)in[n];
		out[n] = in[n];
		if (ch < 0x20 || ch >= 0x7f)
			out[n] = '?';
	}
	out[n] = '\0';
}

/* The Error body of a reply as a message and an -errno from its class. A code outside the
 * protocol, or an Error from a helper that never sends one, is itself a broken reply. */
static int
reply_error(const Crisp__Helper__Error *e, struct helper_call *c)
{
	if (c->typed_only || !e || !e->message || !e->path || e->code == PARSE_OK ||
	    e->code >= PARSE_CODE_COUNT) {
		snprintf(c->err, c->errsz, "crisp-helper-%s: malformed error reply",
			 c->policy->name);
		return -EPROTO;
	}
	char m[PARSE_ERROR_MSG_MAX + 1], p[PARSE_ERROR_PATH_MAX + 1];
	copy_printable(m, sizeof(m), e->message, PARSE_ERROR_MSG_MAX);
	copy_printable(p, sizeof(p), e->path, PARSE_ERROR_PATH_MAX);
	if (!m[0])
		snprintf(m, sizeof(m), "crisp-helper-%s failed without a message", c->policy->name);
	snprintf(c->err, c->errsz, "%s%s%s%s%s%s", c->what ? "invalid " : "",
		 c->what ? c->what : "", c->what ? ": " : "", m, p[0] ? " at " : "", p);
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

/* The packed request; wiped before it is freed when it carries secrets. */
struct packed {
	uint8_t *buf;
	size_t len;
	bool scrub;
};

static void
packed_done(struct packed *p)
{
	if (p->buf && p->scrub)
		explicit_bzero(p->buf, p->len);
	free(p->buf);
}

int
helper_call_run(const struct helper_ctx *h, struct helper_call *c, HelperRequest *req,
		HelperReply **ret)
{
	static _Atomic uint64_t next_id = 1;
	req->proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	req->request_id = atomic_fetch_add(&next_id, 1);
	cleanup(packed_done) struct packed p = {
	    .len = crisp__helper__helper_request__get_packed_size(req), .scrub = c->scrub};
	if (p.len > c->policy->request_max) {
		snprintf(c->err, c->errsz, "crisp-helper-%s: request of %zu bytes over the limit",
			 c->policy->name, p.len);
		return -E2BIG;
	}
	if (!(p.buf = malloc(p.len ? p.len : 1)))
		return -ENOMEM;
	(void)crisp__helper__helper_request__pack(req, p.buf);
	struct helper_spec spec = {.policy = c->policy,
				   .helper_dir = h->dir,
				   .deadline_ms = helper_call_deadline_ms(h, c),
				   .reply_max = c->reply_max,
				   .bulk_fd = c->bulk_fd,
				   .request_id = h->request_id,
				   .log_fn = on_helper_log};
	cleanup_free uint8_t *rbuf = NULL;
	size_t rlen = 0;
	struct helper_error he;
	int r = helper_run(&spec, p.buf, p.len, &rbuf, &rlen, &he);
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
