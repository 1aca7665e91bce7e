/* SPDX-License-Identifier: Apache-2.0 */
/* Cleanup attributes, ownership transfer and small macros shared by every folder.
 * runs in: daemon/privileged and helper/untrusted (libc only, no state). */
#ifndef CRISP_BASE_MACRO_H
#define CRISP_BASE_MACRO_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Convert libc's "-1 and errno" into a -errno return value. */
#define NEG_ERRNO(r) ((r) < 0 ? -errno : (r))

/* Take ownership of a pointer or fd out of a cleanup-scoped variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp_ = (p);                                                          \
		(p) = NULL;                                                                        \
		_tp_;                                                                              \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf_ = (fd);                                                                   \
		(fd) = -EBADF;                                                                     \
		_tf_;                                                                              \
	})

static inline void
freep(void *p)
{
	free(*(void **)p);
}

static inline void
closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}

static inline void
fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

#define cleanup(fn)    __attribute__((cleanup(fn)))
#define cleanup_free   cleanup(freep)
#define cleanup_close  cleanup(closep)
#define cleanup_fclose cleanup(fclosep)

#define UNUSED __attribute__((unused))

/* Drop const for APIs that take non-const pointers but only read through them (protobuf-c
 * string fields when packing, nghttp2 name/value pairs that it copies). */
#define UNCONST(p) ((void *)(uintptr_t)(const void *)(p))

#endif
