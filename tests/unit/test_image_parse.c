/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/helpers/image_calls.c and its pure reply validators: hostile replies from a
 * compromised helper (bad digests, huge sizes, control bytes in env names, relative paths,
 * out-of-range ids, unknown enum values, too many items), img_manifest_select, and the real
 * crisp-helper-manifest/-config/-passwd under their real filters on documents in tests/data/.
 * runs in: test (spawns the helpers built into the same build directory). */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/helpers/helper_ctx.h"
#include "daemon/helpers/image_calls.h"
#include "daemon/replies/image_config_reply.h"
#include "daemon/replies/manifest_reply.h"
#include "daemon/replies/passwd_reply.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

typedef Crisp__Helper__ManifestReply MReply;
typedef Crisp__Helper__ManifestReply__Descriptor Desc;
typedef Crisp__Helper__ManifestReply__Platform Plat;
typedef Crisp__Helper__ConfigReply CReply;
typedef Crisp__Helper__ConfigReply__Label Label;
typedef Crisp__Helper__PasswdReply PReply;

#define D1          "sha256:592a2766096e42ae81cd8d60f11964c9999e9eaa5169e1fcc5a06739c1f734b9"
#define D2          "sha256:7847f96e41f45d4839f71a36c817d38e01f1d37992663f681d009bc54e9cb8dc"
#define MT_INDEX    "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_D2       "application/vnd.docker.distribution.manifest.v2+json"
#define MT_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MT_GZ       "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_ZSTD     "application/vnd.oci.image.layer.v1.tar+zstd"
#define GZIP        CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_GZIP
#define ZSTD        CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_ZSTD

static char helper_dir[PATH_MAX];

