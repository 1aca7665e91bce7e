/* SPDX-License-Identifier: Apache-2.0 */
/* Platform normalisation and matching (see platform.h).
 * runs in: helper/untrusted and tests (pure, no allocation). */
#include "parsers/platform.h"

#include <string.h>

#include "parsers/base/str.h"

static void
lower_copy(char *dst, const char *src)
{
	size_t i = 0;
	for (; src && src[i] && i < PLATFORM_MAX_FIELD_LEN; i++) {
		char c = src[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		dst[i] = c;
	}
	dst[i] = '\0';
}

static void
set(char *dst, const char *src)
{
	(void)str_copy(dst, PLATFORM_MAX_FIELD_LEN + 1, src);
}

/* "7" -> "v7" for the one-digit arm levels. */
static void
arm_variant(char *v)
{
	if (v[0] == '\0' || strcmp(v, "7") == 0)
		set(v, "v7");
	else if (v[1] == '\0' && v[0] >= '5' && v[0] <= '8') {
		v[1] = v[0];
		v[0] = 'v';
		v[2] = '\0';
	}
}

void
platform_normalize(const char *os, const char *arch, const char *variant, struct platform_name *ret)
{
	lower_copy(ret->os, os);
	lower_copy(ret->arch, arch);
	set(ret->variant, variant ? variant : "");
	if (strcmp(ret->os, "macos") == 0)
		set(ret->os, "darwin");
	if (!strcmp(ret->arch, "x86_64") || !strcmp(ret->arch, "x86-64") ||
	    !strcmp(ret->arch, "amd64")) {
		set(ret->arch, "amd64");
		if (strcmp(ret->variant, "v1") == 0)
			ret->variant[0] = '\0';
	} else if (!strcmp(ret->arch, "i386") || !strcmp(ret->arch, "i686")) {
		set(ret->arch, "386");
	} else if (!strcmp(ret->arch, "aarch64") || !strcmp(ret->arch, "arm64")) {
		set(ret->arch, "arm64");
		if (!strcmp(ret->variant, "8") || !strcmp(ret->variant, "v8") ||
		    !strcmp(ret->variant, "v8.0"))
			ret->variant[0] = '\0';
	} else if (!strcmp(ret->arch, "armhf")) {
		set(ret->arch, "arm");
		set(ret->variant, "v7");
	} else if (!strcmp(ret->arch, "armel")) {
		set(ret->arch, "arm");
		set(ret->variant, "v6");
	} else if (!strcmp(ret->arch, "arm")) {
		arm_variant(ret->variant);
	}
}

/* The level of "vN" (one digit), 0 for "", -1 for anything else. */
static int
level(const char *v)
{
	if (v[0] == '\0')
		return 0;
	if (v[0] == 'v' && char_is_digit(v[1]) && v[2] == '\0')
		return v[1] - '0';
	return -1;
}

int
platform_match(const struct platform_name *want, const struct platform_name *have)
{
	int w, h;
	if (strcmp(want->os, have->os) != 0 || strcmp(want->arch, have->arch) != 0)
		return -1;
	if (strcmp(want->variant, have->variant) == 0)
		return 1000;
	w = level(want->variant);
	h = level(have->variant);
	if (!strcmp(want->arch, "arm") && w >= 5 && h >= 5 && h < w)
		return 1000 - (w - h);
	if (!strcmp(want->arch, "amd64") && w >= 0 && h >= 0) {
		/* "" is v1 for amd64. */
		w = w ? w : 1;
		h = h ? h : 1;
		return h <= w ? 1000 - (w - h) : -1;
	}
	if (want->variant[0] == '\0' && strcmp(want->arch, "arm") != 0)
		return 500;
	return -1;
}
