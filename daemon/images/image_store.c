/* SPDX-License-Identifier: Apache-2.0 */
/* Image store: records, lookups by ID/name/digest, tag moves, removal with garbage
 * collection of unreferenced layers and blobs, start-up cleanup and usage accounting (from
 * the layer records of layer_store.c: no request walks a layer tree).
 * runs in: daemon/privileged. Image names come from kubelet and go through the (fuzzed) image
 * reference parser, the one parser the daemon links. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/keylock.h"
#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "daemon/crisp.h"
#include "daemon/images/images.h"
#include "daemon/images/layer_store.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"
#include "parsers/image_ref.h"

#define ID_MIN_PREFIX 12

void
image_record_free(image_record *r)
{
	if (r)
		crisp__state__image_record__free_unpacked(r, NULL);
}

image_record *
image_record_copy(const image_record *r)
{
	size_t len = crisp__state__image_record__get_packed_size(r);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return NULL;
	(void)crisp__state__image_record__pack(r, buf);
	return crisp__state__image_record__unpack(NULL, len, buf);
}

static int
hex_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
digest_ok(const char *d)
{
	return strncmp(d, "sha256:", 7) == 0 && strlen(d) == 71 && hex_ok(d + 7, 64);
}

void
images_blob_path(const struct images *im, const char *digest, char *buf, size_t sz)
{
	(void)path_fmt(buf, sz, "%s/%s", im->blob_dir, digest + 7); /* "" when too long */
}

void
images_layer_path(const struct images *im, const char *chain_id, char *buf, size_t sz)
{
	(void)path_fmt(buf, sz, "%s/%s", im->layer_dir, chain_id + 7); /* "" when too long */
}

/* ---- records ---------------------------------------------------------------------- */

static int
save_record(struct images *im, const image_record *r)
{
	size_t len = crisp__state__image_record__get_packed_size(r);
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	(void)crisp__state__image_record__pack(r, buf);
	char name[80];
	snprintf(name, sizeof(name), "%s.pb", r->id + 7);
	return store_write_atomic(im->rec_dir, name, buf, len, 0600);
}

static int
record_ok(const image_record *r)
{
	if (r->version != 1 || !digest_ok(r->id) || !r->config)
		return 0;
	for (size_t i = 0; i < r->n_chain_ids; i++)
		if (!digest_ok(r->chain_ids[i]))
			return 0;
	return 1;
}

static void
load_records(struct images *im)
{
	DIR *d = opendir(im->rec_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l != 67 || strcmp(de->d_name + 64, ".pb") != 0)
			continue;
		cleanup_free uint8_t *buf = NULL;
		size_t len = 0;
		image_record *r = NULL;
		if (store_read(im->rec_dir, de->d_name, IMAGE_RECORD_MAX, &buf, &len) == 0)
			r = crisp__state__image_record__unpack(NULL, len, buf);
		if (!r || !record_ok(r)) {
			log_error(0, "image record %s/%s is unreadable; ignoring it", im->rec_dir,
				  de->d_name);
			image_record_free(r);
			continue;
		}
		image_record **n = realloc(im->v, (im->n + 1) * sizeof(*n));
		if (!n) {
			image_record_free(r);
			break;
		}
		im->v = n;
		im->v[im->n++] = r;
	}
	if (d)
		(void)closedir(d);
}

/* Leftovers of interrupted pulls: temp downloads and half-unpacked layers. */
static void
clean_partial(struct images *im)
{
	DIR *d = opendir(im->tmp_dir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		(void)closedir(d);
	d = opendir(im->layer_dir);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "tmp-", 4) != 0)
			continue;
		char p[CRISP_PATH_MAX];
		if (path_fmt(p, sizeof(p), "%s/%s", im->layer_dir, de->d_name) < 0)
			continue; /* a cut path names another directory */
		log_info(0, "removing the half-unpacked layer %s", p);
		(void)store_remove_tree(p);
	}
	if (d)
		(void)closedir(d);
}

