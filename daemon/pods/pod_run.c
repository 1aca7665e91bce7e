/* SPDX-License-Identifier: Apache-2.0 */
/* Pod sandbox lifecycle steps: run (directories, /dev/shm, pinned namespaces with hostname and
 * sysctls, CNI ADD, hosts/resolv.conf), stop (CNI DEL) and teardown (undo everything). Every
 * step of run has its undo in teardown, so a failure half way leaves nothing behind.
 * runs in: daemon/privileged. Callers hold pod->mu (and take pod->st_mu around the writes of
 * state and network_up that List and Status read). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/containers/containers.h"
#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "daemon/pods/cni_plugins.h"
#include "daemon/pods/infra.h"
#include "daemon/pods/pod_files.h"
#include "daemon/pods/pod_ns.h"
#include "daemon/pods/pods.h"
#include "parsers/base/macro.h"

static const char *const proto_names[] = {"tcp", "udp", "sctp"};

/* Build the CNI attachment of a pod; ports points into storage the caller provides. */
static void
attach_of(const struct pod *pod, struct cni_port *ports, size_t max, struct cni_attach *a)
{
	const Runtime__V1__PodSandboxConfig *c = pod->config;
	*a = (struct cni_attach){.container_id = pod->id,
				 .netns = pod->netns_path,
				 .ifname = "eth0",
				 .pod_name = c->metadata->name,
				 .pod_namespace = c->metadata->namespace_,
				 .pod_uid = c->metadata->uid,
				 .ports = ports};
	for (size_t i = 0; i < c->n_port_mappings && a->n_ports < max; i++) {
		const Runtime__V1__PortMapping *m = c->port_mappings[i];
		if (m->host_port <= 0)
			continue; /* no host port: nothing for portmap to do */
		ports[a->n_ports++] = (struct cni_port){
		    .host_port = m->host_port,
		    .container_port = m->container_port,
		    .protocol = (unsigned)m->protocol < 3 ? proto_names[m->protocol] : "tcp",
		    .host_ip = m->host_ip};
	}
}

static void
helpers_of(struct crisp *cr, const struct config *cfg, const struct pod *pod, struct helper_ctx *h)
{
	(void)pod;
	*h = (struct helper_ctx){.dir = cr->helper_dir,
				 .timeout_ms = (uint64_t)cfg->helper_timeout_s * 1000u};
}

/* CNI ADD; fills pod IPs and the result kept for DEL. */
static int
network_up(struct crisp *cr, const struct config *cfg, struct pod *pod, uint64_t deadline_ns,
	   char *err, size_t errsz)
{
	struct pods *p = cr->pods;
	char *name = NULL;
	int r = cni_find_conf(cfg->cni_conf_dir, &name);
	if (r < 0) {
		snprintf(err, errsz, "no CNI network configuration in %s", cfg->cni_conf_dir);
		return r;
	}
	pod->cni_conf_file = name;
	r = pod_save(p, pod); /* from here on, an interrupted run knows what to DEL */
	if (r < 0) {
		snprintf(err, errsz, "save pod record: %s", strerror(-r));
		return r;
	}
	struct helper_ctx h;
	helpers_of(cr, cfg, pod, &h);
	struct cni_netconf *net = NULL;
	r = cni_load(&h, cfg->cni_conf_dir, name, &net, err, errsz);
	if (r < 0)
		return r;
	pod->cni_network = strdup(net->name);
	struct cni_port ports[128];
	struct cni_attach a;
	attach_of(pod, ports, ELEMENTSOF(ports), &a);
	struct cni_ctx c = {.helpers = &h,
			    .bin_dirs = &cfg->cni_bin_dirs,
			    .attach = &a,
			    .deadline_ns = deadline_ns};
	struct cni_result *res = NULL;
	r = cni_add(&c, net, &res, err, errsz);
	cni_netconf_free(net);
	if (r < 0)
		return r;
	pod->cni_result = res->json;
	res->json = NULL;
	pod->ips = res->ips;
	pod->n_ips = res->n_ips;
	res->ips = NULL;
	res->n_ips = 0;
	cni_result_free(res);
	pthread_mutex_lock(&pod->st_mu);
	pod->network_up = 1;
	pthread_mutex_unlock(&pod->st_mu);
	return 0;
}

