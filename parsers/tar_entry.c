/* SPDX-License-Identifier: Apache-2.0 */
/* Validation of one layer tar entry: path normalisation and escape refusal, whiteouts and
 * opaque markers, types, owners, modes, device numbers, and the xattr allowlist.
 * runs in: helper/untrusted (pure: no I/O, no allocation, no state). */
#include "parsers/tar_entry.h"

#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/base/str.h"

#define WH_PREFIX ".wh."
#define WH_META   ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"

/* Linux dev_t: 12-bit major, 20-bit minor (what mknod can express). */

const char *
tar_entry_type_to_string(enum tar_entry_type t)
{
	static const char *const names[TAR_ENTRY_TYPE_COUNT] = {
	    "regular file",     "directory",    "symlink", "hardlink",
	    "character device", "block device", "fifo",    "unsupported type",
	};
	return (unsigned)t < TAR_ENTRY_TYPE_COUNT ? names[t] : "?";
}

/* Error about an entry: `layer entry "<path>": <what>`, the path cut at PARSE_ERROR_QUOTE_MAX bytes
 * (parse_error_set turns non-printable bytes into '?'). */
__attribute__((format(printf, 4, 5))) static int
entry_error(struct parse_error *e, enum parse_code code, const char *path, const char *fmt, ...)
{
	char what[PARSE_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(what, sizeof(what), fmt, ap) < 0)
		what[0] = '\0';
	va_end(ap);
	size_t n = strnlen(path, PARSE_ERROR_QUOTE_MAX + 1);
	int cut = n > PARSE_ERROR_QUOTE_MAX;
	return parse_error_set(e, code, PARSE_OFFSET_NONE, NULL, "layer entry \"%.*s%s\": %s",
			       (int)(cut ? PARSE_ERROR_QUOTE_MAX : n), path, cut ? "..." : "",
			       what);
}

/* Append component c[0..len) to out (length *olen) with a '/' separator. */
static int
append_component(const char *orig, const char *c, size_t len, char *out, size_t outsz, size_t *olen,
		 struct parse_error *e)
{
	size_t need = *olen + (*olen ? 1 : 0) + len;
	if (len > LAYER_NAME_MAX)
		return entry_error(e, PARSE_ERR_LIMIT, orig, "a name is longer than %u bytes",
				   LAYER_NAME_MAX);
	if (need >= outsz || need > LAYER_PATH_MAX)
		return entry_error(e, PARSE_ERR_LIMIT, orig, "path longer than %u bytes",
				   LAYER_PATH_MAX);
	if (*olen)
		out[(*olen)++] = '/';
	memcpy(out + *olen, c, len);
	*olen += len;
	out[*olen] = '\0';
	return 0;
}

int
tar_path_normalize(const char *path, char *out, size_t outsz, struct parse_error *e)
{
	size_t olen = 0, depth = 0;
	if (outsz < 2)
		return entry_error(e, PARSE_ERR_LIMIT, path, "no room for the path");
	out[0] = '\0';
	/* An absolute path names the host's tree to anyone who follows it: refused, never
	 * silently made relative. */
	if (path[0] == '/')
		return entry_error(e, PARSE_ERR_VALUE, path, "absolute path");
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return entry_error(e, PARSE_ERR_VALUE, path, "path escapes the layer");
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (++depth > LAYER_MAX_DEPTH)
				return entry_error(e, PARSE_ERR_LIMIT, path,
						   "path deeper than %u levels", LAYER_MAX_DEPTH);
			int r = append_component(path, p, len, out, outsz, &olen, e);
			if (r < 0)
				return r;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	if (olen == 0) {
		out[0] = '.';
		out[1] = '\0';
	}
	return 0;
}

/* Split a normalised path into its parent ("." for top-level names) and base name. */
static const char *
base_name(const char *norm)
{
	const char *s = strrchr(norm, '/');
	return s ? s + 1 : norm;
}

static void
parent_of(const char *norm, const char *base, char *out)
{
	size_t plen = (size_t)(base - norm);
	if (plen == 0) {
		out[0] = '.';
		out[1] = '\0';
		return;
	}
	memcpy(out, norm, plen - 1);
	out[plen - 1] = '\0';
}

/* ".wh..wh..opq", ".wh..wh.<x>" and ".wh.<name>" entries (the overlay-independent form that
 * docker and OCI layers use). Returns 1 when handled, 0 for an ordinary entry. */
