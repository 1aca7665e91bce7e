/* SPDX-License-Identifier: Apache-2.0 */
/* CNI network configuration and plugin result parsing (see cni.h). Loading goes through
 * json_load_object (size, depth and count limits, duplicate keys and \u0000 refused).
 * runs in: helper/untrusted. */
#include "parsers/cni.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/json_map.h"

static bool
name_chars_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static bool
version_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CNI_MAX_VERSION)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
			return false;
	return true;
}

/* A required string member checked by ok(). */
static int
get_str(struct json_ctx *ctx, const json_t *obj, const char *key, bool (*ok)(const char *),
	const char **ret)
{
	size_t saved = json_path_push_key(ctx, key);
	const json_t *v = json_object_get(obj, key);
	int r = 0;
	if (!v)
		r = json_fail(ctx, PARSE_ERR_MISSING, "%s is required", key);
	else if (!json_is_string(v))
		r = json_fail(ctx, PARSE_ERR_TYPE, "%s must be a string", key);
	else if (!ok(json_string_value(v)))
		r = json_fail(ctx, PARSE_ERR_VALUE, "%s has a value crisp does not accept", key);
	else
		*ret = json_string_value(v);
	json_path_pop(ctx, saved);
	return r;
}

static bool
net_name_ok(const char *s)
{
	return name_chars_ok(s, CNI_MAX_NAME);
}

static bool
type_ok(const char *s)
{
	return name_chars_ok(s, CNI_MAX_TYPE);
}

static int
add_plugin(struct json_ctx *ctx, struct cni_conf *c, const json_t *p)
{
	if (!json_is_object(p))
		return json_fail(ctx, PARSE_ERR_TYPE, "a plugin must be an object");
	const char *type = NULL;
	int r = get_str(ctx, p, "type", type_ok, &type);
	if (r < 0)
		return r;
	json_t *copy = json_deep_copy(p);
	if (!copy)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	/* The runtime hands each plugin the list's name and version (CNI spec). */
	if (json_object_set_new(copy, "name", json_string(c->name)) < 0 ||
	    json_object_set_new(copy, "cniVersion", json_string(c->cni_version)) < 0) {
		json_decref(copy);
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	}
	struct cni_conf_plugin *pl = &c->plugins[c->n_plugins];
	pl->conf = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	pl->type = strdup(type);
	const json_t *caps = json_object_get(p, "capabilities");
	pl->port_mappings =
	    json_is_object(caps) && json_is_true(json_object_get(caps, "portMappings"));
	c->n_plugins++;
	if (!pl->conf || !pl->type)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	return 0;
}

static int
conf_from_object(struct json_ctx *ctx, const json_t *root, struct cni_conf *c)
{
	const char *name = "", *ver = ""; /* set by get_str on success */
	int r = get_str(ctx, root, "name", net_name_ok, &name);
	if (r == 0)
		r = get_str(ctx, root, "cniVersion", version_ok, &ver);
	if (r < 0)
		return r;
	c->name = strdup(name);
	c->cni_version = strdup(ver);
	c->plugins = calloc(CNI_MAX_PLUGINS, sizeof(*c->plugins));
	if (!c->name || !c->cni_version || !c->plugins)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	const json_t *plugins = json_object_get(root, "plugins");
	if (!plugins) /* a single-plugin .conf: the document is the plugin */
		return add_plugin(ctx, c, root);
	size_t saved = json_path_push_key(ctx, "plugins");
	if (!json_is_array(plugins) || json_array_size(plugins) == 0 ||
	    json_array_size(plugins) > CNI_MAX_PLUGINS) {
		r = json_fail(ctx, PARSE_ERR_VALUE, "plugins must be an array of 1..%u objects",
			      CNI_MAX_PLUGINS);
	} else {
		size_t i;
		const json_t *p;
		json_array_foreach (plugins, i, p) {
			size_t s2 = json_path_push_index(ctx, i);
			r = add_plugin(ctx, c, p);
			json_path_pop(ctx, s2);
			if (r < 0)
				break;
		}
	}
	json_path_pop(ctx, saved);
	return r;
}

int
cni_conf_parse(const uint8_t *buf, size_t len, struct cni_conf **ret, struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_ctx_init(&ctx);
	json_t *root = NULL;
	int r = json_load_object(&ctx, buf, len, CNI_MAX_CONF_BYTES, &root);
	struct cni_conf *c = NULL;
	if (r == 0) {
		c = calloc(1, sizeof(*c));
		r = c ? conf_from_object(&ctx, root, c)
		      : json_fail(&ctx, PARSE_ERR_NOMEM, "out of memory");
	}
	json_decref(root);
	if (r < 0) {
		cni_conf_free(c);
		if (reterr)
			*reterr = ctx.err;
		return r;
	}
	*ret = c;
	return 0;
}

struct cni_conf *
cni_conf_free(struct cni_conf *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n_plugins; i++) {
		free(c->plugins[i].type);
		free(c->plugins[i].conf);
	}
	free(c->plugins);
	free(c->name);
	free(c->cni_version);
	free(c);
	return NULL;
}

