/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for parsers/manifest.c: golden files under tests/data/manifest/, generated
 * over-limit documents, Content-Type handling, platform normalisation and selection.
 * runs in: unit tests only. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/manifest.h"
#include "parsers/platform.h"
#include "tests/unit/parsers_golden.h"

#define DATA     "tests/data/manifest"
#define DIGEST_A "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"
#define OCI_MAN  "application/vnd.oci.image.manifest.v1+json"
#define OCI_IDX  "application/vnd.oci.image.index.v1+json"
#define OCI_CFG  "application/vnd.oci.image.config.v1+json"
#define OCI_GZ   "application/vnd.oci.image.layer.v1.tar+gzip"

static const char *
s_or_null(const char *s)
{
	return s ? s : "(null)";
}

static void
dump_descriptor(struct text *t, const char *indent, const struct descriptor *d)
{
	text_printf(t, "%smediaType=%s (%d)\n%sdigest=%s\n%ssize=%llu\n", indent, d->media_type_str,
		    (int)d->media_type, indent, d->digest, indent, (unsigned long long)d->size);
	if (d->artifact_type)
		text_printf(t, "%sartifactType=%s\n", indent, d->artifact_type);
	for (size_t i = 0; i < d->urls.n; i++)
		text_printf(t, "%surl=%s\n", indent, d->urls.v[i]);
	for (size_t i = 0; i < d->annotations.n; i++)
		text_printf(t, "%sannotation %s=%s\n", indent, d->annotations.v[i].key,
			    d->annotations.v[i].value);
	if (d->platform)
		text_printf(t, "%splatform=%s/%s/%s os.version=%s features=%zu\n", indent,
			    d->platform->os, d->platform->architecture,
			    s_or_null(d->platform->variant), s_or_null(d->platform->os_version),
			    d->platform->features.n + d->platform->os_features.n);
}

static void
dump_manifest(struct text *t, const struct manifest *m)
{
	text_printf(t, "kind=%s\ndocument mediaType=%s\n", manifest_media_type_name(m->media_type),
		    s_or_null(m->media_type_str));
	if (m->artifact_type)
		text_printf(t, "artifactType=%s\n", m->artifact_type);
	for (size_t i = 0; i < m->annotations.n; i++)
		text_printf(t, "annotation %s=%s\n", m->annotations.v[i].key,
			    m->annotations.v[i].value);
	if (m->config.digest) {
		text_printf(t, "config:\n");
		dump_descriptor(t, "  ", &m->config);
	}
	for (size_t i = 0; i < m->n_layers; i++) {
		text_printf(t, "layer %zu:\n", i);
		dump_descriptor(t, "  ", &m->layers[i]);
	}
	for (size_t i = 0; i < m->n_manifests; i++) {
		text_printf(t, "manifest %zu:\n", i);
		dump_descriptor(t, "  ", &m->manifests[i]);
	}
	if (m->subject) {
		text_printf(t, "subject:\n");
		dump_descriptor(t, "  ", m->subject);
	}
}

static int
run_manifest(const char *name, const uint8_t *buf, size_t len, struct text *out,
	     struct parse_error *err)
{
	(void)name;
	struct manifest *m = NULL;
	int r = manifest_parse(buf, len, NULL, &m, err);
	if (r < 0)
		return r;
	dump_manifest(out, m);
	(void)manifest_free(m);
	return 0;
}

static void
test_golden_valid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/valid", true, run_manifest) >= 9);
}

static void
test_golden_invalid(void **state)
{
	(void)state;
	assert_true(golden_run_dir(DATA "/invalid", false, run_manifest) >= 50);
}

/* ---- generated documents ------------------------------------------------------------------ */

/* An OCI manifest with n identical layers, or an index with n entries. */
static char *
gen_doc(size_t n, bool index)
{
	struct text t = {0};
	text_printf(&t, "{\"schemaVersion\":2,\"mediaType\":\"%s\",", index ? OCI_IDX : OCI_MAN);
	if (!index)
		text_printf(&t, "\"config\":{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":1},",
			    OCI_CFG, DIGEST_A);
	text_printf(&t, "\"%s\":[", index ? "manifests" : "layers");
	for (size_t i = 0; i < n; i++)
		text_printf(&t, "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}",
			    i ? "," : "", index ? OCI_MAN : OCI_GZ, DIGEST_A, i);
	text_printf(&t, "]}");
	return t.s;
}

struct gen_case {
	const char *name;
	size_t n;
	bool index;
	int want;
	enum parse_code code;
	const char *path;
};

