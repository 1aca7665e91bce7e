/* SPDX-License-Identifier: Apache-2.0 */
/* Pod sandboxes: the in-memory table, persisted records, recovery at start, and the
 * sandbox RPCs (RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus,
 * ListPodSandbox).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_PODS_H
#define CRISP_DAEMON_PODS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "cri/api.pb-c.h"
#include "daemon/grpc/grpc_server.h"

struct crisp;

enum pod_state {
	POD_CREATING, /* RunPodSandbox in progress (or interrupted: cleaned up at start) */
	POD_READY,
	POD_STOPPED,
};

struct pod {
	atomic_int refs;
	/* Serializes lifecycle operations (held across CNI, OCI runtime and helper calls);
	 * guards every field below. */
	pthread_mutex_t mu;
	/* Short lock, never held across slow work, taken after mu: writers of state,
	 * network_up and removed hold both; List and Status take only this one, so they never
	 * wait for another request's slow work (issue 13). Fields set while the pod is
	 * CREATING are not read by them. */
	pthread_mutex_t st_mu;
	char id[65];
	Runtime__V1__PodSandboxConfig *config; /* owned deep copy of the request */
	char *runtime_handler;
	enum pod_state state;
	int64_t created_at; /* unix ns */
	int host_net, host_ipc, pid_mode;
	int infra_pid; /* crisp-pause, when pid_mode is POD */
	char *ns_dir;  /* <runroot>/ns/<id> */
	char *netns_path, *ipcns_path, *utsns_path;
	char *run_dir; /* <runroot>/pods/<id> */
	char *shm_path;
	char *cni_conf_file, *cni_network, *cni_result;
	char **ips;
	size_t n_ips;
	int network_up;
	int network_released; /* a DEL succeeded since the last ADD: no need to repeat it */
	int removed;          /* gone from the table; a waiter that got the pointer must give up */
};

struct pods {
	pthread_mutex_t mu; /* the table */
	struct pod **v;
	size_t n;
	char *rec_dir;  /* <root>/pods: one <id>.pb record per pod */
	char *run_root; /* <runroot>/pods */
	char *ns_root;  /* <runroot>/ns */
};

/* Set up directories, load every record and clean up interrupted runs. */
int pods_init(struct crisp *cr, struct pods **ret);
struct pods *pods_free(struct pods *p);

/* Bind the sandbox RPC handlers. */
int pods_register(struct grpc_server *s);

/* Table access: a referenced pod (pod_unref when done), or NULL. */
struct pod *pods_get(struct pods *p, const char *id);
void pod_unref(struct pod *pod);

/* Record persistence (pods.c). */
int pod_save(struct pods *p, struct pod *pod);
int pod_delete_record(struct pods *p, const char *id);
struct pod *pod_new(void);
struct pod *pod_free(struct pod *pod);
/* Set pod->state under st_mu (the caller holds mu); read it under st_mu. */
void pod_set_state(struct pod *pod, enum pod_state s);
enum pod_state pod_get_state(struct pod *pod);
/* Host network/IPC and the PID mode, from pod->config. */
void pod_set_modes(struct pod *pod);

/* Lifecycle steps (pod_run.c). Callers hold pod->mu. pod_run's CNI ADD ends at deadline_ns
 * (the call's, CLOCK_MONOTONIC ns, 0 = none); a failed run is undone (CNI DEL included) on
 * the steps' own limits. */
int pod_run(struct crisp *cr, struct pod *pod, uint64_t deadline_ns, char *err, size_t errsz);
int pod_stop(struct crisp *cr, struct pod *pod, char *err, size_t errsz);
int pod_teardown(struct crisp *cr, struct pod *pod, char *err, size_t errsz);

/* Request validation (pod_validate.c): 0 or -EINVAL with a message naming the field. */
int pod_validate(const struct crisp *cr, const Runtime__V1__RunPodSandboxRequest *req, char *err,
		 size_t errsz);

#endif
