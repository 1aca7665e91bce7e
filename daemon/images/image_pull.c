/* SPDX-License-Identifier: Apache-2.0 */
/* The pull pipeline: resolve the reference (registries config: blocked, mirrors, insecure,
 * short names), fetch and verify the manifest (picking linux/<host arch> from an index), the
 * config and the layers (sha256 and size checked by the daemon before anything uses them),
 * unpack missing layers in parallel (shared by chain ID), check each diffID against the
 * config, and record the image. Every document is parsed in a helper.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "daemon/core/crypto.h"
#include "daemon/core/keylock.h"
#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "daemon/helpers/image_calls.h"
#include "daemon/images/images.h"
#include "daemon/images/layer.h"
#include "daemon/images/layer_store.h"
#include "daemon/images/registry.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"
#include "parsers/image_ref.h"

struct source {
	char registry[300]; /* host[:port] to connect to */
	int plain_http;
	char ca_dir[CRISP_PATH_MAX]; /* <certs_dir>/<host> when it exists, else "" */
};

struct pull {
	struct crisp *cr;
	struct images *im;
	const struct registry_auth *auth;
	struct helper_ctx h;
	uint64_t layer_max;
	unsigned parallel;
	struct image_ref *ref;
	struct source src; /* the one that answered the manifest */
	struct registry_target target;
	/* results */
	struct img_manifest *manifest;
	char manifest_digest[CRYPTO_DIGEST_STR]; /* the image manifest */
	char top_digest[CRYPTO_DIGEST_STR];      /* what the reference resolved to */
	struct img_config *config;
	char **chain_ids; /* layer keys: see chain_ids() */
	uint64_t unpacked;
	/* parallel layer work */
	pthread_mutex_t mu;
	atomic_size_t next;
	int failed;
	char err[1024];
};

/* ---- reference and sources ---------------------------------------------------------- */

static int
is_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strncmp(host, "localhost", 9) == 0 ||
	       strncmp(host, "[::1]", 5) == 0;
}

static int
list_has_host(const struct strv *l, const char *host)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], host) == 0)
			return 1;
	return 0;
}

/* Docker Hub's API lives on another host than its name. */
static const char *
endpoint_of(const char *domain)
{
	return strcmp(domain, "docker.io") == 0 ? "registry-1.docker.io" : domain;
}

static void
add_source(struct source *s, size_t *n, const char *host, const struct config *cfg)
{
	if (*n >= PULL_MAX_SOURCES)
		return;
	snprintf(s[*n].registry, sizeof(s[*n].registry), "%s", endpoint_of(host));
	/* Plain HTTP only for registries the config marks insecure, and for loopback ones
	 * without configuration, as Docker does. */
	s[*n].plain_http = list_has_host(&cfg->insecure, host) || is_loopback(host);
	/* Extra CAs for this registry, as /etc/containers/certs.d/<host>/ works for CRI-O. */
	struct stat st;
	if (path_fmt(s[*n].ca_dir, sizeof(s[*n].ca_dir), "%s/%s", cfg->certs_dir, host) < 0 ||
	    stat(s[*n].ca_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		s[*n].ca_dir[0] = '\0';
	(*n)++;
}

/* A name without a registry ("busybox", "library/busybox") is a short name: resolved through
 * the unqualified-search list, and an error when that list has more than one entry. */
static int
short_name(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strcspn(s, ":@");
	if (!slash)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || (s[i] >= 'A' && s[i] <= 'Z'))
			return 0;
	return !(n == 9 && strncmp(s, "localhost", 9) == 0);
}

static int
resolve_ref(struct pull *p, const struct config *cfg, const char *spec, char *err, size_t errsz)
{
	if (short_name(spec)) {
		if (cfg->unqualified_search.n == 0) {
			snprintf(err, errsz,
				 "short name \"%.200s\": no unqualified_search "
				 "registries are configured; use a fully qualified name",
				 spec);
			return -EINVAL;
		}
		if (cfg->unqualified_search.n > 1 ||
		    strcmp(cfg->unqualified_search.v[0], "docker.io") != 0) {
			snprintf(err, errsz,
				 "short name \"%.200s\" is ambiguous with the configured "
				 "unqualified_search registries; use a fully qualified name",
				 spec);
			return -EINVAL;
		}
	}
	struct parse_error pe;
	if (image_ref_parse((const uint8_t *)spec, strlen(spec), NULL, &p->ref, &pe) < 0) {
		snprintf(err, errsz, "invalid image reference \"%.200s\": %s", spec, pe.message);
		return -EINVAL;
	}
	if (list_has_host(&cfg->blocked, p->ref->domain)) {
		snprintf(err, errsz, "registry %s is blocked by the crisp configuration",
			 p->ref->domain);
		return -EPERM;
	}
	return 0;
}

static size_t
sources_of(const struct pull *p, const struct config *cfg, struct source *s)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_mirrors; i++)
		if (strcmp(cfg->mirrors[i].registry, p->ref->domain) == 0)
			for (size_t m = 0; m < cfg->mirrors[i].mirrors.n; m++)
				add_source(s, &n, cfg->mirrors[i].mirrors.v[m], cfg);
	add_source(s, &n, p->ref->domain, cfg);
	return n;
}

