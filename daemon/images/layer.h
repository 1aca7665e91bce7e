/* SPDX-License-Identifier: Apache-2.0 */
/* Unpack one layer blob into its own directory through crisp-helper-unpack (chrooted into
 * that directory), then mark its opaque directories for overlayfs.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_LAYER_H
#define CRISP_DAEMON_LAYER_H

#include <stddef.h>
#include <stdint.h>

struct helper_ctx;

enum layer_compression {
	LAYER_COMPRESSION_NONE,
	LAYER_COMPRESSION_GZIP,
	LAYER_COMPRESSION_ZSTD,
	LAYER_COMPRESSION_COUNT
};

struct layer_unpack_result {
	char diff_id[72]; /* "sha256:<hex>" of the uncompressed stream */
	uint64_t uncompressed_size;
	uint64_t entries;
	uint64_t disk_bytes; /* what dest_dir's tree uses (st_blocks * 512, each inode once) */
	uint64_t inodes;     /* inodes in dest_dir's tree, dest_dir included */
};

/* Unpack the layer blob (blob_fd: the verified, complete blob file, read from offset 0; the
 * helper gets its own read-only open of it, so blob_fd's offset is untouched and the helper
 * can never write the blob) into dest_dir, an empty directory the daemon created (it becomes
 * the overlay lower dir `layers/<chainID>/diff`). Whiteouts and opaque directories end up in
 * overlay form (0/0 character devices; trusted.overlay.opaque=y, set here by the daemon).
 * c comes from the manifest's media type and is never guessed. max_uncompressed caps the
 * uncompressed stream (layer_max_bytes); entries are capped at LAYER_MAX_ENTRIES.
 *
 * ret->disk_bytes and ret->inodes are the helper's measurement of what it wrote (bounded by
 * the validator: whole blocks, at most what the entries and the stream can take); they feed
 * the layer record, image sizes and ImageFsInfo, never an allocation or a path.
 *
 * Trust: ret->diff_id is computed by the helper (the daemon never reads the uncompressed
 * stream). The caller must compare it with the image config's rootfs.diff_ids (the config is
 * digest-verified). A helper subverted by a hostile layer could lie about it, but that same
 * helper already decides the directory's content; so a layer directory must only be reused
 * for an image whose manifest names the same (daemon-verified) compressed blob digest, never
 * on a diffID/chainID match alone.
 *
 * dest_dir must sit in a root-only tree (the image store): layers keep their setuid bits,
 * file capabilities and device nodes, which are only safe where no host user can reach them.
 *
 * The helper's deadline is the unpack policy's (1 h) or h->timeout_ms if that is longer.
 * Returns 0 and fills *ret, or -errno with a message a person can act on in err
 * ("layer entry \"../etc/passwd\": path escapes the layer", "layer larger than the
 * 17179869184-byte uncompressed limit (layer_max_bytes)", "gzip: ... at compressed byte
 * 1234"). On failure dest_dir may hold partial content: the caller deletes it. */
int layer_unpack(const struct helper_ctx *h, int blob_fd, const char *dest_dir,
		 enum layer_compression c, uint64_t max_uncompressed,
		 struct layer_unpack_result *ret, char *err, size_t errsz);

/* Set trusted.overlay.opaque=y on dir (relative to dest_fd, normalised, "." for the root),
 * opened with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|
 * RESOLVE_NO_XDEV) so a symlink planted by the layer can never redirect it. -errno. */
int layer_mark_opaque(int dest_fd, const char *dir);

const char *layer_compression_to_string(enum layer_compression c);

#endif
