/* SPDX-License-Identifier: Apache-2.0 */
/* The image store: verified blobs (blobs/sha256/<hex>), unpacked layers shared by chain ID
 * (layers/<hex>/diff, the overlay lower dirs), image records (images/<hex>.pb, protobuf,
 * written atomically), the pull pipeline and the ImageService RPCs.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_IMAGES_H
#define CRISP_DAEMON_IMAGES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/grpc/grpc_server.h"
#include "state.pb-c.h"

struct crisp;
struct keylocks;
struct layer_store;

struct images {
	pthread_mutex_t mu; /* the record table and the record files */
	Crisp__State__ImageRecord **v;
	size_t n;
	char *blob_dir;  /* <root>/blobs/sha256 */
	char *tmp_dir;   /* <root>/blobs/tmp: downloads in progress */
	char *layer_dir; /* <root>/layers */
	char *rec_dir;   /* <root>/images */
	struct keylocks *locks;
	struct layer_store *layers; /* layer sizes (layer_store.h); its own lock, taken after mu */
};

typedef Crisp__State__ImageRecord image_record;

/* Set up directories, remove what an interrupted pull left, load every record. */
int images_init(struct crisp *cr, struct images **ret);
struct images *images_free(struct images *im);

int images_register(struct grpc_server *s);

/* Find an image by ID ("sha256:<hex>", or a unique hex prefix of at least 12 digits), by
 * name (normalised: "busybox" is docker.io/library/busybox:latest), or name@digest. Returns a
 * deep copy (image_record_free) or NULL; -EINVAL in *reterr for an unparsable spec. The
 * copy's size is images_size(). */
image_record *images_find(struct images *im, const char *spec, int *reterr);
image_record *image_record_copy(const image_record *r);
void image_record_free(image_record *r);

/* Add r (taking nothing: it is copied), merging tags and digests into an existing record of
 * the same ID; its tags are removed from every other image (a tag names one image). */
int images_put(struct images *im, const image_record *r);

/* Remove by spec as RemoveImage does: a tag only untags while other names remain, an ID or
 * digest removes the image; then unreferenced layers and blobs are deleted. 0 when there
 * was nothing to remove. */
int images_remove(struct images *im, const char *spec, char *err, size_t errsz);

/* Paths. */
void images_blob_path(const struct images *im, const char *digest, char *buf, size_t sz);
void images_layer_path(const struct images *im, const char *chain_id, char *buf, size_t sz);

/* The image's size as CRI reports it: the sum of its layers' recorded usage (each layer's
 * layers/<hex> tree), or r->size (config + compressed layers as pulled) while one of its
 * layers is not measured yet. Touches only the in-memory table. */
uint64_t images_size(struct images *im, const image_record *r);

/* Bytes and inodes used by the store (ImageFsInfo): the recorded layer sizes plus the blob
 * and image-record files (flat directories, a few entries per image); never a layer tree.
 * *ret_unknown: layers whose size is not known yet (start-up measurement pending). */
int images_usage(struct images *im, uint64_t *ret_bytes, uint64_t *ret_inodes, size_t *ret_unknown);

/* The pull pipeline (image_pull.c). */
struct registry_auth;
int image_pull(struct crisp *cr, const char *ref, const struct registry_auth *auth, uint64_t req,
	       char **ret_id, char *err, size_t errsz);

#endif
