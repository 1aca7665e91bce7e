/* SPDX-License-Identifier: Apache-2.0 */
/* crispd's shared state, handed to every gRPC handler as userdata.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CRISP_H
#define CRISP_DAEMON_CRISP_H

#include <pthread.h>

#include "daemon/containers/events.h"
#include "daemon/core/config.h"
#include "daemon/grpc/grpc_server.h"

struct crisp {
	/* The effective configuration, an immutable snapshot. Handlers take a reference to the
	 * current one (crisp_config_lock/unlock); SIGHUP swaps in a new one, and the old one is
	 * freed by whoever drops its last reference. cfg_mu guards the pointer and the counts
	 * and is never held across anything else: a reload never waits for a handler's slow
	 * work (a hung runtime, an ExecSync), and no handler waits for a reload (issue 13). */
	pthread_mutex_t cfg_mu;
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

/* A reference to the current configuration snapshot, stable until crisp_config_unlock(c,
 * that snapshot); it may outlive a reload. Never blocks behind slow work. */
const struct config *crisp_config_lock(struct crisp *c);
void crisp_config_unlock(struct crisp *c, const struct config *cfg);
/* Make n the current configuration (ownership passes to c); the old snapshot is freed now
 * if no handler holds it, else by its last crisp_config_unlock. */
void crisp_config_swap_take(struct crisp *c, struct config *n);

/* Register every CRI service with s and bind the handlers crisp implements. */
int services_register(struct grpc_server *s);

/* Handlers of the runtime-information RPCs (runtime_info.c). */
int runtime_info_register(struct grpc_server *s);

#endif
