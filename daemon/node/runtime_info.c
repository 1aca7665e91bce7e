/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime-information RPCs: Version, Status (real readiness checks), RuntimeConfig and
 * UpdateRuntimeConfig.
 * runs in: daemon/privileged. Requests are validated before use; nothing here parses files. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cri/api.pb-c.h"
#include "crisp_version.h"
#include "daemon/crisp.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

#define SVC (&runtime__v1__runtime_service__descriptor)

static int
version_handler(struct grpc_call *call, const ProtobufCMessage *req, void *ud)
{
	(void)req;
	(void)ud;
	Runtime__V1__VersionResponse resp;
	runtime__v1__version_response__init(&resp);
	resp.version = UNCONST("0.1.0"); /* the kubelet runtime API version, as CRI-O reports */
	resp.runtime_name = UNCONST("crisp");
	resp.runtime_version = UNCONST(CRISP_VERSION "+" CRISP_GIT_REV);
	resp.runtime_api_version = UNCONST("v1");
	return grpc_call_reply(call, &resp.base);
}

/* ---- readiness checks ----------------------------------------------------------------- */

struct cond {
	int ok;
	char reason[64];
	char message[512];
};

static int
executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* RuntimeReady: the default handler's OCI runtime and conmon can be executed. */
static void
check_runtime(const struct config *cfg, struct cond *c)
{
	const struct config_runtime *rt = config_find_runtime(cfg, NULL);
	c->ok = 0;
	if (!rt) {
		snprintf(c->reason, sizeof(c->reason), "RuntimeHandlerMissing");
		snprintf(c->message, sizeof(c->message),
			 "default runtime handler %s is not configured", cfg->default_runtime);
	} else if (!executable_file(rt->path)) {
		snprintf(c->reason, sizeof(c->reason), "OCIRuntimeMissing");
		snprintf(c->message, sizeof(c->message),
			 "OCI runtime %s of handler %s is not an executable file", rt->path,
			 rt->name);
	} else if (!executable_file(cfg->conmon)) {
		snprintf(c->reason, sizeof(c->reason), "ConmonMissing");
		snprintf(c->message, sizeof(c->message), "conmon %s is not an executable file",
			 cfg->conmon);
	} else {
		c->ok = 1;
	}
}

static int
has_suffix(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);
	return a >= b && strcmp(s + a - b, sfx) == 0;
}

/* A CNI network config file is present (the file is not read here: the network issue
 * parses it in a helper). */
static int
cni_conf_present(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!has_suffix(de->d_name, ".conf") && !has_suffix(de->d_name, ".conflist") &&
		    !has_suffix(de->d_name, ".json"))
			continue;
		struct stat st;
		found = fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
	}
	(void)closedir(d);
	return found;
}

/* NetworkReady: a CNI config exists and the plugin directories hold the plugins the
 * default network uses (bridge, host-local, portmap, loopback). */
static void
check_network(const struct config *cfg, struct cond *c)
{
	static const char *const plugins[] = {"loopback", "bridge", "host-local", "portmap"};
	c->ok = 0;
	snprintf(c->reason, sizeof(c->reason), "NetworkPluginNotReady");
	if (!cni_conf_present(cfg->cni_conf_dir)) {
		snprintf(c->message, sizeof(c->message),
			 "Network plugin returns error: no CNI configuration file in %s",
			 cfg->cni_conf_dir);
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(plugins); i++) {
		int found = 0;
		for (size_t d = 0; d < cfg->cni_bin_dirs.n && !found; d++) {
			char p[CRISP_PATH_MAX];
			found = path_fmt(p, sizeof(p), "%s/%s", cfg->cni_bin_dirs.v[d],
					 plugins[i]) == 0 &&
				executable_file(p);
		}
		if (!found) {
			snprintf(c->message, sizeof(c->message),
				 "Network plugin returns error: CNI plugin %s not found in the "
				 "plugin directories",
				 plugins[i]);
			return;
		}
	}
	c->ok = 1;
	c->reason[0] = '\0';
}

/* ---- Status ------------------------------------------------------------------------------ */