/* ---- manifests ---------------------------------------------------------------------- */

static int
host_platform(char *arch, size_t asz, char *variant, size_t vsz)
{
	struct utsname u;
	if (uname(&u) < 0)
		return -errno;
	const char *a = u.machine, *v = "";
	if (strcmp(a, "x86_64") == 0)
		a = "amd64";
	else if (strcmp(a, "aarch64") == 0)
		a = "arm64";
	else if (strncmp(a, "armv7", 5) == 0)
		a = "arm", v = "v7";
	else if (strncmp(a, "armv6", 5) == 0)
		a = "arm", v = "v6";
	snprintf(arch, asz, "%.15s", a);
	snprintf(variant, vsz, "%s", v);
	return 0;
}

/* Fetch reference from the current source, check its digest, parse it. */
static int
fetch_manifest(struct pull *p, const char *reference, const char *want_digest,
	       struct img_manifest **ret, char digest[CRYPTO_DIGEST_STR], char *err, size_t errsz)
{
	cleanup_free uint8_t *buf = NULL;
	cleanup_free char *ctype = NULL, *hdr_digest = NULL;
	size_t len = 0;
	int r = registry_get_manifest(&p->h, &p->target, p->auth, reference, &buf, &len, &ctype,
				      &hdr_digest, err, errsz);
	if (r < 0)
		return r;
	if (len > MANIFEST_MAX_SIZE) {
		snprintf(err, errsz, "manifest %s is larger than %u bytes", reference,
			 MANIFEST_MAX_SIZE);
		return -EFBIG;
	}
	crypto_sha256_buf(buf, len, digest);
	/* By digest: the bytes must hash to it. By tag: the registry's header, when it gives
	 * a sha256 one, must agree with what we computed. */
	const char *expect =
	    want_digest
		? want_digest
		: (hdr_digest && strncmp(hdr_digest, "sha256:", 7) == 0 ? hdr_digest : NULL);
	if (expect && !crypto_digest_equal(expect, digest)) {
		snprintf(err, errsz, "manifest %s: digest mismatch (expected %s, got %s)",
			 reference, expect, digest);
		return -EBADMSG;
	}
	return img_parse_manifest(&p->h, buf, len, ctype, ret, err, errsz);
}

static int
resolve_manifest(struct pull *p, char *err, size_t errsz)
{
	const char *reference = p->ref->digest ? p->ref->digest : p->ref->tag;
	struct img_manifest *m = NULL;
	int r = fetch_manifest(p, reference, p->ref->digest, &m, p->top_digest, err, errsz);
	if (r < 0)
		return r;
	memcpy(p->manifest_digest, p->top_digest, sizeof(p->top_digest));
	if (m->kind == IMG_KIND_INDEX) {
		char arch[32] = "", variant[16] = "";
		(void)host_platform(arch, sizeof(arch), variant, sizeof(variant));
		int i = img_manifest_select(m, arch, variant);
		if (i < 0) {
			snprintf(err, errsz, "%s has no image for linux/%s%s%s", p->ref->string,
				 arch, variant[0] ? "/" : "", variant);
			img_manifest_free(m);
			return -ENOENT;
		}
		char sub[CRYPTO_DIGEST_STR];
		snprintf(sub, sizeof(sub), "%s", m->manifests[i].digest);
		img_manifest_free(m);
		m = NULL;
		r = fetch_manifest(p, sub, sub, &m, p->manifest_digest, err, errsz);
		if (r < 0)
			return r;
		if (m->kind != IMG_KIND_MANIFEST) {
			snprintf(err, errsz, "index entry %s is not an image manifest", sub);
			img_manifest_free(m);
			return -EINVAL;
		}
	}
	if (m->n_layers == 0 || m->n_layers > PULL_MAX_LAYERS) {
		snprintf(err, errsz, "image manifest has %zu layers (1..%u allowed)", m->n_layers,
			 PULL_MAX_LAYERS);
		img_manifest_free(m);
		return -EINVAL;
	}
	p->manifest = m;
	return 0;
}

