/* SPDX-License-Identifier: Apache-2.0 */
/* Image documents as the daemon sees them after crisp-helper-manifest, -config and -passwd
 * parsed them and the validators (manifest_reply.c, image_config_reply.c, passwd_reply.c)
 * re-checked every field. Nothing here points into helper memory; each struct is one owning
 * tree released by its _free.
 * runs in: daemon/privileged (pure declarations). */
#ifndef CRISP_DAEMON_IMAGE_DOCS_H
#define CRISP_DAEMON_IMAGE_DOCS_H

#include <stddef.h>
#include <stdint.h>

enum img_compression {
	IMG_COMPRESSION_NONE,
	IMG_COMPRESSION_GZIP,
	IMG_COMPRESSION_ZSTD,
	IMG_COMPRESSION_COUNT
};

enum img_kind {
	IMG_KIND_INDEX,    /* OCI index or Docker manifest list */
	IMG_KIND_MANIFEST, /* OCI or Docker schema2 image manifest */
	IMG_KIND_COUNT
};

struct img_descriptor {
	char *media_type; /* validated RFC 6838 type */
	char *digest;     /* "sha256:<64 hex>" or "sha512:<128 hex>" */
	uint64_t size;
	enum img_compression compression; /* layers only */
	/* index entries only; NULL when absent. Normalised (amd64, arm64, v7, ...). */
	char *os, *architecture, *variant;
};

struct img_manifest {
	enum img_kind kind;
	char *media_type;
	struct img_descriptor config; /* IMG_KIND_MANIFEST */
	struct img_descriptor *layers;
	size_t n_layers;
	struct img_descriptor *manifests; /* IMG_KIND_INDEX */
	size_t n_manifests;
};

struct img_kv {
	char *key, *value;
};

struct img_config {
	char *os, *architecture, *variant; /* normalised */
	char *created;                     /* RFC 3339 as written, or NULL */
	char *user;                        /* raw USER, or NULL */
	char **env;                        /* "NAME=value" */
	size_t n_env;
	char **entrypoint;
	size_t n_entrypoint;
	char **cmd;
	size_t n_cmd;
	char *working_dir;    /* absolute or NULL */
	char **exposed_ports; /* "80/tcp" */
	size_t n_exposed_ports;
	char **volumes; /* absolute paths */
	size_t n_volumes;
	struct img_kv *labels;
	size_t n_labels;
	char *stop_signal;   /* as written, or NULL */
	int stop_signal_num; /* 1..64, 0 when absent */
	char **diff_ids;     /* rootfs.diff_ids, digests in layer order */
	size_t n_diff_ids;
};

struct img_user {
	uint32_t uid, gid;
	uint32_t *sgids; /* supplementary groups */
	size_t n_sgids;
	char *name; /* NULL when a numeric uid has no passwd entry */
	char *home;
};

struct img_manifest *img_manifest_free(struct img_manifest *m);
struct img_config *img_config_free(struct img_config *c);
struct img_user *img_user_free(struct img_user *u);

/* Pure: the index entry for linux/<arch>[/<variant>] (variant-aware, as containerd's
 * platform matcher: arm64 accepts "" and "v8"; arm v7 accepts v6 and v5 as fallbacks in
 * that order). Returns its position or -ENOENT. */
int img_manifest_select(const struct img_manifest *idx, const char *arch, const char *variant);

#endif
