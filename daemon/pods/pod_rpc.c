/* SPDX-License-Identifier: Apache-2.0 */
/* The sandbox RPCs: RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus and
 * ListPodSandbox.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/crisp.h"
#include "daemon/pods/pods.h"
#include "parsers/base/macro.h"

#define SVC (&runtime__v1__runtime_service__descriptor)

static int
new_id(char out[65])
{
	uint8_t b[32];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static int64_t
now_unix_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Deep copy of a protobuf message through pack/unpack. */
static Runtime__V1__PodSandboxConfig *
copy_config(const Runtime__V1__PodSandboxConfig *c)
{
	size_t len = protobuf_c_message_get_packed_size(&c->base);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return NULL;
	(void)protobuf_c_message_pack(&c->base, buf);
	return runtime__v1__pod_sandbox_config__unpack(NULL, len, buf);
}

static int
same_metadata(const Runtime__V1__PodSandboxMetadata *a, const Runtime__V1__PodSandboxMetadata *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->namespace_, b->namespace_) == 0 &&
	       strcmp(a->uid, b->uid) == 0 && a->attempt == b->attempt;
}

/* Insert a new pod unless one with the same metadata exists (CRI-O's rule). */
static int
reserve(struct pods *p, struct pod *pod, char *dup_id)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++)
		if (same_metadata(p->v[i]->config->metadata, pod->config->metadata)) {
			memcpy(dup_id, p->v[i]->id, 65);
			pthread_mutex_unlock(&p->mu);
			return -EEXIST;
		}
	struct pod **n = realloc(p->v, (p->n + 1) * sizeof(*n));
	if (!n) {
		pthread_mutex_unlock(&p->mu);
		return -ENOMEM;
	}
	p->v = n;
	p->v[p->n++] = pod;
	atomic_fetch_add(&pod->refs, 1); /* the table's reference */
	pthread_mutex_unlock(&p->mu);
	return 0;
}

static void
unlist(struct pods *p, struct pod *pod)
{
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] == pod) {
			p->v[i] = p->v[--p->n];
			pthread_mutex_lock(&pod->st_mu);
			pod->removed = 1;
			pthread_mutex_unlock(&pod->st_mu);
			pthread_mutex_unlock(&p->mu);
			pod_unref(pod);
			return;
		}
	pthread_mutex_unlock(&p->mu);
}

/* A step of the pod's life (namespaces, CNI plugins, the OCI runtime, files on the host)
 * failed: the request was validated before, so its errno describes that step. */
static int
fail_external(struct grpc_call *call, int r, const char *rpc, const char *err)
{
	struct error e = {0};
	(void)error_set_external(&e, r, "%s: %s", rpc, err);
	return grpc_call_fail(call, &e);
}

/* A pod id that names no pod (NOT_FOUND) or more than one (an ambiguous prefix). */
static int
fail_lookup(struct grpc_call *call, const char *id, int ambiguous)
{
	if (ambiguous)
		return grpc_call_failf(call, EINVAL, "pod sandbox id prefix %.64s is ambiguous",
				       id);
	return grpc_call_failf(call, ENOENT, "pod sandbox %.64s not found", id);
}

static int
run_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__RunPodSandboxRequest *req =
	    (const Runtime__V1__RunPodSandboxRequest *)msg;
	struct crisp *cr = ud;
	char err[1024];
	/* Every refusal of pod_validate is about the request, whatever errno it picked. */
	if (pod_validate(cr, req, err, sizeof(err)) < 0)
		return grpc_call_failf(call, EINVAL, "%s", err);
	struct pod *pod = pod_new();
	if (!pod || new_id(pod->id) < 0 || !(pod->config = copy_config(req->config)) ||
	    !(pod->runtime_handler = strdup(req->runtime_handler))) {
		pod_unref(pod);
		return grpc_call_failf(call, ENOMEM, "out of memory");
	}
	pod->created_at = now_unix_ns();
	pod_set_modes(pod);
	char dup[65];
	pthread_mutex_lock(&pod->mu); /* held across reserve: others wait until it exists */
	int r = reserve(cr->pods, pod, dup);
	if (r < 0) {
		pthread_mutex_unlock(&pod->mu);
		pod_unref(pod);
		if (r == -EEXIST)
			return grpc_call_failf(
			    call, r,
			    "pod sandbox with name %s (namespace %s, uid %s, "
			    "attempt %u) already exists as %s",
			    req->config->metadata->name, req->config->metadata->namespace_,
			    req->config->metadata->uid, req->config->metadata->attempt, dup);
		return grpc_call_failf(call, r, "out of memory");
	}
	r = pod_run(cr, pod, grpc_call_deadline_ns(call), err, sizeof(err));
	if (r < 0)
		unlist(cr->pods, pod);
	pthread_mutex_unlock(&pod->mu);
	if (r < 0) {
		pod_unref(pod);
		return fail_external(call, r, "RunPodSandbox", err);
	}
	/* Names are data (any bytes but control bytes): escaped and capped in the log. */
	const Runtime__V1__PodSandboxMetadata *m = pod->config->metadata;
	char ens[4 * LOG_MAX_UNTRUSTED + 4], ename[4 * LOG_MAX_UNTRUSTED + 4];
	log_info(grpc_call_id(call), "pod %s (%s/%s) ready%s%s", pod->id,
		 log_escape(m->namespace_, strlen(m->namespace_), ens, sizeof(ens)),
		 log_escape(m->name, strlen(m->name), ename, sizeof(ename)),
		 pod->n_ips ? " ip " : "", pod->n_ips ? pod->ips[0] : "");
	Runtime__V1__RunPodSandboxResponse resp;
	runtime__v1__run_pod_sandbox_response__init(&resp);
	resp.pod_sandbox_id = pod->id;
	r = grpc_call_reply(call, &resp.base);
	pod_unref(pod);
	return r;
}