/* Try each source (mirrors first) until one serves the manifest. */
static int
find_source(struct pull *p, const struct config *cfg, char *err, size_t errsz)
{
	struct source s[PULL_MAX_SOURCES];
	size_t n = sources_of(p, cfg, s);
	int r = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		p->src = s[i];
		p->target =
		    (struct registry_target){.registry = p->src.registry,
					     .repository = p->ref->path,
					     .plain_http = p->src.plain_http,
					     .ca_dir = p->src.ca_dir[0] ? p->src.ca_dir : NULL};
		r = resolve_manifest(p, err, errsz);
		if (r == 0)
			return 0;
		if (i + 1 < n)
			log_info(p->h.request_id, "pull %s: %s: %s; trying the next source",
				 p->ref->string, s[i].registry, err);
	}
	return r;
}

/* ---- blobs -------------------------------------------------------------------------- */

static int
tmp_file(struct images *im, char *path, size_t sz)
{
	uint8_t rnd[8];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	snprintf(path, sz, "%s/%02x%02x%02x%02x%02x%02x%02x%02x", im->tmp_dir, rnd[0], rnd[1],
		 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd < 0 ? -errno : fd;
}

/* Make blobs/sha256/<hex> exist with the verified content of d; one download per blob even
 * when several pulls want it at once. */
static int
ensure_blob(struct pull *p, const struct img_descriptor *d, char *err, size_t errsz)
{
	char final[CRISP_PATH_MAX], tmp[CRISP_PATH_MAX];
	images_blob_path(p->im, d->digest, final, sizeof(final));
	if (!final[0]) {
		snprintf(err, errsz, "blob %s: path too long", d->digest);
		return -ENAMETOOLONG;
	}
	char key[100];
	snprintf(key, sizeof(key), "blob:%s", d->digest);
	struct keylock *l = keylock_acquire(p->im->locks, key);
	if (!l)
		return -ENOMEM;
	int r = 0;
	struct stat st;
	if (stat(final, &st) == 0 && (uint64_t)st.st_size == d->size)
		goto out; /* already here (verified when it was stored) */
	int fd = tmp_file(p->im, tmp, sizeof(tmp));
	if (fd < 0) {
		r = fd;
		snprintf(err, errsz, "create a temp file in %s: %s", p->im->tmp_dir, strerror(-r));
		goto out;
	}
	r = registry_get_blob(&p->h, &p->target, p->auth, d->digest, d->size, fd, 0, err, errsz);
	char got[CRYPTO_DIGEST_STR] = "";
	if (r == 0 && (fstat(fd, &st) < 0 || (uint64_t)st.st_size != d->size)) {
		snprintf(err, errsz, "blob %s: got %lld bytes, the manifest says %llu", d->digest,
			 (long long)st.st_size, (unsigned long long)d->size);
		r = -EBADMSG;
	}
	if (r == 0 && (r = crypto_sha256_fd(fd, d->size, got)) == 0 &&
	    !crypto_digest_equal(got, d->digest)) {
		snprintf(err, errsz, "blob %s: digest mismatch (got %s)", d->digest, got);
		r = -EBADMSG;
	}
	if (r == 0 && (fsync(fd) < 0 || rename(tmp, final) < 0)) {
		r = -errno;
		snprintf(err, errsz, "store blob %s: %s", d->digest, strerror(-r));
	}
	(void)close(fd);
	if (r < 0)
		(void)unlink(tmp); /* a bad or partial download never lands in the store */
out:
	keylock_release(p->im->locks, l);
	return r;
}

static int
read_blob(struct pull *p, const char *digest, size_t max, uint8_t **ret, size_t *ret_len)
{
	char path[CRISP_PATH_MAX];
	images_blob_path(p->im, digest, path, sizeof(path));
	char *slash = strrchr(path, '/');
	if (!slash)
		return -ENAMETOOLONG; /* images_blob_path gave "" */
	*slash = '\0';
	return store_read(path, slash + 1, max, ret, ret_len);
}

/* ---- layers ------------------------------------------------------------------------- */

/* chainID(1) = diffID(1); chainID(n) = sha256(chainID(n-1) + " " + diffID(n)) (OCI). A layer
 * directory is keyed by sha256(chainID + " " + the compressed blob's digest), not by the
 * chain ID alone: the diffID comes from the unpack helper, and a helper subverted by a
 * hostile layer could claim another image's diffID. Only the blob digest, which the daemon
 * verifies itself, may decide that two images share a layer. */
static int
chain_ids(struct pull *p)
{
	size_t n = p->config->n_diff_ids;
	p->chain_ids = calloc(n + 1, sizeof(char *));
	if (!p->chain_ids)
		return -ENOMEM;
	char chain[CRYPTO_DIGEST_STR] = "";
	for (size_t i = 0; i < n; i++) {
		char buf[300], out[CRYPTO_DIGEST_STR];
		if (i == 0) {
			snprintf(chain, sizeof(chain), "%s", p->config->diff_ids[0]);
		} else {
			int l = snprintf(buf, sizeof(buf), "%s %s", chain, p->config->diff_ids[i]);
			crypto_sha256_buf(buf, (size_t)l, out);
			memcpy(chain, out, sizeof(chain));
		}
		int l = snprintf(buf, sizeof(buf), "%s %s", chain, p->manifest->layers[i].digest);
		crypto_sha256_buf(buf, (size_t)l, out);
		if (!(p->chain_ids[i] = strdup(out)))
			return -ENOMEM;
	}
	return 0;
}

static int
unpack_one(struct pull *p, size_t i, char *err, size_t errsz)
{
	const struct img_descriptor *d = &p->manifest->layers[i];
	char final[CRISP_PATH_MAX], tmp[CRISP_PATH_MAX], blob[CRISP_PATH_MAX], diff[CRISP_PATH_MAX];
	images_layer_path(p->im, p->chain_ids[i], final, sizeof(final));
	struct stat st;
	if (stat(final, &st) == 0)
		return 0; /* shared with an image we have: unpacked once */
	int r = ensure_blob(p, d, err, errsz);
	if (r < 0)
		return r;
	uint8_t rnd[6];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -EIO;
	if ((r = path_fmt(tmp, sizeof(tmp), "%s/tmp-%02x%02x%02x%02x%02x%02x", p->im->layer_dir,
			  rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5])) < 0 ||
	    (r = path_fmt(diff, sizeof(diff), "%s/diff", tmp)) < 0) {
		snprintf(err, errsz, "prepare layer %s: %s", p->chain_ids[i], strerror(-r));
		return r;
	}
	images_blob_path(p->im, d->digest, blob, sizeof(blob));
	cleanup_close int fd = open(blob, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || mkdir(tmp, 0700) < 0 || mkdir(diff, 0755) < 0) {
		snprintf(err, errsz, "prepare layer %s: %s", p->chain_ids[i], strerror(errno));
		(void)store_remove_tree(tmp);
		return -errno;
	}
	struct layer_unpack_result res;
	r = layer_unpack(&p->h, fd, diff, (enum layer_compression)d->compression, p->layer_max,
			 &res, err, errsz);
	/* The diffID the helper computed must be the one the (digest-verified) config names:
	 * that is what ties the unpacked files to the image. */
	if (r == 0 && !crypto_digest_equal(res.diff_id, p->config->diff_ids[i])) {
		snprintf(err, errsz,
			 "layer %zu (%s): uncompressed digest %s does not match the "
			 "config's diff_id %s",
			 i, d->digest, res.diff_id, p->config->diff_ids[i]);
		r = -EBADMSG;
	}
	/* The size record goes in first: the layer and its record appear together. */
	if (r == 0 && (r = layer_store_write(tmp, p->chain_ids[i], res.disk_bytes, res.inodes,
					     res.uncompressed_size)) < 0)
		snprintf(err, errsz, "record layer %s: %s", p->chain_ids[i], strerror(-r));
	if (r == 0 && rename(tmp, final) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
		r = -errno;
		snprintf(err, errsz, "store layer %s: %s", p->chain_ids[i], strerror(-r));
	}
	if (r < 0 || stat(tmp, &st) == 0)
		(void)store_remove_tree(tmp); /* failed, or another pull won the rename */
	else if (layer_store_add(p->im->layers, p->chain_ids[i]) < 0)
		log_warn(0, "layer %s: its size record is unreadable", p->chain_ids[i]);
	if (r == 0) {
		pthread_mutex_lock(&p->mu);
		p->unpacked += res.uncompressed_size;
		pthread_mutex_unlock(&p->mu);
		(void)unlink(blob); /* the unpacked layer is what we keep */
	}
	return r;
}

