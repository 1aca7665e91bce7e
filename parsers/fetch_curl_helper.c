/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-fetch's HTTP layer: one libcurl request with our limits (protocols, timeouts,
 * CA blob, pinned DNS, no redirects), response headers captured through the pure parsers,
 * and bodies written only where the job says, never past their caps.
 * runs in: helper/untrusted. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parsers/base/macro.h"
#include "parsers/base/parse_error.h"
#include "parsers/fetch_helper.h"
#include "parsers/http_header.h"
#include "sandbox/helper_enter.h"

uint64_t
fetch_now_ms(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
fetch_curl_reset(struct fetch_transfer *t)
{
	memset(&t->resp, 0, sizeof(t->resp));
	t->body_len = 0;
	t->errbody_len = 0;
	t->body_prepared = false;
	t->abort_failure = CRISP__HELPER__FETCH_REPLY__FAILURE__NONE;
	t->abort_msg[0] = '\0';
	t->errbuf[0] = '\0';
}

static void
bad_header(struct fetch_response *r, const char *name)
{
	r->bad_header = true;
	(void)snprintf(r->bad_header_name, sizeof(r->bad_header_name), "%s", name);
}

/* Keep one header value in dst[cap]; a second one or an over-long one marks the reply bad. */
static void
keep_once(struct fetch_response *r, const char *name, char *dst, size_t cap, const char *v,
	  size_t vl)
{
	if (dst[0] || vl == 0 || vl >= cap) {
		bad_header(r, name);
		return;
	}
	memcpy(dst, v, vl);
	dst[vl] = '\0';
}

static size_t
on_header(char *line, size_t size, size_t n, void *ud)
{
	struct fetch_transfer *t = ud;
	struct fetch_response *r = &t->resp;
	size_t len = size * n;
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, say): forget the previous headers. */
		memset(r, 0, sizeof(*r));
		return len;
	}
	const char *name, *v;
	size_t nl, vl;
	if (http_header_split(line, len, &name, &nl, &v, &vl) < 0)
		return len; /* the blank end line, or a header we do not read */
	if (http_header_is(name, nl, "www-authenticate")) {
		if (r->n_www_auth >= FETCH_MAX_WWW_AUTH || vl > FETCH_MAX_HEADER_LEN) {
			bad_header(r, "WWW-Authenticate");
			return len;
		}
		memcpy(r->www_auth[r->n_www_auth], v, vl);
		r->www_auth[r->n_www_auth++][vl] = '\0';
	} else if (http_header_is(name, nl, "location")) {
		keep_once(r, "Location", r->location, sizeof(r->location), v, vl);
	} else if (http_header_is(name, nl, "content-type")) {
		keep_once(r, "Content-Type", r->content_type, sizeof(r->content_type), v, vl);
	} else if (http_header_is(name, nl, "docker-content-digest")) {
		keep_once(r, "Docker-Content-Digest", r->digest, sizeof(r->digest), v, vl);
	} else if (http_header_is(name, nl, "content-range")) {
		keep_once(r, "Content-Range", r->content_range, sizeof(r->content_range), v, vl);
	}
	return len;
}

static size_t
stop(struct fetch_transfer *t, FetchFailure f, const char *msg)
{
	t->abort_failure = f;
	(void)snprintf(t->abort_msg, sizeof(t->abort_msg), "%s", msg);
	return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
}

/* First byte of a 2xx blob body: where it starts (200: 0, 206: Content-Range) and whether the
 * announced length fits the declared size. */
static size_t
prepare_blob(struct fetch_transfer *t)
{
	t->body_prepared = true;
	if (t->resp.status == 206) {
		uint64_t first, last, total;
		if (http_content_range_parse(t->resp.content_range, strlen(t->resp.content_range),
					     &first, &last, &total, NULL) < 0)
			return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__PROTOCOL,
				    "206 reply with a missing or malformed Content-Range");
		if (first != t->blob_off)
			return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__PROTOCOL,
				    "206 reply for another range than requested");
		if (last >= t->blob_size || (total != UINT64_MAX && total > t->blob_size))
			return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__TOO_LARGE,
				    "Content-Range goes past the declared size");
	} else {
		t->blob_off = 0; /* the server ignored Range: the whole blob again */
	}
	t->blob_start = t->blob_off;
	curl_off_t cl = -1;
	if (curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
	    cl >= 0 && (uint64_t)cl > t->blob_size - t->blob_off)
		return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__TOO_LARGE,
			    "Content-Length is larger than the declared size");
	return 1;
}

static size_t
write_blob(struct fetch_transfer *t, const char *data, size_t len)
{
	if (!t->body_prepared && prepare_blob(t) == 0)
		return 0;
	/* Never more than the declared size: the rest of the stream is not even written. */
	if (len > t->blob_size - t->blob_off)
		return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__TOO_LARGE,
			    "more bytes than the declared size");
	size_t done = 0;
	while (done < len) {
		ssize_t w =
		    pwrite(HELPER_FD_BULK, data + done, len - done, (off_t)(t->blob_off + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__REQUEST,
				    "cannot write the blob to the daemon's file");
		done += (size_t)w;
	}
	t->blob_off += len;
	return len;
}

static size_t
append(uint8_t **buf, size_t *blen, size_t cap, const char *data, size_t len)
{
	if (len > cap - *blen)
		return 0;
	if (!*buf && !(*buf = malloc(cap)))
		return 0;
	memcpy(*buf + *blen, data, len);
	*blen += len;
	return len;
}

