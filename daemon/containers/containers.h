/* SPDX-License-Identifier: Apache-2.0 */
/* Containers: the table, persisted records, the overlay rootfs, conmon + OCI runtime
 * lifecycle, exit monitoring, ExecSync and the container RPCs.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CONTAINERS_H
#define CRISP_DAEMON_CONTAINERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "daemon/grpc/grpc_server.h"
#include "state.pb-c.h"

struct crisp;
struct pod;

typedef Crisp__State__ContainerRecord ctr_record;

struct ctr {
	atomic_int refs;
	/* Serializes lifecycle operations (held across OCI runtime calls). */
	pthread_mutex_t mu;
	/* Short lock over rec's mutable fields (state, times, exit code, reason, pid) and
	 * removed; never held across slow work; taken after mu. The exit monitor, List, Status
	 * and ExecSync take only this one, so a hung runtime call on one container delays
	 * neither other requests nor the exits of other containers (issue 13). */
	pthread_mutex_t st_mu;
	pthread_cond_t exited; /* with st_mu: signalled when rec->state becomes EXITED */
	ctr_record *rec;       /* owned (unpacked protobuf, malloc/free) */
	int removed;
};

struct ctrs {
	pthread_mutex_t mu;
	struct ctr **v;
	size_t n;
	char *rec_dir;   /* <root>/containers-records */
	char *store_dir; /* <root>/containers */
	char *run_dir;   /* <runroot>/containers */
	char *exit_dir;  /* <runroot>/exits: conmon writes <id> with the exit code */
	int inotify_fd;
	pthread_t monitor;
	int monitor_started;
	atomic_int stopping;
};

int ctrs_init(struct crisp *cr, struct ctrs **ret);
struct ctrs *ctrs_free(struct ctrs *c);
int ctrs_register(struct grpc_server *s);

struct ctr *ctrs_get(struct ctrs *c, const char *id_or_prefix, int *ambiguous);
void ctr_unref(struct ctr *c);

/* Pod hooks: stop (SIGKILL at once, no grace period) or remove every container of a pod. */
int ctrs_stop_pod(struct crisp *cr, const char *pod_id, char *err, size_t errsz);
int ctrs_remove_pod(struct crisp *cr, const char *pod_id, char *err, size_t errsz);

/* Is an image in use by any container? (RemoveImage refuses then.) Returns a container id
 * (caller frees) or NULL. */
char *ctrs_image_user(struct crisp *cr, const char *image_id);

#endif
