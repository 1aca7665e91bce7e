/* SPDX-License-Identifier: Apache-2.0 */
/* The document helpers as one table: per kind of document (manifest, image config, passwd,
 * runtime state, conmon sync data, CNI config, CNI result, seccomp profile) the helper's
 * policy, the request and reply body cases, a description, the caps and the pure validator
 * (daemon/replies/), all driven by doc_call_run(). The typed wrappers (image_calls.c,
 * rtstate_call.c, cni_call.c, seccomp_call.c) only build the request body.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_DOC_CALL_H
#define CRISP_DAEMON_DOC_CALL_H

#include <stddef.h>

#include "daemon/helpers/helper_ctx.h"
#include "helper.pb-c.h"

enum doc_call_kind {
	DOC_CALL_MANIFEST,    /* arg: Content-Type or NULL; ret: struct img_manifest ** */
	DOC_CALL_CONFIG,      /* arg: unused; ret: struct img_config ** */
	DOC_CALL_PASSWD,      /* arg: the USER spec; ret: struct img_user ** */
	DOC_CALL_RT_STATE,    /* arg: unused; ret: struct rt_state * */
	DOC_CALL_CONMON_SYNC, /* arg: struct doc_call_conmon *; ret: struct conmon_msg[max] */
	DOC_CALL_CNI_CONF,    /* arg: unused; ret: struct cni_netconf ** */
	DOC_CALL_CNI_RESULT,  /* arg: unused; ret: struct cni_result ** */
	DOC_CALL_SECCOMP,     /* arg: struct doc_call_msg *; ret: struct seccomp_reply_profile ** */
	DOC_CALL_KIND_COUNT
};

/* DOC_CALL_CONMON_SYNC's arg: at most max messages; their count goes to *ret_n. */
struct doc_call_conmon {
	size_t max;
	size_t *ret_n;
};

/* DOC_CALL_SECCOMP's arg: where the validator says which field failed (the unknown syscall
 * name a person must fix), since "reply failed validation" would not tell them. */
struct doc_call_msg {
	char *err;
	size_t errsz;
};

struct doc_call {
	enum doc_call_kind kind;
	ProtobufCMessage *body; /* the request body, of the kind's request message type */
	size_t doc_len;         /* the document's bytes (caps, reply cap) */
	const void *arg;        /* what the kind's validator needs besides the reply */
	void *ret;              /* the validator's output (written only on success) */
	char *err;              /* a message a person can act on, on failure */
	size_t errsz;
};

/* Check the document against the kind's cap, run its helper (helper_call.h) on c->body and
 * hand the reply body to the kind's validator. Returns 0, or -errno with c->err set: the
 * document's cap (-E2BIG), the helper's failure or Error reply, or -EPROTO for a reply that
 * fails validation (-ENOMEM stays -ENOMEM; -E2BIG for more items than the caller's array
 * holds, where the kind has such an array). */
int doc_call_run(const struct helper_ctx *h, const struct doc_call *c);

#endif
