/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by grpc_server.c (HTTP/2), grpc_call.c (calls, workers) and grpc_loop.c
 * (listener, event loop). Not for use outside the gRPC layer.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_GRPC_INTERNAL_H
#define CRISP_DAEMON_GRPC_INTERNAL_H

#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/grpc/grpc_server.h"

struct method {
	char *path; /* "/runtime.v1.RuntimeService/Version" */
	const ProtobufCMethodDescriptor *desc;
	grpc_method_fn fn; /* NULL: known, not implemented yet */
	enum grpc_method_kind kind;
};

enum ev_kind {
	EV_LISTEN,
	EV_WAKE,
	EV_EXTRA,
	EV_CONN,
};

struct ev {
	enum ev_kind kind;
};

struct conn {
	struct ev ev; /* first: epoll data points here */
	int fd;
	nghttp2_session *h2;
	struct grpc_server *srv;
	struct grpc_call *calls; /* open streams */
	struct conn *prev, *next;
	uint32_t epoll_mask;
	int write_blocked;
	int dead;
};

struct grpc_call {
	atomic_int refs;
	struct grpc_server *srv;
	uint64_t id;
	uint64_t start_ns;
	const struct method *m;
	char path[256];
	size_t path_len;

	/* loop thread only */
	struct conn *conn; /* NULL once the stream or connection is gone */
	struct grpc_call *cprev, *cnext;
	int32_t stream_id;
	size_t header_bytes;
	uint64_t timeout_ns;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC, 0 = none */
	uint8_t *req;
	size_t req_len, req_cap;
	unsigned method_post : 1, ctype_ok : 1, path_bad : 1, timeout_bad : 1;
	unsigned headers_sent : 1, responded : 1, deferred : 1, dispatched : 1;
	unsigned deadline_fired : 1;

	/* worker input, set before dispatch */
	const uint8_t *req_msg;
	size_t req_msg_len;
	struct grpc_call *wq_next;

	/* shared, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *out; /* framed response bytes not yet handed to nghttp2 */
	size_t out_len, out_off;
	int done;
	int status;
	char *msg;
	int errnum; /* positive errno of the handler's error (grpc_call_fail), for the log */
	int cancelled;
	int on_cq;
	unsigned sends;
	struct grpc_call *cq_next;
};

struct grpc_server {
	void *userdata;
	struct method *methods;
	size_t n_methods;
	int listen_fd, epfd, wake_fd, lock_fd;
	char *sock_path;
	dev_t sock_dev;
	ino_t sock_ino;
	struct conn *conns;
	unsigned n_conns;
	atomic_uint_fast64_t next_id;
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	int stopping;

	pthread_mutex_t cq_mu;
	struct grpc_call *cq_head, *cq_tail;

	pthread_mutex_t wq_mu;
	pthread_cond_t wq_cv, gone_cv;
	struct grpc_call *wq_head, *wq_tail;
	unsigned wq_len, n_workers, n_idle;
	int workers_stop;
};

uint64_t now_ns(void);

/* grpc_server.c */
int h2_callbacks_new(nghttp2_session_callbacks **ret_cbs, nghttp2_option **ret_opt);
int conn_open(struct grpc_server *s, int fd);
void conn_close(struct conn *c);
void conn_flush(struct conn *c);
void conn_on_event(struct conn *c, uint32_t events);
void call_pump(struct grpc_call *call);
void call_detach(struct grpc_call *call);
void call_fail(struct grpc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* grpc_call.c */
struct grpc_call *call_new(struct grpc_server *s);
void call_unref(struct grpc_call *call);
/* Queue a call for a worker; msg points into call->req. Errors: -EBUSY queue full. */
int call_dispatch(struct grpc_call *call, const uint8_t *msg, size_t len);
/* Loop thread: drain the completion queue and push results to the wire. */
void calls_drain_completed(struct grpc_server *s);
/* Stop the pool: wait up to timeout_ms for workers to exit. Returns workers still alive. */
unsigned workers_stop(struct grpc_server *s, unsigned timeout_ms);

#endif
