/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the stats RPC files (stats_ctr.c, stats_pod.c).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_STATS_INTERNAL_H
#define CRISP_DAEMON_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cri/api.pb-c.h"
#include "daemon/grpc/grpc_server.h"
#include "daemon/stats/stats.h"
#include "daemon/stats/stats_cache.h"
#include "daemon/stats/stats_read.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

struct crisp;
struct ctr;
struct pod;

/* What one call knows before it samples: the cgroup layout, the store root (the writable
 * layer's fs_id, as ImageFsInfo reports it) and the time. */
struct stats_env {
	int systemd, v2;
	int64_t now;
	char root[CRISP_PATH_MAX];
};

/* The messages of one ContainerStats, and the cpu/memory part of a pod's (no allocation per
 * value: STATS_U64 takes from the pool). */
struct stats_msgs {
	Runtime__V1__ContainerStats ctr;
	Runtime__V1__ContainerAttributes attr;
	Runtime__V1__CpuUsage cpu;
	Runtime__V1__MemoryUsage mem;
	Runtime__V1__FilesystemUsage fs;
	Runtime__V1__FilesystemIdentifier fsid;
	Runtime__V1__UInt64Value pool[12];
	size_t used;
};

#define STATS_U64(m, v) stats_u64((m)->pool, ELEMENTSOF((m)->pool), &(m)->used, (v))

struct ctr_sample {
	char id[65], pod_id[65];
	char cgroups[CRISP_PATH_MAX], upper[CRISP_PATH_MAX];
	int running, have_cg;
	int pid; /* the container's process while running, for its pod's /proc/<pid>/net */
	const Runtime__V1__ContainerConfig *config; /* the referenced container's, immutable */
	struct stats_cg cg;
	struct stats_msgs m;
};

int64_t stats_now_ns(void);
Runtime__V1__UInt64Value *stats_u64(Runtime__V1__UInt64Value *pool, size_t cap, size_t *used,
				    uint64_t v);
void stats_env_init(struct crisp *cr, struct stats_env *env);
void stats_fill_cpu(struct stats_msgs *m, const char *key, uint64_t cpu_ns, int64_t now);
void stats_fill_mem(struct stats_msgs *m, const struct cgs_mem *mem, int64_t now);
void stats_ctr_sample(struct ctr_sample *s, const struct stats_env *env);
/* Samples of every container matching f (NULL: all); the snapshot (*ret_v, *ret_nv) stays
 * referenced until the caller has sent the reply (ctrs_snapshot_free). NULL on ENOMEM. */
struct ctr_sample *stats_ctrs_collect(struct crisp *cr, const Runtime__V1__ContainerStatsFilter *f,
				      const struct stats_env *env, struct ctr ***ret_v,
				      size_t *ret_nv, size_t *ret_n);

/* One pod's messages (stats_pod.c). */
struct pod_sample {
	struct pod *pod; /* referenced */
	int take;        /* matched the filter */
	int host_net;
	char netns[CRISP_PATH_MAX];
	Runtime__V1__PodSandboxStats st;
	Runtime__V1__PodSandboxAttributes attr;
	Runtime__V1__LinuxPodSandboxStats lin;
	struct stats_msgs m;
	Runtime__V1__NetworkUsage net;
	Runtime__V1__ProcessUsage proc;
	struct cgs_netif nif[STATS_MAX_IFACES];
	Runtime__V1__NetworkInterfaceUsage ifu[STATS_MAX_IFACES];
	Runtime__V1__NetworkInterfaceUsage *ifp[STATS_MAX_IFACES];
	Runtime__V1__UInt64Value ifv[STATS_MAX_IFACES * 4];
	size_t ifv_used;
	Runtime__V1__ContainerStats **ctrs;
};

/* The pods of one call, their containers' samples, and the messages that point into both. */
struct pod_list {
	struct pod_sample *p;
	size_t np;
	struct ctr_sample *s;
	size_t ns;
	struct ctr **v;
	size_t nv;
	Runtime__V1__PodSandboxStats **out;
	size_t n_out;
};

/* Sample the pods (one by exact id, or all matching f: NULL is all) and their containers
 * into l; release with stats_pods_done whatever it returned. -ENOMEM. */
int stats_pods_collect(struct crisp *cr, const char *one,
		       const Runtime__V1__PodSandboxStatsFilter *f, struct pod_list *l);
void stats_pods_done(struct pod_list *l);
int stats_pod_register(struct grpc_server *s);
/* ListMetricDescriptors and ListPodSandboxMetrics (stats_metrics.c). */
int stats_metrics_register(struct grpc_server *s);

#endif
