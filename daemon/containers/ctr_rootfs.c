/* SPDX-License-Identifier: Apache-2.0 */
/* A container's root filesystem: an overlay of its image's layers plus its own upper and
 * work dirs, and the process user resolved from the image's own /etc/passwd and /etc/group
 * (read beneath the rootfs with openat2 RESOLVE_IN_ROOT, regular files only, capped, and
 * parsed in crisp-helper-passwd).
 * runs in: daemon/privileged. */
#include "daemon/containers/ctr_rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon/images/images.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

struct mount_job {
	const char *dir, *target, *opts;
	int err;
};

/* A thread with its own working directory (unshare(CLONE_FS) applies to the calling thread
 * only), so the daemon's cwd never changes and no child process exists that could inherit
 * other requests' fds (issue 13). */
static void *
mount_thread(void *arg)
{
	struct mount_job *j = arg;
	j->err = 0;
	if (unshare(CLONE_FS) < 0 || chdir(j->dir) < 0 ||
	    mount("overlay", j->target, "overlay", MS_NODEV, j->opts) < 0)
		j->err = errno;
	return NULL;
}

static int
mount_in_dir(const char *dir, const char *target, const char *opts)
{
	struct mount_job j = {dir, target, opts, EIO};
	pthread_t th;
	sigset_t all, old;
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&th, NULL, mount_thread, &j);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e == 0)
		e = pthread_join(th, NULL);
	return e ? e : j.err;
}

/* Mount from a thread that chdir'ed to the layer dir, so lowerdir can use short relative
 * paths ("<hex>/diff") and more layers fit in the one page mount options may take. */
int
ctr_rootfs_mount(const struct images *im, char **chain_ids, size_t n, const char *upper,
		 const char *work, const char *target, char *err, size_t errsz)
{
	char opts[OVERLAY_MAX_OPTS + 1];
	size_t off = (size_t)snprintf(opts, sizeof(opts), "lowerdir=");
	for (size_t i = n; i-- > 0;) { /* the top layer comes first */
		int w = snprintf(opts + off, sizeof(opts) - off, "%s%s/diff", i + 1 < n ? ":" : "",
				 chain_ids[i] + 7);
		if (w < 0 || off + (size_t)w >= sizeof(opts)) {
			snprintf(err, errsz,
				 "image has too many layers (%zu) for one overlay mount", n);
			return -E2BIG;
		}
		off += (size_t)w;
	}
	int w = snprintf(opts + off, sizeof(opts) - off, ",upperdir=%s,workdir=%s", upper, work);
	if (w < 0 || off + (size_t)w >= sizeof(opts)) {
		snprintf(err, errsz, "overlay mount options too long");
		return -E2BIG;
	}
	int e = mount_in_dir(im->layer_dir, target, opts);
	if (e) {
		snprintf(err, errsz, "mount the container rootfs (overlay) on %s: %s", target,
			 strerror(e));
		return -e;
	}
	return 0;
}

int
ctr_rootfs_umount(const char *target)
{
	if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	return 0;
}

/* Read rootfs/<rel> as the image sees it: symlinks resolve inside the rootfs, never out of
 * it; only a regular file is read, at most PASSWD_MAX_FILE_SIZE bytes (/etc/group pointing at
 * /dev/zero must not hang). -ENOENT when absent. */
int
ctr_rootfs_read(const char *rootfs, const char *rel, uint8_t **ret, size_t *ret_len)
{
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
			       .resolve =
				   RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
	cleanup_close int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > PASSWD_MAX_FILE_SIZE)
		return -EFBIG;
	size_t cap = (size_t)st.st_size;
	cleanup_free uint8_t *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	size_t len = 0;
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int
ctr_resolve_user(const struct helper_ctx *h, const char *rootfs,
		 const Runtime__V1__LinuxContainerSecurityContext *sc, const char *image_user,
		 struct img_user **ret, char *err, size_t errsz)
{
	char spec[512];
	const Runtime__V1__Int64Value *ru = sc ? sc->run_as_user : NULL;
	const Runtime__V1__Int64Value *rg = sc ? sc->run_as_group : NULL;
	if ((ru && (ru->value < 0 || ru->value > 4294967294LL)) ||
	    (rg && (rg->value < 0 || rg->value > 4294967294LL))) {
		snprintf(err, errsz, "run_as_user/run_as_group: want 0..4294967294");
		return -EINVAL;
	}
	const char *name = sc && sc->run_as_username[0] ? sc->run_as_username : NULL;
	if (ru)
		snprintf(spec, sizeof(spec), "%lld", (long long)ru->value);
	else if (name)
		snprintf(spec, sizeof(spec), "%.255s", name);
	else
		snprintf(spec, sizeof(spec), "%.255s", image_user ? image_user : "");
	if (rg) {
		char *colon = strchr(spec, ':');
		if (colon)
			*colon = '\0';
		size_t l = strlen(spec);
		snprintf(spec + l, sizeof(spec) - l, ":%lld", (long long)rg->value);
	}
	cleanup_free uint8_t *pw = NULL, *gr = NULL;
	size_t pwl = 0, grl = 0;
	int r = ctr_rootfs_read(rootfs, "etc/passwd", &pw, &pwl);
	if (r < 0 && r != -ENOENT) {
		snprintf(err, errsz, "image /etc/passwd: %s", strerror(-r));
		return r;
	}
	r = ctr_rootfs_read(rootfs, "etc/group", &gr, &grl);
	if (r < 0 && r != -ENOENT) {
		snprintf(err, errsz, "image /etc/group: %s", strerror(-r));
		return r;
	}
	return img_resolve_user(h, pw, pwl, gr, grl, spec, ret, err, errsz);
}
