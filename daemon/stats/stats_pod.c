/* SPDX-License-Identifier: Apache-2.0 */
/* Pod sandbox stats: CPU, memory and process count of the pod's cgroup (its cgroup parent
 * when kubelet gave one, else the sum of its containers), network per interface read inside
 * the pod's netns, and its containers' stats; the PodSandboxStats and ListPodSandboxStats
 * handlers.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/containers/ctr_internal.h"
#include "daemon/crisp.h"
#include "daemon/pods/pods.h"
#include "daemon/stats/stats_internal.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

#define SVC (&runtime__v1__runtime_service__descriptor)

static int
pod_matches(const struct pod *pod, const Runtime__V1__PodSandboxStatsFilter *f)
{
	if (pod->state == POD_CREATING || pod->removed)
		return 0;
	if (!f)
		return 1;
	if (f->id[0] && strncmp(pod->id, f->id, strlen(f->id)) != 0)
		return 0;
	for (size_t i = 0; i < f->n_label_selector; i++) {
		int hit = 0;
		for (size_t j = 0; j < pod->config->n_labels && !hit; j++)
			hit =
			    strcmp(pod->config->labels[j]->key, f->label_selector[i]->key) == 0 &&
			    strcmp(pod->config->labels[j]->value, f->label_selector[i]->value) == 0;
		if (!hit)
			return 0;
	}
	return 1;
}

/* Under st_mu: does the pod match, and where is its netns (set before READY, kept after). */
static void
pod_take(struct pod_sample *p, const Runtime__V1__PodSandboxStatsFilter *f)
{
	struct pod *pod = p->pod;
	pthread_mutex_lock(&pod->st_mu);
	p->take = pod_matches(pod, f);
	p->host_net = pod->host_net;
	int fits = snprintf(p->netns, sizeof(p->netns), "%s",
			    pod->netns_path && pod->state == POD_READY ? pod->netns_path : "");
	if (fits < 0 || (size_t)fits >= sizeof(p->netns))
		p->netns[0] = '\0';
	pthread_mutex_unlock(&pod->st_mu);
}

/* The interfaces of the pod's netns but lo; eth0 (CNI's) is the default one. */
static void
fill_net(struct pod_sample *p, int pid, int64_t now)
{
	size_t n = 0, k = 0;
	if (p->host_net || !p->netns[0] ||
	    stats_netdev_read(p->netns, pid, p->nif, STATS_MAX_IFACES, &n) < 0)
		return;
	runtime__v1__network_usage__init(&p->net);
	p->net.timestamp = now;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(p->nif[i].name, "lo") == 0)
			continue;
		Runtime__V1__NetworkInterfaceUsage *u = &p->ifu[k];
		runtime__v1__network_interface_usage__init(u);
		u->name = p->nif[i].name;
		u->rx_bytes =
		    stats_u64(p->ifv, ELEMENTSOF(p->ifv), &p->ifv_used, p->nif[i].rx_bytes);
		u->rx_errors =
		    stats_u64(p->ifv, ELEMENTSOF(p->ifv), &p->ifv_used, p->nif[i].rx_errors);
		u->tx_bytes =
		    stats_u64(p->ifv, ELEMENTSOF(p->ifv), &p->ifv_used, p->nif[i].tx_bytes);
		u->tx_errors =
		    stats_u64(p->ifv, ELEMENTSOF(p->ifv), &p->ifv_used, p->nif[i].tx_errors);
		if (!p->net.default_interface || strcmp(u->name, "eth0") == 0)
			p->net.default_interface = u;
		p->ifp[k++] = u;
	}
	p->net.n_interfaces = k;
	p->net.interfaces = p->ifp;
	p->lin.network = &p->net;
}

/* The pod's own cgroup when kubelet named a parent (containers are <parent>/<ctr>), else
 * the sum of its running containers' cgroups (pods without a parent share /crisp). */
