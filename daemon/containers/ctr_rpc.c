/* SPDX-License-Identifier: Apache-2.0 */
/* The container RPCs: CreateContainer, StartContainer, StopContainer, RemoveContainer,
 * ContainerStatus, ListContainers, ExecSync; plus the pod hooks (a pod's stop and remove take
 * its containers with it).
 * runs in: daemon/privileged. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/containers/ctr_internal.h"
#include "daemon/containers/ctr_runtime.h"
#include "daemon/core/log.h"
#include "daemon/crisp.h"
#include "daemon/grpc/grpc_wire.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

#define SVC (&runtime__v1__runtime_service__descriptor)

static int
send_empty(struct grpc_call *call, const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage m;
	protobuf_c_message_init(d, &m);
	return grpc_call_reply(call, &m);
}

/* A step run by the OCI runtime or conmon failed: its errno describes that step. */
static int
fail_external(struct grpc_call *call, int r, const char *rpc, const char *err)
{
	struct error e = {0};
	(void)error_set_external(&e, r, "%s: %s", rpc, err);
	return grpc_call_fail(call, &e);
}

static int
create_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__CreateContainerRequest *req =
	    (const Runtime__V1__CreateContainerRequest *)msg;
	struct crisp *cr = ud;
	if (!req->config)
		return grpc_call_failf(call, EINVAL, "config is required");
	struct ctr_create_in in = {.cfg = req->config,
				   .pod_id = req->pod_sandbox_id,
				   .req = grpc_call_id(call),
				   .deadline_ns = grpc_call_deadline_ns(call)};
	char err[1024] = "";
	char *id = NULL;
	int r = ctr_create(cr, &in, &id, err, sizeof(err));
	if (r < 0)
		return grpc_call_failf(call, r, "CreateContainer: %s", err);
	/* Names are data (any bytes but control bytes): escaped and capped in the log. */
	const char *name = req->config->metadata->name;
	char esc[4 * LOG_MAX_UNTRUSTED + 4];
	log_info(grpc_call_id(call), "container %s (%s) created in pod %.64s", id,
		 log_escape(name, strlen(name), esc, sizeof(esc)), req->pod_sandbox_id);
	Runtime__V1__CreateContainerResponse resp;
	runtime__v1__create_container_response__init(&resp);
	resp.container_id = id;
	int s = grpc_call_reply(call, &resp.base);
	free(id);
	return s;
}

/* Look up a container and take c->mu (an operation) or c->st_mu (reading: Status, ExecSync,
 * never behind a runtime call); on failure *status holds the call's error reply. */
static struct ctr *
lock_ctr_mu(struct crisp *cr, const char *id, struct grpc_call *call, int *status, bool reading)
{
	int amb;
	struct ctr *c = ctrs_get(cr->ctrs, id, &amb);
	if (!c) {
		*status = grpc_call_failf(call, amb ? EINVAL : ENOENT, "container %.64s %s", id,
					  amb ? "is an ambiguous id prefix" : "not found");
		return NULL;
	}
	pthread_mutex_t *mu = reading ? &c->st_mu : &c->mu;
	pthread_mutex_lock(mu);
	if (c->removed) {
		pthread_mutex_unlock(mu);
		ctr_unref(c);
		*status = grpc_call_failf(call, ENOENT, "container %.64s not found", id);
		return NULL;
	}
	return c;
}

static struct ctr *
lock_ctr(struct crisp *cr, const char *id, struct grpc_call *call, int *status)
{
	return lock_ctr_mu(cr, id, call, status, false);
}

static void
unlock_ctr(struct ctr *c)
{
	pthread_mutex_unlock(&c->mu);
	ctr_unref(c);
}

static struct ctr *
read_lock_ctr(struct crisp *cr, const char *id, struct grpc_call *call, int *status)
{
	return lock_ctr_mu(cr, id, call, status, true);
}

static void
read_unlock_ctr(struct ctr *c)
{
	pthread_mutex_unlock(&c->st_mu);
	ctr_unref(c);
}

static int
start_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__StartContainerRequest *req =
	    (const Runtime__V1__StartContainerRequest *)msg;
	int st;
	struct ctr *c = lock_ctr(ud, req->container_id, call, &st);
	if (!c)
		return st;
	char err[1024];
	int r = ctr_start(ud, c, grpc_call_deadline_ns(call), err, sizeof(err));
	unlock_ctr(c);
	if (r < 0) /* EBUSY (not created) stays FAILED_PRECONDITION */
		return fail_external(call, r, "StartContainer", err);
	return send_empty(call, &runtime__v1__start_container_response__descriptor);
}

