/* SPDX-License-Identifier: Apache-2.0 */
/* The "linux" object of a container's OCI config: namespaces joined by path, the cgroups
 * path, resources (cpu, cpuset, memory and swap, hugepages, unified on cgroup v2), masked and
 * read-only paths, and the devices and seccomp parts (ctr_spec_devices.c, _seccomp.c).
 * runs in: daemon/privileged (statfs/stat of /sys/fs/cgroup for the cgroup version). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "daemon/containers/ctr_spec_internal.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

#define CGROUP2_MAGIC   0x63677270
#define CGROUP_V1_MEMSW "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"

static bool
cgroup_v2(void)
{
	struct statfs sf;
	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_MAGIC;
}

/* ---- namespaces ---------------------------------------------------------------------------- */

/* A NULL path means the host's namespace: the entry is left out and runc stays in its own. */
static int
ns_add(struct spec_ctx *c, json_t *a, const char *type, const char *path, bool fresh)
{
	if (!path && !fresh)
		return 0;
	json_t *o = json_pack("{s:s}", "type", type);
	int r = o ? 0 : -ENOMEM;
	if (r == 0 && path)
		r = spec_set_str(c, o, "path", "namespace path", path);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	return spec_append(a, o);
}

static int
namespaces(struct spec_ctx *c, json_t *lin)
{
	const struct ctr_spec_in *in = c->in;
	json_t *a = json_array();
	if (!a)
		return -ENOMEM;
	int r = ns_add(c, a, "pid", in->pidns, !in->pid_host && !in->pidns);
	if (r == 0)
		r = ns_add(c, a, "network", in->netns, false);
	if (r == 0)
		r = ns_add(c, a, "ipc", in->ipcns, false);
	if (r == 0)
		r = ns_add(c, a, "uts", in->utsns, false);
	if (r == 0)
		r = ns_add(c, a, "mount", NULL, true);
	if (r < 0) {
		json_decref(a);
		return r;
	}
	return spec_set(lin, "namespaces", a);
}

/* ---- resources ------------------------------------------------------------------------------ */

/* cpuset lists reach cgroup files through runc: digits, ',' and '-' only. */
static int
check_cpuset(struct spec_ctx *c, const char *field, const char *s)
{
	size_t n = strlen(s);
	if (n > CTR_SPEC_CPUSET_MAX || strspn(s, "0123456789,-") != n) {
		char q[SPEC_QUOTE_SZ];
		return spec_fail(c, -EINVAL, "resources.%s \"%s\": not a CPU or node list", field,
				 spec_quote(s, q));
	}
	return 0;
}

static int
res_cpu(struct spec_ctx *c, json_t *res)
{
	const Runtime__V1__LinuxContainerResources *rr = c->res;
	if (rr->cpu_shares < 0 || rr->cpu_period < 0 || rr->cpu_quota < -1)
		return spec_fail(c, -EINVAL, "resources: negative cpu shares, period or quota");
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;
	if (r == 0 && rr->cpu_shares > 0)
		r = spec_set(o, "shares", json_integer(rr->cpu_shares));
	if (r == 0 && rr->cpu_quota > 0)
		r = spec_set(o, "quota", json_integer(rr->cpu_quota));
	if (r == 0 && rr->cpu_period > 0)
		r = spec_set(o, "period", json_integer(rr->cpu_period));
	if (r == 0 && rr->cpuset_cpus && rr->cpuset_cpus[0] &&
	    (r = check_cpuset(c, "cpuset_cpus", rr->cpuset_cpus)) == 0)
		r = spec_set(o, "cpus", json_string(rr->cpuset_cpus));
	if (r == 0 && rr->cpuset_mems && rr->cpuset_mems[0] &&
	    (r = check_cpuset(c, "cpuset_mems", rr->cpuset_mems)) == 0)
		r = spec_set(o, "mems", json_string(rr->cpuset_mems));
	if (r == 0 && json_object_size(o) > 0)
		return spec_set(res, "cpu", o);
	json_decref(o);
	return r;
}