/* Find a pod by full id or unique prefix, as crictl users type them. */
static struct pod *
lookup(struct pods *p, const char *id, int *ambiguous)
{
	struct pod *found = NULL;
	size_t l = strlen(id);
	*ambiguous = 0;
	if (l == 0 || l > 64)
		return NULL;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++) {
		if (strncmp(p->v[i]->id, id, l) != 0)
			continue;
		if (found) {
			*ambiguous = 1;
			found = NULL;
			break;
		}
		found = p->v[i];
	}
	if (found)
		atomic_fetch_add(&found->refs, 1);
	pthread_mutex_unlock(&p->mu);
	return found;
}

/* Look up a pod and take one of its mutexes: pod->mu for an operation, pod->st_mu for reading
 * (Status: never behind another request's slow work). NULL (a NOT_FOUND-worthy result) if it
 * is gone or still being created. */
static struct pod *
lock_pod_mu(struct crisp *cr, const char *id, int *ambiguous, bool reading)
{
	struct pod *pod = lookup(cr->pods, id, ambiguous);
	if (!pod)
		return NULL;
	pthread_mutex_t *mu = reading ? &pod->st_mu : &pod->mu;
	pthread_mutex_lock(mu);
	if (pod->removed || pod->state == POD_CREATING) {
		pthread_mutex_unlock(mu);
		pod_unref(pod);
		return NULL;
	}
	return pod;
}

static struct pod *
lock_pod(struct crisp *cr, const char *id, int *ambiguous)
{
	return lock_pod_mu(cr, id, ambiguous, false);
}

static void
unlock_pod(struct pod *pod)
{
	pthread_mutex_unlock(&pod->mu);
	pod_unref(pod);
}

static struct pod *
read_lock_pod(struct crisp *cr, const char *id, int *ambiguous)
{
	return lock_pod_mu(cr, id, ambiguous, true);
}

static void
read_unlock_pod(struct pod *pod)
{
	pthread_mutex_unlock(&pod->st_mu);
	pod_unref(pod);
}

static int
send_empty(struct grpc_call *call, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage m;
	protobuf_c_message_init(d, &m);
	return grpc_call_reply(call, &m);
}

static int
stop_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__StopPodSandboxRequest *req =
	    (const Runtime__V1__StopPodSandboxRequest *)msg;
	struct crisp *cr = ud;
	int amb;
	struct pod *pod = lock_pod(cr, req->pod_sandbox_id, &amb);
	if (!pod) {
		if (amb)
			return fail_lookup(call, req->pod_sandbox_id, amb);
		/* Stopping a pod that does not exist is not an error (kubelet retries). */
		return send_empty(call, &runtime__v1__stop_pod_sandbox_response__descriptor);
	}
	char err[1024];
	int r = pod_stop(cr, pod, err, sizeof(err));
	if (r == 0)
		log_info(grpc_call_id(call), "pod %s stopped", pod->id);
	unlock_pod(pod);
	if (r < 0)
		return fail_external(call, r, "StopPodSandbox", err);
	return send_empty(call, &runtime__v1__stop_pod_sandbox_response__descriptor);
}

