/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest and index parser: detects the document kind (refusing Docker schema 1 and
 * ambiguous documents), maps it with field tables, and validates media types, digests,
 * sizes, platforms and counts. Also picks an index entry for a platform.
 * runs in: helper/untrusted (crisp-helper-manifest; pure, fuzzed). */
#include "parsers/manifest.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/str.h"
#include "parsers/json_map.h"
#include "parsers/platform.h"

static const char *const media_type_names[MEDIA_TYPE_COUNT] = {
    [MEDIA_TYPE_OCI_INDEX] = "application/vnd.oci.image.index.v1+json",
    [MEDIA_TYPE_OCI_MANIFEST] = "application/vnd.oci.image.manifest.v1+json",
    [MEDIA_TYPE_DOCKER_LIST] = "application/vnd.docker.distribution.manifest.list.v2+json",
    [MEDIA_TYPE_DOCKER_MANIFEST] = "application/vnd.docker.distribution.manifest.v2+json",
    [MEDIA_TYPE_DOCKER_SCHEMA1] = "application/vnd.docker.distribution.manifest.v1+json",
    [MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED] =
	"application/vnd.docker.distribution.manifest.v1+prettyjws",
    [MEDIA_TYPE_OCI_CONFIG] = "application/vnd.oci.image.config.v1+json",
    [MEDIA_TYPE_DOCKER_CONFIG] = "application/vnd.docker.container.image.v1+json",
    [MEDIA_TYPE_OCI_LAYER] = "application/vnd.oci.image.layer.v1.tar",
    [MEDIA_TYPE_OCI_LAYER_GZIP] = "application/vnd.oci.image.layer.v1.tar+gzip",
    [MEDIA_TYPE_OCI_LAYER_ZSTD] = "application/vnd.oci.image.layer.v1.tar+zstd",
    [MEDIA_TYPE_OCI_LAYER_ND] = "application/vnd.oci.image.layer.nondistributable.v1.tar",
    [MEDIA_TYPE_OCI_LAYER_ND_GZIP] = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    [MEDIA_TYPE_OCI_LAYER_ND_ZSTD] = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    [MEDIA_TYPE_DOCKER_LAYER] = "application/vnd.docker.image.rootfs.diff.tar",
    [MEDIA_TYPE_DOCKER_LAYER_GZIP] = "application/vnd.docker.image.rootfs.diff.tar.gzip",
    [MEDIA_TYPE_DOCKER_LAYER_ZSTD] = "application/vnd.docker.image.rootfs.diff.tar.zstd",
    [MEDIA_TYPE_DOCKER_LAYER_FOREIGN] = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    [MEDIA_TYPE_OTHER] = "",
};

const char *
manifest_media_type_name(enum media_type t)
{
	return (unsigned)t < MEDIA_TYPE_COUNT ? media_type_names[t] : "";
}

enum media_type
manifest_media_type_from(const char *s)
{
	for (unsigned i = 0; i < MEDIA_TYPE_OTHER; i++)
		if (strcmp(s, media_type_names[i]) == 0)
			return (enum media_type)i;
	return MEDIA_TYPE_OTHER;
}

bool
manifest_media_type_is_layer(enum media_type t, enum layer_compression *ret_comp)
{
	enum layer_compression c;
	switch (t) {
	case MEDIA_TYPE_OCI_LAYER:
	case MEDIA_TYPE_OCI_LAYER_ND:
	case MEDIA_TYPE_DOCKER_LAYER:
		c = LAYER_COMPRESSION_NONE;
		break;
	case MEDIA_TYPE_OCI_LAYER_GZIP:
	case MEDIA_TYPE_OCI_LAYER_ND_GZIP:
	case MEDIA_TYPE_DOCKER_LAYER_GZIP:
	case MEDIA_TYPE_DOCKER_LAYER_FOREIGN:
		c = LAYER_COMPRESSION_GZIP;
		break;
	case MEDIA_TYPE_OCI_LAYER_ZSTD:
	case MEDIA_TYPE_OCI_LAYER_ND_ZSTD:
	case MEDIA_TYPE_DOCKER_LAYER_ZSTD:
		c = LAYER_COMPRESSION_ZSTD;
		break;
	case MEDIA_TYPE_OCI_INDEX:
	case MEDIA_TYPE_OCI_MANIFEST:
	case MEDIA_TYPE_DOCKER_LIST:
	case MEDIA_TYPE_DOCKER_MANIFEST:
	case MEDIA_TYPE_DOCKER_SCHEMA1:
	case MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED:
	case MEDIA_TYPE_OCI_CONFIG:
	case MEDIA_TYPE_DOCKER_CONFIG:
	case MEDIA_TYPE_OTHER:
	case MEDIA_TYPE_COUNT:
	default:
		return false;
	}
	if (ret_comp)
		*ret_comp = c;
	return true;
}