/* Swap equals the limit (no swap), as kubelet expects, where the host accounts swap at all
 * (cgroup v1 memsw files; runc fails the container if it must write a missing one). On v2 swap
 * is written only when the request sets it. */
static int
res_memory(struct spec_ctx *c, json_t *res, bool v2)
{
	const Runtime__V1__LinuxContainerResources *rr = c->res;
	int64_t lim = rr->memory_limit_in_bytes, swap = rr->memory_swap_limit_in_bytes;
	if (lim < 0 || swap < 0)
		return spec_fail(c, -EINVAL, "resources: negative memory limit");
	if (lim == 0 && swap == 0)
		return 0;
	if (lim > 0 && swap > 0 && swap < lim)
		return spec_fail(c, -EINVAL,
				 "resources: memory_swap_limit_in_bytes is below the memory limit");
	struct stat st;
	bool swap_ok = v2 ? swap > 0 : stat(CGROUP_V1_MEMSW, &st) == 0;
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;
	if (r == 0 && lim > 0)
		r = spec_set(o, "limit", json_integer(lim));
	if (r == 0 && swap_ok && (swap > 0 || lim > 0))
		r = spec_set(o, "swap", json_integer(swap > 0 ? swap : lim));
	if (r == 0)
		return spec_set(res, "memory", o);
	json_decref(o);
	return r;
}

static bool
page_size_ok(const char *s)
{
	size_t d = strspn(s, "0123456789");
	return d > 0 && d <= 10 && s[0] != '0' && strchr("KMGT", s[d]) && s[d] && s[d + 1] == 'B' &&
	       s[d + 2] == '\0';
}

static int
res_hugepages(struct spec_ctx *c, json_t *res)
{
	const Runtime__V1__LinuxContainerResources *rr = c->res;
	if (rr->n_hugepage_limits == 0)
		return 0;
	json_t *a = json_array();
	int r = a ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < rr->n_hugepage_limits; i++) {
		const Runtime__V1__HugepageLimit *h = rr->hugepage_limits[i];
		char q[SPEC_QUOTE_SZ];
		if (!h->page_size || !page_size_ok(h->page_size) || h->limit > INT64_MAX)
			r = spec_fail(c, -EINVAL,
				      "resources.hugepage_limits \"%s\": bad page size "
				      "or limit",
				      spec_quote(h->page_size, q));
		else
			r = spec_append(a, json_pack("{s:s, s:I}", "pageSize", h->page_size,
						     "limit", (json_int_t)h->limit));
	}
	if (r == 0)
		return spec_set(res, "hugepageLimits", a);
	json_decref(a);
	return r;
}

/* cgroup v2 files: "<controller>.<name>" of [a-z0-9_.], values one line of UTF-8. */
static int
res_unified(struct spec_ctx *c, json_t *res)
{
	const Runtime__V1__LinuxContainerResources *rr = c->res;
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < rr->n_unified; i++) {
		const char *k = rr->unified[i]->key ? rr->unified[i]->key : "";
		const char *v = rr->unified[i]->value ? rr->unified[i]->value : "";
		size_t kl = strlen(k);
		char q[SPEC_QUOTE_SZ];
		if (kl == 0 || kl > 64 ||
		    strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789_.") != kl || k[0] == '.' ||
		    !strchr(k, '.') || strpbrk(v, "\n\r"))
			r = spec_fail(c, -EINVAL,
				      "resources.unified \"%s\": not a cgroup v2 file "
				      "and one-line value",
				      spec_quote(k, q));
		else
			r = spec_set_str(c, o, k, "resources.unified value", v);
	}
	if (r == 0)
		return spec_set(res, "unified", o);
	json_decref(o);
	return r;
}