int
images_init(struct crisp *cr, struct images **ret)
{
	struct images *im = calloc(1, sizeof(*im));
	if (!im)
		return -ENOMEM;
	pthread_mutex_init(&im->mu, NULL);
	const char *root = cr->cfg->root;
	if (asprintf(&im->blob_dir, "%s/blobs/sha256", root) < 0 ||
	    asprintf(&im->tmp_dir, "%s/blobs/tmp", root) < 0 ||
	    asprintf(&im->layer_dir, "%s/layers", root) < 0 ||
	    asprintf(&im->rec_dir, "%s/images", root) < 0 || !(im->locks = keylocks_new())) {
		images_free(im);
		return -ENOMEM;
	}
	int r = store_mkdir_p(im->blob_dir, 0700);
	if (r == 0)
		r = store_mkdir_p(im->tmp_dir, 0700);
	if (r == 0)
		r = store_mkdir_p(im->layer_dir, 0700);
	if (r == 0)
		r = store_mkdir_p(im->rec_dir, 0700);
	if (r < 0) {
		log_error(0, "cannot set up the image store under %s: %s", root, strerror(-r));
		images_free(im);
		return r;
	}
	(void)store_clean_temp(im->rec_dir);
	clean_partial(im);
	load_records(im);
	r = layer_store_new(im->layer_dir, &im->layers);
	if (r < 0) {
		images_free(im);
		return r;
	}
	log_info(0, "%zu images in the store", im->n);
	/* Layers from before size records: measured in the background, nothing waits. */
	if ((r = layer_store_start(im->layers)) < 0)
		log_warn(0, "cannot start measuring unrecorded layers: %s", strerror(-r));
	*ret = im;
	return 0;
}

struct images *
images_free(struct images *im)
{
	if (!im)
		return NULL;
	im->layers = layer_store_free(im->layers); /* stops the start-up measurement first */
	for (size_t i = 0; i < im->n; i++)
		image_record_free(im->v[i]);
	free(im->v);
	free(im->blob_dir);
	free(im->tmp_dir);
	free(im->layer_dir);
	free(im->rec_dir);
	keylocks_free(im->locks);
	pthread_mutex_destroy(&im->mu);
	free(im);
	return NULL;
}

/* ---- lookups ------------------------------------------------------------------------ */

static int
has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/* Index of the image spec names, or -1 (-2: an ambiguous ID prefix). Caller holds mu. */
static ssize_t
find_locked(struct images *im, const char *spec, int *reterr)
{
	size_t l = strlen(spec);
	const char *hex = strncmp(spec, "sha256:", 7) == 0 ? spec + 7 : spec;
	size_t hl = strlen(hex);
	*reterr = 0;
	if (hl >= ID_MIN_PREFIX && hl <= 64 && hex_ok(hex, hl)) {
		ssize_t found = -1;
		for (size_t i = 0; i < im->n; i++)
			if (strncmp(im->v[i]->id + 7, hex, hl) == 0) {
				if (found >= 0)
					return -2;
				found = (ssize_t)i;
			}
		if (found >= 0 || hl == 64)
			return found;
	}
	struct image_ref *ref = NULL;
	struct parse_error pe;
	if (image_ref_parse((const uint8_t *)spec, l, NULL, &ref, &pe) < 0) {
		*reterr = -EINVAL;
		return -1;
	}
	char *want = NULL;
	ssize_t found = -1;
	if (ref->digest && asprintf(&want, "%s@%s", ref->name, ref->digest) >= 0) {
		for (size_t i = 0; i < im->n && found < 0; i++)
			if (has(im->v[i]->repo_digests, im->v[i]->n_repo_digests, want))
				found = (ssize_t)i;
	} else if (ref->tag && asprintf(&want, "%s:%s", ref->name, ref->tag) >= 0) {
		for (size_t i = 0; i < im->n && found < 0; i++)
			if (has(im->v[i]->repo_tags, im->v[i]->n_repo_tags, want))
				found = (ssize_t)i;
	}
	free(want);
	image_ref_free(ref);
	return found;
}

