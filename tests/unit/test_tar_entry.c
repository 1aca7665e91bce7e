/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for parsers/tar_entry.c (entry validation, whiteouts, xattr filter),
 * parsers/layer_stream.c on small in-memory layers (limits, bombs, diffID), and the daemon's
 * re-validation of crisp-helper-unpack replies (daemon/replies/unpack_reply.c). Hostile cases
 * first. runs in: test. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "daemon/replies/unpack_reply.h"
#include "parsers/base/limits.h"
#include "parsers/layer_stream.h"
#include "parsers/tar_entry.h"

struct entry_case {
	const char *path;
	enum tar_entry_type type;
	const char *link;
	int64_t uid;
	uint64_t major, minor;
	int ok;
	enum tar_action action;
	const char *want; /* the normalised path, or a substring of the error */
};

static const struct entry_case entry_cases[] = {
    {"../etc/passwd", TAR_ENTRY_REG, NULL, 0, 0, 0, 0, 0,
     "layer entry \"../etc/passwd\": path escapes the layer"},
    {"a/../../b", TAR_ENTRY_REG, NULL, 0, 0, 0, 0, 0, "path escapes the layer"},
    {"a/b/..", TAR_ENTRY_DIR, NULL, 0, 0, 0, 0, 0, "path escapes the layer"},
    {"/etc/passwd", TAR_ENTRY_REG, NULL, 0, 0, 0, 0, 0, "absolute path"},
    {"", TAR_ENTRY_REG, NULL, 0, 0, 0, 0, 0, "the layer root must be a directory"},
    {"x", TAR_ENTRY_HARDLINK, "/etc/shadow", 0, 0, 0, 0, 0, "absolute path"},
    {"x", TAR_ENTRY_HARDLINK, "a/../../etc/shadow", 0, 0, 0, 0, 0, "escapes the layer"},
    {"x", TAR_ENTRY_HARDLINK, "./x", 0, 0, 0, 0, 0, "hardlink to itself"},
    {"x", TAR_ENTRY_HARDLINK, "", 0, 0, 0, 0, 0, "without a target"},
    {"x", TAR_ENTRY_SYMLINK, NULL, 0, 0, 0, 0, 0, "without a target"},
    {"dev/w", TAR_ENTRY_CHR, NULL, 0, 0, 0, 0, 0, "character device 0/0"},
    {"dev/x", TAR_ENTRY_BLK, NULL, 0, 4096, 0, 0, 0, "does not fit"},
    {"s", TAR_ENTRY_OTHER, NULL, 0, 0, 0, 0, 0, "unsupported entry type"},
    {"u", TAR_ENTRY_REG, NULL, 4294967295, 0, 0, 0, 0, "uid 4294967295 out of range"},
    {"u", TAR_ENTRY_REG, NULL, -1, 0, 0, 0, 0, "out of range"},
    {".wh..", TAR_ENTRY_REG, NULL, 0, 0, 0, 0, 0, "whiteout of an invalid name"},
    {"a/.wh.", TAR_ENTRY_REG, NULL, 0, 0, 0, 0, 0, "whiteout of an invalid name"},
    /* valid */
    {"./usr//bin/./sh", TAR_ENTRY_REG, NULL, 0, 0, 0, 1, TAR_ACTION_CREATE, "usr/bin/sh"},
    {"./", TAR_ENTRY_DIR, NULL, 0, 0, 0, 1, TAR_ACTION_ROOT, "."},
    {"etc/", TAR_ENTRY_DIR, NULL, 4294967294, 0, 0, 1, TAR_ACTION_CREATE, "etc"},
    {"a/.wh.b", TAR_ENTRY_REG, NULL, 0, 0, 0, 1, TAR_ACTION_WHITEOUT, "a/b"},
    {".wh.top", TAR_ENTRY_REG, NULL, 0, 0, 0, 1, TAR_ACTION_WHITEOUT, "top"},
    {"a/b/.wh..wh..opq", TAR_ENTRY_REG, NULL, 0, 0, 0, 1, TAR_ACTION_OPAQUE, "a/b"},
    {".wh..wh..opq", TAR_ENTRY_REG, NULL, 0, 0, 0, 1, TAR_ACTION_OPAQUE, "."},
    {".wh..wh.plnk/123", TAR_ENTRY_REG, NULL, 0, 0, 0, 1, TAR_ACTION_SKIP, NULL},
    {"l", TAR_ENTRY_SYMLINK, "/etc/passwd", 0, 0, 0, 1, TAR_ACTION_CREATE, "l"},
    {"h", TAR_ENTRY_HARDLINK, "./usr/bin/sh", 0, 0, 0, 1, TAR_ACTION_CREATE, "h"},
    {"dev/null", TAR_ENTRY_CHR, NULL, 0, 1, 3, 1, TAR_ACTION_CREATE, "dev/null"},
};

