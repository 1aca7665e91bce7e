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

typedef Crisp__Helper__HelperReply HelperReply;
typedef Crisp__Helper__ManifestReply ManifestReply;
typedef Crisp__Helper__ManifestReply__Descriptor Desc;
typedef Crisp__Helper__ManifestReply__Platform Platform;

static _Noreturn void
send_reply(HelperReply *rep)
{
	size_t len = crisp__helper__helper_reply__get_packed_size(rep);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	(void)crisp__helper__helper_reply__pack(rep, buf);
	if (sandbox_helper_send(buf, len, POLICY_MANIFEST->reply_max) < 0)
		sandbox_helper_fail(HELPER_EXIT_SEND, "cannot write the reply");
	_exit(HELPER_EXIT_OK);
}

static _Noreturn void
send_error(HelperReply *rep, const struct parse_error *e)
{
	Crisp__Helper__Error err;
	crisp__helper__error__init(&err);
	err.code = (uint32_t)e->code;
	err.offset = e->offset;
	err.path = UNCONST(e->path);
	err.message = UNCONST(e->message);
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_ERROR;
	rep->error = &err;
	send_reply(rep);
}

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
do_manifest(HelperReply *rep, const Crisp__Helper__ManifestRequest *mr)
{
	struct manifest_opts opts = {
	    .content_type = mr->media_type && mr->media_type[0] ? mr->media_type : NULL};
	struct manifest *m = NULL;
	struct parse_error e;
	if (manifest_parse(mr->document.data, mr->document.len, &opts, &m, &e) < 0)
		send_error(rep, &e);
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
	rep->body_case = CRISP__HELPER__HELPER_REPLY__BODY_MANIFEST;
	rep->manifest = &out;
	send_reply(rep);
}

int
main(void)
{
	json_object_seed(0); /* reads /dev/urandom: before the filter forbids open */
	sandbox_helper_enter(POLICY_MANIFEST);
	uint8_t *buf = NULL;
	size_t len = 0;
	if (sandbox_helper_recv(POLICY_MANIFEST->request_max, &buf, &len) < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "no valid request frame");
	/* The request is one document (copied once by the decoder) and a short string: its
	 * size plus a little bounds what decoding may allocate. */
	struct budget b = {.left = POLICY_MANIFEST->request_max + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__HelperRequest *req = crisp__helper__helper_request__unpack(&a, len, buf);
	if (!req || req->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    req->request_id == 0)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope");
	HelperReply rep;
	crisp__helper__helper_reply__init(&rep);
	rep.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	rep.request_id = req->request_id;
	if (req->body_case == CRISP__HELPER__HELPER_REQUEST__BODY_MANIFEST && req->manifest)
		do_manifest(&rep, req->manifest);
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
}
