/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-manifest replies: every field re-validated before it becomes a struct
 * img_manifest (digests name files, sizes bound reads, media types pick decompressors), and
 * img_manifest_select, the variant-aware choice of an index entry.
 * runs in: daemon/privileged (pure: no I/O, no globals; fuzzed). */
#include "daemon/replies/manifest_reply.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/replies/reply_check.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

typedef Crisp__Helper__ManifestReply__Descriptor Desc;
typedef Crisp__Helper__ManifestReply__Platform Platform;

#define MT_OCI_INDEX      "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST   "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST    "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_SCHEMA2 "application/vnd.docker.distribution.manifest.v2+json"
#define MT_OCI_CONFIG     "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_CONFIG  "application/vnd.docker.container.image.v1+json"

/* The layer types crisp unpacks and the compression each implies. The daemon keeps its own
 * table: a helper that says "zstd" for a gzip type is lying, and the reply is refused. */
static const struct {
	const char *type;
	enum img_compression compression;
} layer_types[] = {
    {"application/vnd.oci.image.layer.v1.tar", IMG_COMPRESSION_NONE},
    {"application/vnd.oci.image.layer.v1.tar+gzip", IMG_COMPRESSION_GZIP},
    {"application/vnd.oci.image.layer.v1.tar+zstd", IMG_COMPRESSION_ZSTD},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar", IMG_COMPRESSION_NONE},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", IMG_COMPRESSION_GZIP},
    {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", IMG_COMPRESSION_ZSTD},
    {"application/vnd.docker.image.rootfs.diff.tar", IMG_COMPRESSION_NONE},
    {"application/vnd.docker.image.rootfs.diff.tar.gzip", IMG_COMPRESSION_GZIP},
    {"application/vnd.docker.image.rootfs.diff.tar.zstd", IMG_COMPRESSION_ZSTD},
    {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", IMG_COMPRESSION_GZIP},
};

static bool
is_index_type(const char *s)
{
	return strcmp(s, MT_OCI_INDEX) == 0 || strcmp(s, MT_DOCKER_LIST) == 0;
}

static bool
is_manifest_type(const char *s)
{
	return strcmp(s, MT_OCI_MANIFEST) == 0 || strcmp(s, MT_DOCKER_SCHEMA2) == 0;
}

/* ---- release ----------------------------------------------------------------------------- */

static void
descriptor_done(struct img_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->architecture);
	free(d->variant);
	*d = (struct img_descriptor){0};
}

