/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/tar_entry.c: the input is one archive entry as libarchive
 * could hand it over (24 bytes of type/mode/ids/size/device, then path NUL link NUL xattr
 * name NUL xattr value); check what a success promises (a normalised relative path, no
 * "..", owners in range, whiteouts never named "." or "..") and the error invariants.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/tar_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 24

static uint64_t
take(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A success's path: "." or components joined by single '/', none empty, "." or "..". */
static void
check_norm(const char *p)
{
	size_t len = strlen(p);
	FUZZ_ASSERT(len > 0 && len <= LAYER_PATH_MAX);
	if (strcmp(p, ".") == 0)
		return;
	FUZZ_ASSERT(p[0] != '/' && p[len - 1] != '/' && !strstr(p, "//"));
	for (const char *c = p; c;) {
		const char *s = strchr(c, '/');
		size_t n = s ? (size_t)(s - c) : strlen(c);
		FUZZ_ASSERT(n > 0 && n <= LAYER_NAME_MAX);
		FUZZ_ASSERT(!(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.'));
		c = s ? s + 1 : NULL;
	}
}

static void
check_entry(const struct tar_entry *t)
{
	check_norm(t->path);
	FUZZ_ASSERT((unsigned)t->action < TAR_ACTION_COUNT);
	FUZZ_ASSERT(t->uid <= PASSWD_MAX_ID && t->gid <= PASSWD_MAX_ID);
	FUZZ_ASSERT((t->mode & ~07777u) == 0);
	FUZZ_ASSERT(t->mtime_nsec <= 999999999u);
	if (t->action == TAR_ACTION_WHITEOUT)
		FUZZ_ASSERT(strcmp(t->path, ".") != 0);
	if (t->action == TAR_ACTION_CREATE) {
		FUZZ_ASSERT(strcmp(t->path, ".") != 0);
		FUZZ_ASSERT(!(t->type == TAR_ENTRY_CHR && t->dev_major == 0 && t->dev_minor == 0));
		FUZZ_ASSERT(t->type != TAR_ENTRY_OTHER);
		if (t->type == TAR_ENTRY_HARDLINK)
			check_norm(t->link);
		if (t->type == TAR_ENTRY_SYMLINK)
			FUZZ_ASSERT(t->link[0] != '\0');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HDR || size > 3 * LAYER_PATH_MAX + LAYER_XATTR_VALUE_MAX)
		return 0;
	char *buf = malloc(size - HDR + 4);
	if (!buf)
		return 0;
	memcpy(buf, data + HDR, size - HDR);
	memset(buf + size - HDR, 0, 4);
	const char *path = buf;
	const char *link = path + strlen(path) + 1;
	const char *xname = link + strlen(link) + 1;
	const char *xval = xname + strlen(xname) + 1;
	size_t xlen = size - HDR - (size_t)(xval - buf);
	if ((size_t)(xval - buf) > size - HDR)
		xlen = 0;
	struct tar_entry_in in = {
	    .path = path,
	    .link = data[0] & 0x80 ? NULL : link,
	    .type = (enum tar_entry_type)(data[0] % TAR_ENTRY_TYPE_COUNT),
	    .mode = (uint32_t)take(data + 1, 3),
	    .uid = (int64_t)(take(data + 4, 5) - (data[4] & 0x80 ? (1ull << 39) : 0)),
	    .gid = (int64_t)take(data + 9, 4),
	    .size = (int64_t)take(data + 13, 4) - 16,
	    .dev_major = take(data + 17, 2),
	    .dev_minor = take(data + 19, 3),
	    .max_size = 1u << 30,
	    .mtime_sec = (int64_t)take(data + 22, 1),
	    .mtime_nsec = (int64_t)take(data + 23, 1) * 10000000,
	};
	struct tar_entry *t = malloc(sizeof(*t));
	struct parse_error e;
	if (t) {
		fuzz_poison_error(&e);
		int r = tar_entry_check(&in, t, &e);
		if (r < 0)
			fuzz_check_error(r, &e);
		else
			check_entry(t);
		enum tar_xattr_verdict v;
		r = tar_xattr_check(path, xname, xval, xlen, &v, &e);
		if (r < 0)
			fuzz_check_error(r, &e);
		else if (v == TAR_XATTR_KEEP)
			FUZZ_ASSERT(strcmp(xname, "security.capability") == 0 ||
				    strncmp(xname, "user.", 5) == 0);
		free(t);
	}
	free(buf);
	return 0;
}
