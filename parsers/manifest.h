/* SPDX-License-Identifier: Apache-2.0 */
/* Image manifests and indexes: OCI image index and manifest, Docker schema 2 manifest list
 * and manifest, validated into one owning tree. Docker schema 1 is refused.
 * runs in: helper/untrusted (crisp-helper-manifest; pure, fuzzed). */
#ifndef CRISP_PARSERS_MANIFEST_H
#define CRISP_PARSERS_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"
#include "parsers/json_map.h"

/* Media types crisp knows. MEDIA_TYPE_OTHER is a syntactically valid type it does not. */
enum media_type {
	MEDIA_TYPE_OCI_INDEX,
	MEDIA_TYPE_OCI_MANIFEST,
	MEDIA_TYPE_DOCKER_LIST,
	MEDIA_TYPE_DOCKER_MANIFEST,
	MEDIA_TYPE_DOCKER_SCHEMA1,
	MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED,
	MEDIA_TYPE_OCI_CONFIG,
	MEDIA_TYPE_DOCKER_CONFIG,
	MEDIA_TYPE_OCI_LAYER,
	MEDIA_TYPE_OCI_LAYER_GZIP,
	MEDIA_TYPE_OCI_LAYER_ZSTD,
	MEDIA_TYPE_OCI_LAYER_ND,
	MEDIA_TYPE_OCI_LAYER_ND_GZIP,
	MEDIA_TYPE_OCI_LAYER_ND_ZSTD,
	MEDIA_TYPE_DOCKER_LAYER,
	MEDIA_TYPE_DOCKER_LAYER_GZIP,
	MEDIA_TYPE_DOCKER_LAYER_ZSTD,
	MEDIA_TYPE_DOCKER_LAYER_FOREIGN,
	MEDIA_TYPE_OTHER,
	MEDIA_TYPE_COUNT
};

enum layer_compression {
	LAYER_COMPRESSION_NONE,
	LAYER_COMPRESSION_GZIP,
	LAYER_COMPRESSION_ZSTD,
	LAYER_COMPRESSION_COUNT
};

/* The canonical string of t ("application/vnd.oci.image.index.v1+json"), "" for OTHER. */
const char *manifest_media_type_name(enum media_type t);
/* The enum of a media type string; MEDIA_TYPE_OTHER if unknown. */
enum media_type manifest_media_type_from(const char *s);
/* True for the layer types; *ret_comp (if not NULL) gets the compression. */
bool manifest_media_type_is_layer(enum media_type t, enum layer_compression *ret_comp);
/* True for an index/list or an image manifest (schema 2 or OCI). */
bool manifest_media_type_is_manifest(enum media_type t);

struct platform {
	char *architecture; /* normalised: amd64, arm64, arm, 386, ... */
	char *os;           /* normalised, lowercase */
	char *os_version;
	struct str_list os_features;
	char *variant; /* normalised; NULL for none (arm64 v8, amd64 v1); "v7" for plain arm */
	struct str_list features;
};

struct descriptor {
	char *media_type_str; /* as in the document, syntax-checked (RFC 6838) */
	enum media_type media_type;
	char *digest;  /* sha256:<64 hex> or sha512:<128 hex> */
	uint64_t size; /* 0..DESCRIPTOR_MAX_SIZE */
	struct str_list urls;
	struct str_map annotations;
	char *artifact_type;       /* NULL if absent */
	struct platform *platform; /* NULL if absent (only meaningful in an index) */
};

struct manifest {
	enum media_type media_type; /* OCI_INDEX, OCI_MANIFEST, DOCKER_LIST or DOCKER_MANIFEST */
	char *media_type_str;       /* the document's mediaType, NULL if it has none */
	uint64_t schema_version;    /* always 2 */
	/* Image manifests. */
	struct descriptor config;
	struct descriptor *layers;
	size_t n_layers;
	/* Indexes and manifest lists. */
	struct descriptor *manifests;
	size_t n_manifests;
	/* Both. */
	struct str_map annotations;
	char *artifact_type;        /* NULL if absent */
	struct descriptor *subject; /* NULL if absent */
};

struct manifest_opts {
	/* The Content-Type the registry sent, or NULL. When both it and the document's
	 * mediaType are present they must agree; when the document has none it decides. */
	const char *content_type;
};

/* Parse and validate a manifest or index of len bytes (<= MANIFEST_MAX_SIZE). opts may be
 * NULL. On success *ret owns the result (manifest_free); on failure returns -errno
 * (-EINVAL, -E2BIG, -ERANGE, -EOPNOTSUPP for schema 1, -ENOMEM) and fills *reterr if not
 * NULL. Never reads past buf[len - 1]; nothing in *ret points into buf. */
int manifest_parse(const uint8_t *buf, size_t len, const struct manifest_opts *opts,
		   struct manifest **ret, struct parse_error *reterr);

/* Release m. Accepts NULL; returns NULL. */
struct manifest *manifest_free(struct manifest *m);

/* In index m, the entry best matching os/arch/variant (normalised first; variant may be
 * NULL or ""), by platform_match(): exact variant first, then the nearest compatible one,
 * document order on ties. Only entries with a platform and a manifest/index media type
 * count. Returns 0 and *ret_index, -ENOENT if none matches, -EINVAL if m is no index. */
int manifest_select(const struct manifest *m, const char *os, const char *arch, const char *variant,
		    size_t *ret_index);

#endif
