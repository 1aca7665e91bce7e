/* SPDX-License-Identifier: Apache-2.0 */
/* struct parse_error: what every parser reports on failure (code, byte offset, JSON path,
 * message). Header-only so parsers/image_ref.c, which the daemon links, can use it too.
 * runs in: helper/untrusted and daemon/privileged (libc only, no allocation, no state). */
#ifndef CRISP_BASE_PARSE_ERROR_H
#define CRISP_BASE_PARSE_ERROR_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parsers/base/limits.h"

/* The error classes are part of the helper protocol (Error.code): append only. */
enum parse_code {
	PARSE_OK,              /* never stored in a filled error */
	PARSE_ERR_SYNTAX,      /* not well-formed: JSON syntax, a passwd line, a reference */
	PARSE_ERR_DUPLICATE,   /* a duplicate JSON key */
	PARSE_ERR_TYPE,        /* a JSON value of the wrong type */
	PARSE_ERR_MISSING,     /* a required field is absent */
	PARSE_ERR_VALUE,       /* a value fails validation (digest, media type, path, ...) */
	PARSE_ERR_RANGE,       /* a number outside its allowed range */
	PARSE_ERR_LIMIT,       /* a size, count, depth or length limit is exceeded */
	PARSE_ERR_UNSUPPORTED, /* well-formed but refused (Docker schema 1, unknown media type) */
	PARSE_ERR_NOT_FOUND,   /* a lookup found nothing (user, group, platform) */
	PARSE_ERR_NOMEM,       /* allocation failed */
	PARSE_CODE_COUNT
};

/* offset when no byte position is known (semantic JSON errors: see path instead). */
#define PARSE_OFFSET_NONE UINT64_MAX

struct parse_error {
	enum parse_code code;
	uint64_t offset;                   /* byte offset in the input, or PARSE_OFFSET_NONE */
	char path[PARSE_ERROR_PATH_MAX];   /* "$.layers[3].digest" for JSON, "" otherwise */
	char message[PARSE_ERROR_MSG_MAX]; /* printable ASCII, truncated */
};

/* The -errno a parser returns alongside each class. */
static inline int
parse_code_errno(enum parse_code code)
{
	switch (code) {
	case PARSE_ERR_RANGE:
		return -ERANGE;
	case PARSE_ERR_LIMIT:
		return -E2BIG;
	case PARSE_ERR_UNSUPPORTED:
		return -EOPNOTSUPP;
	case PARSE_ERR_NOT_FOUND:
		return -ENOENT;
	case PARSE_ERR_NOMEM:
		return -ENOMEM;
	case PARSE_OK:
	case PARSE_ERR_SYNTAX:
	case PARSE_ERR_DUPLICATE:
	case PARSE_ERR_TYPE:
	case PARSE_ERR_MISSING:
	case PARSE_ERR_VALUE:
	case PARSE_CODE_COUNT:
		break;
	}
	return -EINVAL;
}

/* Replace every byte that is not printable ASCII by '?': messages and paths quote untrusted
 * bytes, and they travel in protobuf strings (UTF-8) and end up in the daemon's log. */
static inline void
parse_error_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* Fill e (if not NULL) and return the class's -errno, so callers can write
 * `return parse_error_set(...)`. path may be NULL. Never allocates. */
__attribute__((format(printf, 5, 6))) static inline int
parse_error_set(struct parse_error *e, enum parse_code code, uint64_t offset, const char *path,
		const char *fmt, ...)
{
	if (e) {
		va_list ap;
		e->code = code;
		e->offset = offset;
		e->path[0] = '\0';
		if (path) {
			size_t n = strnlen(path, sizeof(e->path) - 1);
			memcpy(e->path, path, n);
			e->path[n] = '\0';
		}
		va_start(ap, fmt);
		if (vsnprintf(e->message, sizeof(e->message), fmt, ap) < 0)
			e->message[0] = '\0';
		va_end(ap);
		parse_error_sanitize(e->path);
		parse_error_sanitize(e->message);
	}
	return parse_code_errno(code);
}

/* Human name of a class ("syntax", "limit", ...), for messages and tests. */
static inline const char *
parse_code_name(enum parse_code code)
{
	static const char *const names[PARSE_CODE_COUNT] = {
	    "ok",    "syntax", "duplicate",   "type",      "missing",   "value",
	    "range", "limit",  "unsupported", "not-found", "no-memory",
	};
	return (unsigned)code < PARSE_CODE_COUNT ? names[code] : "?";
}

#endif
