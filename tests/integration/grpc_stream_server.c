/* SPDX-License-Identifier: Apache-2.0 */
/* Test server for the gRPC layer's server streaming: crispd's real gRPC engine and event bus
 * with a publisher thread that posts an event every INTERVAL_MS (container ids "c<N>" padded
 * to PAYLOAD bytes), so tests can watch many messages, flow control, deadlines and
 * cancellation on a stream before container lifecycle code exists.
 * runs in: test. Usage: grpc_stream_server SOCKET INTERVAL_MS PAYLOAD_BYTES */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cri/api.pb-c.h"
#include "daemon/containers/events.h"
#include "daemon/core/log.h"
#include "daemon/grpc/grpc_server.h"

struct ctx {
	struct events *bus;
	long interval_ms;
	size_t payload;
	volatile int stop;
};

static int
events_handler(struct grpc_call *call, const ProtobufCMessage *req, void *ud)
{
	(void)req;
	struct ctx *c = ud;
	log_info(grpc_call_id(call), "stream opened");
	int r = events_serve(c->bus, call);
	log_info(grpc_call_id(call), "stream closed status=%d cancelled=%d", r,
		 grpc_call_cancelled(call));
	return r;
}

static int
version_handler(struct grpc_call *call, const ProtobufCMessage *req, void *ud)
{
	(void)req;
	struct ctx *c = ud;
	Runtime__V1__VersionResponse v;
	runtime__v1__version_response__init(&v);
	char subs[32];
	snprintf(subs, sizeof(subs), "%zu", events_subscribers(c->bus));
	v.runtime_name = subs; /* tests read the subscriber count here */
	return grpc_call_send(call, &v.base) < 0 ? GRPC_STATUS_INTERNAL : GRPC_STATUS_OK;
}

static void *
publisher(void *arg)
{
	struct ctx *c = arg;
	char *id = malloc(c->payload + 32);
	if (!id)
		return NULL;
	for (unsigned long n = 0; !c->stop; n++) {
		int l = snprintf(id, 32, "c%lu", n);
		memset(id + l, 'x', c->payload > (size_t)l ? c->payload - (size_t)l : 0);
		id[c->payload > (size_t)l ? c->payload : (size_t)l] = '\0';
		Runtime__V1__ContainerEventResponse ev;
		runtime__v1__container_event_response__init(&ev);
		ev.container_id = id;
		ev.created_at = (int64_t)n;
		(void)events_publish(c->bus, &ev);
		struct timespec ts = {c->interval_ms / 1000, (c->interval_ms % 1000) * 1000000L};
		(void)nanosleep(&ts, NULL);
	}
	free(id);
	return NULL;
}

static int
on_signal(int fd, void *arg)
{
	(void)arg;
	struct signalfd_siginfo si;
	return read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si) ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s SOCKET INTERVAL_MS PAYLOAD_BYTES\n", argv[0]);
		return 2;
	}
	struct ctx c = {.bus = events_new()};
	c.interval_ms = strtol(argv[2], NULL, 10);
	c.payload = (size_t)strtoul(argv[3], NULL, 10);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	log_set_level(LOG_LEVEL_DEBUG);
	struct grpc_server *s = grpc_server_new(&c);
	const ProtobufCServiceDescriptor *svc = &runtime__v1__runtime_service__descriptor;
	char err[256];
	if (!s || !c.bus || grpc_server_add_service(s, svc) < 0 ||
	    grpc_server_handle(s, svc, "GetContainerEvents", GRPC_METHOD_SERVER_STREAM,
			       events_handler) < 0 ||
	    grpc_server_handle(s, svc, "Version", GRPC_METHOD_UNARY, version_handler) < 0 ||
	    grpc_server_listen(s, argv[1], err, sizeof(err)) < 0) {
		fprintf(stderr, "setup failed: %s\n", err);
		return 1;
	}
	pthread_t t;
	pthread_create(&t, NULL, publisher, &c);
	log_info(0, "stream server serving %s", argv[1]);
	int r = grpc_server_run(s, sfd, on_signal, NULL);
	c.stop = 1;
	pthread_join(t, NULL);
	grpc_server_free(s);
	events_free(c.bus);
	log_info(0, "stream server stopped");
	return r < 0 ? 1 : 0;
}
