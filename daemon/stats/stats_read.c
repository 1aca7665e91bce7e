/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel reads for the stats RPCs: cgroup files, /proc/net/dev inside a pod's netns, and the
 * writable layer walk. Contents go to the pure readers in cgroup_stats.c.
 * runs in: daemon/privileged. */
#include "daemon/stats/stats_read.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int
stats_cgroup_v2(void)
{
	static int v2 = -1;
	if (v2 < 0) {
		struct statfs s;
		int r = statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
		__atomic_store_n(&v2, r, __ATOMIC_RELAXED);
	}
	return __atomic_load_n(&v2, __ATOMIC_RELAXED);
}

/* Read a file into buf up to cap bytes (the rest is never read). n is 0 when it is absent:
 * cgroup files do not all exist on every kernel. Symlinks are not followed. */
static int
read_bounded(const char *path, char *buf, size_t cap, struct cgs_text *ret)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	*ret = (struct cgs_text){buf, 0};
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n < cap) {
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	ret->n = n;
	return 0;
}

static int
read_cg_file(const char *root, const char *ctl, const char *dir, const char *file, char *buf,
	     struct cgs_text *ret)
{
	char p[CRISP_PATH_MAX];
	int r = ctl ? path_fmt(p, sizeof(p), "%s/%s%s/%s", root, ctl, dir, file)
		    : path_fmt(p, sizeof(p), "%s%s/%s", root, dir, file);
	*ret = (struct cgs_text){buf, 0};
	return r < 0 ? r : read_bounded(p, buf, STATS_CGROUP_FILE_MAX, ret);
}

/* The three files a memory reading needs; each buffer STATS_CGROUP_FILE_MAX bytes. */
static void
read_mem(const char *root, int v2, const char *dir, struct stats_cg *s)
{
	static const char *const f[2][3] = {
	    {"memory.usage_in_bytes", "memory.stat", "memory.limit_in_bytes"},
	    {"memory.current", "memory.stat", "memory.max"}};
	cleanup_free char *buf = malloc(3 * (size_t)STATS_CGROUP_FILE_MAX);
	if (!buf)
		return;
	struct cgs_text t[3];
	const char *ctl = v2 ? NULL : "memory";
	for (size_t i = 0; i < 3; i++) {
		int r =
		    read_cg_file(root, ctl, dir, f[v2][i], buf + i * STATS_CGROUP_FILE_MAX, &t[i]);
		if (r < 0 && i < 2) /* the limit file may be absent (the root cgroup has none) */
			return;
	}
	int r = v2 ? cgs_mem_v2(t[0], t[1], t[2], &s->mem) : cgs_mem_v1(t[0], t[1], t[2], &s->mem);
	s->have_mem = r == 0;
}

int
stats_cg_read(const char *root, int v2, const char *dir, struct stats_cg *ret)
{
	struct stats_cg s = {0};
	cleanup_free char *buf = malloc(STATS_CGROUP_FILE_MAX);
	if (!buf)
		return -ENOMEM;
	struct cgs_text t;
	if (read_cg_file(root, v2 ? NULL : "cpuacct", dir, v2 ? "cpu.stat" : "cpuacct.usage", buf,
			 &t) == 0)
		s.have_cpu = (v2 ? cgs_cpu_v2(t, &s.cpu_ns) : cgs_cpu_v1(t, &s.cpu_ns)) == 0;
	if (read_cg_file(root, v2 ? NULL : "pids", dir, "pids.current", buf, &t) == 0)
		s.have_pids = cgs_single(t, &s.pids) == 0;
	read_mem(root, v2, dir, &s);
	if (!s.have_cpu && !s.have_mem && !s.have_pids)
		return -ENOENT;
	*ret = s;
	return 0;
}

/* ---- /proc/net/dev inside a pod's netns ------------------------------------------------ */

struct netns_job {
	int nsfd;
	char *buf;
	size_t n;
	int r;
};

/* Runs in its own short-lived thread: setns changes only this thread's namespace, and the
 * thread ends right after, so no other request ever runs in the pod's netns. The file is
 * /proc/thread-self/net/dev: /proc/self/net would show the thread group leader's netns. */
