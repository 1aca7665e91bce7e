/* SPDX-License-Identifier: Apache-2.0 */
/* The one error object of a CRI call (errno, gRPC status, bounded escaped message), filled
 * once where the failure is understood, and the one table from errno to gRPC status.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CORE_ERROR_H
#define CRISP_DAEMON_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "parsers/base/limits.h"

/* The gRPC status codes (grpc/doc/statuscodes.md), numbered as on the wire; grpc_call.c
 * asserts they equal enum grpc_status (core/ may not include grpc/). */
enum error_status {
	ERROR_STATUS_OK = 0,
	ERROR_STATUS_CANCELLED = 1,
	ERROR_STATUS_UNKNOWN = 2,
	ERROR_STATUS_INVALID_ARGUMENT = 3,
	ERROR_STATUS_DEADLINE_EXCEEDED = 4,
	ERROR_STATUS_NOT_FOUND = 5,
	ERROR_STATUS_ALREADY_EXISTS = 6,
	ERROR_STATUS_PERMISSION_DENIED = 7,
	ERROR_STATUS_RESOURCE_EXHAUSTED = 8,
	ERROR_STATUS_FAILED_PRECONDITION = 9,
	ERROR_STATUS_ABORTED = 10,
	ERROR_STATUS_OUT_OF_RANGE = 11,
	ERROR_STATUS_UNIMPLEMENTED = 12,
	ERROR_STATUS_INTERNAL = 13,
	ERROR_STATUS_UNAVAILABLE = 14,
	ERROR_STATUS_DATA_LOSS = 15,
	ERROR_STATUS_UNAUTHENTICATED = 16,
	ERROR_STATUS_COUNT
};

/* What an errno describes, which picks the column of the table below. */
enum error_origin {
	/* The request or crisp's own objects: the pod, container or image the request names,
	 * a field of the request, crisp's state. */
	ERROR_ORIGIN_REQUEST,
	/* A step run by an external program (OCI runtime, conmon, CNI plugin, a helper) or a
	 * host file: its errno says what went wrong there, not what is wrong with the request,
	 * so most become UNKNOWN (what CRI-O and containerd answer for errors they cannot
	 * classify); time-outs, exhaustion, busy state and cancellation keep their code. */
	ERROR_ORIGIN_EXTERNAL,
	ERROR_ORIGIN_COUNT
};

/* THE errno -> gRPC status table (error.c holds it as data; README "Design choices" too):
 *
 *   errno                                     REQUEST              EXTERNAL
 *   ENOENT                                    NOT_FOUND            UNKNOWN
 *   EINVAL, EDOM, EILSEQ, ENAMETOOLONG        INVALID_ARGUMENT     UNKNOWN
 *   ERANGE                                    OUT_OF_RANGE         UNKNOWN
 *   EEXIST                                    ALREADY_EXISTS       UNKNOWN
 *   EPERM, EACCES                             PERMISSION_DENIED    UNKNOWN
 *   EBUSY, ENOTEMPTY (in use, wrong state)    FAILED_PRECONDITION  FAILED_PRECONDITION
 *   ETIMEDOUT, ETIME                          DEADLINE_EXCEEDED    DEADLINE_EXCEEDED
 *   ENOMEM, E2BIG, EMSGSIZE, EFBIG, ENOBUFS,  RESOURCE_EXHAUSTED   RESOURCE_EXHAUSTED
 *     ENOSPC, EDQUOT, EMFILE, ENFILE
 *   ECANCELED                                 CANCELLED            CANCELLED
 *   ENOSYS, EOPNOTSUPP (= ENOTSUP)            UNIMPLEMENTED        UNIMPLEMENTED
 *   ECONNREFUSED, ECONNRESET, EHOSTUNREACH,   UNAVAILABLE          UNAVAILABLE
 *     ENETUNREACH, EAGAIN
 *   EPROTO, EBADMSG, ECHILD, EIO (a helper,   UNKNOWN              UNKNOWN
 *     the runtime or a plugin failed)
 *   ENOTRECOVERABLE (a crispd invariant)      INTERNAL             INTERNAL
 *   any other                                 UNKNOWN              UNKNOWN
 *
 * CRI cases kubelet and critest act on, as CRI-O and containerd answer them: the status of
 * an unknown pod or container is NOT_FOUND (kubelet takes it as "gone"); stopping or
 * removing one is not an error at all; ImageStatus of an unknown image is an empty answer.
 * A handler that needs a specific code says so with error_set_status(). */

/* One failure. Zero-initialise; the first error_set*() fills it and later ones are ignored,
 * so the code that understands a failure fills it and callers above only pass it on. */
struct error {
	int errnum; /* positive errno; 0 while unset */
	int status; /* enum error_status */
	/* Printable ASCII only: bytes outside 0x20..0x7e are written as \xHH; cut at
	 * ERROR_MSG_MAX - 1 bytes, ending in "..." when cut. */
	char msg[ERROR_MSG_MAX];
};

/* The table above. errnum may be positive or negative; 0 is OK. */
int error_status_of(int errnum, enum error_origin origin);

/* Fill e unless it is set already: errno |errnum| (0 counts as EIO), status from the table
 * (or status itself for error_set_status, which CRI-specific codes use), message from fmt,
 * escaped and bounded as above (untrusted %s arguments are safe to pass). Returns
 * -e->errnum, so `return error_set(...)` keeps the -errno convention. */
int error_set(struct error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int error_set_external(struct error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int error_set_status(struct error *e, int errnum, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The va_list form of the three above: status < 0 means "from the table, for origin". */
int error_vset(struct error *e, int errnum, int status, enum error_origin origin, const char *fmt,
	       va_list ap) __attribute__((format(printf, 5, 0)));

/* Copy len bytes of in to out as a message: bytes outside 0x20..0x7e become \xHH; when
 * all of it does not fit in outsz - 1 bytes it is cut between escapes and ends in "...".
 * outsz must be at least 4. Returns the length written (NUL not counted). */
size_t error_escape(const char *in, size_t len, char *out, size_t outsz);

#endif
