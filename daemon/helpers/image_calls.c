/* SPDX-License-Identifier: Apache-2.0 */
/* Image documents through their confined helpers: build the request, run crisp-helper-manifest,
 * -config or -passwd, unpack the reply under a byte budget, check the envelope and hand the
 * body to the pure validators (daemon/replies/: manifest_reply.c, image_config_reply.c, passwd_reply.c).
 * runs in: daemon/privileged. Every reply byte is untrusted: the helper parsed hostile input. */
#include "daemon/helpers/image_calls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/replies/image_config_reply.h"
#include "daemon/helpers/helper_call.h"
#include "daemon/helpers/helper_ctx.h"
#include "daemon/core/log.h"
#include "daemon/replies/manifest_reply.h"
#include "daemon/replies/passwd_reply.h"
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
/* Reply cap over the document's own size: a reply restates the document in a denser form,
 * plus a few bytes per item ("80" -> "80/tcp", canonical media types). */
#define IMG_REPLY_SLACK ((size_t)64 * 1024u)

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
finish(struct helper_call *run, HelperReply *rep, int r)
{
	helper_call_free(run, rep);
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
	if (content_type && strnlen(content_type, FETCH_MAX_CONTENT_TYPE + 1) > FETCH_MAX_CONTENT_TYPE)
		content_type = NULL;
	Crisp__Helper__ManifestRequest body;
	crisp__helper__manifest_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	body.media_type = UNCONST(content_type ? content_type : "");
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_MANIFEST;
	req.manifest = &body;
	struct helper_call run;
	helper_call_init(&run, POLICY_MANIFEST, "image manifest",
			 CRISP__HELPER__HELPER_REPLY__BODY_MANIFEST, err, errsz);
	run.reply_max = reply_cap(len);
	HelperReply *rep = NULL;
	int r = helper_call_run(h, &run, &req, &rep);
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
	struct helper_call run;
	helper_call_init(&run, POLICY_CONFIG, "image config",
			 CRISP__HELPER__HELPER_REPLY__BODY_CONFIG, err, errsz);
	run.reply_max = reply_cap(len);
	HelperReply *rep = NULL;
	int r = helper_call_run(h, &run, &req, &rep);
	if (r < 0)
		return r;
	return finish(&run, rep, rep->config ? image_config_reply_validate(rep->config, ret) : -EPROTO);
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
	struct helper_call run;
	helper_call_init(&run, POLICY_PASSWD, "USER", CRISP__HELPER__HELPER_REPLY__BODY_PASSWD, err,
			 errsz);
	HelperReply *rep = NULL;
	r = helper_call_run(h, &run, &req, &rep);
	if (r < 0)
		return r;
	return finish(&run, rep,
		      rep->passwd ? passwd_reply_validate(rep->passwd, spec, ret) : -EPROTO);
}
