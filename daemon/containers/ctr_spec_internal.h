/* SPDX-License-Identifier: Apache-2.0 */
/* Shared state of the OCI spec builder (ctr_spec*.c): the build context, error formatting,
 * and the jansson writing helpers that tell invalid UTF-8 (a request error) from ENOMEM.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CTR_SPEC_INTERNAL_H
#define CRISP_DAEMON_CTR_SPEC_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "daemon/containers/ctr_spec.h"
#include "policy/container_policy.h"

struct spec_ctx {
	const struct ctr_spec_in *in;
	const Runtime__V1__LinuxContainerSecurityContext *sc; /* NULL: defaults */
	const Runtime__V1__LinuxContainerResources *res;      /* NULL: no limits */
	bool privileged;
	bool clamped;
	struct container_policy_caps caps; /* final, clamped to the host */
	const char *rootfs_propagation;    /* NULL (runc's rslave), "rslave" or "rshared" */
	char *err;
	size_t errsz;
};

/* Write a message to c->err and return r (a -errno). */
int spec_fail(struct spec_ctx *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An untrusted string escaped and cut for an error message (log_escape); buf holds
 * SPEC_QUOTE_SZ bytes. */
#define SPEC_QUOTE_SZ (4u * 256u + 4u)
const char *spec_quote(const char *s, char *buf);

/* A JSON string of s (len bytes). NULL with c->err set: -EINVAL (*ret_r) when s is not valid
 * UTF-8 (config.json is UTF-8; runc would silently replace the bytes) or holds a NUL, -ENOMEM
 * otherwise. field names the request field for the message. */
json_t *spec_strn(struct spec_ctx *c, const char *field, const char *s, size_t len, int *ret_r);
json_t *spec_str(struct spec_ctx *c, const char *field, const char *s, int *ret_r);

/* Steal val into obj[key] / onto arr. val NULL or a jansson failure: -ENOMEM (val released). */
int spec_set(json_t *obj, const char *key, json_t *val);
int spec_append(json_t *arr, json_t *val);

/* Add a string to arr / obj[key] with spec_str's checks. */
int spec_append_str(struct spec_ctx *c, json_t *arr, const char *field, const char *s);
int spec_set_str(struct spec_ctx *c, json_t *obj, const char *key, const char *field,
		 const char *s);

/* ctr_spec_mounts.c: the "mounts" array (defaults, pod files, CRI mounts, image volumes,
 * ordered parents first); sets c->rootfs_propagation. */
int spec_mounts(struct spec_ctx *c, json_t **ret);

/* ctr_spec_linux.c: the "linux" object (namespaces, cgroups path, resources, devices,
 * masked/read-only paths, seccomp). Needs c->caps computed. */
int spec_linux(struct spec_ctx *c, json_t **ret);

/* ctr_spec_devices.c: linux.devices and the device cgroup rules (linux.resources.devices). */
int spec_devices(struct spec_ctx *c, json_t *linux_obj, json_t *resources);

/* ctr_spec_seccomp.c: linux.seccomp (or nothing) per the request's profile. */
int spec_seccomp(struct spec_ctx *c, json_t *linux_obj);

#endif
