/* SPDX-License-Identifier: Apache-2.0 */
/* CNI: choose the network config, run each plugin of the list for ADD and DEL with the
 * pod's netns, and collect the pod IPs. Config files and plugin output are parsed by
 * crisp-helper-cni; this file only moves bytes and splices canonical JSON objects that
 * the helper produced (it never parses them).
 * runs in: daemon/privileged. Plugins are trusted local binaries; their output is not. */
#include "daemon/pods/cni_plugins.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/core/prog.h"
#include "daemon/core/store.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

static int
conf_name_ok(const char *n)
{
	size_t l = strlen(n);
	if (n[0] == '.')
		return 0;
	return (l > 5 && strcmp(n + l - 5, ".conf") == 0) ||
	       (l > 9 && strcmp(n + l - 9, ".conflist") == 0) ||
	       (l > 5 && strcmp(n + l - 5, ".json") == 0);
}

/* The first config file in lexical order, as libcni picks the default network. */
int
cni_find_conf(const char *dir, char **ret_name)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	if (n < 0)
		return -errno;
	char *found = NULL;
	for (int i = 0; i < n; i++) {
		if (!found && conf_name_ok(list[i]->d_name)) {
			struct stat st;
			char p[CRISP_PATH_MAX];
			if (path_fmt(p, sizeof(p), "%s/%s", dir, list[i]->d_name) == 0 &&
			    stat(p, &st) == 0 && S_ISREG(st.st_mode))
				found = strdup(list[i]->d_name);
		}
		free(list[i]);
	}
	free(list);
	if (!found)
		return -ENOENT;
	*ret_name = found;
	return 0;
}

int
cni_load(const struct helper_ctx *h, const char *dir, const char *name, struct cni_netconf **ret,
	 char *err, size_t errsz)
{
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	int r = store_read(dir, name, CNI_MAX_CONF_BYTES, &buf, &len);
	if (r < 0) {
		snprintf(err, errsz, "read CNI config %s/%s: %s", dir, name, strerror(-r));
		return r;
	}
	r = cni_call_netconf(h, buf, len, ret, err, errsz);
	if (r < 0)
		return r;
	if ((*ret)->n_plugins == 0) {
		snprintf(err, errsz, "CNI config %s/%s has no plugins", dir, name);
		*ret = cni_netconf_free(*ret);
		return -EINVAL;
	}
	return 0;
}

