/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-fetch: confine (network kept, no exec, no file opens but for name resolution),
 * read one FetchRequest, fetch one manifest or blob from a registry with the distribution
 * API (auth challenges, token flow, redirects, retries, resume) and reply.
 * runs in: helper/untrusted. */
#include "parsers/fetch_helper.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/str.h"
#include "parsers/http_header.h"
#include "parsers/registry_error.h"
#include "parsers/token.h"
#include "parsers/www_auth.h"
#include "sandbox/helper_enter.h"
#include "sandbox/helper_msg.h"

typedef Crisp__Helper__FetchReply FetchReply;

#define F(x) CRISP__HELPER__FETCH_REPLY__FAILURE__##x

/* The system CA bundle, read before confinement (4 MiB is several times Debian's). */
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static const char manifest_accept[] = "Accept: application/vnd.oci.image.index.v1+json, "
				      "application/vnd.oci.image.manifest.v1+json, "
				      "application/vnd.docker.distribution.manifest.list.v2+json, "
				      "application/vnd.docker.distribution.manifest.v2+json";

struct job {
	const FetchRequest *rq;
	struct fetch_transfer t;
	char base[REGISTRY_MAX_HOST_LEN + 16]; /* "https://host:port" */
	char *basic;                           /* "Authorization: Basic ..." or NULL */
	char *bearer;                          /* "Authorization: Bearer ..." or NULL */
	bool basic_active;                     /* send basic to the registry */
	unsigned retries;
	/* the outcome */
	FetchFailure failure;
	char message[FETCH_MAX_MESSAGE];
	char registry_code[REGISTRY_ERROR_CODE_MAX];
};

__attribute__((format(printf, 3, 4))) static int
failf(struct job *j, FetchFailure f, const char *fmt, ...)
{
	va_list ap;
	j->failure = f;
	va_start(ap, fmt);
	if (vsnprintf(j->message, sizeof(j->message), fmt, ap) < 0)
		j->message[0] = '\0';
	va_end(ap);
	parse_error_sanitize(j->message);
	return -EIO;
}

static void
curl_freep(char **p)
{
	curl_free(*p);
}

/* ---- credentials ----------------------------------------------------------------------- */

static char *
base64(const uint8_t *in, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc(((len + 2) / 3) * 4 + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		*o++ = tab[(v >> 18) & 63u];
		*o++ = tab[(v >> 12) & 63u];
		*o++ = (char)(i + 1 < len ? tab[(v >> 6) & 63u] : '=');
		*o++ = (char)(i + 2 < len ? tab[v & 63u] : '=');
	}
	*o = '\0';
	return out;
}

static bool
base64_ok(const char *s)
{
	size_t n = strlen(s), pad = 0;
	if (n == 0 || n % 4 != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=' && i >= n - 2) {
			pad++;
			continue;
		}
		if (pad || !(char_is_alnum(c) || c == '+' || c == '/'))
			return false;
	}
	return true;
}

static bool
visible_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Basic credentials from auth (already base64 "user:pass") or username/password. */
static int
setup_credentials(struct job *j)
{
	const FetchRequest *rq = j->rq;
	if (rq->auth[0]) {
		if (!base64_ok(rq->auth))
			return failf(j, F(REQUEST), "the auth credential is not base64");
		if (asprintf(&j->basic, "Authorization: Basic %s", rq->auth) < 0)
			return -ENOMEM;
	} else if (rq->username[0]) {
		size_t ul = strlen(rq->username), pl = strlen(rq->password);
		if (memchr(rq->username, ':', ul))
			return failf(j, F(REQUEST), "a username may not contain ':'");
		cleanup_free uint8_t *up = malloc(ul + pl + 1);
		if (!up)
			return -ENOMEM;
		memcpy(up, rq->username, ul);
		up[ul] = ':';
		memcpy(up + ul + 1, rq->password, pl);
		cleanup_free char *b = base64(up, ul + pl + 1);
		explicit_bzero(up, ul + pl + 1);
		if (!b || asprintf(&j->basic, "Authorization: Basic %s", b) < 0)
			return -ENOMEM;
	}
	if (rq->registry_token[0]) {
		/* Sent as is in a header line: no CR/LF or blanks (header injection). */
		if (!visible_ascii(rq->registry_token))
			return failf(j, F(REQUEST), "the registry token is not visible ASCII");
		if (asprintf(&j->bearer, "Authorization: Bearer %s", rq->registry_token) < 0)
			return -ENOMEM;
	}
	if (rq->identity_token[0] && !visible_ascii(rq->identity_token))
		return failf(j, F(REQUEST), "the identity token is not visible ASCII");
	return 0;
}

