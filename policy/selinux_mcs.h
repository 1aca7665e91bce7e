/* SPDX-License-Identifier: Apache-2.0 */
/* SELinux MCS labels for pods: allocation of unique category pairs (container_t:s0:cX,cY,
 * X < Y, from c0..c1023), never handed out twice while in use, serialisable so a restarted
 * crispd knows which pairs its pods hold; and the process and file labels built from a pair or
 * from a request's SELinuxOptions. Randomness is injected, so the logic is testable. With
 * SELinux disabled (is_selinux_enabled() == 0, checked by the daemon) labels are still
 * computed and recorded, but not applied.
 * runs in: daemon/privileged (pure: no I/O; allocates only in _new and _serialize). */
#ifndef CRISP_POLICY_SELINUX_MCS_H
#define CRISP_POLICY_SELINUX_MCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"
#include "policy/policy_error.h"

/* Returns a uniformly random 64-bit value (the daemon uses getrandom(2)). */
typedef uint64_t (*selinux_mcs_random_fn)(void *userdata);

struct selinux_mcs_pair {
	unsigned c1; /* c1 < c2 */
	unsigned c2;
};

struct selinux_mcs_options {
	unsigned cat_min; /* inclusive; cat_min < cat_max < POLICY_MCS_CATEGORIES */
	unsigned cat_max; /* the full range is 0..1023 */
	selinux_mcs_random_fn random;
	void *userdata;
};

struct selinux_mcs;

/* A new, empty allocator. -EINVAL for a bad range or a NULL random, -ENOMEM. */
int selinux_mcs_new(const struct selinux_mcs_options *opts, struct selinux_mcs **ret);
struct selinux_mcs *selinux_mcs_free(struct selinux_mcs *m);

/* Pick a random free pair and mark it used. -ENOSPC when every pair is in use. */
int selinux_mcs_allocate(struct selinux_mcs *m, struct selinux_mcs_pair *ret);

/* Mark a known pair used (a pod found again after a restart, or SELinuxOptions that name a
 * level). -ERANGE if not c1 < c2 within the range, -EEXIST if already in use. */
int selinux_mcs_reserve(struct selinux_mcs *m, const struct selinux_mcs_pair *pair);

/* Free a pair when its pod is removed. -ERANGE as above, -ENOENT if it was not in use. */
int selinux_mcs_release(struct selinux_mcs *m, const struct selinux_mcs_pair *pair);

bool selinux_mcs_in_use(const struct selinux_mcs *m, const struct selinux_mcs_pair *pair);
size_t selinux_mcs_count(const struct selinux_mcs *m);    /* pairs in use */
size_t selinux_mcs_capacity(const struct selinux_mcs *m); /* pairs in the range */

/* The state as text: "crisp-mcs 1 <min> <max>\n" then "c<X>,c<Y>\n" for each pair in use, in
 * increasing order. *ret is malloc'ed and NUL-terminated; *ret_len excludes the NUL. */
int selinux_mcs_serialize(const struct selinux_mcs *m, char **ret, size_t *ret_len);

/* Load serialised state into an empty allocator with the same range: all or nothing (on error
 * m stays empty). Strict: exact header, decimal numbers without leading zeros, pairs in
 * strictly increasing order (so no duplicates), every line ends in '\n', at most
 * POLICY_MCS_STATE_MAX bytes. The file is crisp's own, but it is parsed as if it were not.
 * -EINVAL with reterr on bad input, -EBUSY if m is not empty. */
int selinux_mcs_deserialize(struct selinux_mcs *m, const char *buf, size_t len,
			    struct policy_error *reterr);

/* "s0:c<X>,c<Y>" into buf. Returns the length or -ENOBUFS. */
int selinux_mcs_format_level(const struct selinux_mcs_pair *pair, char *buf, size_t sz);

/* Parse "s0:c<X>,c<Y>" (X < Y < 1024, no leading zeros). -EINVAL with reterr otherwise. */
int selinux_mcs_parse_level(const char *s, size_t len, struct selinux_mcs_pair *ret,
			    struct policy_error *reterr);

/* SELinuxOptions of a CRI request; NULL or "" means "use the default". */
struct selinux_mcs_label_request {
	const char *user;  /* default system_u */
	const char *role;  /* default system_r (object_r for files) */
	const char *type;  /* default container_t (container_file_t for files) */
	const char *level; /* default: the pod's pair; else "s0", "s0:cX,cY" or
			    * "s0-s0:c0.c1023" (all categories, as spc_t uses) */
};

/* The two labels of a pod's containers. */
struct selinux_mcs_label_set {
	char process[POLICY_SELINUX_LABEL_MAX]; /* "system_u:system_r:container_t:s0:c1,c2" */
	char file[POLICY_SELINUX_LABEL_MAX];    /* "system_u:object_r:container_file_t:s0:c1,c2" */
};

/* The process label and the label for the container's files and relabeled mounts, from the
 * request's SELinuxOptions over the defaults and the pod's pair. user, role and type must be
 * [A-Za-z0-9_]{1,64}. Fills *ret; -EINVAL with reterr for a bad request field. */
int selinux_mcs_labels(const struct selinux_mcs_label_request *req,
		       const struct selinux_mcs_pair *pod, struct selinux_mcs_label_set *ret,
		       struct policy_error *reterr);

#endif
