/* SPDX-License-Identifier: Apache-2.0 */
/* Registry error body parser over the JSON field tables (parsers/json_map.h).
 * runs in: helper/untrusted (crisp-helper-fetch). */
#include "parsers/registry_error.h"

#include <stdlib.h>
#include <string.h>

#include "parsers/base/str.h"
#include "parsers/json_map.h"

struct err_entry {
	char *code;
	char *message;
};

struct err_doc {
	struct err_entry *errors;
	size_t n_errors;
};

static int
check_code(struct json_ctx *ctx, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || char_is_digit(s[i]) || s[i] == '_'))
			return json_fail(ctx, PARSE_ERR_VALUE, "error code is not [A-Z0-9_]");
	return 0;
}

static const struct json_field entry_fields[] = {
    {.name = "code",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct err_entry, code),
     .max_len = REGISTRY_ERROR_CODE_MAX - 1,
     .check = check_code},
    /* Messages are cut below, not refused: a verbose registry is not an attack. */
    {.name = "message",
     .kind = JSON_F_STRING,
     .offset = offsetof(struct err_entry, message),
     .max_len = REGISTRY_ERROR_MAX_SIZE},
};

static const struct json_table entry_table = {
    .what = "error",
    JSON_FIELDS(entry_fields),
    .size = sizeof(struct err_entry),
};

static const struct json_field doc_fields[] = {
    {.name = "errors",
     .kind = JSON_F_ARRAY,
     .offset = offsetof(struct err_doc, errors),
     .count_offset = offsetof(struct err_doc, n_errors),
     .required = true,
     .max_items = REGISTRY_ERROR_MAX_ERRORS,
     .sub = &entry_table},
};

static const struct json_table doc_table = {
    .what = "error body",
    JSON_FIELDS(doc_fields),
    .size = sizeof(struct err_doc),
};

int
registry_error_parse(const uint8_t *buf, size_t len, struct registry_error *ret,
		     struct parse_error *reterr)
{
	struct json_ctx ctx;
	json_t *root = NULL;
	struct err_doc doc = {0};

	json_ctx_init(&ctx);
	int r = json_load_object(&ctx, buf, len, REGISTRY_ERROR_MAX_SIZE, &root);
	if (r >= 0)
		r = json_map_object(&ctx, root, &doc_table, &doc);
	json_decref(root);
	if (r < 0) {
		json_map_done(&doc_table, &doc);
		if (reterr)
			*reterr = ctx.err;
		return r;
	}
	struct registry_error out = {.n_errors = doc.n_errors};
	if (doc.n_errors > 0) {
		if (doc.errors[0].code)
			(void)str_copy(out.code, sizeof(out.code), doc.errors[0].code);
		if (doc.errors[0].message)
			(void)str_copy(out.message, sizeof(out.message), doc.errors[0].message);
		parse_error_sanitize(out.message);
	}
	json_map_done(&doc_table, &doc);
	*ret = out;
	return 0;
}
