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

struct images {
	pthread_mutex_t mu; /* the record table and the record files */
	Crisp__State__ImageRecord **v;
	size_t n;
	char *blob_dir;  /* <root>/blobs/sha256 */
	char *tmp_dir;   /* <root>/blobs/tmp: downloads in progress */
	char *layer_dir; /* <root>/layers */
	char *rec_dir;   /* <root>/images */
	struct keylocks *locks;
};

typedef Crisp__State__ImageRecord image_record;

/* Set up directories, remove what an interrupted pull left, load every record. */
int images_init(struct crisp *cr, struct images **ret);
struct images *images_free(struct images *im);

int images_register(struct grpc_server *s);

/* Find an image by ID ("sha256:<hex>", or a unique hex prefix of at least 12 digits), by
 * name (normalised: "busybox" is docker.io/library/busybox:latest), or name@digest. Returns a
 * deep copy (image_record_free) or NULL; -EINVAL in *reterr for an unparsable spec. */
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

/* Bytes and inodes used by the store (ImageFsInfo). */
int images_usage(struct images *im, uint64_t *ret_bytes, uint64_t *ret_inodes);

/* The pull pipeline (image_pull.c). */
struct registry_auth;
int image_pull(struct crisp *cr, const char *ref, const struct registry_auth *auth, uint64_t req,
	       char **ret_id, char *err, size_t errsz);

#endif
