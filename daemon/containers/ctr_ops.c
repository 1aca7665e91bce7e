/* SPDX-License-Identifier: Apache-2.0 */
/* Container lifecycle: create (rootfs overlay, user, OCI spec, conmon + runtime create), start,
 * stop (the stop signal, then SIGKILL at the deadline), remove; each step of create has its
 * undo, so a failure leaves no mount, cgroup, runtime state or directory behind.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/containers/ctr_internal.h"
#include "daemon/containers/ctr_rootfs.h"
#include "daemon/containers/ctr_runtime.h"
#include "daemon/containers/ctr_seccomp_load.h"
#include "daemon/containers/ctr_spec.h"
#include "daemon/containers/events.h"
#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "daemon/images/images.h"
#include "daemon/pods/pods.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"
#include "policy/validate.h"

const char *
ctr_cgroups_path(const ctr_record *r)
{
	return r->cgroups_path;
}

void
ctr_publish(struct crisp *cr, struct ctr *c, Runtime__V1__ContainerEventType type)
{
	Runtime__V1__ContainerEventResponse ev;
	runtime__v1__container_event_response__init(&ev);
	ev.container_id = c->rec->id;
	ev.container_event_type = type;
	ev.created_at = ctr_now_ns();
	(void)events_publish(cr->events, &ev);
}

static int
rt_ctx_of(struct crisp *cr, const struct config *cfg, const char *handler, struct rt_ctx *rc,
	  struct helper_ctx *h)
{
	*h = (struct helper_ctx){.dir = cr->helper_dir,
				 .timeout_ms = (uint64_t)cfg->helper_timeout_s * 1000u};
	const struct config_runtime *rt = config_find_runtime(cfg, handler);
	if (!rt)
		return -ENOENT;
	*rc = (struct rt_ctx){
	    .rt = rt, .systemd = cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD, .helpers = h};
	return 0;
}

int
ctr_runtime_alive(struct crisp *cr, struct ctr *c, int *ret_alive)
{
	const struct config *cfg = crisp_config_lock(cr);
	struct rt_ctx rc;
	struct helper_ctx h;
	struct rt_state st = {0};
	char err[512];
	int r = rt_ctx_of(cr, cfg, c->rec->runtime_handler, &rc, &h);
	if (r == 0)
		r = rt_state(&rc, c->rec->id, &st, err, sizeof(err));
	crisp_config_unlock(cr, cfg);
	*ret_alive = r == 0 && (st.status == RT_STATUS_RUNNING || st.status == RT_STATUS_CREATED ||
				st.status == RT_STATUS_PAUSED);
	return r;
}

/* ---- create ------------------------------------------------------------------------- */

struct create_ctx {
	struct crisp *cr;
	const struct config *cfg;
	const struct ctr_create_in *in;
	struct pod *pod;
	image_record *img;
	char id[65];
	char storage[CRISP_PATH_MAX], bundle[CRISP_PATH_MAX], rootfs[CRISP_PATH_MAX];
	char log_path[CRISP_PATH_MAX], cgroups[1024];
	int mounted, created;
	struct img_user *user;
	struct rt_ctx rc;
	struct helper_ctx h;
};

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

/* log_path is relative to the pod's log_directory and must stay under it. */
static int
resolve_log_path(struct create_ctx *x, char *err, size_t errsz)
{
	const char *dir = x->pod->config->log_directory;
	const char *rel = x->in->cfg->log_path;
	if (!rel[0])
		return path_fmt(x->log_path, sizeof(x->log_path), "%s/container.log", x->bundle);
	if (!dir[0] || rel[0] == '/' || strstr(rel, "..") || strchr(rel, '\n') ||
	    strlen(rel) > 1024) {
		snprintf(err, errsz,
			 "config.log_path: want a relative path without '..' under the "
			 "pod's log_directory");
		return -EINVAL;
	}
	char parent[sizeof(x->log_path)];
	int r = path_fmt(x->log_path, sizeof(x->log_path), "%s/%s", dir, rel);
	if (r < 0) {
		snprintf(err, errsz, "config.log_path: %s", strerror(-r));
		return r;
	}
	snprintf(parent, sizeof(parent), "%s", x->log_path);
	*strrchr(parent, '/') = '\0';
	r = store_mkdir_p(parent, 0755);
	if (r < 0)
		snprintf(err, errsz, "create the log directory %s: %s", parent, strerror(-r));
	return r;
}

