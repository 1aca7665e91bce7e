/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-manifest: confine, read one ManifestRequest (a manifest or index as fetched and
 * the registry's Content-Type), parse it with parsers/manifest.c and reply with the validated
 * descriptors (ManifestReply) or an Error. Docker schema 1 comes back as an Error.
 * runs in: helper/untrusted. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/budget.h"
#include "parsers/base/macro.h"
#include "parsers/manifest.h"
#include "sandbox/helper_enter.h"
#include "sandbox/helper_msg.h"

typedef Crisp__Helper__ManifestReply ManifestReply;
typedef Crisp__Helper__ManifestReply__Descriptor Desc;
typedef Crisp__Helper__ManifestReply__Platform Platform;

static Crisp__Helper__ManifestReply__Compression
compression_of(const struct descriptor *d)
{
	enum layer_compression c = LAYER_COMPRESSION_NONE;
	if (!manifest_media_type_is_layer(d->media_type, &c))
		return CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_NONE;
	switch (c) {
	case LAYER_COMPRESSION_GZIP:
		return CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_GZIP;
	case LAYER_COMPRESSION_ZSTD:
		return CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_ZSTD;
	case LAYER_COMPRESSION_NONE:
	case LAYER_COMPRESSION_COUNT:
		break;
	}
	return CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_NONE;
}

/* Fill out (and pl, for an index entry with a platform) from d; strings are borrowed. */
static void
fill_desc(Desc *out, Platform *pl, const struct descriptor *d, bool index_entry)
{
	crisp__helper__manifest_reply__descriptor__init(out);
	out->media_type = d->media_type_str;
	out->digest = d->digest;
	out->size = d->size;
	out->compression = index_entry
			       ? CRISP__HELPER__MANIFEST_REPLY__COMPRESSION__COMPRESSION_NONE
			       : compression_of(d);
	if (index_entry && d->platform) {
		crisp__helper__manifest_reply__platform__init(pl);
		pl->os = d->platform->os;
		pl->architecture = d->platform->architecture;
		pl->variant = d->platform->variant ? d->platform->variant : UNCONST("");
		out->platform = pl;
	}
}

/* n descriptors of v as a freshly allocated pointer array (the helper exits soon after:
 * nothing here is freed). */
static Desc **
desc_array(const struct descriptor *v, size_t n, bool index_entry)
{
	Desc *d = calloc(n ? n : 1, sizeof(*d));
	Platform *pl = calloc(n ? n : 1, sizeof(*pl));
	/* sizeof(void *): an array of pointers (clang-tidy reads sizeof(Desc *) as a slip). */
	Desc **p = calloc(n ? n : 1, sizeof(void *));
	if (!d || !pl || !p)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		fill_desc(&d[i], &pl[i], &v[i], index_entry);
		p[i] = &d[i];
	}
	return p;
}

static _Noreturn void
do_manifest(struct helper_msg *msg, const Crisp__Helper__ManifestRequest *mr)
{
	struct manifest_opts opts = {
	    .content_type = mr->media_type && mr->media_type[0] ? mr->media_type : NULL};
	struct manifest *m = NULL;
	struct parse_error e;
	if (manifest_parse(mr->document.data, mr->document.len, &opts, &m, &e) < 0)
		helper_msg_error(msg, &e);
	bool index =
	    m->media_type == MEDIA_TYPE_OCI_INDEX || m->media_type == MEDIA_TYPE_DOCKER_LIST;
	ManifestReply out;
	Desc config;
	crisp__helper__manifest_reply__init(&out);
	out.media_type = UNCONST(manifest_media_type_name(m->media_type));
	if (index) {
		out.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_INDEX;
		out.n_manifests = m->n_manifests;
		out.manifests = desc_array(m->manifests, m->n_manifests, true);
	} else {
		out.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_MANIFEST;
		fill_desc(&config, NULL, &m->config, false);
		out.config = &config;
		out.n_layers = m->n_layers;
		out.layers = desc_array(m->layers, m->n_layers, false);
	}
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_MANIFEST;
	msg->rep.manifest = &out;
	helper_msg_send(msg);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_MANIFEST);
	struct helper_msg msg;
	Crisp__Helper__HelperRequest *req = helper_msg_recv(
	    &msg, POLICY_MANIFEST, POLICY_MANIFEST->request_max + ((size_t)1 << 20));
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_MANIFEST && req->manifest)
		do_manifest(&msg, req->manifest);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