static char *
config_json(const struct config *cfg, const char *pod_cidr)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_t *rts = json_array();
	for (size_t i = 0; i < cfg->n_runtimes; i++)
		(void)json_array_append_new(
		    rts, json_pack("{s:s, s:s, s:s}", "name", cfg->runtimes[i].name, "path",
				   cfg->runtimes[i].path, "root", cfg->runtimes[i].root));
	json_t *bins = json_array();
	for (size_t i = 0; i < cfg->cni_bin_dirs.n; i++)
		(void)json_array_append_new(bins, json_string(cfg->cni_bin_dirs.v[i]));
	(void)json_object_set_new(o, "root", json_string(cfg->root));
	(void)json_object_set_new(o, "runroot", json_string(cfg->runroot));
	(void)json_object_set_new(o, "listen", json_string(cfg->listen));
	(void)json_object_set_new(o, "cgroupDriver",
				  json_string(config_cgroup_driver_name(cfg->cgroup_driver)));
	(void)json_object_set_new(o, "defaultRuntime", json_string(cfg->default_runtime));
	(void)json_object_set_new(o, "runtimes", rts);
	(void)json_object_set_new(o, "cniConfDir", json_string(cfg->cni_conf_dir));
	(void)json_object_set_new(o, "cniBinDirs", bins);
	(void)json_object_set_new(o, "podCIDR", json_string(pod_cidr ? pod_cidr : ""));
	(void)json_object_set_new(o, "version", json_string(CRISP_VERSION "+" CRISP_GIT_REV));
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static void
fill_condition(Runtime__V1__RuntimeCondition *rc, const char *type, struct cond *c)
{
	runtime__v1__runtime_condition__init(rc);
	rc->type = UNCONST(type);
	rc->status = c->ok;
	rc->reason = c->reason;
	rc->message = c->ok ? UNCONST("") : c->message;
}

struct status_buf {
	struct cond rt, net;
	Runtime__V1__RuntimeCondition conds[2];
	Runtime__V1__RuntimeCondition *condp[2];
	Runtime__V1__RuntimeStatus st;
	Runtime__V1__RuntimeHandlerFeatures feat;
	Runtime__V1__RuntimeHandler handlers[CONFIG_MAX_RUNTIMES + 1];
	Runtime__V1__RuntimeHandler *handlerp[CONFIG_MAX_RUNTIMES + 1];
	Runtime__V1__RuntimeFeatures features;
	Runtime__V1__StatusResponse__InfoEntry info;
	Runtime__V1__StatusResponse__InfoEntry *infop[1];
};

/* One entry per configured handler plus "" for the default, as kubelet expects. Neither
 * recursive read-only mounts nor user namespaces are supported yet. */
static size_t
fill_handlers(const struct config *cfg, struct status_buf *b)
{
	runtime__v1__runtime_handler_features__init(&b->feat);
	size_t n = 0;
	for (size_t i = 0; i <= cfg->n_runtimes && i <= CONFIG_MAX_RUNTIMES; i++) {
		Runtime__V1__RuntimeHandler *h = &b->handlers[n];
		runtime__v1__runtime_handler__init(h);
		h->name = i == 0 ? UNCONST("") : cfg->runtimes[i - 1].name;
		h->features = &b->feat;
		b->handlerp[n++] = h;
	}
	return n;
}

static int
status_handler(struct grpc_call *call, const ProtobufCMessage *req, void *ud)
{
	const Runtime__V1__StatusRequest *r = (const Runtime__V1__StatusRequest *)req;
	struct crisp *cr = ud;
	cleanup_free struct status_buf *b = calloc(1, sizeof(*b));
	if (!b)
		return grpc_call_failf(call, ENOMEM, "out of memory");
	Runtime__V1__StatusResponse resp;
	runtime__v1__status_response__init(&resp);
	cleanup_free char *json = NULL;

	const struct config *cfg = crisp_config_lock(cr);
	check_runtime(cfg, &b->rt);
	check_network(cfg, &b->net);
	resp.n_runtime_handlers = fill_handlers(cfg, b);
	if (r->verbose) {
		pthread_mutex_lock(&cr->net_mu);
		json = config_json(cfg, cr->pod_cidr);
		pthread_mutex_unlock(&cr->net_mu);
	}
	fill_condition(&b->conds[0], "RuntimeReady", &b->rt);
	fill_condition(&b->conds[1], "NetworkReady", &b->net);
	b->condp[0] = &b->conds[0];
	b->condp[1] = &b->conds[1];
	runtime__v1__runtime_status__init(&b->st);
	b->st.n_conditions = 2;
	b->st.conditions = b->condp;
	resp.status = &b->st;
	resp.runtime_handlers = b->handlerp;
	runtime__v1__runtime_features__init(&b->features);
	resp.features = &b->features;
	if (json) {
		runtime__v1__status_response__info_entry__init(&b->info);
		b->info.key = UNCONST("config");
		b->info.value = json;
		b->infop[0] = &b->info;
		resp.n_info = 1;
		resp.info = b->infop;
	}
	int s = grpc_call_reply(call, &resp.base);
	crisp_config_unlock(cr, cfg);
	return s;
}