/* A string of n copies of c (static storage, reused: one at a time). */
static char *
repeat(char c, size_t n)
{
	static char *buf;
	free(buf);
	buf = malloc(n + 1);
	assert_non_null(buf);
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* ---- manifest replies ------------------------------------------------------------------------ */

#define MFIX_MAX 1100u

/* A valid reply with all its storage; mutators make it hostile. */
struct mfix {
	MReply m;
	Desc config, d[MFIX_MAX], *dp[MFIX_MAX];
	Plat p[MFIX_MAX];
	const char *content_type;
};

static void
mfix_desc(Desc *d, const char *mt, const char *digest, uint64_t size)
{
	crisp__helper__manifest_reply__descriptor__init(d);
	d->media_type = UNCONST(mt);
	d->digest = UNCONST(digest);
	d->size = size;
}

static void
mfix_manifest(struct mfix *f)
{
	memset(f, 0, sizeof(*f));
	crisp__helper__manifest_reply__init(&f->m);
	f->m.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_MANIFEST;
	f->m.media_type = UNCONST(MT_MANIFEST);
	mfix_desc(&f->config, MT_CONFIG, D1, 1470);
	f->m.config = &f->config;
	for (size_t i = 0; i < MFIX_MAX; i++) {
		mfix_desc(&f->d[i], MT_GZ, D2, 1000 + i);
		f->d[i].compression = GZIP;
		f->dp[i] = &f->d[i];
	}
	f->m.layers = f->dp;
	f->m.n_layers = 2;
}

static void
mfix_index(struct mfix *f)
{
	mfix_manifest(f);
	f->m.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_INDEX;
	f->m.media_type = UNCONST(MT_INDEX);
	f->m.config = NULL;
	f->m.n_layers = 0;
	f->m.layers = NULL;
	for (size_t i = 0; i < MFIX_MAX; i++) {
		mfix_desc(&f->d[i], MT_MANIFEST, D1, 600);
		crisp__helper__manifest_reply__platform__init(&f->p[i]);
		f->p[i].os = UNCONST("linux");
		f->p[i].architecture = UNCONST("amd64");
		f->p[i].variant = UNCONST("");
		f->d[i].platform = &f->p[i];
	}
	f->m.manifests = f->dp;
	f->m.n_manifests = 2;
}

struct mcase {
	const char *name;
	bool index;
	void (*mutate)(struct mfix *f);
};

/* clang-format off */
static void m_digest_upper(struct mfix *f) { f->d[1].digest = UNCONST("sha256:592A2766096e42ae81cd8d60f11964c9999e9eaa5169e1fcc5a06739c1f734b9"); }
static void m_digest_short(struct mfix *f) { f->d[0].digest = UNCONST("sha256:592a2766"); }
static void m_digest_sha512_64(struct mfix *f) { f->d[0].digest = UNCONST("sha512:592a2766096e42ae81cd8d60f11964c9999e9eaa5169e1fcc5a06739c1f734b9"); }
static void m_digest_sha1(struct mfix *f) { f->config.digest = UNCONST("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"); }
static void m_digest_newline(struct mfix *f) { f->config.digest = UNCONST(D1 "\n"); }
static void m_digest_traversal(struct mfix *f) { f->d[0].digest = UNCONST("sha256:../../../../etc/shadow"); }
static void m_digest_huge(struct mfix *f) { f->d[0].digest = repeat('a', 1 << 20); }
static void m_size_2_53(struct mfix *f) { f->d[0].size = (1ull << 53) + 1; }
static void m_size_max(struct mfix *f) { f->config.size = UINT64_MAX; }
static void m_mt_params(struct mfix *f) { f->config.media_type = UNCONST("application/vnd.oci.image.config.v1+json; charset=utf-8"); }
static void m_mt_empty(struct mfix *f) { f->d[1].media_type = UNCONST(""); }
static void m_mt_long(struct mfix *f) { f->d[1].media_type = repeat('a', 300); }
static void m_comp_unknown(struct mfix *f) { f->d[0].compression = (Crisp__Helper__ManifestReply__Compression)7; }
static void m_comp_negative(struct mfix *f) { f->d[0].compression = (Crisp__Helper__ManifestReply__Compression)-1; }
static void m_comp_mismatch(struct mfix *f) { f->d[0].compression = ZSTD; }
static void m_layer_not_layer(struct mfix *f) { f->d[0].media_type = UNCONST(MT_CONFIG); f->d[0].compression = 0; }
static void m_layer_platform(struct mfix *f) { f->p[0].os = UNCONST("linux"); f->p[0].architecture = UNCONST("amd64"); f->p[0].variant = UNCONST(""); f->d[0].platform = &f->p[0]; }
static void m_config_missing(struct mfix *f) { f->m.config = NULL; }
static void m_config_helm(struct mfix *f) { f->config.media_type = UNCONST("application/vnd.cncf.helm.config.v1+json"); }
static void m_config_comp(struct mfix *f) { f->config.compression = GZIP; }
static void m_kind_0(struct mfix *f) { f->m.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_UNSPECIFIED; }
static void m_kind_99(struct mfix *f) { f->m.kind = (Crisp__Helper__ManifestReply__Kind)99; }
static void m_kind_mismatch(struct mfix *f) { f->m.media_type = UNCONST(MT_INDEX); }
static void m_content_type(struct mfix *f) { f->content_type = MT_D2; }
static void m_too_many_layers(struct mfix *f) { f->m.n_layers = MANIFEST_MAX_LAYERS + 1; }
static void m_manifests_in_manifest(struct mfix *f) { f->m.manifests = f->dp; f->m.n_manifests = 1; }
static void m_null_layer(struct mfix *f) { f->dp[1] = NULL; }
static void i_entry_comp(struct mfix *f) { f->d[1].compression = GZIP; }
static void i_arch_newline(struct mfix *f) { f->p[0].architecture = UNCONST("amd64\nINJECTED"); }
static void i_arch_upper(struct mfix *f) { f->p[0].architecture = UNCONST("AMD64"); }
static void i_os_empty(struct mfix *f) { f->p[1].os = UNCONST(""); }
static void i_variant_long(struct mfix *f) { f->p[1].variant = repeat('v', PLATFORM_MAX_FIELD_LEN + 1); }
static void i_variant_blank(struct mfix *f) { f->p[1].variant = UNCONST("v 7"); }
static void i_too_many(struct mfix *f) { f->m.n_manifests = MANIFEST_MAX_MANIFESTS + 1; }
static void i_with_config(struct mfix *f) { f->m.config = &f->config; }
static void i_with_layers(struct mfix *f) { f->m.layers = f->dp; f->m.n_layers = 1; }
static void i_bad_digest(struct mfix *f) { f->d[1].digest = UNCONST("sha256:zz"); }
/* clang-format on */

static const struct mcase mcases[] = {
    {"digest uppercase", false, m_digest_upper},
    {"digest short", false, m_digest_short},
    {"sha512 with 64 hex", false, m_digest_sha512_64},
    {"sha1", false, m_digest_sha1},
    {"digest trailing newline", false, m_digest_newline},
    {"digest path traversal", false, m_digest_traversal},
    {"digest 1 MiB", false, m_digest_huge},
    {"size 2^53+1", false, m_size_2_53},
    {"size UINT64_MAX", false, m_size_max},
    {"media type with parameters", false, m_mt_params},
    {"media type empty", false, m_mt_empty},
    {"media type 300 bytes", false, m_mt_long},
    {"compression enum 7", false, m_comp_unknown},
    {"compression enum -1", false, m_comp_negative},
    {"compression does not match the type", false, m_comp_mismatch},
    {"layer of a config type", false, m_layer_not_layer},
    {"layer with a platform", false, m_layer_platform},
    {"manifest without config", false, m_config_missing},
    {"config of an artifact type", false, m_config_helm},
    {"config with compression", false, m_config_comp},
    {"kind unspecified", false, m_kind_0},
    {"kind 99", false, m_kind_99},
    {"kind and media type disagree", false, m_kind_mismatch},
    {"Content-Type disagrees", false, m_content_type},
    {"1025 layers", false, m_too_many_layers},
    {"manifest with index entries", false, m_manifests_in_manifest},
    {"NULL layer pointer", false, m_null_layer},
    {"index entry with compression", true, i_entry_comp},
    {"platform with newline", true, i_arch_newline},
    {"platform uppercase", true, i_arch_upper},
    {"platform os empty", true, i_os_empty},
    {"variant 129 bytes", true, i_variant_long},
    {"variant with a blank", true, i_variant_blank},
    {"1025 index entries", true, i_too_many},
    {"index with config", true, i_with_config},
    {"index with layers", true, i_with_layers},
    {"index entry bad digest", true, i_bad_digest},
};

static void
test_manifest_reply_valid(void **state)
{
	(void)state;
	static struct mfix f;
	struct img_manifest *m = NULL;
	mfix_manifest(&f);
	f.d[1].media_type = UNCONST(MT_ZSTD);
	f.d[1].compression = ZSTD;
	assert_int_equal(manifest_reply_validate(&f.m, MT_MANIFEST, &m), 0);
	assert_int_equal(m->kind, IMG_KIND_MANIFEST);
	assert_string_equal(m->media_type, MT_MANIFEST);
	assert_string_equal(m->config.digest, D1);
	assert_int_equal(m->config.size, 1470);
	assert_int_equal(m->n_layers, 2);
	assert_int_equal(m->layers[0].compression, IMG_COMPRESSION_GZIP);
	assert_int_equal(m->layers[1].compression, IMG_COMPRESSION_ZSTD);
	assert_null(m->layers[0].os);
	assert_int_equal(img_manifest_select(m, "amd64", NULL), -EINVAL);
	img_manifest_free(m);

	mfix_index(&f);
	f.p[1].architecture = UNCONST("arm");
	f.p[1].variant = UNCONST("v7");
	f.d[1].platform = &f.p[1];
	f.d[0].platform = NULL;
	assert_int_equal(manifest_reply_validate(&f.m, NULL, &m), 0);
	assert_int_equal(m->kind, IMG_KIND_INDEX);
	assert_int_equal(m->n_manifests, 2);
	assert_null(m->manifests[0].os);
	assert_string_equal(m->manifests[1].architecture, "arm");
	assert_string_equal(m->manifests[1].variant, "v7");
	img_manifest_free(m);

	mfix_manifest(&f);
	f.m.n_layers = MANIFEST_MAX_LAYERS; /* the limit itself is fine */
	assert_int_equal(manifest_reply_validate(&f.m, NULL, &m), 0);
	img_manifest_free(m);
	assert_null(img_manifest_free(NULL));
}

static void
test_manifest_reply_hostile(void **state)
{
	(void)state;
	static struct mfix f;
	for (size_t i = 0; i < ELEMENTSOF(mcases); i++) {
		struct img_manifest *m = NULL;
		if (mcases[i].index)
			mfix_index(&f);
		else
			mfix_manifest(&f);
		mcases[i].mutate(&f);
		int r = manifest_reply_validate(&f.m, f.content_type, &m);
		if (r != -EPROTO)
			fail_msg("%s: got %d, want -EPROTO", mcases[i].name, r);
		assert_null(m);
	}
}

/* ---- img_manifest_select -----------------------------------------------------------------------
 */

struct sel_entry {
	const char *mt, *os, *arch, *variant;
};

static struct img_manifest *
make_index(const struct sel_entry *e, size_t n)
{
	struct img_manifest *m = calloc(1, sizeof(*m));
	assert_non_null(m);
	m->kind = IMG_KIND_INDEX;
	m->media_type = strdup(MT_INDEX);
	m->manifests = calloc(n, sizeof(*m->manifests));
	assert_non_null(m->manifests);
	m->n_manifests = n;
	for (size_t i = 0; i < n; i++) {
		struct img_descriptor *d = &m->manifests[i];
		d->media_type = strdup(e[i].mt);
		d->digest = strdup(D1);
		d->os = e[i].os ? strdup(e[i].os) : NULL;
		d->architecture = e[i].arch ? strdup(e[i].arch) : NULL;
		d->variant = e[i].variant ? strdup(e[i].variant) : NULL;
	}
	return m;
}

static void
test_manifest_select(void **state)
{
	(void)state;
	static const struct sel_entry entries[] = {
	    {MT_MANIFEST, "windows", "amd64", NULL},                  /* 0 */
	    {MT_MANIFEST, "linux", "amd64", NULL},                    /* 1 */
	    {MT_MANIFEST, "linux", "arm", "v5"},                      /* 2 */
	    {MT_MANIFEST, "linux", "arm", "v6"},                      /* 3 */
	    {MT_D2, "linux", "arm64", NULL},                          /* 4 */
	    {MT_MANIFEST, "linux", "amd64", "v3"},                    /* 5 */
	    {MT_MANIFEST, "unknown", "unknown", NULL},                /* 6 attestation */
	    {"application/vnd.example+json", "linux", "s390x", NULL}, /* 7 not a manifest */
	    {MT_MANIFEST, NULL, NULL, NULL},                          /* 8 no platform */
	    {MT_MANIFEST, "linux", "amd64", NULL},                    /* 9 tie with 1 */
	    {MT_MANIFEST, "linux", "386", NULL},                      /* 10 */
	};

	static const struct {
		const char *arch, *variant;
		int want;
	} cases[] = {
	    {"amd64", NULL, 1},         {"x86_64", "", 1},   {"AMD64", "v1", 1},
	    {"amd64", "v2", 1},         {"amd64", "v3", 5},  {"amd64", "v4", 5},
	    {"arm", "v7", 3},           {"arm", NULL, 3},    {"armhf", NULL, 3},
	    {"arm", "v6", 3},           {"arm", "6", 3},     {"arm", "v5", 2},
	    {"armel", NULL, 3},         {"arm", "v8", 3},    {"arm64", NULL, 4},
	    {"arm64", "v8", 4},         {"aarch64", "8", 4}, {"arm64", "v9", -ENOENT},
	    {"s390x", NULL, -ENOENT},   {"i686", NULL, 10},  {"unknown", NULL, -ENOENT},
	    {"riscv64", NULL, -ENOENT},
	};
	struct img_manifest *m = make_index(entries, ELEMENTSOF(entries));
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		int r = img_manifest_select(m, cases[i].arch, cases[i].variant);
		if (r != cases[i].want)
			fail_msg("%s/%s: got %d, want %d", cases[i].arch,
				 cases[i].variant ? cases[i].variant : "(null)", r, cases[i].want);
	}
	assert_int_equal(img_manifest_select(m, NULL, NULL), -EINVAL);
	assert_int_equal(img_manifest_select(NULL, "amd64", NULL), -EINVAL);
	img_manifest_free(m);

	/* arm v7 falls back to v6 before v5, whatever the document order. */
	static const struct sel_entry arm[] = {
	    {MT_MANIFEST, "linux", "arm", "v5"},
	    {MT_MANIFEST, "linux", "arm", "v6"},
	    {MT_MANIFEST, "linux", "arm", "v8"},
	};
	m = make_index(arm, ELEMENTSOF(arm));
	assert_int_equal(img_manifest_select(m, "arm", "v7"), 1);
	assert_int_equal(img_manifest_select(m, "arm", "v6"), 1);
	assert_int_equal(img_manifest_select(m, "arm", "v5"), 0);
	assert_int_equal(img_manifest_select(m, "arm64", NULL), -ENOENT);
	img_manifest_free(m);
}

