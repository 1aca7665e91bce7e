/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-unpack's writer: validated entries become files beneath the layer root, one
 * path component at a time (openat O_NOFOLLOW; the seccomp filter refuses any openat without
 * it), metadata set on fds, whiteouts as 0/0 character devices, opaque dirs recorded.
 * runs in: helper/untrusted (chrooted into the layer directory, under seccomp). */
#include "parsers/base/limits.h"
#include "parsers/unpack_fs_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "parsers/base/macro.h"
#include "parsers/base/overflow.h"

/* Directory mtimes are set at the end (creating children changes them); past this many
 * path bytes the rest keep their unpack-time mtime rather than grow memory further. */

struct dir_time {
	char *path;
	struct timespec ts;
};

struct unpack_fs {
	int root_fd;
	int cache_fd; /* O_PATH fd of cache_path, the last parent directory used */
	char cache_path[LAYER_PATH_MAX + 1];
	struct dir_time *dirs;
	size_t n_dirs, cap_dirs, dir_bytes;
	char **opaque;
	size_t n_opaque, cap_opaque, opaque_bytes;
};

struct unpack_fs *
unpack_fs_new(int root_fd)
{
	struct unpack_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->root_fd = root_fd;
	fs->cache_fd = -EBADF;
	return fs;
}

struct unpack_fs *
unpack_fs_free(struct unpack_fs *fs)
{
	if (!fs)
		return NULL;
	closep(&fs->cache_fd);
	for (size_t i = 0; i < fs->n_dirs; i++)
		free(fs->dirs[i].path);
	free(fs->dirs);
	for (size_t i = 0; i < fs->n_opaque; i++)
		free(fs->opaque[i]);
	free(fs->opaque);
	free(fs);
	return NULL;
}

static const char *
err_text(int err)
{
	switch (err) {
	case ENOSPC:
		return "no space left on device";
	case EDQUOT:
		return "disk quota exceeded";
	case EFBIG:
		return "file too large";
	case ENOMEM:
		return "out of memory";
	case EMLINK:
		return "too many links";
	case EPERM:
	case EACCES:
		return "permission denied";
	default:
		return strerrorname_np(err) ? strerrorname_np(err) : "error";
	}
}

__attribute__((format(printf, 3, 4))) static int
fs_error(struct parse_error *e, const char *path, const char *fmt, ...)
{
	char what[PARSE_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(what, sizeof(what), fmt, ap) < 0)
		what[0] = '\0';
	va_end(ap);
	size_t n = strnlen(path, PARSE_ERROR_QUOTE_MAX + 1);
	int cut = n > PARSE_ERROR_QUOTE_MAX;
	return parse_error_set(e, PARSE_ERR_VALUE, PARSE_OFFSET_NONE, NULL,
			       "layer entry \"%.*s%s\": %s", (int)(cut ? PARSE_ERROR_QUOTE_MAX : n), path,
			       cut ? "..." : "", what);
}

static int
sys_error(struct parse_error *e, const char *path, const char *op, int err)
{
	int r = fs_error(e, path, "%s: %s", op, err_text(err));
	if (e && (err == ENOSPC || err == EDQUOT || err == EFBIG)) {
		e->code = PARSE_ERR_LIMIT;
		return parse_code_errno(PARSE_ERR_LIMIT);
	}
	return r;
}

/* Split a normalised path (not ".") into parent (".": the root) and base name. */
static const char *
split(const char *path, char parent[LAYER_PATH_MAX + 1])
{
	const char *s = strrchr(path, '/');
	if (!s) {
		memcpy(parent, ".", 2);
		return path;
	}
	memcpy(parent, path, (size_t)(s - path));
	parent[s - path] = '\0';
	return s + 1;
}

/* Open dir (normalised, relative to the root) as an O_PATH fd, one component at a time,
 * never following a symlink; with create, missing components become 0755 directories. */