static int
make_dirs(struct create_ctx *x, char *err, size_t errsz)
{
	struct ctrs *cs = x->cr->ctrs;
	int r = path_fmt(x->storage, sizeof(x->storage), "%s/%s", cs->store_dir, x->id);
	if (r == 0)
		r = path_fmt(x->bundle, sizeof(x->bundle), "%s/%s", cs->run_dir, x->id);
	if (r == 0)
		r = path_fmt(x->rootfs, sizeof(x->rootfs), "%s/rootfs", x->bundle);
	if (r < 0) {
		/* nothing was created; the cleanup must not remove a cut path */
		x->storage[0] = x->bundle[0] = '\0';
		snprintf(err, errsz, "container %s: paths under the root: %s", x->id, strerror(-r));
		return r;
	}

	/* The overlay root takes the upper dir's mode: 0755, or non-root users could not even
	 * look up /bin. */
	static const struct {
		const char *sub;
		mode_t mode;
	} sub[] = {{"", 0711}, {"/upper", 0755}, {"/work", 0700}, {"/volumes", 0711}};

	for (size_t i = 0; i < ELEMENTSOF(sub); i++) {
		char p[CRISP_PATH_MAX];
		if ((r = path_fmt(p, sizeof(p), "%s%s", x->storage, sub[i].sub)) < 0) {
			snprintf(err, errsz, "%s%s: %s", x->storage, sub[i].sub, strerror(-r));
			return r;
		}
		if (mkdir(p, sub[i].mode) < 0) {
			snprintf(err, errsz, "create %s: %s", p, strerror(errno));
			return -errno;
		}
	}
	if (mkdir(x->bundle, 0700) < 0 || mkdir(x->rootfs, 0755) < 0) {
		snprintf(err, errsz, "create %s: %s", x->rootfs, strerror(errno));
		return -errno;
	}
	return 0;
}

static uint64_t
host_bounding_caps(void)
{
	char line[256];
	uint64_t caps = 0;
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "CapBnd:", 7) == 0) {
			char *end = NULL;
			caps = strtoull(line + 7, &end, 16);
		}
	if (f)
		(void)fclose(f);
	return caps;
}

/* Without CAP_SYS_RESOURCE nothing below our own oom_score_adj can be set (this machine:
 * root lacks it), so that is the floor, as containerd's restrict_oom_score_adj does. */
static int
min_oom_score_adj(uint64_t caps)
{
	if (caps & (1ull << 24)) /* CAP_SYS_RESOURCE */
		return -1000;
	char buf[16] = "";
	int fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		(void)close(fd);
	buf[n > 0 ? n : 0] = '\0';
	char *end = NULL;
	long v = strtol(buf, &end, 10);
	return end != buf && v >= -1000 && v <= 1000 ? (int)v : 0;
}

static const char *
pid_ns_of(struct create_ctx *x, char *buf, size_t sz, bool *host, char *err, size_t errsz)
{
	const Runtime__V1__LinuxContainerConfig *l = x->in->cfg->linux;
	const Runtime__V1__NamespaceOption *o =
	    l && l->security_context ? l->security_context->namespace_options : NULL;
	int mode = o ? (int)o->pid : x->pod->pid_mode;
	*host = false;
	if (x->pod->pid_mode == RUNTIME__V1__NAMESPACE_MODE__NODE ||
	    mode == RUNTIME__V1__NAMESPACE_MODE__NODE) {
		*host = true;
		return NULL;
	}
	if (mode == RUNTIME__V1__NAMESPACE_MODE__POD && x->pod->infra_pid > 0) {
		snprintf(buf, sz, "/proc/%d/ns/pid", x->pod->infra_pid);
		return buf;
	}
	if (o && mode == RUNTIME__V1__NAMESPACE_MODE__TARGET) {
		int amb;
		struct ctr *t = ctrs_get(x->cr->ctrs, o->target_id, &amb);
		int pid = t ? t->rec->pid : 0;
		ctr_unref(t);
		if (pid <= 0) {
			snprintf(err, errsz,
				 "namespace_options.target_id: no running container %.64s",
				 o->target_id);
			return (const char *)-1;
		}
		snprintf(buf, sz, "/proc/%d/ns/pid", pid);
		return buf;
	}
	return NULL;
}

