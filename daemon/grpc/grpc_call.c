/* SPDX-License-Identifier: Apache-2.0 */
/* gRPC calls: reference counting, the worker pool that runs handlers, and the handler-side
 * API (send, error, cancellation). Workers never touch nghttp2: they fill call->out and
 * post the call on the completion queue, and the loop thread writes it out.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/grpc/grpc_internal.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"

uint64_t
now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct grpc_call *
call_new(struct grpc_server *s)
{
	struct grpc_call *call = calloc(1, sizeof(*call));
	if (!call)
		return NULL;
	atomic_init(&call->refs, 1);
	call->srv = s;
	call->id = atomic_fetch_add(&s->next_id, 1) + 1;
	call->start_ns = now_ns();
	pthread_mutex_init(&call->mu, NULL);
	pthread_cond_init(&call->cv, NULL);
	return call;
}

void
call_unref(struct grpc_call *call)
{
	if (!call || atomic_fetch_sub(&call->refs, 1) != 1)
		return;
	free(call->req);
	free(call->out);
	free(call->msg);
	pthread_mutex_destroy(&call->mu);
	pthread_cond_destroy(&call->cv);
	free(call);
}

/* Put a call on the completion queue (once) so the loop thread pumps it. */
static void
call_notify(struct grpc_call *call)
{
	pthread_mutex_lock(&call->mu);
	int need = !call->on_cq;
	call->on_cq = 1;
	pthread_mutex_unlock(&call->mu);
	if (!need)
		return;
	struct grpc_server *s = call->srv;
	atomic_fetch_add(&call->refs, 1);
	pthread_mutex_lock(&s->cq_mu);
	call->cq_next = NULL;
	if (s->cq_tail)
		s->cq_tail->cq_next = call;
	else
		s->cq_head = call;
	s->cq_tail = call;
	pthread_mutex_unlock(&s->cq_mu);
	uint64_t one = 1;
	(void)!write(s->wake_fd, &one, sizeof(one));
}

void
calls_drain_completed(struct grpc_server *s)
{
	uint64_t v;
	(void)!read(s->wake_fd, &v, sizeof(v));
	pthread_mutex_lock(&s->cq_mu);
	struct grpc_call *list = s->cq_head;
	s->cq_head = s->cq_tail = NULL;
	pthread_mutex_unlock(&s->cq_mu);
	while (list) {
		struct grpc_call *call = list;
		list = call->cq_next;
		pthread_mutex_lock(&call->mu);
		call->on_cq = 0;
		pthread_mutex_unlock(&call->mu);
		call_pump(call);
		call_unref(call);
	}
}

/* ---- running a call on a worker ------------------------------------------------------ */

static void
call_finish(struct grpc_call *call, int status)
{
	pthread_mutex_lock(&call->mu);
	if (!call->done) {
		if (status == GRPC_STATUS_OK && call->m->kind == GRPC_METHOD_UNARY &&
		    call->sends != 1) {
			status = GRPC_STATUS_INTERNAL;
			free(call->msg); /* not done yet: only this worker writes msg */
			call->msg = strdup("handler returned OK without exactly one response");
		}
		call->done = 1;
		call->status = status;
	}
	pthread_mutex_unlock(&call->mu);
	call_notify(call);
}

static void
call_run(struct grpc_call *call)
{
	if (grpc_call_cancelled(call)) {
		call_finish(call, GRPC_STATUS_CANCELLED);
		return;
	}
	struct budget b = {.left = GRPC_MAX_UNPACK_BYTES};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	ProtobufCMessage *req =
	    protobuf_c_message_unpack(call->m->desc->input, &a, call->req_msg_len, call->req_msg);
	if (!req) {
		int st = grpc_call_failf(call, EINVAL,
					 "cannot decode the %s request: malformed protobuf or over "
					 "the %u-byte decode budget",
					 call->m->desc->input->name, GRPC_MAX_UNPACK_BYTES);
		call_finish(call, st);
		return;
	}
	int status = call->m->fn(call, req, call->srv->userdata);
	protobuf_c_message_free_unpacked(req, &a);
	if (status < 0 || status >= GRPC_STATUS_COUNT)
		status = GRPC_STATUS_INTERNAL;
	call_finish(call, status);
}

