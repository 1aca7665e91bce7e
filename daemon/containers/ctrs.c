/* SPDX-License-Identifier: Apache-2.0 */
/* Container table, records (protobuf, written atomically), recovery at start, and the exit
 * monitor: conmon writes <exit dir>/<id> when a container ends, an inotify watch tells us.
 * runs in: daemon/privileged. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/containers/containers.h"
#include "daemon/containers/ctr_internal.h"
#include "daemon/containers/events.h"
#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

int64_t
ctr_now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
ctr_state(struct ctr *c)
{
	pthread_mutex_lock(&c->st_mu);
	int s = (int)c->rec->state;
	pthread_mutex_unlock(&c->st_mu);
	return s;
}

struct ctr *
ctr_new(ctr_record *rec)
{
	struct ctr *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	atomic_init(&c->refs, 1);
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->st_mu, NULL);
	pthread_cond_init(&c->exited, NULL);
	c->rec = rec;
	return c;
}

void
ctr_unref(struct ctr *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	if (c->rec)
		crisp__state__container_record__free_unpacked(c->rec, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->st_mu);
	pthread_cond_destroy(&c->exited);
	free(c);
}

ctr_record *
ctr_record_copy(const ctr_record *r)
{
	size_t len = crisp__state__container_record__get_packed_size(r);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return NULL;
	(void)crisp__state__container_record__pack(r, buf);
	return crisp__state__container_record__unpack(NULL, len, buf);
}

int
ctr_save(struct ctrs *cs, const ctr_record *r)
{
	size_t len = crisp__state__container_record__get_packed_size(r);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	(void)crisp__state__container_record__pack(r, buf);
	char name[80];
	snprintf(name, sizeof(name), "%s.pb", r->id);
	return store_write_atomic(cs->rec_dir, name, buf, len, 0600);
}

int
ctr_delete_record(struct ctrs *cs, const char *id)
{
	char p[CRISP_PATH_MAX];
	int r = path_fmt(p, sizeof(p), "%s/%s.pb", cs->rec_dir, id);
	if (r < 0)
		return r;
	return unlink(p) < 0 && errno != ENOENT ? -errno : 0;
}

int
ctr_set_str(char **field, const char *v)
{
	char *n = strdup(v ? v : "");
	if (!n)
		return -ENOMEM;
	if (*field && (*field)[0]) /* protobuf-c's empty default is static, never freed */
		free(*field);
	*field = n;
	return 0;
}

int
ctrs_add(struct ctrs *cs, struct ctr *c)
{
	pthread_mutex_lock(&cs->mu);
	struct ctr **n = realloc(cs->v, (cs->n + 1) * sizeof(*n));
	if (!n) {
		pthread_mutex_unlock(&cs->mu);
		return -ENOMEM;
	}
	cs->v = n;
	cs->v[cs->n++] = c;
	atomic_fetch_add(&c->refs, 1);
	pthread_mutex_unlock(&cs->mu);
	return 0;
}

void
ctrs_del(struct ctrs *cs, struct ctr *c)
{
	pthread_mutex_lock(&cs->mu);
	for (size_t i = 0; i < cs->n; i++)
		if (cs->v[i] == c) {
			cs->v[i] = cs->v[--cs->n];
			pthread_mutex_lock(&c->st_mu);
			c->removed = 1;
			pthread_mutex_unlock(&c->st_mu);
			pthread_mutex_unlock(&cs->mu);
			ctr_unref(c);
			return;
		}
	pthread_mutex_unlock(&cs->mu);
}

struct ctr *
ctrs_get(struct ctrs *cs, const char *id, int *ambiguous)
{
	size_t l = strlen(id);
	struct ctr *found = NULL;
	*ambiguous = 0;
	if (l == 0 || l > 64)
		return NULL;
	pthread_mutex_lock(&cs->mu);
	for (size_t i = 0; i < cs->n; i++) {
		if (strncmp(cs->v[i]->rec->id, id, l) != 0)
			continue;
		if (found) {
			*ambiguous = 1;
			found = NULL;
			break;
		}
		found = cs->v[i];
	}
	if (found)
		atomic_fetch_add(&found->refs, 1);
	pthread_mutex_unlock(&cs->mu);
	return found;
}

/* Snapshot of the table (referenced); free with ctrs_snapshot_free. */
struct ctr **
ctrs_snapshot(struct ctrs *cs, size_t *ret_n)
{
	pthread_mutex_lock(&cs->mu);
	struct ctr **v = calloc(cs->n + 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; v && i < cs->n; i++) {
		v[n++] = cs->v[i];
		atomic_fetch_add(&cs->v[i]->refs, 1);
	}
	pthread_mutex_unlock(&cs->mu);
	*ret_n = n;
	return v;
}

void
ctrs_snapshot_free(struct ctr **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		ctr_unref(v[i]);
	free(v);
}

