/* SPDX-License-Identifier: Apache-2.0 */
/* Pinned pod namespaces: net, ipc and uts created by a short-lived child and bind-mounted
 * under <runroot>/ns/<pod>/ so containers can join them by path and they outlive any process.
 * The child also sets the hostname, brings up loopback and writes the pod's sysctls inside
 * the new namespaces, before anything else can join them.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_POD_NS_H
#define CRISP_DAEMON_POD_NS_H

#include <stddef.h>

#include "parsers/base/limits.h"

struct pod_ns_sysctl {
	const char *name;  /* validated: dotted or slashed sysctl name */
	const char *value; /* validated: no newline, '+' or '=' smuggling */
};

struct pod_ns_opts {
	const char *dir; /* <runroot>/ns/<pod id>; created */
	int new_net, new_ipc, new_uts;
	const char *hostname; /* set in the new uts namespace; NULL = leave */
	const struct pod_ns_sysctl *sysctls;
	size_t n_sysctls;
};

/* Create and pin the requested namespaces. On failure nothing is left behind (no mount, no
 * file, no directory) and err names the step (and the sysctl) that failed. */
int pod_ns_create(const struct pod_ns_opts *o, char *err, size_t errsz);

/* Unpin (lazy unmount) and delete whatever of <dir>/{net,ipc,uts} exists, then dir itself.
 * Idempotent. Errors: -errno of the first step that failed for a reason other than absence. */
int pod_ns_remove(const char *dir);

/* Make <runroot>/ns a private mount point, so pins neither propagate into nor get copied by
 * other mount namespaces (which would keep a pod's network alive after remove). */
int pod_ns_prepare_root(const char *ns_root);

#endif