static int
classify_whiteout(const char *orig, struct tar_entry *t, struct parse_error *e)
{
	const char *base = base_name(t->path);
	/* AUFS metadata (".wh..wh.plnk/...", ".wh..wh.aufs") at the top: skipped, as Docker. */
	if (strncmp(t->path, WH_META, sizeof(WH_META) - 1) == 0 && strcmp(base, WH_OPAQUE) != 0) {
		t->action = TAR_ACTION_SKIP;
		return 1;
	}
	if (strncmp(base, WH_PREFIX, sizeof(WH_PREFIX) - 1) != 0)
		return 0;
	char parent[LAYER_PATH_MAX + 1];
	parent_of(t->path, base, parent);
	if (strcmp(base, WH_OPAQUE) == 0) {
		t->action = TAR_ACTION_OPAQUE;
		memcpy(t->path, parent, strlen(parent) + 1);
		return 1;
	}
	if (strncmp(base, WH_META, sizeof(WH_META) - 1) == 0) {
		t->action = TAR_ACTION_SKIP;
		return 1;
	}
	const char *name = base + sizeof(WH_PREFIX) - 1;
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return entry_error(e, PARSE_ERR_VALUE, orig, "whiteout of an invalid name");
	t->action = TAR_ACTION_WHITEOUT;
	t->type = TAR_ENTRY_CHR;
	if (strcmp(parent, ".") == 0)
		memmove(t->path, name, strlen(name) + 1);
	else
		memmove(t->path + strlen(parent) + 1, name, strlen(name) + 1);
	return 1;
}

static int
check_owner(const struct tar_entry_in *in, struct tar_entry *t, struct parse_error *e)
{
	/* (uid_t)-1 means "leave unchanged" to fchown: never a real owner. */
	if (in->uid < 0 || (uint64_t)in->uid > PASSWD_MAX_ID)
		return entry_error(e, PARSE_ERR_RANGE, in->path, "owner uid %lld out of range",
				   (long long)in->uid);
	if (in->gid < 0 || (uint64_t)in->gid > PASSWD_MAX_ID)
		return entry_error(e, PARSE_ERR_RANGE, in->path, "group gid %lld out of range",
				   (long long)in->gid);
	t->uid = (uint32_t)in->uid;
	t->gid = (uint32_t)in->gid;
	return 0;
}

static int
check_link(const struct tar_entry_in *in, struct tar_entry *t, struct parse_error *e)
{
	if (!in->link || in->link[0] == '\0')
		return entry_error(e, PARSE_ERR_VALUE, in->path, "%s without a target",
				   tar_entry_type_to_string(in->type));
	if (in->type == TAR_ENTRY_SYMLINK) {
		/* A symlink's target is data: stored verbatim, never resolved while unpacking. */
		if (str_copy(t->link, sizeof(t->link), in->link) >= sizeof(t->link))
			return entry_error(e, PARSE_ERR_LIMIT, in->path,
					   "symlink target longer than %u bytes", LAYER_PATH_MAX);
		return 0;
	}
	/* A hardlink names an earlier entry of this layer; the unpacker resolves it inside the
	 * layer only. An absolute or ".." target would name a host file. */
	struct parse_error le;
	int r = tar_path_normalize(in->link, t->link, sizeof(t->link), &le);
	if (r < 0)
		return entry_error(e, le.code, in->path, "hardlink target \"%.40s\": %s", in->link,
				   in->link[0] == '/'           ? "absolute path"
				   : le.code == PARSE_ERR_VALUE ? "escapes the layer"
								: "too long or too deep");
	if (strcmp(t->link, ".") == 0 || strcmp(t->link, t->path) == 0)
		return entry_error(e, PARSE_ERR_VALUE, in->path, "hardlink to itself or the root");
	return 0;
}

