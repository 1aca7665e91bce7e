/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp of a container's OCI config: the RuntimeDefault profile selected by
 * policy/seccomp_profile for the container's bounding capabilities and the host's
 * architecture family, or the validated Localhost profile (ctr_seccomp_load.c), written as
 * OCI JSON; Unconfined only when asked for by name.
 * runs in: daemon/privileged (pure). */
#include <errno.h>
#include <string.h>

#include "daemon/containers/ctr_spec_internal.h"
#include "parsers/base/macro.h"
#include "policy/seccomp_profile.h"

enum spec_seccomp_kind {
	SPEC_SECCOMP_DEFAULT,
	SPEC_SECCOMP_UNCONFINED,
	SPEC_SECCOMP_LOCALHOST,
};

/* The request's profile. An unset or empty profile is what [policy] seccomp_unset says:
 * RuntimeDefault by default (stricter than CRI's "unconfined"; kubelet always sends an explicit
 * profile), or unconfined. The deprecated seccomp_profile_path is honoured when the typed
 * field is absent. */
static int
seccomp_kind(struct spec_ctx *c, enum spec_seccomp_kind *ret)
{
	const Runtime__V1__SecurityProfile *p = c->sc ? c->sc->seccomp : NULL;
	*ret = SPEC_SECCOMP_DEFAULT;
	if (p) {
		switch (p->profile_type) {
		case RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__RuntimeDefault:
			return 0;
		case RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__Unconfined:
			*ret = SPEC_SECCOMP_UNCONFINED;
			return 0;
		case RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__Localhost:
			*ret = SPEC_SECCOMP_LOCALHOST;
			return 0;
		case _RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE_IS_INT_SIZE:
		default:
			return spec_fail(c, -EINVAL, "seccomp: unknown profile type %d",
					 (int)p->profile_type);
		}
	}
	/* kubelets before 1.19-ish send only this deprecated field: honouring it keeps their
	 * "unconfined" from being silently confined (or, worse, the reverse). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	const char *path = c->sc ? c->sc->seccomp_profile_path : NULL;
#pragma GCC diagnostic pop
	if (!path || !path[0]) {
		if (c->in->seccomp_unset == CONFIG_SECCOMP_UNSET_UNCONFINED)
			*ret = SPEC_SECCOMP_UNCONFINED;
		return 0;
	}
	if (strcmp(path, "runtime/default") == 0 || strcmp(path, "docker/default") == 0)
		return 0;
	if (strcmp(path, "unconfined") == 0) {
		*ret = SPEC_SECCOMP_UNCONFINED;
		return 0;
	}
	if (strncmp(path, "localhost/", 10) == 0) {
		*ret = SPEC_SECCOMP_LOCALHOST;
		return 0;
	}
	char q[SPEC_QUOTE_SZ];
	return spec_fail(c, -EINVAL, "seccomp_profile_path \"%s\": unknown profile",
			 spec_quote(path, q));
}

static json_t *
rule_args(const struct seccomp_profile_rule *rule)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < rule->n_args; i++) {
		const struct seccomp_profile_arg *x = &rule->args[i];
		/* jansson integers are signed 64-bit; the table never needs more (checked). */
		if (x->value > INT64_MAX || x->value_two > INT64_MAX ||
		    spec_append(a, json_pack("{s:I, s:I, s:I, s:s}", "index", (json_int_t)x->index,
					     "value", (json_int_t)x->value, "valueTwo",
					     (json_int_t)x->value_two, "op",
					     seccomp_profile_op_name(x->op))) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
rule_json(const struct seccomp_profile_rule *rule)
{
	json_t *names = json_array();
	for (size_t i = 0; names && i < rule->n_names; i++)
		if (spec_append(names, json_string(rule->names[i])) < 0)
			return json_decref(names), NULL;
	json_t *o = json_pack("{s:o, s:s}", "names", names, "action",
			      seccomp_profile_action_name(rule->action));
	if (o && rule->action == SECCOMP_PROFILE_ACT_ERRNO &&
	    spec_set(o, "errnoRet", json_integer(rule->errno_ret)) < 0)
		return json_decref(o), NULL;
	if (o && rule->n_args > 0 && spec_set(o, "args", rule_args(rule)) < 0)
		return json_decref(o), NULL;
	return o;
}

static int
runtime_default(struct spec_ctx *c, json_t *linux_obj)
{
	enum seccomp_profile_arch arch = seccomp_profile_host_arch();
	size_t n_arch = 0, n = 0;
	const char *const *arches = seccomp_profile_architectures(arch, &n_arch);
	const struct seccomp_profile_rule *rules[SECCOMP_PROFILE_MAX_RULES];
	if (!arches ||
	    seccomp_profile_select(c->caps.bounding, arch, rules, ELEMENTSOF(rules), &n) < 0)
		return spec_fail(c, -ENOTSUP,
				 "seccomp: no RuntimeDefault profile for this architecture");
	json_t *a = json_array(), *sys = json_array();
	int r = a && sys ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n_arch; i++)
		r = spec_append(a, json_string(arches[i]));
	for (size_t i = 0; r == 0 && i < n; i++)
		r = spec_append(sys, rule_json(rules[i]));
	json_t *o = r == 0 ? json_pack("{s:s, s:I, s:o, s:o}", "defaultAction",
				       SECCOMP_PROFILE_DEFAULT_ACTION, "defaultErrnoRet",
				       (json_int_t)SECCOMP_PROFILE_DEFAULT_ERRNO, "architectures",
				       TAKE_PTR(a), "syscalls", TAKE_PTR(sys))
			   : NULL;
	json_decref(a);
	json_decref(sys);
	return r < 0 ? r : spec_set(linux_obj, "seccomp", o);
}

/* ---- Localhost: the validated profile (daemon/replies/seccomp_reply.h) as OCI JSON ---- */

static json_t *
local_args(const struct seccomp_reply_rule *rule)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < rule->n_args; i++) {
		const struct seccomp_reply_arg *x = &rule->args[i];
		/* values <= INT64_MAX (validated): exact as jansson integers */
		if (spec_append(a, json_pack("{s:I, s:I, s:I, s:s}", "index", (json_int_t)x->index,
					     "value", (json_int_t)x->value, "valueTwo",
					     (json_int_t)x->value_two, "op", x->op)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
local_rule(const struct seccomp_reply_rule *rule)
{
	json_t *names = json_array();
	for (size_t i = 0; names && i < rule->n_names; i++)
		if (spec_append(names, json_string(rule->names[i])) < 0)
			return json_decref(names), NULL;
	json_t *o = json_pack("{s:o, s:s}", "names", names, "action", rule->action);
	if (o && rule->errno_ret && spec_set(o, "errnoRet", json_integer(rule->errno_ret)) < 0)
		return json_decref(o), NULL;
	if (o && rule->n_args > 0 && spec_set(o, "args", local_args(rule)) < 0)
		return json_decref(o), NULL;
	return o;
}

static json_t *
string_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (spec_append(a, json_string(v[i])) < 0)
			return json_decref(a), NULL;
	return a;
}

static int
localhost(struct spec_ctx *c, json_t *linux_obj)
{
	const struct seccomp_reply_profile *p = c->in->seccomp_local;
	if (!p) /* ctr_seccomp_load failed or was not called: never run unconfined */
		return spec_fail(c, -EINVAL, "seccomp: the Localhost profile was not loaded");
	json_t *sys = json_array();
	int r = sys ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < p->n_rules; i++)
		r = spec_append(sys, local_rule(&p->rules[i]));
	json_t *o = r == 0
			? json_pack("{s:s, s:o, s:o, s:o}", "defaultAction", p->default_action,
				    "architectures", string_array(p->arches, p->n_arches), "flags",
				    string_array(p->flags, p->n_flags), "syscalls", TAKE_PTR(sys))
			: NULL;
	json_decref(sys);
	if (o && p->default_errno_ret &&
	    spec_set(o, "defaultErrnoRet", json_integer(p->default_errno_ret)) < 0)
		return json_decref(o), -ENOMEM;
	return r < 0 ? r : spec_set(linux_obj, "seccomp", o);
}

int
spec_seccomp(struct spec_ctx *c, json_t *linux_obj)
{
	enum spec_seccomp_kind kind;
	int r = seccomp_kind(c, &kind);
	if (r < 0)
		return r;
	switch (kind) {
	case SPEC_SECCOMP_LOCALHOST:
		/* Privileged containers run without seccomp, as with CRI-O (and as kubelet's
		 * own docs say for a privileged pod with a Localhost profile). */
		return c->privileged ? 0 : localhost(c, linux_obj);
	case SPEC_SECCOMP_UNCONFINED:
		return 0;
	case SPEC_SECCOMP_DEFAULT:
		/* Privileged containers run without seccomp, as with CRI-O. */
		return c->privileged ? 0 : runtime_default(c, linux_obj);
	}
	return -EINVAL;
}