bool
manifest_media_type_is_manifest(enum media_type t)
{
	return t == MEDIA_TYPE_OCI_INDEX || t == MEDIA_TYPE_OCI_MANIFEST ||
	       t == MEDIA_TYPE_DOCKER_LIST || t == MEDIA_TYPE_DOCKER_MANIFEST;
}

static bool
is_index(enum media_type t)
{
	return t == MEDIA_TYPE_OCI_INDEX || t == MEDIA_TYPE_DOCKER_LIST;
}

/* ---- field tables ------------------------------------------------------------------------ */

/* Platform names: non-empty, printable (they end up in messages and in the daemon's log). */
static int
check_platform_name(struct json_ctx *ctx, const char *s, size_t len)
{
	if (len == 0)
		return json_fail(ctx, PARSE_ERR_VALUE, "empty platform name");
	return json_check_no_ctl(ctx, s, len);
}

/* Replace *field with the normalised value s (NULL for ""), if it differs. */
static int
replace(struct json_ctx *ctx, char **field, const char *s)
{
	char *n;
	if (*field && strcmp(*field, s) == 0)
		return 0;
	if (!*field && s[0] == '\0')
		return 0;
	n = s[0] ? strdup(s) : NULL;
	if (s[0] && !n)
		return json_fail(ctx, PARSE_ERR_NOMEM, "out of memory");
	free(*field);
	*field = n;
	return 0;
}

static int
platform_finish(struct json_ctx *ctx, void *obj)
{
	struct platform *p = obj;
	struct platform_name n;
	int r;
	platform_normalize(p->os, p->architecture, p->variant, &n);
	r = replace(ctx, &p->os, n.os);
	if (r >= 0)
		r = replace(ctx, &p->architecture, n.arch);
	if (r >= 0)
		r = replace(ctx, &p->variant, n.variant);
	return r;
}

#define PLATFORM_STRING(key, member, req)                                                          \
	{                                                                                          \
		.name = (key), .kind = JSON_F_STRING, .offset = offsetof(struct platform, member), \
		.required = (req), .max_len = PLATFORM_MAX_FIELD_LEN,                              \
		.check = check_platform_name,                                                      \
	}
#define PLATFORM_LIST(key, member)                                                                 \
	{                                                                                          \
		.name = (key), .kind = JSON_F_STR_LIST,                                            \
		.offset = offsetof(struct platform, member), .max_len = PLATFORM_MAX_FIELD_LEN,    \
		.max_items = PLATFORM_MAX_FEATURES, .check = check_platform_name,                  \
	}

static const struct json_field platform_fields[] = {
    PLATFORM_STRING("architecture", architecture, true), PLATFORM_STRING("os", os, true),
    PLATFORM_STRING("os.version", os_version, false),    PLATFORM_LIST("os.features", os_features),
    PLATFORM_STRING("variant", variant, false),          PLATFORM_LIST("features", features),
};

static const struct json_table platform_table = {
    .what = "platform",
    JSON_FIELDS(platform_fields),
    .size = sizeof(struct platform),
    .finish = platform_finish,
};

static int
descriptor_finish(struct json_ctx *ctx, void *obj)
{
	struct descriptor *d = obj;
	(void)ctx;
	d->media_type = manifest_media_type_from(d->media_type_str);
	return 0;
}

static const struct json_field descriptor_fields[] = {
    {.name = "mediaType",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct descriptor, media_type_str),
     .required = true,
     .max_len = MEDIA_TYPE_MAX_LEN,
     .check = json_check_media_type},
    {.name = "digest",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct descriptor, digest),
     .required = true,
     .max_len = DIGEST_MAX_LEN,
     .check = json_check_digest},
    {.name = "size",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct descriptor, size),
     .required = true,
     .max_len = DESCRIPTOR_MAX_SIZE},
    {.name = "urls",
     .kind = JSON_F_STR_LIST,
     .offset = offsetof(struct descriptor, urls),
     .max_len = MANIFEST_MAX_URL_LEN,
     .max_items = MANIFEST_MAX_URLS,
     .check = json_check_no_ctl},
    {.name = "annotations",
     .kind = JSON_F_STR_MAP,
     .offset = offsetof(struct descriptor, annotations),
     .max_len = ANNOTATION_MAX_VALUE_LEN,
     .max_items = MANIFEST_MAX_ANNOTATIONS},
    {.name = "artifactType",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct descriptor, artifact_type),
     .max_len = MEDIA_TYPE_MAX_LEN,
     .check = json_check_media_type},
    {.name = "platform",
     .kind = JSON_F_OBJECT_PTR,
     .offset = offsetof(struct descriptor, platform),
     .sub = &platform_table},
};

