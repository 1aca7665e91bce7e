/* SPDX-License-Identifier: Apache-2.0 */
/* Image documents through their confined helpers: build the request, run crisp-helper-manifest,
 * -config or -passwd, unpack the reply under a byte budget, check the envelope and hand the
 * body to the pure validators (manifest_reply.c, config_reply.c, passwd_reply.c).
 * runs in: daemon/privileged. Every reply byte is untrusted: the helper parsed hostile input. */
#include "daemon/image_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_reply.h"
#include "daemon/helper_ctx.h"
#include "daemon/log.h"
#include "daemon/manifest_reply.h"
#include "daemon/passwd_reply.h"
#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/parse_error.h"
#include "sandbox/helper.h"

typedef Crisp__Helper__HelperRequest HelperRequest;
typedef Crisp__Helper__HelperReply HelperReply;

/* Longest Content-Type passed on; a longer one is no media type the parser knows anyway. */
#define IMG_CONTENT_TYPE_MAX 1024u
/* Reply cap over the document's own size: a reply restates the document in a denser form,
 * plus a few bytes per item ("80" -> "80/tcp", canonical media types). */
#define IMG_REPLY_SLACK ((size_t)64 * 1024u)
/* Decoding budget: protobuf-c turns a 2-byte empty submessage into a ~100-byte struct, so a
 * hostile reply can expand ~50x; real replies stay under 3x plus this constant. */
#define IMG_UNPACK_FACTOR 8u
#define IMG_UNPACK_SLACK  ((size_t)1 << 20)

/* One helper run: what to run and expect, where messages go, the reply's decoding budget. */
struct img_run {
	const struct sandbox_policy *policy;
	const char *what; /* "image manifest", ... for messages */
	size_t reply_max; /* 0: the policy's */
	Crisp__Helper__HelperReply__BodyCase want;
	char *err;
	size_t errsz;
	struct budget budget;
	ProtobufCAllocator alloc; /* budget_alloc/budget_free over .budget */
};

