/* SPDX-License-Identifier: Apache-2.0 */
/* The ImageService RPCs: PullImage, ImageStatus, ListImages, RemoveImage, ImageFsInfo.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/containers/containers.h"
#include "daemon/core/log.h"
#include "daemon/crisp.h"
#include "daemon/images/images.h"
#include "daemon/images/registry.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

#define SVC (&runtime__v1__image_service__descriptor)

static int
spec_of(const Runtime__V1__ImageSpec *s, const char **ret)
{
	if (!s || !s->image[0] || strlen(s->image) > 4096)
		return -EINVAL;
	*ret = s->image;
	return 0;
}

/* The USER of an image as the CRI wants it: a numeric uid, or a name. "" is root. */
static void
user_of(const image_record *r, Runtime__V1__Int64Value *uid, Runtime__V1__Image *img)
{
	const char *u = r->config && r->config->user ? r->config->user : "";
	size_t n = strcspn(u, ":");
	int numeric = n > 0 && n <= 10;
	for (size_t i = 0; i < n && numeric; i++)
		numeric = u[i] >= '0' && u[i] <= '9';
	runtime__v1__int64_value__init(uid);
	if (n == 0 || numeric) {
		char *end = NULL;
		uid->value = n == 0 ? 0 : (int64_t)strtoll(u, &end, 10);
		img->uid = uid;
	} else {
		static __thread char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(n < 255 ? n : 255), u);
		img->username = name;
	}
}

/* r->size must already be what CRI reports (images_find copies carry images_size()). */
static void
fill_image(const image_record *r, Runtime__V1__Image *img, Runtime__V1__Int64Value *uid,
	   Runtime__V1__ImageSpec *spec)
{
	runtime__v1__image__init(img);
	img->id = r->id;
	img->n_repo_tags = r->n_repo_tags;
	img->repo_tags = r->repo_tags;
	img->n_repo_digests = r->n_repo_digests;
	img->repo_digests = r->repo_digests;
	img->size = r->size;
	runtime__v1__image_spec__init(spec);
	spec->image = r->id;
	img->spec = spec;
	user_of(r, uid, img);
}

static json_t *
strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		(void)json_array_append_new(a, json_string(v[i]));
	return a;
}

/* ImageStatus verbose info: the parsed config, as crisp validated it. */
static char *
info_json(const image_record *r)
{
	const Crisp__State__ImageConfig *c = r->config;
	json_t *labels = json_object();
	for (size_t i = 0; i < c->n_labels; i++)
		(void)json_object_set_new(labels, c->labels[i]->key,
					  json_string(c->labels[i]->value));
	json_t *o = json_pack(
	    "{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:s,"
	    " s:o}, s:o, s:I}",
	    "id", r->id, "manifestDigest", r->manifest_digest, "config", "os", c->os,
	    "architecture", c->architecture, "variant", c->variant, "created", c->created, "user",
	    c->user, "env", strv_json(c->env, c->n_env), "entrypoint",
	    strv_json(c->entrypoint, c->n_entrypoint), "cmd", strv_json(c->cmd, c->n_cmd),
	    "workingDir", c->working_dir, "exposedPorts",
	    strv_json(c->exposed_ports, c->n_exposed_ports), "volumes",
	    strv_json(c->volumes, c->n_volumes), "labels", labels, "stopSignal", c->stop_signal,
	    "diffIDs", strv_json(c->diff_ids, c->n_diff_ids), "chainIDs",
	    strv_json(r->chain_ids, r->n_chain_ids), "unpackedSize", (json_int_t)r->unpacked_size);
	if (!o)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static int
status_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ImageStatusRequest *req = (const Runtime__V1__ImageStatusRequest *)msg;
	struct crisp *cr = ud;
	const char *spec;
	if (spec_of(req->image, &spec) < 0)
		return grpc_call_failf(call, EINVAL, "image.image is required");
	int e = 0;
	image_record *r = images_find(cr->images, spec, &e);
	if (e == -EINVAL)
		return grpc_call_failf(call, EINVAL, "invalid image reference \"%.256s\"", spec);
	Runtime__V1__ImageStatusResponse resp;
	runtime__v1__image_status_response__init(&resp);
	Runtime__V1__Image img;
	Runtime__V1__Int64Value uid;
	Runtime__V1__ImageSpec ispec;
	Runtime__V1__ImageStatusResponse__InfoEntry ie, *iep = &ie;
	cleanup_free char *info = NULL;
	/* A missing image is not an error: the response simply has no image (CRI). */
	if (r) {
		fill_image(r, &img, &uid, &ispec);
		resp.image = &img;
		if (req->verbose && (info = info_json(r))) {
			runtime__v1__image_status_response__info_entry__init(&ie);
			ie.key = UNCONST("info");
			ie.value = info;
			resp.n_info = 1;
			resp.info = &iep;
		}
	}
	int s = grpc_call_reply(call, &resp.base);
	image_record_free(r);
	return s;
}

