/* SPDX-License-Identifier: Apache-2.0 */
/* The error object of a CRI call and the errno -> gRPC status table (contract and the table
 * in words: error.h).
 * runs in: daemon/privileged. */
#include "daemon/core/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parsers/base/macro.h"

#define S(x) ERROR_STATUS_##x

static const struct {
	int errnum;
	unsigned char status[ERROR_ORIGIN_COUNT]; /* REQUEST, EXTERNAL */
} error_table[] = {
    {ENOENT, {S(NOT_FOUND), S(UNKNOWN)}},
    {EINVAL, {S(INVALID_ARGUMENT), S(UNKNOWN)}},
    {EDOM, {S(INVALID_ARGUMENT), S(UNKNOWN)}},
    {EILSEQ, {S(INVALID_ARGUMENT), S(UNKNOWN)}},
    {ENAMETOOLONG, {S(INVALID_ARGUMENT), S(UNKNOWN)}},
    {ERANGE, {S(OUT_OF_RANGE), S(UNKNOWN)}},
    {EEXIST, {S(ALREADY_EXISTS), S(UNKNOWN)}},
    {EPERM, {S(PERMISSION_DENIED), S(UNKNOWN)}},
    {EACCES, {S(PERMISSION_DENIED), S(UNKNOWN)}},
    {EBUSY, {S(FAILED_PRECONDITION), S(FAILED_PRECONDITION)}},
    {ENOTEMPTY, {S(FAILED_PRECONDITION), S(FAILED_PRECONDITION)}},
    {ETIMEDOUT, {S(DEADLINE_EXCEEDED), S(DEADLINE_EXCEEDED)}},
    {ETIME, {S(DEADLINE_EXCEEDED), S(DEADLINE_EXCEEDED)}},
    {ENOMEM, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {E2BIG, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {EMSGSIZE, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {EFBIG, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {ENOBUFS, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {ENOSPC, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {EDQUOT, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {EMFILE, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {ENFILE, {S(RESOURCE_EXHAUSTED), S(RESOURCE_EXHAUSTED)}},
    {ECANCELED, {S(CANCELLED), S(CANCELLED)}},
    {ENOSYS, {S(UNIMPLEMENTED), S(UNIMPLEMENTED)}},
    {EOPNOTSUPP, {S(UNIMPLEMENTED), S(UNIMPLEMENTED)}},
    {ECONNREFUSED, {S(UNAVAILABLE), S(UNAVAILABLE)}},
    {ECONNRESET, {S(UNAVAILABLE), S(UNAVAILABLE)}},
    {EHOSTUNREACH, {S(UNAVAILABLE), S(UNAVAILABLE)}},
    {ENETUNREACH, {S(UNAVAILABLE), S(UNAVAILABLE)}},
    {EAGAIN, {S(UNAVAILABLE), S(UNAVAILABLE)}},
    {EPROTO, {S(UNKNOWN), S(UNKNOWN)}},
    {EBADMSG, {S(UNKNOWN), S(UNKNOWN)}},
    {ECHILD, {S(UNKNOWN), S(UNKNOWN)}},
    {EIO, {S(UNKNOWN), S(UNKNOWN)}},
    {ENOTRECOVERABLE, {S(INTERNAL), S(INTERNAL)}},
};

int
error_status_of(int errnum, enum error_origin origin)
{
	int e = errnum < 0 ? -errnum : errnum;
	if (e == 0)
		return ERROR_STATUS_OK;
	if ((unsigned)origin >= ERROR_ORIGIN_COUNT)
		origin = ERROR_ORIGIN_REQUEST;
	for (size_t i = 0; i < ELEMENTSOF(error_table); i++)
		if (error_table[i].errnum == e)
			return error_table[i].status[origin];
	return ERROR_STATUS_UNKNOWN;
}

static size_t
escaped_len(unsigned char c)
{
	return c >= 0x20 && c < 0x7f ? 1 : 4;
}

size_t
error_escape(const char *in, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i, total = 0;

	if (outsz < 4) {
		if (outsz)
			out[0] = '\0';
		return 0;
	}
	for (i = 0; i < len; i++)
		total += escaped_len((unsigned char)in[i]);
	/* When all of it does not fit, keep room for the "..." that says so. */
	size_t room = total <= outsz - 1 ? outsz - 1 : outsz - 4;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (o + escaped_len(c) > room)
			break;
		if (escaped_len(c) == 1) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

int
error_vset(struct error *e, int errnum, int status, enum error_origin origin, const char *fmt,
	   va_list ap)
{
	if (e->errnum != 0)
		return -e->errnum;
	int en = errnum < 0 ? -errnum : errnum;
	if (en == 0)
		en = EIO; /* a failure always carries an errno */
	/* Twice the message cap: a raw message cut here is cut again (with "...") below. */
	char raw[2 * ERROR_MSG_MAX];
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0)
		n = 0;
	size_t len = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
	(void)error_escape(raw, len, e->msg, sizeof(e->msg));
	e->status =
	    status >= 0 && status < ERROR_STATUS_COUNT ? status : error_status_of(en, origin);
	if (e->status == ERROR_STATUS_OK)
		e->status = ERROR_STATUS_UNKNOWN; /* a failure is never OK */
	e->errnum = en;
	return -en;
}

int
error_set(struct error *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(e, errnum, -1, ERROR_ORIGIN_REQUEST, fmt, ap);
	va_end(ap);
	return r;
}

int
error_set_external(struct error *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(e, errnum, -1, ERROR_ORIGIN_EXTERNAL, fmt, ap);
	va_end(ap);
	return r;
}

int
error_set_status(struct error *e, int errnum, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(e, errnum, status, ERROR_ORIGIN_REQUEST, fmt, ap);
	va_end(ap);
	return r;
}
