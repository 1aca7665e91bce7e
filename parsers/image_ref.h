/* SPDX-License-Identifier: Apache-2.0 */
/* Image references, name[:tag][@digest], parsed and normalised as the distribution
 * reference grammar and Docker do ("busybox" -> "docker.io/library/busybox:latest").
 * runs in: daemon/privileged. This is the one parser the daemon links (STYLE.md: it parses
 * kubelet's own input, never registry bytes); it is pure, header-only in its base
 * dependencies, and fuzzed like the others. */
#ifndef CRISP_PARSERS_IMAGE_REF_H
#define CRISP_PARSERS_IMAGE_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"

struct image_ref {
	char *domain; /* "docker.io", "registry.example:5000", "[::1]:5000", "localhost" */
	char *path;   /* repository path below the domain: "library/busybox" */
	char *name;   /* domain "/" path: "docker.io/library/busybox" */
	char *tag;    /* NULL if none (and none defaulted) */
	char *digest; /* NULL if none; "sha256:<64 hex>" or "sha512:<128 hex>" */
	char *string; /* the normalised reference: name[:tag][@digest] */
};

struct image_ref_opts {
	/* Do not add ":latest" to a reference with neither tag nor digest. */
	bool no_default_tag;
};

/* Parse a reference of len bytes (<= IMAGE_REF_MAX_LEN, printable ASCII). The name is
 * split into domain and path as Docker does (the first component is a domain if it has a
 * '.' or ':', is "localhost", or has uppercase letters; otherwise the domain is docker.io
 * and single-component paths get "library/"); index.docker.io becomes docker.io. The path
 * must be lowercase, the name at most IMAGE_REF_MAX_NAME_LEN bytes after normalisation, the
 * tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, the digest sha256/sha512 in lowercase hex. A bare
 * 64-hex string is refused (it is an image ID, not a name). opts may be NULL. On success
 * *ret owns the result (image_ref_free); on failure returns -EINVAL, -E2BIG or -ENOMEM and
 * fills *reterr (offset = the offending byte) if not NULL. */
int image_ref_parse(const uint8_t *buf, size_t len, const struct image_ref_opts *opts,
		    struct image_ref **ret, struct parse_error *reterr);

/* Release r. Accepts NULL; returns NULL. */
struct image_ref *image_ref_free(struct image_ref *r);

#endif