static int
write_spec(struct create_ctx *x, char *err, size_t errsz)
{
	uint64_t caps = host_bounding_caps();
	char pidbuf[64], vol[CRISP_PATH_MAX];
	bool pid_host;
	const char *pidns = pid_ns_of(x, pidbuf, sizeof(pidbuf), &pid_host, err, errsz);
	if (pidns == (const char *)-1)
		return -EINVAL;
	if (path_fmt(vol, sizeof(vol), "%s/volumes", x->storage) < 0)
		return -ENAMETOOLONG; /* make_dirs created it, so it fits */
	/* Supplementary groups: the image's /etc/group memberships plus the request's. */
	const Runtime__V1__LinuxContainerConfig *l = x->in->cfg->linux;
	const Runtime__V1__LinuxContainerSecurityContext *sc = l ? l->security_context : NULL;
	size_t extra = sc ? sc->n_supplemental_groups : 0;
	if (extra > 256) {
		snprintf(err, errsz, "security_context.supplemental_groups: at most 256");
		return -EINVAL;
	}
	cleanup_free uint32_t *gids = calloc(x->user->n_sgids + extra + 1, sizeof(uint32_t));
	if (!gids)
		return -ENOMEM;
	size_t ng = 0;
	for (size_t i = 0; i < x->user->n_sgids; i++)
		gids[ng++] = x->user->sgids[i];
	for (size_t i = 0; i < extra; i++) {
		int64_t g = sc->supplemental_groups[i];
		if (g < 0 || g > 4294967294LL) {
			snprintf(err, errsz,
				 "security_context.supplemental_groups: want 0..4294967294");
			return -EINVAL;
		}
		gids[ng++] = (uint32_t)g;
	}
	struct seccomp_reply_profile *prof = NULL;
	int r = ctr_seccomp_load(&x->h, x->cfg->seccomp_profile_root, sc, &prof, err, errsz);
	if (r < 0)
		return r;
	struct ctr_spec_in in = {.cfg = x->in->cfg,
				 .pod = x->pod->config,
				 .image = x->img->config,
				 .rootfs = x->rootfs,
				 .uid = x->user->uid,
				 .gid = x->user->gid,
				 .sgids = gids,
				 .n_sgids = ng,
				 .home = x->user->home,
				 .netns = x->pod->netns_path,
				 .ipcns = x->pod->ipcns_path,
				 .utsns = x->pod->utsns_path,
				 .pidns = pidns,
				 .pid_host = pid_host,
				 .pod_run_dir = x->pod->run_dir,
				 .shm_path = x->pod->shm_path,
				 .volume_dir = vol,
				 .cgroups_path = x->cgroups,
				 .cgroup_driver = x->cfg->cgroup_driver,
				 .nnp = x->cfg->no_new_privileges,
				 .seccomp_unset = x->cfg->seccomp_unset,
				 .seccomp_local = prof,
				 .min_oom_score_adj = min_oom_score_adj(caps),
				 .host_caps = caps};
	cleanup_free char *json = NULL;
	bool clamped = false;
	r = ctr_spec_build(&in, &json, &clamped, err, errsz);
	(void)seccomp_reply_free(prof);
	if (r < 0)
		return r;
	if (clamped)
		log_info(x->in->req,
			 "container %s: oom_score_adj or capabilities clamped to what "
			 "this host allows crispd",
			 x->id);
	r = store_write_atomic(x->bundle, "config.json", json, strlen(json), 0600);
	if (r < 0)
		snprintf(err, errsz, "write config.json: %s", strerror(-r));
	return r;
}