static void
test_entries(void **state)
{
	(void)state;
	static struct tar_entry t;
	for (size_t i = 0; i < sizeof(entry_cases) / sizeof(entry_cases[0]); i++) {
		const struct entry_case *c = &entry_cases[i];
		struct tar_entry_in in = {.path = c->path,
					  .type = c->type,
					  .link = c->link,
					  .mode = 0104755,
					  .uid = c->uid,
					  .dev_major = c->major,
					  .dev_minor = c->minor,
					  .max_size = 1000};
		struct parse_error e = {0};
		int r = tar_entry_check(&in, &t, &e);
		if (!c->ok) {
			if (r == 0 || !strstr(e.message, c->want))
				fail_msg("case %zu (%s): r=%d msg=%s", i, c->path, r, e.message);
			continue;
		}
		if (r < 0)
			fail_msg("case %zu (%s): %s", i, c->path, e.message);
		assert_int_equal(t.action, c->action);
		if (c->want)
			assert_string_equal(t.path, c->want);
		if (c->type == TAR_ENTRY_REG && c->action == TAR_ACTION_CREATE)
			assert_int_equal(t.mode, 04755);
	}
}

static void
test_limits(void **state)
{
	(void)state;
	static char longpath[LAYER_PATH_MAX + 16], longname[LAYER_NAME_MAX + 2], deep[1200];
	static struct tar_entry t;
	struct parse_error e;
	memset(longpath, 'a', sizeof(longpath) - 1);
	for (size_t i = 100; i < sizeof(longpath) - 1; i += 100)
		longpath[i] = '/';
	memset(longname, 'n', sizeof(longname) - 1);
	for (size_t i = 0; i + 2 < sizeof(deep); i += 2) {
		deep[i] = 'd';
		deep[i + 1] = '/';
	}
	const char *paths[] = {longpath, longname, deep};
	const char *want[] = {"path longer than", "a name is longer than", "deeper than"};
	for (size_t i = 0; i < 3; i++) {
		struct tar_entry_in in = {.path = paths[i], .type = TAR_ENTRY_DIR, .max_size = 1};
		assert_int_equal(tar_entry_check(&in, &t, &e), -E2BIG);
		assert_non_null(strstr(e.message, want[i]));
	}
	struct tar_entry_in big = {
	    .path = "f", .type = TAR_ENTRY_REG, .size = 1001, .max_size = 1000};
	assert_int_equal(tar_entry_check(&big, &t, &e), -E2BIG);
	big.size = -5;
	assert_int_equal(tar_entry_check(&big, &t, &e), -E2BIG);
}

