/* SPDX-License-Identifier: Apache-2.0 */
/* Building paths into fixed buffers (char[CRISP_PATH_MAX]) without ever using a cut one.
 * runs in: daemon/privileged and helper/untrusted. */
#ifndef CRISP_BASE_PATH_H
#define CRISP_BASE_PATH_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "parsers/base/limits.h"

/* Format a path into buf (size bytes, normally CRISP_PATH_MAX). Returns 0, or -ENAMETOOLONG
 * when it does not fit (the kernel refuses such a path with the same error), -EINVAL on an
 * output error. On failure buf holds "", never a truncated path that names another file. */
static inline int __attribute__((format(printf, 3, 4)))
path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < size)
		return 0;
	if (size > 0)
		buf[0] = '\0';
	return n < 0 ? -EINVAL : -ENAMETOOLONG;
}

#endif
