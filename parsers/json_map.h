/* SPDX-License-Identifier: Apache-2.0 */
/* Declarative JSON-to-struct mapping over jansson: a table of fields (name, kind, offset,
 * required, limits, check) per object type, used by the manifest and image config parsers.
 * Loading refuses duplicate keys, NUL in strings, trailing bytes and deep nesting.
 * runs in: helper/untrusted (pure: no I/O). jansson seeds its hash function on first use by
 * reading /dev/urandom (a syscall a confined helper may not make): a helper's main must call
 * json_object_seed() with a random value (getrandom) before confinement. A fixed seed would
 * let a document of colliding keys make object insertion quadratic. */
#ifndef CRISP_PARSERS_JSON_MAP_H
#define CRISP_PARSERS_JSON_MAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"

/* Owned list of owned strings. */
struct str_list {
	char **v;
	size_t n;
};

struct str_pair {
	char *key;
	char *value;
};

/* Owned string map, in document order, keys unique (duplicates are refused on load). */
struct str_map {
	struct str_pair *v;
	size_t n;
};

void str_list_done(struct str_list *l);
void str_map_done(struct str_map *m);
/* The value of key, or NULL. */
const char *str_map_get(const struct str_map *m, const char *key);

/* Mapping state: the JSON path of the value being mapped, and the first error. */
struct json_ctx {
	struct parse_error err;
	char path[PARSE_ERROR_PATH_MAX];
	size_t path_len;
};

/* Start a context at path "$". */
void json_ctx_init(struct json_ctx *ctx);

/* Record an error at the current path and return its -errno. */
__attribute__((format(printf, 3, 4))) int json_fail(struct json_ctx *ctx, enum parse_code code,
						    const char *fmt, ...);

/* Path stack: push ".name" or "[index]", pop back to a saved length. Truncates silently. */
size_t json_path_push_key(struct json_ctx *ctx, const char *key);
size_t json_path_push_index(struct json_ctx *ctx, size_t index);
void json_path_pop(struct json_ctx *ctx, size_t saved);

/* Extra validation of one string value (or list item, or map/set key): 0 or json_fail(). */
typedef int (*json_check_fn)(struct json_ctx *ctx, const char *s, size_t len);
/* Cross-field validation or normalisation of a mapped object: 0 or json_fail(). It may
 * replace strings it owns through the table but must not allocate anything else. */
typedef int (*json_finish_fn)(struct json_ctx *ctx, void *obj);

enum json_kind {
	JSON_F_STRING,     /* char *; max_len bytes, check */
	JSON_F_SIZE,       /* uint64_t; integer 0..max_len (default DESCRIPTOR_MAX_SIZE) */
	JSON_F_BOOL,       /* bool */
	JSON_F_STR_LIST,   /* struct str_list; array of <= max_items strings of <= max_len */
	JSON_F_STR_MAP,    /* struct str_map; object of <= max_items string values */
	JSON_F_KEY_SET,    /* struct str_list; keys of an object whose values are objects ({}) */
	JSON_F_OBJECT,     /* embedded struct described by sub */
	JSON_F_OBJECT_PTR, /* pointer to a struct described by sub, NULL when absent */
	JSON_F_ARRAY,      /* pointer to sub->size elements, count (size_t) at count_offset */
	JSON_F_KIND_COUNT
};

struct json_table;

struct json_field {
	const char *name;
	enum json_kind kind;
	size_t offset;
	bool required;    /* absent or null is an error; otherwise null means absent */
	size_t max_len;   /* string length (map values, list items), or SIZE maximum */
	size_t max_items; /* list, map, set and array length */
	json_check_fn check;
	const struct json_table *sub;
	size_t count_offset;
};

struct json_table {
	const char *what; /* for messages: "descriptor", "platform", ... */
	const struct json_field *fields;
	size_t n_fields;
	size_t size; /* sizeof the struct, for OBJECT_PTR and ARRAY */
	json_finish_fn finish;
	const struct json_table *base; /* more fields of the same struct, mapped first */
};

/* Parse buf[0..len) into a JSON object: len <= max_size, depth <= JSON_MAX_DEPTH, at most
 * JSON_MAX_VALUES values and JSON_MAX_CONTAINER_ITEMS per array/object (checked on the raw
 * bytes first), duplicate keys and \u0000 refused, no trailing bytes, top level an object.
 * On success *ret owns the tree (json_decref). */
int json_load_object(struct json_ctx *ctx, const uint8_t *buf, size_t len, size_t max_size,
		     json_t **ret);

/* Map obj into out (zero-initialised, described by t). Unknown keys are ignored (OCI says
 * so) except keys that equal a known field name up to case: Go's encoding/json matches
 * those, so refusing them keeps crisp from reading a different value than other tools.
 * On failure out may be partly filled: release it with json_map_done(). */
int json_map_object(struct json_ctx *ctx, const json_t *obj, const struct json_table *t, void *out);

/* Release everything the table says out owns (not out itself). */
void json_map_done(const struct json_table *t, void *out);

/* Ready-made checks. */
int json_check_digest(struct json_ctx *ctx, const char *s, size_t len);
/* RFC 6838 type/subtype, no parameters. */
int json_check_media_type(struct json_ctx *ctx, const char *s, size_t len);
/* No ASCII control characters (tabs, newlines, ...). */
int json_check_no_ctl(struct json_ctx *ctx, const char *s, size_t len);

#define JSON_FIELDS(a) .fields = (a), .n_fields = sizeof(a) / sizeof((a)[0])

#endif
