/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-seccomp replies (see seccomp_reply.h). Every string the
 * daemon keeps is either a static table entry (actions, operators, architectures, flags) or
 * a syscall name checked byte by byte and resolved by libseccomp.
 * runs in: daemon/privileged (pure, fuzzed). */
#include "daemon/replies/seccomp_reply.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/replies/reply_check.h"
#include "parsers/base/macro.h"

typedef Crisp__Helper__SeccompReply SeccompReply;
typedef Crisp__Helper__SeccompReply__Rule Rule;
typedef Crisp__Helper__SeccompReply__Arg Arg;

/* Indexed by the proto enums; [0] (UNSPECIFIED) is never valid. */
static const char *const actions[] = {
    NULL,
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_LOG",
};
static const char *const ops[] = {
    NULL,          "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
    "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

struct arch {
	const char *name;
	uint32_t token; /* libseccomp's */
};

static const struct arch arches[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
};

static const char *const flags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
};

/* The validation state: the first problem, and the architectures names resolve on. */
struct vctx {
	char *err;
	size_t errsz;
	uint32_t tokens[SECCOMP_LOCAL_MAX_ARCHES + 1];
	size_t n_tokens;
};

static int
bad(struct vctx *v, const char *what)
{
	snprintf(v->err, v->errsz, "%s", what);
	return -EPROTO;
}

static int
action_ok(struct vctx *v, int a, unsigned errno_ret, const char **ret)
{
	if (a <= 0 || (size_t)a >= ELEMENTSOF(actions))
		return bad(v, "unknown action");
	if (errno_ret > SECCOMP_LOCAL_MAX_ERRNO)
		return bad(v, "errnoRet out of 1..4095");
	if (errno_ret && strcmp(actions[a], "SCMP_ACT_ERRNO") != 0 &&
	    strcmp(actions[a], "SCMP_ACT_TRACE") != 0)
		return bad(v, "errnoRet on an action that takes none");
	*ret = actions[a];
	return 0;
}

typedef const char *(*name_at_fn)(size_t i);

static const char *
arch_name_at(size_t i)
{
	return arches[i].name;
}

static const char *
flag_name_at(size_t i)
{
	return flags[i];
}

/* One string of a static set (name_at(0..set_n)), not yet in out[0..n): stores the table's
 * own pointer in out[n] and returns its index. (An accessor, not a strided cast over the
 * table: clang-tidy 14's analyzer crashed on the cast.) */
static int
pick(struct vctx *v, const char *s, name_at_fn name_at, size_t set_n, const char **out, size_t n,
     const char *what)
{
	size_t len = reply_len(s, 64);
	for (size_t i = 0; len != SIZE_MAX && i < set_n; i++) {
		const char *name = name_at(i);
		if (strcmp(name, s) != 0)
			continue;
		for (size_t j = 0; j < n; j++)
			if (out[j] == name)
				return bad(v, what);
		out[n] = name;
		return (int)i;
	}
	return bad(v, what);
}

static int
check_arches(struct vctx *v, const SeccompReply *r, struct seccomp_reply_profile *p)
{
	if (r->n_architectures > SECCOMP_LOCAL_MAX_ARCHES || r->n_flags > SECCOMP_LOCAL_MAX_FLAGS)
		return bad(v, "too many architectures or flags");
	v->tokens[v->n_tokens++] = SCMP_ARCH_NATIVE;
	for (size_t i = 0; i < r->n_architectures; i++) {
		int k = pick(v, r->architectures[i], arch_name_at, ELEMENTSOF(arches), p->arches,
			     p->n_arches, "unknown or repeated architecture");
		if (k < 0)
			return k;
		p->n_arches++;
		v->tokens[v->n_tokens++] = arches[k].token;
	}
	for (size_t i = 0; i < r->n_flags; i++) {
		int k = pick(v, r->flags[i], flag_name_at, ELEMENTSOF(flags), p->flags, p->n_flags,
			     "unknown or repeated flag");
		if (k < 0)
			return k;
		p->n_flags++;
	}
	return 0;
}

/* [a-z0-9_]{1,64} that libseccomp resolves to a real number on one of the architectures
 * (negative numbers are its pseudo-syscalls: names the architecture does not have). */