/* ---- config replies -----------------------------------------------------------------------------
 */

#define CFIX_MAX 4200u

struct cfix {
	CReply c;
	char *env[CFIX_MAX], *args[CFIX_MAX], *ports[CFIX_MAX], *vols[CFIX_MAX], *diff[CFIX_MAX];
	Label lab[CFIX_MAX], *labp[CFIX_MAX];
	char labkey[CFIX_MAX][8];
};

static void
cfix_init(struct cfix *f)
{
	memset(f, 0, sizeof(*f));
	crisp__helper__config_reply__init(&f->c);
	for (size_t i = 0; i < CFIX_MAX; i++) {
		f->env[i] = UNCONST("A=1");
		f->args[i] = UNCONST("arg");
		f->ports[i] = UNCONST("80/tcp");
		f->vols[i] = UNCONST("/data");
		f->diff[i] = UNCONST(D1);
		crisp__helper__config_reply__label__init(&f->lab[i]);
		(void)snprintf(f->labkey[i], sizeof(f->labkey[i]), "k%zu", i);
		f->lab[i].key = f->labkey[i];
		f->lab[i].value = UNCONST("v");
		f->labp[i] = &f->lab[i];
	}
	f->c.os = UNCONST("linux");
	f->c.architecture = UNCONST("amd64");
	f->c.env = f->env;
	f->c.n_env = 2;
	f->c.entrypoint = f->args;
	f->c.n_entrypoint = 1;
	f->c.cmd = f->args;
	f->c.n_cmd = 2;
	f->c.exposed_ports = f->ports;
	f->c.n_exposed_ports = 1;
	f->c.volumes = f->vols;
	f->c.n_volumes = 1;
	f->c.labels = f->labp;
	f->c.n_labels = 3;
	f->c.stop_signal = UNCONST("SIGTERM");
	f->c.stop_signal_num = 15;
	f->c.diff_ids = f->diff;
	f->c.n_diff_ids = 2;
	f->c.working_dir = UNCONST("/srv");
}

