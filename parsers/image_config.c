/* SPDX-License-Identifier: Apache-2.0 */
/* Image config parser: field tables for the OCI / Docker image config, checks for env,
 * paths, ports, signals and diff IDs, and platform normalisation.
 * runs in: helper/untrusted (crisp-helper-config; pure, fuzzed). */
#include "parsers/image_config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/str.h"
#include "parsers/json_map.h"
#include "parsers/platform.h"

/* ---- value checks --------------------------------------------------------------------- */

static int
check_nonempty_name(struct json_ctx *ctx, const char *s, size_t len)
{
	if (len == 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "empty value");
	return json_check_no_ctl(ctx, s, len);
}

/* "NAME=value": the runtime splits at the first '='; an entry without one, or with an empty
 * name, has no meaning and is refused rather than guessed at. */
static int
check_env(struct json_ctx *ctx, const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	if (!eq)
		return json_fail(ctx, PARSE_ERR_VALUE, "env entry without '='");
	if (eq == s)
		return json_fail(ctx, PARSE_ERR_VALUE, "env entry with an empty name");
	return 0;
}

static bool
has_dotdot(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '/')
			j++;
		if (j - i == 2 && s[i] == '.' && s[i + 1] == '.')
			return true;
		i = j + 1;
	}
	return false;
}

/* An absolute path with no "..": it names a place inside the container's rootfs, and a
 * ".." would make every later resolver responsible for not escaping it. */
static int
check_path(struct json_ctx *ctx, const char *s, size_t len)
{
	int r;
	if (len == 0 || s[0] != '/')
		return json_fail(ctx, PARSE_ERR_VALUE, "path is not absolute");
	if (len > IMAGE_PATH_MAX)
		return json_fail(ctx, PARSE_ERR_LIMIT, "path longer than %u", IMAGE_PATH_MAX);
	r = json_check_no_ctl(ctx, s, len);
	if (r < 0)
		return r;
	if (has_dotdot(s, len))
		return json_fail(ctx, PARSE_ERR_VALUE, "path has a \"..\" component");
	return 0;
}

/* Docker writes "WorkingDir": "" for "not set". */
static int
check_workdir(struct json_ctx *ctx, const char *s, size_t len)
{
	return len == 0 ? 0 : check_path(ctx, s, len);
}

static int
check_port(struct json_ctx *ctx, const char *s, size_t len)
{
	uint16_t port;
	enum port_protocol proto;
	char buf[32];
	if (len >= sizeof(buf))
		return json_fail(ctx, PARSE_ERR_VALUE, "invalid exposed port");
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strchr(buf, '/') == NULL && len < sizeof(buf) - 4)
		memcpy(buf + len, "/tcp", 5);
	if (image_config_port(buf, &port, &proto) < 0)
		return json_fail(ctx, PARSE_ERR_VALUE,
				 "invalid exposed port (want <1-65535>[/tcp|udp|sctp])");
	return 0;
}

static int
check_signal(struct json_ctx *ctx, const char *s, size_t len)
{
	if (image_config_signal(s, len) < 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "unknown stop signal");
	return 0;
}

static int
check_layers(struct json_ctx *ctx, const char *s, size_t len)
{
	if (len != 6 || memcmp(s, "layers", 6) != 0)
		return json_fail(ctx, PARSE_ERR_UNSUPPORTED, "rootfs type is not \"layers\"");
	return 0;
}

/* ---- ports and signals ------------------------------------------------------------------ */

