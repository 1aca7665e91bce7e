/* SPDX-License-Identifier: Apache-2.0 */
/* Container event bus behind GetContainerEvents: publishers (container lifecycle code) post
 * events, every open GetContainerEvents stream gets each one, in order.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_EVENTS_H
#define CRISP_DAEMON_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "cri/api.pb-c.h"
#include "daemon/grpc/grpc_server.h"

struct events;

/* NULL only on ENOMEM. */
struct events *events_new(void);
struct events *events_free(struct events *b);

/* Post one event to every subscriber (packed once). A subscriber whose queue is already at
 * EVENTS_MAX_QUEUED is dropped (its stream ends with RESOURCE_EXHAUSTED): a stuck client
 * must not make crispd hold events without bound. Returns subscribers reached, or -errno. */
int events_publish(struct events *b, const Runtime__V1__ContainerEventResponse *ev);

/* Serve one GetContainerEvents stream until the client cancels, the server stops, or the
 * subscriber falls behind. Returns a gRPC status. */
int events_serve(struct events *b, struct grpc_call *call);

/* Number of open subscriptions (for tests and Status). */
size_t events_subscribers(struct events *b);

#endif
