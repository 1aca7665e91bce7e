/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded string helpers: copies that always terminate, duplication of counted bytes,
 * strict decimal parsing, character-class and UTF-8 checks.
 * runs in: helper/untrusted and daemon/privileged (libc only, header-only). */
#ifndef CRISP_BASE_STR_H
#define CRISP_BASE_STR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Copy src into dst[cap], truncating; dst is always terminated when cap > 0. Returns the
 * length of src, so `str_copy(...) >= cap` means it was truncated. */
static inline size_t
str_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (cap > 0) {
		size_t k = n < cap - 1 ? n : cap - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return n;
}

/* A NUL-terminated copy of len bytes at s (which may contain no NUL: callers check).
 * NULL only on ENOMEM. */
static inline char *
str_ndup(const void *s, size_t len)
{
	char *r;
	if (len == SIZE_MAX)
		return NULL;
	r = malloc(len + 1);
	if (!r)
		return NULL;
	if (len)
		memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

static inline bool
str_has_nul(const void *s, size_t len)
{
	return len > 0 && memchr(s, '\0', len) != NULL;
}

static inline bool
char_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
char_is_lower_alnum(char c)
{
	return char_is_digit(c) || (c >= 'a' && c <= 'z');
}

static inline bool
char_is_alnum(char c)
{
	return char_is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static inline bool
char_is_lower_hex(char c)
{
	return char_is_digit(c) || (c >= 'a' && c <= 'f');
}

/* Strict unsigned decimal: one or more ASCII digits and nothing else (no sign, no blanks,
 * no base prefix; leading zeros are allowed). -EINVAL if not a number, -ERANGE if above
 * max. *ret is written only on success. */
static inline int
str_to_u64(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!char_is_digit(s[i]))
			return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (__builtin_mul_overflow(v, 10u, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -ERANGE;
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
static inline bool
utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1fu;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0fu;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07u;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0u) != 0x80u)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3fu);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

#endif