/* CNI DEL with the config file used at ADD (or the current default if it is gone). */
static int
network_down(struct crisp *cr, const struct config *cfg, struct pod *pod, char *err, size_t errsz)
{
	if (pod->host_net || !pod->cni_conf_file || !pod->netns_path || pod->network_released)
		return 0;
	struct helper_ctx h;
	helpers_of(cr, cfg, pod, &h);
	struct cni_netconf *net = NULL;
	int r = cni_load(&h, cfg->cni_conf_dir, pod->cni_conf_file, &net, err, errsz);
	if (r == -ENOENT) {
		cleanup_free char *name = NULL;
		if (cni_find_conf(cfg->cni_conf_dir, &name) == 0)
			r = cni_load(&h, cfg->cni_conf_dir, name, &net, err, errsz);
	}
	if (r < 0)
		return r;
	struct cni_port ports[128];
	struct cni_attach a;
	attach_of(pod, ports, ELEMENTSOF(ports), &a);
	struct cni_ctx c = {.helpers = &h, .bin_dirs = &cfg->cni_bin_dirs, .attach = &a};
	r = cni_del(&c, net, pod->cni_result, err, errsz);
	cni_netconf_free(net);
	if (r == 0) {
		pthread_mutex_lock(&pod->st_mu);
		pod->network_up = 0;
		pod->network_released = 1; /* remove after stop need not DEL again */
		pthread_mutex_unlock(&pod->st_mu);
	}
	return r;
}

static int
make_namespaces(const struct config *cfg, struct pod *pod, char *err, size_t errsz)
{
	(void)cfg;
	const Runtime__V1__PodSandboxConfig *c = pod->config;
	struct pod_ns_sysctl sysctls[POD_NS_MAX_SYSCTLS];
	size_t n = 0;
	if (c->linux)
		for (size_t i = 0; i < c->linux->n_sysctls && n < POD_NS_MAX_SYSCTLS; i++)
			sysctls[n++] = (struct pod_ns_sysctl){c->linux->sysctls[i]->key,
							      c->linux->sysctls[i]->value};
	struct pod_ns_opts o = {.dir = pod->ns_dir,
				.new_net = !pod->host_net,
				.new_ipc = !pod->host_ipc,
				.new_uts = !pod->host_net,
				.hostname = c->hostname[0] ? c->hostname : NULL,
				.sysctls = sysctls,
				.n_sysctls = n};
	int r = pod_ns_create(&o, err, errsz);
	if (r < 0)
		return r;
	if ((o.new_net && asprintf(&pod->netns_path, "%s/net", pod->ns_dir) < 0) ||
	    (o.new_ipc && asprintf(&pod->ipcns_path, "%s/ipc", pod->ns_dir) < 0) ||
	    (o.new_uts && asprintf(&pod->utsns_path, "%s/uts", pod->ns_dir) < 0))
		return -ENOMEM;
	return 0;
}

static int
run_steps(struct crisp *cr, const struct config *cfg, struct pod *pod, uint64_t deadline_ns,
	  char *err, size_t errsz)
{
	struct pods *p = cr->pods;
	int r = pod_save(p, pod); /* CREATING: a crash from here on is undone at start */
	if (r < 0) {
		snprintf(err, errsz, "save pod record: %s", strerror(-r));
		return r;
	}
	if (mkdir(pod->run_dir, 0755) < 0) {
		snprintf(err, errsz, "create %s: %s", pod->run_dir, strerror(errno));
		return -errno;
	}
	if (!pod->host_ipc) {
		r = pod_files_mount_shm(pod->run_dir, cfg->shm_size_bytes, err, errsz);
		if (r < 0)
			return r;
		if (asprintf(&pod->shm_path, "%s/shm", pod->run_dir) < 0)
			return -ENOMEM;
	}
	r = make_namespaces(cfg, pod, err, errsz);
	if (r == 0 && !pod->host_net)
		r = network_up(cr, cfg, pod, deadline_ns, err, errsz);
	if (r == 0 && pod->pid_mode == RUNTIME__V1__NAMESPACE_MODE__POD)
		r = infra_start(cr, cfg, pod, err, errsz);
	if (r < 0)
		return r;
	char host[256] = "";
	const char *hostname = pod->config->hostname;
	if (!hostname[0]) {
		(void)gethostname(host, sizeof(host) - 1);
		hostname = host;
	}
	r = pod_files_write(pod->run_dir, hostname, pod->n_ips ? pod->ips[0] : NULL,
			    pod->config->dns_config, err, errsz);
	if (r < 0)
		return r;
	pod_set_state(pod, POD_READY);
	r = pod_save(p, pod);
	if (r < 0)
		snprintf(err, errsz, "save pod record: %s", strerror(-r));
	return r;
}

