/* SPDX-License-Identifier: Apache-2.0 */
/* CNI plugin invocation for pod networks (ADD, DEL) with Debian's containernetworking-plugins.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CNI_PLUGINS_H
#define CRISP_DAEMON_CNI_PLUGINS_H

#include <stddef.h>

#include "daemon/core/config.h"
#include "daemon/helpers/cni_call.h"
#include "daemon/helpers/helper_ctx.h"

struct cni_port {
	int host_port;
	int container_port;
	const char *protocol; /* "tcp", "udp" or "sctp" */
	const char *host_ip;  /* "" = any */
};

/* One pod's attachment (values validated by the caller: no ';' or '=' in names). */
struct cni_attach {
	const char *container_id; /* the pod sandbox id */
	const char *netns;        /* pinned netns path */
	const char *ifname;       /* "eth0" */
	const char *pod_name, *pod_namespace, *pod_uid;
	const struct cni_port *ports;
	size_t n_ports;
};

struct cni_ctx {
	const struct helper_ctx *helpers;
	const struct strv *bin_dirs;
	const struct cni_attach *attach;
	/* The request's deadline (CLOCK_MONOTONIC ns, 0 = none): each plugin gets what is left
	 * of it, capped by CNI_PLUGIN_TIMEOUT_MS, and is killed (its process group) at it. */
	uint64_t deadline_ns;
};

/* Name of the default network config file in dir (first in lexical order ending in .conf,
 * .conflist or .json). Errors: -ENOENT when there is none. */
int cni_find_conf(const char *dir, char **ret_name);

/* Read dir/name (capped) and parse it in crisp-helper-cni. */
int cni_load(const struct helper_ctx *h, const char *dir, const char *name,
	     struct cni_netconf **ret, char *err, size_t errsz);

/* ADD every plugin in order, each getting the previous result; the last result is returned.
 * On failure the caller runs cni_del() to release what the earlier plugins set up. */
int cni_add(const struct cni_ctx *c, const struct cni_netconf *net, struct cni_result **ret,
	    char *err, size_t errsz);

/* DEL every plugin in reverse order; goes on past failures and reports the first. */
int cni_del(const struct cni_ctx *c, const struct cni_netconf *net, const char *prev_result,
	    char *err, size_t errsz);

#endif