static int
stop_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__StopContainerRequest *req =
	    (const Runtime__V1__StopContainerRequest *)msg;
	int amb;
	struct ctr *c = ctrs_get(((struct crisp *)ud)->ctrs, req->container_id, &amb);
	if (!c) /* stopping what is not there is not an error (kubelet retries) */
		return send_empty(call, &runtime__v1__stop_container_response__descriptor);
	pthread_mutex_lock(&c->mu);
	char err[1024];
	int64_t t = req->timeout < 0                    ? 0
		    : req->timeout > STOP_MAX_TIMEOUT_S ? STOP_MAX_TIMEOUT_S
							: req->timeout;
	int r = c->removed ? 0 : ctr_stop(ud, c, t, err, sizeof(err));
	unlock_ctr(c);
	if (r < 0)
		return fail_external(call, r, "StopContainer", err);
	return send_empty(call, &runtime__v1__stop_container_response__descriptor);
}

static int
remove_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__RemoveContainerRequest *req =
	    (const Runtime__V1__RemoveContainerRequest *)msg;
	int amb;
	struct ctr *c = ctrs_get(((struct crisp *)ud)->ctrs, req->container_id, &amb);
	if (!c)
		return send_empty(call, &runtime__v1__remove_container_response__descriptor);
	pthread_mutex_lock(&c->mu);
	char err[1024];
	int r = c->removed ? 0 : ctr_remove(ud, c, err, sizeof(err));
	unlock_ctr(c);
	if (r < 0)
		return fail_external(call, r, "RemoveContainer", err);
	return send_empty(call, &runtime__v1__remove_container_response__descriptor);
}

/* ---- status and list -------------------------------------------------------------------- */

static char *
verbose_info(const ctr_record *r)
{
	json_t *o =
	    json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:i}", "sandboxID", r->pod_id, "pid", r->pid,
		      "bundle", r->bundle, "runtimeHandler", r->runtime_handler, "cgroupsPath",
		      r->cgroups_path, "imageRef", r->image_ref, "uid", (int)r->uid);
	if (!o)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static int
status_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ContainerStatusRequest *req =
	    (const Runtime__V1__ContainerStatusRequest *)msg;
	int st;
	struct ctr *c = read_lock_ctr(ud, req->container_id, call, &st);
	if (!c)
		return st;
	const ctr_record *r = c->rec;
	Runtime__V1__ImageSpec spec;
	runtime__v1__image_spec__init(&spec);
	spec.image = r->image_ref;
	Runtime__V1__ContainerStatus s;
	runtime__v1__container_status__init(&s);
	s.id = r->id;
	s.metadata = r->config->metadata;
	s.state = (Runtime__V1__ContainerState)r->state;
	s.created_at = r->created_at;
	s.started_at = r->started_at;
	s.finished_at = r->finished_at;
	s.exit_code = r->exit_code;
	s.image = &spec;
	s.image_ref = r->image_id;
	s.image_id = r->image_id;
	s.reason = r->reason;
	s.message = r->message;
	s.n_labels = r->config->n_labels;
	s.labels = (Runtime__V1__ContainerStatus__LabelsEntry **)r->config->labels;
	s.n_annotations = r->config->n_annotations;
	s.annotations = (Runtime__V1__ContainerStatus__AnnotationsEntry **)r->config->annotations;
	s.n_mounts = r->config->n_mounts;
	s.mounts = r->config->mounts;
	s.log_path = r->log_path;
	Runtime__V1__ContainerStatusResponse resp;
	runtime__v1__container_status_response__init(&resp);
	resp.status = &s;
	cleanup_free char *info = req->verbose ? verbose_info(r) : NULL;
	Runtime__V1__ContainerStatusResponse__InfoEntry e, *ep = &e;
	if (info) {
		runtime__v1__container_status_response__info_entry__init(&e);
		e.key = UNCONST("info");
		e.value = info;
		resp.n_info = 1;
		resp.info = &ep;
	}
	int rs = grpc_call_reply(call, &resp.base);
	read_unlock_ctr(c);
	return rs;
}