static void
img_run_init(struct img_run *run, const struct sandbox_policy *policy, const char *what,
	     Crisp__Helper__HelperReply__BodyCase want, char *err, size_t errsz)
{
	*run = (struct img_run){
	    .policy = policy, .what = what, .want = want, .err = err, .errsz = errsz};
	run->alloc = (ProtobufCAllocator){budget_alloc, budget_free, &run->budget};
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
reply_error(const Crisp__Helper__Error *e, struct img_run *run)
{
	char esc_m[4 * LOG_MAX_UNTRUSTED + 4], esc_p[4 * LOG_MAX_UNTRUSTED + 4];
	if (!e || !e->message || !e->path || e->code == PARSE_OK || e->code >= PARSE_CODE_COUNT) {
		snprintf(run->err, run->errsz, "crisp-helper-%s: malformed error reply",
			 run->policy->name);
		return -EPROTO;
	}
	snprintf(run->err, run->errsz, "invalid %s: %s%s%s", run->what,
		 log_escape(e->message, strlen(e->message), esc_m, sizeof(esc_m)),
		 e->path[0] ? " at " : "",
		 log_escape(e->path, strlen(e->path), esc_p, sizeof(esc_p)));
	return parse_code_errno((enum parse_code)e->code);
}

/* Unpack rbuf under the budget and check the envelope: version, the request's id, and a body
 * that is run->want or an Error (turned into its -errno here). */
static int
decode_reply(struct img_run *run, uint64_t id, const uint8_t *rbuf, size_t rlen, HelperReply **ret)
{
	run->budget.left = IMG_UNPACK_FACTOR * rlen + IMG_UNPACK_SLACK;
	HelperReply *rep = crisp__helper__helper_reply__unpack(&run->alloc, rlen, rbuf);
	int r = 0;
	if (!rep || rep->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    rep->request_id != id ||
	    (rep->body_case != run->want &&
	     rep->body_case != CRISP__HELPER__HELPER_REPLY__BODY_ERROR)) {
		snprintf(run->err, run->errsz, "crisp-helper-%s: malformed reply",
			 run->policy->name);
		r = -EPROTO;
	} else if (rep->body_case == CRISP__HELPER__HELPER_REPLY__BODY_ERROR) {
		r = reply_error(rep->error, run);
	}
	if (r < 0) {
		if (rep)
			crisp__helper__helper_reply__free_unpacked(rep, &run->alloc);
		return r;
	}
	*ret = rep;
	return 0;
}

/* Run the helper on req. On success *ret is the unpacked reply whose envelope matched and
 * whose body is run->want (free with free_unpacked and &run->alloc). */
static int
run_helper(const struct helper_ctx *h, struct img_run *run, HelperRequest *req, HelperReply **ret)
{
	static _Atomic uint64_t next_id = 1;
	req->proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	req->request_id = next_id++;
	size_t len = crisp__helper__helper_request__get_packed_size(req);
	cleanup_free uint8_t *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	(void)crisp__helper__helper_request__pack(req, buf);
	struct helper_spec spec = {.policy = run->policy,
				   .helper_dir = h->dir,
				   .deadline_ms = h->timeout_ms,
				   .reply_max = run->reply_max,
				   .request_id = h->request_id,
				   .log_fn = on_helper_log};
	cleanup_free uint8_t *rbuf = NULL;
	size_t rlen = 0;
	struct helper_error he;
	int r = helper_run(&spec, buf, len, &rbuf, &rlen, &he);
	if (r < 0) {
		snprintf(run->err, run->errsz, "crisp-helper-%s: %s", run->policy->name,
			 he.message);
		return r;
	}
	return decode_reply(run, req->request_id, rbuf, rlen, ret);
}

static size_t
reply_cap(size_t doc_len)
{
	size_t cap;
	if (__builtin_mul_overflow(doc_len, 2u, &cap) ||
	    __builtin_add_overflow(cap, IMG_REPLY_SLACK, &cap))
		return 0; /* the policy's */
	return cap;
}

/* Release the reply; a validator's failure becomes the RPC's error. */
static int
finish(struct img_run *run, HelperReply *rep, int r)
{
	crisp__helper__helper_reply__free_unpacked(rep, &run->alloc);
	if (r >= 0)
		return 0;
	snprintf(run->err, run->errsz, "crisp-helper-%s: reply failed validation",
		 run->policy->name);
	return r == -ENOMEM ? r : -EPROTO;
}

int
img_parse_manifest(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		   const char *content_type, struct img_manifest **ret, char *err, size_t errsz)
{
	if (len > MANIFEST_MAX_SIZE) {
		snprintf(err, errsz, "image manifest of %zu bytes is over the limit of %u", len,
			 MANIFEST_MAX_SIZE);
		return -E2BIG;
	}
	if (content_type && strnlen(content_type, IMG_CONTENT_TYPE_MAX + 1) > IMG_CONTENT_TYPE_MAX)
		content_type = NULL;
	Crisp__Helper__ManifestRequest body;
	crisp__helper__manifest_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	body.media_type = UNCONST(content_type ? content_type : "");
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_MANIFEST;
	req.manifest = &body;
	struct img_run run;
	img_run_init(&run, POLICY_MANIFEST, "image manifest",
		     CRISP__HELPER__HELPER_REPLY__BODY_MANIFEST, err, errsz);
	run.reply_max = reply_cap(len);
	HelperReply *rep = NULL;
	int r = run_helper(h, &run, &req, &rep);
	if (r < 0)
		return r;
	return finish(&run, rep,
		      rep->manifest ? manifest_reply_validate(rep->manifest, content_type, ret)
				    : -EPROTO);
}

int
img_parse_config(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		 struct img_config **ret, char *err, size_t errsz)
{
	if (len > IMAGE_CONFIG_MAX_SIZE) {
		snprintf(err, errsz, "image config of %zu bytes is over the limit of %u", len,
			 IMAGE_CONFIG_MAX_SIZE);
		return -E2BIG;
	}
	Crisp__Helper__ConfigRequest body;
	crisp__helper__config_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_CONFIG;
	req.config = &body;
	struct img_run run;
	img_run_init(&run, POLICY_CONFIG, "image config", CRISP__HELPER__HELPER_REPLY__BODY_CONFIG,
		     err, errsz);
	run.reply_max = reply_cap(len);
	HelperReply *rep = NULL;
	int r = run_helper(h, &run, &req, &rep);
	if (r < 0)
		return r;
	return finish(&run, rep, rep->config ? config_reply_validate(rep->config, ret) : -EPROTO);
}

/* The daemon read both files with PASSWD_MAX_FILE_SIZE as the cap: a bigger buffer is a
 * caller bug, refused before any helper runs. */
static int
check_user_files(const uint8_t *passwd, size_t passwd_len, const uint8_t *group, size_t group_len,
		 char *err, size_t errsz)
{
	if (passwd_len > PASSWD_MAX_FILE_SIZE || group_len > PASSWD_MAX_FILE_SIZE ||
	    (passwd_len && !passwd) || (group_len && !group)) {
		snprintf(err, errsz, "/etc/passwd or /etc/group over the limit of %u bytes",
			 PASSWD_MAX_FILE_SIZE);
		return -E2BIG;
	}
	return 0;
}

int
img_resolve_user(const struct helper_ctx *h, const uint8_t *passwd, size_t passwd_len,
		 const uint8_t *group, size_t group_len, const char *spec, struct img_user **ret,
		 char *err, size_t errsz)
{
	if (!spec)
		spec = "";
	int r = check_user_files(passwd, passwd_len, group, group_len, err, errsz);
	if (r < 0)
		return r;
	/* A spec longer than the config parser allows cannot have come from an image. */
	if (strnlen(spec, IMAGE_CONFIG_MAX_USER_LEN + 1) > IMAGE_CONFIG_MAX_USER_LEN) {
		snprintf(err, errsz, "USER longer than %u bytes", IMAGE_CONFIG_MAX_USER_LEN);
		return -EINVAL;
	}
	Crisp__Helper__PasswdRequest body;
	crisp__helper__passwd_request__init(&body);
	body.document = (ProtobufCBinaryData){passwd_len, UNCONST(passwd)};
	body.group_document = (ProtobufCBinaryData){group_len, UNCONST(group)};
	body.user = UNCONST(spec);
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_PASSWD;
	req.passwd = &body;
	struct img_run run;
	img_run_init(&run, POLICY_PASSWD, "USER", CRISP__HELPER__HELPER_REPLY__BODY_PASSWD, err,
		     errsz);
	HelperReply *rep = NULL;
	r = run_helper(h, &run, &req, &rep);
	if (r < 0)
		return r;
	return finish(&run, rep,
		      rep->passwd ? passwd_reply_validate(rep->passwd, spec, ret) : -EPROTO);
}
