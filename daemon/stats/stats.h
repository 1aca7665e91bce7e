/* SPDX-License-Identifier: Apache-2.0 */
/* The stats RPCs: ContainerStats, ListContainerStats, PodSandboxStats, ListPodSandboxStats.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_STATS_H
#define CRISP_DAEMON_STATS_H

#include "daemon/grpc/grpc_server.h"

/* Bind the stats handlers. */
int stats_register(struct grpc_server *s);

#endif
