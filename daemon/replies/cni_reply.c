/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-cni replies: every field checked before the daemon uses it
 * (names, plugin types that become paths, JSON objects that are spliced, IP addresses).
 * runs in: daemon/privileged (pure: no I/O, no logging; fuzzed through the CNI targets). The
 * reply is untrusted: the helper parsed hostile bytes. */
#include "daemon/replies/cni_reply.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.pb-c.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

struct cni_netconf *
cni_netconf_free(struct cni_netconf *n)
{
	if (!n)
		return NULL;
	for (size_t i = 0; i < n->n_plugins; i++) {
		free(n->plugins[i].type);
		free(n->plugins[i].conf);
	}
	free(n->plugins);
	free(n->name);
	free(n->cni_version);
	free(n);
	return NULL;
}

struct cni_result *
cni_result_free(struct cni_result *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_ips; i++)
		free(r->ips[i]);
	free(r->ips);
	free(r->json);
	free(r->error_msg);
	free(r);
	return NULL;
}

static int
word_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

/* A JSON object we will splice into: '{' ... '}', bounded, no NUL (protobuf strings have
 * none) and no control bytes (a canonical dump escapes them). */
static int
json_object_text_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > CNI_MAX_JSON_BYTES || s[0] != '{' || s[n - 1] != '}')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return 0;
	return 1;
}

int
cni_reply_validate_netconf(const Crisp__Helper__CniConfReply *c, struct cni_netconf **ret)
{
	if (!word_ok(c->name, CNI_MAX_NAME) || !word_ok(c->cni_version, CNI_MAX_VERSION) ||
	    c->n_plugins == 0 || c->n_plugins > CNI_MAX_PLUGINS)
		return -EPROTO;
	struct cni_netconf *n = calloc(1, sizeof(*n));
	if (!n || !(n->plugins = calloc(c->n_plugins, sizeof(*n->plugins)))) {
		cni_netconf_free(n);
		return -ENOMEM;
	}
	n->name = strdup(c->name);
	n->cni_version = strdup(c->cni_version);
	for (size_t i = 0; i < c->n_plugins; i++) {
		const Crisp__Helper__CniConfReply__Plugin *p = c->plugins[i];
		/* type becomes a path component under the plugin dirs: strict alphabet. */
		if (!p || !word_ok(p->type, CNI_MAX_TYPE) || !json_object_text_ok(p->conf)) {
			cni_netconf_free(n);
			return -EPROTO;
		}
		n->plugins[i].type = strdup(p->type);
		n->plugins[i].conf = strdup(p->conf);
		n->plugins[i].port_mappings = p->port_mappings;
		n->n_plugins++;
	}
	*ret = n;
	return 0;
}

int
cni_reply_validate_result(const Crisp__Helper__CniResultReply *c, struct cni_result **ret)
{
	if (c->n_ips > CNI_MAX_IPS || !json_object_text_ok(c->json) ||
	    strlen(c->error_msg) > CNI_MAX_ERROR_MSG)
		return -EPROTO;
	for (const char *p = c->error_msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return -EPROTO;
	struct cni_result *r = calloc(1, sizeof(*r));
	if (!r || !(r->ips = calloc(c->n_ips + 1, sizeof(char *)))) {
		cni_result_free(r);
		return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_ips; i++) {
		unsigned char b[16];
		if (inet_pton(AF_INET, c->ips[i], b) != 1 &&
		    inet_pton(AF_INET6, c->ips[i], b) != 1) {
			cni_result_free(r);
			return -EPROTO;
		}
		r->ips[r->n_ips++] = strdup(c->ips[i]);
	}
	r->json = strdup(c->json);
	r->is_error = c->is_error;
	r->error_code = c->error_code;
	r->error_msg = strdup(c->error_msg);
	*ret = r;
	return 0;
}
