/* SPDX-License-Identifier: Apache-2.0 */
/* crispd's shared state, handed to every gRPC handler as userdata.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CRISP_H
#define CRISP_DAEMON_CRISP_H

#include <pthread.h>

#include "daemon/core/config.h"
#include "daemon/containers/events.h"
#include "daemon/grpc/grpc_server.h"

struct crisp {
	/* The effective configuration; SIGHUP swaps it under the write lock, handlers read
	 * it under the read lock (crisp_config_lock/unlock). */
	pthread_rwlock_t cfg_lock;
	struct config *cfg;
	const char *config_path; /* --config, or NULL for the default (optional) file */
	/* Directory of the crisp-helper-* binaries. */
	char *helper_dir;
	/* Pod sandboxes, images, containers. */
	struct pods *pods;
	struct images *images;
	struct ctrs *ctrs;
	/* GetContainerEvents subscribers; lifecycle code publishes here. */
	struct events *events;
	/* UpdateRuntimeConfig */
	pthread_mutex_t net_mu;
	char *pod_cidr;
};

const struct config *crisp_config_lock(struct crisp *c);
void crisp_config_unlock(struct crisp *c);

/* Register every CRI service with s and bind the handlers crisp implements. */
int services_register(struct grpc_server *s);

/* Handlers of the runtime-information RPCs (runtime_info.c). */
int runtime_info_register(struct grpc_server *s);

#endif
