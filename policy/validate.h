/* SPDX-License-Identifier: Apache-2.0 */
/* Validators for CRI request fields crisp turns into kernel state, paths or files: sysctls,
 * annotations crisp acts on, mount destinations, environment entries, names, IDs, cgroup
 * parents and seccomp Localhost paths. Each takes (bytes, length) so an embedded NUL is seen
 * and refused, never silently truncated. Each returns 0, or -EINVAL with reterr (if not NULL)
 * naming the field and the rule, e.g.
 *   sysctl "kernel.sem=1 2 3 4+net.ipv4.ip_forward": value contains '+'
 * All are pure and fuzzed (fuzz/policy_*_fuzz.c).
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#ifndef CRISP_POLICY_VALIDATE_H
#define CRISP_POLICY_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy_error.h"

/* ---- sysctls ------------------------------------------------------------------------------- */

/* The namespaces a pod has of its own (not the host's). */
enum validate_ns {
	VALIDATE_NS_NET = 1u << 0,
	VALIDATE_NS_IPC = 1u << 1,
	VALIDATE_NS_UTS = 1u << 2,
};

/* A sysctl is allowed only if the kernel namespaces it and the pod has that namespace of its
 * own (kubelet's and runc's rules): net.* with a private network namespace; kernel.sem,
 * kernel.shm*, kernel.msg* and fs.mqueue.* with a private IPC namespace; kernel.domainname
 * with a private UTS namespace. kernel.hostname is refused: the CRI hostname field sets it.
 * Names use '.' separators, or '/' (then '.' may appear inside a component, as in
 * "net/ipv4/conf/eth0.100/forwarding"); components are [A-Za-z0-9_-]+, never "." or "..".
 * Values are checked byte by byte: printable ASCII only, and never '+' or '=' (CVE-2022-0811:
 * CRI-O joined sysctls as "k=v+k=v" for pinns, so a value could smuggle a second sysctl such
 * as kernel.core_pattern), never a newline or NUL. private_ns is a mask of enum validate_ns. */
int validate_sysctl(const char *name, size_t name_len, const char *value, size_t value_len,
		    unsigned private_ns, struct policy_error *reterr);

/* ---- annotations --------------------------------------------------------------------------- */

enum validate_annotation_kind {
	VALIDATE_ANNOTATION_INERT,                /* crisp does not act on this key */
	VALIDATE_ANNOTATION_ALLOW_ESCALATION,     /* crisp.io/allow-privilege-escalation */
	VALIDATE_ANNOTATION_SHM_SIZE,             /* crisp.io/shm-size */
	VALIDATE_ANNOTATION_SKIP_SELINUX_RELABEL, /* crisp.io/skip-selinux-relabel */
	VALIDATE_ANNOTATION_KIND_COUNT
};

struct validate_annotation {
	enum validate_annotation_kind kind;
	bool flag;     /* ALLOW_ESCALATION, SKIP_SELINUX_RELABEL: "true" or "false" */
	uint64_t size; /* SHM_SIZE: bytes, 1..POLICY_SHM_SIZE_MAX */
};

/* Any annotation: key 1..POLICY_ANNOTATION_KEY_MAX printable ASCII bytes without spaces, value
 * at most POLICY_ANNOTATION_VALUE_MAX bytes without NUL. Keys under "crisp.io/" must be ones
 * crisp knows (a typo must not silently do nothing), with strictly checked values:
 *   crisp.io/allow-privilege-escalation  "true" | "false"
 *   crisp.io/skip-selinux-relabel        "true" | "false"
 *   crisp.io/shm-size                    digits with an optional k, M, G, Ki, Mi or Gi suffix
 * Every other key is inert: crisp never acts on it (not on CRI-O's io.kubernetes.cri-o.*, not
 * on the deprecated seccomp.security.alpha.kubernetes.io/ keys, not on image annotations).
 * Fills *ret on success. */
int validate_annotation(const char *key, size_t key_len, const char *value, size_t value_len,
			struct validate_annotation *ret, struct policy_error *reterr);

/* ---- paths ------------------------------------------------------------------------------- */

/* A container mount destination: absolute, at most POLICY_PATH_MAX bytes, no empty, "." or
 * ".." component (one trailing '/' is fine), no control byte (a newline would forge lines in
 * /proc/self/mountinfo), not "/" itself. Never /proc or below (a mount there replaces or
 * uncovers masked and read-only procfs paths); /sys or below only when privileged. */
int validate_mount_destination(const char *path, size_t len, bool privileged,
			       struct policy_error *reterr);

/* A seccomp Localhost profile path: absolute, same component rules as mount destinations,
 * not ending in '/'; if root is not NULL (an absolute directory from the config) the path
 * must lie strictly beneath it. Resolving symlinks and reading the file happen in a helper. */
int validate_seccomp_localhost(const char *path, size_t len, const char *root,
			       struct policy_error *reterr);

/* ---- environment ------------------------------------------------------------------------- */

/* Name: 1+ printable ASCII bytes, no '=' (Kubernetes' relaxed rule). Value: no NUL (execve
 * would cut it). "NAME=value" plus its NUL must fit POLICY_ENV_ENTRY_MAX (MAX_ARG_STRLEN),
 * or the container's execve fails with E2BIG. Newlines in values are fine: crisp writes env
 * only into config.json, as a JSON string. */
int validate_env(const char *name, size_t name_len, const char *value, size_t value_len,
		 struct policy_error *reterr);

/* ---- names and IDs -------------------------------------------------------------------------- */

/* CRI metadata: container name, pod namespace, pod name (1..POLICY_META_NAME_MAX bytes) and
 * pod UID (0..POLICY_META_NAME_MAX bytes). CRI puts no alphabet on them and kubelet, crictl
 * and critest use upper case, dots, underscores and long names, so only control bytes
 * (0x00-0x1f, 0x7f) are refused. They are data: crisp never makes a path, an argument or an
 * unescaped log line of them (IDs are what crisp names things by). */
int validate_container_name(const char *s, size_t len, struct policy_error *reterr);
int validate_pod_namespace(const char *s, size_t len, struct policy_error *reterr);
int validate_pod_name(const char *s, size_t len, struct policy_error *reterr);
int validate_pod_uid(const char *s, size_t len, struct policy_error *reterr);

/* A container or pod sandbox ID: exactly 64 lowercase hex digits, or with prefix true a
 * 1..64-digit prefix of one (crictl accepts unique prefixes). */
int validate_id(const char *s, size_t len, bool prefix, struct policy_error *reterr);

/* ---- cgroup parents ---------------------------------------------------------------------- */

enum validate_cgroup_style {
	VALIDATE_CGROUP_CGROUPFS, /* "/kubepods/burstable/pod<uid>" */
	VALIDATE_CGROUP_SYSTEMD,  /* "kubepods-burstable-pod<uid>.slice" */
	VALIDATE_CGROUP_STYLE_COUNT
};

/* cgroupfs: absolute, components of [A-Za-z0-9_.:@-] that are never "." or "..", no empty
 * component, not "/" alone, at most POLICY_CGROUP_PARENT_MAX bytes.
 * systemd: "<a>-<b>-...-<z>.slice" with parts of [A-Za-z0-9_.:@] (no empty part, so no
 * leading, trailing or doubled '-'), no '/', no '\' escapes, not the root "-.slice", at most
 * POLICY_SYSTEMD_UNIT_MAX bytes. */
int validate_cgroup_parent(const char *s, size_t len, enum validate_cgroup_style style,
			   struct policy_error *reterr);

#endif