static size_t
on_body(char *data, size_t size, size_t n, void *ud)
{
	struct fetch_transfer *t = ud;
	size_t len = size * n;
	long st = 0;
	(void)curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &st);
	t->resp.status = st;
	if (st < 200 || st > 299) {
		/* An error document: kept up to its cap; an endless one is cut there. */
		if (append(&t->errbody, &t->errbody_len, REGISTRY_ERROR_MAX_SIZE, data, len) != len)
			return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__HTTP,
				    "error body over its cap");
		return len;
	}
	if (t->sink == FETCH_SINK_BLOB)
		return write_blob(t, data, len);
	if (!t->body_prepared) {
		t->body_prepared = true;
		curl_off_t cl = -1;
		if (curl_easy_getinfo(t->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
			CURLE_OK &&
		    cl >= 0 && (uint64_t)cl > t->body_cap)
			return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__TOO_LARGE,
				    "Content-Length larger than the cap");
	}
	if (append(&t->body, &t->body_len, t->body_cap, data, len) != len)
		return stop(t, CRISP__HELPER__FETCH_REPLY__FAILURE__TOO_LARGE,
			    "body larger than its cap");
	return len;
}

/* ---- DNS: resolved here with getaddrinfo and handed to curl (CURLOPT_RESOLVE), so curl's
 * threaded resolver never starts a thread (the filter allows no clone). ---------------------- */

static bool
is_numeric_host(const char *h)
{
	unsigned char b[16];
	return strcmp(h, "localhost") == 0 || inet_pton(AF_INET, h, b) == 1 ||
	       inet_pton(AF_INET6, h, b) == 1;
}

/* "host:port:addr,addr" for CURLOPT_RESOLVE, or NULL (numeric host: nothing to resolve).
 * Errors: -EHOSTUNREACH with msg filled. */
static int
resolve_entry(const char *url, char **ret, char *msg, size_t msgsz)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	int r = 0;
	*ret = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		(void)snprintf(msg, msgsz, "malformed URL");
		r = -EINVAL;
		goto out;
	}
	if (host[0] == '[' || is_numeric_host(host))
		goto out;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	int g = getaddrinfo(host, NULL, &hints, &ai);
	if (g != 0) {
		(void)snprintf(msg, msgsz, "cannot resolve host %s: %s", host, gai_strerror(g));
		r = -EHOSTUNREACH;
		goto out;
	}
	char line[1024];
	int off = snprintf(line, sizeof(line), "%s:%s:", host, port);
	size_t n = 0;
	for (struct addrinfo *a = ai; a && off > 0 && (size_t)off < sizeof(line) - 64;
	     a = a->ai_next) {
		char addr[INET6_ADDRSTRLEN];
		const void *src =
		    a->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
		if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
		    !inet_ntop(a->ai_family, src, addr, sizeof(addr)))
			continue;
		off += snprintf(line + off, sizeof(line) - (size_t)off,
				a->ai_family == AF_INET6 ? "%s[%s]" : "%s%s", n ? "," : "", addr);
		n++;
	}
	freeaddrinfo(ai);
	if (n == 0) {
		(void)snprintf(msg, msgsz, "host %s has no address", host);
		r = -EHOSTUNREACH;
		goto out;
	}
	*ret = strdup(line);
	r = *ret ? 0 : -ENOMEM;
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return r;
}

static void
set_common(struct fetch_transfer *t, const struct fetch_call *c)
{
	CURL *h = t->curl;
	long left = (long)(t->deadline_ms > fetch_now_ms() ? t->deadline_ms - fetch_now_ms() : 1);
	(void)curl_easy_setopt(h, CURLOPT_URL, c->url);
	(void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->plain_http_ok ? "http,https" : "https");
	(void)curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* redirects are ours to check */
	(void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never a proxy from the environment */
	(void)curl_easy_setopt(h, CURLOPT_USERAGENT, "crisp-fetch/0.1");
	(void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
	(void)curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, t->low_speed_bytes);
	(void)curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, t->low_speed_seconds);
	(void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left);
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);
	(void)curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
	(void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	(void)curl_easy_setopt(h, CURLOPT_RANGE, c->range_from);
	/* TLS: verify peer and host against the CAs loaded before confinement, from memory
	 * only (no CA path or file is opened after the filter is on). */
	(void)curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	(void)curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	(void)curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
	(void)curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
	(void)curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &t->ca);
	if (c->post_fields) {
		(void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->post_fields);
	} else {
		(void)curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
}

CURLcode
fetch_curl_perform(struct fetch_transfer *t, const struct fetch_call *c)
{
	fetch_curl_reset(t);
	cleanup_free char *pin = NULL;
	if (resolve_entry(c->url, &pin, t->errbuf, sizeof(t->errbuf)) < 0)
		return CURLE_COULDNT_RESOLVE_HOST;
	struct curl_slist *resolve = NULL;
	if (pin && !(resolve = curl_slist_append(NULL, pin)))
		return CURLE_OUT_OF_MEMORY;
	set_common(t, c);
	(void)curl_easy_setopt(t->curl, CURLOPT_RESOLVE, resolve);
	CURLcode rc = curl_easy_perform(t->curl);
	long st = 0;
	(void)curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &st);
	t->resp.status = st;
	(void)curl_easy_setopt(t->curl, CURLOPT_RESOLVE, NULL);
	curl_slist_free_all(resolve);
	return rc;
}