char *
ctrs_image_user(struct crisp *cr, const char *image_id)
{
	size_t n = 0;
	struct ctr **v = ctrs_snapshot(cr->ctrs, &n);
	char *user = NULL;
	for (size_t i = 0; v && i < n && !user; i++)
		if (strcmp(v[i]->rec->image_id, image_id) == 0)
			user = strdup(v[i]->rec->id);
	ctrs_snapshot_free(v, n);
	return user;
}

/* ---- exits -------------------------------------------------------------------------- */

/* Was the container's memory cgroup OOM-killed? (v1 memory.oom_control or v2 memory.events,
 * kernel files: trusted.) */
static int
oom_killed(const char *cgroups_path)
{
	static const char *const files[][2] = {
	    {"/sys/fs/cgroup/memory", "memory.oom_control"},
	    {"/sys/fs/cgroup/unified", "memory.events"},
	    {"/sys/fs/cgroup", "memory.events"},
	};
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		char p[CRISP_PATH_MAX], buf[1024];
		if (path_fmt(p, sizeof(p), "%s%s/%s", files[i][0], cgroups_path, files[i][1]) < 0)
			continue;
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		const char *k = strstr(buf, "oom_kill ");
		if (k && k[9] >= '1' && k[9] <= '9')
			return 1;
	}
	return 0;
}

/* Read <exit dir>/<id>: conmon's decimal exit code (128+signal for a signal). */
static int
read_exit_file(struct ctrs *cs, const char *id, int *ret_code, int64_t *ret_when)
{
	char p[CRISP_PATH_MAX], buf[32];
	int r = path_fmt(p, sizeof(p), "%s/%s", cs->exit_dir, id);
	if (r < 0)
		return r;
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	ssize_t n = fstat(fd, &st) == 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	(void)close(fd);
	if (n <= 0)
		return -EAGAIN; /* created, not written yet: the next event brings it */
	buf[n] = '\0';
	char *end = NULL;
	long code = strtol(buf, &end, 10);
	if (end == buf || code < -255 || code > 512)
		return -EINVAL;
	*ret_code = (int)code;
	*ret_when = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	return 0;
}

void
ctr_mark_exited(struct crisp *cr, struct ctr *c, int code, int64_t when, const char *why)
{
	ctr_record *r = c->rec;
	if (r->state == CRISP__STATE__CONTAINER_STATE__CTR_EXITED)
		return;
	r->state = CRISP__STATE__CONTAINER_STATE__CTR_EXITED;
	r->exit_code = code;
	r->finished_at = when ? when : ctr_now_ns();
	r->pid = 0;
	const char *reason = why                               ? why
			     : oom_killed(ctr_cgroups_path(r)) ? "OOMKilled"
			     : code == 0                       ? "Completed"
							       : "Error";
	(void)ctr_set_str(&r->reason, reason);
	(void)ctr_save(cr->ctrs, r);
	pthread_cond_broadcast(&c->exited);
	ctr_publish(cr, c, RUNTIME__V1__CONTAINER_EVENT_TYPE__CONTAINER_STOPPED_EVENT);
	log_info(0, "container %s exited with %d (%s)", r->id, code, reason);
}

static void
on_exit_file(struct crisp *cr, const char *name)
{
	int amb;
	if (strlen(name) != 64)
		return;
	struct ctr *c = ctrs_get(cr->ctrs, name, &amb);
	if (!c)
		return;
	int code;
	int64_t when;
	pthread_mutex_lock(&c->st_mu); /* not mu: a runtime call may hold it for long */
	if (read_exit_file(cr->ctrs, name, &code, &when) == 0)
		ctr_mark_exited(cr, c, code, when, NULL);
	pthread_mutex_unlock(&c->st_mu);
	ctr_unref(c);
}

static void *
monitor_main(void *arg)
{
	struct crisp *cr = arg;
	struct ctrs *cs = cr->ctrs;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	while (!atomic_load(&cs->stopping)) {
		struct pollfd p = {cs->inotify_fd, POLLIN, 0};
		if (poll(&p, 1, CTR_MONITOR_POLL_MS) <= 0)
			continue;
		ssize_t n = read(cs->inotify_fd, buf, sizeof(buf));
		for (ssize_t off = 0; n > 0 && off < n;) {
			const struct inotify_event *e = (const void *)(buf + off);
			if (e->len > 0)
				on_exit_file(cr, e->name);
			off += (ssize_t)(sizeof(*e) + e->len);
		}
	}
	return NULL;
}

/* ---- start-up ----------------------------------------------------------------------- */

/* Whether the container's init still runs, told without the runtime: its pid is alive and
 * sits in a cgroup named after the container's id (64 random hex digits, so a reused pid
 * does not pass). 1 alive, 0 gone, -1 cannot tell (no pid on record). A `runtime state` and
 * a helper run per container made a restart with 100 containers take seconds (issue 13). */
