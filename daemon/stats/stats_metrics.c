/* SPDX-License-Identifier: Apache-2.0 */
/* ListMetricDescriptors and ListPodSandboxMetrics: the stats of ListPodSandboxStats restated
 * as the cAdvisor metrics kubelet's CRI-stats path serves (container CPU and memory, pod
 * network per interface). Values are the UInt64 the CRI message carries: seconds are whole
 * seconds (CPU time is truncated), bytes and error counts exact.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/crisp.h"
#include "daemon/pods/pods.h"
#include "daemon/stats/stats_internal.h"
#include "parsers/base/macro.h"

#define SVC (&runtime__v1__runtime_service__descriptor)

enum msrc {
	M_CPU,
	M_MEM,
	M_WS,
	M_RSS,
	M_RXB,
	M_RXE,
	M_TXB,
	M_TXE
};

static const struct mdef {
	const char *name, *help;
	Runtime__V1__MetricType type;
	enum msrc src;
} DEFS[] = {
    {"container_cpu_usage_seconds_total", "CPU time used by the container, in seconds.",
     RUNTIME__V1__METRIC_TYPE__COUNTER, M_CPU},
    {"container_memory_usage_bytes", "Memory charged to the container's cgroup, in bytes.",
     RUNTIME__V1__METRIC_TYPE__GAUGE, M_MEM},
    {"container_memory_working_set_bytes",
     "Memory usage minus inactive file pages (what the OOM logic looks at), in bytes.",
     RUNTIME__V1__METRIC_TYPE__GAUGE, M_WS},
    {"container_memory_rss", "Anonymous memory of the container, in bytes.",
     RUNTIME__V1__METRIC_TYPE__GAUGE, M_RSS},
    {"container_network_receive_bytes_total", "Bytes received on a pod interface.",
     RUNTIME__V1__METRIC_TYPE__COUNTER, M_RXB},
    {"container_network_receive_errors_total", "Receive errors on a pod interface.",
     RUNTIME__V1__METRIC_TYPE__COUNTER, M_RXE},
    {"container_network_transmit_bytes_total", "Bytes sent on a pod interface.",
     RUNTIME__V1__METRIC_TYPE__COUNTER, M_TXB},
    {"container_network_transmit_errors_total", "Transmit errors on a pod interface.",
     RUNTIME__V1__METRIC_TYPE__COUNTER, M_TXE},
};

#define N_CTR_DEFS 4u
#define N_NET_DEFS 4u

static char *const CTR_KEYS[] = {UNCONST("id"), UNCONST("name"), UNCONST("image")};
static char *const NET_KEYS[] = {UNCONST("id"), UNCONST("name"), UNCONST("image"),
				 UNCONST("interface")};

static int
descriptors_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	(void)msg;
	(void)ud;
	Runtime__V1__MetricDescriptor d[ELEMENTSOF(DEFS)], *dp[ELEMENTSOF(DEFS)];
	for (size_t i = 0; i < ELEMENTSOF(DEFS); i++) {
		runtime__v1__metric_descriptor__init(&d[i]);
		d[i].name = UNCONST(DEFS[i].name);
		d[i].help = UNCONST(DEFS[i].help);
		int net = DEFS[i].src >= M_RXB;
		d[i].n_label_keys = net ? ELEMENTSOF(NET_KEYS) : ELEMENTSOF(CTR_KEYS);
		d[i].label_keys = UNCONST(net ? NET_KEYS : CTR_KEYS);
		dp[i] = &d[i];
	}
	Runtime__V1__ListMetricDescriptorsResponse resp;
	runtime__v1__list_metric_descriptors_response__init(&resp);
	resp.n_descriptors = ELEMENTSOF(DEFS);
	resp.descriptors = dp;
	return grpc_call_reply(call, &resp.base);
}

/* One metric and what it points to. */
struct mbuf {
	Runtime__V1__Metric m;
	Runtime__V1__UInt64Value v;
	char *labels[4];
};

/* The value of a container metric, or 0 when the stats lack it. */
static int
ctr_value(const Runtime__V1__ContainerStats *c, enum msrc src, uint64_t *ret)
{
	const Runtime__V1__UInt64Value *v = NULL;
	if (src == M_CPU && c->cpu && c->cpu->usage_core_nano_seconds) {
		*ret = c->cpu->usage_core_nano_seconds->value / 1000000000u;
		return 1;
	}
	if (c->memory)
		v = src == M_MEM   ? c->memory->usage_bytes
		    : src == M_WS  ? c->memory->working_set_bytes
		    : src == M_RSS ? c->memory->rss_bytes
				   : NULL;
	if (v)
		*ret = v->value;
	return v != NULL;
}

static uint64_t
net_value(const Runtime__V1__NetworkInterfaceUsage *u, enum msrc src)
{
	const Runtime__V1__UInt64Value *v = src == M_RXB   ? u->rx_bytes
					    : src == M_RXE ? u->rx_errors
					    : src == M_TXB ? u->tx_bytes
							   : u->tx_errors;
	return v ? v->value : 0;
}

static void
mbuf_set(struct mbuf *b, const struct mdef *d, int64_t ts, uint64_t v, size_t n_labels)
{
	runtime__v1__metric__init(&b->m);
	runtime__v1__uint64_value__init(&b->v);
	b->m.name = UNCONST(d->name);
	b->m.timestamp = ts;
	b->m.metric_type = d->type;
	b->v.value = v;
	b->m.value = &b->v;
	b->m.n_label_values = n_labels;
	b->m.label_values = b->labels;
}

