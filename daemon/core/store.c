/* SPDX-License-Identifier: Apache-2.0 */
/* Atomic record files and careful directory removal (see store.h).
 * runs in: daemon/privileged. */
#include "daemon/core/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
store_write_atomic(const char *dir, const char *name, const void *buf, size_t len, mode_t mode)
{
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	char tmp[300];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	char path[CRISP_PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dir, tmp) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	cleanup_close int fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	const char *base = strrchr(path, '/') + 1;
	int r = write_all(fd, buf, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, base, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, base, 0);
		return r;
	}
	return fsync(dfd) < 0 ? -errno : 0;
}

int
store_read(const char *dir, const char *name, size_t max, uint8_t **ret_buf, size_t *ret_len)
{
	char path[CRISP_PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	size_t len = (size_t)st.st_size;
	cleanup_free uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += (size_t)n;
	}
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int
store_clean_temp(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp.") && unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	(void)closedir(d);
	return n;
}

int
store_mkdir_p(const char *path, mode_t mode)
{
	char buf[CRISP_PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = saved;
		if (!saved)
			return 0;
	}
}

static int
remove_at(int dfd, const char *name, dev_t dev)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode)) {
		if (st.st_dev != dev)
			return -EBUSY; /* a file bind mount (e.g. a namespace pin) */
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	}
	if (st.st_dev != dev)
		return -EBUSY;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d)) && r == 0) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = remove_at(dirfd(d), de->d_name, dev);
	}
	(void)closedir(d);
	if (r < 0)
		return r;
	return unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

int
store_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	char parent[CRISP_PATH_MAX];
	if (snprintf(parent, sizeof(parent), "%s", path) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -EINVAL; /* never "/" or a relative path */
	*slash = '\0';
	cleanup_close int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	struct stat pst;
	if (fstat(pfd, &pst) < 0)
		return -errno;
	/* A path that is itself a mount point has another st_dev than its parent. */
	if (st.st_dev != pst.st_dev)
		return -EBUSY;
	return remove_at(pfd, slash + 1, pst.st_dev);
}
