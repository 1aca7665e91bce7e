/* SPDX-License-Identifier: Apache-2.0 */
/* RunPodSandbox request validation: every field crisp acts on is checked before use, and each
 * refusal names the field and the rule.
 * runs in: daemon/privileged, on kubelet's input. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/crisp.h"
#include "daemon/pods/pod_files.h"
#include "daemon/pods/pod_ns.h"
#include "daemon/pods/pods.h"
#include "parsers/base/limits.h"
#include "policy/validate.h"

/* Metadata names are data (policy/validate.h): a length cap and no control bytes. */
static int
check_metadata(const Runtime__V1__PodSandboxConfig *c, char *err, size_t errsz)
{
	const Runtime__V1__PodSandboxMetadata *m = c->metadata;
	if (!m) {
		snprintf(err, errsz, "config.metadata is required");
		return -EINVAL;
	}
	struct policy_error pe;
	if (validate_pod_name(m->name, strlen(m->name), &pe) < 0 ||
	    validate_pod_namespace(m->namespace_, strlen(m->namespace_), &pe) < 0 ||
	    validate_pod_uid(m->uid, strlen(m->uid), &pe) < 0) {
		snprintf(err, errsz, "config.metadata: %s", pe.message);
		return -EINVAL;
	}
	return 0;
}

static int
check_log_dir(const char *d, char *err, size_t errsz)
{
	size_t n = strlen(d);
	if (n == 0)
		return 0;
	if (d[0] != '/' || n > POD_MAX_LOG_DIR || strstr(d, "/../") || strstr(d, "/./") ||
	    (n >= 3 && strcmp(d + n - 3, "/..") == 0) || strchr(d, '\n')) {
		snprintf(err, errsz,
			 "config.log_directory: want an absolute path without '.' or '..' "
			 "components");
		return -EINVAL;
	}
	return 0;
}

static int
check_ports(const Runtime__V1__PodSandboxConfig *c, char *err, size_t errsz)
{
	if (c->n_port_mappings > POD_MAX_PORTS) {
		snprintf(err, errsz, "config.port_mappings: at most %d", POD_MAX_PORTS);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_port_mappings; i++) {
		const Runtime__V1__PortMapping *m = c->port_mappings[i];
		unsigned char buf[16];
		const char *bad = NULL;
		if (m->container_port < 1 || m->container_port > 65535)
			bad = "container_port must be 1-65535";
		else if (m->host_port < 0 || m->host_port > 65535)
			bad = "host_port must be 0-65535";
		else if ((unsigned)m->protocol > RUNTIME__V1__PROTOCOL__SCTP)
			bad = "protocol must be TCP, UDP or SCTP";
		else if (m->host_ip[0] && inet_pton(AF_INET, m->host_ip, buf) != 1 &&
			 inet_pton(AF_INET6, m->host_ip, buf) != 1)
			bad = "host_ip must be an IPv4 or IPv6 address";
		if (bad) {
			snprintf(err, errsz, "config.port_mappings[%zu]: %s", i, bad);
			return -EINVAL;
		}
	}
	return 0;
}

static int
check_maps(const Runtime__V1__PodSandboxConfig *c, char *err, size_t errsz)
{
	size_t bytes = 0;
	if (c->n_labels > POD_MAX_LABELS || c->n_annotations > POD_MAX_LABELS) {
		snprintf(err, errsz, "config.labels/annotations: at most %d entries each",
			 POD_MAX_LABELS);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_labels; i++)
		bytes += strlen(c->labels[i]->key) + strlen(c->labels[i]->value);
	for (size_t i = 0; i < c->n_annotations; i++)
		bytes += strlen(c->annotations[i]->key) + strlen(c->annotations[i]->value);
	if (bytes > POD_MAX_META_BYTES) {
		snprintf(err, errsz, "config.labels and annotations: more than %d bytes in all",
			 POD_MAX_META_BYTES);
		return -EINVAL;
	}
	return 0;
}

static const Runtime__V1__NamespaceOption *
ns_opts(const Runtime__V1__PodSandboxConfig *c)
{
	if (c->linux && c->linux->security_context)
		return c->linux->security_context->namespace_options;
	return NULL;
}

