/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/www_auth.c: parse a WWW-Authenticate value, check that the
 * result's strings are terminated printable ASCII and a Bearer challenge has a realm.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/www_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s, size_t cap)
{
	FUZZ_ASSERT(memchr(s, '\0', cap) != NULL);
	for (; *s; s++)
		FUZZ_ASSERT(*s >= 0x20 && *s < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct www_auth wa;
	struct parse_error e;
	fuzz_poison_error(&e);
	int r = www_auth_parse(data, size, &wa, &e);
	if (r < 0) {
		fuzz_check_error(r, &e);
		return 0;
	}
	FUZZ_ASSERT(wa.scheme < WWW_AUTH_SCHEME_COUNT);
	check_str(wa.realm, sizeof(wa.realm));
	check_str(wa.service, sizeof(wa.service));
	check_str(wa.scope, sizeof(wa.scope));
	check_str(wa.error, sizeof(wa.error));
	if (wa.scheme == WWW_AUTH_BEARER)
		FUZZ_ASSERT(wa.realm[0] && !strchr(wa.realm, ' '));
	return 0;
}