static int
resources(struct spec_ctx *c, json_t *lin)
{
	json_t *res = json_object();
	if (!res)
		return -ENOMEM;
	bool v2 = cgroup_v2();
	int r = spec_devices(c, lin, res);
	if (r == 0 && c->res)
		r = res_cpu(c, res);
	if (r == 0 && c->res)
		r = res_memory(c, res, v2);
	if (r == 0 && c->res)
		r = res_hugepages(c, res);
	/* unified is cgroup v2 only (kubelet sends it only there); ignored on v1 and hybrid. */
	if (r == 0 && c->res && c->res->n_unified > 0 && v2)
		r = res_unified(c, res);
	if (r < 0) {
		json_decref(res);
		return r;
	}
	return spec_set(lin, "resources", res);
}

/* ---- masked and read-only paths ------------------------------------------------------------- */

/* A path from the request: absolute, no empty, "." or ".." component, no control byte. */
static bool
proc_path_ok(const char *p)
{
	size_t n = strlen(p);
	if (n < 2 || n >= POLICY_PATH_MAX || p[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return false;
	for (const char *s = p; s; s = strchr(s + 1, '/')) {
		const char *e = strchr(s + 1, '/');
		size_t cl = e ? (size_t)(e - s - 1) : strlen(s + 1);
		if (cl == 0 || (cl == 1 && s[1] == '.') || (cl == 2 && s[1] == '.' && s[2] == '.'))
			return false;
	}
	return true;
}

static int
path_add_unique(json_t *a, const char *p)
{
	size_t i;
	json_t *v;
	json_array_foreach (a, i, v) {
		if (strcmp(json_string_value(v), p) == 0)
			return 0;
	}
	return spec_append(a, json_string(p));
}

/* Policy defaults (none when privileged), the per-CPU thermal_throttle directories, then the
 * request's own (kubelet sends its defaults; they can only add to crisp's). */
static int
path_list(struct spec_ctx *c, json_t *lin, const char *key, bool masked)
{
	size_t n = 0;
	const char *const *def = masked ? container_policy_masked_paths(c->privileged, &n)
					: container_policy_readonly_paths(c->privileged, &n);
	json_t *a = json_array();
	int r = a ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = path_add_unique(a, def[i]);
	long ncpu = masked && !c->privileged ? sysconf(_SC_NPROCESSORS_CONF) : 0;
	for (long i = 0; r == 0 && i < ncpu && i < CTR_SPEC_MAX_CPUS; i++) {
		char buf[96];
		r = container_policy_thermal_throttle_path((unsigned)i, buf, sizeof(buf)) < 0
			? -ENOBUFS
			: path_add_unique(a, buf);
	}
	char **req = NULL;
	size_t n_req = 0;
	if (c->sc)
		req = masked ? c->sc->masked_paths : c->sc->readonly_paths,
		n_req = masked ? c->sc->n_masked_paths : c->sc->n_readonly_paths;
	for (size_t i = 0; r == 0 && i < n_req; i++) {
		char q[SPEC_QUOTE_SZ];
		if (!proc_path_ok(req[i]) || n_req > CTR_SPEC_MAX_MOUNTS)
			r = spec_fail(c, -EINVAL, "%s \"%s\": not a clean absolute path",
				      masked ? "masked_paths" : "readonly_paths",
				      spec_quote(req[i], q));
		else
			r = path_add_unique(a, req[i]);
	}
	if (r == 0)
		return spec_set(lin, key, a);
	json_decref(a);
	return r;
}

int
spec_linux(struct spec_ctx *c, json_t **ret)
{
	json_t *lin = json_object();
	if (!lin)
		return -ENOMEM;
	int r = namespaces(c, lin);
	if (r == 0 && c->in->cgroups_path)
		r = spec_set_str(c, lin, "cgroupsPath", "cgroups path", c->in->cgroups_path);
	if (r == 0)
		r = resources(c, lin);
	if (r == 0)
		r = path_list(c, lin, "maskedPaths", true);
	if (r == 0)
		r = path_list(c, lin, "readonlyPaths", false);
	if (r == 0 && c->rootfs_propagation)
		r = spec_set(lin, "rootfsPropagation", json_string(c->rootfs_propagation));
	if (r == 0)
		r = spec_seccomp(c, lin);
	if (r < 0) {
		json_decref(lin);
		return r;
	}
	*ret = lin;
	return 0;
}
