/* SPDX-License-Identifier: Apache-2.0 */
/* Pod table, persisted pod records (protobuf, written atomically) and recovery at start:
 * interrupted RunPodSandbox calls are undone, pods whose namespaces vanished (reboot) are
 * marked stopped, and leftovers without a record are removed.
 * runs in: daemon/privileged. Records are crispd's own; a record that does not decode or
 * validate is logged and set aside, never trusted. */
#include "daemon/pods/pods.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "daemon/pods/pod_files.h"
#include "daemon/pods/pod_ns.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"
#include "state.pb-c.h"

struct pod *
pod_new(void)
{
	struct pod *pod = calloc(1, sizeof(*pod));
	if (!pod)
		return NULL;
	atomic_init(&pod->refs, 1);
	pthread_mutex_init(&pod->mu, NULL);
	pthread_mutex_init(&pod->st_mu, NULL);
	return pod;
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct pod *
pod_free(struct pod *pod)
{
	if (!pod)
		return NULL;
	if (pod->config)
		protobuf_c_message_free_unpacked(&pod->config->base, NULL);
	free(pod->runtime_handler);
	free(pod->ns_dir);
	free(pod->netns_path);
	free(pod->ipcns_path);
	free(pod->utsns_path);
	free(pod->run_dir);
	free(pod->shm_path);
	free(pod->cni_conf_file);
	free(pod->cni_network);
	free(pod->cni_result);
	free_strv(pod->ips, pod->n_ips);
	pthread_mutex_destroy(&pod->mu);
	pthread_mutex_destroy(&pod->st_mu);
	free(pod);
	return NULL;
}

void
pod_unref(struct pod *pod)
{
	if (pod && atomic_fetch_sub(&pod->refs, 1) == 1)
		pod_free(pod);
}

struct pod *
pods_get(struct pods *p, const char *id)
{
	struct pod *found = NULL;
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i]->id, id) == 0) {
			found = p->v[i];
			atomic_fetch_add(&found->refs, 1);
			break;
		}
	pthread_mutex_unlock(&p->mu);
	return found;
}

void
pod_set_state(struct pod *pod, enum pod_state s)
{
	pthread_mutex_lock(&pod->st_mu);
	pod->state = s;
	pthread_mutex_unlock(&pod->st_mu);
}

enum pod_state
pod_get_state(struct pod *pod)
{
	pthread_mutex_lock(&pod->st_mu);
	enum pod_state s = pod->state;
	pthread_mutex_unlock(&pod->st_mu);
	return s;
}

void
pod_set_modes(struct pod *pod)
{
	const Runtime__V1__PodSandboxConfig *c = pod->config;
	const Runtime__V1__NamespaceOption *o = c->linux && c->linux->security_context
						    ? c->linux->security_context->namespace_options
						    : NULL;
	pod->host_net = o && o->network == RUNTIME__V1__NAMESPACE_MODE__NODE;
	pod->host_ipc = o && o->ipc == RUNTIME__V1__NAMESPACE_MODE__NODE;
	pod->pid_mode = o ? (int)o->pid : RUNTIME__V1__NAMESPACE_MODE__CONTAINER;
}

/* ---- records ------------------------------------------------------------------------- */

static char *
str_or_empty(const char *s)
{
	return UNCONST(s ? s : "");
}

int
pod_save(struct pods *p, struct pod *pod)
{
	Crisp__State__PodRecord rec;
	crisp__state__pod_record__init(&rec);
	rec.version = 1;
	rec.id = pod->id;
	rec.config = pod->config;
	rec.runtime_handler = str_or_empty(pod->runtime_handler);
	rec.state = pod->state == POD_READY     ? CRISP__STATE__POD_STATE__POD_READY
		    : pod->state == POD_STOPPED ? CRISP__STATE__POD_STATE__POD_STOPPED
						: CRISP__STATE__POD_STATE__POD_CREATING;
	rec.created_at = pod->created_at;
	rec.netns_path = str_or_empty(pod->netns_path);
	rec.ipcns_path = str_or_empty(pod->ipcns_path);
	rec.utsns_path = str_or_empty(pod->utsns_path);
	rec.cni_network = str_or_empty(pod->cni_network);
	rec.cni_conf_file = str_or_empty(pod->cni_conf_file);
	rec.cni_result = str_or_empty(pod->cni_result);
	rec.n_ips = pod->n_ips;
	rec.ips = pod->ips;
	rec.network_up = pod->network_up;
	rec.run_dir = str_or_empty(pod->run_dir);
	rec.shm_path = str_or_empty(pod->shm_path);
	rec.infra_pid = pod->infra_pid;
	size_t len = protobuf_c_message_get_packed_size(&rec.base);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	(void)protobuf_c_message_pack(&rec.base, buf);
	char name[80];
	snprintf(name, sizeof(name), "%s.pb", pod->id);
	return store_write_atomic(p->rec_dir, name, buf, len, 0600);
}