/* ---- classification of one finished request -------------------------------------------- */

static bool
retryable_curl(CURLcode rc)
{
	switch ((int)rc) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool
retryable_status(long st)
{
	return st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static int
curl_failure(struct job *j, CURLcode rc)
{
	struct fetch_transfer *t = &j->t;
	const char *detail = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
	long os_errno = 0;
	(void)curl_easy_getinfo(t->curl, CURLINFO_OS_ERRNO, &os_errno);
	if (rc == CURLE_WRITE_ERROR && t->abort_failure != F(NONE))
		return failf(j, t->abort_failure, "%s", t->abort_msg);
	switch ((int)rc) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			return failf(j, F(CONNECT), "connection refused (%s)", detail);
		return failf(j, F(CONNECT), "cannot connect: %s", detail);
	case CURLE_COULDNT_RESOLVE_HOST:
		return failf(j, F(CONNECT), "DNS: %s", detail);
	case CURLE_PEER_FAILED_VERIFICATION:
		return failf(j, F(TLS), "TLS: certificate verify failed: %s", detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		return failf(j, F(TLS), "TLS: %s", detail);
	case CURLE_OPERATION_TIMEDOUT:
		return failf(j, F(TIMEOUT), "timed out: %s", detail);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return failf(j, F(REDIRECT), "protocol not allowed: %s", detail);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		return failf(j, F(HTTP), "connection lost: %s", detail);
	default:
		return failf(j, F(PROTOCOL), "%s", detail);
	}
}

/* A non-2xx status that is final: map it, with the registry's own error code if it sent a
 * well-formed error document. */
static int
status_failure(struct job *j, const char *what)
{
	struct fetch_transfer *t = &j->t;
	struct registry_error re;
	char detail[REGISTRY_ERROR_MSG_MAX + REGISTRY_ERROR_CODE_MAX + 8] = "";
	if (t->errbody_len > 0 &&
	    registry_error_parse(t->errbody, t->errbody_len, &re, NULL) == 0 && re.code[0]) {
		memcpy(j->registry_code, re.code, sizeof(re.code));
		(void)snprintf(detail, sizeof(detail), ": %s%s%s", re.code,
			       re.message[0] ? ": " : "", re.message);
	}
	long st = t->resp.status;
	FetchFailure f = st == 404   ? F(NOT_FOUND)
			 : st == 401 ? F(UNAUTHORIZED)
			 : st == 403 ? F(DENIED)
				     : F(HTTP);
	return failf(j, f, "HTTP %ld from %s%s", st, what, detail);
}

/* ---- token flow ------------------------------------------------------------------------- */

static void
xfree_secret(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

/* The token endpoint's URL with service and scope. realm must be https unless the registry
 * itself is reached over plain HTTP (credentials never cross the network in clear text to a
 * TLS registry's token server). */
static int
token_url(struct job *j, const struct www_auth *wa, char **ret)
{
	if (strncmp(wa->realm, "https://", 8) != 0 &&
	    !(j->rq->plain_http && strncmp(wa->realm, "http://", 7) == 0))
		return failf(j, F(TOKEN), "token realm is not an https URL");
	if (strchr(wa->realm, '?') || strchr(wa->realm, '#'))
		return failf(j, F(TOKEN), "token realm carries a query or fragment");
	char scope_buf[WWW_AUTH_MAX_VALUE + 300];
	const char *scope = wa->scope;
	if (!scope[0]) {
		(void)snprintf(scope_buf, sizeof(scope_buf), "repository:%s:pull",
			       j->rq->repository);
		scope = scope_buf;
	}
	cleanup(curl_freep) char *es = curl_easy_escape(j->t.curl, wa->service, 0);
	cleanup(curl_freep) char *esc = curl_easy_escape(j->t.curl, scope, 0);
	if (!es || !esc)
		return -ENOMEM;
	if (asprintf(ret, "%s?service=%s&scope=%s", wa->realm, es, esc) < 0)
		return -ENOMEM;
	return 0;
}

static int
token_post_fields(struct job *j, const struct www_auth *wa, char **ret)
{
	cleanup(curl_freep) char *es = curl_easy_escape(j->t.curl, wa->service, 0);
	cleanup(curl_freep) char *esc = curl_easy_escape(j->t.curl, wa->scope, 0);
	cleanup(curl_freep) char *et = curl_easy_escape(j->t.curl, j->rq->identity_token, 0);
	if (!es || !esc || !et)
		return -ENOMEM;
	if (asprintf(ret,
		     "grant_type=refresh_token&client_id=crisp&service=%s&scope=%s&"
		     "refresh_token=%s",
		     es, esc, et) < 0)
		return -ENOMEM;
	explicit_bzero(et, strlen(et));
	return 0;
}

static int
fetch_token(struct job *j, const struct www_auth *wa)
{
	struct fetch_transfer *t = &j->t;
	cleanup_free char *url = NULL, *post = NULL;
	int r = token_url(j, wa, &url);
	if (r < 0)
		return r;
	struct curl_slist *hdr = NULL;
	if (j->rq->identity_token[0]) {
		/* OAuth2 refresh-token grant: POST the form to the realm. */
		if ((r = token_post_fields(j, wa, &post)) < 0)
			return r;
		free(url);
		url = strdup(wa->realm);
		if (!url)
			return -ENOMEM;
	} else if (j->basic) {
		hdr = curl_slist_append(NULL, j->basic);
		if (!hdr)
			return -ENOMEM;
	}
	enum fetch_sink saved = t->sink;
	size_t saved_cap = t->body_cap;
	t->sink = FETCH_SINK_MEMORY;
	t->body_cap = TOKEN_REPLY_MAX_SIZE;
	struct fetch_call c = {
	    .url = url, .headers = hdr, .post_fields = post, .plain_http_ok = j->rq->plain_http};
	CURLcode rc = fetch_curl_perform(t, &c);
	curl_slist_free_all(hdr);
	if (post)
		explicit_bzero(post, strlen(post));
	t->sink = saved;
	t->body_cap = saved_cap;
	if (rc != CURLE_OK) {
		(void)curl_failure(j, rc);
		return failf(j, j->failure == F(TOO_LARGE) ? F(TOKEN) : j->failure,
			     "token endpoint: %s", j->message);
	}
	if (t->resp.status == 401 || t->resp.status == 403)
		return failf(j, F(UNAUTHORIZED),
			     "authentication required: %ld from the token endpoint (%s)",
			     t->resp.status,
			     j->basic || j->rq->identity_token[0] ? "credentials refused"
								  : "no credentials given");
	if (t->resp.status != 200)
		return failf(j, F(TOKEN), "token endpoint replied HTTP %ld", t->resp.status);
	struct token_reply *tok = NULL;
	struct parse_error pe;
	if (token_parse(t->body, t->body_len, &tok, &pe) < 0)
		return failf(j, F(TOKEN), "token reply: %s%s%s", pe.message,
			     pe.path[0] ? " at " : "", pe.path);
	xfree_secret(&j->bearer);
	r = asprintf(&j->bearer, "Authorization: Bearer %s", tok->token);
	token_reply_free(tok);
	return r < 0 ? -ENOMEM : 0;
}

/* A 401 from the registry: answer its challenge once. 1: try again, <0: failed. */
static int
answer_challenge(struct job *j, bool *tried)
{
	struct fetch_transfer *t = &j->t;
	if (*tried)
		return failf(j, F(UNAUTHORIZED),
			     "authentication required: 401 from %s after authenticating "
			     "(credentials refused)",
			     j->rq->registry);
	*tried = true;
	struct www_auth wa, best;
	bool have = false;
	for (size_t i = 0; i < t->resp.n_www_auth; i++) {
		const char *v = t->resp.www_auth[i];
		if (www_auth_parse((const uint8_t *)v, strlen(v), &wa, NULL) == 0 &&
		    (!have || (best.scheme == WWW_AUTH_BASIC && wa.scheme == WWW_AUTH_BEARER))) {
			best = wa;
			have = true;
		}
	}
	if (!have)
		return failf(j, F(UNAUTHORIZED),
			     "authentication required: 401 from %s without a usable "
			     "WWW-Authenticate challenge",
			     j->rq->registry);
	if (best.scheme == WWW_AUTH_BASIC) {
		if (!j->basic)
			return failf(j, F(UNAUTHORIZED),
				     "authentication required: 401 from %s (Basic; no "
				     "credentials given)",
				     j->rq->registry);
		j->basic_active = true;
		return 1;
	}
	int r = fetch_token(j, &best);
	return r < 0 ? r : 1;
}

/* ---- redirects ------------------------------------------------------------------------ */

/* Check a Location against the current URL; *ret is the absolute next URL. Refused: more than
 * FETCH_MAX_REDIRECTS hops, https to http, schemes other than http(s), userinfo. */
static int
follow(struct job *j, const char *cur, unsigned *hops, char **ret)
{
	struct fetch_transfer *t = &j->t;
	if (++*hops > FETCH_MAX_REDIRECTS)
		return failf(j, F(REDIRECT), "more than %u redirects", FETCH_MAX_REDIRECTS);
	if (!cur || t->resp.bad_header || !t->resp.location[0])
		return failf(j, F(REDIRECT), "redirect without a usable Location");
	CURLU *u = curl_url();
	char *scheme = NULL, *user = NULL, *next = NULL;
	int r = -EIO;
	if (!u || curl_url_set(u, CURLUPART_URL, cur, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, t->resp.location, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &next, 0) != CURLUE_OK || !scheme || !next) {
		r = failf(j, F(REDIRECT), "redirect to a malformed Location");
	} else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		r = failf(j, F(REDIRECT), "redirect to a URL with credentials");
	} else if (strcmp(scheme, "https") != 0 &&
		   !(strcmp(scheme, "http") == 0 && strncmp(cur, "http://", 7) == 0)) {
		r = failf(j, F(REDIRECT), "redirect from %.5s to %s refused",
			  strncmp(cur, "https", 5) == 0 ? "https" : "http", scheme);
	} else {
		*ret = strdup(next);
		r = *ret ? 0 : -ENOMEM;
	}
	curl_free(scheme);
	curl_free(user);
	curl_free(next);
	curl_url_cleanup(u);
	return r;
}

/* Same scheme, host and port as the registry: only there do credentials go. */
static bool
same_origin(const struct job *j, const char *url)
{
	size_t n = strlen(j->base);
	return url && strncmp(url, j->base, n) == 0 && (url[n] == '/' || url[n] == '\0');
}

/* ---- one request with redirects, auth and retries ----------------------------------------- */

static struct curl_slist *
request_headers(struct job *j, const char *url, bool manifest)
{
	struct curl_slist *h = NULL, *n;
	if (manifest && !(h = curl_slist_append(h, manifest_accept)))
		return NULL;
	const char *auth = !same_origin(j, url) ? NULL
			   : j->bearer          ? j->bearer
			   : j->basic_active    ? j->basic
						: NULL;
	if (auth) {
		if (!(n = curl_slist_append(h, auth))) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = n;
	}
	/* An empty list still needs one entry to be a list; "Expect:" disables 100-continue. */
	if (!h)
		h = curl_slist_append(NULL, "Expect:");
	return h;
}

static void
backoff(struct job *j, unsigned attempt)
{
	uint64_t ms = FETCH_BACKOFF_FIRST_MS;
	for (unsigned i = 0; i < attempt && ms < FETCH_BACKOFF_MAX_MS; i++)
		ms *= 2;
	if (ms > FETCH_BACKOFF_MAX_MS)
		ms = FETCH_BACKOFF_MAX_MS;
	uint64_t now = fetch_now_ms();
	if (now + ms >= j->t.deadline_ms)
		ms = j->t.deadline_ms > now ? j->t.deadline_ms - now : 0;
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000u),
			      .tv_nsec = (long)(ms % 1000u) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Outcome of one attempt: 0 done (2xx), 1 retry, <0 failed for good (j->failure set). */
static int
attempt(struct job *j, const char *path, bool manifest, bool *auth_tried)
{
	struct fetch_transfer *t = &j->t;
	/* Whatever the previous attempt failed with is history now. */
	j->failure = F(NONE);
	j->message[0] = '\0';
	j->registry_code[0] = '\0';
	cleanup_free char *url = NULL;
	if (asprintf(&url, "%s%s", j->base, path) < 0)
		return -ENOMEM;
	unsigned hops = 0;
	for (;;) {
		char range[32];
		bool ranged = t->sink == FETCH_SINK_BLOB && t->blob_off > 0;
		if (ranged)
			(void)snprintf(range, sizeof(range), "%llu-",
				       (unsigned long long)t->blob_off);
		struct curl_slist *h = request_headers(j, url, manifest);
		if (!h)
			return -ENOMEM;
		struct fetch_call c = {.url = url,
				       .headers = h,
				       .range_from = ranged ? range : NULL,
				       .plain_http_ok = j->rq->plain_http};
		CURLcode rc = fetch_curl_perform(t, &c);
		curl_slist_free_all(h);
		long st = t->resp.status;
		if (rc != CURLE_OK) {
			int r = curl_failure(j, rc);
			if (retryable_curl(rc) && fetch_now_ms() < t->deadline_ms)
				return 1;
			return r;
		}
		if (st >= 200 && st <= 299)
			return 0;
		if (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) {
			char *next = NULL;
			int r = follow(j, url, &hops, &next);
			if (r < 0)
				return r;
			free(url);
			url = next;
			continue;
		}
		if (st == 401 && same_origin(j, url)) {
			int r = answer_challenge(j, auth_tried);
			if (r < 0)
				return r;
			continue;
		}
		if (retryable_status(st)) {
			(void)status_failure(j, j->rq->registry);
			return 1;
		}
		return status_failure(j, same_origin(j, url) ? j->rq->registry
							     : "the redirect target");
	}
}

static int
run_request(struct job *j, const char *path, bool manifest)
{
	bool auth_tried = false;
	for (unsigned n = 0;; n++) {
		int r = attempt(j, path, manifest, &auth_tried);
		if (r <= 0)
			return r;
		if (n >= j->rq->max_retries || fetch_now_ms() >= j->t.deadline_ms) {
			char last[FETCH_MAX_MESSAGE];
			memcpy(last, j->message, sizeof(last));
			return n ? failf(j, j->failure, "%s (after %u retries)", last, n) : -EIO;
		}
		j->retries++;
		backoff(j, n);
	}
}

/* ---- the two jobs ------------------------------------------------------------------------ */

static bool
path_part_ok(const char *s, bool allow_slash_colon)
{
	if (!s[0] || strlen(s) > 512)
		return false;
	for (; *s; s++)
		if (!(char_is_alnum(*s) || strchr("._-", *s) ||
		      (allow_slash_colon && (*s == '/' || *s == ':'))))
			return false;
	return true;
}

static int
job_manifest(struct job *j, FetchReply *out)
{
	struct fetch_transfer *t = &j->t;
	char path[1200];
	t->sink = FETCH_SINK_MEMORY;
	t->body_cap = REGISTRY_MAX_MANIFEST;
	(void)snprintf(path, sizeof(path), "/v2/%s/manifests/%s", j->rq->repository,
		       j->rq->reference);
	int r = run_request(j, path, true);
	if (r < 0)
		return r;
	char mt[MEDIA_TYPE_MAX_LEN + 1] = "", dg[DIGEST_MAX_LEN + 1] = "";
	if (t->resp.bad_header)
		(void)failf(j, F(PROTOCOL), "malformed or repeated %s header",
			    t->resp.bad_header_name);
	else if (t->body_len == 0)
		(void)failf(j, F(PROTOCOL), "empty manifest");
	else if (!t->resp.content_type[0] ||
		 http_media_type_parse(t->resp.content_type, strlen(t->resp.content_type), mt,
				       sizeof(mt), NULL) < 0)
		(void)failf(j, F(PROTOCOL), "manifest without a valid Content-Type");
	else if (t->resp.digest[0] && http_digest_parse(t->resp.digest, strlen(t->resp.digest), dg,
							sizeof(dg), NULL) < 0)
		(void)failf(j, F(PROTOCOL), "invalid Docker-Content-Digest header");
	if (j->failure != F(NONE))
		return -EIO;
	out->media_type = strdup(mt);
	out->digest = strdup(dg);
	if (!out->media_type || !out->digest)
		return -ENOMEM;
	out->document.data = t->body;
	out->document.len = t->body_len;
	return 0;
}

static int
job_blob(struct job *j, FetchReply *out)
{
	struct fetch_transfer *t = &j->t;
	char path[1200];
	t->sink = FETCH_SINK_BLOB;
	t->blob_size = j->rq->size;
	t->blob_off = j->rq->resume_from;
	if (digest_check(j->rq->reference, strlen(j->rq->reference), NULL) < 0)
		return failf(j, F(REQUEST), "blob reference is not a digest");
	if (t->blob_off > t->blob_size)
		return failf(j, F(REQUEST), "resume offset past the declared size");
	int r = 0;
	(void)snprintf(path, sizeof(path), "/v2/%s/blobs/%s", j->rq->repository, j->rq->reference);
	while (t->blob_off < t->blob_size || t->blob_size == 0) {
		if ((r = run_request(j, path, false)) < 0 || t->blob_off == t->blob_size)
			break;
		/* A complete 2xx reply that stopped short: the server's blob is shorter than
		 * its descriptor says (a reset would have been a curl error). */
		r = failf(j, F(SHORT), "blob ended after %llu of %llu bytes",
			  (unsigned long long)t->blob_off, (unsigned long long)t->blob_size);
		break;
	}
	out->bytes_written = t->blob_off;
	return r;
}

/* ---- main ------------------------------------------------------------------------------- */

/* Read the system CA bundle into memory before confinement: after it, no file is opened for
 * TLS (curl gets the bundle as a blob). A missing bundle only means no public CA is trusted. */
static uint8_t *
load_system_cas(size_t *ret_len)
{
	*ret_len = 0;
	int fd = open(SYSTEM_CA_BUNDLE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	uint8_t *buf = malloc(FETCH_MAX_SYSTEM_CA);
	size_t n = 0;
	while (buf && n < FETCH_MAX_SYSTEM_CA) {
		ssize_t r = read(fd, buf + n, FETCH_MAX_SYSTEM_CA - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	(void)close(fd);
	*ret_len = n;
	return buf;
}

/* Glibc's resolver reads nsswitch.conf, gai.conf, resolv.conf and host.conf once and then only
 * stats them: one lookup before confinement leaves only /etc/hosts to open afterwards. */
static void
warm_resolver(void)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	if (getaddrinfo("localhost", NULL, &hints, &ai) == 0)
		freeaddrinfo(ai);
}

static int
setup_ca(struct job *j, uint8_t *sys, size_t sys_len)
{
	const ProtobufCBinaryData *extra = &j->rq->ca_pem;
	if (extra->len > FETCH_MAX_CA_PEM)
		return failf(j, F(REQUEST), "CA certificates over %u bytes", FETCH_MAX_CA_PEM);
	uint8_t *all = malloc(sys_len + extra->len + 2);
	if (!all)
		return -ENOMEM;
	if (sys_len)
		memcpy(all, sys, sys_len);
	all[sys_len] = '\n';
	if (extra->len)
		memcpy(all + sys_len + 1, extra->data, extra->len);
	all[sys_len + 1 + extra->len] = '\n';
	j->t.ca.data = all;
	j->t.ca.len = sys_len + extra->len + 2;
	j->t.ca.flags = CURL_BLOB_NOCOPY;
	return 0;
}

static int
setup_job(struct job *j, const FetchRequest *rq, uint8_t *cas, size_t cas_len)
{
	j->rq = rq;
	if (!path_part_ok(rq->registry, true) || !path_part_ok(rq->repository, true) ||
	    !path_part_ok(rq->reference, true) || rq->max_retries > FETCH_MAX_RETRIES)
		return failf(j, F(REQUEST), "malformed registry, repository or reference");
	(void)snprintf(j->base, sizeof(j->base), "%s://%s", rq->plain_http ? "http" : "https",
		       rq->registry);
	struct fetch_transfer *t = &j->t;
	uint64_t dl = rq->deadline_ms ? rq->deadline_ms : POLICY_FETCH->deadline_ms;
	t->deadline_ms = fetch_now_ms() + dl;
	t->connect_timeout_ms = (long)(rq->connect_timeout_ms ? rq->connect_timeout_ms
							      : FETCH_DEFAULT_CONNECT_TIMEOUT_MS);
	t->low_speed_bytes = (long)rq->low_speed_bytes;
	t->low_speed_seconds = (long)rq->low_speed_seconds;
	int r = setup_ca(j, cas, cas_len);
	return r < 0 ? r : setup_credentials(j);
}

/* The one request: the envelope through helper_msg.c (which wipes the frame: it held the
 * credentials), then the body this helper serves. */
static const FetchRequest *
read_request(struct helper_msg *msg)
{
	/* A small multiple of the frame cap bounds what decoding may allocate. */
	Crisp__Helper__HelperRequest *req =
	    helper_msg_recv(msg, POLICY_FETCH, (size_t)4 * POLICY_FETCH->request_max);
	if (req->body_case != CRISP__HELPER__HELPER_REQUEST__BODY_FETCH || !req->fetch)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope or body");
	return req->fetch;
}

int
main(void)
{
	/* Library init before confinement: OpenSSL and its config (curl_global_init), the CA
	 * bundle, jansson's hash seed (/dev/urandom), the resolver's config files, one handle. */
	json_object_seed(0);
	/* OpenSSL checks certificate times with localtime(): a fixed POSIX zone, set now, keeps
	 * glibc from opening /etc/localtime after confinement. */
	if (setenv("TZ", "UTC0", 1) < 0)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "setenv failed");
	tzset();
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		sandbox_helper_fail(HELPER_EXIT_INTERNAL, "curl_global_init failed");
	size_t cas_len;
	uint8_t *cas = load_system_cas(&cas_len);
	warm_resolver();
	static struct job j;
	j.t.curl = curl_easy_init();
	if (!j.t.curl)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "curl_easy_init failed");
	sandbox_helper_enter(POLICY_FETCH);

	static struct helper_msg msg;
	const FetchRequest *rq = read_request(&msg);
	FetchReply out;
	crisp__helper__fetch_reply__init(&out);
	msg.rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_FETCH;
	msg.rep.fetch = &out;
	int r = setup_job(&j, rq, cas, cas_len);
	if (r == 0 && rq->kind == CRISP__HELPER__FETCH_REQUEST__KIND__BLOB)
		r = job_blob(&j, &out);
	else if (r == 0 && rq->kind == CRISP__HELPER__FETCH_REQUEST__KIND__MANIFEST)
		r = job_manifest(&j, &out);
	else if (r == 0)
		r = failf(&j, F(REQUEST), "unknown fetch kind");
	/* Every failure path names its class; one that does not ran out of memory. */
	if (r < 0 && j.failure == F(NONE))
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	out.failure = j.failure;
	out.http_status =
	    (uint32_t)(j.t.resp.status > 0 && j.t.resp.status < 1000 ? j.t.resp.status : 0);
	out.message = j.message;
	out.registry_code = j.registry_code;
	helper_msg_send(&msg);
}