/* Per call: every pointer array and metric in a few allocations. */
struct marena {
	struct mbuf *b;
	Runtime__V1__Metric **mp;
	size_t used, cap;
	Runtime__V1__PodSandboxMetrics *pm, **pmp;
	Runtime__V1__ContainerMetrics *cm, **cmp;
	size_t cm_used;
};

static Runtime__V1__Metric **
take(struct marena *a, size_t n)
{
	return a->used + n <= a->cap ? &a->mp[a->used] : NULL;
}

static void
pod_net_metrics(struct marena *a, struct pod_sample *p, Runtime__V1__PodSandboxMetrics *pm)
{
	const Runtime__V1__NetworkUsage *net = p->lin.network;
	size_t n_if = net ? net->n_interfaces : 0;
	pm->metrics = take(a, n_if * N_NET_DEFS);
	for (size_t i = 0; pm->metrics && i < n_if; i++)
		for (size_t k = 0; k < N_NET_DEFS; k++) {
			const struct mdef *d = &DEFS[N_CTR_DEFS + k];
			struct mbuf *b = &a->b[a->used];
			mbuf_set(b, d, net->timestamp, net_value(net->interfaces[i], d->src), 4);
			b->labels[0] = p->pod->id;
			b->labels[1] = p->pod->config->metadata->name;
			b->labels[2] = UNCONST("");
			b->labels[3] = net->interfaces[i]->name;
			a->mp[a->used++] = &b->m;
			pm->n_metrics++;
		}
}

static void
ctr_metrics(struct marena *a, struct ctr_sample *s, Runtime__V1__ContainerMetrics *cm)
{
	runtime__v1__container_metrics__init(cm);
	cm->container_id = s->id;
	cm->metrics = take(a, N_CTR_DEFS);
	for (size_t k = 0; cm->metrics && k < N_CTR_DEFS; k++) {
		uint64_t v;
		if (!ctr_value(&s->m.ctr, DEFS[k].src, &v))
			continue;
		struct mbuf *b = &a->b[a->used];
		int64_t ts = DEFS[k].src == M_CPU ? s->m.cpu.timestamp : s->m.mem.timestamp;
		mbuf_set(b, &DEFS[k], ts, v, 3);
		b->labels[0] = s->id;
		b->labels[1] = s->config->metadata->name;
		b->labels[2] = s->config->image ? s->config->image->image : UNCONST("");
		a->mp[a->used++] = &b->m;
		cm->n_metrics++;
	}
}

static int
arena_init(struct marena *a, const struct pod_list *l)
{
	size_t n = l->ns * N_CTR_DEFS;
	for (size_t i = 0; i < l->np; i++)
		if (l->p[i].take && l->p[i].lin.network)
			n += l->p[i].lin.network->n_interfaces * N_NET_DEFS;
	a->cap = n;
	a->b = calloc(n + 1, sizeof(*a->b));
	a->mp = calloc(n + 1, sizeof(*a->mp));
	a->pm = calloc(l->np + 1, sizeof(*a->pm));
	a->pmp = calloc(l->np + 1, sizeof(*a->pmp));
	a->cm = calloc(l->ns + 1, sizeof(*a->cm));
	a->cmp = calloc(l->ns + 1, sizeof(*a->cmp));
	return a->b && a->mp && a->pm && a->pmp && a->cm && a->cmp ? 0 : -ENOMEM;
}

static void
arena_done(struct marena *a)
{
	free(a->b);
	free(a->mp);
	free(a->pm);
	free(a->pmp);
	free(a->cm);
	free(a->cmp);
}

/* The pod's metrics: its interfaces, then one ContainerMetrics per container of it. */
static void
pod_metrics(struct marena *a, const struct pod_list *l, struct pod_sample *p,
	    Runtime__V1__PodSandboxMetrics *pm)
{
	runtime__v1__pod_sandbox_metrics__init(pm);
	pm->pod_sandbox_id = p->pod->id;
	pod_net_metrics(a, p, pm);
	pm->container_metrics = &a->cmp[a->cm_used];
	for (size_t i = 0; i < l->ns; i++) {
		if (strcmp(l->s[i].pod_id, p->pod->id) != 0)
			continue;
		Runtime__V1__ContainerMetrics *cm = &a->cm[a->cm_used];
		ctr_metrics(a, &l->s[i], cm);
		a->cmp[a->cm_used++] = cm;
		pm->n_container_metrics++;
	}
}

static int
pod_metrics_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	(void)msg;
	struct pod_list l = {0};
	struct marena a = {0};
	int r = stats_pods_collect(ud, NULL, NULL, &l);
	if (r == 0)
		r = arena_init(&a, &l);
	size_t n = 0;
	for (size_t i = 0; r == 0 && i < l.np; i++) {
		if (!l.p[i].take)
			continue;
		pod_metrics(&a, &l, &l.p[i], &a.pm[n]);
		a.pmp[n] = &a.pm[n];
		n++;
	}
	Runtime__V1__ListPodSandboxMetricsResponse resp;
	runtime__v1__list_pod_sandbox_metrics_response__init(&resp);
	resp.n_pod_metrics = n;
	resp.pod_metrics = a.pmp;
	if (r == 0)
		r = grpc_call_send(call, &resp.base);
	arena_done(&a);
	stats_pods_done(&l);
	if (r < 0)
		return grpc_call_failf(call, r, "ListPodSandboxMetrics: %s", strerror(-r));
	return GRPC_STATUS_OK;
}

int
stats_metrics_register(struct grpc_server *s)
{
	int r = grpc_server_handle(s, SVC, "ListMetricDescriptors", GRPC_METHOD_UNARY,
				   descriptors_handler);
	if (r == 0)
		r = grpc_server_handle(s, SVC, "ListPodSandboxMetrics", GRPC_METHOD_UNARY,
				       pod_metrics_handler);
	return r;
}
