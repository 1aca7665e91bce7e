/* SPDX-License-Identifier: Apache-2.0 */
/* Localhost seccomp profiles (see ctr_seccomp_load.h): the request's path, the file opened
 * with openat2 beneath the configured root, read capped, and handed to the helper call.
 * runs in: daemon/privileged. The path comes from a CRI request; the bytes from a file
 * anyone with write access to it controls: the daemon only counts them. */
#include "daemon/containers/ctr_seccomp_load.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/core/error.h"
#include "daemon/helpers/seccomp_call.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "policy/validate.h"

/* The Localhost path the context names, or NULL. The deprecated field is read only when the
 * typed one is absent, as ctr_spec_seccomp.c decides the profile kind. */
static const char *
localhost_path(const Runtime__V1__LinuxContainerSecurityContext *sc)
{
	const Runtime__V1__SecurityProfile *p = sc ? sc->seccomp : NULL;
	if (p)
		return p->profile_type == RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__Localhost
			   ? p->localhost_ref
			   : NULL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
	const char *old = sc ? sc->seccomp_profile_path : NULL;
#pragma GCC diagnostic pop
	return old && strncmp(old, "localhost/", 10) == 0 ? old + 10 : NULL;
}

/* Open path (absolute) as a regular file: beneath root when root is set (symlinks may
 * resolve inside it, never out; ".." cannot leave it), else anywhere but through /proc's
 * magic links. O_NONBLOCK: a FIFO planted at the path must not hang the request. */
static int
open_profile(const char *root, const char *path, const char **ret_why)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
			       .resolve = RESOLVE_NO_MAGICLINKS};
	cleanup_close int dir = -EBADF;
	const char *rel = path;
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (root[0]) {
		if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && rl > 1)) {
			*ret_why = "must lie beneath the configured profile root";
			return -EINVAL;
		}
		dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0) {
			*ret_why = "[policy] seccomp_profile_root cannot be opened";
			return -errno;
		}
		for (rel = path + rl; *rel == '/'; rel++)
			;
		how.resolve |= RESOLVE_BENEATH;
	}
	int fd = (int)syscall(SYS_openat2, root[0] ? dir : AT_FDCWD, rel[0] ? rel : ".", &how,
			      sizeof(how));
	if (fd < 0 && (errno == EXDEV || errno == ELOOP))
		*ret_why = "resolves outside [policy] seccomp_profile_root through a symlink";
	return fd < 0 ? -errno : fd;
}

/* Read the whole regular file behind fd, at most SECCOMP_LOCAL_MAX_SIZE bytes. */
static int
read_profile(int fd, uint8_t **ret, size_t *ret_len, const char **ret_why)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*ret_why = "is not a regular file";
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > SECCOMP_LOCAL_MAX_SIZE) {
		*ret_why = "is larger than the limit of 1 MiB (SECCOMP_LOCAL_MAX_SIZE)";
		return -EFBIG;
	}
	/* One byte more than the cap: a file that grew since fstat is refused, not cut. */
	cleanup_free uint8_t *buf = malloc(SECCOMP_LOCAL_MAX_SIZE + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	while (len <= SECCOMP_LOCAL_MAX_SIZE) {
		ssize_t n = read(fd, buf + len, SECCOMP_LOCAL_MAX_SIZE + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SECCOMP_LOCAL_MAX_SIZE) {
		*ret_why = "is larger than the limit of 1 MiB (SECCOMP_LOCAL_MAX_SIZE)";
		return -EFBIG;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int
load_file(const char *root, const char *path, uint8_t **ret, size_t *ret_len, const char **why)
{
	/* Absolute, no "." or ".." component, no control byte, beneath root (policy/): the
	 * openat2 below enforces the root again, against symlinks too. */
	struct policy_error pe;
	if (validate_seccomp_localhost(path, strlen(path), root[0] ? root : NULL, &pe) < 0) {
		*why = pe.rule;
		return -EINVAL;
	}
	cleanup_close int fd = open_profile(root, path, why);
	if (fd < 0)
		return fd;
	return read_profile(fd, ret, ret_len, why);
}

int
ctr_seccomp_load(const struct helper_ctx *h, const char *root,
		 const Runtime__V1__LinuxContainerSecurityContext *sc,
		 struct seccomp_reply_profile **ret, char *err, size_t errsz)
{
	const char *path = localhost_path(sc);
	if (!path || (sc && sc->privileged)) {
		*ret = NULL;
		return 0;
	}
	char q[256];
	(void)error_escape(path, strlen(path), q, sizeof(q));
	const char *why = NULL;
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	int r = load_file(root ? root : "", path, &buf, &len, &why);
	if (r < 0) {
		snprintf(err, errsz, "seccomp profile \"%s\"%s%s", q, why ? " " : ": ",
			 why ? why : strerror(-r));
		return r == -ENOMEM ? r : -EINVAL;
	}
	char msg[512];
	r = seccomp_call_parse(h, buf, len, ret, msg, sizeof(msg));
	if (r < 0) {
		snprintf(err, errsz, "seccomp profile \"%s\": %s", q, msg);
		return r == -ENOMEM ? r : -EINVAL;
	}
	return 0;
}
