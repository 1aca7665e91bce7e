/* SPDX-License-Identifier: Apache-2.0 */
/* Layer records and sizes: what each unpacked layer (layers/<hex>) uses on disk, recorded once
 * when it is unpacked (layers/<hex>/layer.pb) and kept in memory, so image sizes and
 * ImageFsInfo never walk a layer tree. Layers unpacked before sizes were recorded are measured
 * once, by a bounded background walk started at start-up; until then they count as unknown.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_LAYER_STORE_H
#define CRISP_DAEMON_LAYER_STORE_H

#include <stddef.h>
#include <stdint.h>

struct layer_store;

struct layer_usage {
	uint64_t bytes; /* st_blocks * 512, each inode once */
	uint64_t inodes;
};

/* Load the record of every layers/<hex> directory (a missing or unreadable one marks the
 * layer unknown, to be measured by layer_store_start). layer_dir is copied. -ENOMEM. */
int layer_store_new(const char *layer_dir, struct layer_store **ret);

/* Start the background measurement of unknown layers (one thread, one layer at a time, at
 * most LAYER_WALK_MAX_ENTRIES entries and LAYER_MAX_DEPTH levels each; a layer past that
 * stays unknown). Nothing waits for it. -errno if the thread cannot start. */
int layer_store_start(struct layer_store *ls);

/* Stop and join the background thread, free everything. Accepts NULL, returns NULL. */
struct layer_store *layer_store_free(struct layer_store *ls);

/* Write dir/layer.pb (atomically) for a layer being unpacked into dir/diff: chain_id
 * "sha256:<hex>", the helper's validated totals. Called before dir is renamed into place,
 * so the layer and its record appear together. -errno. */
int layer_store_write(const char *dir, const char *chain_id, uint64_t disk_bytes, uint64_t inodes,
		      uint64_t uncompressed_size);

/* (Re)load layers/<hex>/layer.pb into the table once the layer is in place. -errno; the
 * layer is then unknown (0 is returned when the record is there). */
int layer_store_add(struct layer_store *ls, const char *chain_id);

/* Forget a layer (before its directory is removed). */
void layer_store_remove(struct layer_store *ls, const char *chain_id);

/* The layer's whole layers/<hex> tree: 0, or -ENOENT while it is unknown. */
int layer_store_get(struct layer_store *ls, const char *chain_id, struct layer_usage *ret);

/* Sum over the known layers; *ret_unknown counts the others. */
void layer_store_total(struct layer_store *ls, struct layer_usage *ret, size_t *ret_unknown);

#endif
