/* SPDX-License-Identifier: Apache-2.0 */
/* One layer tar entry, validated: path normalisation (no "..", no absolute path), whiteout
 * and opaque-marker detection, type, owner, mode and device checks, and the xattr filter.
 * runs in: helper/untrusted (pure: no I/O, no allocation, no state). */
#ifndef CRISP_PARSERS_TAR_ENTRY_H
#define CRISP_PARSERS_TAR_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"
#include "parsers/base/parse_error.h"

/* Device nodes: character and block devices and fifos are created, as CRI-O does (its
 * containers/storage extracts them when it runs as root). They are inert where they land (the
 * layer store is root-only) and inside a container the device cgroup decides access, as for
 * any device. The one refusal: a character device 0/0, which overlayfs reads as a whiteout
 * (only the unpacker's own ".wh." conversion may create one). */
enum tar_entry_type {
	TAR_ENTRY_REG,
	TAR_ENTRY_DIR,
	TAR_ENTRY_SYMLINK,
	TAR_ENTRY_HARDLINK,
	TAR_ENTRY_CHR,
	TAR_ENTRY_BLK,
	TAR_ENTRY_FIFO,
	TAR_ENTRY_OTHER, /* sockets, unknown types: refused */
	TAR_ENTRY_TYPE_COUNT
};

/* What the unpacker does with a validated entry. */
enum tar_action {
	TAR_ACTION_CREATE,   /* create path as type */
	TAR_ACTION_ROOT,     /* "./": metadata of the layer root itself (type is DIR) */
	TAR_ACTION_WHITEOUT, /* ".wh.<name>": create a 0/0 character device at path */
	TAR_ACTION_OPAQUE,   /* ".wh..wh..opq": path (a directory, "." for the root) is opaque */
	TAR_ACTION_SKIP,     /* other ".wh..wh." names (aufs metadata): ignored, as Docker does */
	TAR_ACTION_COUNT
};

/* An entry as the archive reader saw it (all untrusted). */
struct tar_entry_in {
	const char *path; /* NUL-terminated bytes as stored in the archive */
	const char *link; /* symlink or hardlink target, NULL for other types */
	enum tar_entry_type type;
	uint32_t mode; /* st_mode bits; only 07777 is used */
	int64_t uid, gid;
	int64_t size; /* declared data size */
	uint64_t dev_major, dev_minor;
	uint64_t max_size;  /* largest size an entry may declare (the layer's uncompressed cap) */
	int64_t mtime_sec;  /* modification time (any value; nanoseconds outside 0..999999999 */
	int64_t mtime_nsec; /* become 0) */
};

struct tar_entry {
	enum tar_action action;
	enum tar_entry_type type;
	/* Normalised relative path: components joined by single '/', no "." or ".."
	 * components, no leading or trailing '/'; "." only for the root (ROOT, OPAQUE). For
	 * WHITEOUT it is the path whited out (".wh." removed). */
	char path[LAYER_PATH_MAX + 1];
	/* HARDLINK: the normalised target (an earlier entry of this layer). SYMLINK: the target
	 * verbatim (it is data: never followed by the unpacker). */
	char link[LAYER_PATH_MAX + 1];
	uint32_t mode; /* 07777 for files and directories, 0777 for devices and fifos */
	uint32_t uid, gid;
	uint64_t size; /* REG only; 0 for everything else */
	uint32_t dev_major, dev_minor;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

/* Validate in and fill *ret. Errors (reterr filled, message quotes the entry's path):
 * PARSE_ERR_VALUE for a path that escapes the layer ("..", absolute), an empty path or
 * target, a NUL-free but otherwise bad name, a character device 0/0 that is not a ".wh."
 * whiteout (only the unpacker makes whiteouts), an unsupported type; PARSE_ERR_RANGE for an
 * owner outside 0..2^32-2 or a device number that does not fit; PARSE_ERR_LIMIT for a path
 * over LAYER_PATH_MAX / LAYER_NAME_MAX / LAYER_MAX_DEPTH or a size over in->max_size. */
int tar_entry_check(const struct tar_entry_in *in, struct tar_entry *ret,
		    struct parse_error *reterr);

/* Normalise an archive path into out[outsz] (see struct tar_entry.path); "" and "./" give
 * ".". Errors as tar_entry_check (reterr quotes the path). */
int tar_path_normalize(const char *path, char *out, size_t outsz, struct parse_error *reterr);

enum tar_xattr_verdict {
	TAR_XATTR_DROP, /* trusted.*, security.* other than security.capability, system.*, ... */
	TAR_XATTR_KEEP, /* security.capability (file capabilities) and user.* */
	TAR_XATTR_VERDICT_COUNT
};

/* Decide on one xattr of an entry (name as in the archive, value of len bytes).
 * trusted.* is dropped because overlayfs trusts trusted.overlay.* (a layer must not forge
 * whiteouts, opaque markers or redirects); other security.* (SELinux labels, IMA) are the
 * host's business. Errors: PARSE_ERR_VALUE for a kept name whose value is malformed (a
 * security.capability that is not a v1/v2/v3 vfs_cap_data), PARSE_ERR_LIMIT for a name or
 * value over LAYER_XATTR_NAME_MAX / LAYER_XATTR_VALUE_MAX. path is for the message. */
int tar_xattr_check(const char *path, const char *name, const void *value, size_t len,
		    enum tar_xattr_verdict *ret, struct parse_error *reterr);

const char *tar_entry_type_to_string(enum tar_entry_type t);

#endif