/* ---- RuntimeConfig / UpdateRuntimeConfig ------------------------------------------------ */

static int
runtime_config_handler(struct grpc_call *call, const ProtobufCMessage *req, void *ud)
{
	(void)req;
	struct crisp *cr = ud;
	Runtime__V1__LinuxRuntimeConfiguration lin;
	runtime__v1__linux_runtime_configuration__init(&lin);
	const struct config *cfg = crisp_config_lock(cr);
	lin.cgroup_driver = cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD
				? RUNTIME__V1__CGROUP_DRIVER__SYSTEMD
				: RUNTIME__V1__CGROUP_DRIVER__CGROUPFS;
	crisp_config_unlock(cr, cfg);
	Runtime__V1__RuntimeConfigResponse resp;
	runtime__v1__runtime_config_response__init(&resp);
	resp.linux = &lin;
	return grpc_call_reply(call, &resp.base);
}

/* A pod CIDR list as kubelet sends it: "10.88.0.0/16" or "10.88.0.0/16,fd00::/64". */
static int
pod_cidr_ok(const char *s)
{
	size_t n = strlen(s);
	if (n > 256)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		      c == '.' || c == ':' || c == '/' || c == ','))
			return 0;
	}
	return 1;
}

static int
update_runtime_config_handler(struct grpc_call *call, const ProtobufCMessage *req, void *ud)
{
	const Runtime__V1__UpdateRuntimeConfigRequest *r =
	    (const Runtime__V1__UpdateRuntimeConfigRequest *)req;
	struct crisp *cr = ud;
	const char *cidr = r->runtime_config && r->runtime_config->network_config
			       ? r->runtime_config->network_config->pod_cidr
			       : "";
	if (!pod_cidr_ok(cidr))
		return grpc_call_failf(call, EINVAL,
				       "runtime_config.network_config.pod_cidr: want a comma-"
				       "separated list of CIDRs, at most 256 bytes");
	/* An empty CIDR keeps the one we have, as CRI-O does. */
	if (cidr[0]) {
		char *copy = strdup(cidr);
		if (!copy)
			return grpc_call_failf(call, ENOMEM, "out of memory");
		pthread_mutex_lock(&cr->net_mu);
		free(cr->pod_cidr);
		cr->pod_cidr = copy;
		pthread_mutex_unlock(&cr->net_mu);
	}
	Runtime__V1__UpdateRuntimeConfigResponse resp;
	runtime__v1__update_runtime_config_response__init(&resp);
	return grpc_call_reply(call, &resp.base);
}

int
runtime_info_register(struct grpc_server *s)
{
	int r = 0;
	r = r < 0 ? r : grpc_server_handle(s, SVC, "Version", GRPC_METHOD_UNARY, version_handler);
	r = r < 0 ? r : grpc_server_handle(s, SVC, "Status", GRPC_METHOD_UNARY, status_handler);
	r = r < 0 ? r
		  : grpc_server_handle(s, SVC, "RuntimeConfig", GRPC_METHOD_UNARY,
				       runtime_config_handler);
	r = r < 0 ? r
		  : grpc_server_handle(s, SVC, "UpdateRuntimeConfig", GRPC_METHOD_UNARY,
				       update_runtime_config_handler);
	return r;
}
