/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-unpack: confine, read one UnpackRequest, chroot into the layer directory and
 * drop CAP_SYS_CHROOT, then unpack the layer blob on fd 5 (parsers/layer_stream.c validates,
 * parsers/unpack_fs_helper.c writes) and reply with the diffID, sizes, usage and opaque dirs.
 * runs in: helper/untrusted. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <linux/capability.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/macro.h"
#include "parsers/layer_stream.h"
#include "parsers/unpack_fs_helper.h"
#include "sandbox/helper_enter.h"
#include "sandbox/helper_msg.h"

typedef Crisp__Helper__UnpackRequest UnpackRequest;

/* Drop CAP_SYS_CHROOT from the effective and permitted sets (capset can only lower), and
 * check it is gone: with it, a chrooted process can chroot again and walk out. */
static void
drop_chroot_cap(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &hdr, d) < 0)
		sandbox_helper_fail(HELPER_EXIT_CONFINE, "capget failed");
	d[0].effective &= ~(1u << CAP_SYS_CHROOT);
	d[0].permitted &= ~(1u << CAP_SYS_CHROOT);
	d[0].inheritable = d[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, d) < 0 || syscall(SYS_capget, &hdr, d) < 0 ||
	    (d[0].effective | d[0].permitted) & (1u << CAP_SYS_CHROOT))
		sandbox_helper_fail(HELPER_EXIT_CONFINE, "cannot drop CAP_SYS_CHROOT");
}

/* Enter the layer directory for good: after this "/" is the layer, and no fd refers to a
 * directory outside it (fds 0..5 are /dev/null, pipes and the blob file). */
static int
enter_layer(const char *dir)
{
	if (dir[0] != '/' || chdir(dir) < 0 || chroot(".") < 0)
		sandbox_helper_fail(HELPER_EXIT_CONFINE, "cannot chroot into the layer directory");
	drop_chroot_cap();
	int fd = openat(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		sandbox_helper_fail(HELPER_EXIT_CONFINE, "cannot open the layer root");
	return fd;
}

static ssize_t
read_blob(void *ud, uint8_t *buf, size_t len)
{
	(void)ud;
	for (;;) {
		ssize_t n = read(HELPER_FD_BULK, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n;
	}
}

static _Noreturn void
unpack(struct helper_msg *msg, const UnpackRequest *req)
{
	struct parse_error e;
	struct layer_stream_opts o = {.compression =
					  (enum layer_stream_compression)req->compression,
				      .max_uncompressed = req->max_uncompressed,
				      .max_entries = req->max_entries,
				      .max_trailing = LAYER_MAX_TRAILING_BYTES};
	/* Files can never grow past the layer's cap, whatever the writer does. */
	struct rlimit fl = {(rlim_t)req->max_uncompressed, (rlim_t)req->max_uncompressed};
	if (setrlimit(RLIMIT_FSIZE, &fl) < 0)
		sandbox_helper_fail(HELPER_EXIT_CONFINE, "cannot lower RLIMIT_FSIZE");
	int root_fd = enter_layer(req->root_dir);
	struct unpack_fs *fs = unpack_fs_new(root_fd);
	struct layer_stream *s = NULL;
	if (!fs)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	if (layer_stream_new(&o, read_blob, NULL, &s, &e) < 0)
		helper_msg_error(msg, &e);
	struct tar_entry *t = malloc(sizeof(*t));
	if (!t)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	int r;
	while ((r = layer_stream_next(s, t, &e)) > 0)
		if (unpack_fs_apply(fs, s, t, &e) < 0)
			helper_msg_error(msg, &e);
	if (r < 0 || unpack_fs_finish(fs, &e) < 0)
		helper_msg_error(msg, &e);
	char diff_id[LAYER_DIFF_ID_LEN];
	Crisp__Helper__UnpackReply out;
	crisp__helper__unpack_reply__init(&out);
	layer_stream_result(s, diff_id, &out.uncompressed_size, &out.entries);
	unpack_fs_usage(fs, &out.disk_bytes, &out.inodes);
	out.diff_id = diff_id;
	size_t n = 0;
	const char *const *dirs = unpack_fs_opaque(fs, &n);
	ProtobufCBinaryData *od = calloc(n ? n : 1, sizeof(*od));
	if (!od)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		od[i] = (ProtobufCBinaryData){strlen(dirs[i]), (uint8_t *)UNCONST(dirs[i])};
	out.n_opaque_dirs = n;
	out.opaque_dirs = od;
	msg->rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_UNPACK;
	msg->rep.unpack = &out;
	helper_msg_send(msg);
}

/* Before confinement: what later needs files. libarchive converts pax UTF-8 names to the
 * locale's charset (UTF-8 here, so no conversion at all), and iconv reads its module list on
 * first use: both happen now, not after the chroot where the files are gone. Modes come
 * from the layer exactly: umask 0. */
static void
prepare(void)
{
	(void)setlocale(LC_CTYPE, "C.UTF-8");
	iconv_t cd = iconv_open("UTF-8", "UTF-8");
	if (cd != (iconv_t)-1)
		(void)iconv_close(cd);
	(void)umask(0);
}

int
main(void)
{
	prepare();
	sandbox_helper_enter(POLICY_UNPACK);
	struct helper_msg msg;
	Crisp__Helper__HelperRequest *req =
	    helper_msg_recv(&msg, POLICY_UNPACK, (size_t)4 * POLICY_UNPACK->request_max);
	if (req->body_case != CRISP__HELPER__HELPER_REQUEST__BODY_UNPACK || !req->unpack ||
	    !req->unpack->root_dir || req->unpack->root_dir[0] != '/' ||
	    (unsigned)req->unpack->compression >= LAYER_STREAM_COMPRESSION_COUNT ||
	    req->unpack->max_uncompressed == 0 || req->unpack->max_entries == 0)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "unexpected request body");
	unpack(&msg, req->unpack);
}