static void *
layer_worker(void *arg)
{
	struct pull *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->manifest->n_layers)
			return NULL;
		pthread_mutex_lock(&p->mu);
		int stop = p->failed;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			return NULL;
		char key[100], err[1024];
		snprintf(key, sizeof(key), "layer:%s", p->chain_ids[i]);
		struct keylock *l = keylock_acquire(p->im->locks, key);
		int r = l ? unpack_one(p, i, err, sizeof(err)) : -ENOMEM;
		if (l)
			keylock_release(p->im->locks, l);
		if (r < 0) {
			pthread_mutex_lock(&p->mu);
			if (!p->failed)
				snprintf(p->err, sizeof(p->err), "%s",
					 r == -ENOMEM ? "out of memory" : err);
			p->failed = 1;
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
	}
}

static int
unpack_layers(struct pull *p, char *err, size_t errsz)
{
	pthread_t t[16];
	size_t n = p->parallel < 16 ? p->parallel : 16, started = 0;
	if (n > p->manifest->n_layers)
		n = p->manifest->n_layers;
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&t[started], NULL, layer_worker, p) == 0)
			started++;
	if (started == 0)
		(void)layer_worker(p);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (p->failed) {
		snprintf(err, errsz, "%s", p->err);
		return -EIO;
	}
	return 0;
}

