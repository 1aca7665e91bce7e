/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/registry_error.c: parse a registry error body, check code and
 * message are terminated, bounded and printable.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/registry_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry_error re;
	struct parse_error e;
	fuzz_poison_error(&e);
	int r = registry_error_parse(data, size, &re, &e);
	if (r < 0) {
		fuzz_check_error(r, &e);
		return 0;
	}
	FUZZ_ASSERT(re.n_errors <= REGISTRY_ERROR_MAX_ERRORS);
	FUZZ_ASSERT(memchr(re.code, '\0', sizeof(re.code)) &&
		    memchr(re.message, '\0', sizeof(re.message)));
	for (const char *p = re.code; *p; p++)
		FUZZ_ASSERT((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_');
	for (const char *p = re.message; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
	return 0;
}