static void *
netns_thread(void *arg)
{
	struct netns_job *j = arg;
	if (setns(j->nsfd, CLONE_NEWNET) < 0) {
		j->r = -errno;
		return NULL;
	}
	struct cgs_text t;
	j->r = read_bounded("/proc/thread-self/net/dev", j->buf, STATS_NETDEV_MAX, &t);
	j->n = t.n;
	return NULL;
}

/* The cheap way: /proc/<pid>/net/dev of a process in the pod, once /proc/<pid>/ns/net is
 * checked to be the pinned namespace (nsfd). The check and the read go through one dirfd on
 * /proc/<pid>, which stops resolving when that process is gone, so a reused pid cannot make
 * another namespace's counters pass for the pod's. */
static int
read_via_pid(int nsfd, int pid, char *buf, size_t *ret_n)
{
	char p[32];
	struct stat ns, mine;
	snprintf(p, sizeof(p), "/proc/%d", pid);
	cleanup_close int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstat(nsfd, &ns) < 0 || fstatat(dfd, "ns/net", &mine, 0) < 0)
		return -errno;
	if (ns.st_ino != mine.st_ino || ns.st_dev != mine.st_dev)
		return -ESRCH;
	cleanup_close int fd = openat(dfd, "net/dev", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n < STATS_NETDEV_MAX) {
		ssize_t k = read(fd, buf + n, STATS_NETDEV_MAX - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	*ret_n = n;
	return n ? 0 : -EIO;
}

/* The general way (a pod with no running process): a thread that joins the netns. */
static int
read_via_setns(int nsfd, char *buf, size_t *ret_n)
{
	struct netns_job j = {.nsfd = nsfd, .buf = buf, .r = -EIO};
	pthread_t th;
	int r = pthread_create(&th, NULL, netns_thread, &j);
	if (r != 0)
		return -r;
	(void)pthread_join(th, NULL);
	*ret_n = j.n;
	return j.r;
}

int
stats_netdev_read(const char *netns_path, int pid, struct cgs_netif *v, size_t max, size_t *ret_n)
{
	cleanup_free char *buf = malloc(STATS_NETDEV_MAX);
	if (!buf)
		return -ENOMEM;
	cleanup_close int fd = open(netns_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	int r = pid > 0 ? read_via_pid(fd, pid, buf, &n) : -ESRCH;
	if (r < 0)
		r = read_via_setns(fd, buf, &n);
	if (r < 0)
		return r;
	return cgs_netdev_parse((struct cgs_text){buf, n}, v, max, ret_n);
}

/* ---- writable layer ------------------------------------------------------------------------ */

struct walk {
	uint64_t bytes, inodes, entries;
	dev_t dev;
};

/* Recursive, with the depth capped at STATS_LAYER_MAX_DEPTH (one fd and DIR per level): an
 * explicit stack would be longer code for the same bound. */
static void
walk_dir(int dfd, unsigned depth, struct walk *w) /* NOLINT(misc-no-recursion) */
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		(void)close(dfd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) && w->entries < STATS_LAYER_MAX_ENTRIES) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		w->entries++;
		w->inodes++;
		w->bytes += (uint64_t)st.st_blocks * 512u;
		if (!S_ISDIR(st.st_mode) || st.st_dev != w->dev || depth >= STATS_LAYER_MAX_DEPTH)
			continue;
		int sub =
		    openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			walk_dir(sub, depth + 1, w); /* NOLINT(misc-no-recursion) */
	}
	(void)closedir(d);
}

int
stats_layer_walk(const char *dir, uint64_t *ret_bytes, uint64_t *ret_inodes)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		(void)close(fd);
		return r;
	}
	struct walk w = {.bytes = (uint64_t)st.st_blocks * 512u, .inodes = 1, .dev = st.st_dev};
	walk_dir(fd, 0, &w);
	*ret_bytes = w.bytes;
	*ret_inodes = w.inodes;
	return 0;
}
