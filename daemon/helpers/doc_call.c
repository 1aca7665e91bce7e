/* SPDX-License-Identifier: Apache-2.0 */
/* The document-helper table and its one driver (see doc_call.h). Every reply byte is
 * untrusted: the helper parsed hostile input; the validators of daemon/replies/ re-check it.
 * runs in: daemon/privileged. */
#include "daemon/helpers/doc_call.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "daemon/helpers/helper_call.h"
#include "daemon/replies/cni_reply.h"
#include "daemon/replies/image_config_reply.h"
#include "daemon/replies/manifest_reply.h"
#include "daemon/replies/passwd_reply.h"
#include "daemon/replies/rtstate_reply.h"
#include "daemon/replies/seccomp_reply.h"
#include "helper_policies.h"
#include "parsers/base/limits.h"

typedef Crisp__Helper__HelperRequest HelperRequest;
typedef Crisp__Helper__HelperReply HelperReply;

/* Reply cap over the document's own size, for kinds whose reply restates the document in a
 * denser form plus a few bytes per item ("80" -> "80/tcp", canonical media types). */
#define DOC_REPLY_SLACK ((size_t)64 * 1024u)

typedef int (*doc_validate_fn)(const ProtobufCMessage *body, const void *arg, void *ret);

struct doc_kind {
	const struct sandbox_policy *policy;
	Crisp__Helper__HelperRequest__BodyCase req;
	Crisp__Helper__HelperReply__BodyCase rep;
	const char *what;     /* "invalid <what>: ..." and "<what> of N bytes is over ..." */
	size_t doc_max;       /* 0: the caller checked the document's size */
	bool reply_scales;    /* reply cap 2 * doc_len + DOC_REPLY_SLACK, not the policy's */
	const char *too_many; /* the validator's -E2BIG: "more <too_many> than expected" */
	doc_validate_fn validate;
};

/* ---- the validators, each behind the one signature ------------------------------------- */

static int
v_manifest(const ProtobufCMessage *b, const void *arg, void *ret)
{
	return manifest_reply_validate((const Crisp__Helper__ManifestReply *)b, arg, ret);
}

static int
v_config(const ProtobufCMessage *b, const void *arg, void *ret)
{
	(void)arg;
	return image_config_reply_validate((const Crisp__Helper__ConfigReply *)b, ret);
}

static int
v_passwd(const ProtobufCMessage *b, const void *arg, void *ret)
{
	return passwd_reply_validate((const Crisp__Helper__PasswdReply *)b, arg, ret);
}

static int
v_rt_state(const ProtobufCMessage *b, const void *arg, void *ret)
{
	(void)arg;
	return rtstate_reply_state((const Crisp__Helper__RtStateReply *)b, ret);
}

static int
v_conmon(const ProtobufCMessage *b, const void *arg, void *ret)
{
	const struct doc_call_conmon *a = arg;
	return rtstate_reply_conmon((const Crisp__Helper__ConmonSyncReply *)b, ret, a->max,
				    a->ret_n);
}

static int
v_cni_conf(const ProtobufCMessage *b, const void *arg, void *ret)
{
	(void)arg;
	return cni_reply_validate_netconf((const Crisp__Helper__CniConfReply *)b, ret);
}

static int
v_cni_result(const ProtobufCMessage *b, const void *arg, void *ret)
{
	(void)arg;
	return cni_reply_validate_result((const Crisp__Helper__CniResultReply *)b, ret);
}

static int
v_seccomp(const ProtobufCMessage *b, const void *arg, void *ret)
{
	const struct doc_call_msg *m = arg;
	return seccomp_reply_validate((const Crisp__Helper__SeccompReply *)b, ret,
				      m ? m->err : NULL, m ? m->errsz : 0);
}

#define REQ(x) CRISP__HELPER__HELPER_REQUEST__BODY_##x
#define REP(x) CRISP__HELPER__HELPER_REPLY__BODY_##x