int
image_config_port(const char *s, uint16_t *ret_port, enum port_protocol *ret_proto)
{
	static const char *const protos[PORT_PROTOCOL_COUNT] = {"tcp", "udp", "sctp"};
	const char *slash = strchr(s, '/');
	uint64_t port;
	if (!slash || str_to_u64(s, (size_t)(slash - s), 65535, &port) < 0 || port == 0)
		return -EINVAL;
	for (unsigned i = 0; i < PORT_PROTOCOL_COUNT; i++) {
		if (strcmp(slash + 1, protos[i]) == 0) {
			*ret_port = (uint16_t)port;
			*ret_proto = (enum port_protocol)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Linux signal numbers shared by x86-64 and arm64 (asm-generic). */
static const struct {
	const char *name;
	int number;
} signals[] = {
    {"HUP", 1},   {"INT", 2},   {"QUIT", 3},    {"ILL", 4},   {"TRAP", 5},    {"ABRT", 6},
    {"IOT", 6},   {"BUS", 7},   {"FPE", 8},     {"KILL", 9},  {"USR1", 10},   {"SEGV", 11},
    {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14},   {"TERM", 15}, {"STKFLT", 16}, {"CHLD", 17},
    {"CONT", 18}, {"STOP", 19}, {"TSTP", 20},   {"TTIN", 21}, {"TTOU", 22},   {"URG", 23},
    {"XCPU", 24}, {"XFSZ", 25}, {"VTALRM", 26}, {"PROF", 27}, {"WINCH", 28},  {"IO", 29},
    {"POLL", 29}, {"PWR", 30},  {"SYS", 31},
};

#define SIGNAL_RTMIN 34
#define SIGNAL_RTMAX IMAGE_CONFIG_MAX_SIGNAL_NUM

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (Docker's names), within 34..64. */
static int
rt_signal(const char *s, size_t len)
{
	uint64_t n = 0;
	int base, sign;
	if (len < 5)
		return -EINVAL;
	if (strncasecmp(s, "RTMIN", 5) == 0) {
		base = SIGNAL_RTMIN;
		sign = 1;
	} else if (strncasecmp(s, "RTMAX", 5) == 0) {
		base = SIGNAL_RTMAX;
		sign = -1;
	} else {
		return -EINVAL;
	}
	if (len > 5) {
		if (s[5] != (sign > 0 ? '+' : '-') ||
		    str_to_u64(s + 6, len - 6, SIGNAL_RTMAX - SIGNAL_RTMIN, &n) < 0)
			return -EINVAL;
	}
	return base + sign * (int)n;
}

int
image_config_signal(const char *s, size_t len)
{
	uint64_t n;
	if (str_to_u64(s, len, SIGNAL_RTMAX, &n) == 0)
		return n >= 1 ? (int)n : -EINVAL;
	if (len >= 3 && strncasecmp(s, "SIG", 3) == 0) {
		s += 3;
		len -= 3;
	}
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (strlen(signals[i].name) == len && strncasecmp(s, signals[i].name, len) == 0)
			return signals[i].number;
	return rt_signal(s, len);
}

/* ---- field tables ------------------------------------------------------------------------ */

#define EXEC_LIST(key, member, limit, fn)                                                          \
	{                                                                                          \
		.name = (key), .kind = JSON_F_STR_LIST,                                            \
		.offset = offsetof(struct image_exec_config, member),                              \
		.max_len = IMAGE_CONFIG_MAX_ARG_LEN, .max_items = (limit), .check = (fn),          \
	}

static const struct json_field exec_fields[] = {
    {.name = "User",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct image_exec_config, user),
     .max_len = IMAGE_CONFIG_MAX_USER_LEN,
     .check = json_check_no_ctl},
    EXEC_LIST("Env", env, IMAGE_CONFIG_MAX_ENV, check_env),
    EXEC_LIST("Entrypoint", entrypoint, IMAGE_CONFIG_MAX_ARGS, NULL),
    EXEC_LIST("Cmd", cmd, IMAGE_CONFIG_MAX_ARGS, NULL),
    {.name = "WorkingDir",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct image_exec_config, working_dir),
     .max_len = IMAGE_PATH_MAX,
     .check = check_workdir},
    {.name = "ExposedPorts",
     .kind = JSON_F_KEY_SET,
     .offset = offsetof(struct image_exec_config, exposed_ports),
     .max_items = IMAGE_CONFIG_MAX_PORTS,
     .check = check_port},
    {.name = "Volumes",
     .kind = JSON_F_KEY_SET,
     .offset = offsetof(struct image_exec_config, volumes),
     .max_items = IMAGE_CONFIG_MAX_VOLUMES,
     .check = check_path},
    {.name = "Labels",
     .kind = JSON_F_STR_MAP,
     .offset = offsetof(struct image_exec_config, labels),
     .max_len = ANNOTATION_MAX_VALUE_LEN,
     .max_items = IMAGE_CONFIG_MAX_LABELS},
    {.name = "StopSignal",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct image_exec_config, stop_signal_str),
     .max_len = IMAGE_CONFIG_MAX_SIGNAL_LEN,
     .check = check_signal},
    {.name = "ArgsEscaped",
     .kind = JSON_F_BOOL,
     .offset = offsetof(struct image_exec_config, args_escaped)},
};

/* Normalise what the checks accepted: "80" -> "80/tcp", "" working dir -> NULL, and the
 * stop signal's number. */
static int
exec_finish(struct json_ctx *ctx, void *obj)
{
	struct image_exec_config *c = obj;
	for (size_t i = 0; i < c->exposed_ports.n; i++) {
		char *p = c->exposed_ports.v[i], *n;
		if (strchr(p, '/'))
			continue;
		if (asprintf(&n, "%s/tcp", p) < 0)
			return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
		free(p);
		c->exposed_ports.v[i] = n;
	}
	if (c->working_dir && c->working_dir[0] == '\0') {
		free(c->working_dir);
		c->working_dir = NULL;
	}
	if (c->stop_signal_str)
		c->stop_signal =
		    image_config_signal(c->stop_signal_str, strlen(c->stop_signal_str));
	return 0;
}

static const struct json_table exec_table = {
    .what = "config",
    JSON_FIELDS(exec_fields),
    .size = sizeof(struct image_exec_config),
    .finish = exec_finish,
};

#define HISTORY_TEXT(key, member)                                                                  \
	{                                                                                          \
		.name = (key), .kind = JSON_F_STRING,                                              \
		.offset = offsetof(struct image_history, member),                                  \
		.max_len = IMAGE_CONFIG_MAX_TEXT_LEN,                                              \
	}

static const struct json_field history_fields[] = {
    HISTORY_TEXT("created", created),
    HISTORY_TEXT("created_by", created_by),
    HISTORY_TEXT("author", author),
    HISTORY_TEXT("comment", comment),
    {.name = "empty_layer",
     .kind = JSON_F_BOOL,
     .offset = offsetof(struct image_history, empty_layer)},
};

static const struct json_table history_table = {
    .what = "history",
    JSON_FIELDS(history_fields),
    .size = sizeof(struct image_history),
};

/* rootfs is mapped into the top-level struct: a table whose offsets are relative to the
 * start of struct image_config, reached through an OBJECT field at offset 0. */
static const struct json_field rootfs_fields[] = {
    {.name = "type",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct image_config, rootfs_type),
     .required = true,
     .max_len = 16,
     .check = check_layers},
    {.name = "diff_ids",
     .kind = JSON_F_STR_LIST,
     .offset = offsetof(struct image_config, diff_ids),
     .required = true,
     .max_len = DIGEST_MAX_LEN,
     .max_items = IMAGE_CONFIG_MAX_DIFF_IDS,
     .check = json_check_digest},
};

