/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-manifest replies into struct img_manifest, and the pure
 * index-entry selection by platform (image_docs.h declares the structs and contract).
 * runs in: daemon/privileged (pure, fuzzed: fuzz/manifest_reply_fuzz.c). */
#ifndef CRISP_DAEMON_MANIFEST_REPLY_H
#define CRISP_DAEMON_MANIFEST_REPLY_H

#include "daemon/replies/image_docs.h"
#include "helper.pb-c.h"

/* Check every field of a ManifestReply from a helper that may be compromised and copy it
 * into a new *ret (img_manifest_free): kind and media type agree (and agree with
 * content_type when that is a known manifest or index type; content_type may be NULL);
 * digests sha256/sha512 with exact hex lengths; media types RFC 6838; sizes <= 2^53; at most
 * MANIFEST_MAX_LAYERS layers and MANIFEST_MAX_MANIFESTS index entries; a manifest has an
 * image config descriptor and layers of known layer types whose compression matches the
 * type; index entries carry no compression and an optional platform of printable names;
 * config and layers carry no platform; an index has no config or layers and a manifest no
 * entries. Errors: -EPROTO (the reply breaks a rule), -ENOMEM. Nothing in *ret points into
 * r. */
int manifest_reply_validate(const Crisp__Helper__ManifestReply *r, const char *content_type,
			    struct img_manifest **ret);

#endif
