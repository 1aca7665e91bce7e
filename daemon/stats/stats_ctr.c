/* SPDX-License-Identifier: Apache-2.0 */
/* Container stats: one ContainerStats message per container from its cgroup (CPU, memory),
 * the stats cache (usage_nano_cores, writable layer), and its record (attributes); and the
 * ContainerStats and ListContainerStats handlers.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/containers/ctr_internal.h"
#include "daemon/crisp.h"
#include "daemon/stats/stats_internal.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

#define SVC (&runtime__v1__runtime_service__descriptor)

int64_t
stats_now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

Runtime__V1__UInt64Value *
stats_u64(Runtime__V1__UInt64Value *pool, size_t cap, size_t *used, uint64_t v)
{
	if (*used >= cap)
		return NULL;
	Runtime__V1__UInt64Value *u = &pool[(*used)++];
	runtime__v1__uint64_value__init(u);
	u->value = v;
	return u;
}

void
stats_fill_cpu(struct stats_msgs *m, const char *key, uint64_t cpu_ns, int64_t now)
{
	Runtime__V1__CpuUsage *c = &m->cpu;
	runtime__v1__cpu_usage__init(c);
	c->timestamp = now;
	c->usage_core_nano_seconds = STATS_U64(m, cpu_ns);
	uint64_t nc;
	if (stats_cache_cpu(key, cpu_ns, now, &nc) == 0)
		c->usage_nano_cores = STATS_U64(m, nc);
}

void
stats_fill_mem(struct stats_msgs *m, const struct cgs_mem *mem, int64_t now)
{
	Runtime__V1__MemoryUsage *u = &m->mem;
	runtime__v1__memory_usage__init(u);
	u->timestamp = now;
	u->working_set_bytes = STATS_U64(m, mem->working_set);
	u->usage_bytes = STATS_U64(m, mem->usage);
	u->rss_bytes = STATS_U64(m, mem->rss);
	u->page_faults = STATS_U64(m, mem->pgfault);
	u->major_page_faults = STATS_U64(m, mem->pgmajfault);
	if (mem->limited) /* CRI: limit - working set, only when there is a limit */
		u->available_bytes =
		    STATS_U64(m, mem->limit > mem->working_set ? mem->limit - mem->working_set : 0);
}

static int
label_match(const ctr_record *r, const Runtime__V1__ContainerStatsFilter *f)
{
	for (size_t i = 0; i < f->n_label_selector; i++) {
		int hit = 0;
		for (size_t j = 0; j < r->config->n_labels && !hit; j++)
			hit = strcmp(r->config->labels[j]->key, f->label_selector[i]->key) == 0 &&
			      strcmp(r->config->labels[j]->value, f->label_selector[i]->value) == 0;
		if (!hit)
			return 0;
	}
	return 1;
}

/* Filter: id and pod id by prefix (as ListContainers), every label selector pair. */
static int
ctr_matches(const ctr_record *r, const Runtime__V1__ContainerStatsFilter *f)
{
	if (!f)
		return 1;
	if (f->id[0] && strncmp(r->id, f->id, strlen(f->id)) != 0)
		return 0;
	if (f->pod_sandbox_id[0] &&
	    strncmp(r->pod_id, f->pod_sandbox_id, strlen(f->pod_sandbox_id)) != 0)
		return 0;
	return label_match(r, f);
}

/* Copies what the sample needs under st_mu: what is kept past the unlock (config) is
 * immutable while c is referenced. 0, or -ENOENT when c was removed or does not match. */
static int
ctr_take(struct ctr *c, const Runtime__V1__ContainerStatsFilter *f, struct ctr_sample *s)
{
	pthread_mutex_lock(&c->st_mu);
	const ctr_record *r = c->rec;
	int r_ok =
	    !c->removed && ctr_matches(r, f) &&
	    snprintf(s->id, sizeof(s->id), "%s", r->id) < (int)sizeof(s->id) &&
	    snprintf(s->pod_id, sizeof(s->pod_id), "%s", r->pod_id) < (int)sizeof(s->pod_id) &&
	    snprintf(s->cgroups, sizeof(s->cgroups), "%s", r->cgroups_path) <
		(int)sizeof(s->cgroups) &&
	    path_fmt(s->upper, sizeof(s->upper), "%s/upper", r->storage) == 0;
	s->running = r->state == CRISP__STATE__CONTAINER_STATE__CTR_RUNNING;
	s->pid = s->running ? r->pid : 0;
	s->config = r->config;
	pthread_mutex_unlock(&c->st_mu);
	return r_ok ? 0 : -ENOENT;
}

static void
fill_layer(struct stats_msgs *m, const struct ctr_sample *s, const struct stats_env *env)
{
	uint64_t b, i;
	int64_t ts;
	if (stats_cache_layer(s->id, s->upper, env->now, &b, &i, &ts) < 0)
		return;
	Runtime__V1__FilesystemUsage *fs = &m->fs;
	runtime__v1__filesystem_usage__init(fs);
	runtime__v1__filesystem_identifier__init(&m->fsid);
	m->fsid.mountpoint = UNCONST(env->root);
	fs->timestamp = ts;
	fs->fs_id = &m->fsid;
	fs->used_bytes = STATS_U64(m, b);
	fs->inodes_used = STATS_U64(m, i);
	m->ctr.writable_layer = fs;
}

