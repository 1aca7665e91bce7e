/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/manifest_reply.c: the input is a packed ManifestReply as a
 * compromised crisp-helper-manifest could send it; unpack it as the daemon does (byte
 * budget), validate it with and without a Content-Type, check what a success promises, run
 * the platform selection over it, free.
 * runs in: fuzzers and the replay driver only. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/replies/manifest_reply.h"
#include "fuzz/fuzz_check.h"
#include "parsers/base/budget.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_desc(const struct img_descriptor *d, int entry)
{
	FUZZ_ASSERT(d->media_type && strlen(d->media_type) <= MEDIA_TYPE_MAX_LEN);
	FUZZ_ASSERT(d->digest && digest_check(d->digest, strlen(d->digest), NULL) == 0);
	FUZZ_ASSERT(d->size <= DESCRIPTOR_MAX_SIZE);
	FUZZ_ASSERT((unsigned)d->compression < IMG_COMPRESSION_COUNT);
	FUZZ_ASSERT(entry || (!d->os && !d->architecture && !d->variant));
	FUZZ_ASSERT(!d->os == !d->architecture);
	FUZZ_ASSERT(!d->variant || d->variant[0]);
}

static void
check_manifest(const struct img_manifest *m)
{
	FUZZ_ASSERT((unsigned)m->kind < IMG_KIND_COUNT && m->media_type);
	if (m->kind == IMG_KIND_INDEX) {
		FUZZ_ASSERT(m->n_layers == 0 && !m->config.digest);
		FUZZ_ASSERT(m->n_manifests <= MANIFEST_MAX_MANIFESTS);
		for (size_t i = 0; i < m->n_manifests; i++)
			check_desc(&m->manifests[i], 1);
		static const char *const want[][2] = {{"amd64", NULL},
						      {"arm64", "v8"},
						      {"arm", "v7"},
						      {"x86_64", "v3"},
						      {"arm", NULL}};
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			int r = img_manifest_select(m, want[i][0], want[i][1]);
			FUZZ_ASSERT(r == -ENOENT || (r >= 0 && (size_t)r < m->n_manifests));
		}
	} else {
		FUZZ_ASSERT(m->n_manifests == 0 && m->config.digest);
		FUZZ_ASSERT(m->n_layers <= MANIFEST_MAX_LAYERS);
		check_desc(&m->config, 0);
		for (size_t i = 0; i < m->n_layers; i++)
			check_desc(&m->layers[i], 0);
		FUZZ_ASSERT(img_manifest_select(m, "amd64", NULL) == -EINVAL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 8 * size + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__ManifestReply *rep = crisp__helper__manifest_reply__unpack(&a, size, data);
	if (!rep)
		return 0;
	static const char *const ct[] = {NULL, "application/vnd.oci.image.index.v1+json",
					 "application/vnd.docker.distribution.manifest.v2+json"};
	for (size_t i = 0; i < sizeof(ct) / sizeof(ct[0]); i++) {
		struct img_manifest *m = NULL;
		int r = manifest_reply_validate(rep, ct[i], &m);
		FUZZ_ASSERT(r == 0 || r == -EPROTO || r == -ENOMEM);
		if (r == 0) {
			check_manifest(m);
			img_manifest_free(m);
		}
	}
	crisp__helper__manifest_reply__free_unpacked(rep, &a);
	return 0;
}
