/* SPDX-License-Identifier: Apache-2.0 */
/* Registers the CRI services: every method is known (unimplemented ones answer
 * UNIMPLEMENTED with their name), then each area binds the handlers it implements.
 * runs in: daemon/privileged. */
#include "cri/api.pb-c.h"
#include "daemon/containers/containers.h"
#include "daemon/crisp.h"
#include "daemon/images/images.h"
#include "daemon/pods/pods.h"
#include "daemon/stats/stats.h"
#include "parsers/base/macro.h"

const struct config *
crisp_config_lock(struct crisp *c)
{
	pthread_mutex_lock(&c->cfg_mu);
	struct config *cfg = c->cfg;
	cfg->refs++;
	pthread_mutex_unlock(&c->cfg_mu);
	return cfg;
}

void
crisp_config_unlock(struct crisp *c, const struct config *cfg)
{
	struct config *mut = UNCONST(cfg); /* only the count changes; it is cfg_mu's */
	pthread_mutex_lock(&c->cfg_mu);
	int last = --mut->refs == 0 && mut != c->cfg;
	pthread_mutex_unlock(&c->cfg_mu);
	if (last) /* swapped out by a reload while we used it */
		config_free(mut);
}

void
crisp_config_swap_take(struct crisp *c, struct config *n)
{
	pthread_mutex_lock(&c->cfg_mu);
	struct config *old = c->cfg;
	c->cfg = n;
	int unused = old->refs == 0;
	pthread_mutex_unlock(&c->cfg_mu);
	if (unused)
		config_free(old);
}

static int
container_events_handler(struct grpc_call *call, const ProtobufCMessage *req, void *ud)
{
	(void)req;
	struct crisp *cr = ud;
	return events_serve(cr->events, call);
}

int
services_register(struct grpc_server *s)
{
	int r = grpc_server_add_service(s, &runtime__v1__runtime_service__descriptor);
	if (r < 0)
		return r;
	r = grpc_server_add_service(s, &runtime__v1__image_service__descriptor);
	if (r < 0)
		return r;
	r = grpc_server_handle(s, &runtime__v1__runtime_service__descriptor, "GetContainerEvents",
			       GRPC_METHOD_SERVER_STREAM, container_events_handler);
	if (r < 0)
		return r;
	r = pods_register(s);
	if (r == 0)
		r = images_register(s);
	if (r == 0)
		r = ctrs_register(s);
	if (r == 0)
		r = stats_register(s);
	if (r < 0)
		return r;
	return runtime_info_register(s);
}