static int
find_plugin(const struct strv *bin_dirs, const char *type, char *path, size_t pathsz)
{
	for (size_t i = 0; i < bin_dirs->n; i++) {
		struct stat st;
		if (path_fmt(path, pathsz, "%s/%s", bin_dirs->v[i], type) == 0 &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static char *
port_mappings_json(const struct cni_attach *a)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < a->n_ports; i++) {
		const struct cni_port *p = &a->ports[i];
		json_t *o = json_pack("{s:i, s:i, s:s}", "hostPort", p->host_port, "containerPort",
				      p->container_port, "protocol", p->protocol);
		if (o && p->host_ip && p->host_ip[0])
			(void)json_object_set_new(o, "hostIP", json_string(p->host_ip));
		(void)json_array_append_new(arr, o);
	}
	char *s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

/* conf is a canonical JSON object from the helper; add prevResult and runtimeConfig by
 * replacing its closing brace (no parsing needed). */
static char *
splice_conf(const struct cni_plugin *p, const char *prev, const struct cni_attach *a)
{
	size_t l = strlen(p->conf);
	if (l < 2 || p->conf[0] != '{' || p->conf[l - 1] != '}')
		return NULL;
	cleanup_free char *ports = NULL;
	if (p->port_mappings && a->n_ports > 0 && !(ports = port_mappings_json(a)))
		return NULL;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f = open_memstream(&out, &out_len);
	if (!f)
		return NULL;
	const char *sep = l == 2 ? "" : ",";
	fwrite(p->conf, 1, l - 1, f);
	if (prev) {
		fprintf(f, "%s\"prevResult\":%s", sep, prev);
		sep = ",";
	}
	if (ports)
		fprintf(f, "%s\"runtimeConfig\":{\"portMappings\":%s}", sep, ports);
	fputc('}', f);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* CNI_ARGS is "K=V;K=V" with no escaping (libcni's format): a CRI name holding ';' or '='
 * (CRI allows both) would add or change keys, so such a value is left out; plugins use these
 * keys only for information. Empty values are left out too. */
static bool
cni_arg_ok(const char *v)
{
	return v && v[0] && !strpbrk(v, ";=");
}

static int
make_env(const struct cni_attach *a, const char *cmd, const struct strv *bin_dirs, char **env,
	 size_t n_env)
{
	char cni_path[CRISP_PATH_MAX] = "";
	size_t off = 0;
	for (size_t i = 0; i < bin_dirs->n && off < sizeof(cni_path); i++)
		off += (size_t)snprintf(cni_path + off, sizeof(cni_path) - off, "%s%s",
					i ? ":" : "", bin_dirs->v[i]);
	if (n_env < 8)
		return -EINVAL;
	int r = 0;
	r |= asprintf(&env[0], "CNI_COMMAND=%s", cmd) < 0;
	r |= asprintf(&env[1], "CNI_CONTAINERID=%s", a->container_id) < 0;
	r |= asprintf(&env[2], "CNI_NETNS=%s", a->netns) < 0;
	r |= asprintf(&env[3], "CNI_IFNAME=%s", a->ifname) < 0;
	/* kubelet-style pod identity for plugins that want it. */
	r |= asprintf(&env[4], "CNI_ARGS=IgnoreUnknown=1%s%s%s%s;K8S_POD_INFRA_CONTAINER_ID=%s%s%s",
		      cni_arg_ok(a->pod_namespace) ? ";K8S_POD_NAMESPACE=" : "",
		      cni_arg_ok(a->pod_namespace) ? a->pod_namespace : "",
		      cni_arg_ok(a->pod_name) ? ";K8S_POD_NAME=" : "",
		      cni_arg_ok(a->pod_name) ? a->pod_name : "", a->container_id,
		      cni_arg_ok(a->pod_uid) ? ";K8S_POD_UID=" : "",
		      cni_arg_ok(a->pod_uid) ? a->pod_uid : "") < 0;
	r |= asprintf(&env[5], "CNI_PATH=%s", cni_path) < 0;
	env[6] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	env[7] = NULL;
	return r || !env[6] ? -ENOMEM : 0;
}

static void
free_env(char **env, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(env[i]);
}

/* Run one plugin; on success *ret holds its parsed result (ADD) or NULL (DEL). */
static int
invoke(const struct cni_ctx *c, const struct cni_plugin *p, const char *cmd, const char *prev,
       struct cni_result **ret, char *err, size_t errsz)
{
	char path[CRISP_PATH_MAX];
	if (find_plugin(c->bin_dirs, p->type, path, sizeof(path)) < 0) {
		snprintf(err, errsz, "CNI plugin %s not found in the plugin directories", p->type);
		return -ENOENT;
	}
	cleanup_free char *conf = splice_conf(p, prev, c->attach);
	if (!conf)
		return -ENOMEM;
	char *env[8] = {0};
	int r = make_env(c->attach, cmd, c->bin_dirs, env, ELEMENTSOF(env));
	char *argv[] = {p->type, NULL};
	struct prog_opts o = {.path = path,
			      .argv = argv,
			      .envp = env,
			      .stdin_buf = (const uint8_t *)conf,
			      .stdin_len = strlen(conf),
			      .stdout_max = CNI_MAX_RESULT_BYTES,
			      .stderr_max = CNI_MAX_STDERR,
			      .timeout_ms = prog_timeout_ms(CNI_PLUGIN_TIMEOUT_MS, c->deadline_ns)};
	struct prog_result res = {0};
	if (r == 0)
		r = prog_run(&o, &res);
	free_env(env, ELEMENTSOF(env));
	if (r < 0) {
		snprintf(err, errsz, "CNI %s of plugin %s: %s", cmd, p->type,
			 r == -ETIMEDOUT ? "timed out" : strerror(-r));
		prog_result_done(&res);
		return r;
	}
	struct cni_result *out = NULL;
	int ok = res.exited && res.status == 0;
	if (res.out_len > 0)
		r = cni_call_result(c->helpers, res.out, res.out_len, &out, err, errsz);
	if (!ok) {
		char esc[4 * LOG_MAX_UNTRUSTED + 4];
		if (out && out->is_error)
			snprintf(err, errsz, "CNI %s of plugin %s failed (code %u): %s", cmd,
				 p->type, out->error_code, out->error_msg);
		else
			snprintf(err, errsz, "CNI %s of plugin %s exited with %s %d: %s", cmd,
				 p->type, res.exited ? "status" : "signal", res.status,
				 log_escape(res.err, res.err_len, esc, sizeof(esc)));
		cni_result_free(out);
		prog_result_done(&res);
		return -EIO;
	}
	prog_result_done(&res);
	if (r < 0)
		return r;
	if (strcmp(cmd, "ADD") == 0 && (!out || out->is_error)) {
		snprintf(err, errsz, "CNI ADD of plugin %s returned no result", p->type);
		cni_result_free(out);
		return -EIO;
	}
	*ret = out;
	return 0;
}

int
cni_add(const struct cni_ctx *c, const struct cni_netconf *net, struct cni_result **ret, char *err,
	size_t errsz)
{
	struct cni_result *prev = NULL;
	for (size_t i = 0; i < net->n_plugins; i++) {
		struct cni_result *res = NULL;
		int r =
		    invoke(c, &net->plugins[i], "ADD", prev ? prev->json : NULL, &res, err, errsz);
		if (r < 0) {
			cni_result_free(prev);
			return r;
		}
		cni_result_free(prev);
		prev = res;
	}
	*ret = prev;
	return 0;
}

int
cni_del(const struct cni_ctx *c, const struct cni_netconf *net, const char *prev_result, char *err,
	size_t errsz)
{
	int first = 0;
	/* DEL runs the list in reverse and goes on past failures, so one broken plugin does
	 * not keep the others' resources (IPs, iptables rules) allocated. */
	for (size_t i = net->n_plugins; i-- > 0;) {
		struct cni_result *res = NULL;
		char e[512];
		int r =
		    invoke(c, &net->plugins[i], "DEL",
			   prev_result && prev_result[0] ? prev_result : NULL, &res, e, sizeof(e));
		cni_result_free(res);
		if (r < 0 && !first) {
			first = r;
			snprintf(err, errsz, "%s", e);
		}
	}
	return first;
}
