/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-seccomp: confine, read one SeccompRequest (a Localhost seccomp profile file
 * the daemon read), parse it with parsers/seccomp_local.c and reply with the profile as
 * enums and names (SeccompReply) or an Error. A helper of its own rather than a request type
 * of crisp-helper-config: each binary then links one parser, and a bug in either parser is
 * reachable only from its own kind of document.
 * runs in: helper/untrusted. */
#include <jansson.h>
#include <stdlib.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/macro.h"
#include "parsers/seccomp_local.h"
#include "sandbox/helper_enter.h"
#include "sandbox/helper_msg.h"

typedef Crisp__Helper__SeccompReply SeccompReply;
typedef Crisp__Helper__SeccompReply__Rule Rule;
typedef Crisp__Helper__SeccompReply__Arg Arg;

/* The proto enums are the parser's shifted by one (0 is UNSPECIFIED, never sent). */
static Crisp__Helper__SeccompReply__Action
action_of(enum seccomp_local_action a)
{
	return (Crisp__Helper__SeccompReply__Action)((int)a + 1);
}

/* Arrays are never freed: the helper exits right after replying. */
static void *
alloc_n(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	return p;
}

static Arg **
args_of(const struct seccomp_local_rule *r)
{
	Arg *a = alloc_n(r->n_args, sizeof(*a));
	Arg **p = alloc_n(r->n_args, sizeof(void *));
	for (size_t i = 0; i < r->n_args; i++) {
		crisp__helper__seccomp_reply__arg__init(&a[i]);
		a[i].index = (uint32_t)r->args[i].index; /* 0..5 (parser) */
		a[i].value = r->args[i].value;
		a[i].value_two = r->args[i].value_two;
		a[i].op = (Crisp__Helper__SeccompReply__Op)((int)r->args[i].op + 1);
		p[i] = &a[i];
	}
	return p;
}

static Rule **
rules_of(const struct seccomp_local *prof)
{
	Rule *r = alloc_n(prof->n_syscalls, sizeof(*r));
	Rule **p = alloc_n(prof->n_syscalls, sizeof(void *));
	for (size_t i = 0; i < prof->n_syscalls; i++) {
		const struct seccomp_local_rule *x = &prof->syscalls[i];
		crisp__helper__seccomp_reply__rule__init(&r[i]);
		r[i].n_names = x->names.n;
		r[i].names = x->names.v;
		r[i].action = action_of(x->action);
		r[i].errno_ret = (uint32_t)x->errno_ret; /* <= 4095 (parser) */
		r[i].n_args = x->n_args;
		r[i].args = args_of(x);
		p[i] = &r[i];
	}
	return p;
}

static _Noreturn void
do_seccomp(struct helper_msg *msg, const ProtobufCBinaryData *doc)
{
	struct seccomp_local *prof = NULL;
	struct parse_error e;
	if (seccomp_local_parse(doc->data, doc->len, NULL, &prof, &e) < 0)
		helper_msg_error(msg, &e);
	SeccompReply out;
	crisp__helper__seccomp_reply__init(&out);
	out.default_action = action_of(prof->default_action);
	out.default_errno_ret = (uint32_t)prof->default_errno_ret;
	out.n_architectures = prof->architectures.n;
	out.architectures = prof->architectures.v;
	out.n_flags = prof->flags.n;
	out.flags = prof->flags.v;
	out.n_syscalls = prof->n_syscalls;
	out.syscalls = rules_of(prof);
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_SECCOMP;
	msg->rep.seccomp = &out;
	helper_msg_send(msg);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_SECCOMP);
	struct helper_msg msg;
	Crisp__Helper__HelperRequest *req =
	    helper_msg_recv(&msg, POLICY_SECCOMP, POLICY_SECCOMP->request_max + ((size_t)1 << 20));
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_SECCOMP && req->seccomp)
		do_seccomp(&msg, &req->seccomp->document);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
