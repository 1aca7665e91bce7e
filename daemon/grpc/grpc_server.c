/* SPDX-License-Identifier: Apache-2.0 */
/* gRPC over HTTP/2 with nghttp2: connections, streams, calls and the event loop.
 * The loop thread owns every nghttp2 session (nghttp2 is not thread-safe); workers run
 * handlers and post results through a completion queue plus an eventfd (PROTOCOLS.md A.2).
 * runs in: daemon/privileged. Listener and event loop live in grpc_loop.c, the worker
 * pool and call API in grpc_call.c. */
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/grpc/grpc_internal.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

/* ---- responses (loop thread) ---------------------------------------------------------- */

#define NV(n, v)                                                                                   \
	{                                                                                          \
		UNCONST(n), UNCONST(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE             \
	}

struct status_hdrs {
	char code[12];
	char msg[1024];
};

static size_t
status_nv(const struct grpc_call *call, struct status_hdrs *h, nghttp2_nv *nv)
{
	size_t n = 0;
	snprintf(h->code, sizeof(h->code), "%d", call->status);
	nv[n++] = (nghttp2_nv)NV("grpc-status", h->code);
	if (call->status != GRPC_STATUS_OK && call->msg) {
		grpc_wire_percent_encode(call->msg, h->msg, sizeof(h->msg));
		nv[n++] = (nghttp2_nv)NV("grpc-message", h->msg);
	}
	return n;
}

static void
log_result(const struct grpc_call *call)
{
	uint64_t ms = (now_ns() - call->start_ns) / 1000000u;
	if (call->status == GRPC_STATUS_OK) {
		log_debug(call->id, "%s OK %llums", call->path, (unsigned long long)ms);
		return;
	}
	char esc[4 * LOG_MAX_UNTRUSTED + 4];
	const char *m = call->msg ? call->msg : "";
	const char *en = call->errnum > 0 ? strerrorname_np(call->errnum) : NULL;
	log_info(call->id, "%s %s %llums: %s%s%s%s", call->path[0] ? call->path : "(no path)",
		 grpc_wire_status_name(call->status), (unsigned long long)ms,
		 log_escape(m, strlen(m), esc, sizeof(esc)), en ? " (" : "", en ? en : "",
		 en ? ")" : "");
}

/* Trailers-only response: one HEADERS frame with END_STREAM (PROTOCOLS.md A.2.9). */
static void
submit_trailers_only(struct grpc_call *call, const char *http_status)
{
	struct status_hdrs h = {0};
	nghttp2_nv nv[6];
	size_t n = 0;
	nv[n++] = (nghttp2_nv)NV(":status", http_status);
	nv[n++] = (nghttp2_nv)NV("content-type", "application/grpc");
	nv[n++] = (nghttp2_nv)NV("grpc-accept-encoding", "identity");
	n += status_nv(call, &h, nv + n);
	(void)nghttp2_submit_response(call->conn->h2, call->stream_id, nv, n, NULL);
	call->responded = 1;
	log_result(call);
}

static ssize_t
data_read_cb(nghttp2_session *h2, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
	     nghttp2_data_source *src, void *user)
{
	(void)user;
	struct grpc_call *call = src->ptr;
	pthread_mutex_lock(&call->mu);
	size_t avail = call->out_len - call->out_off;
	if (avail > 0) {
		size_t n = avail < len ? avail : len;
		memcpy(buf, call->out + call->out_off, n);
		call->out_off += n;
		if (call->out_off == call->out_len)
			call->out_off = call->out_len = 0;
		pthread_mutex_unlock(&call->mu);
		return (ssize_t)n;
	}
	if (!call->done) {
		pthread_mutex_unlock(&call->mu);
		call->deferred = 1;
		return NGHTTP2_ERR_DEFERRED;
	}
	pthread_mutex_unlock(&call->mu);
	*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
	struct status_hdrs h = {0};
	nghttp2_nv nv[2];
	size_t n = status_nv(call, &h, nv);
	(void)nghttp2_submit_trailer(h2, sid, nv, n);
	call->responded = 1;
	log_result(call);
	return 0;
}

/* Move whatever a worker produced onto the wire. Loop thread only; never inside an nghttp2
 * callback (it may flush the connection). */
void
call_pump(struct grpc_call *call)
{
	struct conn *c = call->conn;
	if (!c || call->responded)
		return;
	pthread_mutex_lock(&call->mu);
	int has_out = call->out_len > call->out_off;
	int done = call->done;
	pthread_mutex_unlock(&call->mu);
	if (!call->headers_sent) {
		if (done && !has_out) {
			submit_trailers_only(call, "200");
		} else if (has_out || done) {
			nghttp2_nv nv[3] = {
			    NV(":status", "200"),
			    NV("content-type", "application/grpc"),
			    NV("grpc-accept-encoding", "identity"),
			};
			nghttp2_data_provider prd = {.source.ptr = call,
						     .read_callback = data_read_cb};
			if (nghttp2_submit_response(c->h2, call->stream_id, nv, 3, &prd) == 0)
				call->headers_sent = 1;
		}
	} else if (call->deferred) {
		call->deferred = 0;
		(void)nghttp2_session_resume_data(c->h2, call->stream_id);
	}
	conn_flush(c);
}

/* Finish a call from the loop thread with an error, unless it already finished. */
void
call_fail(struct grpc_call *call, int code, const char *fmt, ...)
{
	pthread_mutex_lock(&call->mu);
	if (!call->done) {
		call->done = 1;
		call->status = code;
		free(call->msg);
		call->msg = NULL;
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&call->msg, fmt, ap) < 0)
			call->msg = NULL;
		va_end(ap);
		if (!call->headers_sent)
			call->out_len = call->out_off = 0; /* never half a unary reply */
	}
	call->cancelled = 1;
	pthread_cond_broadcast(&call->cv);
	pthread_mutex_unlock(&call->mu);
}