static int
run_conmon(struct create_ctx *x, int *ret_pid, char *err, size_t errsz)
{
	char pidf[CRISP_PATH_MAX], cpidf[CRISP_PATH_MAX], clog[CRISP_PATH_MAX];
	char logspec[sizeof("k8s-file:") + CRISP_PATH_MAX];
	snprintf(logspec, sizeof(logspec), "k8s-file:%s", x->log_path); /* always fits */
	int r = path_fmt(pidf, sizeof(pidf), "%s/pid", x->bundle);
	if (r == 0)
		r = path_fmt(cpidf, sizeof(cpidf), "%s/conmon.pid", x->bundle);
	if (r == 0)
		r = path_fmt(clog, sizeof(clog), "%s/conmon.log", x->bundle);
	if (r < 0) {
		snprintf(err, errsz, "container %s: conmon paths: %s", x->id, strerror(-r));
		return r;
	}
	struct conmon_opts o = {.conmon = x->cfg->conmon,
				.id = x->id,
				.name = x->id, /* conmon's -n: the ID, never a CRI name */
				.bundle = x->bundle,
				.pid_file = pidf,
				.conmon_pid_file = cpidf,
				.log_spec = logspec,
				.exit_dir = x->cr->ctrs->exit_dir,
				.socket_dir = x->bundle,
				.conmon_log = clog,
				.tty = x->in->cfg->tty};
	return rt_conmon_create(&x->rc, &o, ret_pid, err, errsz);
}

static void
undo_create(struct create_ctx *x)
{
	char e[512];
	x->rc.deadline_ns = 0; /* undoing runs on its own limits, past the request's deadline */
	if (x->created) {
		char *args[] = {UNCONST("delete"), UNCONST("--force"), x->id, NULL};
		(void)rt_simple(&x->rc, args, e, sizeof(e));
	}
	if (x->mounted)
		(void)ctr_rootfs_umount(x->rootfs);
	char p[CRISP_PATH_MAX];
	if (path_fmt(p, sizeof(p), "%s/%s", x->cr->ctrs->exit_dir, x->id) == 0)
		(void)unlink(p);
	if (x->bundle[0])
		(void)store_remove_tree(x->bundle);
	if (x->storage[0])
		(void)store_remove_tree(x->storage);
}

static int
save_new(struct create_ctx *x, int pid, char **ret_id)
{
	ctr_record rec;
	crisp__state__container_record__init(&rec);
	rec.version = 1;
	rec.id = x->id;
	rec.pod_id = x->pod->id;
	rec.config = UNCONST(x->in->cfg);
	rec.image_id = x->img->id;
	rec.image_ref = x->in->cfg->image->image;
	rec.state = CRISP__STATE__CONTAINER_STATE__CTR_CREATED;
	rec.created_at = ctr_now_ns();
	rec.pid = pid;
	rec.bundle = x->bundle;
	rec.log_path = x->log_path;
	rec.runtime_handler = x->pod->runtime_handler;
	rec.storage = x->storage;
	rec.uid = x->user->uid;
	rec.cgroups_path = x->cgroups;
	rec.stop_signal = x->in->cfg->stop_signal           ? (int32_t)x->in->cfg->stop_signal
			  : x->img->config->stop_signal_num ? x->img->config->stop_signal_num
							    : SIGTERM;
	ctr_record *copy = ctr_record_copy(&rec);
	struct ctr *c = copy ? ctr_new(copy) : NULL;
	if (!c) {
		if (copy)
			crisp__state__container_record__free_unpacked(copy, NULL);
		return -ENOMEM;
	}
	int r = ctr_save(x->cr->ctrs, copy);
	if (r == 0)
		r = ctrs_add(x->cr->ctrs, c);
	if (r == 0)
		ctr_publish(x->cr, c, RUNTIME__V1__CONTAINER_EVENT_TYPE__CONTAINER_CREATED_EVENT);
	if (r == 0 && !(*ret_id = strdup(x->id)))
		r = -ENOMEM;
	ctr_unref(c);
	return r;
}

