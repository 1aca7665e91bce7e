/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's own files under its run dir: hostname, hosts, resolv.conf, and the /dev/shm tmpfs.
 * Every value written was validated first, and none may carry a newline, so one value can
 * never become two lines of a file.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_POD_FILES_H
#define CRISP_DAEMON_POD_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "cri/api.pb-c.h"

/* Validation with a message naming the field, for RunPodSandbox. 0 or -EINVAL. */
int pod_files_check_hostname(const char *h, char *err, size_t errsz);
int pod_files_check_dns(const Runtime__V1__DNSConfig *dns, char *err, size_t errsz);

/* Write <run_dir>/{hostname,hosts,resolv.conf}. dns NULL or empty: the host's resolv.conf
 * is copied (bytes, up to 64 KiB, not parsed). ip may be NULL (host network). */
int pod_files_write(const char *run_dir, const char *hostname, const char *ip,
		    const Runtime__V1__DNSConfig *dns, char *err, size_t errsz);

/* Mount a tmpfs of size bytes at <run_dir>/shm (nosuid, nodev, noexec, mode 1777). */
int pod_files_mount_shm(const char *run_dir, uint64_t size, char *err, size_t errsz);

/* Unmount the shm tmpfs if mounted. Idempotent. */
int pod_files_umount_shm(const char *run_dir);

#endif