static int
check_namespaces(const Runtime__V1__PodSandboxConfig *c, char *err, size_t errsz)
{
	const Runtime__V1__NamespaceOption *o = ns_opts(c);
	if (!o)
		return 0;
	if (o->network != RUNTIME__V1__NAMESPACE_MODE__POD &&
	    o->network != RUNTIME__V1__NAMESPACE_MODE__NODE) {
		snprintf(err, errsz, "namespace_options.network: a pod needs POD or NODE");
		return -EINVAL;
	}
	if (o->ipc != RUNTIME__V1__NAMESPACE_MODE__POD &&
	    o->ipc != RUNTIME__V1__NAMESPACE_MODE__NODE) {
		snprintf(err, errsz, "namespace_options.ipc: a pod needs POD or NODE");
		return -EINVAL;
	}
	if ((unsigned)o->pid > RUNTIME__V1__NAMESPACE_MODE__TARGET) {
		snprintf(err, errsz, "namespace_options.pid: unknown mode %d", (int)o->pid);
		return -EINVAL;
	}
	if (o->pid == RUNTIME__V1__NAMESPACE_MODE__TARGET && !o->target_id[0]) {
		snprintf(err, errsz, "namespace_options.pid: TARGET needs target_id");
		return -EINVAL;
	}
	return 0;
}

/* Sysctls: only namespaced ones, only those the pod's own namespaces make safe, values
 * that cannot smuggle a second assignment (CVE-2022-0811). */
static int
check_sysctls(const Runtime__V1__PodSandboxConfig *c, char *err, size_t errsz)
{
	if (!c->linux)
		return 0;
	const Runtime__V1__NamespaceOption *o = ns_opts(c);
	int host_net = o && o->network == RUNTIME__V1__NAMESPACE_MODE__NODE;
	int host_ipc = o && o->ipc == RUNTIME__V1__NAMESPACE_MODE__NODE;
	/* The UTS namespace follows the network one, as in Kubernetes. */
	unsigned ns = (host_net ? 0u : (unsigned)VALIDATE_NS_NET | (unsigned)VALIDATE_NS_UTS) |
		      (host_ipc ? 0u : (unsigned)VALIDATE_NS_IPC);
	if (c->linux->n_sysctls > POD_NS_MAX_SYSCTLS) {
		snprintf(err, errsz, "config.linux.sysctls: at most %d", POD_NS_MAX_SYSCTLS);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->linux->n_sysctls; i++) {
		struct policy_error pe;
		const Runtime__V1__LinuxPodSandboxConfig__SysctlsEntry *e = c->linux->sysctls[i];
		if (validate_sysctl(e->key, strlen(e->key), e->value, strlen(e->value), ns, &pe) <
		    0) {
			snprintf(err, errsz, "config.linux.sysctls: %s", pe.message);
			return -EINVAL;
		}
	}
	return 0;
}

static int
check_linux(const Runtime__V1__PodSandboxConfig *c, enum cgroup_driver driver, char *err,
	    size_t errsz)
{
	int r = check_namespaces(c, err, errsz);
	if (r == 0)
		r = check_sysctls(c, err, errsz);
	if (r == 0 && c->linux && c->linux->cgroup_parent[0]) {
		struct policy_error pe;
		enum validate_cgroup_style st = driver == CGROUP_DRIVER_SYSTEMD
						    ? VALIDATE_CGROUP_SYSTEMD
						    : VALIDATE_CGROUP_CGROUPFS;
		const char *cp = c->linux->cgroup_parent;
		if (validate_cgroup_parent(cp, strlen(cp), st, &pe) < 0) {
			snprintf(err, errsz, "config.linux.cgroup_parent: %s", pe.message);
			return -EINVAL;
		}
	}
	return r;
}

int
pod_validate(const struct crisp *cr, const Runtime__V1__RunPodSandboxRequest *req, char *err,
	     size_t errsz)
{
	const Runtime__V1__PodSandboxConfig *c = req->config;
	if (!c) {
		snprintf(err, errsz, "config is required");
		return -EINVAL;
	}
	int r = check_metadata(c, err, errsz);
	if (r == 0 && c->hostname[0])
		r = pod_files_check_hostname(c->hostname, err, errsz);
	if (r == 0)
		r = check_log_dir(c->log_directory, err, errsz);
	if (r == 0)
		r = pod_files_check_dns(c->dns_config, err, errsz);
	if (r == 0)
		r = check_ports(c, err, errsz);
	if (r == 0)
		r = check_maps(c, err, errsz);
	if (r < 0)
		return r;
	const struct config *cfg = crisp_config_lock((struct crisp *)(uintptr_t)cr);
	r = check_linux(c, cfg->cgroup_driver, err, errsz);
	const struct config_runtime *rt = config_find_runtime(cfg, req->runtime_handler);
	if (r == 0 && !rt)
		snprintf(err, errsz,
			 "runtime_handler \"%.64s\" is not configured (see [runtime.<name>] "
			 "in the crisp config)",
			 req->runtime_handler);
	crisp_config_unlock((struct crisp *)(uintptr_t)cr, cfg);
	return r < 0 ? r : rt ? 0 : -EINVAL;
}