static void *
worker_main(void *arg)
{
	struct grpc_server *s = arg;
	pthread_mutex_lock(&s->wq_mu);
	for (;;) {
		while (!s->wq_head && !s->workers_stop) {
			struct timespec ts;
			(void)clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += GRPC_WORKER_IDLE_MS / 1000;
			s->n_idle++;
			int r = pthread_cond_timedwait(&s->wq_cv, &s->wq_mu, &ts);
			s->n_idle--;
			if (r == ETIMEDOUT && !s->wq_head && s->n_workers > GRPC_MIN_WORKERS)
				goto out;
		}
		if (!s->wq_head)
			break;
		struct grpc_call *call = s->wq_head;
		s->wq_head = call->wq_next;
		if (!s->wq_head)
			s->wq_tail = NULL;
		s->wq_len--;
		pthread_mutex_unlock(&s->wq_mu);
		call_run(call);
		call_unref(call);
		pthread_mutex_lock(&s->wq_mu);
	}
out:
	s->n_workers--;
	pthread_cond_broadcast(&s->gone_cv);
	pthread_mutex_unlock(&s->wq_mu);
	return NULL;
}

/* Called with wq_mu held: start a worker when none is idle, up to GRPC_MAX_WORKERS, so a
 * slow handler never holds up the others while there is room. */
static void
maybe_spawn_worker(struct grpc_server *s)
{
	if (s->n_idle >= s->wq_len || s->n_workers >= GRPC_MAX_WORKERS)
		return;
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, worker_main, s) == 0)
		s->n_workers++;
	else if (s->n_workers == 0)
		log_error(0, "cannot start a gRPC worker thread: %s", strerror(errno));
	pthread_attr_destroy(&attr);
}

int
call_dispatch(struct grpc_call *call, const uint8_t *msg, size_t len)
{
	struct grpc_server *s = call->srv;
	call->req_msg = msg;
	call->req_msg_len = len;
	pthread_mutex_lock(&s->wq_mu);
	if (s->wq_len >= GRPC_MAX_QUEUED_CALLS) {
		pthread_mutex_unlock(&s->wq_mu);
		return -EBUSY;
	}
	call->dispatched = 1;
	atomic_fetch_add(&call->refs, 1);
	call->wq_next = NULL;
	if (s->wq_tail)
		s->wq_tail->wq_next = call;
	else
		s->wq_head = call;
	s->wq_tail = call;
	s->wq_len++;
	maybe_spawn_worker(s);
	pthread_cond_signal(&s->wq_cv);
	pthread_mutex_unlock(&s->wq_mu);
	return 0;
}

unsigned
workers_stop(struct grpc_server *s, unsigned timeout_ms)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->wq_mu);
	s->workers_stop = 1;
	pthread_cond_broadcast(&s->wq_cv);
	while (s->n_workers > 0)
		if (pthread_cond_timedwait(&s->gone_cv, &s->wq_mu, &ts) == ETIMEDOUT)
			break;
	unsigned left = s->n_workers;
	pthread_mutex_unlock(&s->wq_mu);
	return left;
}

/* ---- handler API ----------------------------------------------------------------------- */

/* Append one framed message (prefix + len bytes written by fill) to call->out. */
static int
call_append(struct grpc_call *call, size_t n, void (*fill)(uint8_t *dst, const void *src),
	    const void *src)
{
	if (n > GRPC_MAX_MESSAGE)
		return -EMSGSIZE;
	size_t need = n + GRPC_WIRE_PREFIX;
	pthread_mutex_lock(&call->mu);
	if (call->cancelled || call->done) {
		pthread_mutex_unlock(&call->mu);
		return -ECANCELED;
	}
	if (call->out_len - call->out_off + need > GRPC_MAX_STREAM_BACKLOG) {
		pthread_mutex_unlock(&call->mu);
		return -ENOBUFS;
	}
	if (call->out_off > 0 && call->out_off == call->out_len)
		call->out_off = call->out_len = 0;
	uint8_t *nb = realloc(call->out, call->out_len + need);
	if (!nb) {
		pthread_mutex_unlock(&call->mu);
		return -ENOMEM;
	}
	call->out = nb;
	grpc_wire_put_prefix(nb + call->out_len, (uint32_t)n);
	fill(nb + call->out_len + GRPC_WIRE_PREFIX, src);
	call->out_len += need;
	call->sends++;
	pthread_mutex_unlock(&call->mu);
	call_notify(call);
	return 0;
}

