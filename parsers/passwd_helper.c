/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-passwd: confine, read one PasswdRequest (an image's /etc/passwd and /etc/group,
 * either possibly empty, and a USER spec), parse both with parsers/passwd.c, resolve the spec
 * and reply with uid, gid, supplementary gids, name and home (PasswdReply) or an Error.
 * runs in: helper/untrusted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/macro.h"
#include "parsers/passwd.h"
#include "sandbox/helper_enter.h"
#include "sandbox/helper_msg.h"

/* An Error body; where names the file or the spec when the parser left the path empty (line
 * parsers have no JSON path, and the daemon's message should say which input failed). */
/* An Error whose path says which document failed when the parser gave none. */
static _Noreturn void
fail_at(struct helper_msg *msg, struct parse_error *e, const char *where)
{
	if (!e->path[0])
		snprintf(e->path, sizeof(e->path), "%s", where);
	helper_msg_error(msg, e);
}

static _Noreturn void
do_passwd(struct helper_msg *msg, const Crisp__Helper__PasswdRequest *pr)
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
		fail_at(msg, &e, "/etc/passwd");
	if (pr->group_document.len > 0 &&
	    passwd_group_parse(pr->group_document.data, pr->group_document.len, &opts, &gr, &e) < 0)
		fail_at(msg, &e, "/etc/group");
	if (passwd_resolve(spec, strlen(spec), pw, gr, &u, &e) < 0)
		fail_at(msg, &e, "USER");
	Crisp__Helper__PasswdReply out;
	crisp__helper__passwd_reply__init(&out);
	out.uid = u->uid;
	out.gid = u->gid;
	out.n_sgids = u->n_sgids;
	out.sgids = u->sgids;
	out.name = u->name ? u->name : UNCONST("");
	out.home = u->home ? u->home : UNCONST("/");
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_PASSWD;
	msg->rep.passwd = &out;
	helper_msg_send(msg);
}

int
main(void)
{
	sandbox_helper_enter(POLICY_PASSWD);
	struct helper_msg msg;
	Crisp__Helper__HelperRequest *req =
	    helper_msg_recv(&msg, POLICY_PASSWD, POLICY_PASSWD->request_max + ((size_t)1 << 20));
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_PASSWD && req->passwd)
		do_passwd(&msg, req->passwd);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
