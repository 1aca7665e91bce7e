/* SPDX-License-Identifier: Apache-2.0 */
/* Pure readers of cgroup (v1 and v2) and /proc/net/dev file contents for the stats RPCs:
 * bytes in, numbers out; no I/O, clock or globals (unit-tested on fixture trees).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_STATS_CGROUP_STATS_H
#define CRISP_DAEMON_STATS_CGROUP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"

/* The contents of one kernel file (not NUL-terminated; n == 0 when the file was absent). */
struct cgs_text {
	const char *p;
	size_t n;
};

struct cgs_mem {
	uint64_t usage, working_set, rss, pgfault, pgmajfault;
	uint64_t limit; /* valid when limited */
	int limited;
};

struct cgs_netif {
	/* The kernel's interface name, escaped (bytes outside '!'..'~' and '\\' as \xNN):
	 * a container with CAP_NET_ADMIN names interfaces in its pod's netns. */
	char name[STATS_IFNAME_MAX * 4 + 1];
	uint64_t rx_bytes, rx_errors, tx_bytes, tx_errors;
};

/* A single-value file ("123\n", or "max" for v2 limits as UINT64_MAX): 0, or -EINVAL. */
int cgs_single(struct cgs_text t, uint64_t *ret);
/* A flat-keyed file ("key value\n" lines: memory.stat, cpu.stat): the value of key; -ENOENT
 * when absent, -EINVAL when its value is not a decimal. */
int cgs_flat_get(struct cgs_text t, const char *key, uint64_t *ret);

/* CPU time in ns: v1 cpuacct.usage (ns), v2 cpu.stat usage_usec. -EINVAL, -ENOENT, -ERANGE. */
int cgs_cpu_v1(struct cgs_text cpuacct_usage, uint64_t *ret_ns);
int cgs_cpu_v2(struct cgs_text cpu_stat, uint64_t *ret_ns);

/* Memory: working set = usage - inactive file (0 when the kernel's counters cross). v1 reads
 * memory.usage_in_bytes, memory.stat (total_*: hierarchical) and memory.limit_in_bytes (a
 * limit >= 2^62 means none); v2 memory.current, memory.stat and memory.max ("max": none). An
 * absent or malformed limit file means "not limited". */
int cgs_mem_v1(struct cgs_text usage, struct cgs_text stat, struct cgs_text limit,
	       struct cgs_mem *ret);
int cgs_mem_v2(struct cgs_text current, struct cgs_text stat, struct cgs_text max,
	       struct cgs_mem *ret);

/* /proc/net/dev: up to max interfaces into v (lines beyond are ignored, as are malformed
 * ones and names longer than STATS_IFNAME_MAX); *ret_n is how many were written. -EINVAL
 * when the two header lines are missing. */
int cgs_netdev_parse(struct cgs_text t, struct cgs_netif *v, size_t max, size_t *ret_n);

/* The cgroup directory (relative to a hierarchy's root, starting with '/') of an OCI
 * cgroupsPath as crisp gives it: cgroupfs "/a/b" as is; systemd "<slice>:<prefix>:<name>"
 * as /<expanded slice>/<prefix>-<name>.scope (a-b.slice is /a.slice/a-b.slice), and a slice
 * alone (a pod's cgroup parent under systemd) as its expansion. -EINVAL for
 * ".." components or a malformed path, -ENAMETOOLONG when it does not fit. */
int cgs_dir_of(const char *cgroups_path, int systemd, char *buf, size_t sz);

#endif