static const struct json_table rootfs_table = {
    .what = "rootfs",
    JSON_FIELDS(rootfs_fields),
    .size = sizeof(struct image_config),
};

#define TOP_STRING(key, member, req, limit, fn)                                                    \
	{                                                                                          \
		.name = (key), .kind = JSON_F_STRING,                                              \
		.offset = offsetof(struct image_config, member), .required = (req),                \
		.max_len = (limit), .check = (fn),                                                 \
	}

static int image_config_finish(struct json_ctx *ctx, void *obj);

static const struct json_field config_fields[] = {
    TOP_STRING("architecture", architecture, true, PLATFORM_MAX_FIELD_LEN, check_nonempty_name),
    TOP_STRING("os", os, true, PLATFORM_MAX_FIELD_LEN, check_nonempty_name),
    TOP_STRING("variant", variant, false, PLATFORM_MAX_FIELD_LEN, json_check_no_ctl),
    TOP_STRING("os.version", os_version, false, PLATFORM_MAX_FIELD_LEN, json_check_no_ctl),
    {.name = "os.features",
     .kind = JSON_F_STR_LIST,
     .offset = offsetof(struct image_config, os_features),
     .max_len = PLATFORM_MAX_FIELD_LEN,
     .max_items = PLATFORM_MAX_FEATURES,
     .check = json_check_no_ctl},
    TOP_STRING("created", created, false, IMAGE_CONFIG_MAX_CREATED_LEN, json_check_no_ctl),
    TOP_STRING("author", author, false, IMAGE_CONFIG_MAX_TEXT_LEN, NULL),
    {.name = "config",
     .kind = JSON_F_OBJECT,
     .offset = offsetof(struct image_config, config),
     .sub = &exec_table},
    {.name = "rootfs", .kind = JSON_F_OBJECT, .offset = 0, .required = true, .sub = &rootfs_table},
    {.name = "history",
     .kind = JSON_F_ARRAY,
     .offset = offsetof(struct image_config, history),
     .count_offset = offsetof(struct image_config, n_history),
     .max_items = IMAGE_CONFIG_MAX_HISTORY,
     .sub = &history_table},
};

static const struct json_table config_table = {
    .what = "image config",
    JSON_FIELDS(config_fields),
    .size = sizeof(struct image_config),
    .finish = image_config_finish,
};

/* Replace *field with s (NULL for ""), if it differs. */
static int
replace(struct json_ctx *ctx, char **field, const char *s)
{
	char *n;
	if ((*field && strcmp(*field, s) == 0) || (!*field && s[0] == '\0'))
		return 0;
	n = s[0] ? strdup(s) : NULL;
	if (s[0] && !n)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	free(*field);
	*field = n;
	return 0;
}

static int
image_config_finish(struct json_ctx *ctx, void *obj)
{
	struct image_config *c = obj;
	struct platform_name n;
	int r;
	platform_normalize(c->os, c->architecture, c->variant, &n);
	r = replace(ctx, &c->os, n.os);
	if (r >= 0)
		r = replace(ctx, &c->architecture, n.arch);
	if (r >= 0)
		r = replace(ctx, &c->variant, n.variant);
	return r;
}

int
image_config_parse(const uint8_t *buf, size_t len, const struct image_config_opts *opts,
		   struct image_config **ret, struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_t *root = NULL;
	struct image_config *c = NULL;
	int r;

	(void)opts;
	json_ctx_init(&ctx);
	r = json_load_object(&ctx, buf, len, IMAGE_CONFIG_MAX_SIZE, &root);
	if (r >= 0) {
		c = calloc(1, sizeof(*c));
		r = c ? json_map_object(&ctx, root, &config_table, c)
		      : json_fail(&ctx, PARSE_ERR_NOMEM, "out of memory");
	}
	json_decref(root);
	if (r < 0) {
		(void)image_config_free(c);
		if (reterr)
			*reterr = ctx.err;
		return r;
	}
	*ret = c;
	return 0;
}

struct image_config *
image_config_free(struct image_config *c)
{
	if (!c)
		return NULL;
	json_map_done(&config_table, c);
	free(c);
	return NULL;
}
