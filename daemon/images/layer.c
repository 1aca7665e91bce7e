/* SPDX-License-Identifier: Apache-2.0 */
/* Layer unpack, daemon side: reopen the blob read-only for the helper, run
 * crisp-helper-unpack (it chroots into dest_dir), re-validate its reply, and set the overlay
 * opaque xattr (which needs CAP_SYS_ADMIN, so the helper cannot) beneath dest_dir.
 * runs in: daemon/privileged. The reply is untrusted: the helper read a registry's bytes. */
#include "daemon/images/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/helpers/helper_call.h"
#include "daemon/helpers/helper_ctx.h"
#include "daemon/replies/unpack_reply.h"
#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

const char *
layer_compression_to_string(enum layer_compression c)
{
	static const char *const names[LAYER_COMPRESSION_COUNT] = {"none", "gzip", "zstd"};
	return (unsigned)c < LAYER_COMPRESSION_COUNT ? names[c] : "?";
}

int
layer_mark_opaque(int dest_fd, const char *dir)
{
	/* The layer's own symlinks must never redirect this privileged write: resolve inside
	 * dest_fd only, refuse any symlink, magic link or mount crossing on the way. */
	struct open_how how = {
	    .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
	    .resolve =
		RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	cleanup_close int fd = (int)syscall(SYS_openat2, dest_fd, dir, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
		return -errno;
	return 0;
}

/* A read-only open of the blob with its own file offset: the helper reads it from byte 0
 * and can never write the verified blob, even if blob_fd was opened read-write. */
static int
reopen_blob(int blob_fd)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", blob_fd);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : S_ISREG(st.st_mode) ? 0 : -EINVAL;
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Run the helper on the read-only blob (helper_call.c: envelope, budget, Error replies) and
 * re-validate its reply. The unpack policy's deadline (1 h) is the least it gets. */
static int
run_helper(const struct helper_ctx *h, int bulk_fd, const char *dest_dir, enum layer_compression c,
	   uint64_t max_uncompressed, struct unpack_reply **ret, char *err, size_t errsz)
{
	Crisp__Helper__UnpackRequest u;
	crisp__helper__unpack_request__init(&u);
	u.root_dir = UNCONST(dest_dir);
	u.compression = (Crisp__Helper__UnpackRequest__Compression)c;
	u.max_uncompressed = max_uncompressed;
	u.max_entries = LAYER_MAX_ENTRIES;
	Crisp__Helper__HelperRequest req;
	crisp__helper__helper_request__init(&req);
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_UNPACK;
	req.unpack = &u;
	/* what: NULL, the unpacker's messages name the entry and the reason themselves. */
	struct helper_call call;
	helper_call_init(&call, POLICY_UNPACK, NULL, CRISP__HELPER__HELPER_REPLY__BODY_UNPACK, err,
			 errsz);
	call.bulk_fd = bulk_fd;
	uint64_t dl = helper_call_deadline_ms(h, &call);
	call.deadline_ms = dl > POLICY_UNPACK->deadline_ms ? dl : POLICY_UNPACK->deadline_ms;
	Crisp__Helper__HelperReply *rep = NULL;
	int r = helper_call_run(h, &call, &req, &rep);
	if (r < 0)
		return r;
	r = rep->unpack ? unpack_reply_validate(rep->unpack, max_uncompressed, LAYER_MAX_ENTRIES,
						ret, err, errsz)
			: -EPROTO;
	if (!rep->unpack)
		snprintf(err, errsz, "crisp-helper-unpack: unexpected reply body");
	helper_call_free(&call, rep);
	return r;
}

static int
check_args(int blob_fd, const char *dest_dir, enum layer_compression c, uint64_t max, char *err,
	   size_t errsz)
{
	if (blob_fd < 0 || !dest_dir || dest_dir[0] != '/' || strlen(dest_dir) > LAYER_PATH_MAX ||
	    (unsigned)c >= LAYER_COMPRESSION_COUNT || max == 0) {
		snprintf(err, errsz, "layer unpack: invalid arguments");
		return -EINVAL;
	}
	return 0;
}

int
layer_unpack(const struct helper_ctx *h, int blob_fd, const char *dest_dir,
	     enum layer_compression c, uint64_t max_uncompressed, struct layer_unpack_result *ret,
	     char *err, size_t errsz)
{
	int r = check_args(blob_fd, dest_dir, c, max_uncompressed, err, errsz);
	if (r < 0)
		return r;
	cleanup_close int dest_fd = open(dest_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dest_fd < 0) {
		snprintf(err, errsz, "layer directory %s: %s", dest_dir, strerror(errno));
		return -errno;
	}
	cleanup_close int ro = reopen_blob(blob_fd);
	if (ro < 0) {
		snprintf(err, errsz, "layer blob: %s", strerror(-ro));
		return ro;
	}
	struct unpack_reply *rep = NULL;
	r = run_helper(h, ro, dest_dir, c, max_uncompressed, &rep, err, errsz);
	if (r < 0)
		return r;
	if (!rep)
		return -EPROTO;
	for (size_t i = 0; i < rep->n_opaque_dirs; i++) {
		r = layer_mark_opaque(dest_fd, rep->opaque_dirs[i]);
		if (r < 0) {
			char esc[4 * LOG_MAX_UNTRUSTED + 4];
			const char *p = rep->opaque_dirs[i];
			snprintf(err, errsz, "layer opaque directory \"%s\": %s",
				 log_escape(p, strlen(p), esc, sizeof(esc)), strerror(-r));
			unpack_reply_free(rep);
			return r;
		}
	}
	memcpy(ret->diff_id, rep->diff_id, sizeof(ret->diff_id));
	ret->uncompressed_size = rep->uncompressed_size;
	ret->entries = rep->entries;
	ret->disk_bytes = rep->disk_bytes;
	ret->inodes = rep->inodes;
	unpack_reply_free(rep);
	return 0;
}