/* ---- config and record ------------------------------------------------------------- */

static int
load_config(struct pull *p, char *err, size_t errsz)
{
	const struct img_descriptor *c = &p->manifest->config;
	/* The config helper's own cap, checked on the declared size before a byte is fetched. */
	if (c->size > IMAGE_CONFIG_MAX_SIZE) {
		snprintf(err, errsz, "image config %s is larger than %u bytes", c->digest,
			 IMAGE_CONFIG_MAX_SIZE);
		return -EFBIG;
	}
	int r = ensure_blob(p, c, err, errsz);
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	if (r == 0 && (r = read_blob(p, c->digest, IMAGE_CONFIG_MAX_SIZE, &buf, &len)) < 0)
		snprintf(err, errsz, "read image config %s: %s", c->digest, strerror(-r));
	if (r == 0)
		r = img_parse_config(&p->h, buf, len, &p->config, err, errsz);
	if (r == 0 && p->config->n_diff_ids != p->manifest->n_layers) {
		snprintf(err, errsz, "image config lists %zu diff_ids for %zu layers",
			 p->config->n_diff_ids, p->manifest->n_layers);
		r = -EINVAL;
	}
	return r;
}

/* A record view of the validated config: pointers into c, plus the label entries. */
struct config_view {
	Crisp__State__ImageConfig o;
	Crisp__State__ImageConfig__LabelsEntry *e;
	Crisp__State__ImageConfig__LabelsEntry **ep;
};