static int
matches(const ctr_record *r, const Runtime__V1__ContainerFilter *f)
{
	if (!f)
		return 1;
	if (f->id[0] && strncmp(r->id, f->id, strlen(f->id)) != 0)
		return 0;
	if (f->pod_sandbox_id[0] &&
	    strncmp(r->pod_id, f->pod_sandbox_id, strlen(f->pod_sandbox_id)) != 0)
		return 0;
	if (f->state && (int)f->state->state != (int)r->state)
		return 0;
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

static int
list_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ListContainersRequest *req =
	    (const Runtime__V1__ListContainersRequest *)msg;
	struct crisp *cr = ud;
	size_t n = 0;
	struct ctr **v = ctrs_snapshot(cr->ctrs, &n);
	Runtime__V1__Container *items = calloc(n + 1, sizeof(*items));
	Runtime__V1__Container **ptrs = calloc(n + 1, sizeof(*ptrs));
	Runtime__V1__ImageSpec *specs = calloc(n + 1, sizeof(*specs));
	size_t k = 0;
	for (size_t i = 0; v && items && ptrs && specs && i < n; i++) {
		/* One st_mu at a time, not held across the send (two Lists holding several in
		 * different orders could deadlock); what is kept past the unlock is immutable. */
		pthread_mutex_lock(&v[i]->st_mu);
		const ctr_record *r = v[i]->rec;
		if (v[i]->removed || !matches(r, req->filter)) {
			pthread_mutex_unlock(&v[i]->st_mu);
			continue;
		}
		Runtime__V1__Container *c = &items[k];
		runtime__v1__container__init(c);
		runtime__v1__image_spec__init(&specs[k]);
		specs[k].image = r->image_ref;
		c->id = r->id;
		c->pod_sandbox_id = r->pod_id;
		c->metadata = r->config->metadata;
		c->image = &specs[k];
		c->image_ref = r->image_id;
		c->image_id = r->image_id;
		c->state = (Runtime__V1__ContainerState)r->state;
		c->created_at = r->created_at;
		c->n_labels = r->config->n_labels;
		c->labels = (Runtime__V1__Container__LabelsEntry **)r->config->labels;
		c->n_annotations = r->config->n_annotations;
		c->annotations =
		    (Runtime__V1__Container__AnnotationsEntry **)r->config->annotations;
		ptrs[k] = c;
		k++;
		pthread_mutex_unlock(&v[i]->st_mu);
	}
	Runtime__V1__ListContainersResponse resp;
	runtime__v1__list_containers_response__init(&resp);
	resp.n_containers = k;
	resp.containers = ptrs;
	int s = items && ptrs && specs ? grpc_call_send(call, &resp.base) : -ENOMEM;
	ctrs_snapshot_free(v, n);
	free(items);
	free(ptrs);
	free(specs);
	if (s < 0)
		return grpc_call_failf(call, s, "cannot list containers: %s", strerror(-s));
	return GRPC_STATUS_OK;
}

/* ---- ExecSync ------------------------------------------------------------------------- */