static int
pod_cgroup(struct pod_sample *p, const struct ctr_sample *s, size_t n, const struct stats_env *env,
	   struct stats_cg *ret)
{
	const Runtime__V1__PodSandboxConfig *cfg = p->pod->config;
	const char *parent = cfg->linux ? cfg->linux->cgroup_parent : "";
	char dir[CRISP_PATH_MAX];
	if (parent[0])
		return cgs_dir_of(parent, env->systemd, dir, sizeof(dir)) == 0
			   ? stats_cg_read("/sys/fs/cgroup", env->v2, dir, ret)
			   : -EINVAL;
	struct stats_cg sum = {0};
	for (size_t i = 0; i < n; i++) {
		const struct stats_cg *c = &s[i].cg;
		if (!s[i].have_cg || strcmp(s[i].pod_id, p->pod->id) != 0)
			continue;
		sum.have_cpu |= c->have_cpu;
		sum.have_mem |= c->have_mem;
		sum.have_pids |= c->have_pids;
		sum.cpu_ns += c->cpu_ns;
		sum.mem.usage += c->mem.usage;
		sum.mem.working_set += c->mem.working_set;
		sum.mem.rss += c->mem.rss;
		sum.mem.pgfault += c->mem.pgfault;
		sum.mem.pgmajfault += c->mem.pgmajfault;
		sum.pids += c->pids;
	}
	*ret = sum;
	return sum.have_cpu || sum.have_mem || sum.have_pids ? 0 : -ENOENT;
}

static void
fill_pod(struct pod_sample *p, struct ctr_sample *s, size_t n, const struct stats_env *env)
{
	runtime__v1__pod_sandbox_stats__init(&p->st);
	runtime__v1__pod_sandbox_attributes__init(&p->attr);
	runtime__v1__linux_pod_sandbox_stats__init(&p->lin);
	const Runtime__V1__PodSandboxConfig *cfg = p->pod->config;
	p->attr.id = p->pod->id;
	p->attr.metadata = cfg->metadata;
	p->attr.n_labels = cfg->n_labels;
	p->attr.labels = (Runtime__V1__PodSandboxAttributes__LabelsEntry **)cfg->labels;
	p->attr.n_annotations = cfg->n_annotations;
	p->attr.annotations =
	    (Runtime__V1__PodSandboxAttributes__AnnotationsEntry **)cfg->annotations;
	p->st.attributes = &p->attr;
	p->st.linux = &p->lin;
	struct stats_cg cg;
	char key[80];
	snprintf(key, sizeof(key), "pod/%s", p->pod->id);
	if (pod_cgroup(p, s, n, env, &cg) == 0) {
		if (cg.have_cpu) {
			stats_fill_cpu(&p->m, key, cg.cpu_ns, env->now);
			p->lin.cpu = &p->m.cpu;
		}
		if (cg.have_mem) {
			stats_fill_mem(&p->m, &cg.mem, env->now);
			p->lin.memory = &p->m.mem;
		}
		if (cg.have_pids) {
			runtime__v1__process_usage__init(&p->proc);
			p->proc.timestamp = env->now;
			p->proc.process_count = STATS_U64(&p->m, cg.pids);
			p->lin.process = &p->proc;
		}
	}
	size_t k = 0;
	int pid = 0;
	for (size_t i = 0; p->ctrs && i < n; i++)
		if (strcmp(s[i].pod_id, p->pod->id) == 0) {
			p->ctrs[k++] = &s[i].m.ctr;
			pid = pid ? pid : s[i].pid;
		}
	fill_net(p, pid, env->now);
	p->lin.n_containers = k;
	p->lin.containers = p->ctrs;
}

/* The referenced pods: one (id, exact) or all. NULL on ENOMEM; *ret_n may be 0. */
static struct pod_sample *
pods_take(struct crisp *cr, const char *one, size_t *ret_n)
{
	struct pods *t = cr->pods;
	pthread_mutex_lock(&t->mu);
	size_t n = 0;
	struct pod_sample *p = calloc(t->n + 1, sizeof(*p));
	for (size_t i = 0; p && i < t->n; i++) {
		if (one && strcmp(t->v[i]->id, one) != 0)
			continue;
		p[n].pod = t->v[i];
		atomic_fetch_add(&t->v[i]->refs, 1);
		n++;
	}
	pthread_mutex_unlock(&t->mu);
	*ret_n = n;
	return p;
}