static int
config_record(const struct img_config *c, struct config_view *v)
{
	Crisp__State__ImageConfig *o = &v->o;
	crisp__state__image_config__init(o);
	o->os = UNCONST(c->os ? c->os : "");
	o->architecture = UNCONST(c->architecture ? c->architecture : "");
	o->variant = UNCONST(c->variant ? c->variant : "");
	o->created = UNCONST(c->created ? c->created : "");
	o->user = UNCONST(c->user ? c->user : "");
	o->n_env = c->n_env, o->env = c->env;
	o->n_entrypoint = c->n_entrypoint, o->entrypoint = c->entrypoint;
	o->n_cmd = c->n_cmd, o->cmd = c->cmd;
	o->working_dir = UNCONST(c->working_dir ? c->working_dir : "");
	o->n_exposed_ports = c->n_exposed_ports, o->exposed_ports = c->exposed_ports;
	o->n_volumes = c->n_volumes, o->volumes = c->volumes;
	o->stop_signal = UNCONST(c->stop_signal ? c->stop_signal : "");
	o->stop_signal_num = c->stop_signal_num;
	o->n_diff_ids = c->n_diff_ids, o->diff_ids = c->diff_ids;
	v->e = calloc(c->n_labels + 1, sizeof(*v->e));
	v->ep = calloc(c->n_labels + 1, sizeof(*v->ep));
	if (!v->e || !v->ep)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_labels; i++) {
		crisp__state__image_config__labels_entry__init(&v->e[i]);
		v->e[i].key = c->labels[i].key;
		v->e[i].value = c->labels[i].value;
		v->ep[i] = &v->e[i];
	}
	o->n_labels = c->n_labels;
	o->labels = v->ep;
	return 0;
}

static int
record_image(struct pull *p, char **ret_id, char *err, size_t errsz)
{
	image_record rec;
	crisp__state__image_record__init(&rec);
	rec.version = 1;
	rec.id = p->manifest->config.digest;
	char *tag = NULL, *digest = NULL;
	if (p->ref->tag && asprintf(&tag, "%s:%s", p->ref->name, p->ref->tag) < 0)
		tag = NULL;
	if (asprintf(&digest, "%s@%s", p->ref->name, p->top_digest) < 0)
		digest = NULL;
	rec.n_repo_tags = tag ? 1 : 0;
	rec.repo_tags = &tag;
	rec.n_repo_digests = digest ? 1 : 0;
	rec.repo_digests = &digest;
	rec.size = p->manifest->config.size;
	for (size_t i = 0; i < p->manifest->n_layers; i++)
		rec.size += p->manifest->layers[i].size;
	rec.unpacked_size = p->unpacked;
	rec.manifest_digest = p->manifest_digest;
	rec.n_chain_ids = p->manifest->n_layers;
	rec.chain_ids = p->chain_ids;
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	rec.pulled_at = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	struct config_view view = {0};
	int r = config_record(p->config, &view);
	rec.config = &view.o;
	if (r == 0)
		r = images_put(p->im, &rec);
	free(view.e);
	free(view.ep);
	free(tag);
	free(digest);
	if (r < 0) {
		snprintf(err, errsz, "save the image record: %s", strerror(-r));
		return r;
	}
	*ret_id = strdup(rec.id);
	return *ret_id ? 0 : -ENOMEM;
}

static void
pull_done(struct pull *p)
{
	image_ref_free(p->ref);
	img_manifest_free(p->manifest);
	img_config_free(p->config);
	for (size_t i = 0; p->chain_ids && p->chain_ids[i]; i++)
		free(p->chain_ids[i]);
	free(p->chain_ids);
	pthread_mutex_destroy(&p->mu);
}

int
image_pull(struct crisp *cr, const char *spec, const struct registry_auth *auth, uint64_t req,
	   char **ret_id, char *err, size_t errsz)
{
	struct pull p = {.cr = cr, .im = cr->images, .auth = auth};
	pthread_mutex_init(&p.mu, NULL);
	const struct config *cfg = crisp_config_lock(cr);
	p.h = (struct helper_ctx){.dir = cr->helper_dir,
				  .timeout_ms = (uint64_t)cfg->pull_timeout_s * 1000u,
				  .request_id = req};
	p.layer_max = cfg->layer_max_bytes;
	p.parallel = cfg->max_parallel_downloads;
	int r = resolve_ref(&p, cfg, spec, err, errsz);
	if (r == 0)
		r = find_source(&p, cfg, err, errsz);
	crisp_config_unlock(cr, cfg);
	if (r == 0)
		r = load_config(&p, err, errsz);
	if (r == 0 && (r = chain_ids(&p)) < 0)
		snprintf(err, errsz, "out of memory");
	if (r == 0)
		r = unpack_layers(&p, err, errsz);
	if (r == 0)
		r = record_image(&p, ret_id, err, errsz);
	if (r == 0)
		log_info(req, "pulled %s as %s (%zu layers)", p.ref->string, *ret_id,
			 p.manifest->n_layers);
	pull_done(&p);
	return r;
}
