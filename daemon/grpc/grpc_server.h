/* SPDX-License-Identifier: Apache-2.0 */
/* gRPC server over HTTP/2 (nghttp2) on a unix socket, with protobuf-c messages.
 * One event-loop thread owns every nghttp2 session; handlers run on a worker pool and hand
 * results back through an eventfd (PROTOCOLS.md A.2).
 * runs in: daemon/privileged; clients are root (socket mode 0600) but still untrusted input. */
#ifndef CRISP_DAEMON_GRPC_SERVER_H
#define CRISP_DAEMON_GRPC_SERVER_H

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "daemon/core/error.h"
#include "daemon/grpc/grpc_wire.h"

struct grpc_server;
struct grpc_call;

/* A method handler. Runs on a worker thread. A unary handler calls grpc_call_reply() once
 * and returns what it returns, or returns grpc_call_fail()/grpc_call_failf() (the one error
 * path: every failure a handler reports goes through it). A server-streaming handler sends any
 * number of messages, checks grpc_call_cancelled(), and returns the final status. req is freed
 * after return. */
typedef int (*grpc_method_fn)(struct grpc_call *call, const ProtobufCMessage *req, void *userdata);

enum grpc_method_kind {
	GRPC_METHOD_UNARY,
	GRPC_METHOD_SERVER_STREAM,
};

/* Create a server; userdata is handed to every handler. NULL only on ENOMEM. */
struct grpc_server *grpc_server_new(void *userdata);
struct grpc_server *grpc_server_free(struct grpc_server *s);

/* Make every method of svc known (so calls to it answer UNIMPLEMENTED with its name until a
 * handler is set), then bind handlers by method name. Errors: -ENOENT unknown method name,
 * -ENOMEM. */
int grpc_server_add_service(struct grpc_server *s, const ProtobufCServiceDescriptor *svc);
int grpc_server_handle(struct grpc_server *s, const ProtobufCServiceDescriptor *svc,
		       const char *method, enum grpc_method_kind kind, grpc_method_fn fn);

/* Listen on a unix socket path: created atomically with mode 0600 (bound under a temp name,
 * then renamed over the final one); a stale socket left by a dead crispd is replaced; a live
 * server on the path (or holding its lock) makes this fail with -EADDRINUSE and a message
 * in err. */
int grpc_server_listen(struct grpc_server *s, const char *path, char *err, size_t errsz);

/* Called on the loop thread when fd (from grpc_server_run) is readable; return 1 to stop. */
typedef int (*grpc_fd_fn)(int fd, void *arg);

/* Run the event loop until on_fd returns 1, then stop gracefully: GOAWAY to every client,
 * in-flight calls get GRPC_SHUTDOWN_GRACE_MS to finish, the socket is removed. */
int grpc_server_run(struct grpc_server *s, int extra_fd, grpc_fd_fn on_fd, void *arg);

/* ---- for handlers (worker threads) ---- */

/* Send one response message. Errors: -EMSGSIZE over GRPC_MAX_MESSAGE, -ECANCELED if the
 * call was cancelled, -ENOBUFS if a stream's unread backlog is over its cap, -ENOMEM. */
int grpc_call_send(struct grpc_call *call, const ProtobufCMessage *msg);

/* Same, for a message the caller packed already (e.g. one event sent to many streams). */
int grpc_call_send_packed(struct grpc_call *call, const uint8_t *buf, size_t len);

/* The one error path of every handler: e's status and message become the call's
 * grpc-status and grpc-message, and its errno goes into the call's one log line (written by
 * the transport when the status goes out: method, status, time, message, errno). Returns
 * e->status, for the handler to return. An unset e is a bug and answers INTERNAL. */
int grpc_call_fail(struct grpc_call *call, const struct error *e);

/* grpc_call_fail() of error_set(errnum, fmt, ...): the status from the errno table. */
int grpc_call_failf(struct grpc_call *call, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Send the one response of a unary handler. Returns GRPC_STATUS_OK, or fails the call
 * through grpc_call_fail() with the table's status for the send error (EMSGSIZE over
 * GRPC_MAX_MESSAGE is RESOURCE_EXHAUSTED, ECANCELED is CANCELLED). */
int grpc_call_reply(struct grpc_call *call, const ProtobufCMessage *msg);

/* Non-zero once the client cancelled (RST_STREAM), the deadline passed, the connection
 * closed or the server is stopping. */
int grpc_call_cancelled(struct grpc_call *call);

/* Sleep up to timeout_ms or until the call is cancelled; returns grpc_call_cancelled(). */
int grpc_call_wait(struct grpc_call *call, int timeout_ms);

/* Request id for logs, and the deadline in CLOCK_MONOTONIC nanoseconds (0 = none). */
uint64_t grpc_call_id(const struct grpc_call *call);
uint64_t grpc_call_deadline_ns(const struct grpc_call *call);
const char *grpc_call_method(const struct grpc_call *call);

#endif