/* clang-format off */
static void c_env_no_eq(struct cfix *f) { f->env[1] = UNCONST("NAME"); }
static void c_env_empty_name(struct cfix *f) { f->env[1] = UNCONST("=value"); }
static void c_env_name_newline(struct cfix *f) { f->env[1] = UNCONST("BAD\nLD_PRELOAD=/x.so"); }
static void c_env_name_tab(struct cfix *f) { f->env[0] = UNCONST("A\tB=1"); }
static void c_env_name_del(struct cfix *f) { f->env[0] = UNCONST("A\x7f=1"); }
/* A NUL inside a protobuf string ends the C string: "A\0B=c" arrives as "A", no '='. */
static void c_env_name_nul(struct cfix *f) { f->env[0] = UNCONST("A\0B=c"); }
static void c_env_bad_utf8(struct cfix *f) { f->env[0] = UNCONST("A=\xff\xfe"); }
static void c_env_too_long(struct cfix *f) { f->env[0] = repeat('A', IMAGE_CONFIG_MAX_ARG_LEN + 1); f->env[0][1] = '='; }
static void c_env_too_many(struct cfix *f) { f->c.n_env = IMAGE_CONFIG_MAX_ENV + 1; }
static void c_arg_bad_utf8(struct cfix *f) { f->args[1] = UNCONST("\xc0\x80"); }
static void c_args_too_many(struct cfix *f) { f->c.n_cmd = IMAGE_CONFIG_MAX_ARGS + 1; }
static void c_vol_relative(struct cfix *f) { f->vols[0] = UNCONST("data"); }
static void c_vol_dotdot(struct cfix *f) { f->vols[0] = UNCONST("/data/../../etc"); }
static void c_vol_dotdot_end(struct cfix *f) { f->vols[0] = UNCONST("/.."); }
static void c_vol_empty(struct cfix *f) { f->vols[0] = UNCONST(""); }
static void c_vol_newline(struct cfix *f) { f->vols[0] = UNCONST("/data\n/etc"); }
static void c_vol_long(struct cfix *f) { f->vols[0] = repeat('/', IMAGE_PATH_MAX + 1); }
static void c_vol_too_many(struct cfix *f) { f->c.n_volumes = IMAGE_CONFIG_MAX_VOLUMES + 1; }
static void c_wd_relative(struct cfix *f) { f->c.working_dir = UNCONST("srv"); }
static void c_wd_dotdot(struct cfix *f) { f->c.working_dir = UNCONST("/srv/.."); }
static void c_port_0(struct cfix *f) { f->ports[0] = UNCONST("0/tcp"); }
static void c_port_65536(struct cfix *f) { f->ports[0] = UNCONST("65536/tcp"); }
static void c_port_proto(struct cfix *f) { f->ports[0] = UNCONST("80/icmp"); }
static void c_port_bare(struct cfix *f) { f->ports[0] = UNCONST("80"); }
static void c_port_name(struct cfix *f) { f->ports[0] = UNCONST("http/tcp"); }
static void c_ports_too_many(struct cfix *f) { f->c.n_exposed_ports = IMAGE_CONFIG_MAX_PORTS + 1; }
static void c_label_dup(struct cfix *f) { f->lab[2].key = f->labkey[0]; }
static void c_label_key_long(struct cfix *f) { f->lab[1].key = repeat('k', JSON_MAX_KEY_LEN + 1); }
static void c_label_value_long(struct cfix *f) { f->lab[1].value = repeat('v', ANNOTATION_MAX_VALUE_LEN + 1); }
static void c_labels_too_many(struct cfix *f) { f->c.n_labels = IMAGE_CONFIG_MAX_LABELS + 1; }
static void c_signal_num_0(struct cfix *f) { f->c.stop_signal_num = 0; }
static void c_signal_num_65(struct cfix *f) { f->c.stop_signal_num = 65; }
static void c_signal_num_only(struct cfix *f) { f->c.stop_signal = UNCONST(""); }
static void c_signal_newline(struct cfix *f) { f->c.stop_signal = UNCONST("SIG\nTERM"); }
static void c_diff_bad(struct cfix *f) { f->diff[1] = UNCONST("sha256:ABC"); }
static void c_diff_too_many(struct cfix *f) { f->c.n_diff_ids = IMAGE_CONFIG_MAX_DIFF_IDS + 1; }
static void c_os_empty(struct cfix *f) { f->c.os = UNCONST(""); }
static void c_os_upper(struct cfix *f) { f->c.os = UNCONST("Linux"); }
static void c_arch_blank(struct cfix *f) { f->c.architecture = UNCONST("amd 64"); }
static void c_variant_newline(struct cfix *f) { f->c.variant = UNCONST("v7\n"); }
static void c_created_newline(struct cfix *f) { f->c.created = UNCONST("2024\n"); }
static void c_user_newline(struct cfix *f) { f->c.user = UNCONST("root\nx"); }
static void c_user_long(struct cfix *f) { f->c.user = repeat('u', IMAGE_CONFIG_MAX_USER_LEN + 1); }
static void c_null_env(struct cfix *f) { f->c.env = NULL; }
static void c_null_label(struct cfix *f) { f->labp[1] = NULL; }

/* clang-format on */

static const struct {
	const char *name;
	void (*mutate)(struct cfix *f);
} ccases[] = {
    {"env without '='", c_env_no_eq},
    {"env with empty name", c_env_empty_name},
    {"env name with newline", c_env_name_newline},
    {"env name with tab", c_env_name_tab},
    {"env name with DEL", c_env_name_del},
    {"env name with NUL", c_env_name_nul},
    {"env invalid UTF-8", c_env_bad_utf8},
    {"env entry over 128 KiB", c_env_too_long},
    {"4097 env entries", c_env_too_many},
    {"overlong UTF-8 argument", c_arg_bad_utf8},
    {"4097 arguments", c_args_too_many},
    {"relative volume", c_vol_relative},
    {"volume with ..", c_vol_dotdot},
    {"volume /..", c_vol_dotdot_end},
    {"empty volume", c_vol_empty},
    {"volume with newline", c_vol_newline},
    {"volume over PATH_MAX", c_vol_long},
    {"257 volumes", c_vol_too_many},
    {"relative working dir", c_wd_relative},
    {"working dir with ..", c_wd_dotdot},
    {"port 0", c_port_0},
    {"port 65536", c_port_65536},
    {"port protocol icmp", c_port_proto},
    {"port without protocol", c_port_bare},
    {"port by name", c_port_name},
    {"1025 ports", c_ports_too_many},
    {"duplicate label key", c_label_dup},
    {"label key over 1 KiB", c_label_key_long},
    {"label value over 64 KiB", c_label_value_long},
    {"1025 labels", c_labels_too_many},
    {"stop signal without number", c_signal_num_0},
    {"stop signal 65", c_signal_num_65},
    {"stop signal number without name", c_signal_num_only},
    {"stop signal with newline", c_signal_newline},
    {"bad diff ID", c_diff_bad},
    {"1025 diff IDs", c_diff_too_many},
    {"empty os", c_os_empty},
    {"uppercase os", c_os_upper},
    {"arch with blank", c_arch_blank},
    {"variant with newline", c_variant_newline},
    {"created with newline", c_created_newline},
    {"user with newline", c_user_newline},
    {"user over 256 bytes", c_user_long},
    {"NULL env array", c_null_env},
    {"NULL label", c_null_label},
};

