/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/unpack_reply.c: the input is a packed UnpackReply as a
 * compromised crisp-helper-unpack could send it; unpack it with a byte budget as the daemon
 * does, validate it against fixed caps, check what a success promises (a sha256 diffID,
 * sizes within the caps, usage totals bounded, opaque paths relative and normalised), free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/replies/unpack_reply.h"
#include "fuzz/fuzz_check.h"
#include "parsers/base/budget.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BYTES   (1ull << 30)
#define MAX_ENTRIES 100000u

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 64u << 20};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__UnpackReply *r = crisp__helper__unpack_reply__unpack(&a, size, data);
	if (!r)
		return 0;
	struct unpack_reply *out = NULL;
	char err[256];
	int rc = unpack_reply_validate(r, MAX_BYTES, MAX_ENTRIES, &out, err, sizeof(err));
	if (rc == 0) {
		FUZZ_ASSERT(digest_check(out->diff_id, strlen(out->diff_id), NULL) == 0);
		FUZZ_ASSERT(strncmp(out->diff_id, "sha256:", 7) == 0);
		FUZZ_ASSERT(out->uncompressed_size <= MAX_BYTES && out->entries <= MAX_ENTRIES);
		/* Usage totals: what the daemon sums into records must be bounded and sane. */
		FUZZ_ASSERT(out->inodes >= 1 &&
			    out->inodes <= 1 + (uint64_t)MAX_ENTRIES * LAYER_MAX_DEPTH);
		FUZZ_ASSERT(out->disk_bytes % 512u == 0);
		FUZZ_ASSERT(out->disk_bytes <=
			    MAX_BYTES + out->inodes * (uint64_t)LAYER_INODE_DISK_SLACK);
		FUZZ_ASSERT(out->n_opaque_dirs == r->n_opaque_dirs);
		for (size_t i = 0; i < out->n_opaque_dirs; i++) {
			const char *p = out->opaque_dirs[i];
			FUZZ_ASSERT(unpack_reply_path_ok((const uint8_t *)p, strlen(p)));
			FUZZ_ASSERT(p[0] != '/' && strcmp(p, "..") != 0 &&
				    strncmp(p, "../", 3) != 0);
		}
		unpack_reply_free(out);
	} else {
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
	}
	crisp__helper__unpack_reply__free_unpacked(r, &a);
	return 0;
}
