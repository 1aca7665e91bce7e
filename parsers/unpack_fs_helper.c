/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-unpack's writer: validated entries become files beneath the layer root, one
 * path component at a time (openat O_NOFOLLOW; the seccomp filter refuses any openat without
 * it), metadata set on fds, whiteouts as 0/0 character devices, opaque dirs recorded.
 * runs in: helper/untrusted (chrooted into the layer directory, under seccomp). */
#include "parsers/unpack_fs_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/overflow.h"

/* Directory mtimes are set at the end (creating children changes them), and the directories
 * this layer created are measured again then (they grow with their entries); past
 * UNPACK_DIR_TIMES_MAX_BYTES of path bytes the rest keep their unpack-time mtime and size
 * rather than grow memory further. */

struct dir_time {
	char *path;
	struct timespec ts;
	int64_t blocks0; /* st_blocks when created; counted already */
	bool has_time;   /* an explicit entry: set its mtime */
	bool measure;    /* created by this layer: add its growth at the end */
};

struct unpack_fs {
	int root_fd;
	int cache_fd; /* O_PATH fd of cache_path, the last parent directory used */
	char cache_path[LAYER_PATH_MAX + 1];
	struct dir_time *dirs;
	size_t n_dirs, cap_dirs, dir_bytes;
	char **opaque;
	size_t n_opaque, cap_opaque, opaque_bytes;
	/* What the tree uses (du semantics: every inode once, in 512-byte blocks). */
	uint64_t blocks, inodes;
};

struct unpack_fs *
unpack_fs_new(int root_fd)
{
	struct unpack_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->root_fd = root_fd;
	fs->cache_fd = -EBADF;
	fs->inodes = 1; /* the root; its blocks are read at the end */
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
			       "layer entry \"%.*s%s\": %s", (int)(cut ? PARSE_ERROR_QUOTE_MAX : n),
			       path, cut ? "..." : "", what);
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

/* Usage accounting. Sizes only feed the reply's totals (the daemon bounds them), so the
 * arithmetic saturates instead of failing the layer. */
static void
usage_add(struct unpack_fs *fs, int64_t blocks)
{
	uint64_t b = blocks > 0 ? (uint64_t)blocks : 0;
	fs->blocks = fs->blocks > UINT64_MAX - b ? UINT64_MAX : fs->blocks + b;
	fs->inodes++;
}

/* A name that goes away: its inode (and blocks) only when it was the last link. */
static void
usage_drop(struct unpack_fs *fs, const struct stat *st)
{
	if (S_ISDIR(st->st_mode) || st->st_nlink != 1)
		return;
	uint64_t b = st->st_blocks > 0 ? (uint64_t)st->st_blocks : 0;
	fs->blocks = fs->blocks > b ? fs->blocks - b : 0;
	fs->inodes = fs->inodes > 1 ? fs->inodes - 1 : 1;
}

/* A node just created at dfd/base (fd >= 0: opened, else by name without following). */
static int
usage_new(struct unpack_fs *fs, int dfd, const char *base, int fd, const char *orig,
	  struct parse_error *e)
{
	struct stat st;
	int r = fd >= 0 ? fstat(fd, &st) : fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW);
	if (r < 0)
		return sys_error(e, orig, "stat", errno);
	usage_add(fs, (int64_t)st.st_blocks);
	return 0;
}

static int record_dir_time(struct unpack_fs *fs, const char *path, const struct tar_entry *t,
			   bool measure, int64_t blocks0);

/* A directory this layer created (fd open on it): counted now, measured again at the end. */
static int
usage_new_dir(struct unpack_fs *fs, int fd, const char *path, const struct tar_entry *t,
	      const char *orig, struct parse_error *e)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sys_error(e, orig, "stat", errno);
	usage_add(fs, (int64_t)st.st_blocks);
	if (record_dir_time(fs, path, t, true, (int64_t)st.st_blocks) < 0)
		return sys_error(e, orig, "record", ENOMEM);
	return 0;
}

/* A parent directory walk() created: the first plen bytes of dir name it. */
static int
implicit_dir(struct unpack_fs *fs, int fd, const char *dir, size_t plen, const char *orig,
	     struct parse_error *e)
{
	char path[LAYER_PATH_MAX + 1];
	if (plen > LAYER_PATH_MAX)
		return fs_error(e, orig, "path too long");
	memcpy(path, dir, plen);
	path[plen] = '\0';
	return usage_new_dir(fs, fd, path, NULL, orig, e);
}