/* ---- requests (nghttp2 callbacks, loop thread) --------------------------------------- */

static struct grpc_call *
stream_call(nghttp2_session *h2, int32_t sid)
{
	return nghttp2_session_get_stream_user_data(h2, sid);
}

static int
on_begin_headers(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
	struct conn *c = user;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct grpc_call *call = call_new(c->srv);
	if (!call)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	call->stream_id = frame->hd.stream_id;
	call->conn = c;
	call->cnext = c->calls;
	if (c->calls)
		c->calls->cprev = call;
	c->calls = call;
	(void)nghttp2_session_set_stream_user_data(h2, frame->hd.stream_id, call);
	return 0;
}

static int
starts_with_grpc_ctype(const uint8_t *v, size_t len)
{
	static const char ct[] = "application/grpc";
	if (len < sizeof(ct) - 1 || memcmp(v, ct, sizeof(ct) - 1) != 0)
		return 0;
	return len == sizeof(ct) - 1 || v[sizeof(ct) - 1] == '+' || v[sizeof(ct) - 1] == ';';
}

static int
on_header(nghttp2_session *h2, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
	  const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
	(void)flags;
	(void)user;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* client trailers carry nothing gRPC needs */
	struct grpc_call *call = stream_call(h2, frame->hd.stream_id);
	if (!call)
		return 0;
	/* Without nghttp2's HTTP messaging checks, the header budget is ours to enforce. */
	call->header_bytes += namelen + valuelen + 32;
	if (call->header_bytes > GRPC_MAX_HEADER_LIST)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
#define IS(lit) (namelen == sizeof(lit) - 1 && memcmp(name, lit, namelen) == 0)
	if (IS(":method")) {
		call->method_post = valuelen == 4 && memcmp(value, "POST", 4) == 0;
	} else if (IS(":path")) {
		if (valuelen < sizeof(call->path)) {
			memcpy(call->path, value, valuelen);
			call->path[valuelen] = '\0';
			call->path_len = valuelen;
		} else {
			call->path_bad = 1;
		}
	} else if (IS("content-type")) {
		call->ctype_ok = starts_with_grpc_ctype(value, valuelen);
	} else if (IS("grpc-timeout")) {
		uint64_t ns;
		if (grpc_wire_parse_timeout((const char *)value, valuelen, &ns) < 0)
			call->timeout_bad = 1;
		else
			call->timeout_ns = ns;
	}
#undef IS
	return 0;
}

static const struct method *
find_method(const struct grpc_server *s, const char *path)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (strcmp(s->methods[i].path, path) == 0)
			return &s->methods[i];
	return NULL;
}