static int
remove_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__RemovePodSandboxRequest *req =
	    (const Runtime__V1__RemovePodSandboxRequest *)msg;
	struct crisp *cr = ud;
	int amb;
	struct pod *pod = lock_pod(cr, req->pod_sandbox_id, &amb);
	if (!pod) {
		if (amb)
			return fail_lookup(call, req->pod_sandbox_id, amb);
		return send_empty(call, &runtime__v1__remove_pod_sandbox_response__descriptor);
	}
	char err[1024];
	int r = pod->state == POD_READY ? pod_stop(cr, pod, err, sizeof(err)) : 0;
	if (r == 0)
		r = pod_teardown(cr, pod, err, sizeof(err));
	if (r == 0)
		r = pod_delete_record(cr->pods, pod->id);
	if (r == 0) {
		unlist(cr->pods, pod);
		log_info(grpc_call_id(call), "pod %s removed", pod->id);
	}
	unlock_pod(pod);
	if (r < 0)
		return fail_external(call, r, "RemovePodSandbox", err);
	return send_empty(call, &runtime__v1__remove_pod_sandbox_response__descriptor);
}

/* ---- status and list -------------------------------------------------------------------- */

struct status_buf {
	Runtime__V1__PodSandboxStatus st;
	Runtime__V1__PodSandboxNetworkStatus net;
	Runtime__V1__PodIP extra[16];
	Runtime__V1__PodIP *extrap[16];
	Runtime__V1__LinuxPodSandboxStatus lin;
	Runtime__V1__Namespace ns;
	Runtime__V1__NamespaceOption opts;
};

static void
fill_status(const struct pod *pod, struct status_buf *b)
{
	runtime__v1__pod_sandbox_status__init(&b->st);
	b->st.id = UNCONST(pod->id);
	b->st.metadata = pod->config->metadata;
	b->st.state = pod->state == POD_READY ? RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_READY
					      : RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_NOTREADY;
	b->st.created_at = pod->created_at;
	runtime__v1__pod_sandbox_network_status__init(&b->net);
	if (pod->n_ips > 0 && pod->network_up) {
		b->net.ip = pod->ips[0];
		for (size_t i = 1; i < pod->n_ips && i <= 16; i++) {
			runtime__v1__pod_ip__init(&b->extra[i - 1]);
			b->extra[i - 1].ip = pod->ips[i];
			b->extrap[i - 1] = &b->extra[i - 1];
			b->net.n_additional_ips = i;
		}
		b->net.additional_ips = b->extrap;
	}
	b->st.network = &b->net;
	runtime__v1__namespace_option__init(&b->opts);
	b->opts.network =
	    pod->host_net ? RUNTIME__V1__NAMESPACE_MODE__NODE : RUNTIME__V1__NAMESPACE_MODE__POD;
	b->opts.ipc =
	    pod->host_ipc ? RUNTIME__V1__NAMESPACE_MODE__NODE : RUNTIME__V1__NAMESPACE_MODE__POD;
	b->opts.pid = (Runtime__V1__NamespaceMode)pod->pid_mode;
	runtime__v1__namespace__init(&b->ns);
	b->ns.options = &b->opts;
	runtime__v1__linux_pod_sandbox_status__init(&b->lin);
	b->lin.namespaces = &b->ns;
	b->st.linux = &b->lin;
	b->st.n_labels = pod->config->n_labels;
	b->st.labels = (Runtime__V1__PodSandboxStatus__LabelsEntry **)pod->config->labels;
	b->st.n_annotations = pod->config->n_annotations;
	b->st.annotations =
	    (Runtime__V1__PodSandboxStatus__AnnotationsEntry **)pod->config->annotations;
	b->st.runtime_handler = pod->runtime_handler;
}

static char *
verbose_info(const struct pod *pod)
{
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "netns", pod->netns_path ? pod->netns_path : "",
	    "ipcns", pod->ipcns_path ? pod->ipcns_path : "", "utsns",
	    pod->utsns_path ? pod->utsns_path : "", "runDir", pod->run_dir ? pod->run_dir : "",
	    "cniNetwork", pod->cni_network ? pod->cni_network : "", "cniConfFile",
	    pod->cni_conf_file ? pod->cni_conf_file : "", "networkUp", pod->network_up);
	if (!o)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static int
status_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__PodSandboxStatusRequest *req =
	    (const Runtime__V1__PodSandboxStatusRequest *)msg;
	struct crisp *cr = ud;
	int amb;
	struct pod *pod = read_lock_pod(cr, req->pod_sandbox_id, &amb);
	if (!pod)
		return fail_lookup(call, req->pod_sandbox_id, amb);
	cleanup_free struct status_buf *b = calloc(1, sizeof(*b));
	cleanup_free char *info = req->verbose ? verbose_info(pod) : NULL;
	int r;
	if (!b) {
		r = grpc_call_failf(call, ENOMEM, "out of memory");
	} else {
		fill_status(pod, b);
		Runtime__V1__PodSandboxStatusResponse resp;
		runtime__v1__pod_sandbox_status_response__init(&resp);
		resp.status = &b->st;
		Runtime__V1__PodSandboxStatusResponse__InfoEntry e, *ep = &e;
		if (info) {
			runtime__v1__pod_sandbox_status_response__info_entry__init(&e);
			e.key = UNCONST("info");
			e.value = info;
			resp.n_info = 1;
			resp.info = &ep;
		}
		r = grpc_call_reply(call, &resp.base);
	}
	read_unlock_pod(pod);
	return r;
}

