/* SPDX-License-Identifier: Apache-2.0 */
/* A byte budget for decoders (protobuf-c unpack): allocations beyond the budget fail, so a
 * small hostile message cannot expand into gigabytes of structs. The two functions have the
 * shape of ProtobufCAllocator's alloc/free; pass &budget as allocator_data.
 * runs in: daemon/privileged and helper/untrusted (libc only). */
#ifndef CRISP_BASE_BUDGET_H
#define CRISP_BASE_BUDGET_H

#include <stddef.h>
#include <stdlib.h>

struct budget {
	size_t left;
};

/* Each block carries its size in a 16-byte header so free can give it back. */
static inline void *
budget_alloc(void *data, size_t size)
{
	struct budget *b = data;
	size_t total;
	if (__builtin_add_overflow(size, sizeof(size_t) * 2, &total) || total > b->left)
		return NULL;
	size_t *p = malloc(total);
	if (!p)
		return NULL;
	b->left -= total;
	p[0] = total;
	return p + 2;
}

static inline void
budget_free(void *data, void *ptr)
{
	struct budget *b = data;
	if (!ptr)
		return;
	size_t *p = (size_t *)ptr - 2;
	b->left += p[0];
	free(p);
}

#endif