static const struct json_table descriptor_table = {
    .what = "descriptor",
    JSON_FIELDS(descriptor_fields),
    .size = sizeof(struct descriptor),
    .finish = descriptor_finish,
};

/* Fields both document kinds share. */
static const struct json_field common_fields[] = {
    {.name = "schemaVersion",
     .kind = JSON_F_SIZE,
     .offset = offsetof(struct manifest, schema_version),
     .required = true,
     .max_len = UINT32_MAX},
    {.name = "mediaType",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct manifest, media_type_str),
     .max_len = MEDIA_TYPE_MAX_LEN,
     .check = json_check_media_type},
    {.name = "artifactType",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct manifest, artifact_type),
     .max_len = MEDIA_TYPE_MAX_LEN,
     .check = json_check_media_type},
    {.name = "annotations",
     .kind = JSON_F_STR_MAP,
     .offset = offsetof(struct manifest, annotations),
     .max_len = ANNOTATION_MAX_VALUE_LEN,
     .max_items = MANIFEST_MAX_ANNOTATIONS},
    {.name = "subject",
     .kind = JSON_F_OBJECT_PTR,
     .offset = offsetof(struct manifest, subject),
     .sub = &descriptor_table},
};

static const struct json_table common_table = {
    .what = "manifest",
    JSON_FIELDS(common_fields),
    .size = sizeof(struct manifest),
};

static const struct json_field index_fields[] = {
    {.name = "manifests",
     .kind = JSON_F_ARRAY,
     .offset = offsetof(struct manifest, manifests),
     .count_offset = offsetof(struct manifest, n_manifests),
     .required = true,
     .max_items = MANIFEST_MAX_MANIFESTS,
     .sub = &descriptor_table},
};

static const struct json_field image_fields[] = {
    {.name = "config",
     .kind = JSON_F_OBJECT,
     .offset = offsetof(struct manifest, config),
     .required = true,
     .sub = &descriptor_table},
    {.name = "layers",
     .kind = JSON_F_ARRAY,
     .offset = offsetof(struct manifest, layers),
     .count_offset = offsetof(struct manifest, n_layers),
     .required = true,
     .max_items = MANIFEST_MAX_LAYERS,
     .sub = &descriptor_table},
};

static const struct json_table index_table = {
    .what = "index",
    JSON_FIELDS(index_fields),
    .size = sizeof(struct manifest),
    .base = &common_table,
};

static const struct json_table image_table = {
    .what = "manifest",
    JSON_FIELDS(image_fields),
    .size = sizeof(struct manifest),
    .base = &common_table,
};

/* ---- document kind ------------------------------------------------------------------------ */

static bool
is_schema1(enum media_type t)
{
	return t == MEDIA_TYPE_DOCKER_SCHEMA1 || t == MEDIA_TYPE_DOCKER_SCHEMA1_SIGNED;
}

static int
refuse_schema1(struct json_ctx *ctx)
{
	return json_fail(ctx, PARSE_ERR_UNSUPPORTED,
			 "Docker schema 1 manifests are not supported; re-push the image with "
			 "a current client");
}

/* The media type a document declares (MEDIA_TYPE_COUNT if none or not a string). */
static enum media_type
declared_type(const json_t *root)
{
	const json_t *mt = json_object_get(root, "mediaType");
	return json_is_string(mt) ? manifest_media_type_from(json_string_value(mt))
				  : MEDIA_TYPE_COUNT;
}

/* Decide what the document is, from its mediaType, the Content-Type and its fields.
 * A document with both "manifests" and "config"/"layers" is refused whatever it claims:
 * two readers could take it for different things (CVE-2021-41190). */
static int
detect_kind(struct json_ctx *ctx, const json_t *root, const struct manifest_opts *opts,
	    enum media_type *ret)
{
	const json_t *sv = json_object_get(root, "schemaVersion");
	bool has_index = json_object_get(root, "manifests") != NULL;
	bool has_image = json_object_get(root, "config") || json_object_get(root, "layers");
	enum media_type doc = declared_type(root), ct = MEDIA_TYPE_COUNT, kind;

