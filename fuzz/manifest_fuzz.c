/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/manifest.c: parse, check the result's invariants (digests,
 * sizes, counts, media types), pick a platform, free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_descriptor(const struct descriptor *d)
{
	FUZZ_ASSERT(d->media_type_str && d->digest);
	FUZZ_ASSERT(digest_check(d->digest, strlen(d->digest), NULL) == 0);
	FUZZ_ASSERT(d->size <= DESCRIPTOR_MAX_SIZE);
	FUZZ_ASSERT(d->media_type < MEDIA_TYPE_COUNT);
	FUZZ_ASSERT(d->annotations.n <= MANIFEST_MAX_ANNOTATIONS);
	if (d->platform)
		FUZZ_ASSERT(d->platform->os && d->platform->architecture);
}

static void
check_manifest(const struct manifest *m)
{
	size_t idx;
	FUZZ_ASSERT(manifest_media_type_is_manifest(m->media_type));
	FUZZ_ASSERT(m->schema_version == 2);
	FUZZ_ASSERT(m->n_layers <= MANIFEST_MAX_LAYERS);
	FUZZ_ASSERT(m->n_manifests <= MANIFEST_MAX_MANIFESTS);
	for (size_t i = 0; i < m->n_layers; i++) {
		check_descriptor(&m->layers[i]);
		FUZZ_ASSERT(manifest_media_type_is_layer(m->layers[i].media_type, NULL));
	}
	for (size_t i = 0; i < m->n_manifests; i++)
		check_descriptor(&m->manifests[i]);
	if (m->n_manifests == 0 && m->config.digest)
		check_descriptor(&m->config);
	if (m->subject)
		check_descriptor(m->subject);
	if (manifest_select(m, "linux", "arm", "v7", &idx) == 0)
		FUZZ_ASSERT(idx < m->n_manifests);
	if (manifest_select(m, "linux", "amd64", NULL, &idx) == 0)
		FUZZ_ASSERT(idx < m->n_manifests);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const content_types[] = {
	    NULL,
	    "application/vnd.oci.image.index.v1+json",
	    "application/vnd.oci.image.manifest.v1+json",
	    "application/vnd.docker.distribution.manifest.list.v2+json",
	    "application/vnd.docker.distribution.manifest.v2+json",
	    "application/vnd.docker.distribution.manifest.v1+prettyjws",
	    "application/json",
	};
	struct manifest_opts opts = {
	    .content_type = content_types[size % (sizeof(content_types) / sizeof(*content_types))],
	};
	const struct manifest_opts *o = (size & 1) ? &opts : NULL;
	struct manifest *m = NULL;
	struct parse_error err;
	int r;

	fuzz_poison_error(&err);
	r = manifest_parse(data, size, o, &m, &err);
	if (r < 0) {
		fuzz_check_error(r, &err);
		FUZZ_ASSERT(m == NULL);
		return 0;
	}
	check_manifest(m);
	m = manifest_free(m);
	return 0;
}