/* ---- results --------------------------------------------------------------------------- */

/* "10.88.0.5/16" (or an IPv6 CIDR) -> "10.88.0.5" in canonical form. */
static int
add_ip(struct json_ctx *ctx, struct cni_res *res, const char *cidr)
{
	char addr[64];
	const char *slash = strchr(cidr, '/');
	size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
	if (n == 0 || n >= sizeof(addr))
		return json_fail(ctx, PARSE_ERR_VALUE, "address is not an IP/prefix");
	memcpy(addr, cidr, n);
	addr[n] = '\0';
	if (slash) {
		char *end = NULL;
		long pl = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || pl < 0 || pl > 128)
			return json_fail(ctx, PARSE_ERR_VALUE, "bad prefix length");
	}
	unsigned char bin[16];
	int af = strchr(addr, ':') ? AF_INET6 : AF_INET;
	char canon[INET6_ADDRSTRLEN];
	if (inet_pton(af, addr, bin) != 1 || !inet_ntop(af, bin, canon, sizeof(canon)))
		return json_fail(ctx, PARSE_ERR_VALUE, "address is not an IPv4 or IPv6 address");
	if (res->n_ips >= CNI_MAX_IPS)
		return json_fail(ctx, PARSE_ERR_LIMIT, "more than %u IPs", CNI_MAX_IPS);
	res->ips[res->n_ips] = strdup(canon);
	if (!res->ips[res->n_ips])
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	res->n_ips++;
	return 0;
}

static int
parse_ips(struct json_ctx *ctx, const json_t *root, struct cni_res *res)
{
	const json_t *ips = json_object_get(root, "ips");
	if (!ips || json_is_null(ips))
		return 0;
	size_t saved = json_path_push_key(ctx, "ips");
	int r = 0;
	if (!json_is_array(ips) || json_array_size(ips) > CNI_MAX_IPS) {
		r = json_fail(ctx, PARSE_ERR_VALUE, "ips must be an array of at most %u",
			      CNI_MAX_IPS);
	} else {
		size_t i;
		const json_t *ip;
		json_array_foreach (ips, i, ip) {
			size_t s2 = json_path_push_index(ctx, i);
			const json_t *a =
			    json_is_object(ip) ? json_object_get(ip, "address") : NULL;
			r = json_is_string(a) ? add_ip(ctx, res, json_string_value(a))
					      : json_fail(ctx, PARSE_ERR_TYPE,
							  "an ips entry needs a string address");
			json_path_pop(ctx, s2);
			if (r < 0)
				break;
		}
	}
	json_path_pop(ctx, saved);
	return r;
}

static int
parse_error_object(struct json_ctx *ctx, const json_t *root, struct cni_res *res)
{
	const json_t *code = json_object_get(root, "code");
	const json_t *msg = json_object_get(root, "msg");
	if (!json_is_integer(code) || json_integer_value(code) < 0 ||
	    json_integer_value(code) > UINT32_MAX)
		return json_fail(ctx, PARSE_ERR_TYPE, "error code must be a non-negative integer");
	res->is_error = true;
	res->error_code = (uint32_t)json_integer_value(code);
	const char *m = json_is_string(msg) ? json_string_value(msg) : "";
	size_t n = strnlen(m, CNI_MAX_ERROR_MSG);
	res->error_msg = malloc(n + 1);
	if (!res->error_msg)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		res->error_msg[i] = (char)((m[i] >= 0x20 && m[i] < 0x7f) ? m[i] : '?');
	res->error_msg[n] = '\0';
	return 0;
}

/* The result (or the plugin's error object) of root into res, whose ips array is allocated. */
static int
result_from_object(struct json_ctx *ctx, const json_t *root, struct cni_res *res)
{
	int r = json_object_get(root, "code") ? parse_error_object(ctx, root, res)
					      : parse_ips(ctx, root, res);
	if (r < 0)
		return r;
	res->json = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	if (!res->json)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	return 0;
}

int
cni_result_parse(const uint8_t *buf, size_t len, struct cni_res **ret, struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_ctx_init(&ctx);
	json_t *root = NULL;
	int r = json_load_object(&ctx, buf, len, CNI_MAX_RESULT_BYTES, &root);
	struct cni_res *res = NULL;
	if (r == 0) {
		res = calloc(1, sizeof(*res));
		char **ips = res ? calloc(CNI_MAX_IPS, sizeof(char *)) : NULL;
		if (ips) {
			res->ips = ips;
			r = result_from_object(&ctx, root, res);
		} else {
			r = json_fail(&ctx, PARSE_ERR_NOMEM, "out of memory");
		}
	}
	json_decref(root);
	if (r < 0) {
		cni_res_free(res);
		if (reterr)
			*reterr = ctx.err;
		return r;
	}
	*ret = res;
	return 0;
}

struct cni_res *
cni_res_free(struct cni_res *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_ips; i++)
		free(r->ips[i]);
	free(r->ips);
	free(r->error_msg);
	free(r->json);
	free(r);
	return NULL;
}