	if (opts && opts->content_type)
		ct = manifest_media_type_from(opts->content_type);
	if (is_schema1(doc) || is_schema1(ct) || json_object_get(root, "fsLayers") ||
	    (json_is_integer(sv) && json_integer_value(sv) == 1))
		return refuse_schema1(ctx);
	if (has_index && has_image)
		return json_fail(
		    ctx, PARSE_ERR_VALUE,
		    "both \"manifests\" and \"config\"/\"layers\": ambiguous document");
	if (doc != MEDIA_TYPE_COUNT && manifest_media_type_is_manifest(ct) && ct != doc)
		return json_fail(ctx, PARSE_ERR_VALUE, "mediaType does not match Content-Type %s",
				 manifest_media_type_name(ct));
	if (doc != MEDIA_TYPE_COUNT)
		kind = doc;
	else if (manifest_media_type_is_manifest(ct))
		kind = ct;
	else if (has_index || has_image)
		kind = has_index ? MEDIA_TYPE_OCI_INDEX : MEDIA_TYPE_OCI_MANIFEST;
	else
		return json_fail(ctx, PARSE_ERR_MISSING, "neither an index nor a manifest");
	if (!manifest_media_type_is_manifest(kind))
		return json_fail(ctx, PARSE_ERR_UNSUPPORTED,
				 "media type is not a manifest or index");
	if ((is_index(kind) && has_image) || (!is_index(kind) && has_index))
		return json_fail(ctx, PARSE_ERR_VALUE, "fields do not match the media type %s",
				 manifest_media_type_name(kind));
	*ret = kind;
	return 0;
}

/* Image manifests must point at an image config and at layers crisp can unpack. */
static int
check_image(struct json_ctx *ctx, const struct manifest *m)
{
	size_t saved;
	int r = 0;
	if (m->config.media_type != MEDIA_TYPE_OCI_CONFIG &&
	    m->config.media_type != MEDIA_TYPE_DOCKER_CONFIG) {
		saved = json_path_push_key(ctx, "config");
		(void)json_path_push_key(ctx, "mediaType");
		r = json_fail(ctx, PARSE_ERR_UNSUPPORTED, "not a container image config");
		json_path_pop(ctx, saved);
		return r;
	}
	for (size_t i = 0; i < m->n_layers; i++) {
		if (manifest_media_type_is_layer(m->layers[i].media_type, NULL))
			continue;
		saved = json_path_push_key(ctx, "layers");
		(void)json_path_push_index(ctx, i);
		(void)json_path_push_key(ctx, "mediaType");
		r = json_fail(ctx, PARSE_ERR_UNSUPPORTED, "not a layer media type");
		json_path_pop(ctx, saved);
		return r;
	}
	return 0;
}

static int
parse_tree(struct json_ctx *ctx, const json_t *root, const struct manifest_opts *opts,
	   struct manifest *m)
{
	enum media_type kind = MEDIA_TYPE_COUNT;
	int r = detect_kind(ctx, root, opts, &kind);
	if (r < 0)
		return r;
	m->media_type = kind;
	r = json_map_object(ctx, root, is_index(kind) ? &index_table : &image_table, m);
	if (r < 0)
		return r;
	if (m->schema_version != 2) {
		size_t saved = json_path_push_key(ctx, "schemaVersion");
		r = json_fail(ctx, PARSE_ERR_UNSUPPORTED, "schemaVersion %llu is not 2",
			      (unsigned long long)m->schema_version);
		json_path_pop(ctx, saved);
		return r;
	}
	return is_index(kind) ? 0 : check_image(ctx, m);
}

int
manifest_parse(const uint8_t *buf, size_t len, const struct manifest_opts *opts,
	       struct manifest **ret, struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_t *root = NULL;
	struct manifest *m = NULL;
	int r;

	json_ctx_init(&ctx);
	r = json_load_object(&ctx, buf, len, MANIFEST_MAX_SIZE, &root);
	if (r >= 0) {
		m = calloc(1, sizeof(*m));
		r = m ? parse_tree(&ctx, root, opts, m)
		      : json_fail(&ctx, PARSE_ERR_NOMEM, "out of memory");
	}
	json_decref(root);
	if (r < 0) {
		(void)manifest_free(m);
		if (reterr)
			*reterr = ctx.err;
		return r;
	}
	*ret = m;
	return 0;
}

struct manifest *
manifest_free(struct manifest *m)
{
	if (!m)
		return NULL;
	json_map_done(is_index(m->media_type) ? &index_table : &image_table, m);
	free(m);
	return NULL;
}

int
manifest_select(const struct manifest *m, const char *os, const char *arch, const char *variant,
		size_t *ret_index)
{
	struct platform_name want, have;
	int best = -1;
	size_t best_i = 0;

	if (!m || !is_index(m->media_type))
		return -EINVAL;
	platform_normalize(os, arch, variant, &want);
	for (size_t i = 0; i < m->n_manifests; i++) {
		const struct descriptor *d = &m->manifests[i];
		int score;
		if (!d->platform || !manifest_media_type_is_manifest(d->media_type))
			continue;
		platform_normalize(d->platform->os, d->platform->architecture, d->platform->variant,
				   &have);
		score = platform_match(&want, &have);
		if (score > best) {
			best = score;
			best_i = i;
		}
	}
	if (best < 0)
		return -ENOENT;
	*ret_index = best_i;
	return 0;
}