static void
test_generated_counts(void **state)
{
	static const struct gen_case cases[] = {
	    {"layers at limit", MANIFEST_MAX_LAYERS, false, 0, PARSE_OK, ""},
	    {"layers over limit", MANIFEST_MAX_LAYERS + 1, false, -E2BIG, PARSE_ERR_LIMIT,
	     "$.layers"},
	    {"100000 layers", 100000, false, -E2BIG, PARSE_ERR_LIMIT, ""},
	    {"manifests at limit", MANIFEST_MAX_MANIFESTS, true, 0, PARSE_OK, ""},
	    {"manifests over limit", MANIFEST_MAX_MANIFESTS + 1, true, -E2BIG, PARSE_ERR_LIMIT,
	     "$.manifests"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gen_case *c = &cases[i];
		char *doc = gen_doc(c->n, c->index);
		struct manifest *m = NULL;
		struct parse_error err = {0};
		int r = manifest_parse((const uint8_t *)doc, strlen(doc), NULL, &m, &err);
		print_message("case %s: r=%d %s %s\n", c->name, r, err.path, err.message);
		assert_int_equal(r, c->want);
		if (r == 0) {
			assert_int_equal(c->index ? m->n_manifests : m->n_layers, c->n);
		} else {
			assert_int_equal(err.code, c->code);
			assert_string_equal(err.path, c->path);
			assert_null(m);
		}
		(void)manifest_free(m);
		free(doc);
	}
}

/* Documents built around one long or deep value. */
static char *
gen_padded(const char *prefix, char fill, size_t n, const char *suffix)
{
	size_t a = strlen(prefix), b = strlen(suffix);
	char *s = malloc(a + n + b + 1);
	assert_non_null(s);
	memcpy(s, prefix, a); /* NOLINT(bugprone-not-null-terminated-result): terminated below */
	memset(s + a, fill, n);
	memcpy(s + a + n, suffix, b + 1);
	return s;
}

static void
test_generated_limits(void **state)
{
	struct {
		const char *name;
		char *doc;
		enum parse_code code;
	} cases[] = {
	    {"document over 4 MiB",
	     gen_padded("{\"schemaVersion\":2,\"x\":\"", 'a', MANIFEST_MAX_SIZE, "\"}"),
	     PARSE_ERR_LIMIT},
	    {"annotation value over 64 KiB",
	     gen_padded("{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{\"k\":\"", 'a',
			ANNOTATION_MAX_VALUE_LEN + 1, "\"}}"),
	     PARSE_ERR_LIMIT},
	    {"annotation key over limit",
	     gen_padded("{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{\"", 'k',
			JSON_MAX_KEY_LEN + 1, "\":\"v\"}}"),
	     PARSE_ERR_LIMIT},
	    {"array of 20000 items", gen_padded("{\"schemaVersion\":2,\"x\":[0", 0, 0, "]}"),
	     PARSE_ERR_LIMIT},
	    {"depth 33", gen_padded("{\"x\":", '[', JSON_MAX_DEPTH, "]"), PARSE_ERR_LIMIT},
	};

	(void)state;
	/* 20000 items: rebuild that case's document. */
	free(cases[3].doc);
	{
		struct text t = {0};
		text_printf(&t, "{\"schemaVersion\":2,\"x\":[0");
		for (int i = 0; i < 20000; i++)
			text_printf(&t, ",0");
		text_printf(&t, "]}");
		cases[3].doc = t.s;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct manifest *m = NULL;
		struct parse_error err = {0};
		int r = manifest_parse((const uint8_t *)cases[i].doc, strlen(cases[i].doc), NULL,
				       &m, &err);
		print_message("case %s: r=%d %s %s\n", cases[i].name, r, err.path, err.message);
		assert_int_equal(r, -E2BIG);
		assert_int_equal(err.code, cases[i].code);
		assert_null(m);
		free(cases[i].doc);
	}
}

/* Depth exactly at the limit is accepted (the unknown field is ignored). */
static void
test_depth_boundary(void **state)
{
	struct text t = {0};
	struct manifest *m = NULL;
	struct parse_error err = {0};
	(void)state;
	text_printf(&t, "{\"schemaVersion\":2,\"manifests\":[],\"x\":");
	for (unsigned i = 0; i < JSON_MAX_DEPTH - 1; i++)
		text_printf(&t, "[");
	for (unsigned i = 0; i < JSON_MAX_DEPTH - 1; i++)
		text_printf(&t, "]");
	text_printf(&t, "}");
	assert_int_equal(manifest_parse((const uint8_t *)t.s, t.len, NULL, &m, &err), 0);
	(void)manifest_free(m);
	text_done(&t);
}

/* ---- Content-Type ---------------------------------------------------------------------- */

static void
test_content_type(void **state)
{
	static const char no_mt[] = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" OCI_CFG
				    "\",\"digest\":\"" DIGEST_A "\",\"size\":1},\"layers\":[]}";
	static const char with_mt[] = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MAN
				      "\",\"config\":{\"mediaType\":\"" OCI_CFG
				      "\",\"digest\":\"" DIGEST_A "\",\"size\":1},\"layers\":[]}";

	static const struct {
		const char *doc, *ct;
		int want;
		enum media_type kind;
	} cases[] = {
	    {no_mt, NULL, 0, MEDIA_TYPE_OCI_MANIFEST},
	    {no_mt, "application/vnd.docker.distribution.manifest.v2+json", 0,
	     MEDIA_TYPE_DOCKER_MANIFEST},
	    {no_mt, "application/json", 0, MEDIA_TYPE_OCI_MANIFEST},
	    {no_mt, OCI_IDX, -EINVAL, MEDIA_TYPE_COUNT},
	    {no_mt, "application/vnd.docker.distribution.manifest.v1+prettyjws", -EOPNOTSUPP,
	     MEDIA_TYPE_COUNT},
	    {with_mt, OCI_MAN, 0, MEDIA_TYPE_OCI_MANIFEST},
	    {with_mt, "application/vnd.docker.distribution.manifest.v2+json", -EINVAL,
	     MEDIA_TYPE_COUNT},
	    {with_mt, "text/html", 0, MEDIA_TYPE_OCI_MANIFEST},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct manifest_opts opts = {.content_type = cases[i].ct};
		struct manifest *m = NULL;
		struct parse_error err = {0};
		int r = manifest_parse((const uint8_t *)cases[i].doc, strlen(cases[i].doc), &opts,
				       &m, &err);
		print_message("case %zu: r=%d %s\n", i, r, err.message);
		assert_int_equal(r, cases[i].want);
		if (r == 0)
			assert_int_equal(m->media_type, cases[i].kind);
		(void)manifest_free(m);
	}
}

/* ---- platform selection ----------------------------------------------------------------- */

static struct manifest *
load(const char *name)
{
	char path[256];
	size_t len = 0;
	uint8_t *buf;
	struct manifest *m = NULL;
	(void)snprintf(path, sizeof(path), DATA "/valid/%s", name);
	buf = golden_read(path, &len);
	assert_non_null(buf);
	assert_int_equal(manifest_parse(buf, len, NULL, &m, NULL), 0);
	free(buf);
	return m;
}

static void
test_select(void **state)
{
	static const struct {
		const char *file, *os, *arch, *variant;
		int want;
		size_t index;
	} cases[] = {
	    /* oci_index_multiarch: amd64, arm v5, v6, v7, arm64 v8, 386, ppc64le,
	     * riscv64, s390x, unknown/unknown attestation. */
	    {"oci_index_multiarch.json", "linux", "amd64", NULL, 0, 0},
	    {"oci_index_multiarch.json", "linux", "x86_64", "", 0, 0},
	    {"oci_index_multiarch.json", "linux", "arm", NULL, 0, 3},
	    {"oci_index_multiarch.json", "linux", "arm", "v6", 0, 2},
	    {"oci_index_multiarch.json", "linux", "arm", "5", 0, 1},
	    {"oci_index_multiarch.json", "linux", "arm", "v8", 0, 3},
	    {"oci_index_multiarch.json", "linux", "aarch64", NULL, 0, 4},
	    {"oci_index_multiarch.json", "linux", "arm64", "v8", 0, 4},
	    {"oci_index_multiarch.json", "linux", "i686", NULL, 0, 5},
	    {"oci_index_multiarch.json", "linux", "amd64", "v3", 0, 0},
	    {"oci_index_multiarch.json", "linux", "mips64le", NULL, -ENOENT, 0},
	    {"oci_index_multiarch.json", "windows", "amd64", NULL, -ENOENT, 0},
	    {"oci_index_multiarch.json", "unknown", "unknown", NULL, 0, 9},
	    /* docker_manifest_list: amd64, arm v7, arm64 v8, windows amd64 */
	    {"docker_manifest_list.json", "linux", "arm", "v6", -ENOENT, 0},
	    {"docker_manifest_list.json", "windows", "amd64", NULL, 0, 3},
	    {"docker_manifest_list.json", "linux", "arm64", NULL, 0, 2},
	    /* oci_index_no_media_type: x86_64/Linux, aarch64 8, armhf */
	    {"oci_index_no_media_type.json", "linux", "amd64", NULL, 0, 0},
	    {"oci_index_no_media_type.json", "LINUX", "arm64", NULL, 0, 1},
	    {"oci_index_no_media_type.json", "linux", "arm", "v7", 0, 2},
	    /* not an index */
	    {"oci_manifest.json", "linux", "amd64", NULL, -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct manifest *m = load(cases[i].file);
		size_t idx = 999;
		int r = manifest_select(m, cases[i].os, cases[i].arch, cases[i].variant, &idx);
		print_message("case %zu: %s %s/%s/%s -> %d %zu\n", i, cases[i].file, cases[i].os,
			      cases[i].arch, s_or_null(cases[i].variant), r, idx);
		assert_int_equal(r, cases[i].want);
		if (r == 0)
			assert_int_equal(idx, cases[i].index);
		(void)manifest_free(m);
	}
}

static void
test_platform_normalize(void **state)
{
	static const struct {
		const char *os, *arch, *variant, *want_os, *want_arch, *want_variant;
	} cases[] = {
	    {"linux", "x86_64", NULL, "linux", "amd64", ""},
	    {"Linux", "X86-64", "v1", "linux", "amd64", ""},
	    {"linux", "amd64", "v3", "linux", "amd64", "v3"},
	    {"linux", "aarch64", NULL, "linux", "arm64", ""},
	    {"linux", "arm64", "v8", "linux", "arm64", ""},
	    {"linux", "arm64", "8", "linux", "arm64", ""},
	    {"linux", "arm64", "v8.0", "linux", "arm64", ""},
	    {"linux", "arm64", "v9", "linux", "arm64", "v9"},
	    {"linux", "arm", NULL, "linux", "arm", "v7"},
	    {"linux", "arm", "7", "linux", "arm", "v7"},
	    {"linux", "arm", "6", "linux", "arm", "v6"},
	    {"linux", "armhf", NULL, "linux", "arm", "v7"},
	    {"linux", "armel", NULL, "linux", "arm", "v6"},
	    {"linux", "i386", NULL, "linux", "386", ""},
	    {"macos", "arm64", NULL, "darwin", "arm64", ""},
	    {NULL, NULL, NULL, "", "", ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct platform_name n;
		platform_normalize(cases[i].os, cases[i].arch, cases[i].variant, &n);
		assert_string_equal(n.os, cases[i].want_os);
		assert_string_equal(n.arch, cases[i].want_arch);
		assert_string_equal(n.variant, cases[i].want_variant);
	}
}

static void
test_media_types(void **state)
{
	enum layer_compression c = LAYER_COMPRESSION_COUNT;
	(void)state;
	for (int t = 0; t < MEDIA_TYPE_OTHER; t++)
		assert_int_equal(manifest_media_type_from(manifest_media_type_name(t)), t);
	assert_int_equal(manifest_media_type_from("application/json"), MEDIA_TYPE_OTHER);
	assert_true(manifest_media_type_is_layer(MEDIA_TYPE_OCI_LAYER_ZSTD, &c));
	assert_int_equal(c, LAYER_COMPRESSION_ZSTD);
	assert_true(manifest_media_type_is_layer(MEDIA_TYPE_DOCKER_LAYER_GZIP, &c));
	assert_int_equal(c, LAYER_COMPRESSION_GZIP);
	assert_true(manifest_media_type_is_layer(MEDIA_TYPE_OCI_LAYER, &c));
	assert_int_equal(c, LAYER_COMPRESSION_NONE);
	assert_false(manifest_media_type_is_layer(MEDIA_TYPE_OCI_CONFIG, NULL));
	assert_false(manifest_media_type_is_manifest(MEDIA_TYPE_DOCKER_SCHEMA1));
	assert_null(manifest_free(NULL));
}

/* A failed parse leaves *ret and a NULL reterr alone. */
static void
test_ret_untouched(void **state)
{
	struct manifest *m = (struct manifest *)(uintptr_t)0x1;
	(void)state;
	assert_int_equal(manifest_parse((const uint8_t *)"{", 1, NULL, &m, NULL), -EINVAL);
	assert_ptr_equal(m, (struct manifest *)(uintptr_t)0x1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_valid),     cmocka_unit_test(test_golden_invalid),
	    cmocka_unit_test(test_generated_counts), cmocka_unit_test(test_generated_limits),
	    cmocka_unit_test(test_depth_boundary),   cmocka_unit_test(test_content_type),
	    cmocka_unit_test(test_select),           cmocka_unit_test(test_platform_normalize),
	    cmocka_unit_test(test_media_types),      cmocka_unit_test(test_ret_untouched),
	};
	return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