static void
test_config_reply_valid(void **state)
{
	(void)state;
	static struct cfix f;
	struct img_config *c = NULL;
	cfix_init(&f);
	f.env[1] = UNCONST("MULTI=line1\nline2"); /* values may hold newlines */
	f.args[1] = UNCONST("");                  /* and arguments may be empty */
	f.c.variant = UNCONST("");
	f.c.user = UNCONST("");
	assert_int_equal(image_config_reply_validate(&f.c, &c), 0);
	assert_string_equal(c->os, "linux");
	assert_null(c->variant);
	assert_null(c->user);
	assert_null(c->created);
	assert_int_equal(c->n_env, 2);
	assert_string_equal(c->env[1], "MULTI=line1\nline2");
	assert_null(c->env[2]);
	assert_string_equal(c->cmd[1], "");
	assert_int_equal(c->n_labels, 3);
	assert_string_equal(c->labels[2].key, "k2");
	assert_int_equal(c->stop_signal_num, 15);
	assert_string_equal(c->working_dir, "/srv");
	img_config_free(c);

	cfix_init(&f);
	f.c.n_env = IMAGE_CONFIG_MAX_ENV;
	f.c.n_labels = IMAGE_CONFIG_MAX_LABELS;
	f.c.stop_signal = UNCONST("");
	f.c.stop_signal_num = 0;
	f.c.working_dir = UNCONST("");
	assert_int_equal(image_config_reply_validate(&f.c, &c), 0);
	assert_null(c->stop_signal);
	assert_null(c->working_dir);
	img_config_free(c);
	assert_null(img_config_free(NULL));
}

static void
test_config_reply_hostile(void **state)
{
	(void)state;
	static struct cfix f;
	for (size_t i = 0; i < ELEMENTSOF(ccases); i++) {
		struct img_config *c = NULL;
		cfix_init(&f);
		ccases[i].mutate(&f);
		int r = image_config_reply_validate(&f.c, &c);
		if (r != -EPROTO)
			fail_msg("%s: got %d, want -EPROTO", ccases[i].name, r);
		assert_null(c);
	}
}

/* ---- passwd replies -----------------------------------------------------------------------------
 */

struct pfix {
	PReply p;
	uint32_t sg[PASSWD_MAX_SUPP_GROUPS + 2];
	const char *spec;
};

static void
pfix_init(struct pfix *f)
{
	crisp__helper__passwd_reply__init(&f->p);
	f->p.uid = 1000;
	f->p.gid = 1000;
	for (size_t i = 0; i < ELEMENTSOF(f->sg); i++)
		f->sg[i] = (uint32_t)i + 1;
	f->p.sgids = f->sg;
	f->p.n_sgids = 2;
	f->p.name = UNCONST("app");
	f->p.home = UNCONST("/home/app");
	f->spec = "app";
}

/* clang-format off */
static void p_uid_max(struct pfix *f) { f->p.uid = 4294967295u; f->spec = "4294967295"; }
static void p_uid_max_named(struct pfix *f) { f->p.uid = 4294967295u; }
static void p_gid_max(struct pfix *f) { f->p.gid = 4294967295u; }
static void p_sgid_max(struct pfix *f) { f->sg[1] = 4294967295u; }
static void p_root_for_1000(struct pfix *f) { f->spec = "1000"; f->p.uid = 0; }
static void p_root_for_empty_name(struct pfix *f) { f->spec = "4242"; f->p.uid = 0; f->p.name = UNCONST(""); f->p.home = UNCONST("/"); f->p.n_sgids = 0; f->p.gid = 0; }
static void p_nonroot_for_empty(struct pfix *f) { f->spec = ""; }
static void p_other_name(struct pfix *f) { f->p.name = UNCONST("root"); }
static void p_no_name_for_name(struct pfix *f) { f->p.name = UNCONST(""); f->p.home = UNCONST("/"); f->p.n_sgids = 0; }
static void p_gid_for_numeric_group(struct pfix *f) { f->spec = "app:1000"; f->p.gid = 0; f->p.n_sgids = 0; }
static void p_sgids_with_group(struct pfix *f) { f->spec = "app:audio"; }
static void p_sgids_unsorted(struct pfix *f) { f->sg[0] = 5; f->sg[1] = 3; }
static void p_sgids_dup(struct pfix *f) { f->sg[0] = 5; f->sg[1] = 5; }
static void p_sgids_too_many(struct pfix *f) { f->p.n_sgids = PASSWD_MAX_SUPP_GROUPS + 1; }
static void p_name_colon(struct pfix *f) { f->p.name = UNCONST("a:b"); f->spec = "1000"; }
static void p_name_blank(struct pfix *f) { f->p.name = UNCONST("a b"); f->spec = "1000"; }
static void p_name_newline(struct pfix *f) { f->p.name = UNCONST("app\n"); f->spec = "1000"; }
static void p_name_long(struct pfix *f) { f->p.name = repeat('a', PASSWD_MAX_NAME_LEN + 1); f->spec = "1000"; }
static void p_home_newline(struct pfix *f) { f->p.home = UNCONST("/home/app\nroot::0:0"); }
static void p_no_entry_gid(struct pfix *f) { f->spec = "4242"; f->p.uid = 4242; f->p.name = UNCONST(""); f->p.home = UNCONST("/"); f->p.n_sgids = 0; f->p.gid = 7; }
static void p_no_entry_home(struct pfix *f) { f->spec = "4242"; f->p.uid = 4242; f->p.name = UNCONST(""); f->p.home = UNCONST("/root"); f->p.n_sgids = 0; f->p.gid = 0; }
static void p_no_entry_sgids(struct pfix *f) { f->spec = "4242"; f->p.uid = 4242; f->p.name = UNCONST(""); f->p.home = UNCONST("/"); f->p.gid = 0; }
static void p_spec_out_of_range(struct pfix *f) { f->spec = "99999999999999999999"; f->p.uid = 0; }

/* clang-format on */

