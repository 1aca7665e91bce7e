/* SPDX-License-Identifier: Apache-2.0 */
/* The infra process of a pod with a shared PID namespace: crisp-pause run by the pod's OCI
 * runtime in a rootfs crisp makes itself (no pause image is pulled), joined to the pod's
 * pinned namespaces. Its PID namespace is the one the pod's containers join.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_INFRA_H
#define CRISP_DAEMON_INFRA_H

#include <stddef.h>

struct crisp;
struct config;
struct pod;

/* Write the bundle under <run_dir>/infra and start it detached; sets pod->infra_pid.
 * On failure nothing of it is left running (the caller's teardown removes the files). */
int infra_start(struct crisp *cr, const struct config *cfg, struct pod *pod, char *err,
		size_t errsz);

/* Kill and delete the infra container (idempotent: a missing one is success). */
int infra_stop(struct crisp *cr, const struct config *cfg, struct pod *pod, char *err,
	       size_t errsz);

#endif
