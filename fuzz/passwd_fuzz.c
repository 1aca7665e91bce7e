/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/passwd.c. Input: "<spec>\0<passwd>\0<group>" (without the
 * NULs, the whole input is both files and the spec is "root"); parses both files, resolves
 * the spec, and checks that no failure path yields an identity.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/limits.h"
#include "parsers/passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pieces {
	const uint8_t *spec, *pw, *gr;
	size_t spec_len, pw_len, gr_len;
};

static void
split(const uint8_t *data, size_t size, struct pieces *p)
{
	const uint8_t *a = size ? memchr(data, '\0', size) : NULL;
	const uint8_t *b = a ? memchr(a + 1, '\0', size - (size_t)(a + 1 - data)) : NULL;
	if (!a || !b) {
		*p = (struct pieces){(const uint8_t *)"root", data, data, 4, size, size};
		return;
	}
	p->spec = data;
	p->spec_len = (size_t)(a - data);
	p->pw = a + 1;
	p->pw_len = (size_t)(b - a - 1);
	p->gr = b + 1;
	p->gr_len = size - (size_t)(b + 1 - data);
}

static void
resolve(const struct pieces *p, const struct passwd_file *pw, const struct group_file *gr)
{
	struct passwd_user *u = NULL;
	struct parse_error err;
	int r;
	fuzz_poison_error(&err);
	r = passwd_resolve((const char *)p->spec, p->spec_len, pw, gr, &u, &err);
	if (r < 0) {
		fuzz_check_error(r, &err);
		FUZZ_ASSERT(u == NULL);
		return;
	}
	FUZZ_ASSERT(u->uid <= PASSWD_MAX_ID && u->gid <= PASSWD_MAX_ID && u->home);
	for (size_t i = 1; i < u->n_sgids; i++)
		FUZZ_ASSERT(u->sgids[i - 1] < u->sgids[i]);
	u = passwd_user_free(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passwd_opts lenient = {.skip_malformed = true};
	const struct passwd_opts *opts = (size & 1) ? &lenient : NULL;
	struct passwd_file *pw = NULL;
	struct group_file *gr = NULL;
	struct parse_error err;
	struct pieces p;
	int r;

	split(data, size, &p);
	fuzz_poison_error(&err);
	r = passwd_parse(p.pw, p.pw_len, opts, &pw, &err);
	if (r < 0)
		fuzz_check_error(r, &err);
	fuzz_poison_error(&err);
	r = passwd_group_parse(p.gr, p.gr_len, opts, &gr, &err);
	if (r < 0)
		fuzz_check_error(r, &err);
	else
		FUZZ_ASSERT(gr->n <= PASSWD_MAX_ENTRIES);
	resolve(&p, pw, gr);
	pw = passwd_free(pw);
	gr = passwd_group_free(gr);
	return 0;
}