static int
list_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__ListImagesRequest *req = (const Runtime__V1__ListImagesRequest *)msg;
	struct crisp *cr = ud;
	struct images *im = cr->images;
	const char *filter = req->filter && req->filter->image && req->filter->image->image[0]
				 ? req->filter->image->image
				 : NULL;
	image_record *one = NULL;
	if (filter) {
		int e = 0;
		one = images_find(im, filter, &e);
	}
	pthread_mutex_lock(&im->mu);
	size_t n = filter ? (one ? 1 : 0) : im->n;
	Runtime__V1__Image *imgs = calloc(n + 1, sizeof(*imgs));
	Runtime__V1__Image **ptrs = calloc(n + 1, sizeof(*ptrs));
	Runtime__V1__Int64Value *uids = calloc(n + 1, sizeof(*uids));
	Runtime__V1__ImageSpec *specs = calloc(n + 1, sizeof(*specs));
	int r = GRPC_STATUS_OK;
	if (!imgs || !ptrs || !uids || !specs) {
		r = grpc_call_failf(call, ENOMEM, "out of memory");
	} else {
		for (size_t i = 0; i < n; i++) {
			fill_image(filter ? one : im->v[i], &imgs[i], &uids[i], &specs[i]);
			imgs[i].size = filter ? one->size : images_size(im, im->v[i]);
			ptrs[i] = &imgs[i];
		}
		Runtime__V1__ListImagesResponse resp;
		runtime__v1__list_images_response__init(&resp);
		resp.n_images = n;
		resp.images = ptrs;
		int s = grpc_call_send(call, &resp.base);
		if (s == -EMSGSIZE)
			r = grpc_call_failf(call, s, "the image list is larger than 16 MiB");
		else if (s < 0)
			r = grpc_call_failf(call, s, "cannot send the image list: %s",
					    strerror(-s));
	}
	pthread_mutex_unlock(&im->mu);
	free(imgs);
	free(ptrs);
	free(uids);
	free(specs);
	image_record_free(one);
	return r;
}

static int
pull_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__PullImageRequest *req = (const Runtime__V1__PullImageRequest *)msg;
	struct crisp *cr = ud;
	const char *spec;
	if (spec_of(req->image, &spec) < 0)
		return grpc_call_failf(call, EINVAL, "image.image is required");
	struct registry_auth auth = {0};
	if (req->auth) {
		/* Credentials are passed through to the fetch helper and never logged. */
		auth.username = req->auth->username[0] ? req->auth->username : NULL;
		auth.password = req->auth->password[0] ? req->auth->password : NULL;
		auth.auth = req->auth->auth[0] ? req->auth->auth : NULL;
		auth.identity_token =
		    req->auth->identity_token[0] ? req->auth->identity_token : NULL;
		auth.registry_token =
		    req->auth->registry_token[0] ? req->auth->registry_token : NULL;
	}
	char err[1024] = "";
	char *id = NULL;
	int r = image_pull(cr, spec, &auth, grpc_call_id(call), &id, err, sizeof(err));
	/* The errno says what failed: the reference (EINVAL), the registry's policy (EPERM,
	 * EACCES), the image (ENOENT), a deadline (ETIMEDOUT), a cap (EFBIG); the table maps. */
	if (r < 0)
		return grpc_call_failf(call, r, "pull %.256s: %s", spec, err);
	Runtime__V1__PullImageResponse resp;
	runtime__v1__pull_image_response__init(&resp);
	resp.image_ref = id;
	int s = grpc_call_reply(call, &resp.base);
	free(id);
	return s;
}

