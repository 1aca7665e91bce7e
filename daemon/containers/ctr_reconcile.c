/* SPDX-License-Identifier: Apache-2.0 */
/* Start-up reconcile of containers that have files or processes but no record: crispd was
 * stopped or killed during CreateContainer after `runtime create` and before the record was
 * written, or during a removal. Their conmon (also one whose bundle is gone), OCI runtime
 * state (also one with no bundle), overlay mount, bundle and storage are removed, and each
 * removal is logged.
 * runs in: daemon/privileged. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/containers/containers.h"
#include "daemon/containers/ctr_internal.h"
#include "daemon/containers/ctr_rootfs.h"
#include "daemon/containers/ctr_runtime.h"
#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

/* Only ids crisp generates (64 lowercase hex) are ever touched. */
static int
is_id(const char *s)
{
	size_t i = 0;
	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* `runtime delete --force` in every runtime root that knows the id; kills the container's
 * processes, after which its conmon exits. */
static void
delete_runtime_state(struct crisp *cr, const char *id)
{
	const struct config *cfg = crisp_config_lock(cr);
	for (size_t i = 0; i < cfg->n_runtimes; i++) {
		const struct config_runtime *rt = &cfg->runtimes[i];
		char p[CRISP_PATH_MAX];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", rt->root, id);
		if (!rt->root || lstat(p, &st) < 0)
			continue;
		struct helper_ctx h = {.dir = cr->helper_dir,
				       .timeout_ms = (uint64_t)cfg->helper_timeout_s * 1000u};
		struct rt_ctx rc = {.rt = rt,
				    .systemd = cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD,
				    .helpers = &h};
		char *args[] = {UNCONST("delete"), UNCONST("--force"), UNCONST(id), NULL};
		char err[512] = "";
		if (rt_simple(&rc, args, err, sizeof(err)) < 0)
			log_warn(0, "container %s: %s", id, err);
	}
	crisp_config_unlock(cr, cfg);
}

static void
remove_orphan(struct crisp *cr, const char *id)
{
	struct ctrs *cs = cr->ctrs;
	char bundle[CRISP_PATH_MAX], rootfs[CRISP_PATH_MAX], storage[CRISP_PATH_MAX],
	    exitf[CRISP_PATH_MAX];
	if ((size_t)snprintf(bundle, sizeof(bundle), "%s/%s", cs->run_dir, id) >= sizeof(bundle) ||
	    (size_t)snprintf(rootfs, sizeof(rootfs), "%s/%s/rootfs", cs->run_dir, id) >=
		sizeof(rootfs) ||
	    (size_t)snprintf(storage, sizeof(storage), "%s/%s", cs->store_dir, id) >=
		sizeof(storage) ||
	    (size_t)snprintf(exitf, sizeof(exitf), "%s/%s", cs->exit_dir, id) >= sizeof(exitf)) {
		log_warn(0, "container %s: not in any record; paths too long to clean up", id);
		return;
	}
	delete_runtime_state(cr, id);
	int r = ctr_rootfs_umount(rootfs);
	if (r == 0)
		r = store_remove_tree(bundle);
	if (r == 0)
		r = store_remove_tree(storage);
	(void)unlink(exitf);
	if (r < 0)
		log_warn(0, "container %s: not in any record; cleanup: %s", id, strerror(-r));
	else
		log_warn(0,
			 "container %s: not in any record (crispd stopped during CreateContainer); "
			 "removed its runtime state, conmon, rootfs mount and files",
			 id);
}

static void
scan(struct crisp *cr, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		int amb = 0;
		if (!is_id(de->d_name))
			continue;
		struct ctr *c = ctrs_get(cr->ctrs, de->d_name, &amb);
		if (c) {
			ctr_unref(c);
			continue;
		}
		remove_orphan(cr, de->d_name);
	}
	if (d)
		(void)closedir(d);
}

/* Read a small /proc file whole; its length, or -1. */
static ssize_t
read_proc(int pid, const char *what, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	(void)close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Whether pid is a root-owned conmon that crispd started for a container under run_dir
 * ("-b <run_dir>/<id>"); the id goes to id. Only the prefix and an id crisp generates are
 * matched, so no other process on the host is ever taken for one of ours. */
static int
our_conmon(const char *run_dir, int pid, char id[65])
{
	char buf[8192], path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (stat(path, &st) < 0 || st.st_uid != 0 || read_proc(pid, "comm", buf, 32) < 0 ||
	    strcmp(buf, "conmon\n") != 0)
		return 0;
	ssize_t n = read_proc(pid, "cmdline", buf, sizeof(buf));
	size_t rl = strlen(run_dir);
	for (ssize_t off = 0; n > 0 && off < n;) {
		const char *a = buf + off;
		size_t al = strlen(a);
		off += (ssize_t)al + 1;
		if (strcmp(a, "-b") != 0 || off >= n)
			continue;
		const char *b = buf + off;
		if (strncmp(b, run_dir, rl) != 0 || b[rl] != '/' || !is_id(b + rl + 1))
			return 0;
		memcpy(id, b + rl + 1, 65);
		return 1;
	}
	return 0;
}

/* conmons of containers with no record (their bundle may be gone too): their container's
 * runtime state is deleted and conmon killed with its session. */
static void
kill_orphan_conmons(struct crisp *cr)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char *end = NULL, id[65];
		long pid = strtol(de->d_name, &end, 10);
		int amb = 0;
		if (!end || *end || pid <= 1 || !our_conmon(cr->ctrs->run_dir, (int)pid, id))
			continue;
		struct ctr *c = ctrs_get(cr->ctrs, id, &amb);
		if (c) {
			ctr_unref(c);
			continue;
		}
		delete_runtime_state(cr, id);
		/* conmon leads its own session (it calls setsid): the group goes with it. */
		int r = kill(-(pid_t)pid, SIGKILL) < 0 ? -errno : 0;
		log_warn(0, "container %s: not in any record; killed its conmon (pid %ld): %s", id,
			 pid, r < 0 ? strerror(-r) : "ok");
	}
	if (d)
		(void)closedir(d);
}

void
ctr_reconcile_orphans(struct crisp *cr)
{
	kill_orphan_conmons(cr);
	scan(cr, cr->ctrs->run_dir);
	scan(cr, cr->ctrs->store_dir); /* storage whose bundle was already gone */
	/* Runtime state whose bundle and storage are gone; only in roots under our runroot (the
	 * default): a root named in the config may be shared with another tool whose container
	 * ids look like ours (Docker's are 64 hex digits too). */
	const struct config *cfg = crisp_config_lock(cr);
	size_t rl = strlen(cfg->runroot);
	for (size_t i = 0; i < cfg->n_runtimes; i++) {
		const char *root = cfg->runtimes[i].root;
		if (root && strncmp(root, cfg->runroot, rl) == 0 && root[rl] == '/')
			scan(cr, root);
	}
	crisp_config_unlock(cr, cfg);
}