static const struct {
	const char *name;
	void (*mutate)(struct pfix *f);
} pcases[] = {
    {"uid 4294967295 for a numeric spec", p_uid_max},
    {"uid 4294967295 for a name", p_uid_max_named},
    {"gid 4294967295", p_gid_max},
    {"supplementary gid 4294967295", p_sgid_max},
    {"uid 0 for USER 1000", p_root_for_1000},
    {"uid 0 for USER 4242 without entry", p_root_for_empty_name},
    {"uid 1000 for USER \"\"", p_nonroot_for_empty},
    {"another user's name", p_other_name},
    {"no name for a named USER", p_no_name_for_name},
    {"gid 0 for group 1000", p_gid_for_numeric_group},
    {"supplementary groups with an explicit group", p_sgids_with_group},
    {"supplementary groups unsorted", p_sgids_unsorted},
    {"supplementary groups duplicated", p_sgids_dup},
    {"65537 supplementary groups", p_sgids_too_many},
    {"name with ':'", p_name_colon},
    {"name with a blank", p_name_blank},
    {"name with newline", p_name_newline},
    {"name over 256 bytes", p_name_long},
    {"home with newline", p_home_newline},
    {"no entry but gid 7", p_no_entry_gid},
    {"no entry but home /root", p_no_entry_home},
    {"no entry but supplementary groups", p_no_entry_sgids},
    {"USER out of range but a reply", p_spec_out_of_range},
};

static void
test_passwd_reply_valid(void **state)
{
	(void)state;
	static struct pfix f;
	struct img_user *u = NULL;
	pfix_init(&f);
	assert_int_equal(passwd_reply_validate(&f.p, f.spec, &u), 0);
	assert_int_equal(u->uid, 1000);
	assert_int_equal(u->n_sgids, 2);
	assert_int_equal(u->sgids[1], 2);
	assert_string_equal(u->name, "app");
	assert_string_equal(u->home, "/home/app");
	img_user_free(u);

	pfix_init(&f);
	f.p.uid = 4242;
	f.p.gid = 0;
	f.p.n_sgids = 0;
	f.p.name = UNCONST("");
	f.p.home = UNCONST("/");
	assert_int_equal(passwd_reply_validate(&f.p, "4242", &u), 0);
	assert_null(u->name);
	assert_string_equal(u->home, "/");
	img_user_free(u);
	f.p.gid = 55;
	assert_int_equal(passwd_reply_validate(&f.p, "4242:55", &u), 0);
	img_user_free(u);

	pfix_init(&f);
	f.p.uid = 0;
	f.p.gid = 0;
	f.p.n_sgids = 0;
	f.p.name = UNCONST("root");
	f.p.home = UNCONST("/root");
	assert_int_equal(passwd_reply_validate(&f.p, NULL, &u), 0); /* NULL is "" is root */
	img_user_free(u);
	f.p.n_sgids = PASSWD_MAX_SUPP_GROUPS;
	assert_int_equal(passwd_reply_validate(&f.p, "root", &u), 0);
	assert_int_equal(u->n_sgids, PASSWD_MAX_SUPP_GROUPS);
	img_user_free(u);
	assert_null(img_user_free(NULL));
}

static void
test_passwd_reply_hostile(void **state)
{
	(void)state;
	static struct pfix f;
	for (size_t i = 0; i < ELEMENTSOF(pcases); i++) {
		struct img_user *u = NULL;
		pfix_init(&f);
		pcases[i].mutate(&f);
		int r = passwd_reply_validate(&f.p, f.spec, &u);
		if (r != -EPROTO)
			fail_msg("%s: got %d, want -EPROTO", pcases[i].name, r);
		assert_null(u);
	}
}

/* ---- the real helpers
 * ------------------------------------------------------------------------------ */