uint64_t
images_size(struct images *im, const image_record *r)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < r->n_chain_ids; i++) {
		struct layer_usage u;
		if (layer_store_get(im->layers, r->chain_ids[i], &u) < 0)
			return r->size; /* not measured yet: the size as pulled */
		sum = sum > UINT64_MAX - u.bytes ? UINT64_MAX : sum + u.bytes;
	}
	return sum;
}

image_record *
images_find(struct images *im, const char *spec, int *reterr)
{
	pthread_mutex_lock(&im->mu);
	ssize_t i = find_locked(im, spec, reterr);
	image_record *r = i >= 0 ? image_record_copy(im->v[i]) : NULL;
	if (r)
		r->size = images_size(im, r);
	pthread_mutex_unlock(&im->mu);
	if (i == -2)
		*reterr = -ENOTUNIQ;
	return r;
}

/* ---- updates ------------------------------------------------------------------------ */

/* Records come from protobuf_c unpack with the default allocator (malloc/free), so their
 * string vectors are grown and shrunk with malloc/free too. */

static int
strv_add(char ***v, size_t *n, const char *s)
{
	if (has(*v, *n, s))
		return 0;
	char **nv = malloc((*n + 1) * sizeof(char *));
	if (!nv)
		return -ENOMEM;
	if (*n)
		memcpy(nv, *v, *n * sizeof(char *));
	char *c = malloc(strlen(s) + 1);
	if (!c) {
		free(nv);
		return -ENOMEM;
	}
	memcpy(c, s, strlen(s) + 1);
	nv[*n] = c;
	free(*v);
	*v = nv;
	(*n)++;
	return 0;
}

static void
strv_del(char **v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i], s) == 0) {
			free(v[i]);
			v[i] = v[--*n];
			return;
		}
}

static void collect_garbage(struct images *im, const image_record *gone);

int
images_put(struct images *im, const image_record *r)
{
	image_record *copy = image_record_copy(r);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&im->mu);
	int err = 0;
	ssize_t at = -1;
	for (size_t i = 0; i < im->n; i++) {
		image_record *o = im->v[i];
		if (strcmp(o->id, r->id) == 0) {
			at = (ssize_t)i;
			continue;
		}
		size_t before = o->n_repo_tags;
		for (size_t t = 0; t < r->n_repo_tags; t++)
			strv_del(o->repo_tags, &o->n_repo_tags, r->repo_tags[t]);
		if (o->n_repo_tags != before)
			(void)save_record(im, o); /* the tag moved to the new image */
	}
	if (at >= 0) { /* same content pulled under another name: merge the names */
		image_record *o = im->v[at];
		for (size_t t = 0; t < o->n_repo_tags && err == 0; t++)
			err = strv_add(&copy->repo_tags, &copy->n_repo_tags, o->repo_tags[t]);
		for (size_t t = 0; t < o->n_repo_digests && err == 0; t++)
			err = strv_add(&copy->repo_digests, &copy->n_repo_digests,
				       o->repo_digests[t]);
	}
	if (err == 0)
		err = save_record(im, copy);
	if (err == 0 && at >= 0) {
		image_record *old = im->v[at];
		im->v[at] = copy;
		collect_garbage(im, old); /* layers the new record no longer names */
		image_record_free(old);
	} else if (err == 0) {
		image_record **n = realloc(im->v, (im->n + 1) * sizeof(*n));
		if (!n)
			err = -ENOMEM;
		else
			(im->v = n)[im->n++] = copy;
	}
	pthread_mutex_unlock(&im->mu);
	if (err < 0)
		image_record_free(copy);
	return err;
}