int
pod_delete_record(struct pods *p, const char *id)
{
	char path[CRISP_PATH_MAX];
	int r = path_fmt(path, sizeof(path), "%s/%s.pb", p->rec_dir, id);
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int
id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return 1;
}

static char *
dup_nonempty(const char *s)
{
	return s && s[0] ? strdup(s) : NULL;
}

/* Take what a decoded record holds into a new pod; the config is detached from rec. */
static struct pod *
pod_from_record(Crisp__State__PodRecord *rec)
{
	if (rec->version != 1 || !id_ok(rec->id) || !rec->config || !rec->config->metadata)
		return NULL;
	struct pod *pod = pod_new();
	if (!pod)
		return NULL;
	memcpy(pod->id, rec->id, 65);
	pod->config = rec->config;
	rec->config = NULL;
	pod->runtime_handler = strdup(rec->runtime_handler);
	pod->state = rec->state == CRISP__STATE__POD_STATE__POD_READY     ? POD_READY
		     : rec->state == CRISP__STATE__POD_STATE__POD_STOPPED ? POD_STOPPED
									  : POD_CREATING;
	pod->created_at = rec->created_at;
	pod->netns_path = dup_nonempty(rec->netns_path);
	pod->ipcns_path = dup_nonempty(rec->ipcns_path);
	pod->utsns_path = dup_nonempty(rec->utsns_path);
	pod->cni_network = dup_nonempty(rec->cni_network);
	pod->cni_conf_file = dup_nonempty(rec->cni_conf_file);
	pod->cni_result = dup_nonempty(rec->cni_result);
	pod->network_up = rec->network_up;
	pod->run_dir = dup_nonempty(rec->run_dir);
	pod->shm_path = dup_nonempty(rec->shm_path);
	pod->infra_pid = rec->infra_pid;
	pod_set_modes(pod);
	pod->ips = calloc(rec->n_ips + 1, sizeof(char *));
	for (size_t i = 0; pod->ips && i < rec->n_ips; i++)
		pod->ips[pod->n_ips++] = strdup(rec->ips[i]);
	return pod;
}

/* ---- start-up recovery ------------------------------------------------------------- */

