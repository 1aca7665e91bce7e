/* SPDX-License-Identifier: Apache-2.0 */
/* Registry manifests and blobs through crisp-helper-fetch: check the target, build the
 * request (credentials, the registry's CA certificates, limits), run the helper with the
 * blob file as its fd 5, re-validate its reply and turn failures into actionable messages.
 * runs in: daemon/privileged. The reply is untrusted: the helper talked to the registry. */
#include "daemon/images/registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/helpers/helper_call.h"
#include "daemon/replies/fetch_reply.h"
#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"
#include "parsers/base/str.h"

typedef Crisp__Helper__FetchRequest FetchRequest;
#define F(x) CRISP__HELPER__FETCH_REPLY__FAILURE__##x

/* ---- syntax of what goes into the URL ---------------------------------------------------- */

int
registry_host_valid(const char *s)
{
	size_t n = strlen(s), i = 0;
	if (n == 0 || n > REGISTRY_MAX_HOST_LEN)
		return 0;
	if (s[0] == '[') { /* [IPv6]: hex digits, ':' and '.' (v4-mapped) */
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!(char_is_alnum(s[i]) || s[i] == ':' || s[i] == '.'))
				return 0;
		if (i >= n || i == 1)
			return 0;
		i++;
	} else {
		/* DNS labels: alnum and '-' and '.', no empty label, no label edge '-'. */
		char prev = '.';
		for (; i < n && s[i] != ':'; i++) {
			char c = s[i];
			if (c == '.' && (prev == '.' || prev == '-'))
				return 0;
			if (c == '-' && prev == '.')
				return 0;
			if (!(char_is_alnum(c) || c == '-' || c == '.'))
				return 0;
			prev = c;
		}
		if (i == 0 || prev == '.' || prev == '-')
			return 0;
	}
	if (i == n)
		return 1;
	uint64_t port;
	return s[i] == ':' && str_to_u64(s + i + 1, n - i - 1, 65535, &port) == 0 && port > 0;
}

/* Distribution's path grammar: components [a-z0-9]+ joined by one '.', one or two '_', or
 * any run of '-'; components joined by '/'. */
int
registry_repository_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > IMAGE_REF_MAX_NAME_LEN)
		return 0;
	size_t i = 0;
	for (;;) {
		if (i >= n || !char_is_lower_alnum(s[i]))
			return 0;
		while (i < n && char_is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return 1;
		if (s[i] == '/') {
			i++;
			continue;
		}
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_'))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return 0;
	}
}

