/* SPDX-License-Identifier: Apache-2.0 */
/* gRPC server object: method table, the unix-socket listener (atomic creation, stale and
 * live socket detection) and the epoll event loop with deadlines and graceful stop.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/grpc/grpc_internal.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

struct grpc_server *
grpc_server_new(void *userdata)
{
	struct grpc_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->userdata = userdata;
	s->listen_fd = s->wake_fd = s->lock_fd = -EBADF;
	pthread_mutex_init(&s->cq_mu, NULL);
	pthread_mutex_init(&s->wq_mu, NULL);
	pthread_cond_init(&s->wq_cv, NULL);
	pthread_cond_init(&s->gone_cv, NULL);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->epfd < 0 || s->wake_fd < 0 || h2_callbacks_new(&s->cbs, &s->opt) < 0)
		return grpc_server_free(s);
	return s;
}

struct grpc_server *
grpc_server_free(struct grpc_server *s)
{
	if (!s)
		return NULL;
	while (s->conns)
		conn_close(s->conns);
	if (workers_stop(s, GRPC_SHUTDOWN_GRACE_MS) > 0) {
		/* A handler is stuck in a syscall; its thread still points at s. The process
		 * is exiting, so leaking s is the safe choice. */
		log_warn(0, "gRPC workers still busy at shutdown; not freeing server state");
		return NULL;
	}
	for (size_t i = 0; i < s->n_methods; i++)
		free(s->methods[i].path);
	free(s->methods);
	if (s->cbs)
		nghttp2_session_callbacks_del(s->cbs);
	if (s->opt)
		nghttp2_option_del(s->opt);
	closep(&s->listen_fd);
	closep(&s->wake_fd);
	closep(&s->lock_fd);
	closep(&s->epfd);
	free(s->sock_path);
	pthread_mutex_destroy(&s->cq_mu);
	pthread_mutex_destroy(&s->wq_mu);
	pthread_cond_destroy(&s->wq_cv);
	pthread_cond_destroy(&s->gone_cv);
	free(s);
	return NULL;
}

int
grpc_server_add_service(struct grpc_server *s, const ProtobufCServiceDescriptor *svc)
{
	struct method *n = realloc(s->methods, (s->n_methods + svc->n_methods) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->methods = n;
	for (unsigned i = 0; i < svc->n_methods; i++) {
		struct method *m = &s->methods[s->n_methods];
		*m = (struct method){.desc = &svc->methods[i]};
		if (asprintf(&m->path, "/%s/%s", svc->name, svc->methods[i].name) < 0)
			return -ENOMEM;
		s->n_methods++;
	}
	return 0;
}

int
grpc_server_handle(struct grpc_server *s, const ProtobufCServiceDescriptor *svc, const char *method,
		   enum grpc_method_kind kind, grpc_method_fn fn)
{
	char path[256];
	snprintf(path, sizeof(path), "/%s/%s", svc->name, method);
	for (size_t i = 0; i < s->n_methods; i++)
		if (strcmp(s->methods[i].path, path) == 0) {
			s->methods[i].fn = fn;
			s->methods[i].kind = kind;
			return 0;
		}
	return -ENOENT;
}

/* ---- listener ------------------------------------------------------------------------- */

static int
mkdir_parents(const char *path, mode_t mode)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* Is something answering on this unix socket path? 1 yes, 0 no (stale or absent). */
static int
socket_is_live(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

static int
take_lock(struct grpc_server *s, const char *path, char *err, size_t errsz)
{
	char lock[PATH_MAX];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	/* The lock is what makes two crispds on one socket impossible: it dies with its
	 * holder, so a crashed crispd never blocks the next start. */
	s->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s->lock_fd < 0) {
		snprintf(err, errsz, "cannot open lock file %s: %s", lock, strerror(errno));
		return -errno;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";
		ssize_t n = pread(s->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errsz,
			 "another crispd (pid %s) is already serving %s; stop it first or use "
			 "--listen with another path",
			 pid[0] ? pid : "?", path);
		return -EADDRINUSE;
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(s->lock_fd, 0) < 0 || pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
		log_warn(0, "cannot record pid in %s", lock);
	return 0;
}

int
grpc_server_listen(struct grpc_server *s, const char *path, char *err, size_t errsz)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char tmp[sizeof(sa.sun_path)];
	if (path[0] != '/' ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errsz,
			 "socket path %s is not absolute or is too long (max %zu bytes)", path,
			 sizeof(sa.sun_path) - 16);
		return -ENAMETOOLONG;
	}
	int r = mkdir_parents(path, 0700);
	if (r < 0) {
		snprintf(err, errsz, "cannot create the directory of %s: %s", path, strerror(-r));
		return r;
	}
	r = take_lock(s, path, err, errsz);
	if (r < 0)
		return r;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz,
				 "%s exists and is not a socket; refusing to replace it", path);
			return -EEXIST;
		}
		if (socket_is_live(path)) {
			snprintf(err, errsz,
				 "a server is answering on %s; refusing to take it over", path);
			return -EADDRINUSE;
		}
		log_info(0, "replacing stale socket %s", path);
	}
	/* Bind under a temporary name, restrict it to root, then rename it into place: the
	 * final path is never a socket that others could reach. */
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0)
		return -errno;
	(void)unlink(tmp);
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	if (bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(tmp, 0600) < 0 ||
	    listen(s->listen_fd, 512) < 0 || rename(tmp, path) < 0 || lstat(path, &st) < 0) {
		r = -errno;
		snprintf(err, errsz, "cannot listen on %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		return r;
	}
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	s->sock_path = strdup(path);
	return s->sock_path ? 0 : -ENOMEM;
}

