/* SPDX-License-Identifier: Apache-2.0 */
/* Pure gRPC wire helpers (framing, timeouts, status text); see grpc_wire.h.
 * runs in: daemon/privileged, on client bytes; every length is checked before use. */
#include "daemon/grpc/grpc_wire.h"

#include <errno.h>
#include <string.h>

static const char *const status_names[GRPC_STATUS_COUNT] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

const char *
grpc_wire_status_name(int code)
{
	if (code < 0 || code >= GRPC_STATUS_COUNT)
		return "INVALID_STATUS";
	return status_names[code];
}

int
grpc_wire_parse_unary(const uint8_t *buf, size_t len, size_t max, struct grpc_wire_msg *ret)
{
	if (len < GRPC_WIRE_PREFIX)
		return -ENODATA;
	if (buf[0] == 1)
		return -ENOTSUP;
	if (buf[0] != 0)
		return -EINVAL;
	uint32_t n = ((uint32_t)buf[1] << 24) | ((uint32_t)buf[2] << 16) | ((uint32_t)buf[3] << 8) |
		     (uint32_t)buf[4];
	if (n > max)
		return -EMSGSIZE;
	if (len - GRPC_WIRE_PREFIX < n)
		return -ENODATA;
	if (len - GRPC_WIRE_PREFIX > n)
		return -EPROTO;
	ret->data = buf + GRPC_WIRE_PREFIX;
	ret->len = n;
	return 0;
}

void
grpc_wire_put_prefix(uint8_t out[GRPC_WIRE_PREFIX], uint32_t len)
{
	out[0] = 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

int
grpc_wire_parse_timeout(const char *s, size_t len, uint64_t *ret_ns)
{
	/* At most 8 digits (the gRPC spec's TimeoutValue). 99999999 hours does not fit in
	 * u64 nanoseconds, so the multiply is checked and saturates. */
	if (len < 2 || len > 9)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	uint64_t mult;
	switch (s[len - 1]) {
	case 'H':
		mult = 3600ull * 1000000000ull;
		break;
	case 'M':
		mult = 60ull * 1000000000ull;
		break;
	case 'S':
		mult = 1000000000ull;
		break;
	case 'm':
		mult = 1000000ull;
		break;
	case 'u':
		mult = 1000ull;
		break;
	case 'n':
		mult = 1ull;
		break;
	default:
		return -EINVAL;
	}
	uint64_t ns;
	if (__builtin_mul_overflow(v, mult, &ns))
		ns = UINT64_MAX;
	*ret_ns = ns;
	return 0;
}

size_t
grpc_wire_percent_encode(const char *in, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (outsz == 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		if (*p >= 0x20 && *p <= 0x7e && *p != '%') {
			if (o + 1 >= outsz)
				break;
			out[o++] = (char)*p;
		} else {
			if (o + 3 >= outsz)
				break;
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static int
name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_';
}

int
grpc_wire_split_path(const char *path, size_t len, const char **ret_svc, size_t *ret_svc_len,
		     const char **ret_method, size_t *ret_method_len)
{
	if (len < 4 || path[0] != '/')
		return -EINVAL;
	const char *slash = memchr(path + 1, '/', len - 1);
	if (!slash)
		return -EINVAL;
	size_t svc_len = (size_t)(slash - (path + 1));
	size_t m_len = len - svc_len - 2;
	if (svc_len == 0 || m_len == 0)
		return -EINVAL;
	for (size_t i = 1; i < len; i++)
		if (path + i != slash && !name_char_ok(path[i]))
			return -EINVAL;
	*ret_svc = path + 1;
	*ret_svc_len = svc_len;
	*ret_method = slash + 1;
	*ret_method_len = m_len;
	return 0;
}
