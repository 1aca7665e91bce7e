/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-config replies: every field re-validated before it becomes a struct img_config
 * (env and arguments reach execve, paths reach the rootfs, diff IDs check layers).
 * runs in: daemon/privileged (pure: no I/O, no globals; fuzzed). */
#include "daemon/replies/image_config_reply.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/replies/reply_check.h"
#include "parsers/base/limits.h"
#include "parsers/base/str.h"

typedef bool (*item_ok_fn)(const char *s);

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

struct img_config *
img_config_free(struct img_config *c)
{
	if (!c)
		return NULL;
	free(c->os);
	free(c->architecture);
	free(c->variant);
	free(c->created);
	free(c->user);
	strv_free(c->env, c->n_env);
	strv_free(c->entrypoint, c->n_entrypoint);
	strv_free(c->cmd, c->n_cmd);
	free(c->working_dir);
	strv_free(c->exposed_ports, c->n_exposed_ports);
	strv_free(c->volumes, c->n_volumes);
	for (size_t i = 0; c->labels && i < c->n_labels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	free(c->stop_signal);
	strv_free(c->diff_ids, c->n_diff_ids);
	free(c);
	return NULL;
}

/* ---- item checks --------------------------------------------------------------------------- */

/* "NAME=value": NAME non-empty without control characters (a newline in a name would make
 * one entry two wherever env is written line by line); the value is any UTF-8 without NUL
 * (protobuf-c strings end at the first NUL, so a NUL can only shorten, never hide, a name). */
static bool
env_ok(const char *s)
{
	if (!reply_text_ok(s, IMAGE_CONFIG_MAX_ARG_LEN))
		return false;
	const char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return false;
	for (const char *p = s; p < eq; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool
arg_ok(const char *s)
{
	return reply_text_ok(s, IMAGE_CONFIG_MAX_ARG_LEN);
}

/* "<1..65535>/<tcp|udp|sctp>", as the parser normalised it. */
static bool
port_ok(const char *s)
{
	size_t n = reply_len(s, 31);
	uint64_t port;
	if (n == SIZE_MAX)
		return false;
	const char *slash = memchr(s, '/', n);
	if (!slash || str_to_u64(s, (size_t)(slash - s), 65535, &port) < 0 || port == 0)
		return false;
	return !strcmp(slash + 1, "tcp") || !strcmp(slash + 1, "udp") || !strcmp(slash + 1, "sctp");
}

static bool
path_ok(const char *s)
{
	return reply_path_ok(s);
}

static bool
digest_ok(const char *s)
{
	return reply_digest_ok(s);
}

/* ---- copies -------------------------------------------------------------------------------- */

/* Copy n (<= max) strings that each pass ok into a NULL-terminated array. */
static int
copy_strv(char *const *v, size_t n, size_t max, item_ok_fn ok, char ***ret, size_t *ret_n)
{
	if (n > max || (n && !v))
		return -EPROTO;
	for (size_t i = 0; i < n; i++)
		if (!ok(v[i]))
			return -EPROTO;
	char **out = calloc(n + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			strv_free(out, i);
			return -ENOMEM;
		}
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Labels: bounded UTF-8 keys and values, keys unique (a map with two values for one key
 * would let two readers see different labels). */
static int
check_labels(Crisp__Helper__ConfigReply__Label *const *v, size_t n)
{
	if (n > IMAGE_CONFIG_MAX_LABELS || (n && !v))
		return -EPROTO;
	for (size_t i = 0; i < n; i++)
		if (!v[i] || !reply_text_ok(v[i]->key, JSON_MAX_KEY_LEN) ||
		    !reply_text_ok(v[i]->value, ANNOTATION_MAX_VALUE_LEN))
			return -EPROTO;
	if (n < 2)
		return 0;
	const char **keys = calloc(n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = v[i]->key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	int r = 0;
	for (size_t i = 1; i < n && r == 0; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			r = -EPROTO;
	free(keys);
	return r;
}

static int
copy_labels(const Crisp__Helper__ConfigReply *r, struct img_config *c)
{
	int rc = check_labels(r->labels, r->n_labels);
	if (rc < 0 || r->n_labels == 0)
		return rc;
	c->labels = calloc(r->n_labels, sizeof(*c->labels));
	if (!c->labels)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_labels; i++) {
		c->labels[i].key = strdup(r->labels[i]->key);
		c->labels[i].value = strdup(r->labels[i]->value);
		c->n_labels++;
		if (!c->labels[i].key || !c->labels[i].value)
			return -ENOMEM;
	}
	return 0;
}

/* The single-valued fields. */
static int
copy_scalars(const Crisp__Helper__ConfigReply *r, struct img_config *c)
{
	bool sig = r->stop_signal && r->stop_signal[0];
	if (!reply_platform_name_ok(r->os, false) ||
	    !reply_platform_name_ok(r->architecture, false) ||
	    !reply_platform_name_ok(r->variant, true) ||
	    !reply_line_ok(r->created, IMAGE_CONFIG_MAX_CREATED_LEN) ||
	    !reply_line_ok(r->user, IMAGE_CONFIG_MAX_USER_LEN) ||
	    !(r->working_dir && (!r->working_dir[0] || reply_path_ok(r->working_dir))) ||
	    (sig && !reply_word_ok(r->stop_signal, IMAGE_CONFIG_MAX_SIGNAL_LEN)) ||
	    (sig ? r->stop_signal_num < 1 || r->stop_signal_num > IMAGE_CONFIG_MAX_SIGNAL_NUM
		 : r->stop_signal_num != 0))
		return -EPROTO;
	bool ok = true;
	c->os = reply_dup(r->os, false, &ok);
	c->architecture = reply_dup(r->architecture, false, &ok);
	c->variant = reply_dup(r->variant, true, &ok);
	c->created = reply_dup(r->created, true, &ok);
	c->user = reply_dup(r->user, true, &ok);
	c->working_dir = reply_dup(r->working_dir, true, &ok);
	c->stop_signal = reply_dup(r->stop_signal, true, &ok);
	c->stop_signal_num = (int)r->stop_signal_num;
	return ok ? 0 : -ENOMEM;
}

int
image_config_reply_validate(const Crisp__Helper__ConfigReply *r, struct img_config **ret)
{
	if (!r)
		return -EPROTO;
	struct img_config *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int rc = copy_scalars(r, c);
	if (rc >= 0)
		rc = copy_strv(r->env, r->n_env, IMAGE_CONFIG_MAX_ENV, env_ok, &c->env, &c->n_env);
	if (rc >= 0)
		rc = copy_strv(r->entrypoint, r->n_entrypoint, IMAGE_CONFIG_MAX_ARGS, arg_ok,
			       &c->entrypoint, &c->n_entrypoint);
	if (rc >= 0)
		rc = copy_strv(r->cmd, r->n_cmd, IMAGE_CONFIG_MAX_ARGS, arg_ok, &c->cmd, &c->n_cmd);
	if (rc >= 0)
		rc = copy_strv(r->exposed_ports, r->n_exposed_ports, IMAGE_CONFIG_MAX_PORTS,
			       port_ok, &c->exposed_ports, &c->n_exposed_ports);
	if (rc >= 0)
		rc = copy_strv(r->volumes, r->n_volumes, IMAGE_CONFIG_MAX_VOLUMES, path_ok,
			       &c->volumes, &c->n_volumes);
	if (rc >= 0)
		rc = copy_labels(r, c);
	if (rc >= 0)
		rc = copy_strv(r->diff_ids, r->n_diff_ids, IMAGE_CONFIG_MAX_DIFF_IDS, digest_ok,
			       &c->diff_ids, &c->n_diff_ids);
	if (rc < 0) {
		img_config_free(c);
		return rc;
	}
	*ret = c;
	return 0;
}