static uint8_t *
read_file(const char *path, size_t *ret_len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st = {0};
	if (fd < 0 || fstat(fd, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	*ret_len = (size_t)st.st_size;
	return buf;
}

static struct helper_ctx
ctx(void)
{
	return (struct helper_ctx){.dir = helper_dir, .timeout_ms = 10000, .request_id = 7};
}

static int
parse_manifest_file(const char *path, const char *ct, struct img_manifest **ret, char *err,
		    size_t errsz)
{
	size_t len = 0;
	cleanup_free uint8_t *buf = read_file(path, &len);
	struct helper_ctx h = ctx();
	return img_parse_manifest(&h, buf, len, ct, ret, err, errsz);
}

static void
test_helper_manifest(void **state)
{
	(void)state;
	struct img_manifest *m = NULL;
	char err[512] = "";
	int r = parse_manifest_file("tests/data/manifest/valid/oci_index_multiarch.json", NULL, &m,
				    err, sizeof(err));
	if (r < 0)
		fail_msg("oci index: %d %s", r, err);
	assert_int_equal(m->kind, IMG_KIND_INDEX);
	assert_string_equal(m->media_type, MT_INDEX);
	assert_int_equal(m->n_manifests, 10);
	assert_int_equal(img_manifest_select(m, "amd64", NULL), 0);
	assert_int_equal(img_manifest_select(m, "arm", "v7"), 3);
	assert_int_equal(img_manifest_select(m, "arm", "v5"), 1);
	assert_int_equal(img_manifest_select(m, "arm64", "v8"), 4);
	assert_null(m->manifests[4].variant); /* normalised by the helper */
	assert_int_equal(img_manifest_select(m, "riscv64", NULL), 7);
	assert_int_equal(img_manifest_select(m, "mips64le", NULL), -ENOENT);
	img_manifest_free(m);

	r = parse_manifest_file("tests/data/manifest/valid/docker_manifest_list.json",
				"application/vnd.docker.distribution.manifest.list.v2+json", &m,
				err, sizeof(err));
	assert_int_equal(r, 0);
	assert_int_equal(m->kind, IMG_KIND_INDEX);
	assert_int_equal(m->n_manifests, 4);
	assert_string_equal(m->manifests[3].os, "windows");
	assert_int_equal(img_manifest_select(m, "x86_64", NULL), 0);
	assert_int_equal(img_manifest_select(m, "aarch64", NULL), 2);
	img_manifest_free(m);

	r = parse_manifest_file("tests/data/manifest/valid/docker_manifest.json", NULL, &m, err,
				sizeof(err));
	assert_int_equal(r, 0);
	assert_int_equal(m->kind, IMG_KIND_MANIFEST);
	assert_string_equal(m->media_type, MT_D2);
	assert_string_equal(m->config.media_type, "application/vnd.docker.container.image.v1+json");
	assert_int_equal(m->config.size, 7023);
	assert_int_equal(m->n_layers, 3);
	assert_int_equal(m->layers[2].compression, IMG_COMPRESSION_GZIP);
	assert_int_equal(m->layers[2].size, 73109);
	img_manifest_free(m);

	r = parse_manifest_file("tests/data/manifest/valid/oci_manifest_zstd_subject.json", NULL,
				&m, err, sizeof(err));
	assert_int_equal(r, 0);
	bool zstd = false;
	for (size_t i = 0; i < m->n_layers; i++)
		zstd |= m->layers[i].compression == IMG_COMPRESSION_ZSTD;
	assert_true(zstd);
	img_manifest_free(m);
}

static void
test_helper_manifest_refused(void **state)
{
	(void)state;

	static const struct {
		const char *path, *ct;
		int want;
		const char *msg;
	} cases[] = {
	    {"tests/data/manifest/invalid/schema1_signed.json", NULL, -EOPNOTSUPP, "schema 1"},
	    {"tests/data/manifest/invalid/schema1_media_type.json", NULL, -EOPNOTSUPP, "schema 1"},
	    {"tests/data/manifest/valid/docker_manifest.json",
	     "application/vnd.docker.distribution.manifest.v1+prettyjws", -EOPNOTSUPP, "schema 1"},
	    {"tests/data/manifest/invalid/duplicate_key_top.json", NULL, -EINVAL, "duplicate"},
	    {"tests/data/manifest/invalid/duplicate_key_digest.json", NULL, -EINVAL, "duplicate"},
	    {"tests/data/manifest/valid/oci_index_multiarch.json", MT_D2, -EINVAL, "Content-Type"},
	    {"tests/data/manifest/invalid/digest_path_traversal.json", NULL, -EINVAL, "digest"},
	    {"tests/data/manifest/invalid/size_over_2_53.json", NULL, -ERANGE, ""},
	    {"tests/data/manifest/invalid/helm_chart_config.json", NULL, -EOPNOTSUPP, "config"},
	    {"tests/data/manifest/invalid/deep_nesting_10000.json", NULL, -E2BIG, ""},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct img_manifest *m = NULL;
		char err[512] = "";
		int r = parse_manifest_file(cases[i].path, cases[i].ct, &m, err, sizeof(err));
		if (r != cases[i].want || !strstr(err, cases[i].msg))
			fail_msg("%s: got %d '%s', want %d '%s'", cases[i].path, r, err,
				 cases[i].want, cases[i].msg);
		assert_null(m);
	}
	/* Over the cap: refused before any helper runs. */
	struct helper_ctx h = ctx();
	struct img_manifest *m = NULL;
	char err[256];
	uint8_t *big = calloc(1, MANIFEST_MAX_SIZE + 1);
	assert_non_null(big);
	assert_int_equal(
	    img_parse_manifest(&h, big, MANIFEST_MAX_SIZE + 1, NULL, &m, err, sizeof(err)), -E2BIG);
	free(big);
}

static void
test_helper_config(void **state)
{
	(void)state;
	struct helper_ctx h = ctx();
	struct img_config *c = NULL;
	char err[512] = "";
	size_t len = 0;
	uint8_t *buf = read_file("tests/data/image_config/valid/docker_nginx.json", &len);
	int r = img_parse_config(&h, buf, len, &c, err, sizeof(err));
	free(buf);
	if (r < 0)
		fail_msg("nginx: %d %s", r, err);
	assert_string_equal(c->os, "linux");
	assert_string_equal(c->architecture, "amd64");
	assert_null(c->variant);
	assert_null(c->user);
	assert_null(c->working_dir);
	assert_int_equal(c->n_env, 4);
	assert_string_equal(c->env[1], "NGINX_VERSION=1.25.5");
	assert_int_equal(c->n_entrypoint, 1);
	assert_int_equal(c->n_cmd, 3);
	assert_string_equal(c->cmd[2], "daemon off;");
	assert_int_equal(c->n_exposed_ports, 1);
	assert_string_equal(c->exposed_ports[0], "80/tcp");
	assert_int_equal(c->n_labels, 1);
	assert_string_equal(c->labels[0].key, "maintainer");
	assert_string_equal(c->stop_signal, "SIGQUIT");
	assert_int_equal(c->stop_signal_num, 3);
	assert_int_equal(c->n_diff_ids, 2);
	assert_string_equal(c->created, "2024-05-14T01:28:41.151815012Z");
	img_config_free(c);

	buf = read_file("tests/data/image_parse/config_paths.json", &len);
	r = img_parse_config(&h, buf, len, &c, err, sizeof(err));
	free(buf);
	if (r < 0)
		fail_msg("config_paths: %d %s", r, err);
	assert_string_equal(c->architecture, "arm");
	assert_string_equal(c->variant, "v7");
	assert_string_equal(c->user, "app:audio");
	assert_string_equal(c->env[1], "MULTI=line1\nline2");
	assert_string_equal(c->env[2], "EMPTY=");
	assert_int_equal(c->n_cmd, 1);
	assert_string_equal(c->cmd[0], "");
	assert_string_equal(c->working_dir, "/srv/app");
	assert_int_equal(c->n_exposed_ports, 2);
	assert_int_equal(c->n_volumes, 2);
	assert_int_equal(c->stop_signal_num, 37);
	img_config_free(c);

	static const struct {
		const char *path;
		int want;
	} bad[] = {
	    {"tests/data/image_config/invalid/env_empty_name.json", -EINVAL},
	    {"tests/data/image_config/invalid/duplicate_os.json", -EINVAL},
	    {"tests/data/image_config/invalid/diff_id_bad.json", -EINVAL},
	    {"tests/data/image_config/invalid/deep_nesting.json", -E2BIG},
	};

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		buf = read_file(bad[i].path, &len);
		c = NULL;
		r = img_parse_config(&h, buf, len, &c, err, sizeof(err));
		free(buf);
		if (r != bad[i].want)
			fail_msg("%s: got %d '%s', want %d", bad[i].path, r, err, bad[i].want);
		assert_null(c);
		assert_non_null(strstr(err, "invalid image config"));
	}
}

struct user_case {
	const char *spec;
	int want;
	uint32_t uid, gid;
	size_t n_sgids;
	const char *name, *home;
};

static void
run_user_cases(const uint8_t *pw, size_t pwlen, const uint8_t *gr, size_t grlen,
	       const struct user_case *cases, size_t n)
{
	struct helper_ctx h = ctx();
	for (size_t i = 0; i < n; i++) {
		const struct user_case *c = &cases[i];
		struct img_user *u = NULL;
		char err[512] = "";
		int r = img_resolve_user(&h, pw, pwlen, gr, grlen, c->spec, &u, err, sizeof(err));
		if (r != c->want)
			fail_msg("USER '%s': got %d '%s', want %d", c->spec, r, err, c->want);
		if (r < 0) {
			assert_null(u);
			continue;
		}
		if (u->uid != c->uid || u->gid != c->gid || u->n_sgids != c->n_sgids ||
		    (c->name ? !u->name || strcmp(u->name, c->name) != 0 : u->name != NULL) ||
		    strcmp(u->home, c->home) != 0)
			fail_msg("USER '%s': got %u:%u (%zu groups) %s %s", c->spec, u->uid, u->gid,
				 u->n_sgids, u->name ? u->name : "(null)", u->home);
		img_user_free(u);
	}
}

static void
test_helper_passwd(void **state)
{
	(void)state;
	static const struct user_case cases[] = {
	    {"app", 0, 1000, 1000, 2, "app", "/home/app"},
	    {"", 0, 0, 0, 1, "root", "/root"},
	    {"0:0", 0, 0, 0, 0, "root", "/root"},
	    {"1000:audio", 0, 1000, 29, 0, "app", "/home/app"},
	    {"app:44", 0, 1000, 44, 0, "app", "/home/app"},
	    {"4242", 0, 4242, 0, 0, NULL, "/"},
	    {"4242:4242", 0, 4242, 4242, 0, NULL, "/"},
	    {"nobody", 0, 65534, 65534, 0, "nobody", "/nonexistent"},
	    {"ghost", -ENOENT, 0, 0, 0, NULL, NULL},
	    {"big", -ENOENT, 0, 0, 0, NULL, NULL}, /* its line has uid 2^32-1: skipped */
	    {"app:ghosts", -ENOENT, 0, 0, 0, NULL, NULL},
	    {"4294967295", -ERANGE, 0, 0, 0, NULL, NULL},
	    {"4294967296", -ERANGE, 0, 0, 0, NULL, NULL},
	    {"99999999999999999999999", -ERANGE, 0, 0, 0, NULL, NULL},
	    {"0:4294967295", -ERANGE, 0, 0, 0, NULL, NULL},
	    {"-1", -EINVAL, 0, 0, 0, NULL, NULL},
	    {"app:", -EINVAL, 0, 0, 0, NULL, NULL},
	};
	size_t pwlen = 0, grlen = 0;
	cleanup_free uint8_t *pw = read_file("tests/data/image_parse/passwd", &pwlen);
	cleanup_free uint8_t *gr = read_file("tests/data/image_parse/group", &grlen);
	run_user_cases(pw, pwlen, gr, grlen, cases, ELEMENTSOF(cases));

	/* An image without /etc/passwd and /etc/group: numeric ids only. */
	static const struct user_case none[] = {
	    {"", 0, 0, 0, 0, NULL, "/"},
	    {"0", 0, 0, 0, 0, NULL, "/"},
	    {"1000:1000", 0, 1000, 1000, 0, NULL, "/"},
	    {"root", -ENOENT, 0, 0, 0, NULL, NULL},
	    {"1000:wheel", -ENOENT, 0, 0, 0, NULL, NULL},
	};
	run_user_cases(NULL, 0, NULL, 0, none, ELEMENTSOF(none));

	/* The alpine pair from the parser's golden files. */
	static const struct user_case alpine[] = {
	    {"daemon", 0, 2, 2, 3, "daemon", "/sbin"},
	    {"root", 0, 0, 0, 7, "root", "/root"},
	};
	cleanup_free uint8_t *apw = read_file("tests/data/passwd/valid/alpine.passwd", &pwlen);
	cleanup_free uint8_t *agr = read_file("tests/data/passwd/valid/alpine.group", &grlen);
	run_user_cases(apw, pwlen, agr, grlen, alpine, ELEMENTSOF(alpine));

	/* A NUL byte fails the whole file, even when the spec names a good line. */
	static const struct user_case nul[] = {{"root", -EINVAL, 0, 0, 0, NULL, NULL}};
	cleanup_free uint8_t *npw = read_file("tests/data/image_parse/passwd_nul", &pwlen);
	run_user_cases(npw, pwlen, NULL, 0, nul, ELEMENTSOF(nul));

	/* Over the file cap: refused before any helper runs. */
	struct helper_ctx h = ctx();
	struct img_user *u = NULL;
	char err[256];
	assert_int_equal(
	    img_resolve_user(&h, pw, PASSWD_MAX_FILE_SIZE + 1, NULL, 0, "0", &u, err, sizeof(err)),
	    -E2BIG);
}

/* The helpers' own limits hold against a document at the cap (4 MiB of passwd and group). */
static void
test_helper_passwd_big(void **state)
{
	(void)state;
	size_t cap = PASSWD_MAX_FILE_SIZE;
	cleanup_free char *pw = malloc(cap);
	cleanup_free char *gr = malloc(cap);
	assert_non_null(pw);
	assert_non_null(gr);
	const char *line = "u:x:7:7::/:/bin/sh\n", *gline = "g:x:7:u\n";
	size_t pl = strlen(line), gl = strlen(gline), np = 0, ng = 0;
	(void)snprintf(pw, cap, "app:x:1000:1000::/home/app:/bin/sh\n");
	np = strlen(pw);
	/* Fill with whole lines: the buffers are byte arrays, not C strings. */
	while (np + pl <= cap) {
		memcpy(pw + np, line, pl); /* NOLINT(bugprone-not-null-terminated-result) */
		np += pl;
	}
	while (ng + gl <= cap) {
		memcpy(gr + ng, gline, gl); /* NOLINT(bugprone-not-null-terminated-result) */
		ng += gl;
	}
	struct helper_ctx h = ctx();
	struct img_user *u = NULL;
	char err[512] = "";
	/* Over PASSWD_MAX_ENTRIES lines: a limit, never a partial read. */
	int r =
	    img_resolve_user(&h, (uint8_t *)pw, np, (uint8_t *)gr, ng, "app", &u, err, sizeof(err));
	if (r != -E2BIG)
		fail_msg("big files: got %d '%s'", r, err);
}

static int
setup(void **state)
{
	(void)state;
	const char *env = getenv("CRISP_HELPER_DIR");
	if (env && env[0] == '/') {
		(void)snprintf(helper_dir, sizeof(helper_dir), "%s", env);
		return 0;
	}
	/* <B>/tests/test_image_parse -> <B> */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	(void)snprintf(helper_dir, sizeof(helper_dir), "%s", dirname(dirname(exe)));
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest_reply_valid),
	    cmocka_unit_test(test_manifest_reply_hostile),
	    cmocka_unit_test(test_manifest_select),
	    cmocka_unit_test(test_config_reply_valid),
	    cmocka_unit_test(test_config_reply_hostile),
	    cmocka_unit_test(test_passwd_reply_valid),
	    cmocka_unit_test(test_passwd_reply_hostile),
	    cmocka_unit_test(test_helper_manifest),
	    cmocka_unit_test(test_helper_manifest_refused),
	    cmocka_unit_test(test_helper_config),
	    cmocka_unit_test(test_helper_passwd),
	    cmocka_unit_test(test_helper_passwd_big),
	};
	return cmocka_run_group_tests_name("image_parse", tests, setup, NULL);
}
