/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-fetch internals shared by its main (fetch_helper.c: confinement, request,
 * reply, the registry flow) and its HTTP layer (fetch_curl_helper.c: one libcurl transfer).
 * runs in: helper/untrusted. */
#ifndef CRISP_PARSERS_FETCH_HELPER_H
#define CRISP_PARSERS_FETCH_HELPER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helper.pb-c.h"
#include "parsers/base/limits.h"

typedef Crisp__Helper__FetchRequest FetchRequest;
typedef Crisp__Helper__FetchReply__Failure FetchFailure;

/* What one response said, reset at each status line. */
struct fetch_response {
	long status;
	char www_auth[FETCH_MAX_WWW_AUTH][FETCH_MAX_HEADER_LEN + 1];
	size_t n_www_auth;
	char location[FETCH_MAX_HEADER_LEN + 1];
	char content_type[MEDIA_TYPE_MAX_LEN + 1];
	char digest[160];
	char content_range[128];
	bool bad_header; /* a header we need was malformed, too long or repeated */
	char bad_header_name[32];
};

/* Where the body of a 2xx response goes. */
enum fetch_sink {
	FETCH_SINK_MEMORY, /* into body (manifest, token reply), at most body_cap bytes */
	FETCH_SINK_BLOB,   /* pwrite to fd 5 at blob_off, never past blob_size */
	FETCH_SINK_COUNT
};

struct fetch_transfer {
	CURL *curl;
	struct curl_blob ca; /* system bundle + the registry's extra CAs (PEM) */
	char errbuf[CURL_ERROR_SIZE];
	struct fetch_response resp;
	/* 2xx body */
	enum fetch_sink sink;
	uint8_t *body;
	size_t body_len, body_cap;
	uint64_t blob_size, blob_off, blob_start;
	bool body_prepared; /* first 2xx body byte seen: range and length checked */
	/* non-2xx body: a registry error document, at most REGISTRY_ERROR_MAX_SIZE */
	uint8_t *errbody;
	size_t errbody_len;
	/* why the write callback stopped the transfer */
	FetchFailure abort_failure;
	char abort_msg[FETCH_MAX_MESSAGE];
	/* limits */
	uint64_t deadline_ms; /* CLOCK_MONOTONIC ms */
	long connect_timeout_ms, low_speed_bytes, low_speed_seconds;
};

/* One HTTP request, no redirects followed. method_post: POST form with post_fields. headers
 * (may be NULL) are sent as given. Fills t->resp and the sinks. Returns the CURLcode. */
struct fetch_call {
	const char *url;
	struct curl_slist *headers;
	const char *post_fields;
	const char *range_from; /* "N-" or NULL */
	bool plain_http_ok;     /* http:// URLs are allowed for this call */
};

CURLcode fetch_curl_perform(struct fetch_transfer *t, const struct fetch_call *c);

/* Reset the per-request state (sinks keep their configuration). */
void fetch_curl_reset(struct fetch_transfer *t);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t fetch_now_ms(void);

#endif