static int
walk(const struct unpack_fs *fs, const char *dir, int create, const char *orig, int *ret_fd,
     struct parse_error *e)
{
	cleanup_close int cur =
	    openat(fs->root_fd, ".", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cur < 0)
		return sys_error(e, orig, "open the layer root", errno);
	if (strcmp(dir, ".") == 0) {
		*ret_fd = TAKE_FD(cur);
		return 0;
	}
	char comp[LAYER_NAME_MAX + 1];
	for (const char *p = dir; *p;) {
		size_t len = strcspn(p, "/");
		if (len > LAYER_NAME_MAX)
			return fs_error(e, orig, "name too long");
		memcpy(comp, p, len);
		comp[len] = '\0';
		int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && create) {
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST)
				return sys_error(e, orig, "mkdir of a parent", errno);
			fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0 && (errno == ENOTDIR || errno == ELOOP))
			return fs_error(e, orig,
					"path component \"%.40s\" is a symlink or not a directory",
					comp);
		if (fd < 0 && errno == ENOENT)
			return fs_error(e, orig, "\"%.40s\" is not in this layer", dir);
		if (fd < 0)
			return sys_error(e, orig, "open a parent", errno);
		closep(&cur);
		cur = fd;
		p += len;
		if (*p == '/')
			p++;
	}
	*ret_fd = TAKE_FD(cur);
	return 0;
}

/* The parent directory of an entry (borrowed fd, cached for the next entry). */
static int
parent_fd(struct unpack_fs *fs, const char *parent, const char *orig, int *ret,
	  struct parse_error *e)
{
	if (fs->cache_fd >= 0 && strcmp(fs->cache_path, parent) == 0) {
		*ret = fs->cache_fd;
		return 0;
	}
	closep(&fs->cache_fd);
	fs->cache_fd = -EBADF;
	int fd = -EBADF;
	int r = walk(fs, parent, 1, orig, &fd, e);
	if (r < 0)
		return r;
	fs->cache_fd = fd;
	memcpy(fs->cache_path, parent, strlen(parent) + 1);
	*ret = fd;
	return 0;
}

/* Something already exists at dfd/base (an earlier entry of this layer). Returns 1 to keep
 * an existing directory for a directory entry, 0 once a non-directory was removed (a later
 * tar entry replaces an earlier one), or an error: a directory is never replaced. */
static int
make_room(int dfd, const char *base, int is_dir, const char *orig, struct parse_error *e)
{
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : sys_error(e, orig, "stat", errno);
	if (S_ISDIR(st.st_mode)) {
		if (is_dir)
			return 1;
		return fs_error(e, orig, "replaces a directory of the same layer");
	}
	if (unlinkat(dfd, base, 0) < 0)
		return sys_error(e, orig, "unlink of an earlier entry", errno);
	return 0;
}

static int
set_xattrs(int fd, struct layer_stream *s, const char *orig, struct parse_error *e)
{
	const char *name;
	const void *value;
	size_t len;
	int r;
	while ((r = layer_stream_xattr(s, &name, &value, &len, e)) > 0)
		/* A store without user xattrs (ENOTSUP) loses them, as containerd does;
		 * anything else is an error. */
		if (fsetxattr(fd, name, value, len, 0) < 0 && errno != ENOTSUP)
			return sys_error(e, orig, "setxattr", errno);
	return r;
}

/* Owner, then xattrs (chown drops security.capability), then mode (chown clears setuid and
 * setgid), then mtime, all on the fd. */
static int
set_meta(int fd, const struct tar_entry *t, struct layer_stream *s, int times, const char *orig,
	 struct parse_error *e)
{
	if (fchown(fd, t->uid, t->gid) < 0)
		return sys_error(e, orig, "chown", errno);
	int r = set_xattrs(fd, s, orig, e);
	if (r < 0)
		return r;
	if (fchmod(fd, (mode_t)t->mode) < 0)
		return sys_error(e, orig, "chmod", errno);
	struct timespec ts[2] = {{t->mtime_sec, t->mtime_nsec}, {t->mtime_sec, t->mtime_nsec}};
	if (times && futimens(fd, ts) < 0)
		return sys_error(e, orig, "set times", errno);
	return 0;
}