/* Open dir (normalised, relative to the root) as an O_PATH fd, one component at a time,
 * never following a symlink; with create, missing components become 0755 directories
 * (counted in the usage). */
static int
walk(struct unpack_fs *fs, const char *dir, int create, const char *orig, int *ret_fd,
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
			int made = mkdirat(cur, comp, 0755) == 0;
			if (!made && errno != EEXIST)
				return sys_error(e, orig, "mkdir of a parent", errno);
			fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0 && made) {
				int r = implicit_dir(fs, fd, dir, (size_t)(p - dir) + len, orig, e);
				if (r < 0) {
					(void)close(fd);
					return r;
				}
			}
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
make_room(struct unpack_fs *fs, int dfd, const char *base, int is_dir, const char *orig,
	  struct parse_error *e)
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
	usage_drop(fs, &st);
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
make_reg(struct unpack_fs *fs, int dfd, const char *base, struct layer_stream *s,
	 const struct tar_entry *t, const char *orig, struct parse_error *e)
{
	/* O_EXCL: never opens what is already there (a symlink planted by an earlier entry). */
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int fd = openat(dfd, base, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		int r = make_room(fs, dfd, base, 0, orig, e);
		if (r < 0)
			return r;
		fd = openat(dfd, base, flags, 0600);
	}
	if (fd < 0)
		return sys_error(e, orig, "create", errno);
	int r = write_data(fd, s, t, orig, e);
	if (r == 0)
		r = set_meta(fd, t, s, 1, orig, e);
	return r < 0 ? r : usage_new(fs, dfd, base, fd, orig, e); /* data and xattr blocks */
}

/* t: the directory's entry (its mtime is set at the end), NULL for an implicit parent. */
static int
record_dir_time(struct unpack_fs *fs, const char *path, const struct tar_entry *t, bool measure,
		int64_t blocks0)
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
	fs->dirs[fs->n_dirs] = (struct dir_time){
	    .path = p, .blocks0 = blocks0, .has_time = t != NULL, .measure = measure};
	if (t)
		fs->dirs[fs->n_dirs].ts = (struct timespec){t->mtime_sec, t->mtime_nsec};
	fs->n_dirs++;
	fs->dir_bytes += len;
	return 0;
}