/* Remove the socket only if it is still ours (a newer crispd may own the path). */
static void
unlink_socket(struct grpc_server *s)
{
	struct stat st;
	if (s->sock_path && lstat(s->sock_path, &st) == 0 && st.st_dev == s->sock_dev &&
	    st.st_ino == s->sock_ino)
		(void)unlink(s->sock_path);
}

/* ---- event loop ------------------------------------------------------------------------ */

static void
accept_all(struct grpc_server *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn(0, "accept on %s: %s", s->sock_path, strerror(errno));
			return;
		}
		if (s->n_conns >= GRPC_MAX_CONNECTIONS) {
			log_warn(0, "refusing a connection: %u connections open", s->n_conns);
			(void)close(fd);
			continue;
		}
		(void)conn_open(s, fd);
	}
}

/* Expire deadlines; returns the epoll timeout (ms) until the next one, or -1. */
static int
check_deadlines(struct grpc_server *s)
{
	uint64_t now = now_ns(), next = 0;
	for (struct conn *c = s->conns; c; c = c->next) {
		for (struct grpc_call *call = c->calls; call; call = call->cnext) {
			if (!call->deadline_ns || call->responded || call->deadline_fired)
				continue;
			if (call->deadline_ns <= now) {
				call->deadline_fired = 1;
				call_fail(call, GRPC_STATUS_DEADLINE_EXCEEDED,
					  "deadline exceeded after %llu ms",
					  (unsigned long long)((now - call->start_ns) / 1000000u));
				call_pump(call);
			} else if (!next || call->deadline_ns < next) {
				next = call->deadline_ns;
			}
		}
	}
	if (!next)
		return -1;
	uint64_t ms = (next - now + 999999u) / 1000000u;
	return ms > 60000 ? 60000 : (int)ms;
}

static void
reap_dead(struct grpc_server *s)
{
	struct conn *c = s->conns;
	while (c) {
		struct conn *next = c->next;
		if (c->dead)
			conn_close(c);
		c = next;
	}
}

static unsigned
calls_pending(struct grpc_server *s)
{
	unsigned n = 0;
	for (struct conn *c = s->conns; c; c = c->next)
		for (struct grpc_call *call = c->calls; call; call = call->cnext)
			n += !call->responded;
	return n;
}

/* Graceful stop, step 1: no new connections, GOAWAY notice to every client, and long-lived
 * server streams are told to end. */
static void
begin_stop(struct grpc_server *s)
{
	s->stopping = 1;
	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
	closep(&s->listen_fd);
	unlink_socket(s);
	for (struct conn *c = s->conns; c; c = c->next) {
		(void)nghttp2_submit_shutdown_notice(c->h2);
		for (struct grpc_call *call = c->calls; call; call = call->cnext) {
			if (!call->m || call->m->kind != GRPC_METHOD_SERVER_STREAM)
				continue;
			pthread_mutex_lock(&call->mu);
			call->cancelled = 1;
			pthread_cond_broadcast(&call->cv);
			pthread_mutex_unlock(&call->mu);
		}
		conn_flush(c);
	}
}

static void
finish_stop(struct grpc_server *s)
{
	for (struct conn *c = s->conns; c; c = c->next) {
		(void)nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
		conn_flush(c);
	}
	while (s->conns)
		conn_close(s->conns);
}

static int
loop_once(struct grpc_server *s, int timeout, int extra_fd, grpc_fd_fn on_fd, void *arg)
{
	struct epoll_event evs[64];
	int stop = 0;
	int n = epoll_wait(s->epfd, evs, (int)ELEMENTSOF(evs), timeout);
	if (n < 0 && errno != EINTR)
		return -errno;
	for (int i = 0; i < n; i++) {
		struct ev *e = evs[i].data.ptr;
		switch (e->kind) {
		case EV_LISTEN:
			accept_all(s);
			break;
		case EV_WAKE:
			calls_drain_completed(s);
			break;
		case EV_EXTRA:
			if (on_fd(extra_fd, arg) == 1)
				stop = 1;
			break;
		case EV_CONN:
			conn_on_event((struct conn *)(void *)e, evs[i].events);
			break;
		}
	}
	reap_dead(s);
	return stop;
}

int
grpc_server_run(struct grpc_server *s, int extra_fd, grpc_fd_fn on_fd, void *arg)
{
	static struct ev ev_listen = {EV_LISTEN}, ev_wake = {EV_WAKE}, ev_extra = {EV_EXTRA};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ev_listen};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0)
		return -errno;
	ev.data.ptr = &ev_wake;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wake_fd, &ev) < 0)
		return -errno;
	ev.data.ptr = &ev_extra;
	if (extra_fd >= 0 && epoll_ctl(s->epfd, EPOLL_CTL_ADD, extra_fd, &ev) < 0)
		return -errno;
	uint64_t stop_at = 0;
	for (;;) {
		int timeout = check_deadlines(s);
		if (s->stopping) {
			uint64_t now = now_ns();
			if (calls_pending(s) == 0 || now >= stop_at)
				break;
			int left = (int)((stop_at - now) / 1000000u) + 1;
			timeout = timeout < 0 || timeout > 50 ? 50 : timeout;
			timeout = timeout > left ? left : timeout;
		}
		int r = loop_once(s, timeout, extra_fd, on_fd, arg);
		if (r < 0)
			return r;
		if (r == 1 && !s->stopping) {
			log_info(0, "stopping: GOAWAY sent, waiting up to %u ms for %u calls",
				 GRPC_SHUTDOWN_GRACE_MS, calls_pending(s));
			begin_stop(s);
			stop_at = now_ns() + GRPC_SHUTDOWN_GRACE_MS * 1000000ull;
		}
	}
	finish_stop(s);
	return 0;
}
