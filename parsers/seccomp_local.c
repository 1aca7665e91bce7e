/* SPDX-License-Identifier: Apache-2.0 */
/* Localhost seccomp profile parser (see seccomp_local.h): declarative field tables over
 * json_map, names turned into enums by the tables' finish functions, and one walk over the
 * tree for what a table cannot say (errnoRet present but 0, Docker's includes/excludes).
 * runs in: helper/untrusted (pure: no I/O). */
#include "parsers/seccomp_local.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

static const char *const action_names[SECCOMP_LOCAL_ACT_COUNT] = {
    [SECCOMP_LOCAL_ACT_KILL] = "SCMP_ACT_KILL",
    [SECCOMP_LOCAL_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [SECCOMP_LOCAL_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [SECCOMP_LOCAL_ACT_TRAP] = "SCMP_ACT_TRAP",
    [SECCOMP_LOCAL_ACT_ERRNO] = "SCMP_ACT_ERRNO",
    [SECCOMP_LOCAL_ACT_TRACE] = "SCMP_ACT_TRACE",
    [SECCOMP_LOCAL_ACT_ALLOW] = "SCMP_ACT_ALLOW",
    [SECCOMP_LOCAL_ACT_LOG] = "SCMP_ACT_LOG",
};

static const char *const op_names[SECCOMP_LOCAL_OP_COUNT] = {
    [SECCOMP_LOCAL_OP_NE] = "SCMP_CMP_NE",
    [SECCOMP_LOCAL_OP_LT] = "SCMP_CMP_LT",
    [SECCOMP_LOCAL_OP_LE] = "SCMP_CMP_LE",
    [SECCOMP_LOCAL_OP_EQ] = "SCMP_CMP_EQ",
    [SECCOMP_LOCAL_OP_GE] = "SCMP_CMP_GE",
    [SECCOMP_LOCAL_OP_GT] = "SCMP_CMP_GT",
    [SECCOMP_LOCAL_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* The OCI runtime-spec's architecture names. */
static const char *const arch_names[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

/* The filter flags runc and crun apply (WAIT_KILLABLE_RECV only matters with NOTIFY). */
static const char *const flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
};

const char *
seccomp_local_action_name(enum seccomp_local_action a)
{
	return (unsigned)a < SECCOMP_LOCAL_ACT_COUNT ? action_names[a] : NULL;
}

const char *
seccomp_local_op_name(enum seccomp_local_op op)
{
	return (unsigned)op < SECCOMP_LOCAL_OP_COUNT ? op_names[op] : NULL;
}

/* Index of s in names[0..n), or -1. */
static int
lookup(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

static int
check_arch(struct json_ctx *ctx, const char *s, size_t len)
{
	(void)len;
	if (lookup(arch_names, ELEMENTSOF(arch_names), s) < 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "unknown architecture (want SCMP_ARCH_*)");
	return 0;
}

static int
check_flag(struct json_ctx *ctx, const char *s, size_t len)
{
	(void)len;
	if (lookup(flag_names, ELEMENTSOF(flag_names), s) < 0)
		return json_fail(ctx, PARSE_ERR_UNSUPPORTED, "unsupported seccomp filter flag");
	return 0;
}

/* A syscall name as the kernel's tables spell them; whether the architecture has it is the
 * daemon's question (libseccomp). */
static int
check_syscall(struct json_ctx *ctx, const char *s, size_t len)
{
	if (len == 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "empty syscall name");
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return json_fail(ctx, PARSE_ERR_VALUE,
					 "syscall name with a byte other than [a-z0-9_]");
	return 0;
}

/* An action name to its enum; NOTIFY gets its own message. */
static int
action_of(struct json_ctx *ctx, const char *s, enum seccomp_local_action *ret)
{
	int i = lookup(action_names, ELEMENTSOF(action_names), s);
	if (i >= 0) {
		*ret = (enum seccomp_local_action)i;
		return 0;
	}
	if (s && strcmp(s, "SCMP_ACT_NOTIFY") == 0)
		return json_fail(ctx, PARSE_ERR_UNSUPPORTED,
				 "SCMP_ACT_NOTIFY needs a seccomp agent, which crisp does not run");
	return json_fail(ctx, PARSE_ERR_VALUE, "unknown action (want SCMP_ACT_*)");
}

static int
arg_finish(struct json_ctx *ctx, void *obj)
{
	struct seccomp_local_arg *a = obj;
	int i = lookup(op_names, ELEMENTSOF(op_names), a->op_name);
	if (i < 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "unknown op (want SCMP_CMP_*)");
	a->op = (enum seccomp_local_op)i;
	return 0;
}

static int
errno_fits(struct json_ctx *ctx, enum seccomp_local_action a, uint64_t errno_ret)
{
	if (errno_ret != 0 && a != SECCOMP_LOCAL_ACT_ERRNO && a != SECCOMP_LOCAL_ACT_TRACE)
		return json_fail(ctx, PARSE_ERR_VALUE,
				 "errnoRet is only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE");
	return 0;
}

static int
rule_finish(struct json_ctx *ctx, void *obj)
{
	struct seccomp_local_rule *r = obj;
	int e = action_of(ctx, r->action_name, &r->action);
	return e < 0 ? e : errno_fits(ctx, r->action, r->errno_ret);
}

static int
profile_finish(struct json_ctx *ctx, void *obj)
{
	struct seccomp_local *p = obj;
	size_t total = 0;
	for (size_t i = 0; i < p->n_syscalls; i++)
		total += p->syscalls[i].names.n; /* <= 4096 * 1024: no overflow */
	if (total > SECCOMP_LOCAL_MAX_TOTAL_NAMES)
		return json_fail(ctx, PARSE_ERR_LIMIT, "more than %u syscall names",
				 SECCOMP_LOCAL_MAX_TOTAL_NAMES);
	int e = action_of(ctx, p->default_action_name, &p->default_action);
	return e < 0 ? e : errno_fits(ctx, p->default_action, p->default_errno_ret);
}

static const struct json_field arg_fields[] = {
    {.name = "index",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct seccomp_local_arg, index),
     .required = true,
     .max_len = SECCOMP_LOCAL_MAX_ARGS - 1},
    {.name = "value",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct seccomp_local_arg, value),
     .required = true,
     .max_len = INT64_MAX},
    {.name = "valueTwo",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct seccomp_local_arg, value_two),
     .max_len = INT64_MAX},
    {.name = "op",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct seccomp_local_arg, op_name),
     .required = true,
     .max_len = 32},
};

static const struct json_table arg_table = {
    .what = "argument",
    JSON_FIELDS(arg_fields),
    .size = sizeof(struct seccomp_local_arg),
    .finish = arg_finish,
};

static const struct json_field rule_fields[] = {
    {.name = "names",
     .kind = JSON_F_STR_LIST,
     .offset = offsetof(struct seccomp_local_rule, names),
     .required = true,
     .max_len = SECCOMP_LOCAL_MAX_NAME_LEN,
     .max_items = SECCOMP_LOCAL_MAX_NAMES,
     .check = check_syscall},
    {.name = "action",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct seccomp_local_rule, action_name),
     .required = true,
     .max_len = 32},
    {.name = "errnoRet",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct seccomp_local_rule, errno_ret),
     .max_len = SECCOMP_LOCAL_MAX_ERRNO},
    {.name = "args",
     .kind = JSON_F_ARRAY,
     .offset = offsetof(struct seccomp_local_rule, args),
     .count_offset = offsetof(struct seccomp_local_rule, n_args),
     .max_items = SECCOMP_LOCAL_MAX_ARGS,
     .sub = &arg_table},
};

