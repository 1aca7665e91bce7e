/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the container files (ctrs.c, ctr_ops.c, ctr_rpc.c).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CTR_INTERNAL_H
#define CRISP_DAEMON_CTR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cri/api.pb-c.h"
#include "daemon/containers/containers.h"

int64_t ctr_now_ns(void);
ctr_record *ctr_record_copy(const ctr_record *r);
int ctr_save(struct ctrs *cs, const ctr_record *r);
int ctr_delete_record(struct ctrs *cs, const char *id);
/* Replace a string field of an unpacked record (malloc'd like protobuf-c's own). */
int ctr_set_str(char **field, const char *v);
int ctrs_add(struct ctrs *cs, struct ctr *c);
void ctrs_del(struct ctrs *cs, struct ctr *c);
struct ctr **ctrs_snapshot(struct ctrs *cs, size_t *ret_n);
void ctrs_snapshot_free(struct ctr **v, size_t n);

/* Callers hold c->st_mu. */
void ctr_mark_exited(struct crisp *cr, struct ctr *c, int code, int64_t when, const char *why);
/* Callers hold c->mu. */
int ctr_runtime_alive(struct crisp *cr, struct ctr *c, int *ret_alive);
void ctr_publish(struct crisp *cr, struct ctr *c, Runtime__V1__ContainerEventType type);
const char *ctr_cgroups_path(const ctr_record *r);

/* A container with one reference, owning rec. NULL on ENOMEM (rec is not freed then). */
struct ctr *ctr_new(ctr_record *rec);
/* At start, after the records are loaded: remove containers that have files but no record
 * (ctr_reconcile.c). */
void ctr_reconcile_orphans(struct crisp *cr);
/* rec->state read under c->st_mu. */
int ctr_state(struct ctr *c);

/* Lifecycle (ctr_ops.c). Callers hold c->mu (not st_mu) except for create. */
struct ctr_create_in {
	const Runtime__V1__ContainerConfig *cfg;
	const char *pod_id;
	uint64_t req;
	uint64_t deadline_ns; /* the call's (grpc_call_deadline_ns), 0 = none */
};

/* Create a container. The errno says what failed, for the errno table (core/error.h):
 * -EINVAL a field of the request, -EEXIST the name is taken in the pod, -ENOENT no such ready
 * pod or no such image; later steps return theirs. The message goes to err. */
int ctr_create(struct crisp *cr, const struct ctr_create_in *in, char **ret_id, char *err,
	       size_t errsz);
/* Start a created container: -EBUSY when it is not in the created state, -ETIMEDOUT when the
 * runtime did not answer by deadline_ns (the call's, 0 = none) or its own limit. */
int ctr_start(struct crisp *cr, struct ctr *c, uint64_t deadline_ns, char *err, size_t errsz);
int ctr_stop(struct crisp *cr, struct ctr *c, int64_t timeout_s, char *err, size_t errsz);
int ctr_remove(struct crisp *cr, struct ctr *c, char *err, size_t errsz);

/* UpdateContainerResources and ReopenContainerLog (ctr_update.c). */
int ctr_update_register(struct grpc_server *s);

#endif
