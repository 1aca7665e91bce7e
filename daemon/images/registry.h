/* SPDX-License-Identifier: Apache-2.0 */
/* Registry access for the image service: manifests and blobs over the OCI distribution API,
 * fetched by the confined crisp-helper-fetch (the daemon never speaks HTTP to a registry nor
 * parses a byte of its replies; it re-validates what the helper reports).
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_REGISTRY_H
#define CRISP_DAEMON_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/helpers/helper_ctx.h"
#include "parsers/base/limits.h"

/* Credentials from PullImageRequest.auth or the config file. Any may be NULL or "". Never
 * logged, never put in a message. */
struct registry_auth {
	const char *username, *password;
	const char *auth;           /* base64 "user:pass" */
	const char *identity_token; /* OAuth2 refresh token for the token endpoint */
	const char *registry_token; /* bearer token sent to the registry as is */
};

/* Timeouts and retries; a zero field takes the default from limits.h. */
struct registry_tuning {
	uint32_t connect_timeout_ms; /* FETCH_DEFAULT_CONNECT_TIMEOUT_MS */
	uint32_t low_speed_bytes;    /* FETCH_DEFAULT_LOW_SPEED_BYTES (bytes/s) ... */
	uint32_t low_speed_seconds;  /* ... for FETCH_DEFAULT_LOW_SPEED_SECONDS: cut, retried */
	uint32_t max_retries;        /* FETCH_DEFAULT_RETRIES, at most FETCH_MAX_RETRIES; use
				      * REGISTRY_NO_RETRIES for none */
};

#define REGISTRY_NO_RETRIES UINT32_MAX

struct registry_target {
	const char *registry;   /* host[:port], "127.0.0.1:5000", "registry-1.docker.io" */
	const char *repository; /* "library/busybox" */
	int plain_http;         /* http:// (insecure or loopback registry; the caller decides) */
	const char *ca_dir;     /* per-registry CA dir (*.crt, *.pem, added to the system CAs) or
				 * NULL */
	const struct registry_tuning *tuning; /* NULL: defaults */
};

/* GET /v2/<repository>/manifests/<reference> (a tag or a digest) with the OCI index and
 * manifest and Docker list and schema2 Accept list. On success *ret_buf (malloc'ed) holds
 * *ret_len bytes, 1..REGISTRY_MAX_MANIFEST, *ret_media_type the Content-Type without
 * parameters (RFC 6838 checked) and *ret_digest the Docker-Content-Digest (digest syntax
 * checked) or NULL when the registry sent none; the caller frees all three and must still
 * verify the bytes against the digest it asked for. The helper runs for at most
 * h->timeout_ms. On failure returns -errno (-ENOENT not found, -EACCES authentication,
 * -EFBIG over the cap, -ETIMEDOUT, -ECONNREFUSED/-EHOSTUNREACH, -EPROTO, -EIO) and writes a
 * message a person can act on to err. */
int registry_get_manifest(const struct helper_ctx *h, const struct registry_target *t,
			  const struct registry_auth *a, const char *reference, uint8_t **ret_buf,
			  size_t *ret_len, char **ret_media_type, char **ret_digest, char *err,
			  size_t errsz);

/* GET /v2/<repository>/blobs/<digest> into out_fd (a temp file the daemon created, O_RDWR),
 * from offset resume_from (Range when > 0; a registry that ignores Range restarts at 0), never
 * more than size bytes in total. Redirects to other hosts (blob storage) are followed without
 * our credentials, at most FETCH_MAX_REDIRECTS hops, never from https to http. On return,
 * success or not, the file is truncated to the bytes known good so far (its size is the next
 * resume_from); on success it is exactly size bytes. The caller verifies the digest. Errors
 * as registry_get_manifest (-EFBIG: larger than declared, -ENODATA: shorter). */
int registry_get_blob(const struct helper_ctx *h, const struct registry_target *t,
		      const struct registry_auth *a, const char *digest, uint64_t size, int out_fd,
		      uint64_t resume_from, char *err, size_t errsz);

/* Syntax checks the functions above apply (exported for the image service and tests):
 * host[:port] (DNS name, IPv4, or [IPv6]), a distribution repository path, a tag. */
int registry_host_valid(const char *s);
int registry_repository_valid(const char *s);
int registry_tag_valid(const char *s);

#endif
