/* SPDX-License-Identifier: Apache-2.0 */
/* UpdateContainerResources (live cgroup changes through `runtime update`) and
 * ReopenContainerLog (through conmon's control FIFO).
 * runs in: daemon/privileged. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/containers/ctr_internal.h"
#include "daemon/containers/ctr_runtime.h"
#include "daemon/core/log.h"
#include "daemon/crisp.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

#define SVC (&runtime__v1__runtime_service__descriptor)

static int
cpuset_ok(const char *s)
{
	size_t n = strlen(s);
	if (n > 256)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == ',' || s[i] == '-'))
			return 0;
	return 1;
}

/* The OCI LinuxResources subset runc update takes on stdin, written with jansson. */
static char *
resources_json(const Runtime__V1__LinuxContainerResources *r, char *err, size_t errsz)
{
	if (r->cpu_period < 0 || r->cpu_quota < -1 || r->cpu_shares < 0 ||
	    r->memory_limit_in_bytes < 0 || !cpuset_ok(r->cpuset_cpus) ||
	    !cpuset_ok(r->cpuset_mems)) {
		snprintf(err, errsz,
			 "linux resources: negative values or a cpuset other than "
			 "digits, ',' and '-'");
		return NULL;
	}
	json_t *cpu = json_object(), *mem = json_object();
	if (r->cpu_shares)
		(void)json_object_set_new(cpu, "shares", json_integer(r->cpu_shares));
	if (r->cpu_quota)
		(void)json_object_set_new(cpu, "quota", json_integer(r->cpu_quota));
	if (r->cpu_period)
		(void)json_object_set_new(cpu, "period", json_integer(r->cpu_period));
	if (r->cpuset_cpus[0])
		(void)json_object_set_new(cpu, "cpus", json_string(r->cpuset_cpus));
	if (r->cpuset_mems[0])
		(void)json_object_set_new(cpu, "mems", json_string(r->cpuset_mems));
	if (r->memory_limit_in_bytes)
		(void)json_object_set_new(mem, "limit", json_integer(r->memory_limit_in_bytes));
	json_t *o = json_pack("{s:o, s:o}", "cpu", cpu, "memory", mem);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

static int
update_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__UpdateContainerResourcesRequest *req =
	    (const Runtime__V1__UpdateContainerResourcesRequest *)msg;
	struct crisp *cr = ud;
	char err[1024] = "";
	if (!req->linux)
		return grpc_call_failf(call, EINVAL, "linux is required");
	cleanup_free char *json = resources_json(req->linux, err, sizeof(err));
	if (!json)
		return grpc_call_failf(call, EINVAL, "%s", err);
	int amb;
	struct ctr *c = ctrs_get(cr->ctrs, req->container_id, &amb);
	if (!c)
		return grpc_call_failf(call, ENOENT, "container %.64s not found",
				       req->container_id);
	pthread_mutex_lock(&c->mu);
	char id[65], handler[256];
	snprintf(id, sizeof(id), "%s", c->rec->id);
	snprintf(handler, sizeof(handler), "%s", c->rec->runtime_handler);
	pthread_mutex_unlock(&c->mu);
	ctr_unref(c);
	const struct config *cfg = crisp_config_lock(cr);
	struct helper_ctx h = {.dir = cr->helper_dir,
			       .timeout_ms = (uint64_t)cfg->helper_timeout_s * 1000u};
	struct rt_ctx rc = {.rt = config_find_runtime(cfg, handler),
			    .systemd = cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD,
			    .helpers = &h};
	int r = -ENOENT;
	if (rc.rt) {
		char *argv[] = {UNCONST("update"), UNCONST("--resources"), UNCONST("-"), id, NULL};
		char *full[16];
		size_t n = 0;
		full[n++] = rc.rt->path;
		full[n++] = UNCONST("--root");
		full[n++] = rc.rt->root;
		for (size_t i = 0; argv[i]; i++)
			full[n++] = argv[i];
		full[n] = NULL;
		char *envp[] = {UNCONST("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), NULL};
		struct prog_opts o = {.path = rc.rt->path,
				      .argv = full,
				      .envp = envp,
				      .stdin_buf = (const uint8_t *)json,
				      .stdin_len = strlen(json),
				      .stdout_max = RT_UPDATE_MAX_STDOUT,
				      .stderr_max = RT_MAX_STDERR,
				      .timeout_ms = RT_UPDATE_TIMEOUT_MS};
		struct prog_result res;
		r = prog_run(&o, &res);
		if (r == 0 && !(res.exited && res.status == 0)) {
			char esc[700];
			log_escape(res.err, res.err_len, esc, sizeof(esc));
			snprintf(err, sizeof(err), "%.64s update failed: %.700s", rc.rt->name, esc);
			r = -EIO;
		}
		prog_result_done(&res);
	}
	crisp_config_unlock(cr, cfg);
	if (r < 0) { /* the OCI runtime's update failed, or it could not run */
		struct error e = {0};
		(void)error_set_external(&e, r, "UpdateContainerResources: %s",
					 err[0] ? err : strerror(-r));
		return grpc_call_fail(call, &e);
	}
	Runtime__V1__UpdateContainerResourcesResponse resp;
	runtime__v1__update_container_resources_response__init(&resp);
	return grpc_call_reply(call, &resp.base);
}

/* True once path exists (polled every LOG_REOPEN_POLL_MS), false after max_ms. */
static bool
wait_for_file(const char *path, unsigned max_ms)
{
	struct stat st;
	for (unsigned waited = 0;; waited += LOG_REOPEN_POLL_MS) {
		if (lstat(path, &st) == 0)
			return true;
		if (waited >= max_ms)
			return false;
		struct timespec ts = {0, (long)LOG_REOPEN_POLL_MS * 1000000L};
		(void)nanosleep(&ts, NULL);
	}
}

/* conmon listens on <bundle>/ctl; message type 2 means "reopen the log file". */
static int
reopen_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ReopenContainerLogRequest *req =
	    (const Runtime__V1__ReopenContainerLogRequest *)msg;
	struct crisp *cr = ud;
	int amb;
	struct ctr *c = ctrs_get(cr->ctrs, req->container_id, &amb);
	if (!c)
		return grpc_call_failf(call, ENOENT, "container %.64s not found",
				       req->container_id);
	pthread_mutex_lock(&c->st_mu);
	int running = c->rec->state == CRISP__STATE__CONTAINER_STATE__CTR_RUNNING;
	char ctl[CRISP_PATH_MAX], logp[CRISP_PATH_MAX];
	int fits = path_fmt(ctl, sizeof(ctl), "%s/ctl", c->rec->bundle) == 0 &&
		   path_fmt(logp, sizeof(logp), "%s", c->rec->log_path) == 0;
	pthread_mutex_unlock(&c->st_mu);
	ctr_unref(c);
	if (!running || !fits)
		return grpc_call_failf(call, EBUSY, "container %.64s is not running",
				       req->container_id);
	int fd = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	int r = fd < 0 ? -errno : 0;
	if (r == 0 && write(fd, "2 0 0\n", 6) != 6)
		r = -errno;
	if (fd >= 0)
		(void)close(fd);
	if (r < 0) { /* conmon's FIFO: gone, or conmon not reading (ENXIO, EAGAIN) */
		struct error e = {0};
		(void)error_set_external(&e, r, "ReopenContainerLog: conmon control FIFO %s: %s",
					 ctl, strerror(-r));
		return grpc_call_fail(call, &e);
	}
	/* kubelet renames the file, calls Reopen, then reads the new one: answer only once
	 * conmon has made it. */
	if (!wait_for_file(logp, LOG_REOPEN_WAIT_MS))
		return grpc_call_failf(call, ETIMEDOUT,
				       "ReopenContainerLog: conmon did not reopen %s within %u ms",
				       logp, LOG_REOPEN_WAIT_MS);
	Runtime__V1__ReopenContainerLogResponse resp;
	runtime__v1__reopen_container_log_response__init(&resp);
	return grpc_call_reply(call, &resp.base);
}

int
ctr_update_register(struct grpc_server *s)
{
	int r = grpc_server_handle(s, SVC, "UpdateContainerResources", GRPC_METHOD_UNARY,
				   update_handler);
	if (r == 0)
		r = grpc_server_handle(s, SVC, "ReopenContainerLog", GRPC_METHOD_UNARY,
				       reopen_handler);
	return r;
}