static int
remove_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	const Runtime__V1__RemoveImageRequest *req = (const Runtime__V1__RemoveImageRequest *)msg;
	struct crisp *cr = ud;
	const char *spec;
	if (spec_of(req->image, &spec) < 0)
		return grpc_call_failf(call, EINVAL, "image.image is required");
	char err[1024];
	int e = 0;
	image_record *img = images_find(cr->images, spec, &e);
	char *user = img ? ctrs_image_user(cr, img->id) : NULL;
	if (user) {
		int s = grpc_call_failf(call, EBUSY,
					"image %s is in use by container %s; remove the container "
					"first",
					img->id, user);
		free(user);
		image_record_free(img);
		return s;
	}
	image_record_free(img);
	int r = images_remove(cr->images, spec, err, sizeof(err));
	if (r < 0)
		return grpc_call_failf(call, r, "%s", err);
	Runtime__V1__RemoveImageResponse resp;
	runtime__v1__remove_image_response__init(&resp);
	return grpc_call_reply(call, &resp.base);
}

static int
fsinfo_handler(struct grpc_call *call, const ProtobufCMessage *msg, void *ud)
{
	(void)msg;
	struct crisp *cr = ud;
	uint64_t bytes = 0, inodes = 0;
	size_t unknown = 0;
	/* From the layer records: what is known now, never a walk (unknown layers are being
	 * measured in the background and count from then on). */
	(void)images_usage(cr->images, &bytes, &inodes, &unknown);
	Runtime__V1__UInt64Value ub, ui;
	runtime__v1__uint64_value__init(&ub);
	runtime__v1__uint64_value__init(&ui);
	ub.value = bytes;
	ui.value = inodes;
	Runtime__V1__FilesystemIdentifier fsid;
	runtime__v1__filesystem_identifier__init(&fsid);
	const struct config *cfg = crisp_config_lock(cr);
	char mp[CRISP_PATH_MAX];
	snprintf(mp, sizeof(mp), "%s", cfg->root);
	crisp_config_unlock(cr, cfg);
	fsid.mountpoint = mp;
	Runtime__V1__FilesystemUsage fu, *fup = &fu;
	runtime__v1__filesystem_usage__init(&fu);
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	fu.timestamp = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	fu.fs_id = &fsid;
	fu.used_bytes = &ub;
	fu.inodes_used = &ui;
	Runtime__V1__ImageFsInfoResponse resp;
	runtime__v1__image_fs_info_response__init(&resp);
	resp.n_image_filesystems = 1;
	resp.image_filesystems = &fup;
	return grpc_call_reply(call, &resp.base);
}

int
images_register(struct grpc_server *s)
{
	static const struct {
		const char *name;
		grpc_method_fn fn;
	} m[] = {
	    {"ImageStatus", status_handler}, {"ListImages", list_handler},
	    {"PullImage", pull_handler},     {"RemoveImage", remove_handler},
	    {"ImageFsInfo", fsinfo_handler},
	};

	for (size_t i = 0; i < ELEMENTSOF(m); i++) {
		int r = grpc_server_handle(s, SVC, m[i].name, GRPC_METHOD_UNARY, m[i].fn);
		if (r < 0)
			return r;
	}
	return 0;
}