static int
exec_sync_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ExecSyncRequest *req = (const Runtime__V1__ExecSyncRequest *)msg;
	struct crisp *cr = ud;
	if (req->n_cmd == 0 || req->n_cmd > 56)
		return grpc_call_failf(call, EINVAL, "cmd: want 1..56 arguments");
	int st;
	struct ctr *c = read_lock_ctr(cr, req->container_id, call, &st);
	if (!c)
		return st;
	int running = c->rec->state == CRISP__STATE__CONTAINER_STATE__CTR_RUNNING;
	char id[65], handler[256], pidf[CRISP_PATH_MAX];
	snprintf(id, sizeof(id), "%s", c->rec->id);
	snprintf(handler, sizeof(handler), "%s", c->rec->runtime_handler);
	int fits = path_fmt(pidf, sizeof(pidf), "%s/exec-%llu.pid", c->rec->bundle,
			    (unsigned long long)grpc_call_id(call)) == 0;
	read_unlock_ctr(c); /* execs run concurrently with each other and with stop */
	if (!running || !fits)
		return grpc_call_failf(call, EBUSY, "container %s is not running", id);
	unsigned timeout_ms = req->timeout > 0 && req->timeout < EXECSYNC_MAX_TIMEOUT_S
				  ? (unsigned)req->timeout * 1000u
				  : EXECSYNC_MAX_TIMEOUT_S * 1000u;
	const struct config *cfg = crisp_config_lock(cr);
	const struct config_runtime *rt = config_find_runtime(cfg, handler);
	struct helper_ctx h = {.dir = cr->helper_dir,
			       .timeout_ms = (uint64_t)cfg->helper_timeout_s * 1000u};
	struct rt_ctx rc = {
	    .rt = rt, .systemd = cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD, .helpers = &h};
	struct prog_result res = {0};
	char err[512] = "";
	int r = rt ? rt_exec_sync(&rc, id, req->cmd, req->n_cmd, timeout_ms, pidf, &res, err,
				  sizeof(err))
		   : -ENOENT;
	crisp_config_unlock(cr, cfg);
	(void)unlink(pidf);
	if (r == -ETIMEDOUT) {
		prog_result_done(&res);
		return grpc_call_failf(call, r, "command timed out after %lld s",
				       (long long)req->timeout);
	}
	if (r < 0) {
		prog_result_done(&res);
		return fail_external(call, r, "ExecSync", err);
	}
	/* Both streams must fit one gRPC message with room for the note below. */
	size_t room = GRPC_MAX_MESSAGE - 4096;
	if (res.err_len > room / 2 && res.out_len + res.err_len > room)
		res.err_len = room / 2, res.err_truncated = 1;
	if (res.out_len + res.err_len > room)
		res.out_len = room - res.err_len, res.out_truncated = 1;
	char note[160] = "";
	if (res.out_truncated || res.err_truncated) {
		snprintf(note, sizeof(note),
			 "\n[crisp: %s%s%s truncated; ExecSync keeps at most %u "
			 "bytes of each stream]\n",
			 res.out_truncated ? "stdout" : "",
			 res.out_truncated && res.err_truncated ? " and " : "",
			 res.err_truncated ? "stderr" : "", EXECSYNC_MAX_OUTPUT);
		log_warn(grpc_call_id(call), "ExecSync in %s: output truncated", id);
	}
	cleanup_free uint8_t *err_buf = malloc(res.err_len + sizeof(note));
	if (!err_buf) {
		prog_result_done(&res);
		return grpc_call_failf(call, ENOMEM, "out of memory");
	}
	/* err_buf is bytes for a protobuf bytes field, not a C string */
	/* NOLINTBEGIN(bugprone-not-null-terminated-result) */
	memcpy(err_buf, res.err, res.err_len);
	memcpy(err_buf + res.err_len, note, strlen(note));
	/* NOLINTEND(bugprone-not-null-terminated-result) */
	Runtime__V1__ExecSyncResponse resp;
	runtime__v1__exec_sync_response__init(&resp);
	resp.stdout = (ProtobufCBinaryData){res.out_len, res.out};
	resp.stderr = (ProtobufCBinaryData){res.err_len + strlen(note), err_buf};
	resp.exit_code = res.exited ? res.status : 128 + res.status;
	int s = grpc_call_send(call, &resp.base);
	prog_result_done(&res);
	if (s == -EMSGSIZE)
		return grpc_call_failf(call, s,
				       "ExecSync output (stdout and stderr each capped at %u "
				       "bytes) is larger than a 16 MiB gRPC message",
				       EXECSYNC_MAX_OUTPUT);
	if (s < 0)
		return grpc_call_failf(call, s, "cannot send the ExecSync response: %s",
				       strerror(-s));
	return GRPC_STATUS_OK;
}

/* ---- pod hooks ---------------------------------------------------------------------------- */

static int
for_pod(struct crisp *cr, const char *pod_id, int remove, char *err, size_t errsz)
{
	size_t n = 0;
	struct ctr **v = ctrs_snapshot(cr->ctrs, &n);
	int first = 0;
	for (size_t i = 0; v && i < n; i++) {
		pthread_mutex_lock(&v[i]->mu);
		int r = 0;
		/* Stop without a grace period: kubelet stopped the containers with the pod's
		 * grace before StopPodSandbox (as containerd does). */
		if (!v[i]->removed && strcmp(v[i]->rec->pod_id, pod_id) == 0)
			r = remove ? ctr_remove(cr, v[i], err, errsz)
				   : ctr_stop(cr, v[i], 0, err, errsz);
		pthread_mutex_unlock(&v[i]->mu);
		if (r < 0 && !first)
			first = r;
	}
	ctrs_snapshot_free(v, n);
	return first;
}

int
ctrs_stop_pod(struct crisp *cr, const char *pod_id, char *err, size_t errsz)
{
	return for_pod(cr, pod_id, 0, err, errsz);
}

int
ctrs_remove_pod(struct crisp *cr, const char *pod_id, char *err, size_t errsz)
{
	return for_pod(cr, pod_id, 1, err, errsz);
}

int
ctrs_register(struct grpc_server *s)
{
	static const struct {
		const char *name;
		grpc_method_fn fn;
	} m[] = {
	    {"CreateContainer", create_handler}, {"StartContainer", start_handler},
	    {"StopContainer", stop_handler},     {"RemoveContainer", remove_handler},
	    {"ContainerStatus", status_handler}, {"ListContainers", list_handler},
	    {"ExecSync", exec_sync_handler},
	};

	for (size_t i = 0; i < ELEMENTSOF(m); i++) {
		int r = grpc_server_handle(s, SVC, m[i].name, GRPC_METHOD_UNARY, m[i].fn);
		if (r < 0)
			return r;
	}
	return ctr_update_register(s);
}