static void
test_xattrs(void **state)
{
	(void)state;
	static const uint8_t v2[20] = {0x01, 0, 0, 0x02, 0, 0x20};
	static const uint8_t v3[24] = {0x00, 0, 0, 0x03};
	static const uint8_t bad[20] = {0x00, 0, 0, 0x03};

	struct {
		const char *name;
		const void *v;
		size_t len;
		int r;
		enum tar_xattr_verdict want;
	} cases[] = {
	    {"security.capability", v2, sizeof(v2), 0, TAR_XATTR_KEEP},
	    {"security.capability", v3, sizeof(v3), 0, TAR_XATTR_KEEP},
	    {"security.capability", bad, sizeof(bad), -EINVAL, 0},
	    {"security.capability", v2, 3, -EINVAL, 0},
	    {"trusted.overlay.opaque", "y", 1, 0, TAR_XATTR_DROP},
	    {"trusted.overlay.redirect", "/etc", 4, 0, TAR_XATTR_DROP},
	    {"security.selinux", "system_u:object_r:shadow_t:s0", 29, 0, TAR_XATTR_DROP},
	    {"security.ima", "x", 1, 0, TAR_XATTR_DROP},
	    {"system.posix_acl_access", "x", 1, 0, TAR_XATTR_DROP},
	    {"user.mime_type", "text/plain", 10, 0, TAR_XATTR_KEEP},
	    {"user.", "x", 1, 0, TAR_XATTR_DROP},
	    {"", "x", 1, -E2BIG, 0},
	    {"user.big", v2, LAYER_XATTR_VALUE_MAX + 1, -E2BIG, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tar_xattr_verdict v = TAR_XATTR_VERDICT_COUNT;
		struct parse_error e;
		int r = tar_xattr_check("f", cases[i].name, cases[i].v, cases[i].len, &v, &e);
		if (r != cases[i].r || (r == 0 && v != cases[i].want))
			fail_msg("xattr case %zu (%s): r=%d v=%d", i, cases[i].name, r, (int)v);
	}
}

/* ---- layer_stream over in-memory layers ---- */

struct mem {
	const uint8_t *p;
	size_t left;
};

static ssize_t
mem_read(void *ud, uint8_t *buf, size_t len)
{
	struct mem *m = ud;
	size_t n = len < m->left ? len : m->left;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

/* A ustar header for a regular file name of size bytes, with a valid checksum. */
static void
ustar(uint8_t *h, const char *name, size_t size, char type)
{
	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (uint8_t)type;
	static const uint8_t magic[8] = {'u', 's', 't', 'a', 'r', 0, '0', '0'};
	for (size_t i = 0; i < sizeof(magic); i++)
		h[257 + i] = magic[i];
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

static int
run_stream(const uint8_t *buf, size_t len, uint64_t max, uint64_t max_entries,
	   struct parse_error *e, uint64_t *ret_size)
{
	struct mem m = {buf, len};
	struct layer_stream_opts o = {LAYER_STREAM_NONE, max, max_entries, 4096};
	struct layer_stream *s = NULL;
	int r = layer_stream_new(&o, mem_read, &m, &s, e);
	if (r < 0)
		return r;
	static struct tar_entry t;
	while ((r = layer_stream_next(s, &t, e)) > 0)
		;
	if (r == 0) {
		char id[LAYER_DIFF_ID_LEN];
		uint64_t n;
		layer_stream_result(s, id, ret_size, &n);
		assert_int_equal(strlen(id), 71);
	}
	layer_stream_free(s);
	return r;
}

static void
test_stream(void **state)
{
	(void)state;
	static uint8_t buf[64 * 1024];
	struct parse_error e;
	uint64_t size = 0;
	/* A file of 1000 bytes, end marker: ok, size is the whole stream. */
	ustar(buf, "a", 1000, '0');
	memset(buf + 512, 'x', 1000);
	memset(buf + 1536, 0, 1024);
	if (run_stream(buf, 2560, 1 << 20, 10, &e, &size) != 0)
		fail_msg("%s", e.message);
	assert_int_equal(size, 2560);
	/* The same under a 2000-byte cap: the size limit, while reading. */
	assert_int_equal(run_stream(buf, 2560, 2000, 10, &e, &size), -E2BIG);
	assert_non_null(strstr(e.message, "layer larger than the 2000-byte uncompressed limit"));
	/* Padding past the end marker beyond max_trailing (4096 here). */
	memset(buf + 2560, 0, 20000);
	assert_int_equal(run_stream(buf, 22560, 1 << 20, 10, &e, &size), -E2BIG);
	assert_non_null(strstr(e.message, "past the tar end-of-archive marker"));
	/* Three entries under a two-entry cap. */
	for (size_t i = 0; i < 3; i++)
		ustar(buf + (size_t)512 * i, i == 0 ? "a" : i == 1 ? "b" : "c", 0, '0');
	memset(buf + 1536, 0, 1024);
	assert_int_equal(run_stream(buf, 2560, 1 << 20, 2, &e, &size), -E2BIG);
	assert_non_null(strstr(e.message, "more than 2 entries"));
	/* A hostile entry stops the stream with its own message. */
	ustar(buf, "../x", 0, '0');
	assert_int_equal(run_stream(buf, 2560, 1 << 20, 10, &e, &size), -EINVAL);
	assert_non_null(strstr(e.message, "path escapes the layer"));
	/* Not a tar at all. */
	memset(buf, 'A', 4096);
	assert_true(run_stream(buf, 4096, 1 << 20, 10, &e, &size) < 0);
	assert_non_null(strstr(e.message, "not a tar archive"));
}

/* ---- daemon/replies/unpack_reply.c ---- */

/* The usage totals a lying helper could send: each one alone is refused, the edges pass. */
static void
test_reply_usage(Crisp__Helper__UnpackReply *r)
{
	static const struct {
		uint64_t bytes, inodes;
		int ok;
		const char *why;
	} cases[] = {
	    {0, 0, 0, "inode count is 0"},
	    {512, 1, 1, NULL},
	    {0, 1 + 3 * LAYER_MAX_DEPTH, 1, NULL},
	    {0, 2 + 3 * LAYER_MAX_DEPTH, 0, "more inodes than the entries"},
	    {4097, 4, 0, "512-byte blocks"},
	    {100 + 4 * (uint64_t)LAYER_INODE_DISK_SLACK - 100 % 512, 4, 1, NULL},
	    {100 + 4 * (uint64_t)LAYER_INODE_DISK_SLACK + 412, 4, 0, "over what the stream"},
	    {UINT64_MAX - 511, UINT64_MAX, 0, "more inodes"},
	    {UINT64_MAX - 511, 4, 0, "over what the stream"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r->disk_bytes = cases[i].bytes;
		r->inodes = cases[i].inodes;
		struct unpack_reply *out = NULL;
		char err[256] = "";
		int rc = unpack_reply_validate(r, 100, 3, &out, err, sizeof(err));
		if (cases[i].ok != (rc == 0))
			fail_msg("usage case %zu: rc %d (%s)", i, rc, err);
		if (!cases[i].ok && !strstr(err, cases[i].why))
			fail_msg("usage case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].why);
		unpack_reply_free(out);
	}
	r->disk_bytes = 3 * 4096;
	r->inodes = 4;
}

static void
test_reply(void **state)
{
	(void)state;
	static const char *const bad_paths[] = {"",     "/",    "/etc", "..",  "a/..",
						"../a", "a//b", "a/",   "./a", "a/./b"};
	for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++)
		if (unpack_reply_path_ok((const uint8_t *)bad_paths[i], strlen(bad_paths[i])))
			fail_msg("path %s accepted", bad_paths[i]);
	assert_false(unpack_reply_path_ok((const uint8_t *)"a\0b", 3));
	assert_true(unpack_reply_path_ok((const uint8_t *)".", 1));
	assert_true(unpack_reply_path_ok((const uint8_t *)"a/b/.c", 6));

	char id[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static uint8_t d0[] = "opq", d1[] = "../up";
	ProtobufCBinaryData dirs[2] = {{3, d0}, {5, d1}};
	Crisp__Helper__UnpackReply r;
	crisp__helper__unpack_reply__init(&r);
	r.diff_id = id;
	r.uncompressed_size = 100;
	r.entries = 3;
	r.disk_bytes = 3 * 4096;
	r.inodes = 4;
	r.n_opaque_dirs = 1;
	r.opaque_dirs = dirs;
	struct unpack_reply *out = NULL;
	char err[256];
	assert_int_equal(unpack_reply_validate(&r, 100, 3, &out, err, sizeof(err)), 0);
	assert_string_equal(out->opaque_dirs[0], "opq");
	assert_int_equal(out->disk_bytes, 3 * 4096);
	assert_int_equal(out->inodes, 4);
	unpack_reply_free(out);
	assert_int_equal(unpack_reply_validate(&r, 99, 3, &out, err, sizeof(err)), -EPROTO);
	assert_int_equal(unpack_reply_validate(&r, 100, 2, &out, err, sizeof(err)), -EPROTO);
	test_reply_usage(&r);
	r.n_opaque_dirs = 2;
	assert_int_equal(unpack_reply_validate(&r, 100, 3, &out, err, sizeof(err)), -EPROTO);
	r.n_opaque_dirs = 0;
	id[8] = 'A';
	assert_int_equal(unpack_reply_validate(&r, 100, 3, &out, err, sizeof(err)), -EPROTO);
	r.diff_id = NULL;
	assert_int_equal(unpack_reply_validate(&r, 100, 3, &out, err, sizeof(err)), -EPROTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entries), cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_xattrs),  cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_reply),
	};
	return cmocka_run_group_tests_name("tar_entry", tests, NULL, NULL);
}