static int
name_ok(struct vctx *v, const char *s)
{
	size_t n = reply_len(s, SECCOMP_LOCAL_MAX_NAME_LEN);
	if (n == SIZE_MAX || n == 0)
		return bad(v, "bad syscall name");
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return bad(v, "bad syscall name");
	for (size_t i = 0; i < v->n_tokens; i++)
		if (seccomp_syscall_resolve_name_arch(v->tokens[i], s) >= 0)
			return 0;
	snprintf(v->err, v->errsz, "unknown syscall name \"%s\" for this architecture", s);
	return -EPROTO;
}

static int
args_ok(struct vctx *v, const Rule *in, struct seccomp_reply_rule *out)
{
	if (in->n_args > SECCOMP_LOCAL_MAX_ARGS)
		return bad(v, "too many args");
	out->args = calloc(in->n_args ? in->n_args : 1, sizeof(*out->args));
	if (!out->args)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_args; i++) {
		const Arg *a = in->args[i];
		if (!a || a->index >= SECCOMP_LOCAL_MAX_ARGS || a->op <= 0 ||
		    (size_t)a->op >= ELEMENTSOF(ops) || a->value > INT64_MAX ||
		    a->value_two > INT64_MAX)
			return bad(v, "bad argument condition");
		out->args[i] = (struct seccomp_reply_arg){.index = a->index,
							  .op = ops[a->op],
							  .value = a->value,
							  .value_two = a->value_two};
	}
	out->n_args = in->n_args;
	return 0;
}

static int
rule_ok(struct vctx *v, const Rule *in, struct seccomp_reply_rule *out, size_t *total)
{
	if (!in || in->n_names == 0 || in->n_names > SECCOMP_LOCAL_MAX_NAMES ||
	    in->n_names > SECCOMP_LOCAL_MAX_TOTAL_NAMES - *total)
		return bad(v, "syscalls entry without names or with too many");
	*total += in->n_names;
	int r = action_ok(v, (int)in->action, in->errno_ret, &out->action);
	if (r < 0)
		return r;
	out->errno_ret = in->errno_ret;
	out->names = calloc(in->n_names, sizeof(char *));
	if (!out->names)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_names; i++) {
		if ((r = name_ok(v, in->names[i])) < 0)
			return r;
		if (!(out->names[i] = strdup(in->names[i])))
			return -ENOMEM;
		out->n_names = i + 1;
	}
	return args_ok(v, in, out);
}

static int
profile_ok(struct vctx *v, const SeccompReply *r, struct seccomp_reply_profile *p)
{
	int e = action_ok(v, (int)r->default_action, r->default_errno_ret, &p->default_action);
	if (e < 0)
		return e;
	p->default_errno_ret = r->default_errno_ret;
	if ((e = check_arches(v, r, p)) < 0)
		return e;
	if (r->n_syscalls > SECCOMP_LOCAL_MAX_RULES)
		return bad(v, "too many syscalls entries");
	p->rules = calloc(r->n_syscalls ? r->n_syscalls : 1, sizeof(*p->rules));
	if (!p->rules)
		return -ENOMEM;
	size_t total = 0;
	for (size_t i = 0; i < r->n_syscalls; i++) {
		p->n_rules = i + 1; /* so that seccomp_reply_free releases a partial rule */
		if ((e = rule_ok(v, r->syscalls[i], &p->rules[i], &total)) < 0)
			return e;
	}
	return 0;
}

int
seccomp_reply_validate(const SeccompReply *r, struct seccomp_reply_profile **ret, char *err,
		       size_t errsz)
{
	struct vctx v = {.err = err, .errsz = errsz};
	struct seccomp_reply_profile *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int e = r ? profile_ok(&v, r, p) : bad(&v, "no reply");
	if (e < 0) {
		seccomp_reply_free(p);
		return e;
	}
	*ret = p;
	return 0;
}

struct seccomp_reply_profile *
seccomp_reply_free(struct seccomp_reply_profile *p)
{
	if (!p)
		return NULL;
	for (size_t i = 0; i < p->n_rules; i++) {
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			free(p->rules[i].names[k]);
		free(p->rules[i].names);
		free(p->rules[i].args);
	}
	free(p->rules);
	free(p);
	return NULL;
}