static int
check_type(const struct tar_entry_in *in, struct tar_entry *t, struct parse_error *e)
{
	switch (in->type) {
	case TAR_ENTRY_REG:
	case TAR_ENTRY_DIR:
		t->mode = in->mode & 07777;
		return 0;
	case TAR_ENTRY_SYMLINK:
	case TAR_ENTRY_HARDLINK:
		t->mode = 0777;
		return check_link(in, t, e);
	case TAR_ENTRY_CHR:
	case TAR_ENTRY_BLK:
		if (in->dev_major > LAYER_DEV_MAJOR_MAX || in->dev_minor > LAYER_DEV_MINOR_MAX)
			return entry_error(
			    e, PARSE_ERR_RANGE, in->path, "device number %llu:%llu does not fit",
			    (unsigned long long)in->dev_major, (unsigned long long)in->dev_minor);
		/* A 0/0 character device is what overlayfs reads as a whiteout: only the
		 * unpacker's own ".wh." conversion may make one. */
		if (in->type == TAR_ENTRY_CHR && in->dev_major == 0 && in->dev_minor == 0)
			return entry_error(e, PARSE_ERR_VALUE, in->path,
					   "character device 0/0 (an overlay whiteout) in a layer");
		t->dev_major = (uint32_t)in->dev_major;
		t->dev_minor = (uint32_t)in->dev_minor;
		t->mode = in->mode & 0777;
		return 0;
	case TAR_ENTRY_FIFO:
		t->mode = in->mode & 0777;
		return 0;
	case TAR_ENTRY_OTHER:
	case TAR_ENTRY_TYPE_COUNT:
		break;
	}
	return entry_error(e, PARSE_ERR_UNSUPPORTED, in->path, "unsupported entry type");
}

int
tar_entry_check(const struct tar_entry_in *in, struct tar_entry *ret, struct parse_error *e)
{
	struct tar_entry t = {.action = TAR_ACTION_CREATE, .type = in->type};
	t.mtime_sec = in->mtime_sec;
	t.mtime_nsec =
	    in->mtime_nsec >= 0 && in->mtime_nsec <= 999999999 ? (uint32_t)in->mtime_nsec : 0;
	int r = tar_path_normalize(in->path, t.path, sizeof(t.path), e);
	if (r < 0)
		return r;
	r = classify_whiteout(in->path, &t, e);
	if (r < 0)
		return r;
	if (r > 0) {
		*ret = t;
		return 0;
	}
	if (strcmp(t.path, ".") == 0) {
		if (in->type != TAR_ENTRY_DIR)
			return entry_error(e, PARSE_ERR_VALUE, in->path,
					   "the layer root must be a directory");
		t.action = TAR_ACTION_ROOT;
	}
	if (in->size < 0 || (uint64_t)in->size > in->max_size)
		return entry_error(e, PARSE_ERR_LIMIT, in->path,
				   "declared size %lld over the layer's size limit",
				   (long long)in->size);
	if (in->type == TAR_ENTRY_REG)
		t.size = (uint64_t)in->size;
	r = check_owner(in, &t, e);
	if (r < 0)
		return r;
	r = check_type(in, &t, e);
	if (r < 0)
		return r;
	*ret = t;
	return 0;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int
tar_xattr_check(const char *path, const char *name, const void *value, size_t len,
		enum tar_xattr_verdict *ret, struct parse_error *e)
{
	size_t nlen = strnlen(name, LAYER_XATTR_NAME_MAX + 1);
	if (nlen == 0 || nlen > LAYER_XATTR_NAME_MAX)
		return entry_error(e, PARSE_ERR_LIMIT, path, "xattr name empty or over %u bytes",
				   LAYER_XATTR_NAME_MAX);
	if (len > LAYER_XATTR_VALUE_MAX)
		return entry_error(e, PARSE_ERR_LIMIT, path, "xattr %.40s over %u bytes", name,
				   LAYER_XATTR_VALUE_MAX);
	if (strcmp(name, "security.capability") == 0) {
		/* struct vfs_cap_data: magic_etc + {permitted, inheritable} x1 (v1) or x2 (v2),
		 * + rootid (v3). The revision in the magic must match the length. */
		static const struct {
			uint32_t rev;
			size_t len;
		} forms[] = {{0x01000000u, 12}, {0x02000000u, 20}, {0x03000000u, 24}};

		if (len >= 4)
			for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
				if (len == forms[i].len &&
				    (le32(value) & 0xff000000u) == forms[i].rev) {
					*ret = TAR_XATTR_KEEP;
					return 0;
				}
		return entry_error(e, PARSE_ERR_VALUE, path, "malformed security.capability");
	}
	*ret = nlen > 5 && strncmp(name, "user.", 5) == 0 ? TAR_XATTR_KEEP : TAR_XATTR_DROP;
	return 0;
}
