/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel reads behind the stats RPCs: a cgroup's CPU, memory and pids files (v1 or v2),
 * a pod's /proc/net/dev read from inside its network namespace, and a bounded walk of a
 * container's writable layer. Every file is read with a bounded buffer.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_STATS_READ_H
#define CRISP_DAEMON_STATS_READ_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/stats/cgroup_stats.h"

struct stats_cg {
	int have_cpu, have_mem, have_pids;
	uint64_t cpu_ns;
	struct cgs_mem mem;
	uint64_t pids;
};

/* Is /sys/fs/cgroup a cgroup2 mount (unified), rather than v1 or hybrid? Asked once. */
int stats_cgroup_v2(void);

/* Read the cgroup dir (from cgs_dir_of) under root: v1 looks in root/{cpuacct,memory,pids}/dir,
 * v2 in root/dir. Each part that cannot be read leaves its have_ flag 0; returns -ENOENT
 * when none could (the cgroup is gone), else 0. */
int stats_cg_read(const char *root, int v2, const char *dir, struct stats_cg *ret);

/* Interfaces of the network namespace pinned at netns_path: through /proc/<pid>/net/dev when
 * pid (> 0) is a process checked to be in it, else from a thread that joins it for the read
 * and exits. 0, or -errno of the open, setns or read. */
int stats_netdev_read(const char *netns_path, int pid, struct cgs_netif *v, size_t max,
		      size_t *ret_n);

/* Disk bytes (st_blocks) and inodes under dir, not following symlinks nor crossing mounts;
 * at most STATS_LAYER_MAX_ENTRIES entries and STATS_LAYER_MAX_DEPTH levels (a lower bound
 * beyond). -errno when dir itself cannot be opened. */
int stats_layer_walk(const char *dir, uint64_t *ret_bytes, uint64_t *ret_inodes);

#endif
