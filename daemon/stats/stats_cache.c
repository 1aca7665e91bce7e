/* SPDX-License-Identifier: Apache-2.0 */
/* The stats RPCs' per-container memory: previous CPU samples and cached writable-layer walks.
 * A walk is amortised into the first call that finds the entry older than
 * STATS_LAYER_REFRESH_MS; concurrent callers get the previous numbers meanwhile, so kubelet's
 * ListContainerStats every 10-15 s costs at most one bounded walk per container per 10 s.
 * runs in: daemon/privileged. */
#include "daemon/stats/stats_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "daemon/stats/stats_read.h"
#include "parsers/base/limits.h"

struct entry {
	char key[80];
	int64_t used; /* last lookup, for eviction */
	int have_cpu, have_fs, walking;
	uint64_t cpu_ns;
	int64_t cpu_ts;
	uint64_t fs_bytes, fs_inodes;
	int64_t fs_ts;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry table[STATS_CACHE_MAX];
static size_t n_used;

/* key's entry, made (over the least recently used one when full) if absent. Holds mu. */
static struct entry *
lookup(const char *key, int64_t now)
{
	struct entry *lru = NULL;
	for (size_t i = 0; i < n_used; i++) {
		if (strcmp(table[i].key, key) == 0) {
			table[i].used = now;
			return &table[i];
		}
		if (!table[i].walking && (!lru || table[i].used < lru->used))
			lru = &table[i];
	}
	struct entry *e = n_used < STATS_CACHE_MAX ? &table[n_used++] : lru;
	if (!e)
		return NULL; /* every entry is being walked: no cache this time */
	*e = (struct entry){.used = now};
	snprintf(e->key, sizeof(e->key), "%s", key);
	return e;
}

int
stats_cache_cpu(const char *key, uint64_t cpu_ns, int64_t now_ns, uint64_t *ret)
{
	int r = -ENOENT;
	pthread_mutex_lock(&mu);
	struct entry *e = lookup(key, now_ns);
	if (e && e->have_cpu && now_ns > e->cpu_ts && cpu_ns >= e->cpu_ns) {
		/* ns of CPU per ns of wall time, scaled to "nano cores" (1e9 = one core busy) */
		double rate = (double)(cpu_ns - e->cpu_ns) / (double)(now_ns - e->cpu_ts);
		*ret = (uint64_t)(rate * 1e9);
		r = 0;
	}
	if (e) {
		e->have_cpu = 1;
		e->cpu_ns = cpu_ns;
		e->cpu_ts = now_ns;
	}
	pthread_mutex_unlock(&mu);
	return r;
}

/* The cached numbers when they are fresh enough (or someone is refreshing them); else marks
 * the entry as being walked and returns 0. Holds mu. */
static int
layer_cached(struct entry *e, int64_t now, uint64_t *b, uint64_t *i, int64_t *ts)
{
	int fresh = e->have_fs && now - e->fs_ts < (int64_t)STATS_LAYER_REFRESH_MS * 1000000;
	if (e->have_fs && (fresh || e->walking)) {
		*b = e->fs_bytes;
		*i = e->fs_inodes;
		*ts = e->fs_ts;
		return 1;
	}
	e->walking = 1;
	return 0;
}

int
stats_cache_layer(const char *key, const char *dir, int64_t now_ns, uint64_t *ret_bytes,
		  uint64_t *ret_inodes, int64_t *ret_ts)
{
	pthread_mutex_lock(&mu);
	struct entry *e = lookup(key, now_ns);
	int hit = e && layer_cached(e, now_ns, ret_bytes, ret_inodes, ret_ts);
	pthread_mutex_unlock(&mu);
	if (hit)
		return 0;
	uint64_t b, i;
	int r = stats_layer_walk(dir, &b, &i); /* no lock held across the walk */
	pthread_mutex_lock(&mu);
	e = lookup(key, now_ns);
	if (e) {
		e->walking = 0;
		if (r == 0) {
			e->have_fs = 1;
			e->fs_bytes = b;
			e->fs_inodes = i;
			e->fs_ts = now_ns;
		}
	}
	pthread_mutex_unlock(&mu);
	if (r < 0)
		return r;
	*ret_bytes = b;
	*ret_inodes = i;
	*ret_ts = now_ns;
	return 0;
}
