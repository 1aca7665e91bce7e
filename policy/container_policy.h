/* SPDX-License-Identifier: Apache-2.0 */
/* What every container gets unless the CRI request says otherwise: capabilities, masked and
 * read-only /proc and /sys paths, no_new_privs, the device cgroup allowlist. The daemon calls
 * these while it builds a container's OCI config and writes the result with jansson.
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#ifndef CRISP_POLICY_CONTAINER_POLICY_H
#define CRISP_POLICY_CONTAINER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy_error.h"

/* ---- capabilities ----------------------------------------------------------------------- */

/* Capability n is bit n (linux/capability.h numbering, CAP_CHOWN = 0 .. CAP_CHECKPOINT_RESTORE
 * = 40). */
#define CONTAINER_POLICY_CAP_COUNT 41u
#define CONTAINER_POLICY_CAP_ALL   ((UINT64_C(1) << CONTAINER_POLICY_CAP_COUNT) - 1u)

/* CRI-O's default set: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, SETGID, SETUID, SETPCAP,
 * NET_BIND_SERVICE, KILL. (Docker's adds MKNOD, NET_RAW, SETFCAP, SYS_CHROOT, AUDIT_WRITE.) */
extern const uint64_t container_policy_default_caps;

struct container_policy_caps_request {
	bool privileged;   /* all capabilities; add and drop are ignored, as CRI-O does */
	bool root;         /* the process runs as uid 0 */
	uint64_t defaults; /* normally container_policy_default_caps (config may change it) */
	/* As kubelet sends them: "NET_ADMIN", "CAP_NET_ADMIN" or "ALL", any case. */
	const char *const *add;
	size_t n_add;
	const char *const *drop;
	size_t n_drop;
};

struct container_policy_caps {
	uint64_t bounding;
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable; /* always 0: CVE-2022-24769 (file caps + inheritable = escalation) */
	uint64_t ambient;     /* always 0: a non-root process gets no capabilities by default */
};

/* Compute the five sets. Order (CRI-O's, kubelet issue 51980): start from defaults; "ALL" in
 * add gives every capability; "ALL" in drop then removes every capability; then each named
 * add is added; then each named drop is removed (so drop wins over add of the same name).
 * Bounding gets the result; permitted and effective get it only when root (a non-root process
 * can still gain capabilities within bounding through file capabilities, unless no_new_privs).
 * Returns 0, or -EINVAL for an unknown capability name (reterr names it). */
int container_policy_caps(const struct container_policy_caps_request *req,
			  struct container_policy_caps *ret, struct policy_error *reterr);

/* Capability number of a name ("CAP_SYS_ADMIN", "sys_admin"), or -EINVAL. len bytes are
 * looked at; an embedded NUL never matches. */
int container_policy_cap_from_name(const char *name, size_t len);

/* "CAP_CHOWN" for 0 ...; NULL for n >= CONTAINER_POLICY_CAP_COUNT. */
const char *container_policy_cap_name(unsigned n);

/* ---- /proc and /sys ------------------------------------------------------------------------ */

/* Masked paths (a file becomes /dev/null, a directory an empty read-only tmpfs) and read-only
 * paths for a container, as CRI-O and kubelet's default ProcMount have them; none when
 * privileged. Static arrays, *ret_n entries. The per-CPU thermal_throttle directories are
 * masked too: see container_policy_thermal_throttle_path(). */
const char *const *container_policy_masked_paths(bool privileged, size_t *ret_n);
const char *const *container_policy_readonly_paths(bool privileged, size_t *ret_n);

/* "/sys/devices/system/cpu/cpu<N>/thermal_throttle" into buf (sz bytes): the daemon masks it
 * for each CPU it finds (throttling counters leak what other tenants run). Returns the length
 * or -ENOBUFS. */
int container_policy_thermal_throttle_path(unsigned cpu, char *buf, size_t sz);

/* ---- no_new_privs -------------------------------------------------------------------------- */

/* no_new_privs as CRI asks (request_nnp), as the CRI conformance suite and kubelet expect:
 * kubelet sends false unless the pod says allowPrivilegeEscalation: false, and images that rely
 * on setuid binaries (su, ping) need it off. With force (the node's
 * [policy] no_new_privileges = always) it is on for every unprivileged container unless the
 * pod opts out with the crisp.io/allow-privilege-escalation="true" annotation
 * (allow_escalation, see validate_annotation). request_nnp true always wins. */
bool container_policy_no_new_privs(bool privileged, bool request_nnp, bool force,
				   bool allow_escalation);

/* ---- device cgroup ------------------------------------------------------------------------- */

/* One linux.resources.devices entry. major/minor -1 is the wildcard "*". */
struct container_policy_device_rule {
	bool allow;
	char type; /* 'a' (all), 'c', 'b' */
	int64_t major;
	int64_t minor;
	char access[4]; /* a non-empty subset of "rwm", in that order */
};

/* The default list: deny everything, then null, zero, full, random, urandom, tty, console,
 * ptmx and the pts devices, read-write-mknod. Privileged containers get one "allow all".
 * Static array, *ret_n entries; requested devices are appended by the daemon. */
const struct container_policy_device_rule *container_policy_devices(bool privileged, size_t *ret_n);

/* A requested device (a CRI Device whose host path the daemon stat'ed). */
struct container_policy_device_request {
	char type;         /* 'c' or 'b' */
	int64_t major;     /* < 2^12, the kernel's dev_t split */
	int64_t minor;     /* < 2^20 */
	const char *perms; /* a non-empty subset of "rwm" without repeats, in any order */
	size_t perms_len;
};

/* Check a requested device and turn it into an allow rule with canonical access ("rw", not
 * "wr"). Fills *ret on success; -EINVAL and reterr otherwise. */
int container_policy_device_rule(const struct container_policy_device_request *req,
				 struct container_policy_device_rule *ret,
				 struct policy_error *reterr);

#endif