static int
create_steps(struct create_ctx *x, char **ret_id, char *err, size_t errsz)
{
	int r = make_dirs(x, err, errsz);
	if (r == 0)
		r = resolve_log_path(x, err, errsz);
	char upper[CRISP_PATH_MAX], work[CRISP_PATH_MAX];
	if (r == 0 && (r = path_fmt(upper, sizeof(upper), "%s/upper", x->storage)) == 0)
		r = path_fmt(work, sizeof(work), "%s/work", x->storage);
	if (r == 0 && (r = ctr_rootfs_mount(x->cr->images, x->img->chain_ids, x->img->n_chain_ids,
					    upper, work, x->rootfs, err, errsz)) == 0)
		x->mounted = 1;
	const Runtime__V1__LinuxContainerConfig *l = x->in->cfg->linux;
	if (r == 0)
		r = ctr_resolve_user(&x->h, x->rootfs, l ? l->security_context : NULL,
				     x->img->config->user, &x->user, err, errsz);
	if (r == 0)
		r = write_spec(x, err, errsz);
	int pid = 0;
	if (r == 0) {
		/* Whatever conmon's outcome, the runtime may have made state: undo deletes it. */
		x->created = 1;
		r = run_conmon(x, &pid, err, errsz);
	}
	if (r == 0)
		r = save_new(x, pid, ret_id);
	return r;
}

static int
check_name(struct crisp *cr, const struct ctr_create_in *in, char *err, size_t errsz)
{
	const Runtime__V1__ContainerMetadata *m = in->cfg->metadata;
	size_t n = 0;
	struct ctr **v = ctrs_snapshot(cr->ctrs, &n);
	int r = 0;
	for (size_t i = 0; v && i < n && r == 0; i++) {
		const ctr_record *o = v[i]->rec;
		if (strcmp(o->pod_id, in->pod_id) == 0 &&
		    strcmp(o->config->metadata->name, m->name) == 0 &&
		    o->config->metadata->attempt == m->attempt) {
			snprintf(err, errsz,
				 "container %s (attempt %u) already exists in pod as %s", m->name,
				 m->attempt, o->id);
			r = -EEXIST;
		}
	}
	ctrs_snapshot_free(v, n);
	return r;
}

/* Validate what this file acts on (the spec builder validates the rest). */
static int
validate(struct crisp *cr, const struct ctr_create_in *in, char *err, size_t errsz)
{
	const Runtime__V1__ContainerConfig *c = in->cfg;
	struct policy_error pe;
	if (!c->metadata || !c->image || !c->image->image[0]) {
		snprintf(err, errsz, "config.metadata and config.image are required");
		return -EINVAL;
	}
	if (validate_container_name(c->metadata->name, strlen(c->metadata->name), &pe) < 0) {
		snprintf(err, errsz, "config.metadata: %s", pe.message);
		return -EINVAL;
	}
	return check_name(cr, in, err, errsz);
}

