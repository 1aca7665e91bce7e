/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-passwd: confine, read one PasswdRequest (an image's /etc/passwd and /etc/group,
 * either possibly empty, and a USER spec), parse both with parsers/passwd.c, resolve the spec
 * and reply with uid, gid, supplementary gids, name and home (PasswdReply) or an Error.
 * runs in: helper/untrusted. */
#include <stdlib.h>
#include <string.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/macro.h"
#include "parsers/passwd.h"
#include "sandbox/helper_enter.h"

typedef Crisp__Helper__HelperReply HelperReply;

static _Noreturn void
send_reply(HelperReply *rep)
{
	size_t len = crisp__helper__helper_reply__get_packed_size(rep);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	(void)crisp__helper__helper_reply__pack(rep, buf);
	if (sandbox_helper_send(buf, len, POLICY_PASSWD->reply_max) < 0)
		sandbox_helper_fail(HELPER_EXIT_SEND, "cannot write the reply");
	_exit(HELPER_EXIT_OK);
}

/* An Error body; where names the file or the spec when the parser left the path empty (line
 * parsers have no JSON path, and the daemon's message should say which input failed). */
static _Noreturn void
send_error(HelperReply *rep, const struct parse_error *e, const char *where)
{
	Crisp__Helper__Error err;
	crisp__helper__error__init(&err);
	err.code = (uint32_t)e->code;
	err.offset = e->offset;
	err.path = UNCONST(e->path[0] ? e->path : where);
	err.message = UNCONST(e->message);
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_ERROR;
	rep->error = &err;
	send_reply(rep);
}

static _Noreturn void
do_passwd(HelperReply *rep, const Crisp__Helper__PasswdRequest *pr)
{
	/* As runc and Docker do, lines that are not well-formed are skipped rather than failing
	 * the image; file size, line length and count limits still fail it. A skipped line
	 * can only make a name unresolvable (an error), never give a different id. */
	const struct passwd_opts opts = {.skip_malformed = true};
	struct passwd_file *pw = NULL;
	struct group_file *gr = NULL;
	struct passwd_user *u = NULL;
	struct parse_error e;
	const char *spec = pr->user ? pr->user : "";
	if (pr->document.len > 0 &&
	    passwd_parse(pr->document.data, pr->document.len, &opts, &pw, &e) < 0)
		send_error(rep, &e, "/etc/passwd");
	if (pr->group_document.len > 0 &&
	    passwd_group_parse(pr->group_document.data, pr->group_document.len, &opts, &gr, &e) < 0)
		send_error(rep, &e, "/etc/group");
	if (passwd_resolve(spec, strlen(spec), pw, gr, &u, &e) < 0)
		send_error(rep, &e, "USER");
	Crisp__Helper__PasswdReply out;
	crisp__helper__passwd_reply__init(&out);
	out.uid = u->uid;
	out.gid = u->gid;
	out.n_sgids = u->n_sgids;
	out.sgids = u->sgids;
	out.name = u->name ? u->name : UNCONST("");
	out.home = u->home ? u->home : UNCONST("/");
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_PASSWD;
	rep->passwd = &out;
	send_reply(rep);
}

int
main(void)
{
	sandbox_helper_enter(POLICY_PASSWD);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (sandbox_helper_recv(POLICY_PASSWD->request_max, &buf, &len) < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "no valid request frame");
	/* Two files and a spec, each copied once by the decoder: the frame size plus a little. */
	struct budget b = {.left = POLICY_PASSWD->request_max + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__HelperRequest *req = crisp__helper__helper_request__unpack(&a, len, buf);
	if (!req || req->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    req->request_id == 0)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope");
	HelperReply rep;
	crisp__helper__helper_reply__init(&rep);
	rep.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	rep.request_id = req->request_id;
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_PASSWD && req->passwd)
		do_passwd(&rep, req->passwd);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
