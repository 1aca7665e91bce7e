/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/platform.c: the input is split at NUL bytes into two
 * (os, arch, variant) triples; both are normalised and matched both ways. Checks that the
 * results are NUL-terminated, bounded and that a platform always matches itself.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct platform_name *p)
{
	FUZZ_ASSERT(memchr(p->os, '\0', sizeof(p->os)));
	FUZZ_ASSERT(memchr(p->arch, '\0', sizeof(p->arch)));
	FUZZ_ASSERT(memchr(p->variant, '\0', sizeof(p->variant)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[1024];
	const char *f[6] = {"", "", "", "", "", ""};
	if (size >= sizeof(buf))
		size = sizeof(buf) - 1;
	memcpy(buf, data, size);
	buf[size] = '\0';
	size_t k = 0;
	f[k++] = buf;
	for (size_t i = 0; i < size && k < 6; i++)
		if (buf[i] == '\0')
			f[k++] = buf + i + 1;
	struct platform_name a, b;
	platform_normalize(f[0], f[1], f[2], &a);
	platform_normalize(f[3], f[4], f[5], &b);
	check(&a);
	check(&b);
	(void)platform_match(&a, &b);
	(void)platform_match(&b, &a);
	if (a.os[0] && a.arch[0])
		FUZZ_ASSERT(platform_match(&a, &a) >= 0);
	return 0;
}
