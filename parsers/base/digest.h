/* SPDX-License-Identifier: Apache-2.0 */
/* Digest syntax: "sha256:" + 64 or "sha512:" + 128 lowercase hex digits, nothing else.
 * (Hashing itself lives with the daemon's crypto; this is only the string check.)
 * runs in: helper/untrusted and daemon/privileged (libc only, header-only). */
#ifndef CRISP_BASE_DIGEST_H
#define CRISP_BASE_DIGEST_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "parsers/base/str.h"

enum digest_algo {
	DIGEST_SHA256,
	DIGEST_SHA512,
	DIGEST_ALGO_COUNT
};

/* Longest valid digest string, without the terminating NUL. */
#define DIGEST_MAX_LEN (sizeof("sha512:") - 1 + 128)

/* 0 if s[0..len) is a valid digest (and *ret_algo, if not NULL, names its algorithm),
 * -EINVAL otherwise. Uppercase hex, other algorithms, and any stray byte are refused:
 * a digest names a file under blobs/, so its syntax is part of path safety. */
static inline int
digest_check(const char *s, size_t len, enum digest_algo *ret_algo)
{
	enum digest_algo a;
	size_t hex;
	if (len > 7 && memcmp(s, "sha256:", 7) == 0) {
		a = DIGEST_SHA256;
		hex = 64;
	} else if (len > 7 && memcmp(s, "sha512:", 7) == 0) {
		a = DIGEST_SHA512;
		hex = 128;
	} else {
		return -EINVAL;
	}
	if (len - 7 != hex)
		return -EINVAL;
	for (size_t i = 7; i < len; i++)
		if (!char_is_lower_hex(s[i]))
			return -EINVAL;
	if (ret_algo)
		*ret_algo = a;
	return 0;
}

#endif