static const struct doc_kind kinds[DOC_CALL_KIND_COUNT] = {
    [DOC_CALL_MANIFEST] = {POLICY_MANIFEST, REQ(MANIFEST), REP(MANIFEST), "image manifest",
			   MANIFEST_MAX_SIZE, true, NULL, v_manifest},
    [DOC_CALL_CONFIG] = {POLICY_CONFIG, REQ(CONFIG), REP(CONFIG), "image config",
			 IMAGE_CONFIG_MAX_SIZE, true, NULL, v_config},
    [DOC_CALL_PASSWD] = {POLICY_PASSWD, REQ(PASSWD), REP(PASSWD), "USER", 0, false, NULL, v_passwd},
    [DOC_CALL_RT_STATE] = {POLICY_RTSTATE, REQ(RT_STATE), REP(RT_STATE), "runtime state",
			   RT_STATE_MAX_BYTES, false, NULL, v_rt_state},
    [DOC_CALL_CONMON_SYNC] = {POLICY_RTSTATE, REQ(CONMON_SYNC), REP(CONMON_SYNC),
			      "conmon sync data", CONMON_SYNC_MAX_BYTES, false, "conmon messages",
			      v_conmon},
    [DOC_CALL_CNI_CONF] = {POLICY_CNI, REQ(CNI_CONF), REP(CNI_CONF), "CNI network configuration", 0,
			   false, NULL, v_cni_conf},
    [DOC_CALL_CNI_RESULT] = {POLICY_CNI, REQ(CNI_RESULT), REP(CNI_RESULT), "CNI plugin output", 0,
			     false, NULL, v_cni_result},
    [DOC_CALL_SECCOMP] = {POLICY_SECCOMP, REQ(SECCOMP), REP(SECCOMP), "seccomp profile",
			  SECCOMP_LOCAL_MAX_SIZE, false, NULL, v_seccomp},
};

/* ---- the driver -------------------------------------------------------------------------- */

/* The oneof member of an envelope for a body case: the field with that number. */
static ProtobufCMessage **
body_slot(const ProtobufCMessageDescriptor *d, void *envelope, unsigned body_case)
{
	const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, body_case);
	return f ? (ProtobufCMessage **)(void *)((char *)envelope + f->offset) : NULL;
}

static size_t
reply_cap(const struct doc_kind *k, size_t doc_len)
{
	size_t cap;
	if (!k->reply_scales || __builtin_mul_overflow(doc_len, 2u, &cap) ||
	    __builtin_add_overflow(cap, DOC_REPLY_SLACK, &cap))
		return 0; /* the policy's */
	return cap;
}

/* A validator's failure: ours (-ENOMEM), the caller's array (-E2BIG where the kind has one),
 * or else the helper's reply was broken. */
static int
validation_failed(const struct doc_kind *k, const struct doc_call *c, int r)
{
	if (r == -E2BIG && k->too_many) {
		snprintf(c->err, c->errsz, "crisp-helper-%s: more %s than expected",
			 k->policy->name, k->too_many);
		return r;
	}
	snprintf(c->err, c->errsz, "crisp-helper-%s: reply failed validation", k->policy->name);
	return r == -ENOMEM ? r : -EPROTO;
}

int
doc_call_run(const struct helper_ctx *h, const struct doc_call *c)
{
	if ((unsigned)c->kind >= DOC_CALL_KIND_COUNT || !c->body)
		return -EINVAL;
	const struct doc_kind *k = &kinds[c->kind];
	if (k->doc_max && c->doc_len > k->doc_max) {
		snprintf(c->err, c->errsz, "%s of %zu bytes is over the limit of %zu", k->what,
			 c->doc_len, k->doc_max);
		return -E2BIG;
	}
	HelperRequest req;
	crisp__helper__helper_request__init(&req);
	ProtobufCMessage **in = body_slot(&crisp__helper__helper_request__descriptor, &req, k->req);
	if (!in)
		return -EINVAL;
	req.body_case = k->req;
	*in = c->body;
	struct helper_call call;
	helper_call_init(&call, k->policy, k->what, k->rep, c->err, c->errsz);
	call.reply_max = reply_cap(k, c->doc_len);
	HelperReply *rep = NULL;
	int r = helper_call_run(h, &call, &req, &rep);
	if (r < 0)
		return r;
	ProtobufCMessage **out = body_slot(&crisp__helper__helper_reply__descriptor, rep, k->rep);
	r = out && *out ? k->validate(*out, c->arg, c->ret) : -EPROTO;
	helper_call_free(&call, rep);
	return r < 0 ? validation_failed(k, c, r) : 0;
}