int
pod_run(struct crisp *cr, struct pod *pod, uint64_t deadline_ns, char *err, size_t errsz)
{
	const struct config *cfg = crisp_config_lock(cr);
	int r = 0;
	if (asprintf(&pod->run_dir, "%s/%s", cr->pods->run_root, pod->id) < 0 ||
	    asprintf(&pod->ns_dir, "%s/%s", cr->pods->ns_root, pod->id) < 0)
		r = -ENOMEM;
	if (r == 0)
		r = run_steps(cr, cfg, pod, deadline_ns, err, errsz);
	crisp_config_unlock(cr, cfg);
	if (r < 0) {
		char e2[512];
		if (pod_teardown(cr, pod, e2, sizeof(e2)) < 0)
			log_warn(0, "pod %s: undoing a failed run: %s", pod->id, e2);
		(void)pod_delete_record(cr->pods, pod->id);
	}
	return r;
}

int
pod_stop(struct crisp *cr, struct pod *pod, char *err, size_t errsz)
{
	/* The pod's containers are killed first, without a grace period: kubelet has already
	 * stopped them with the pod's grace (containerd does the same). */
	int r = cr->ctrs ? ctrs_stop_pod(cr, pod->id, err, errsz) : 0;
	if (r < 0)
		return r;
	const struct config *cfg = crisp_config_lock(cr);
	if (pod->infra_pid > 0)
		r = infra_stop(cr, cfg, pod, err, errsz);
	if (r == 0 && pod->network_up)
		r = network_down(cr, cfg, pod, err, errsz);
	crisp_config_unlock(cr, cfg);
	if (r < 0)
		return r;
	pod_set_state(pod, POD_STOPPED);
	r = pod_save(cr->pods, pod);
	if (r < 0)
		snprintf(err, errsz, "save pod record: %s", strerror(-r));
	return r;
}

int
pod_teardown(struct crisp *cr, struct pod *pod, char *err, size_t errsz)
{
	int first = 0;
	char e[512] = "";
	if (cr->ctrs && (first = ctrs_remove_pod(cr, pod->id, e, sizeof(e))) < 0)
		snprintf(err, errsz, "%s", e);
	const struct config *cfg = crisp_config_lock(cr);
	int r = 0;
	if (pod->pid_mode == RUNTIME__V1__NAMESPACE_MODE__POD && pod->run_dir &&
	    (r = infra_stop(cr, cfg, pod, e, sizeof(e))) < 0) {
		first = r;
		snprintf(err, errsz, "%s", e);
	}
	/* DEL even after a failed or partial ADD: plugins release what they did allocate. */
	r = network_down(cr, cfg, pod, e, sizeof(e));
	crisp_config_unlock(cr, cfg);
	if (r < 0 && !first) {
		first = r;
		snprintf(err, errsz, "%s", e);
	}
	if (pod->ns_dir && (r = pod_ns_remove(pod->ns_dir)) < 0 && !first) {
		first = r;
		snprintf(err, errsz, "remove namespaces in %s: %s", pod->ns_dir, strerror(-r));
	}
	if (pod->run_dir) {
		(void)pod_files_umount_shm(pod->run_dir);
		if ((r = store_remove_tree(pod->run_dir)) < 0 && !first) {
			first = r;
			snprintf(err, errsz, "remove %s: %s", pod->run_dir, strerror(-r));
		}
	}
	return first;
}