static int
make_dir(struct unpack_fs *fs, int dfd, const char *base, struct layer_stream *s,
	 const struct tar_entry *t, const char *orig, struct parse_error *e)
{
	bool created = true;
	if (mkdirat(dfd, base, 0700) < 0) {
		if (errno != EEXIST)
			return sys_error(e, orig, "mkdir", errno);
		int r = make_room(fs, dfd, base, 1, orig, e);
		if (r < 0)
			return r;
		created = r == 0; /* 1: an earlier directory of this layer, kept */
		if (r == 0 && mkdirat(dfd, base, 0700) < 0)
			return sys_error(e, orig, "mkdir", errno);
	}
	cleanup_close int fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sys_error(e, orig, "open the directory", errno);
	int r = set_meta(fd, t, s, 0, orig, e);
	if (r < 0)
		return r;
	if (created)
		return usage_new_dir(fs, fd, t->path, t, orig, e);
	if (record_dir_time(fs, t->path, t, false, 0) < 0)
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
mknod_replacing(struct unpack_fs *fs, int dfd, const char *base, mode_t mode, dev_t dev,
		const char *orig, struct parse_error *e)
{
	if (mknodat(dfd, base, mode, dev) < 0) {
		if (errno != EEXIST)
			return sys_error(e, orig, "mknod", errno);
		int r = make_room(fs, dfd, base, 0, orig, e);
		if (r < 0)
			return r;
		if (mknodat(dfd, base, mode, dev) < 0)
			return sys_error(e, orig, "mknod", errno);
	}
	return usage_new(fs, dfd, base, -EBADF, orig, e);
}

static int
make_node(struct unpack_fs *fs, int dfd, const char *base, const struct tar_entry *t,
	  const char *orig, struct parse_error *e)
{
	mode_t type = t->type == TAR_ENTRY_CHR   ? S_IFCHR
		      : t->type == TAR_ENTRY_BLK ? S_IFBLK
						 : S_IFIFO;
	dev_t dev = t->type == TAR_ENTRY_FIFO ? 0 : makedev(t->dev_major, t->dev_minor);
	int r = mknod_replacing(fs, dfd, base, type | (mode_t)t->mode, dev, orig, e);
	return r < 0 ? r : node_meta(dfd, base, t, orig, e);
}

static int
make_symlink(struct unpack_fs *fs, int dfd, const char *base, const struct tar_entry *t,
	     const char *orig, struct parse_error *e)
{
	if (symlinkat(t->link, dfd, base) < 0) {
		if (errno != EEXIST)
			return sys_error(e, orig, "symlink", errno);
		int r = make_room(fs, dfd, base, 0, orig, e);
		if (r < 0)
			return r;
		if (symlinkat(t->link, dfd, base) < 0)
			return sys_error(e, orig, "symlink", errno);
	}
	int r = usage_new(fs, dfd, base, -EBADF, orig, e);
	return r < 0 ? r : node_meta(dfd, base, t, orig, e);
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
		r = make_room(fs, dfd, base, 0, orig, e);
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
	return record_dir_time(fs, ".", t, false, 0) < 0 ? sys_error(e, ".", "record", ENOMEM) : 0;
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
		return mknod_replacing(fs, dfd, base, S_IFCHR, makedev(0, 0), t->path, e);
	switch (t->type) {
	case TAR_ENTRY_REG:
		return make_reg(fs, dfd, base, s, t, t->path, e);
	case TAR_ENTRY_DIR:
		return make_dir(fs, dfd, base, s, t, t->path, e);
	case TAR_ENTRY_SYMLINK:
		return make_symlink(fs, dfd, base, t, t->path, e);
	case TAR_ENTRY_CHR:
	case TAR_ENTRY_BLK:
	case TAR_ENTRY_FIFO:
		return make_node(fs, dfd, base, t, t->path, e);
	case TAR_ENTRY_HARDLINK:
	case TAR_ENTRY_OTHER:
	case TAR_ENTRY_TYPE_COUNT:
		break;
	}
	return fs_error(e, t->path, "unsupported entry type");
}

/* A directory this layer created grew with its entries: add what it gained since. */
static void
usage_grown(struct unpack_fs *fs, const struct dir_time *d, const struct stat *st)
{
	int64_t now = (int64_t)st->st_blocks;
	uint64_t delta = now > d->blocks0 ? (uint64_t)(now - d->blocks0) : 0;
	fs->blocks = fs->blocks > UINT64_MAX - delta ? UINT64_MAX : fs->blocks + delta;
}

static int
finish_dir(struct unpack_fs *fs, const struct dir_time *d, struct parse_error *e)
{
	struct timespec ts[2] = {d->ts, d->ts};
	if (strcmp(d->path, ".") == 0) { /* the root is measured once, by unpack_fs_finish */
		if (d->has_time && utimensat(fs->root_fd, ".", ts, AT_SYMLINK_NOFOLLOW) < 0)
			return sys_error(e, d->path, "set times", errno);
		return 0;
	}
	char parent[LAYER_PATH_MAX + 1];
	const char *base = split(d->path, parent);
	int dfd = -EBADF;
	int r = parent_fd(fs, parent, d->path, &dfd, e);
	if (r < 0)
		return r;
	struct stat st;
	if (d->measure) {
		if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return sys_error(e, d->path, "stat", errno);
		usage_grown(fs, d, &st);
	}
	if (d->has_time && utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return sys_error(e, d->path, "set times", errno);
	return 0;
}

int
unpack_fs_finish(struct unpack_fs *fs, struct parse_error *e)
{
	for (size_t i = 0; i < fs->n_dirs; i++) {
		int r = finish_dir(fs, &fs->dirs[i], e);
		if (r < 0)
			return r;
	}
	struct stat st;
	if (fstat(fs->root_fd, &st) < 0)
		return sys_error(e, ".", "stat", errno);
	struct dir_time root = {.blocks0 = 0};
	usage_grown(fs, &root, &st);
	return 0;
}

void
unpack_fs_usage(const struct unpack_fs *fs, uint64_t *ret_bytes, uint64_t *ret_inodes)
{
	*ret_bytes = fs->blocks > UINT64_MAX / 512u ? UINT64_MAX : fs->blocks * 512u;
	*ret_inodes = fs->inodes;
}

const char *const *
unpack_fs_opaque(const struct unpack_fs *fs, size_t *ret_n)
{
	*ret_n = fs->n_opaque;
	return (const char *const *)fs->opaque;
}