static const struct json_table rule_table = {
    .what = "syscalls entry",
    JSON_FIELDS(rule_fields),
    .size = sizeof(struct seccomp_local_rule),
    .finish = rule_finish,
};

static const struct json_field profile_fields[] = {
    {.name = "defaultAction",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct seccomp_local, default_action_name),
     .required = true,
     .max_len = 32},
    {.name = "defaultErrnoRet",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct seccomp_local, default_errno_ret),
     .max_len = SECCOMP_LOCAL_MAX_ERRNO},
    {.name = "architectures",
     .kind = JSON_F_STR_LIST,
     .offset = offsetof(struct seccomp_local, architectures),
     .max_len = 32,
     .max_items = SECCOMP_LOCAL_MAX_ARCHES,
     .check = check_arch},
    {.name = "flags",
     .kind = JSON_F_STR_LIST,
     .offset = offsetof(struct seccomp_local, flags),
     .max_len = 64,
     .max_items = SECCOMP_LOCAL_MAX_FLAGS,
     .check = check_flag},
    {.name = "syscalls",
     .kind = JSON_F_ARRAY,
     .offset = offsetof(struct seccomp_local, syscalls),
     .count_offset = offsetof(struct seccomp_local, n_syscalls),
     .max_items = SECCOMP_LOCAL_MAX_RULES,
     .sub = &rule_table},
};

