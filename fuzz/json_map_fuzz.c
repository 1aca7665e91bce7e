/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/json_map.c on its own: load any document with the raw-byte
 * limits, then map it through a table that uses every field kind (string with checks, size,
 * bool, list, map, key set, nested object, pointer and array), release it, and check that a
 * failure is a well-formed error.
 * runs in: fuzzers and the replay driver only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz/fuzz_check.h"
#include "parsers/json_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct inner {
	char *name;
	uint64_t n;
};

struct outer {
	char *media_type;
	char *digest;
	char *text;
	uint64_t size;
	bool flag;
	struct str_list list;
	struct str_map map;
	struct str_list keys;
	struct inner obj;
	struct inner *ptr;
	struct inner *arr;
	size_t n_arr;
};

static const struct json_field inner_fields[] = {
    {"name", JSON_F_STRING, offsetof(struct inner, name), true, 64, 0, json_check_no_ctl, NULL, 0},
    {"n", JSON_F_SIZE, offsetof(struct inner, n), false, 1000, 0, NULL, NULL, 0},
};
static const struct json_table inner_table = {"inner", JSON_FIELDS(inner_fields),
					      sizeof(struct inner), NULL, NULL};

static const struct json_field outer_fields[] = {
    {"mediaType", JSON_F_STRING, offsetof(struct outer, media_type), false, 255, 0,
     json_check_media_type, NULL, 0},
    {"digest", JSON_F_STRING, offsetof(struct outer, digest), false, 200, 0, json_check_digest,
     NULL, 0},
    {"text", JSON_F_STRING, offsetof(struct outer, text), false, 4096, 0, NULL, NULL, 0},
    {"size", JSON_F_SIZE, offsetof(struct outer, size), false, 0, 0, NULL, NULL, 0},
    {"flag", JSON_F_BOOL, offsetof(struct outer, flag), false, 0, 0, NULL, NULL, 0},
    {"list", JSON_F_STR_LIST, offsetof(struct outer, list), false, 128, 64, NULL, NULL, 0},
    {"map", JSON_F_STR_MAP, offsetof(struct outer, map), false, 128, 64, NULL, NULL, 0},
    {"keys", JSON_F_KEY_SET, offsetof(struct outer, keys), false, 128, 64, NULL, NULL, 0},
    {"obj", JSON_F_OBJECT, offsetof(struct outer, obj), false, 0, 0, NULL, &inner_table, 0},
    {"ptr", JSON_F_OBJECT_PTR, offsetof(struct outer, ptr), false, 0, 0, NULL, &inner_table, 0},
    {"arr", JSON_F_ARRAY, offsetof(struct outer, arr), false, 0, 32, NULL, &inner_table,
     offsetof(struct outer, n_arr)},
};
static const struct json_table outer_table = {"outer", JSON_FIELDS(outer_fields),
					      sizeof(struct outer), NULL, NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_ctx ctx;
	json_ctx_init(&ctx);
	json_t *root = NULL;
	int r = json_load_object(&ctx, data, size, 1u << 20, &root);
	if (r < 0) {
		fuzz_check_error(r, &ctx.err);
		return 0;
	}
	struct outer out = {0};
	r = json_map_object(&ctx, root, &outer_table, &out);
	if (r < 0)
		fuzz_check_error(r, &ctx.err);
	else
		FUZZ_ASSERT(out.n_arr <= 32 && out.list.n <= 64);
	json_map_done(&outer_table, &out);
	json_decref(root);
	return 0;
}