static void
pods_release(struct pod_sample *p, size_t n)
{
	for (size_t i = 0; p && i < n; i++) {
		free(p[i].ctrs);
		pod_unref(p[i].pod);
	}
	free(p);
}

int
stats_pods_collect(struct crisp *cr, const char *one, const Runtime__V1__PodSandboxStatsFilter *f,
		   struct pod_list *l)
{
	struct stats_env env;
	stats_env_init(cr, &env);
	l->p = pods_take(cr, one, &l->np);
	Runtime__V1__ContainerStatsFilter cf;
	runtime__v1__container_stats_filter__init(&cf);
	cf.pod_sandbox_id = UNCONST(one ? one : f && f->id[0] ? f->id : "");
	l->s = l->p ? stats_ctrs_collect(cr, &cf, &env, &l->v, &l->nv, &l->ns) : NULL;
	l->out = calloc(l->np + 1, sizeof(*l->out));
	if (!l->p || !l->s || !l->out)
		return -ENOMEM;
	for (size_t i = 0; i < l->np; i++) {
		struct pod_sample *p = &l->p[i];
		pod_take(p, one ? NULL : f);
		if (!p->take)
			continue;
		p->ctrs = calloc(l->ns + 1, sizeof(*p->ctrs));
		if (!p->ctrs)
			return -ENOMEM;
		fill_pod(p, l->s, l->ns, &env);
		l->out[l->n_out++] = &p->st;
	}
	return 0;
}

void
stats_pods_done(struct pod_list *l)
{
	pods_release(l->p, l->np);
	free(l->s);
	if (l->v)
		ctrs_snapshot_free(l->v, l->nv);
	free(l->out);
}

static int
pod_stats_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__PodSandboxStatsRequest *req =
	    (const Runtime__V1__PodSandboxStatsRequest *)msg;
	struct pod_list l = {0};
	int r = stats_pods_collect(ud, req->pod_sandbox_id, NULL, &l);
	if (r == 0 && l.n_out == 0)
		r = -ENOENT;
	Runtime__V1__PodSandboxStatsResponse resp;
	runtime__v1__pod_sandbox_stats_response__init(&resp);
	resp.stats = l.n_out ? l.out[0] : NULL;
	if (r == 0)
		r = grpc_call_send(call, &resp.base);
	stats_pods_done(&l);
	if (r == -ENOENT)
		return grpc_call_failf(call, r, "pod sandbox %.64s not found", req->pod_sandbox_id);
	if (r < 0)
		return grpc_call_failf(call, r, "PodSandboxStats: %s", strerror(-r));
	return GRPC_STATUS_OK;
}

static int
list_pod_stats_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ListPodSandboxStatsRequest *req =
	    (const Runtime__V1__ListPodSandboxStatsRequest *)msg;
	struct pod_list l = {0};
	int r = stats_pods_collect(ud, NULL, req->filter, &l);
	Runtime__V1__ListPodSandboxStatsResponse resp;
	runtime__v1__list_pod_sandbox_stats_response__init(&resp);
	resp.n_stats = l.n_out;
	resp.stats = l.out;
	if (r == 0)
		r = grpc_call_send(call, &resp.base);
	stats_pods_done(&l);
	if (r < 0)
		return grpc_call_failf(call, r, "ListPodSandboxStats: %s", strerror(-r));
	return GRPC_STATUS_OK;
}

int
stats_pod_register(struct grpc_server *s)
{
	int r = grpc_server_handle(s, SVC, "PodSandboxStats", GRPC_METHOD_UNARY, pod_stats_handler);
	if (r == 0)
		r = grpc_server_handle(s, SVC, "ListPodSandboxStats", GRPC_METHOD_UNARY,
				       list_pod_stats_handler);
	return r;
}
