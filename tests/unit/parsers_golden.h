/* SPDX-License-Identifier: Apache-2.0 */
/* Golden-file harness shared by the parser unit tests: every file in
 * tests/data/<x>/valid/ must parse and print exactly like <file>.expected, every file in
 * tests/data/<x>/invalid/ must fail exactly like <file>.error (class, errno, path, offset,
 * message). CRISP_UPDATE_GOLDEN=1 rewrites the expectations (review the diff!).
 * runs in: unit tests only. */
#ifndef CRISP_TESTS_PARSERS_GOLDEN_H
#define CRISP_TESTS_PARSERS_GOLDEN_H

/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/parse_error.h"

/* A growing text buffer for dumps. */
struct text {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static inline void
text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	va_start(ap, fmt);
	(void)vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static inline void
text_done(struct text *t)
{
	free(t->s);
	*t = (struct text){0};
}

/* Read a whole file into an exact-size heap buffer. */
static inline uint8_t *
golden_read(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	uint8_t *buf = NULL;
	long n;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*ret_len = (size_t)n;
	}
	(void)fclose(f);
	return buf;
}

/* Compare text with the file at path, or rewrite it under CRISP_UPDATE_GOLDEN=1. */
static inline void
golden_compare(const char *path, const char *text)
{
	size_t len = 0;
	char *want;
	if (getenv("CRISP_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "we");
		assert_non_null(f);
		assert_int_equal(fputs(text, f) >= 0, 1);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = (char *)golden_read(path, &len);
	if (!want)
		fail_msg("missing golden file %s", path);
	want[len] = '\0';
	if (strcmp(want, text) != 0) {
		print_error("golden mismatch for %s\n--- want\n%s--- got\n%s", path, want, text);
		free(want);
		fail();
	}
	free(want);
}

static inline void
golden_error_text(struct text *t, int r, const struct parse_error *e)
{
	char off[32];
	if (e->offset == PARSE_OFFSET_NONE)
		(void)snprintf(off, sizeof(off), "none");
	else
		(void)snprintf(off, sizeof(off), "%llu", (unsigned long long)e->offset);
	text_printf(t, "rc=%d code=%s path=%s offset=%s\nmessage=%s\n", r, parse_code_name(e->code),
		    e->path, off, e->message);
}

static inline int
golden_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static inline int
golden_input_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	if (d->d_name[0] == '.')
		return 0;
	if (n > 9 && strcmp(d->d_name + n - 9, ".expected") == 0)
		return 0;
	if (n > 6 && strcmp(d->d_name + n - 6, ".error") == 0)
		return 0;
	return 1;
}

/* Parse buf (read from the file called name); on success append a dump to out and return >= 0; on
 * failure return < 0 with err filled. */
typedef int (*golden_fn)(const char *name, const uint8_t *buf, size_t len, struct text *out,
			 struct parse_error *err);

/* Run fn over every input of dir; valid says whether they must succeed. Returns the count. */
static inline size_t
golden_run_dir(const char *dir, bool valid, golden_fn fn)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, golden_input_filter, golden_name_cmp);
	if (n <= 0)
		fail_msg("no golden inputs in %s", dir);
	for (int i = 0; i < n; i++) {
		char path[1024], expect[1100];
		struct text out = {0};
		struct parse_error err;
		size_t len = 0;
		uint8_t *buf;
		int r;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		(void)snprintf(expect, sizeof(expect), "%s%s", path,
			       valid ? ".expected" : ".error");
		buf = golden_read(path, &len);
		assert_non_null(buf);
		memset(&err, 0, sizeof(err));
		r = fn(ents[i]->d_name, buf, len, &out, &err);
		if (valid && r < 0)
			fail_msg("%s: unexpected failure %d: %s at %s", path, r, err.message,
				 err.path);
		if (!valid && r >= 0)
			fail_msg("%s: parsed, but must be refused", path);
		if (!valid)
			golden_error_text(&out, r, &err);
		golden_compare(expect, out.s ? out.s : "");
		text_done(&out);
		free(buf);
		free(ents[i]);
	}
	free(ents);
	return (size_t)n;
}

#endif