static const struct json_table profile_table = {
    .what = "seccomp profile",
    JSON_FIELDS(profile_fields),
    .size = sizeof(struct seccomp_local),
    .finish = profile_finish,
};

/* errnoRet written as 0 would make the filter return success without running the syscall;
 * the table's range starts at 0 so that "absent" fits, hence this check on the tree. */
static int
check_errno_present(struct json_ctx *ctx, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!v || !json_is_integer(v) || json_integer_value(v) != 0)
		return 0;
	size_t saved = json_path_push_key(ctx, key);
	int r = json_fail(ctx, PARSE_ERR_RANGE, "want 1..%u", SECCOMP_LOCAL_MAX_ERRNO);
	json_path_pop(ctx, saved);
	return r;
}

/* Docker's per-entry conditions (capabilities, kernel versions, architectures): dropping
 * them would apply the entry everywhere, so an entry that has any is refused. */
static int
check_conditions(struct json_ctx *ctx, const json_t *rule)
{
	static const char *const keys[] = {"includes", "excludes"};
	for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
		const json_t *v = json_object_get(rule, keys[k]);
		if (!v || json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0))
			continue;
		size_t saved = json_path_push_key(ctx, keys[k]);
		int r = json_fail(ctx, PARSE_ERR_UNSUPPORTED,
				  "Docker's conditional entries are not supported");
		json_path_pop(ctx, saved);
		return r;
	}
	return check_errno_present(ctx, rule, "errnoRet");
}

/* What the tables cannot say; runs after mapping, so the shapes are known good. */
static int
check_tree(struct json_ctx *ctx, const json_t *root)
{
	int r = check_errno_present(ctx, root, "defaultErrnoRet");
	const json_t *rules = json_object_get(root, "syscalls");
	size_t i;
	const json_t *rule;
	json_array_foreach (rules, i, rule) {
		size_t saved = json_path_push_key(ctx, "syscalls");
		json_path_push_index(ctx, i);
		if (r == 0)
			r = check_conditions(ctx, rule);
		json_path_pop(ctx, saved);
	}
	return r;
}

int
seccomp_local_parse(const uint8_t *buf, size_t len, const struct seccomp_local_opts *opts,
		    struct seccomp_local **ret, struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_t *root = NULL;
	struct seccomp_local *p = NULL;
	(void)opts;
	json_ctx_init(&ctx);
	int r = json_load_object(&ctx, buf, len, SECCOMP_LOCAL_MAX_SIZE, &root);
	if (r >= 0) {
		p = calloc(1, sizeof(*p));
		r = p ? json_map_object(&ctx, root, &profile_table, p)
		      : json_fail(&ctx, PARSE_ERR_NOMEM, "out of memory");
	}
	if (r >= 0)
		r = check_tree(&ctx, root);
	json_decref(root);
	if (r < 0) {
		(void)seccomp_local_free(p);
		if (reterr)
			*reterr = ctx.err;
		return r;
	}
	*ret = p;
	return 0;
}

struct seccomp_local *
seccomp_local_free(struct seccomp_local *p)
{
	if (!p)
		return NULL;
	json_map_done(&profile_table, p);
	free(p);
	return NULL;
}
