/* SPDX-License-Identifier: Apache-2.0 */
/* OCI / Docker image configuration (the JSON a manifest's config descriptor names):
 * platform, the process defaults (env, entrypoint, cmd, user, working dir, ports, volumes,
 * labels, stop signal), rootfs diff IDs and history, validated into one owning tree.
 * runs in: helper/untrusted (crisp-helper-config; pure, fuzzed). Image metadata is data:
 * nothing here may turn into runtime behaviour beyond the process defaults. */
#ifndef CRISP_PARSERS_IMAGE_CONFIG_H
#define CRISP_PARSERS_IMAGE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"
#include "parsers/json_map.h"

enum port_protocol {
	PORT_PROTOCOL_TCP,
	PORT_PROTOCOL_UDP,
	PORT_PROTOCOL_SCTP,
	PORT_PROTOCOL_COUNT
};

struct image_history {
	char *created;
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
};

/* The "config" object: what a container of this image runs, unless the CRI request says
 * otherwise. Every member may be absent (NULL, or an empty list). */
struct image_exec_config {
	char *user;          /* raw USER ("name", "uid", "user:group"); see passwd.h */
	struct str_list env; /* "NAME=value", NAME non-empty */
	struct str_list entrypoint;
	struct str_list cmd;
	char *working_dir;             /* absolute, no ".." component; NULL if absent or "" */
	struct str_list exposed_ports; /* normalised "<1..65535>/<tcp|udp|sctp>" */
	struct str_list volumes;       /* absolute paths, no ".." component */
	struct str_map labels;
	char *stop_signal_str; /* as written */
	int stop_signal;       /* its number (1..64), 0 if absent */
	bool args_escaped;     /* Windows only; recorded, never acted on */
};

struct image_config {
	char *architecture; /* normalised as platform_normalize() does */
	char *os;           /* normalised, lowercase; crisp runs only "linux" */
	char *variant;      /* normalised, NULL for none */
	char *os_version;
	struct str_list os_features;
	char *created;
	char *author;
	struct image_exec_config config;
	char *rootfs_type;        /* always "layers" */
	struct str_list diff_ids; /* digests of the uncompressed layers, in order */
	struct image_history *history;
	size_t n_history;
};

struct image_config_opts {
	int unused; /* reserved; pass NULL */
};

/* Parse and validate an image config of len bytes (<= IMAGE_CONFIG_MAX_SIZE). opts may be
 * NULL. On success *ret owns the result (image_config_free); on failure returns -errno
 * (-EINVAL, -E2BIG, -ERANGE, -ENOMEM) and fills *reterr if not NULL. */
int image_config_parse(const uint8_t *buf, size_t len, const struct image_config_opts *opts,
		       struct image_config **ret, struct parse_error *reterr);

/* Release c. Accepts NULL; returns NULL. */
struct image_config *image_config_free(struct image_config *c);

/* Split a normalised exposed-port string into its number and protocol. 0 or -EINVAL. */
int image_config_port(const char *s, uint16_t *ret_port, enum port_protocol *ret_proto);

/* Signal number of a stop signal ("SIGTERM", "term", "15", "SIGRTMIN+3"), as Docker reads
 * it: case-insensitive, optional "SIG" prefix, 1..64. Returns the number or -EINVAL. */
int image_config_signal(const char *s, size_t len);

#endif