/* The request head is complete: check what nghttp2 no longer checks for us (A.2.5). */
static void
request_head_done(struct grpc_call *call)
{
	const char *svc, *meth;
	size_t sl, ml;
	if (call->timeout_ns) {
		uint64_t cap = GRPC_MAX_TIMEOUT_MS * 1000000ull;
		call->deadline_ns =
		    call->start_ns + (call->timeout_ns < cap ? call->timeout_ns : cap);
	}
	if (!call->method_post)
		call_fail(call, GRPC_STATUS_UNIMPLEMENTED, "gRPC needs :method POST");
	else if (!call->ctype_ok)
		call_fail(call, GRPC_STATUS_UNIMPLEMENTED, "content-type must be application/grpc");
	else if (call->path_bad ||
		 grpc_wire_split_path(call->path, call->path_len, &svc, &sl, &meth, &ml) < 0)
		call_fail(call, GRPC_STATUS_UNIMPLEMENTED,
			  "malformed :path (want /package.Service/Method)");
	else if (call->timeout_bad)
		call_fail(call, GRPC_STATUS_INTERNAL, "malformed grpc-timeout header");
	else if (!(call->m = find_method(call->srv, call->path)))
		call_fail(call, GRPC_STATUS_UNIMPLEMENTED, "unknown method %s", call->path);
	else if (!call->m->fn)
		call_fail(call, GRPC_STATUS_UNIMPLEMENTED, "%s is not implemented by crisp yet",
			  call->path);
	if (call->done) {
		if (!call->ctype_ok && call->method_post)
			submit_trailers_only(call, "415");
		else
			submit_trailers_only(call, "200");
	}
}

static void
request_body_done(struct grpc_call *call)
{
	struct grpc_wire_msg msg;
	if (call->responded)
		return;
	int r = grpc_wire_parse_unary(call->req, call->req_len, GRPC_MAX_MESSAGE, &msg);
	if (r == 0 && call_dispatch(call, msg.data, msg.len) == 0)
		return; /* a worker owns the outcome now; never look at call->done here */
	if (r == -ENOTSUP)
		call_fail(call, GRPC_STATUS_UNIMPLEMENTED,
			  "compressed requests are not supported (grpc-accept-encoding: identity)");
	else if (r == -EMSGSIZE)
		call_fail(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
			  "request message larger than %u bytes", GRPC_MAX_MESSAGE);
	else if (r < 0)
		call_fail(call, GRPC_STATUS_INTERNAL,
			  "malformed gRPC framing: a unary request must carry exactly one message");
	else
		call_fail(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
			  "crispd is overloaded: %u calls are already queued",
			  GRPC_MAX_QUEUED_CALLS);
	submit_trailers_only(call, "200");
}

static int
on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
	(void)user;
	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	struct grpc_call *call = stream_call(h2, frame->hd.stream_id);
	if (!call || call->responded)
		return 0;
	if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
		request_head_done(call);
	if (!call->responded && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		request_body_done(call);
	return 0;
}

static int
on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t sid, const uint8_t *data, size_t len,
	      void *user)
{
	(void)flags;
	(void)user;
	struct grpc_call *call = stream_call(h2, sid);
	if (!call || call->responded)
		return 0; /* discarded; nghttp2 still returns the flow-control credit */
	size_t need;
	if (__builtin_add_overflow(call->req_len, len, &need) ||
	    need > (size_t)GRPC_MAX_MESSAGE + GRPC_WIRE_PREFIX) {
		call_fail(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
			  "request message larger than %u bytes", GRPC_MAX_MESSAGE);
		submit_trailers_only(call, "200");
		free(call->req);
		call->req = NULL;
		call->req_len = call->req_cap = 0;
		return 0;
	}
	if (need > call->req_cap) {
		size_t cap = call->req_cap ? call->req_cap : 256;
		while (cap < need)
			cap *= 2;
		uint8_t *n = realloc(call->req, cap);
		if (!n)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		call->req = n;
		call->req_cap = cap;
	}
	memcpy(call->req + call->req_len, data, len);
	call->req_len = need;
	return 0;
}

/* Unlink a call from its connection: the stream is gone, so the handler is cancelled. */
void
call_detach(struct grpc_call *call)
{
	struct conn *c = call->conn;
	if (!c)
		return;
	if (call->cprev)
		call->cprev->cnext = call->cnext;
	else
		c->calls = call->cnext;
	if (call->cnext)
		call->cnext->cprev = call->cprev;
	call->cprev = call->cnext = NULL;
	call->conn = NULL;
	pthread_mutex_lock(&call->mu);
	call->cancelled = 1;
	pthread_cond_broadcast(&call->cv);
	pthread_mutex_unlock(&call->mu);
	call_unref(call);
}

