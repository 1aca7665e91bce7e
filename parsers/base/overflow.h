/* SPDX-License-Identifier: Apache-2.0 */
/* Overflow-checked size arithmetic: every size computed from untrusted counts goes through
 * these, so a wrapped multiplication can never under-allocate.
 * runs in: helper/untrusted and daemon/privileged (libc only, header-only). */
#ifndef CRISP_BASE_OVERFLOW_H
#define CRISP_BASE_OVERFLOW_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* *ret = a + b; -EOVERFLOW (and *ret untouched) if it wraps. */
static inline int
size_add(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_add_overflow(a, b, &r))
		return -EOVERFLOW;
	*ret = r;
	return 0;
}

/* *ret = a * b; -EOVERFLOW (and *ret untouched) if it wraps. */
static inline int
size_mul(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return -EOVERFLOW;
	*ret = r;
	return 0;
}

/* Grow the array *v of *cap elements of size elem so it holds at least need elements
 * (doubling, at least 4). Returns 0, -EOVERFLOW or -ENOMEM; *v is kept on failure. */
static inline int
array_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap, bytes;
	void *nv;
	if (need <= *cap)
		return 0;
	if (ncap < 4)
		ncap = 4;
	while (ncap < need)
		if (size_mul(ncap, 2, &ncap) < 0)
			return -EOVERFLOW;
	if (size_mul(ncap, elem, &bytes) < 0)
		return -EOVERFLOW;
	nv = realloc(*v, bytes);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

#endif