int
ctr_create(struct crisp *cr, const struct ctr_create_in *in, char **ret_id, char *err, size_t errsz)
{
	struct create_ctx x = {.cr = cr, .in = in};
	int r = validate(cr, in, err, errsz);
	if (r < 0)
		return r;
	x.pod = pods_get(cr->pods, in->pod_id);
	if (!x.pod || pod_get_state(x.pod) != POD_READY) {
		snprintf(err, errsz, "pod sandbox %.64s is not ready (or does not exist)",
			 in->pod_id);
		pod_unref(x.pod);
		return -ENOENT;
	}
	/* As CRI-O: a privileged container only in a pod that was created privileged. */
	const Runtime__V1__LinuxContainerConfig *lc = in->cfg->linux;
	const Runtime__V1__LinuxPodSandboxConfig *lp = x.pod->config->linux;
	if (lc && lc->security_context && lc->security_context->privileged &&
	    !(lp && lp->security_context && lp->security_context->privileged)) {
		snprintf(err, errsz, "security_context.privileged: pod %.64s is not privileged",
			 in->pod_id);
		pod_unref(x.pod);
		return -EINVAL;
	}
	int e = 0;
	x.img = images_find(cr->images, in->cfg->image->image, &e);
	if (!x.img)
		snprintf(err, errsz, "image %.256s not found: pull it first",
			 in->cfg->image->image);
	else if (strcmp(x.img->config->os, "linux") != 0)
		snprintf(err, errsz, "image %s is for os \"%.32s\"; crisp runs linux images only",
			 x.img->id, x.img->config->os);
	if (!x.img || strcmp(x.img->config->os, "linux") != 0) {
		r = x.img ? -EINVAL : -ENOENT;
		image_record_free(x.img);
		pod_unref(x.pod);
		return r;
	}
	x.cfg = crisp_config_lock(cr);
	r = new_id(x.id);
	const char *parent = x.pod->config->linux ? x.pod->config->linux->cgroup_parent : "";
	if (x.cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD)
		snprintf(x.cgroups, sizeof(x.cgroups), "%s:crisp:%s",
			 parent[0] ? parent : "system.slice", x.id);
	else
		snprintf(x.cgroups, sizeof(x.cgroups), "%s/crisp-%s", parent[0] ? parent : "/crisp",
			 x.id);
	if (r == 0 && rt_ctx_of(cr, x.cfg, x.pod->runtime_handler, &x.rc, &x.h) < 0) {
		snprintf(err, errsz, "runtime handler %s is no longer configured",
			 x.pod->runtime_handler);
		r = -ENOENT;
	}
	x.rc.deadline_ns = in->deadline_ns;
	if (r == 0)
		r = create_steps(&x, ret_id, err, errsz);
	if (r < 0)
		undo_create(&x);
	crisp_config_unlock(cr, x.cfg);
	img_user_free(x.user);
	image_record_free(x.img);
	pod_unref(x.pod);
	return r;
}

/* ---- start, stop, remove -------------------------------------------------------------- */

int
ctr_start(struct crisp *cr, struct ctr *c, uint64_t deadline_ns, char *err, size_t errsz)
{
	ctr_record *r = c->rec;
	if (ctr_state(c) != CRISP__STATE__CONTAINER_STATE__CTR_CREATED) {
		snprintf(err, errsz, "container %s is not in the created state", r->id);
		return -EBUSY;
	}
	const struct config *cfg = crisp_config_lock(cr);
	struct rt_ctx rc;
	struct helper_ctx h;
	int64_t t0 = ctr_now_ns(); /* the process may exit before `runtime start` returns */
	int e = rt_ctx_of(cr, cfg, r->runtime_handler, &rc, &h);
	rc.deadline_ns = deadline_ns;
	char *args[] = {UNCONST("start"), r->id, NULL};
	if (e == 0)
		e = rt_simple(&rc, args, err, errsz);
	crisp_config_unlock(cr, cfg);
	if (e < 0)
		return e;
	pthread_mutex_lock(&c->st_mu); /* the exit monitor may have marked it exited */
	if (r->state == CRISP__STATE__CONTAINER_STATE__CTR_CREATED) {
		r->state = CRISP__STATE__CONTAINER_STATE__CTR_RUNNING;
		r->started_at = t0;
		(void)ctr_save(cr->ctrs, r);
		ctr_publish(cr, c, RUNTIME__V1__CONTAINER_EVENT_TYPE__CONTAINER_STARTED_EVENT);
	} else if (r->started_at == 0) {
		/* It ran and exited before `runtime start` returned: it still started. */
		r->started_at = t0;
		(void)ctr_save(cr->ctrs, r);
	}
	pthread_mutex_unlock(&c->st_mu);
	return 0;
}