static int
write_data(int fd, struct layer_stream *s, const struct tar_entry *t, const char *orig,
	   struct parse_error *e)
{
	const void *buf;
	size_t len;
	uint64_t off, end = 0;
	int r;
	while ((r = layer_stream_data(s, &buf, &len, &off, e)) > 0) {
		const uint8_t *p = buf;
		while (len > 0) {
			ssize_t n = pwrite(fd, p, len, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return sys_error(e, orig, "write", n < 0 ? errno : EIO);
			p += n;
			len -= (size_t)n;
			off += (uint64_t)n;
		}
		if (off > end)
			end = off;
	}
	if (r < 0)
		return r;
	/* A sparse file's last hole. */
	if (end < t->size && ftruncate(fd, (off_t)t->size) < 0)
		return sys_error(e, orig, "truncate", errno);
	return 0;
}

static int
make_reg(int dfd, const char *base, struct layer_stream *s, const struct tar_entry *t,
	 const char *orig, struct parse_error *e)
{
	/* O_EXCL: never opens what is already there (a symlink planted by an earlier entry). */
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int fd = openat(dfd, base, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		int r = make_room(dfd, base, 0, orig, e);
		if (r < 0)
			return r;
		fd = openat(dfd, base, flags, 0600);
	}
	if (fd < 0)
		return sys_error(e, orig, "create", errno);
	int r = write_data(fd, s, t, orig, e);
	if (r < 0)
		return r;
	return set_meta(fd, t, s, 1, orig, e);
}

static int
record_dir_time(struct unpack_fs *fs, const char *path, const struct tar_entry *t)
{
	size_t len = strlen(path) + 1;
	if (fs->dir_bytes + len > UNPACK_DIR_TIMES_MAX_BYTES)
		return 0;
	if (fs->n_dirs == fs->cap_dirs &&
	    array_grow((void **)&fs->dirs, &fs->cap_dirs, fs->n_dirs + 1, sizeof(*fs->dirs)) < 0)
		return -ENOMEM;
	char *p = malloc(len);
	if (!p)
		return -ENOMEM;
	memcpy(p, path, len);
	fs->dirs[fs->n_dirs].path = p;
	fs->dirs[fs->n_dirs].ts = (struct timespec){t->mtime_sec, t->mtime_nsec};
	fs->n_dirs++;
	fs->dir_bytes += len;
	return 0;
}

static int
make_dir(struct unpack_fs *fs, int dfd, const char *base, struct layer_stream *s,
	 const struct tar_entry *t, const char *orig, struct parse_error *e)
{
	if (mkdirat(dfd, base, 0700) < 0) {
		if (errno != EEXIST)
			return sys_error(e, orig, "mkdir", errno);
		int r = make_room(dfd, base, 1, orig, e);
		if (r < 0)
			return r;
		if (r == 0 && mkdirat(dfd, base, 0700) < 0)
			return sys_error(e, orig, "mkdir", errno);
	}
	cleanup_close int fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sys_error(e, orig, "open the directory", errno);
	int r = set_meta(fd, t, s, 0, orig, e);
	if (r < 0)
		return r;
	if (record_dir_time(fs, t->path, t) < 0)
		return sys_error(e, orig, "record", ENOMEM);
	return 0;
}

/* Nodes that are never opened (opening a device or fifo has effects): owner and mtime by
 * name with AT_SYMLINK_NOFOLLOW; the mode comes from mknodat/symlinkat (umask is 0). */
static int
node_meta(int dfd, const char *base, const struct tar_entry *t, const char *orig,
	  struct parse_error *e)
{
	if (fchownat(dfd, base, t->uid, t->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return sys_error(e, orig, "chown", errno);
	struct timespec ts[2] = {{t->mtime_sec, t->mtime_nsec}, {t->mtime_sec, t->mtime_nsec}};
	if (utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return sys_error(e, orig, "set times", errno);
	return 0;
}

static int
mknod_replacing(int dfd, const char *base, mode_t mode, dev_t dev, const char *orig,
		struct parse_error *e)
{
	if (mknodat(dfd, base, mode, dev) == 0)
		return 0;
	if (errno != EEXIST)
		return sys_error(e, orig, "mknod", errno);
	int r = make_room(dfd, base, 0, orig, e);
	if (r < 0)
		return r;
	if (mknodat(dfd, base, mode, dev) < 0)
		return sys_error(e, orig, "mknod", errno);
	return 0;
}

static int
make_node(int dfd, const char *base, const struct tar_entry *t, const char *orig,
	  struct parse_error *e)
{
	mode_t type = t->type == TAR_ENTRY_CHR   ? S_IFCHR
		      : t->type == TAR_ENTRY_BLK ? S_IFBLK
						 : S_IFIFO;
	dev_t dev = t->type == TAR_ENTRY_FIFO ? 0 : makedev(t->dev_major, t->dev_minor);
	int r = mknod_replacing(dfd, base, type | (mode_t)t->mode, dev, orig, e);
	return r < 0 ? r : node_meta(dfd, base, t, orig, e);
}

static int
make_symlink(int dfd, const char *base, const struct tar_entry *t, const char *orig,
	     struct parse_error *e)
{
	if (symlinkat(t->link, dfd, base) < 0) {
		if (errno != EEXIST)
			return sys_error(e, orig, "symlink", errno);
		int r = make_room(dfd, base, 0, orig, e);
		if (r < 0)
			return r;
		if (symlinkat(t->link, dfd, base) < 0)
			return sys_error(e, orig, "symlink", errno);
	}
	return node_meta(dfd, base, t, orig, e);
}

/* A hardlink names an earlier entry of this layer: its parent is walked inside the layer
 * (never created, never through a symlink) and linkat does not follow a final symlink. */
static int
make_hardlink(struct unpack_fs *fs, const char *parent, const char *base, const struct tar_entry *t,
	      const char *orig, struct parse_error *e)
{
	char tparent[LAYER_PATH_MAX + 1];
	const char *tbase = split(t->link, tparent);
	int tfd_raw = -EBADF;
	int r = walk(fs, tparent, 0, orig, &tfd_raw, e);
	if (r < 0)
		return r;
	cleanup_close int tfd = tfd_raw;
	struct stat st;
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT
			   ? fs_error(e, orig, "hardlink target \"%.40s\" is not in this layer",
				      t->link)
			   : sys_error(e, orig, "stat the hardlink target", errno);
	if (S_ISDIR(st.st_mode))
		return fs_error(e, orig, "hardlink to a directory");
	if (S_ISCHR(st.st_mode) && st.st_rdev == 0)
		return fs_error(e, orig, "hardlink to a whiteout");
	int dfd = -EBADF;
	r = parent_fd(fs, parent, orig, &dfd, e);
	if (r < 0)
		return r;
	if (linkat(tfd, tbase, dfd, base, 0) < 0) {
		if (errno != EEXIST)
			return sys_error(e, orig, "link", errno);
		r = make_room(dfd, base, 0, orig, e);
		if (r < 0)
			return r;
		if (linkat(tfd, tbase, dfd, base, 0) < 0)
			return sys_error(e, orig, "link", errno);
	}
	return 0;
}

static int
record_opaque(struct unpack_fs *fs, const struct tar_entry *t, struct parse_error *e)
{
	size_t len = strlen(t->path) + 1;
	if (fs->n_opaque > 0 && strcmp(fs->opaque[fs->n_opaque - 1], t->path) == 0)
		return 0;
	if (fs->n_opaque >= LAYER_MAX_OPAQUE_DIRS ||
	    fs->opaque_bytes + len > LAYER_MAX_OPAQUE_BYTES)
		return parse_error_set(e, PARSE_ERR_LIMIT, PARSE_OFFSET_NONE, NULL,
				       "layer has more than %u opaque directories",
				       LAYER_MAX_OPAQUE_DIRS);
	/* The directory must exist for the daemon to mark it. */
	int fd = -EBADF;
	int r = walk(fs, t->path, 1, t->path, &fd, e);
	if (r < 0)
		return r;
	closep(&fd);
	if (fs->n_opaque == fs->cap_opaque && array_grow((void **)&fs->opaque, &fs->cap_opaque,
							 fs->n_opaque + 1, sizeof(*fs->opaque)) < 0)
		return sys_error(e, t->path, "record", ENOMEM);
	char *p = malloc(len);
	if (!p)
		return sys_error(e, t->path, "record", ENOMEM);
	memcpy(p, t->path, len);
	fs->opaque[fs->n_opaque++] = p;
	fs->opaque_bytes += len;
	return 0;
}

static int
apply_root(struct unpack_fs *fs, struct layer_stream *s, const struct tar_entry *t,
	   struct parse_error *e)
{
	cleanup_close int fd =
	    openat(fs->root_fd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sys_error(e, ".", "open the layer root", errno);
	int r = set_meta(fd, t, s, 0, ".", e);
	if (r < 0)
		return r;
	return record_dir_time(fs, ".", t) < 0 ? sys_error(e, ".", "record", ENOMEM) : 0;
}

int
unpack_fs_apply(struct unpack_fs *fs, struct layer_stream *s, const struct tar_entry *t,
		struct parse_error *e)
{
	switch (t->action) {
	case TAR_ACTION_SKIP:
		return 0;
	case TAR_ACTION_OPAQUE:
		return record_opaque(fs, t, e);
	case TAR_ACTION_ROOT:
		return apply_root(fs, s, t, e);
	case TAR_ACTION_WHITEOUT:
	case TAR_ACTION_CREATE:
	case TAR_ACTION_COUNT:
		break;
	}
	char parent[LAYER_PATH_MAX + 1];
	const char *base = split(t->path, parent);
	if (t->action == TAR_ACTION_CREATE && t->type == TAR_ENTRY_HARDLINK)
		return make_hardlink(fs, parent, base, t, t->path, e);
	int dfd = -EBADF;
	int r = parent_fd(fs, parent, t->path, &dfd, e);
	if (r < 0)
		return r;
	/* The overlay form of a whiteout: a 0/0 character device with the deleted name. */
	if (t->action == TAR_ACTION_WHITEOUT)
		return mknod_replacing(dfd, base, S_IFCHR, makedev(0, 0), t->path, e);
	switch (t->type) {
	case TAR_ENTRY_REG:
		return make_reg(dfd, base, s, t, t->path, e);
	case TAR_ENTRY_DIR:
		return make_dir(fs, dfd, base, s, t, t->path, e);
	case TAR_ENTRY_SYMLINK:
		return make_symlink(dfd, base, t, t->path, e);
	case TAR_ENTRY_CHR:
	case TAR_ENTRY_BLK:
	case TAR_ENTRY_FIFO:
		return make_node(dfd, base, t, t->path, e);
	case TAR_ENTRY_HARDLINK:
	case TAR_ENTRY_OTHER:
	case TAR_ENTRY_TYPE_COUNT:
		break;
	}
	return fs_error(e, t->path, "unsupported entry type");
}

int
unpack_fs_finish(struct unpack_fs *fs, struct parse_error *e)
{
	for (size_t i = 0; i < fs->n_dirs; i++) {
		const char *path = fs->dirs[i].path;
		struct timespec ts[2] = {fs->dirs[i].ts, fs->dirs[i].ts};
		if (strcmp(path, ".") == 0) {
			if (utimensat(fs->root_fd, ".", ts, AT_SYMLINK_NOFOLLOW) < 0)
				return sys_error(e, path, "set times", errno);
			continue;
		}
		char parent[LAYER_PATH_MAX + 1];
		const char *base = split(path, parent);
		int dfd = -EBADF;
		int r = parent_fd(fs, parent, path, &dfd, e);
		if (r < 0)
			return r;
		if (utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return sys_error(e, path, "set times", errno);
	}
	return 0;
}

const char *const *
unpack_fs_opaque(const struct unpack_fs *fs, size_t *ret_n)
{
	*ret_n = fs->n_opaque;
	return (const char *const *)fs->opaque;
}