static int
pinned(const char *path)
{
	struct stat st, dir;
	char parent[CRISP_PATH_MAX];
	if (!path || lstat(path, &st) < 0 || path_fmt(parent, sizeof(parent), "%s", path) < 0)
		return 0;
	char *slash = strrchr(parent, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	/* A pin is an nsfs bind mount: another device than the directory it sits in. */
	return stat(parent, &dir) == 0 && st.st_dev != dir.st_dev;
}

static void
recover_pod(struct crisp *cr, struct pods *p, struct pod *pod)
{
	char err[512];
	if (pod->state == POD_CREATING) {
		log_warn(0, "pod %s: RunPodSandbox was interrupted; undoing it", pod->id);
		if (pod_teardown(cr, pod, err, sizeof(err)) < 0)
			log_warn(0, "pod %s: cleanup: %s", pod->id, err);
		(void)pod_delete_record(p, pod->id);
		pod->removed = 1;
		return;
	}
	if (pod->state == POD_READY && ((pod->netns_path && !pinned(pod->netns_path)) ||
					(pod->ipcns_path && !pinned(pod->ipcns_path)))) {
		log_warn(0, "pod %s: its namespaces are gone (reboot?); marking it not ready",
			 pod->id);
		pod->state = POD_STOPPED;
		pod->network_up = 0;
		(void)pod_save(p, pod);
	}
}

static int
pods_add(struct pods *p, struct pod *pod)
{
	struct pod **n = realloc(p->v, (p->n + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	p->v = n;
	p->v[p->n++] = pod;
	return 0;
}

static void
load_one(struct crisp *cr, struct pods *p, const char *name)
{
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	int r = store_read(p->rec_dir, name, POD_RECORD_MAX, &buf, &len);
	Crisp__State__PodRecord *rec =
	    r < 0 ? NULL : crisp__state__pod_record__unpack(NULL, len, buf);
	struct pod *pod = rec ? pod_from_record(rec) : NULL;
	if (rec)
		crisp__state__pod_record__free_unpacked(rec, NULL);
	if (!pod) {
		log_error(0, "pod record %s/%s is unreadable; moving it aside", p->rec_dir, name);
		char from[CRISP_PATH_MAX], to[CRISP_PATH_MAX];
		if (path_fmt(from, sizeof(from), "%s/%s", p->rec_dir, name) == 0 &&
		    path_fmt(to, sizeof(to), "%s/%s.bad", p->rec_dir, name) == 0)
			(void)rename(from, to);
		return;
	}
	/* Both directories follow from the id; older records may lack them. */
	if ((!pod->ns_dir && asprintf(&pod->ns_dir, "%s/%s", p->ns_root, pod->id) < 0) ||
	    (!pod->run_dir && asprintf(&pod->run_dir, "%s/%s", p->run_root, pod->id) < 0)) {
		pod_free(pod);
		return;
	}
	recover_pod(cr, p, pod);
	if (pod->removed || pods_add(p, pod) < 0)
		pod_free(pod);
}

/* Directories under run_root or ns_root without a pod in the table are leftovers of a run
 * that never wrote its first record; unmount and remove them. */
static void
remove_orphans(struct pods *p, const char *root, int is_ns)
{
	DIR *d = opendir(root);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!id_ok(de->d_name))
			continue;
		struct pod *pod = pods_get(p, de->d_name);
		if (pod) {
			pod_unref(pod);
			continue;
		}
		char path[CRISP_PATH_MAX];
		if (path_fmt(path, sizeof(path), "%s/%s", root, de->d_name) < 0)
			continue; /* a cut path names another directory */
		log_warn(0, "removing leftover %s", path);
		if (is_ns)
			(void)pod_ns_remove(path);
		else
			(void)pod_files_umount_shm(path), (void)store_remove_tree(path);
	}
	(void)closedir(d);
}

int
pods_init(struct crisp *cr, struct pods **ret)
{
	struct pods *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->mu, NULL);
	const struct config *cfg = cr->cfg;
	if (asprintf(&p->rec_dir, "%s/pods", cfg->root) < 0 ||
	    asprintf(&p->run_root, "%s/pods", cfg->runroot) < 0 ||
	    asprintf(&p->ns_root, "%s/ns", cfg->runroot) < 0) {
		pods_free(p);
		return -ENOMEM;
	}
	int r = store_mkdir_p(p->rec_dir, 0700);
	if (r == 0)
		r = store_mkdir_p(p->run_root, 0711);
	if (r == 0)
		r = pod_ns_prepare_root(p->ns_root);
	if (r < 0) {
		log_error(0, "cannot set up pod directories under %s and %s: %s", cfg->root,
			  cfg->runroot, strerror(-r));
		pods_free(p);
		return r;
	}
	(void)store_clean_temp(p->rec_dir);
	DIR *d = opendir(p->rec_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l == 67 && strcmp(de->d_name + 64, ".pb") == 0)
			load_one(cr, p, de->d_name);
	}
	if (d)
		(void)closedir(d);
	remove_orphans(p, p->run_root, 0);
	remove_orphans(p, p->ns_root, 1);
	log_info(0, "%zu pod sandboxes restored", p->n);
	*ret = p;
	return 0;
}

/* At a clean stop with no pod left, drop the private mount of the ns root again. */
static void
release_ns_root(struct pods *p)
{
	DIR *d = opendir(p->ns_root);
	int empty = 1;
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	if (d)
		(void)closedir(d);
	if (empty && p->n == 0)
		(void)umount2(p->ns_root, MNT_DETACH | UMOUNT_NOFOLLOW);
}

struct pods *
pods_free(struct pods *p)
{
	if (!p)
		return NULL;
	release_ns_root(p);
	for (size_t i = 0; i < p->n; i++)
		pod_unref(p->v[i]);
	free(p->v);
	free(p->rec_dir);
	free(p->run_root);
	free(p->ns_root);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return NULL;
}
