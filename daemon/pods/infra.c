/* SPDX-License-Identifier: Apache-2.0 */
/* Infra process for pods that share one PID namespace (see infra.h). The OCI config is
 * written with jansson (writing only), the runtime is run with a deadline, and its own error
 * text reaches the client escaped.
 * runs in: daemon/privileged. */
#include "daemon/pods/infra.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/core/prog.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "daemon/pods/pods.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

#define INFRA_UID 65534

static json_t *
ns_entry(const char *type, const char *path)
{
	return path ? json_pack("{s:s, s:s}", "type", type, "path", path)
		    : json_pack("{s:s}", "type", type);
}

static json_t *
infra_namespaces(const struct pod *pod)
{
	json_t *a = json_array();
	(void)json_array_append_new(a, ns_entry("pid", NULL));
	(void)json_array_append_new(a, ns_entry("mount", NULL));
	/* Host namespaces are simply not listed: runc then stays in its own (the host's). */
	if (pod->netns_path)
		(void)json_array_append_new(a, ns_entry("network", pod->netns_path));
	if (pod->ipcns_path)
		(void)json_array_append_new(a, ns_entry("ipc", pod->ipcns_path));
	if (pod->utsns_path)
		(void)json_array_append_new(a, ns_entry("uts", pod->utsns_path));
	return a;
}

static json_t *
infra_mounts(const char *pause_bin)
{
	return json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:[s,s,s,s]},"
			 " {s:s, s:s, s:s, s:[s,s,s]}]",
			 "destination", "/proc", "type", "proc", "source", "proc", "destination",
			 "/dev", "type", "tmpfs", "source", "tmpfs", "options", "nosuid", "noexec",
			 "mode=755", "size=64k", "destination", "/pause", "type", "bind", "source",
			 pause_bin, "options", "rbind", "ro", "nosuid");
}

/* cgroupfs: <parent or /crisp>/crisp-<id>; systemd: <parent slice or system.slice>:crisp:<id> */
static void
cgroups_path(const struct config *cfg, const struct pod *pod, char *buf, size_t sz)
{
	const char *parent = pod->config->linux ? pod->config->linux->cgroup_parent : "";
	if (cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD)
		snprintf(buf, sz, "%s:crisp:%s", parent[0] ? parent : "system.slice", pod->id);
	else
		snprintf(buf, sz, "%s/crisp-%s", parent[0] ? parent : "/crisp", pod->id);
}