static void
fill_pack(uint8_t *dst, const void *src)
{
	(void)protobuf_c_message_pack(src, dst);
}

int
grpc_call_send(struct grpc_call *call, const ProtobufCMessage *msg)
{
	return call_append(call, protobuf_c_message_get_packed_size(msg), fill_pack, msg);
}

struct packed {
	const uint8_t *buf;
	size_t len;
};

static void
fill_copy(uint8_t *dst, const void *src)
{
	const struct packed *p = src;
	memcpy(dst, p->buf, p->len);
}

int
grpc_call_send_packed(struct grpc_call *call, const uint8_t *buf, size_t len)
{
	struct packed p = {buf, len};
	return call_append(call, len, fill_copy, &p);
}

/* enum error_status (core/) and enum grpc_status (the transport) are one numbering. */
#define SAME_CODE(x) _Static_assert((int)ERROR_STATUS_##x == (int)GRPC_STATUS_##x, #x)
SAME_CODE(OK);
SAME_CODE(CANCELLED);
SAME_CODE(UNKNOWN);
SAME_CODE(INVALID_ARGUMENT);
SAME_CODE(DEADLINE_EXCEEDED);
SAME_CODE(NOT_FOUND);
SAME_CODE(ALREADY_EXISTS);
SAME_CODE(PERMISSION_DENIED);
SAME_CODE(RESOURCE_EXHAUSTED);
SAME_CODE(FAILED_PRECONDITION);
SAME_CODE(ABORTED);
SAME_CODE(OUT_OF_RANGE);
SAME_CODE(UNIMPLEMENTED);
SAME_CODE(INTERNAL);
SAME_CODE(UNAVAILABLE);
SAME_CODE(DATA_LOSS);
SAME_CODE(UNAUTHENTICATED);
SAME_CODE(COUNT);

int
grpc_call_fail(struct grpc_call *call, const struct error *e)
{
	int status = e->status;
	const char *msg = e->msg;
	if (e->errnum == 0 || status <= GRPC_STATUS_OK || status >= GRPC_STATUS_COUNT) {
		status = GRPC_STATUS_INTERNAL;
		msg = "handler failed without an error";
	}
	char *m = strdup(msg);
	pthread_mutex_lock(&call->mu);
	if (!call->done) { /* once done, the loop thread may be reading msg */
		free(call->msg);
		call->msg = m;
		call->errnum = e->errnum;
		m = NULL;
	}
	pthread_mutex_unlock(&call->mu);
	free(m);
	return status;
}

int
grpc_call_failf(struct grpc_call *call, int errnum, const char *fmt, ...)
{
	struct error e = {0};
	va_list ap;
	va_start(ap, fmt);
	(void)error_vset(&e, errnum, -1, ERROR_ORIGIN_REQUEST, fmt, ap);
	va_end(ap);
	return grpc_call_fail(call, &e);
}

int
grpc_call_reply(struct grpc_call *call, const ProtobufCMessage *msg)
{
	int r = grpc_call_send(call, msg);
	if (r == 0)
		return GRPC_STATUS_OK;
	return grpc_call_failf(call, r, "cannot send the %s response: %s", msg->descriptor->name,
			       strerror(-r));
}

int
grpc_call_cancelled(struct grpc_call *call)
{
	pthread_mutex_lock(&call->mu);
	int c = call->cancelled;
	pthread_mutex_unlock(&call->mu);
	return c;
}

int
grpc_call_wait(struct grpc_call *call, int timeout_ms)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&call->mu);
	while (!call->cancelled)
		if (pthread_cond_timedwait(&call->cv, &call->mu, &ts) == ETIMEDOUT)
			break;
	int c = call->cancelled;
	pthread_mutex_unlock(&call->mu);
	return c;
}

uint64_t
grpc_call_id(const struct grpc_call *call)
{
	return call->id;
}

uint64_t
grpc_call_deadline_ns(const struct grpc_call *call)
{
	return call->deadline_ns;
}

const char *
grpc_call_method(const struct grpc_call *call)
{
	return call->path;
}
