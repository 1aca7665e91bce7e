/* SPDX-License-Identifier: Apache-2.0 */
/* String checks shared by the image reply validators (manifest_reply.c, image_config_reply.c,
 * passwd_reply.c): bounded scans of protobuf-c strings from a helper that may be compromised.
 * runs in: daemon/privileged (pure, header-only, fuzzed through the validators). */
#ifndef CRISP_DAEMON_REPLY_CHECK_H
#define CRISP_DAEMON_REPLY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/str.h"

/* The length of s if it is a string of at most max bytes, else SIZE_MAX (never scans past
 * max + 1 bytes: a reply string can be megabytes long). */
static inline size_t
reply_len(const char *s, size_t max)
{
	if (!s)
		return SIZE_MAX;
	size_t n = strnlen(s, max + 1);
	return n > max ? SIZE_MAX : n;
}

/* At most max bytes of well-formed UTF-8 (JSON strings are; OCI config.json is written
 * with jansson, which refuses anything else). Control characters allowed (env values and
 * arguments may hold newlines; they travel as JSON strings, never as lines of a file). */
static inline bool
reply_text_ok(const char *s, size_t max)
{
	size_t n = reply_len(s, max);
	return n != SIZE_MAX && utf8_valid((const uint8_t *)s, n);
}

/* Like reply_text_ok, and no ASCII control character: values that end up in log lines,
 * messages or single-line files. */
static inline bool
reply_line_ok(const char *s, size_t max)
{
	size_t n = reply_len(s, max);
	if (n == SIZE_MAX || !utf8_valid((const uint8_t *)s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* 1..max bytes of printable ASCII without blanks (platform names, ports, signal names). */
static inline bool
reply_word_ok(const char *s, size_t max)
{
	size_t n = reply_len(s, max);
	if (n == SIZE_MAX || n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* A platform name (os, architecture, variant): 1..PLATFORM_MAX_FIELD_LEN bytes of printable
 * ASCII, no blanks, no uppercase (the helper normalised it); "" too when may_be_empty. */
static inline bool
reply_platform_name_ok(const char *s, bool may_be_empty)
{
	if (may_be_empty && s && s[0] == '\0')
		return true;
	if (!s || !reply_word_ok(s, PLATFORM_MAX_FIELD_LEN))
		return false;
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return false;
	return true;
}

/* "sha256:" + 64 or "sha512:" + 128 lowercase hex: a digest names a file under blobs/. */
static inline bool
reply_digest_ok(const char *s)
{
	size_t n = reply_len(s, DIGEST_MAX_LEN);
	return n != SIZE_MAX && digest_check(s, n, NULL) == 0;
}

static inline bool
reply_media_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 127 || !char_is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!char_is_alnum(s[i]) && !strchr("!#$&-^_.+", s[i]))
			return false;
	return true;
}

/* RFC 6838 type/subtype without parameters, at most MEDIA_TYPE_MAX_LEN bytes. */
static inline bool
reply_media_type_ok(const char *s)
{
	size_t n = reply_len(s, MEDIA_TYPE_MAX_LEN);
	if (n == SIZE_MAX)
		return false;
	const char *slash = memchr(s, '/', n);
	return slash && reply_media_name_ok(s, (size_t)(slash - s)) &&
	       reply_media_name_ok(slash + 1, n - (size_t)(slash - s) - 1);
}

/* An absolute path inside the image, at most IMAGE_PATH_MAX bytes, no control characters and
 * no ".." component: without this a volume or working dir could name a place outside the
 * container's rootfs for every later resolver to get right. */
static inline bool
reply_path_ok(const char *s)
{
	size_t n = reply_len(s, IMAGE_PATH_MAX);
	if (n == SIZE_MAX || n == 0 || s[0] != '/' || !reply_line_ok(s, IMAGE_PATH_MAX))
		return false;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && s[j] != '/')
			j++;
		if (j - i == 2 && s[i] == '.' && s[i + 1] == '.')
			return false;
		i = j + 1;
	}
	return true;
}

/* A copy of s, or NULL for "" when empty_is_null. *ok is cleared on ENOMEM. */
static inline char *
reply_dup(const char *s, bool empty_is_null, bool *ok)
{
	if (empty_is_null && (!s || !s[0]))
		return NULL;
	char *d = strdup(s ? s : "");
	if (!d)
		*ok = false;
	return d;
}

#endif
