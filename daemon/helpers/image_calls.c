/* SPDX-License-Identifier: Apache-2.0 */
/* Image documents through their confined helpers: build the request body for
 * crisp-helper-manifest, -config or -passwd and hand it to the document-helper table
 * (doc_call.c), which runs the helper and the pure validators (daemon/replies/:
 * manifest_reply.c, image_config_reply.c, passwd_reply.c).
 * runs in: daemon/privileged. Every reply byte is untrusted: the helper parsed hostile input. */
#include "daemon/helpers/image_calls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/helpers/doc_call.h"
#include "helper.pb-c.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

int
img_parse_manifest(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		   const char *content_type, struct img_manifest **ret, char *err, size_t errsz)
{
	if (content_type &&
	    strnlen(content_type, FETCH_MAX_CONTENT_TYPE + 1) > FETCH_MAX_CONTENT_TYPE)
		content_type = NULL;
	Crisp__Helper__ManifestRequest body;
	crisp__helper__manifest_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	body.media_type = UNCONST(content_type ? content_type : "");
	struct doc_call c = {DOC_CALL_MANIFEST, &body.base, len, content_type, ret, err, errsz};
	return doc_call_run(h, &c);
}

int
img_parse_config(const struct helper_ctx *h, const uint8_t *buf, size_t len,
		 struct img_config **ret, char *err, size_t errsz)
{
	Crisp__Helper__ConfigRequest body;
	crisp__helper__config_request__init(&body);
	body.document = (ProtobufCBinaryData){len, UNCONST(buf)};
	struct doc_call c = {DOC_CALL_CONFIG, &body.base, len, NULL, ret, err, errsz};
	return doc_call_run(h, &c);
}

/* The daemon read both files with PASSWD_MAX_FILE_SIZE as the cap: a bigger buffer is a
 * caller bug, refused before any helper runs. */
static int
check_user_files(const uint8_t *passwd, size_t passwd_len, const uint8_t *group, size_t group_len,
		 char *err, size_t errsz)
{
	if (passwd_len > PASSWD_MAX_FILE_SIZE || group_len > PASSWD_MAX_FILE_SIZE ||
	    (passwd_len && !passwd) || (group_len && !group)) {
		snprintf(err, errsz, "/etc/passwd or /etc/group over the limit of %u bytes",
			 PASSWD_MAX_FILE_SIZE);
		return -E2BIG;
	}
	return 0;
}

int
img_resolve_user(const struct helper_ctx *h, const uint8_t *passwd, size_t passwd_len,
		 const uint8_t *group, size_t group_len, const char *spec, struct img_user **ret,
		 char *err, size_t errsz)
{
	if (!spec)
		spec = "";
	int r = check_user_files(passwd, passwd_len, group, group_len, err, errsz);
	if (r < 0)
		return r;
	/* A spec longer than the config parser allows cannot have come from an image. */
	if (strnlen(spec, IMAGE_CONFIG_MAX_USER_LEN + 1) > IMAGE_CONFIG_MAX_USER_LEN) {
		snprintf(err, errsz, "USER longer than %u bytes", IMAGE_CONFIG_MAX_USER_LEN);
		return -EINVAL;
	}
	Crisp__Helper__PasswdRequest body;
	crisp__helper__passwd_request__init(&body);
	body.document = (ProtobufCBinaryData){passwd_len, UNCONST(passwd)};
	body.group_document = (ProtobufCBinaryData){group_len, UNCONST(group)};
	body.user = UNCONST(spec);
	struct doc_call c = {
	    DOC_CALL_PASSWD, &body.base, passwd_len + group_len, spec, ret, err, errsz};
	return doc_call_run(h, &c);
}