struct img_manifest *
img_manifest_free(struct img_manifest *m)
{
	if (!m)
		return NULL;
	free(m->media_type);
	descriptor_done(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_done(&m->layers[i]);
	free(m->layers);
	for (size_t i = 0; i < m->n_manifests; i++)
		descriptor_done(&m->manifests[i]);
	free(m->manifests);
	free(m);
	return NULL;
}

/* ---- validation ---------------------------------------------------------------------------- */

enum desc_role {
	DESC_CONFIG,
	DESC_LAYER,
	DESC_ENTRY, /* an index entry */
};

static int
copy_platform(const Platform *p, struct img_descriptor *out)
{
	if (!reply_platform_name_ok(p->os, false) ||
	    !reply_platform_name_ok(p->architecture, false) ||
	    !reply_platform_name_ok(p->variant, true))
		return -EPROTO;
	bool ok = true;
	out->os = reply_dup(p->os, false, &ok);
	out->architecture = reply_dup(p->architecture, false, &ok);
	out->variant = reply_dup(p->variant, true, &ok);
	return ok ? 0 : -ENOMEM;
}

/* The compression a layer type implies, or -1 for a type that is not a layer. */
static int
layer_compression(const char *type)
{
	for (size_t i = 0; i < ELEMENTSOF(layer_types); i++)
		if (strcmp(type, layer_types[i].type) == 0)
			return (int)layer_types[i].compression;
	return -1;
}

static int
check_role(const Desc *d, enum desc_role role)
{
	switch (role) {
	case DESC_CONFIG:
		/* Only image configs: an artifact (helm chart, signature) is not runnable. */
		if ((strcmp(d->media_type, MT_OCI_CONFIG) != 0 &&
		     strcmp(d->media_type, MT_DOCKER_CONFIG) != 0) ||
		    d->compression !=
			CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_NONE ||
		    d->platform)
			return -EPROTO;
		return 0;
	case DESC_LAYER:
		/* protobuf-c keeps unknown enum numbers as they came: compare as integers. */
		if (d->platform || layer_compression(d->media_type) != (int)d->compression)
			return -EPROTO;
		return 0;
	case DESC_ENTRY:
		if (d->compression != CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_NONE)
			return -EPROTO;
		return 0;
	}
	return -EPROTO;
}

static int
copy_desc(const Desc *d, enum desc_role role, struct img_descriptor *out)
{
	if (!d || !reply_media_type_ok(d->media_type) || !reply_digest_ok(d->digest) ||
	    d->size > DESCRIPTOR_MAX_SIZE || check_role(d, role) < 0)
		return -EPROTO;
	bool ok = true;
	out->media_type = reply_dup(d->media_type, false, &ok);
	out->digest = reply_dup(d->digest, false, &ok);
	out->size = d->size;
	out->compression =
	    role == DESC_LAYER ? (enum img_compression)d->compression : IMG_COMPRESSION_NONE;
	if (!ok)
		return -ENOMEM;
	return role == DESC_ENTRY && d->platform ? copy_platform(d->platform, out) : 0;
}

static int
copy_descs(Desc *const *v, size_t n, enum desc_role role, struct img_descriptor **ret,
	   size_t *ret_n)
{
	if (n == 0)
		return 0;
	if (!v)
		return -EPROTO;
	*ret = calloc(n, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int r = copy_desc(v[i], role, &(*ret)[i]);
		(*ret_n)++; /* counted even on failure: img_manifest_free releases the part */
		if (r < 0)
			return r;
	}
	return 0;
}

/* kind, media type and Content-Type tell one story, and the parts match the kind. */
static int
check_shape(const Crisp__Helper__ManifestReply *r, const char *content_type)
{
	bool index;
	if (!r->media_type)
		return -EPROTO;
	if (r->kind == CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_INDEX)
		index = true;
	else if (r->kind == CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_MANIFEST)
		index = false;
	else
		return -EPROTO;
	if (index ? !is_index_type(r->media_type) : !is_manifest_type(r->media_type))
		return -EPROTO;
	/* The parser lets a known Content-Type decide, or refuses a disagreeing mediaType. */
	if (content_type && (is_index_type(content_type) || is_manifest_type(content_type)) &&
	    strcmp(content_type, r->media_type) != 0)
		return -EPROTO;
	if (index)
		return r->config || r->n_layers || r->n_manifests > MANIFEST_MAX_MANIFESTS ? -EPROTO
											   : 0;
	return !r->config || r->n_manifests || r->n_layers > MANIFEST_MAX_LAYERS ? -EPROTO : 0;
}

int
manifest_reply_validate(const Crisp__Helper__ManifestReply *r, const char *content_type,
			struct img_manifest **ret)
{
	if (!r || check_shape(r, content_type) < 0)
		return -EPROTO;
	struct img_manifest *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	int rc = 0;
	m->kind = r->kind == CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_INDEX ? IMG_KIND_INDEX
									     : IMG_KIND_MANIFEST;
	m->media_type = strdup(r->media_type);
	if (!m->media_type)
		rc = -ENOMEM;
	if (rc >= 0 && m->kind == IMG_KIND_MANIFEST) {
		rc = copy_desc(r->config, DESC_CONFIG, &m->config);
		if (rc >= 0)
			rc = copy_descs(r->layers, r->n_layers, DESC_LAYER, &m->layers,
					&m->n_layers);
	} else if (rc >= 0) {
		rc = copy_descs(r->manifests, r->n_manifests, DESC_ENTRY, &m->manifests,
				&m->n_manifests);
	}
	if (rc < 0) {
		img_manifest_free(m);
		return rc;
	}
	*ret = m;
	return 0;
}

/* ---- platform selection ------------------------------------------------------------------- */

struct plat {
	char os[PLATFORM_MAX_FIELD_LEN + 1];
	char arch[PLATFORM_MAX_FIELD_LEN + 1];
	char variant[PLATFORM_MAX_FIELD_LEN + 1];
};

static void
lower_copy(char *dst, const char *src)
{
	size_t i = 0;
	for (; src && src[i] && i < PLATFORM_MAX_FIELD_LEN; i++) {
		char c = src[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		dst[i] = c;
	}
	dst[i] = '\0';
}

static void
plat_set(char dst[PLATFORM_MAX_FIELD_LEN + 1], const char *s)
{
	(void)str_copy(dst, PLATFORM_MAX_FIELD_LEN + 1, s);
}

/* containerd's normalisation (the helper applied the same to the entries; applying it again
 * is harmless and keeps the wanted side honest): x86_64 -> amd64 (v1 is ""), aarch64 ->
 * arm64 (8, v8, v8.0 are ""), armhf -> arm/v7, armel -> arm/v6, arm without a variant -> v7,
 * "7" -> "v7". */
static void
plat_normalize(const char *os, const char *arch, const char *variant, struct plat *p)
{
	lower_copy(p->os, os);
	lower_copy(p->arch, arch);
	lower_copy(p->variant, variant);
	if (!strcmp(p->arch, "x86_64") || !strcmp(p->arch, "x86-64"))
		plat_set(p->arch, "amd64");
	else if (!strcmp(p->arch, "aarch64"))
		plat_set(p->arch, "arm64");
	else if (!strcmp(p->arch, "i386") || !strcmp(p->arch, "i686"))
		plat_set(p->arch, "386");
	else if (!strcmp(p->arch, "armhf") || !strcmp(p->arch, "armel")) {
		plat_set(p->variant, p->arch[3] == 'h' ? "v7" : "v6");
		plat_set(p->arch, "arm");
	}
	if (!strcmp(p->arch, "amd64") && !strcmp(p->variant, "v1"))
		p->variant[0] = '\0';
	if (!strcmp(p->arch, "arm64") &&
	    (!strcmp(p->variant, "8") || !strcmp(p->variant, "v8") || !strcmp(p->variant, "v8.0")))
		p->variant[0] = '\0';
	if (!strcmp(p->arch, "arm")) {
		if (p->variant[0] == '\0')
			plat_set(p->variant, "v7");
		else if (p->variant[0] >= '5' && p->variant[0] <= '8' && p->variant[1] == '\0') {
			p->variant[1] = p->variant[0];
			p->variant[0] = 'v';
			p->variant[2] = '\0';
		}
	}
}

/* "vN" -> N (one digit), "" -> 0, anything else -1. */
static int
variant_level(const char *v)
{
	if (v[0] == '\0')
		return 0;
	if (v[0] == 'v' && v[1] >= '0' && v[1] <= '9' && v[2] == '\0')
		return v[1] - '0';
	return -1;
}

/* How well have serves want: -1 not at all; 1000 for the exact variant; one less per level
 * of an older compatible variant (arm v7 runs v6 then v5; amd64 v3 runs v2 then v1/""). */
static int
plat_score(const struct plat *want, const struct plat *have)
{
	if (strcmp(want->os, have->os) != 0 || strcmp(want->arch, have->arch) != 0)
		return -1;
	if (strcmp(want->variant, have->variant) == 0)
		return 1000;
	int w = variant_level(want->variant), h = variant_level(have->variant);
	if (!strcmp(want->arch, "arm") && w >= 5 && h >= 5 && h < w)
		return 1000 - (w - h);
	if (!strcmp(want->arch, "amd64") && w >= 0 && h >= 0) {
		w = w ? w : 1;
		h = h ? h : 1;
		return h < w ? 1000 - (w - h) : -1;
	}
	return -1;
}

int
img_manifest_select(const struct img_manifest *idx, const char *arch, const char *variant)
{
	if (!idx || idx->kind != IMG_KIND_INDEX || !arch || (idx->n_manifests && !idx->manifests))
		return -EINVAL;
	struct plat want, have;
	plat_normalize("linux", arch, variant, &want);
	int best = -1, best_i = -ENOENT;
	for (size_t i = 0; i < idx->n_manifests && i < MANIFEST_MAX_MANIFESTS; i++) {
		const struct img_descriptor *d = &idx->manifests[i];
		/* Entries without a platform, or of other types (attestations are manifests
		 * of platform unknown/unknown and never match), are never picked. */
		if (!d->os || !d->architecture || !d->media_type ||
		    !(is_manifest_type(d->media_type) || is_index_type(d->media_type)))
			continue;
		plat_normalize(d->os, d->architecture, d->variant, &have);
		int s = plat_score(&want, &have);
		if (s > best) {
			best = s;
			best_i = (int)i;
		}
	}
	return best_i;
}
