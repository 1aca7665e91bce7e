/* SPDX-License-Identifier: Apache-2.0 */
/* Pure gRPC-over-HTTP/2 wire helpers: message framing, grpc-timeout, grpc-message encoding.
 * runs in: daemon/privileged (on bytes from the CRI socket; no I/O, no state). */
#ifndef CRISP_DAEMON_GRPC_WIRE_H
#define CRISP_DAEMON_GRPC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define GRPC_WIRE_PREFIX 5u

/* gRPC status codes (grpc/doc/statuscodes.md). */
enum grpc_status {
	GRPC_STATUS_OK = 0,
	GRPC_STATUS_CANCELLED = 1,
	GRPC_STATUS_UNKNOWN = 2,
	GRPC_STATUS_INVALID_ARGUMENT = 3,
	GRPC_STATUS_DEADLINE_EXCEEDED = 4,
	GRPC_STATUS_NOT_FOUND = 5,
	GRPC_STATUS_ALREADY_EXISTS = 6,
	GRPC_STATUS_PERMISSION_DENIED = 7,
	GRPC_STATUS_RESOURCE_EXHAUSTED = 8,
	GRPC_STATUS_FAILED_PRECONDITION = 9,
	GRPC_STATUS_ABORTED = 10,
	GRPC_STATUS_OUT_OF_RANGE = 11,
	GRPC_STATUS_UNIMPLEMENTED = 12,
	GRPC_STATUS_INTERNAL = 13,
	GRPC_STATUS_UNAVAILABLE = 14,
	GRPC_STATUS_DATA_LOSS = 15,
	GRPC_STATUS_UNAUTHENTICATED = 16,
	GRPC_STATUS_COUNT
};

/* Name of a status code ("DEADLINE_EXCEEDED"), for logs. */
const char *grpc_wire_status_name(int code);

/* One length-prefixed message found in a request body. */
struct grpc_wire_msg {
	const uint8_t *data; /* points into the caller's buffer */
	size_t len;
};

/* Parse a complete unary request body: exactly one message, uncompressed, at most max bytes.
 * Errors: -ENODATA body empty or shorter than its prefix says (truncated), -EPROTO bytes
 * after the message, -ENOTSUP compressed flag set, -EMSGSIZE length over max,
 * -EINVAL flag byte other than 0 or 1. */
int grpc_wire_parse_unary(const uint8_t *buf, size_t len, size_t max, struct grpc_wire_msg *ret);

/* Write the 5-byte prefix (flag 0, big-endian length) for a message of len bytes. */
void grpc_wire_put_prefix(uint8_t out[GRPC_WIRE_PREFIX], uint32_t len);

/* Parse a grpc-timeout value ("1 to 8 ASCII digits" then one of H M S m u n) into
 * nanoseconds. Errors: -EINVAL on any other shape. Values are exact; the caller caps them. */
int grpc_wire_parse_timeout(const char *s, size_t len, uint64_t *ret_ns);

/* Percent-encode a grpc-message value: bytes outside 0x20..0x7E and '%' become %XX.
 * Writes at most outsz-1 bytes plus NUL, never splitting an escape; returns bytes written. */
size_t grpc_wire_percent_encode(const char *in, char *out, size_t outsz);

/* Split a :path "/pkg.Service/Method" into its service and method parts (pointers into
 * path). Errors: -EINVAL for any other shape or bytes outside [A-Za-z0-9._]. */
int grpc_wire_split_path(const char *path, size_t len, const char **ret_svc, size_t *ret_svc_len,
			 const char **ret_method, size_t *ret_method_len);

#endif