static char *
infra_config(const struct config *cfg, const struct pod *pod, const char *pause_bin)
{
	char cg[1024];
	cgroups_path(cfg, pod, cg, sizeof(cg));
	/* No capabilities at all, no new privileges, a read-only root holding one file. */
	json_t *caps = json_pack("{s:[], s:[], s:[], s:[], s:[]}", "bounding", "effective",
				 "inheritable", "permitted", "ambient");
	json_t *o = json_pack(
	    "{s:s, s:{s:b, s:{s:i, s:i}, s:[s], s:[s], s:s, s:o, s:b, s:i},"
	    " s:{s:s, s:b}, s:o, s:{s:o, s:s, s:[s,s,s,s], s:[s,s]}}",
	    "ociVersion", "1.0.2", "process", "terminal", 0, "user", "uid", INFRA_UID, "gid",
	    INFRA_UID, "args", "/pause", "env", "PATH=/", "cwd", "/", "capabilities", caps,
	    "noNewPrivileges", 1, "oomScoreAdj", 0, "root", "path", "rootfs", "readonly", 1,
	    "mounts", infra_mounts(pause_bin), "linux", "namespaces", infra_namespaces(pod),
	    "cgroupsPath", cg, "maskedPaths", "/proc/kcore", "/proc/keys", "/proc/timer_list",
	    "/proc/sched_debug", "readonlyPaths", "/proc/sys", "/proc/sysrq-trigger");
	if (!o)
		return NULL;
	char *s = json_dumps(o, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static int
runtime_cmd(const struct config *cfg, const struct pod *pod, char *const *args, const char *log,
	    char *err, size_t errsz)
{
	const struct config_runtime *rt = config_find_runtime(cfg, pod->runtime_handler);
	if (!rt) {
		snprintf(err, errsz, "runtime handler %s is no longer configured",
			 pod->runtime_handler);
		return -ENOENT;
	}
	char *argv[16];
	size_t n = 0;
	argv[n++] = rt->path;
	argv[n++] = UNCONST("--root");
	argv[n++] = rt->root;
	if (cfg->cgroup_driver == CGROUP_DRIVER_SYSTEMD)
		argv[n++] = UNCONST("--systemd-cgroup");
	for (size_t i = 0; args[i] && n + 1 < ELEMENTSOF(argv); i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char *envp[] = {
	    UNCONST("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), NULL};
	struct prog_opts o = {.path = rt->path,
			      .argv = argv,
			      .envp = envp,
			      .timeout_ms = INFRA_TIMEOUT_MS,
			      .stdio_file = log};
	struct prog_result res;
	int r = prog_run(&o, &res);
	int ok = r == 0 && res.exited && res.status == 0;
	prog_result_done(&res);
	if (ok)
		return 0;
	if (r < 0 && r != -ETIMEDOUT) {
		snprintf(err, errsz, "runtime handler %s: cannot run %s: %s", rt->name, rt->path,
			 strerror(-r));
		return r;
	}
	/* The runtime's own words (a trusted binary, still escaped) say what went wrong. */
	cleanup_free uint8_t *text = NULL;
	size_t len = 0;
	char dir[CRISP_PATH_MAX], esc[4 * LOG_MAX_UNTRUSTED + 4] = "";
	char *slash = path_fmt(dir, sizeof(dir), "%s", log) == 0 ? strrchr(dir, '/') : NULL;
	if (slash && (*slash = '\0', store_read(dir, slash + 1, 1 << 20, &text, &len) == 0))
		log_escape((const char *)text + (len > 512 ? len - 512 : 0), len > 512 ? 512 : len,
			   esc, sizeof(esc));
	snprintf(err, errsz, "%s %s failed%s: %s", rt->name, args[0],
		 r == -ETIMEDOUT ? " (timed out)" : "", esc[0] ? esc : "no output");
	return r < 0 ? r : -EIO;
}

int
infra_start(struct crisp *cr, const struct config *cfg, struct pod *pod, char *err, size_t errsz)
{
	char dir[CRISP_PATH_MAX], rootfs[CRISP_PATH_MAX], pause_bin[CRISP_PATH_MAX];
	char log[CRISP_PATH_MAX], pidfile[CRISP_PATH_MAX];
	int r = path_fmt(dir, sizeof(dir), "%s/infra", pod->run_dir);
	if (r == 0)
		r = path_fmt(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	if (r == 0)
		r = path_fmt(pause_bin, sizeof(pause_bin), "%s/crisp-pause", cr->helper_dir);
	if (r == 0)
		r = path_fmt(log, sizeof(log), "%s/runtime.log", dir);
	if (r == 0)
		r = path_fmt(pidfile, sizeof(pidfile), "%s/pid", dir);
	if (r < 0) {
		snprintf(err, errsz, "pod %s: infra paths: %s", pod->id, strerror(-r));
		return r;
	}
	if (access(pause_bin, X_OK) < 0) {
		snprintf(err, errsz, "%s is missing: cannot start the pod's infra process",
			 pause_bin);
		return -ENOENT;
	}
	if (mkdir(dir, 0700) < 0 || mkdir(rootfs, 0755) < 0) {
		snprintf(err, errsz, "create %s: %s", rootfs, strerror(errno));
		return -errno;
	}
	cleanup_free char *json = infra_config(cfg, pod, pause_bin);
	r = json ? store_write_atomic(dir, "config.json", json, strlen(json), 0600) : -ENOMEM;
	if (r < 0) {
		snprintf(err, errsz, "write the infra OCI config: %s", strerror(-r));
		return r;
	}
	char *args[] = {UNCONST("run"),
			UNCONST("--detach"),
			UNCONST("--bundle"),
			dir,
			UNCONST("--pid-file"),
			pidfile,
			pod->id,
			NULL};
	r = runtime_cmd(cfg, pod, args, log, err, errsz);
	if (r < 0) {
		char e2[256];
		(void)infra_stop(cr, cfg, pod, e2, sizeof(e2)); /* runc may have half-created it */
		return r;
	}
	cleanup_free uint8_t *pid = NULL;
	size_t len = 0;
	if (store_read(dir, "pid", 32, &pid, &len) == 0 && len > 0 && len < 16) {
		char buf[16];
		memcpy(buf, pid, len);
		buf[len] = '\0';
		char *end = NULL;
		long v = strtol(buf, &end, 10);
		if (end != buf && v > 0 && v < (1L << 22))
			pod->infra_pid = (int)v;
	}
	return 0;
}

int
infra_stop(struct crisp *cr, const struct config *cfg, struct pod *pod, char *err, size_t errsz)
{
	(void)cr;
	char dir[CRISP_PATH_MAX], log[CRISP_PATH_MAX];
	int r = path_fmt(dir, sizeof(dir), "%s/infra", pod->run_dir);
	if (r == 0)
		r = path_fmt(log, sizeof(log), "%s/runtime.log", dir);
	if (r < 0) {
		snprintf(err, errsz, "pod %s: infra paths: %s", pod->id, strerror(-r));
		return r;
	}
	(void)store_mkdir_p(dir, 0700); /* for the log; teardown removes the run dir next */
	char *args[] = {UNCONST("delete"), UNCONST("--force"), pod->id, NULL};
	r = runtime_cmd(cfg, pod, args, log, err, errsz);
	/* runc delete --force of a container that is already gone succeeds: idempotent. */
	if (r == 0)
		pod->infra_pid = 0;
	return r;
}