/* Delete layers and blobs no remaining image uses. Caller holds mu. */
static void
collect_garbage(struct images *im, const image_record *gone)
{
	for (size_t i = 0; i < gone->n_chain_ids; i++) {
		int used = 0;
		for (size_t j = 0; j < im->n && !used; j++)
			used = has(im->v[j]->chain_ids, im->v[j]->n_chain_ids, gone->chain_ids[i]);
		if (used)
			continue;
		char p[CRISP_PATH_MAX];
		images_layer_path(im, gone->chain_ids[i], p, sizeof(p));
		layer_store_remove(im->layers, gone->chain_ids[i]);
		int r = store_remove_tree(p);
		if (r < 0)
			log_warn(0, "cannot remove layer %s: %s", p, strerror(-r));
	}
	const char *blobs[] = {gone->id, gone->manifest_digest};
	for (size_t b = 0; b < ELEMENTSOF(blobs); b++) {
		int used = 0;
		for (size_t j = 0; j < im->n && !used; j++)
			used = strcmp(im->v[j]->id, blobs[b]) == 0 ||
			       strcmp(im->v[j]->manifest_digest, blobs[b]) == 0;
		char p[CRISP_PATH_MAX];
		if (!used && digest_ok(blobs[b])) {
			images_blob_path(im, blobs[b], p, sizeof(p));
			(void)unlink(p);
		}
	}
}

static int
untag_only(struct images *im, size_t i, const char *spec)
{
	image_record *o = im->v[i];
	struct image_ref *ref = NULL;
	/* Only tags count as other names (as CRI-O's storage sees it): removing an image's last
	 * tag removes the image. */
	if (o->n_repo_tags <= 1 ||
	    image_ref_parse((const uint8_t *)spec, strlen(spec), NULL, &ref, NULL) < 0)
		return 0;
	int done = 0;
	char *name = NULL;
	if (!ref->digest && ref->tag && asprintf(&name, "%s:%s", ref->name, ref->tag) >= 0 &&
	    has(o->repo_tags, o->n_repo_tags, name)) {
		strv_del(o->repo_tags, &o->n_repo_tags, name);
		done = save_record(im, o) == 0;
	}
	free(name);
	image_ref_free(ref);
	return done;
}

int
images_remove(struct images *im, const char *spec, char *err, size_t errsz)
{
	pthread_mutex_lock(&im->mu);
	int e = 0;
	ssize_t i = find_locked(im, spec, &e);
	if (i == -2 || e < 0) {
		pthread_mutex_unlock(&im->mu);
		snprintf(err, errsz, "image %.300s: %s", spec,
			 i == -2 ? "ambiguous ID prefix" : "not a valid image reference");
		return -EINVAL;
	}
	if (i < 0 || untag_only(im, (size_t)i, spec)) {
		pthread_mutex_unlock(&im->mu);
		return 0;
	}
	image_record *gone = im->v[i];
	char name[CRISP_PATH_MAX];
	if (path_fmt(name, sizeof(name), "%s/%s.pb", im->rec_dir, gone->id + 7) < 0 ||
	    (unlink(name) < 0 && errno != ENOENT)) {
		if (!name[0])
			errno = ENAMETOOLONG;
		snprintf(err, errsz, "remove %s: %s", name, strerror(errno));
		pthread_mutex_unlock(&im->mu);
		return -errno;
	}
	im->v[i] = im->v[--im->n];
	collect_garbage(im, gone);
	pthread_mutex_unlock(&im->mu);
	log_info(0, "image %s removed", gone->id);
	image_record_free(gone);
	return 0;
}

/* ---- usage ------------------------------------------------------------------------- */

/* The entries of one flat directory (blobs, image records: a few per image, never a layer
 * tree): no recursion. */
static void
flat_usage(const char *dir, uint64_t *bytes, uint64_t *inodes)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		*bytes += (uint64_t)st.st_blocks * 512u;
		*inodes += 1;
	}
	if (d)
		(void)closedir(d);
}

int
images_usage(struct images *im, uint64_t *ret_bytes, uint64_t *ret_inodes, size_t *ret_unknown)
{
	struct layer_usage u;
	size_t unknown = 0;
	layer_store_total(im->layers, &u, &unknown);
	uint64_t bytes = u.bytes, inodes = u.inodes;
	flat_usage(im->blob_dir, &bytes, &inodes);
	flat_usage(im->rec_dir, &bytes, &inodes);
	*ret_bytes = bytes;
	*ret_inodes = inodes;
	*ret_unknown = unknown;
	return 0;
}
