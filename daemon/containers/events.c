/* SPDX-License-Identifier: Apache-2.0 */
/* Container event bus and the GetContainerEvents server stream (see events.h).
 * runs in: daemon/privileged. */
#include "daemon/containers/events.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parsers/base/limits.h"

struct event_msg {
	struct event_msg *next;
	size_t len;
	uint8_t data[];
};

struct sub {
	struct sub *next;
	struct event_msg *head, *tail;
	size_t queued;
	int overflowed;
};

struct events {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sub *subs;
	size_t n_subs;
};

struct events *
events_new(void)
{
	struct events *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	return b;
}

struct events *
events_free(struct events *b)
{
	if (!b)
		return NULL;
	/* Streams unsubscribe themselves before their handler returns; by the time the
	 * server is freed there are none left. */
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	free(b);
	return NULL;
}

static void
sub_drain(struct sub *s)
{
	while (s->head) {
		struct event_msg *m = s->head;
		s->head = m->next;
		free(m);
	}
	s->tail = NULL;
	s->queued = 0;
}

int
events_publish(struct events *b, const Runtime__V1__ContainerEventResponse *ev)
{
	size_t len = protobuf_c_message_get_packed_size(&ev->base);
	if (len > GRPC_MAX_MESSAGE)
		return -EMSGSIZE;
	uint8_t *packed = malloc(len ? len : 1);
	if (!packed)
		return -ENOMEM;
	(void)protobuf_c_message_pack(&ev->base, packed);
	int reached = 0;
	pthread_mutex_lock(&b->mu);
	for (struct sub *s = b->subs; s; s = s->next) {
		if (s->overflowed)
			continue;
		struct event_msg *m =
		    s->queued < EVENTS_MAX_QUEUED ? malloc(sizeof(*m) + len) : NULL;
		if (!m) {
			s->overflowed = 1;
			sub_drain(s);
			continue;
		}
		m->next = NULL;
		m->len = len;
		memcpy(m->data, packed, len);
		if (s->tail)
			s->tail->next = m;
		else
			s->head = m;
		s->tail = m;
		s->queued++;
		reached++;
	}
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	free(packed);
	return reached;
}

static void
unsubscribe(struct events *b, struct sub *s)
{
	pthread_mutex_lock(&b->mu);
	for (struct sub **p = &b->subs; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			b->n_subs--;
			break;
		}
	sub_drain(s);
	pthread_mutex_unlock(&b->mu);
	free(s);
}

/* Wait up to EVENTS_POLL_MS for an event; returns the list taken (caller frees) or NULL. */
static struct event_msg *
take_events(struct events *b, struct sub *s, int *overflowed)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)EVENTS_POLL_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&b->mu);
	if (!s->head && !s->overflowed)
		(void)pthread_cond_timedwait(&b->cv, &b->mu, &ts);
	struct event_msg *list = s->head;
	s->head = s->tail = NULL;
	s->queued = 0;
	*overflowed = s->overflowed;
	pthread_mutex_unlock(&b->mu);
	return list;
}

int
events_serve(struct events *b, struct grpc_call *call)
{
	struct sub *s = calloc(1, sizeof(*s));
	if (!s)
		return grpc_call_failf(call, ENOMEM, "out of memory");
	pthread_mutex_lock(&b->mu);
	s->next = b->subs;
	b->subs = s;
	b->n_subs++;
	pthread_mutex_unlock(&b->mu);

	int status = GRPC_STATUS_OK;
	while (status == GRPC_STATUS_OK && !grpc_call_cancelled(call)) {
		int overflowed = 0;
		struct event_msg *list = take_events(b, s, &overflowed);
		while (list) {
			struct event_msg *m = list;
			list = m->next;
			int r = status == GRPC_STATUS_OK
				    ? grpc_call_send_packed(call, m->data, m->len)
				    : 0;
			if (r == -ENOBUFS || r == -ENOMEM)
				status =
				    grpc_call_failf(call, r, "event stream fell behind; reconnect");
			free(m);
		}
		if (overflowed && status == GRPC_STATUS_OK)
			status = grpc_call_failf(call, ENOBUFS,
						 "more than %u events queued for this stream; "
						 "reconnect",
						 EVENTS_MAX_QUEUED);
	}
	unsubscribe(b, s);
	return status;
}

size_t
events_subscribers(struct events *b)
{
	pthread_mutex_lock(&b->mu);
	size_t n = b->n_subs;
	pthread_mutex_unlock(&b->mu);
	return n;
}
