/* SPDX-License-Identifier: Apache-2.0 */
/* crispd configuration: embedded defaults, the optional INI file (/etc/crisp/crisp.conf,
 * parsed with libinih), and printing the effective configuration in that same format.
 * runs in: daemon/privileged (the file belongs to the node admin, a trusted input). */
#ifndef CRISP_DAEMON_CONFIG_H
#define CRISP_DAEMON_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "daemon/core/log.h"

#define CONFIG_DEFAULT_PATH "/etc/crisp/crisp.conf"

enum cgroup_driver {
	CGROUP_DRIVER_CGROUPFS,
	CGROUP_DRIVER_SYSTEMD,
	CGROUP_DRIVER_COUNT
};

/* [policy] no_new_privileges: what a container's no_new_privs is. */
enum config_nnp {
	CONFIG_NNP_REQUEST, /* as the request says (CRI; kubelet sends false unless the pod says
			     * allowPrivilegeEscalation: false) */
	CONFIG_NNP_ALWAYS,  /* on for every unprivileged container, whatever the request says */
	CONFIG_NNP_COUNT
};

/* [policy] seccomp_unset: the profile of a container whose request names none. */
enum config_seccomp_unset {
	CONFIG_SECCOMP_UNSET_RUNTIME_DEFAULT, /* crisp's RuntimeDefault (stricter than CRI) */
	CONFIG_SECCOMP_UNSET_UNCONFINED,      /* no filter, as CRI's own default */
	CONFIG_SECCOMP_UNSET_COUNT
};

struct strv {
	char **v;
	size_t n;
};

/* One RuntimeClass handler: name as kubelet sends it, OCI runtime binary, its state root. */
struct config_runtime {
	char *name;
	char *path;
	char *root;
};

/* One registry mirror list: registry host -> mirrors tried before it. */
struct config_mirror {
	char *registry;
	struct strv mirrors;
};

struct config {
	/* Handlers holding this snapshot (crisp_config_lock in daemon/crisp.h), counted under
	 * crisp's cfg_mu; not a setting. */
	unsigned long refs;
	/* [crisp] */
	char *listen;
	char *root;
	char *runroot;
	enum log_level log_level;
	enum cgroup_driver cgroup_driver;
	char *conmon;
	char *helper_dir; /* "": next to crispd, or ../libexec/crisp from it */
	/* [runtime] and [runtime.<name>] */
	char *default_runtime;
	struct config_runtime *runtimes;
	size_t n_runtimes;
	/* [cni] */
	char *cni_conf_dir;
	struct strv cni_bin_dirs;
	/* [registries] */
	struct strv unqualified_search;
	struct strv insecure;
	struct strv blocked;
	struct config_mirror *mirrors;
	size_t n_mirrors;
	char *certs_dir; /* <certs_dir>/<host>/: extra CAs (*.crt, *.pem) for that registry */
	/* [policy] */
	enum config_nnp no_new_privileges;
	enum config_seccomp_unset seccomp_unset;
	/* "": a Localhost seccomp profile may be any absolute path (as kubelet sends it);
	 * otherwise it must resolve beneath this directory without leaving it. */
	char *seccomp_profile_root;
	/* [limits] */
	uint64_t layer_max_bytes;
	uint32_t helper_timeout_s;
	uint32_t pull_timeout_s;
	uint64_t shm_size_bytes;
	uint32_t max_parallel_downloads;
};

/* A config holding the embedded defaults. Returns NULL only on ENOMEM. */
struct config *config_new_defaults(void);
struct config *config_free(struct config *c);

/* Apply the INI file at path over c. On failure, writes a one-line message naming the file,
 * the line and the key into err (errsz bytes) and returns -EINVAL (bad content), -ENOENT,
 * -EFBIG (over CONFIG_MAX_FILE_SIZE) or another -errno; c may then be partly updated, so
 * callers apply the file to a fresh copy. */
int config_load_file(struct config *c, const char *path, char *err, size_t errsz);

/* Same, from an in-memory string; name is used in error messages. */
int config_load_string(struct config *c, const char *text, const char *name, char *err,
		       size_t errsz);

/* Checks across keys (default runtime exists, paths absolute). Same error contract. */
int config_validate(const struct config *c, char *err, size_t errsz);

/* Find a runtime handler by name ("" means the default). NULL when unknown. */
const struct config_runtime *config_find_runtime(const struct config *c, const char *name);

/* Give every runtime without a root one under the runroot (<runroot>/<name>), so two crispds
 * with different runroots never share OCI runtime state. Call once runroot is final. */
int config_fill_runtime_roots(struct config *c);

/* Print c in the config file's own format; the output loads back to the same config. */
int config_print(const struct config *c, FILE *f);

const char *config_cgroup_driver_name(enum cgroup_driver d);
const char *config_nnp_name(enum config_nnp v);
const char *config_seccomp_unset_name(enum config_seccomp_unset v);

#endif