static int
kill_ctr(struct crisp *cr, struct ctr *c, int sig, char *err, size_t errsz)
{
	const struct config *cfg = crisp_config_lock(cr);
	struct rt_ctx rc;
	struct helper_ctx h;
	char signame[16];
	snprintf(signame, sizeof(signame), "%d", sig);
	int e = rt_ctx_of(cr, cfg, c->rec->runtime_handler, &rc, &h);
	char *args[] = {UNCONST("kill"), c->rec->id, signame, NULL};
	if (e == 0)
		e = rt_simple(&rc, args, err, errsz);
	crisp_config_unlock(cr, cfg);
	return e;
}

/* Wait until the exit monitor marks the container exited, up to ms. The caller holds c->mu;
 * the wait is on st_mu, which the monitor takes. */
static int
wait_exited(struct ctr *c, int64_t ms)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->st_mu);
	while (c->rec->state != CRISP__STATE__CONTAINER_STATE__CTR_EXITED)
		if (pthread_cond_timedwait(&c->exited, &c->st_mu, &ts) != 0)
			break;
	int exited = c->rec->state == CRISP__STATE__CONTAINER_STATE__CTR_EXITED;
	pthread_mutex_unlock(&c->st_mu);
	return exited;
}

int
ctr_stop(struct crisp *cr, struct ctr *c, int64_t timeout_s, char *err, size_t errsz)
{
	ctr_record *r = c->rec;
	if (ctr_state(c) != CRISP__STATE__CONTAINER_STATE__CTR_RUNNING)
		return 0; /* created, exited or unknown: nothing runs */
	if (timeout_s > 0) {
		int sig = r->stop_signal > 0 && r->stop_signal < 65 ? r->stop_signal : SIGTERM;
		if (kill_ctr(cr, c, sig, err, errsz) == 0 && wait_exited(c, timeout_s * 1000))
			return 0;
	}
	char e2[512];
	int e = kill_ctr(cr, c, SIGKILL, e2, sizeof(e2));
	if (wait_exited(c, 10000))
		return 0;
	snprintf(err, errsz, "container %s did not stop%s%s", r->id, e < 0 ? ": " : "",
		 e < 0 ? e2 : "");
	return -ETIMEDOUT;
}

int
ctr_remove(struct crisp *cr, struct ctr *c, char *err, size_t errsz)
{
	ctr_record *r = c->rec;
	if (ctr_state(c) == CRISP__STATE__CONTAINER_STATE__CTR_RUNNING)
		(void)ctr_stop(cr, c, 0, err, errsz);
	const struct config *cfg = crisp_config_lock(cr);
	struct rt_ctx rc;
	struct helper_ctx h;
	int e = rt_ctx_of(cr, cfg, r->runtime_handler, &rc, &h);
	char *args[] = {UNCONST("delete"), UNCONST("--force"), r->id, NULL};
	if (e == 0)
		e = rt_simple(&rc, args, err, errsz);
	crisp_config_unlock(cr, cfg);
	if (e < 0)
		return e;
	char rootfs[CRISP_PATH_MAX], exitf[CRISP_PATH_MAX];
	if ((e = path_fmt(rootfs, sizeof(rootfs), "%s/rootfs", r->bundle)) < 0 ||
	    (e = path_fmt(exitf, sizeof(exitf), "%s/%s", cr->ctrs->exit_dir, r->id)) < 0 ||
	    (e = ctr_rootfs_umount(rootfs)) < 0 || (e = store_remove_tree(r->bundle)) < 0 ||
	    (e = store_remove_tree(r->storage)) < 0) {
		snprintf(err, errsz, "remove container %s files: %s", r->id, strerror(-e));
		return e;
	}
	(void)unlink(exitf);
	(void)ctr_delete_record(cr->ctrs, r->id);
	ctrs_del(cr->ctrs, c);
	ctr_publish(cr, c, RUNTIME__V1__CONTAINER_EVENT_TYPE__CONTAINER_DELETED_EVENT);
	return 0;
}
