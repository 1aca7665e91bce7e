/* SPDX-License-Identifier: Apache-2.0 */
/* Platform names (os, architecture, variant): the usual normalisations (x86_64 -> amd64,
 * aarch64 -> arm64 without v8, arm -> arm/v7, ...) and variant-aware matching.
 * runs in: helper/untrusted and tests (pure, no allocation). */
#ifndef CRISP_PARSERS_PLATFORM_H
#define CRISP_PARSERS_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "parsers/base/limits.h"

/* A normalised platform, in fixed buffers (inputs longer than PLATFORM_MAX_FIELD_LEN are
 * refused by the parsers before they get here; here they are truncated). */
struct platform_name {
	char os[PLATFORM_MAX_FIELD_LEN + 1];
	char arch[PLATFORM_MAX_FIELD_LEN + 1];
	char variant[PLATFORM_MAX_FIELD_LEN + 1];
};

/* Normalise as containerd does: os and arch lowercased, "macos" -> "darwin", x86_64 and
 * x86-64 -> amd64 (v1 dropped), i386/i686 -> 386, aarch64 -> arm64 (8, v8 and v8.0
 * dropped), armhf -> arm/v7, armel -> arm/v6, arm with no variant -> v7, bare digits "7" ->
 * "v7". Any of the inputs may be NULL (taken as ""). */
void platform_normalize(const char *os, const char *arch, const char *variant,
			struct platform_name *ret);

/* How well an image platform `have` serves a wanted one (both normalised): -1 if it
 * cannot run, otherwise a score where higher is better. An exact variant wins; arm vN also
 * runs v(N-1)..v5 and amd64 vN runs v(N-1)..v1, the nearer the better; a wanted empty
 * variant (other arches) accepts any variant, an empty one best. */
int platform_match(const struct platform_name *want, const struct platform_name *have);

#endif
