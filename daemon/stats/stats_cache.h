/* SPDX-License-Identifier: Apache-2.0 */
/* Per-container (and per-pod) memory of the stats RPCs: the previous CPU sample, for
 * usage_nano_cores, and the last writable-layer walk, refreshed at most once per
 * STATS_LAYER_REFRESH_MS. At most STATS_CACHE_MAX entries (least recently used dropped).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_STATS_CACHE_H
#define CRISP_DAEMON_STATS_CACHE_H

#include <stdint.h>

/* Keep (cpu_ns, now_ns) as key's sample; the CPU rate in ns per s (nano cores) since the
 * previous one goes to *ret: 0, or -ENOENT when there was no usable previous sample (none,
 * not older, or a counter that went back). */
int stats_cache_cpu(const char *key, uint64_t cpu_ns, int64_t now_ns, uint64_t *ret);

/* Writable-layer usage of key's upper dir: the cached walk while it is younger than
 * STATS_LAYER_REFRESH_MS (or another call is walking it), else a new walk, done outside the
 * lock. *ret_ts is when the numbers were taken. -errno when dir cannot be walked. */
int stats_cache_layer(const char *key, const char *dir, int64_t now_ns, uint64_t *ret_bytes,
		      uint64_t *ret_inodes, int64_t *ret_ts);

#endif