int
registry_tag_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > IMAGE_REF_MAX_TAG_LEN || !(char_is_alnum(s[0]) || s[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!(char_is_alnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

static bool
is_digest(const char *s)
{
	return digest_check(s, strlen(s), NULL) == 0;
}

/* ---- the request ------------------------------------------------------------------------- */

static bool
ca_name_ok(const char *n)
{
	size_t l = strlen(n);
	return n[0] != '.' && ((l > 4 && strcmp(n + l - 4, ".crt") == 0) ||
			       (l > 4 && strcmp(n + l - 4, ".pem") == 0));
}

/* Concatenate the dir's *.crt and *.pem (regular files, in name order) into one PEM buffer of
 * at most FETCH_MAX_CA_PEM bytes. The daemon does not parse them: the helper's TLS library
 * does. They are admin configuration, not registry bytes. */
static int
read_ca_dir(const char *dir, uint8_t **ret, size_t *ret_len, char *err, size_t errsz)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		snprintf(err, errsz, "CA directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	cleanup_free uint8_t *buf = malloc(FETCH_MAX_CA_PEM);
	size_t len = 0;
	int r = buf ? 0 : -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (r == 0 && ca_name_ok(list[i]->d_name)) {
			char p[CRISP_PATH_MAX];
			cleanup_close int fd =
			    path_fmt(p, sizeof(p), "%s/%s", dir, list[i]->d_name) < 0
				? -ENAMETOOLONG
				: open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
			struct stat st;
			if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
				if ((uint64_t)st.st_size + 1 > FETCH_MAX_CA_PEM - len) {
					snprintf(err, errsz, "CA directory %s: over %u bytes", dir,
						 FETCH_MAX_CA_PEM);
					r = -EFBIG;
				} else {
					ssize_t k = pread(fd, buf + len, (size_t)st.st_size, 0);
					len += k > 0 ? (size_t)k : 0;
					buf[len++] = '\n';
				}
			}
		}
		free(list[i]);
	}
	free(list);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static char *
nz(const char *s)
{
	return UNCONST(s ? s : "");
}

/* hd: the deadline the helper runs under (helper_call_deadline_ms). */
static void
fill_request(FetchRequest *f, const struct registry_target *t, const struct registry_auth *a,
	     uint64_t hd)
{
	static const struct registry_tuning defaults;
	const struct registry_tuning *tu = t->tuning ? t->tuning : &defaults;
	f->registry = UNCONST(t->registry);
	f->repository = UNCONST(t->repository);
	f->plain_http = t->plain_http != 0;
	if (a) {
		f->username = nz(a->username);
		f->password = nz(a->password);
		f->auth = nz(a->auth);
		f->identity_token = nz(a->identity_token);
		f->registry_token = nz(a->registry_token);
	}
	/* The helper's own deadline ends a little before ours, so it can still say why. */
	f->deadline_ms = hd > 2u * FETCH_DEADLINE_SLACK_MS ? hd - FETCH_DEADLINE_SLACK_MS : hd;
	f->connect_timeout_ms =
	    tu->connect_timeout_ms ? tu->connect_timeout_ms : FETCH_DEFAULT_CONNECT_TIMEOUT_MS;
	f->low_speed_bytes =
	    tu->low_speed_bytes ? tu->low_speed_bytes : FETCH_DEFAULT_LOW_SPEED_BYTES;
	f->low_speed_seconds =
	    tu->low_speed_seconds ? tu->low_speed_seconds : FETCH_DEFAULT_LOW_SPEED_SECONDS;
	f->max_retries = tu->max_retries == REGISTRY_NO_RETRIES ? 0
			 : tu->max_retries == 0                 ? FETCH_DEFAULT_RETRIES
			 : tu->max_retries > FETCH_MAX_RETRIES  ? FETCH_MAX_RETRIES
								: tu->max_retries;
}

static bool
credential_ok(const char *s)
{
	return !s || strnlen(s, FETCH_MAX_CREDENTIAL + 1) <= FETCH_MAX_CREDENTIAL;
}

static int
check_target(const struct registry_target *t, const struct registry_auth *a, char *err,
	     size_t errsz)
{
	if (!t || !t->registry || !registry_host_valid(t->registry)) {
		snprintf(err, errsz, "invalid registry host");
		return -EINVAL;
	}
	if (!t->repository || !registry_repository_valid(t->repository)) {
		snprintf(err, errsz, "registry %s: invalid repository name", t->registry);
		return -EINVAL;
	}
	if (a &&
	    !(credential_ok(a->username) && credential_ok(a->password) && credential_ok(a->auth) &&
	      credential_ok(a->identity_token) && credential_ok(a->registry_token))) {
		snprintf(err, errsz, "registry %s: a credential is longer than %u bytes",
			 t->registry, FETCH_MAX_CREDENTIAL);
		return -EINVAL;
	}
	return 0;
}

/* ---- running the helper ----------------------------------------------------------------- */

struct run {
	const struct helper_ctx *h;
	const struct registry_target *t;
	const struct registry_auth *a;
	FetchRequest *f;
	int bulk_fd;
	struct fetch_expect expect;
};

/* Fill the request's limits, run the helper (helper_call.c: the packed request holds the
 * credentials, so it is wiped on every path; the fetcher never sends an Error body) and
 * validate the reply body into *res. */
static int
run_fetch(const struct run *run, struct fetch_result *res, char *err, size_t errsz)
{
	struct helper_call c;
	char msg[256] = "";
	helper_call_init(&c, POLICY_FETCH, "registry reply",
			 CRISP__HELPER__HELPER_REPLY__BODY_FETCH, msg, sizeof(msg));
	c.bulk_fd = run->bulk_fd;
	c.scrub = true;
	c.typed_only = true;
	fill_request(run->f, run->t, run->a, helper_call_deadline_ms(run->h, &c));
	Crisp__Helper__HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_FETCH;
	req.fetch = run->f;
	Crisp__Helper__HelperReply *rep = NULL;
	int r = helper_call_run(run->h, &c, &req, &rep);
	if (r < 0) {
		snprintf(err, errsz, "registry %s: %s", run->t->registry, msg);
		return r;
	}
	r = fetch_reply_validate(rep->fetch, &run->expect, res);
	helper_call_free(&c, rep);
	if (r < 0)
		snprintf(err, errsz, "registry %s: crisp-helper-fetch sent an invalid reply",
			 run->t->registry);
	return r;
}

static int
failure_errno(int failure)
{
	switch (failure) {
	case F(NOT_FOUND):
		return -ENOENT;
	case F(UNAUTHORIZED):
	case F(DENIED):
		return -EACCES;
	case F(TOO_LARGE):
		return -EFBIG;
	case F(SHORT):
		return -ENODATA;
	case F(CONNECT):
		return -ECONNREFUSED;
	case F(TIMEOUT):
		return -ETIMEDOUT;
	case F(TLS):
	case F(PROTOCOL):
	case F(REDIRECT):
	case F(TOKEN):
		return -EPROTO;
	case F(REQUEST):
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* "registry R: <what happened>", from the validated result only (printable ASCII). */
static int
report(const struct registry_target *t, const char *ref, bool blob, uint64_t size,
       const struct fetch_result *res, char *err, size_t errsz)
{
	const char *sep = is_digest(ref) ? "@" : ":";
	if (res->failure == F(NOT_FOUND))
		snprintf(err, errsz, "registry %s: %s unknown: %s%s%s (%s)", t->registry,
			 blob ? "blob" : "manifest", t->repository, sep, ref, res->message);
	else if (res->failure == F(TOO_LARGE) && blob)
		snprintf(err, errsz, "registry %s: blob %s larger than its declared size %llu (%s)",
			 t->registry, ref, (unsigned long long)size, res->message);
	else if (res->failure == F(TOO_LARGE))
		snprintf(err, errsz, "registry %s: manifest %s%s%s larger than %u bytes (%s)",
			 t->registry, t->repository, sep, ref, REGISTRY_MAX_MANIFEST, res->message);
	else if (res->failure == F(SHORT))
		snprintf(err, errsz,
			 "registry %s: blob %s shorter than its declared size %llu (%s)",
			 t->registry, ref, (unsigned long long)size, res->message);
	else
		snprintf(err, errsz, "registry %s: %s", t->registry, res->message);
	return failure_errno(res->failure);
}

int
registry_get_manifest(const struct helper_ctx *h, const struct registry_target *t,
		      const struct registry_auth *a, const char *reference, uint8_t **ret_buf,
		      size_t *ret_len, char **ret_media_type, char **ret_digest, char *err,
		      size_t errsz)
{
	int r = check_target(t, a, err, errsz);
	if (r < 0)
		return r;
	if (!reference || !(registry_tag_valid(reference) || is_digest(reference))) {
		snprintf(err, errsz, "registry %s: invalid tag or digest", t->registry);
		return -EINVAL;
	}
	FetchRequest f;
	crisp__helper__fetch_request__init(&f);
	f.kind = CRISP__HELPER__FETCH_REQUEST__KIND__MANIFEST;
	f.reference = UNCONST(reference);
	cleanup_free uint8_t *ca = NULL;
	if (t->ca_dir && (r = read_ca_dir(t->ca_dir, &ca, &f.ca_pem.len, err, errsz)) < 0)
		return r;
	f.ca_pem.data = ca;
	struct run run = {.h = h, .t = t, .a = a, .f = &f, .bulk_fd = -1};
	struct fetch_result res;
	if ((r = run_fetch(&run, &res, err, errsz)) < 0)
		return r;
	if (res.failure != F(NONE)) {
		r = report(t, reference, false, 0, &res, err, errsz);
		fetch_result_done(&res);
		return r;
	}
	char *mt = strdup(res.media_type), *dg = res.digest[0] ? strdup(res.digest) : NULL;
	if (!mt || (res.digest[0] && !dg)) {
		free(mt);
		free(dg);
		fetch_result_done(&res);
		return -ENOMEM;
	}
	*ret_buf = TAKE_PTR(res.document);
	*ret_len = res.document_len;
	*ret_media_type = mt;
	*ret_digest = dg;
	return 0;
}

/* Leave exactly `keep` bytes in the file (the helper could have written anywhere on fd 5:
 * nothing past what it vouched for, and never past the declared size, is kept). */
static int
trim(int fd, uint64_t keep)
{
	return ftruncate(fd, (off_t)keep) < 0 ? -errno : 0;
}

int
registry_get_blob(const struct helper_ctx *h, const struct registry_target *t,
		  const struct registry_auth *a, const char *digest, uint64_t size, int out_fd,
		  uint64_t resume_from, char *err, size_t errsz)
{
	int r = check_target(t, a, err, errsz);
	if (r < 0)
		return r;
	if (!digest || !is_digest(digest) || size > DESCRIPTOR_MAX_SIZE || resume_from > size ||
	    out_fd < 0) {
		snprintf(err, errsz, "registry %s: invalid blob request", t->registry);
		return -EINVAL;
	}
	FetchRequest f;
	crisp__helper__fetch_request__init(&f);
	f.kind = CRISP__HELPER__FETCH_REQUEST__KIND__BLOB;
	f.reference = UNCONST(digest);
	f.size = size;
	f.resume_from = resume_from;
	cleanup_free uint8_t *ca = NULL;
	if (t->ca_dir && (r = read_ca_dir(t->ca_dir, &ca, &f.ca_pem.len, err, errsz)) < 0)
		return r;
	f.ca_pem.data = ca;
	struct run run = {.h = h,
			  .t = t,
			  .a = a,
			  .f = &f,
			  .bulk_fd = out_fd,
			  .expect = {.blob = 1, .size = size}};
	struct fetch_result res;
	r = run_fetch(&run, &res, err, errsz);
	if (r < 0) {
		/* No trustworthy count: keep what was there before, within the declared size. */
		struct stat st;
		if (fstat(out_fd, &st) == 0 && (uint64_t)st.st_size > size)
			(void)trim(out_fd, size);
		return r;
	}
	int tr = trim(out_fd, res.bytes_written);
	if (res.failure != F(NONE))
		r = report(t, digest, true, size, &res, err, errsz);
	else if (tr < 0)
		snprintf(err, errsz, "registry %s: blob %s: truncate: %s", t->registry, digest,
			 strerror(-(r = tr)));
	fetch_result_done(&res);
	return r;
}
