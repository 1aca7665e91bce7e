/* SPDX-License-Identifier: Apache-2.0 */
/* Container rootfs (overlay of image layers) and process user resolution.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CTR_ROOTFS_H
#define CRISP_DAEMON_CTR_ROOTFS_H

#include <stddef.h>
#include <stdint.h>

#include "cri/api.pb-c.h"
#include "daemon/helpers/image_calls.h"

struct images;

/* Mount an overlay of the layers (chain ids, bottom first) with upper/work on target. */
int ctr_rootfs_mount(const struct images *im, char **chain_ids, size_t n, const char *upper,
		     const char *work, const char *target, char *err, size_t errsz);
int ctr_rootfs_umount(const char *target);

/* Read a file of the image (rel to the rootfs, resolved inside it), regular files only. */
int ctr_rootfs_read(const char *rootfs, const char *rel, uint8_t **ret, size_t *ret_len);

/* The process user: run_as_user / run_as_username / run_as_group from the request, else the
 * image USER, resolved against the image's own /etc/passwd and /etc/group in a helper. */
int ctr_resolve_user(const struct helper_ctx *h, const char *rootfs,
		     const Runtime__V1__LinuxContainerSecurityContext *sc, const char *image_user,
		     struct img_user **ret, char *err, size_t errsz);

#endif