/* Read one container's numbers into s->m (kernel reads; no lock held). */
void
stats_ctr_sample(struct ctr_sample *s, const struct stats_env *env)
{
	struct stats_msgs *m = &s->m;
	runtime__v1__container_stats__init(&m->ctr);
	runtime__v1__container_attributes__init(&m->attr);
	m->attr.id = s->id;
	m->attr.metadata = s->config->metadata;
	m->attr.n_labels = s->config->n_labels;
	m->attr.labels = (Runtime__V1__ContainerAttributes__LabelsEntry **)s->config->labels;
	m->attr.n_annotations = s->config->n_annotations;
	m->attr.annotations =
	    (Runtime__V1__ContainerAttributes__AnnotationsEntry **)s->config->annotations;
	m->ctr.attributes = &m->attr;
	char dir[CRISP_PATH_MAX];
	if (s->running && cgs_dir_of(s->cgroups, env->systemd, dir, sizeof(dir)) == 0 &&
	    stats_cg_read("/sys/fs/cgroup", env->v2, dir, &s->cg) == 0) {
		s->have_cg = 1;
		if (s->cg.have_cpu) {
			stats_fill_cpu(m, s->id, s->cg.cpu_ns, env->now);
			m->ctr.cpu = &m->cpu;
		}
		if (s->cg.have_mem) {
			stats_fill_mem(m, &s->cg.mem, env->now);
			m->ctr.memory = &m->mem;
		}
	}
	fill_layer(m, s, env);
}

void
stats_env_init(struct crisp *cr, struct stats_env *env)
{
	const struct config *cfg = crisp_config_lock(cr);
	env->systemd = cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD;
	snprintf(env->root, sizeof(env->root), "%s", cfg->root);
	crisp_config_unlock(cr, cfg);
	env->v2 = stats_cgroup_v2();
	env->now = stats_now_ns();
}

struct ctr_sample *
stats_ctrs_collect(struct crisp *cr, const Runtime__V1__ContainerStatsFilter *f,
		   const struct stats_env *env, struct ctr ***ret_v, size_t *ret_nv, size_t *ret_n)
{
	size_t nv = 0, n = 0;
	struct ctr **v = ctrs_snapshot(cr->ctrs, &nv);
	struct ctr_sample *s = v ? calloc(nv + 1, sizeof(*s)) : NULL;
	for (size_t i = 0; s && i < nv; i++)
		if (ctr_take(v[i], f, &s[n]) == 0)
			stats_ctr_sample(&s[n++], env);
	if (!s) {
		ctrs_snapshot_free(v, nv);
		return NULL;
	}
	*ret_v = v;
	*ret_nv = nv;
	*ret_n = n;
	return s;
}

static int
container_stats_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ContainerStatsRequest *req =
	    (const Runtime__V1__ContainerStatsRequest *)msg;
	struct crisp *cr = ud;
	int amb = 0;
	struct ctr *c = req->container_id[0] ? ctrs_get(cr->ctrs, req->container_id, &amb) : NULL;
	if (!c)
		return grpc_call_failf(call, ENOENT, "container %.64s not found",
				       req->container_id);
	struct stats_env env;
	stats_env_init(cr, &env);
	cleanup_free struct ctr_sample *s = calloc(1, sizeof(*s));
	int r = s ? ctr_take(c, NULL, s) : -ENOMEM;
	if (r == 0)
		stats_ctr_sample(s, &env);
	Runtime__V1__ContainerStatsResponse resp;
	runtime__v1__container_stats_response__init(&resp);
	resp.stats = s ? &s->m.ctr : NULL;
	if (r == 0)
		r = grpc_call_send(call, &resp.base);
	ctr_unref(c);
	if (r < 0)
		return grpc_call_failf(call, r, "ContainerStats %.64s: %s", req->container_id,
				       strerror(-r));
	return GRPC_STATUS_OK;
}

static int
list_container_stats_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ListContainerStatsRequest *req =
	    (const Runtime__V1__ListContainerStatsRequest *)msg;
	struct crisp *cr = ud;
	struct stats_env env;
	stats_env_init(cr, &env);
	struct ctr **v = NULL;
	size_t nv = 0, n = 0;
	cleanup_free struct ctr_sample *s = stats_ctrs_collect(cr, req->filter, &env, &v, &nv, &n);
	cleanup_free Runtime__V1__ContainerStats **ptrs = calloc(n + 1, sizeof(*ptrs));
	int r = s && ptrs ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++)
		ptrs[i] = &s[i].m.ctr;
	Runtime__V1__ListContainerStatsResponse resp;
	runtime__v1__list_container_stats_response__init(&resp);
	resp.n_stats = n;
	resp.stats = ptrs;
	if (r == 0)
		r = grpc_call_send(call, &resp.base);
	if (v)
		ctrs_snapshot_free(v, nv);
	if (r < 0)
		return grpc_call_failf(call, r, "ListContainerStats: %s", strerror(-r));
	return GRPC_STATUS_OK;
}

int
stats_register(struct grpc_server *s)
{
	int r = grpc_server_handle(s, SVC, "ContainerStats", GRPC_METHOD_UNARY,
				   container_stats_handler);
	if (r == 0)
		r = grpc_server_handle(s, SVC, "ListContainerStats", GRPC_METHOD_UNARY,
				       list_container_stats_handler);
	if (r == 0)
		r = stats_pod_register(s);
	if (r == 0)
		r = stats_metrics_register(s);
	return r;
}