static int
labels_match(const Runtime__V1__PodSandboxConfig *c, const Runtime__V1__PodSandboxFilter *f)
{
	for (size_t i = 0; i < f->n_label_selector; i++) {
		int hit = 0;
		for (size_t j = 0; j < c->n_labels && !hit; j++)
			hit = strcmp(c->labels[j]->key, f->label_selector[i]->key) == 0 &&
			      strcmp(c->labels[j]->value, f->label_selector[i]->value) == 0;
		if (!hit)
			return 0;
	}
	return 1;
}

static int
matches(const struct pod *pod, const Runtime__V1__PodSandboxFilter *f)
{
	if (pod->state == POD_CREATING || pod->removed)
		return 0;
	if (!f)
		return 1;
	if (f->id[0] && strncmp(pod->id, f->id, strlen(f->id)) != 0)
		return 0;
	if (f->state) {
		int ready = pod->state == POD_READY;
		if ((f->state->state == RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_READY) != ready)
			return 0;
	}
	return labels_match(pod->config, f);
}

struct list_item {
	Runtime__V1__PodSandbox sb;
	struct pod *pod;
};

static int
list_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ListPodSandboxRequest *req =
	    (const Runtime__V1__ListPodSandboxRequest *)msg;
	struct crisp *cr = ud;
	struct pods *p = cr->pods;
	pthread_mutex_lock(&p->mu);
	size_t n = p->n;
	cleanup_free struct list_item *items = calloc(n ? n : 1, sizeof(*items));
	cleanup_free Runtime__V1__PodSandbox **ptrs = calloc(n ? n : 1, sizeof(*ptrs));
	size_t k = 0;
	for (size_t i = 0; items && ptrs && i < n; i++) {
		items[k].pod = p->v[i];
		atomic_fetch_add(&p->v[i]->refs, 1);
		k++;
	}
	pthread_mutex_unlock(&p->mu);
	if (!items || !ptrs)
		return grpc_call_failf(call, ENOMEM, "out of memory");
	size_t out = 0;
	for (size_t i = 0; i < k; i++) {
		/* One pod's st_mu at a time, never held across the send: two Lists holding
		 * several in different orders could deadlock, and a slow RunPodSandbox or
		 * StopPodSandbox holds only mu. Everything kept past the unlock is immutable. */
		struct pod *pod = items[i].pod;
		pthread_mutex_lock(&pod->st_mu);
		if (matches(pod, req->filter)) {
			Runtime__V1__PodSandbox *sb = &items[out].sb;
			runtime__v1__pod_sandbox__init(sb);
			sb->id = pod->id;
			sb->metadata = pod->config->metadata;
			sb->state = pod->state == POD_READY
					? RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_READY
					: RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_NOTREADY;
			sb->created_at = pod->created_at;
			sb->n_labels = pod->config->n_labels;
			sb->labels = (Runtime__V1__PodSandbox__LabelsEntry **)pod->config->labels;
			sb->n_annotations = pod->config->n_annotations;
			sb->annotations =
			    (Runtime__V1__PodSandbox__AnnotationsEntry **)pod->config->annotations;
			sb->runtime_handler = pod->runtime_handler;
			ptrs[out++] = sb;
		}
		pthread_mutex_unlock(&pod->st_mu);
	}
	Runtime__V1__ListPodSandboxResponse resp;
	runtime__v1__list_pod_sandbox_response__init(&resp);
	resp.n_items = out;
	resp.items = ptrs;
	int r = grpc_call_send(call, &resp.base);
	for (size_t i = 0; i < k; i++)
		pod_unref(items[i].pod);
	if (r == -EMSGSIZE)
		return grpc_call_failf(call, r, "the list is larger than 16 MiB; use a filter");
	if (r < 0)
		return grpc_call_failf(call, r, "cannot send the list: %s", strerror(-r));
	return GRPC_STATUS_OK;
}

int
pods_register(struct grpc_server *s)
{
	static const struct {
		const char *name;
		grpc_method_fn fn;
	} m[] = {
	    {"RunPodSandbox", run_handler},       {"StopPodSandbox", stop_handler},
	    {"RemovePodSandbox", remove_handler}, {"PodSandboxStatus", status_handler},
	    {"ListPodSandbox", list_handler},
	};

	for (size_t i = 0; i < ELEMENTSOF(m); i++) {
		int r = grpc_server_handle(s, SVC, m[i].name, GRPC_METHOD_UNARY, m[i].fn);
		if (r < 0)
			return r;
	}
	return 0;
}