static int
on_stream_close(nghttp2_session *h2, int32_t sid, uint32_t error_code, void *user)
{
	(void)user;
	struct grpc_call *call = stream_call(h2, sid);
	if (!call)
		return 0;
	if (!call->responded && error_code != NGHTTP2_NO_ERROR)
		log_debug(call->id, "%s cancelled by the client (RST_STREAM %u)", call->path,
			  error_code);
	(void)nghttp2_session_set_stream_user_data(h2, sid, NULL);
	call_detach(call);
	return 0;
}

static ssize_t
send_cb(nghttp2_session *h2, const uint8_t *data, size_t len, int flags, void *user)
{
	(void)h2;
	(void)flags;
	struct conn *c = user;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		c->write_blocked = 1;
		return NGHTTP2_ERR_WOULDBLOCK;
	}
	return NGHTTP2_ERR_CALLBACK_FAILURE;
}

int
h2_callbacks_new(nghttp2_session_callbacks **ret_cbs, nghttp2_option **ret_opt)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return -ENOMEM;
	nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cbs);
		return -ENOMEM;
	}
	/* grpc-go before the 2024 cri-client fix sends ":authority: /path/to.sock", which
	 * nghttp2's HTTP messaging checks reject (PROTOCOLS.md A.3); request_head_done() does
	 * the checks gRPC needs instead. HPACK and frame-level checks stay on. */
	nghttp2_option_set_no_http_messaging(opt, 1);
	*ret_cbs = cbs;
	*ret_opt = opt;
	return 0;
}

/* ---- connections (loop thread) -------------------------------------------------------- */

static void
conn_update_events(struct conn *c)
{
	uint32_t mask = EPOLLIN | (c->write_blocked ? (uint32_t)EPOLLOUT : 0u);
	if (mask == c->epoll_mask)
		return;
	struct epoll_event ev = {.events = mask, .data.ptr = &c->ev};
	if (epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->epoll_mask = mask;
	else
		c->dead = 1;
}

void
conn_flush(struct conn *c)
{
	if (c->dead)
		return;
	c->write_blocked = 0;
	if (nghttp2_session_send(c->h2) != 0) {
		c->dead = 1;
		return;
	}
	if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2)) {
		c->dead = 1;
		return;
	}
	conn_update_events(c);
}

int
conn_open(struct grpc_server *s, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		(void)close(fd);
		return -ENOMEM;
	}
	c->ev.kind = EV_CONN;
	c->fd = fd;
	c->srv = s;
	if (nghttp2_session_server_new2(&c->h2, s->cbs, c, s->opt) != 0) {
		(void)close(fd);
		free(c);
		return -ENOMEM;
	}
	nghttp2_settings_entry iv[] = {
	    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, GRPC_MAX_CONCURRENT_STREAMS},
	    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 20},
	    {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, GRPC_MAX_HEADER_LIST},
	};
	(void)nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, ELEMENTSOF(iv));
	(void)nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, 16 << 20);
	c->epoll_mask = EPOLLIN;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &c->ev};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		nghttp2_session_del(c->h2);
		(void)close(fd);
		free(c);
		return -errno;
	}
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->n_conns++;
	if (s->stopping)
		(void)nghttp2_submit_shutdown_notice(c->h2);
	conn_flush(c);
	return 0;
}

void
conn_close(struct conn *c)
{
	struct grpc_server *s = c->srv;
	while (c->calls) {
		struct grpc_call *call = c->calls;
		(void)nghttp2_session_set_stream_user_data(c->h2, call->stream_id, NULL);
		call_detach(call);
	}
	nghttp2_session_del(c->h2);
	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	(void)close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	free(c);
}

void
conn_on_event(struct conn *c, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		uint8_t buf[64 * 1024];
		for (;;) {
			ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0) {
				if (nghttp2_session_mem_recv(c->h2, buf, (size_t)n) < 0) {
					c->dead = 1;
					break;
				}
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n < 0 && errno == EINTR)
				continue;
			c->dead = 1; /* EOF or error: the client is gone */
			break;
		}
	}
	conn_flush(c);
}
