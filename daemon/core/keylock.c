/* SPDX-License-Identifier: Apache-2.0 */
/* Named locks (see keylock.h): a list of held keys under one mutex, waiters on one condvar.
 * The number of keys held at once is small (one per blob or layer in flight).
 * runs in: daemon/privileged. */
#include "daemon/core/keylock.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct keylock {
	struct keylock *next;
	int held;
	unsigned waiters;
	char key[];
};

struct keylocks {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct keylock *list;
};

struct keylocks *
keylocks_new(void)
{
	struct keylocks *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	return k;
}

struct keylocks *
keylocks_free(struct keylocks *k)
{
	if (!k)
		return NULL;
	while (k->list) {
		struct keylock *l = k->list;
		k->list = l->next;
		free(l);
	}
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k);
	return NULL;
}

struct keylock *
keylock_acquire(struct keylocks *k, const char *key)
{
	pthread_mutex_lock(&k->mu);
	struct keylock *l = k->list;
	while (l && strcmp(l->key, key) != 0)
		l = l->next;
	if (!l) {
		size_t n = strlen(key);
		l = calloc(1, sizeof(*l) + n + 1);
		if (!l) {
			pthread_mutex_unlock(&k->mu);
			return NULL;
		}
		memcpy(l->key, key, n + 1);
		l->next = k->list;
		k->list = l;
	}
	l->waiters++;
	while (l->held)
		pthread_cond_wait(&k->cv, &k->mu);
	l->waiters--;
	l->held = 1;
	pthread_mutex_unlock(&k->mu);
	return l;
}

void
keylock_release(struct keylocks *k, struct keylock *l)
{
	pthread_mutex_lock(&k->mu);
	l->held = 0;
	if (l->waiters == 0) {
		for (struct keylock **p = &k->list; *p; p = &(*p)->next)
			if (*p == l) {
				*p = l->next;
				break;
			}
		free(l);
	}
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
}