static int
init_alive(const ctr_record *r)
{
	if (r->pid <= 1 || strlen(r->id) != 64)
		return -1;
	char path[64], buf[8192]; /* a cgroup v1 file lists ~13 controllers */
	snprintf(path, sizeof(path), "/proc/%d/cgroup", r->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* no such process */
	/* Kernel text, small enough for one read. */
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0; /* nothing to match: not the container's init */
	buf[n] = '\0';
	return strstr(buf, r->id) != NULL;
}

static void
recover(struct crisp *cr, struct ctr *c)
{
	ctr_record *r = c->rec;
	if (r->state == CRISP__STATE__CONTAINER_STATE__CTR_EXITED)
		return;
	int code = 0;
	int64_t when = 0;
	int alive = 0, exited = read_exit_file(cr->ctrs, r->id, &code, &when) == 0;
	if (!exited && (alive = init_alive(r)) < 0) {
		alive = 0;
		(void)ctr_runtime_alive(cr, c, &alive);
	}
	pthread_mutex_lock(&c->st_mu);
	if (exited)
		ctr_mark_exited(cr, c, code, when, NULL);
	else if (!alive && r->state == CRISP__STATE__CONTAINER_STATE__CTR_RUNNING)
		ctr_mark_exited(cr, c, 255, 0, "Unknown");
	else if (!alive && r->state == CRISP__STATE__CONTAINER_STATE__CTR_CREATED) {
		r->state = CRISP__STATE__CONTAINER_STATE__CTR_UNKNOWN;
		(void)ctr_save(cr->ctrs, r);
	}
	pthread_mutex_unlock(&c->st_mu);
}

static void
load_all(struct crisp *cr)
{
	struct ctrs *cs = cr->ctrs;
	DIR *d = opendir(cs->rec_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strlen(de->d_name) != 67 || strcmp(de->d_name + 64, ".pb") != 0)
			continue;
		cleanup_free uint8_t *buf = NULL;
		size_t len = 0;
		ctr_record *r = NULL;
		if (store_read(cs->rec_dir, de->d_name, CTR_RECORD_MAX, &buf, &len) == 0)
			r = crisp__state__container_record__unpack(NULL, len, buf);
		if (!r || r->version != 1 || strlen(r->id) != 64 || !r->config) {
			log_error(0, "container record %s is unreadable; ignoring it", de->d_name);
			if (r)
				crisp__state__container_record__free_unpacked(r, NULL);
			continue;
		}
		struct ctr *c = ctr_new(r);
		if (!c || ctrs_add(cs, c) < 0) {
			ctr_unref(c);
			continue;
		}
		pthread_mutex_lock(&c->mu);
		recover(cr, c);
		pthread_mutex_unlock(&c->mu);
		ctr_unref(c);
	}
	if (d)
		(void)closedir(d);
}

int
ctrs_init(struct crisp *cr, struct ctrs **ret)
{
	struct ctrs *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	pthread_mutex_init(&cs->mu, NULL);
	cs->inotify_fd = -1;
	const struct config *cfg = cr->cfg;
	if (asprintf(&cs->rec_dir, "%s/container-records", cfg->root) < 0 ||
	    asprintf(&cs->store_dir, "%s/containers", cfg->root) < 0 ||
	    asprintf(&cs->run_dir, "%s/containers", cfg->runroot) < 0 ||
	    asprintf(&cs->exit_dir, "%s/exits", cfg->runroot) < 0) {
		ctrs_free(cs);
		return -ENOMEM;
	}
	int r = 0;
	const char *dirs[] = {cs->rec_dir, cs->store_dir, cs->run_dir, cs->exit_dir};
	for (size_t i = 0; i < ELEMENTSOF(dirs) && r == 0; i++)
		r = store_mkdir_p(dirs[i], 0700);
	cs->inotify_fd = r < 0 ? -1 : inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (r < 0 || cs->inotify_fd < 0 ||
	    inotify_add_watch(cs->inotify_fd, cs->exit_dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
		log_error(0, "cannot set up container state under %s", cfg->runroot);
		ctrs_free(cs);
		return r < 0 ? r : -errno;
	}
	(void)store_clean_temp(cs->rec_dir);
	cr->ctrs = cs;
	load_all(cr);
	ctr_reconcile_orphans(cr);
	if (pthread_create(&cs->monitor, NULL, monitor_main, cr) == 0)
		cs->monitor_started = 1;
	log_info(0, "%zu containers restored", cs->n);
	*ret = cs;
	return 0;
}

struct ctrs *
ctrs_free(struct ctrs *cs)
{
	if (!cs)
		return NULL;
	atomic_store(&cs->stopping, 1);
	if (cs->monitor_started)
		pthread_join(cs->monitor, NULL);
	for (size_t i = 0; i < cs->n; i++)
		ctr_unref(cs->v[i]);
	free(cs->v);
	if (cs->inotify_fd >= 0)
		(void)close(cs->inotify_fd);
	free(cs->rec_dir);
	free(cs->store_dir);
	free(cs->run_dir);
	free(cs->exit_dir);
	pthread_mutex_destroy(&cs->mu);
	free(cs);
	return NULL;
}
