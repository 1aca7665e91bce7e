/* SPDX-License-Identifier: Apache-2.0 */
/* Validators for CRI request fields: sysctls, annotations, paths, env, names, IDs, cgroup
 * parents. See validate.h for each rule and what breaks without it.
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#include "policy/validate.h"

#include <errno.h>
#include <string.h>

#include "parsers/base/limits.h"

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_print(char c)
{
	return c >= 0x20 && c < 0x7f;
}

static bool
bytes_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static bool
has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);
	return len >= pl && memcmp(s, prefix, pl) == 0;
}

/* ---- sysctls --------------------------------------------------------------------------------- */

/* The rule broken by the first bad byte of a sysctl value, or NULL. */
static const char *
sysctl_value_rule(const char *v, size_t len, size_t *ret_off)
{
	for (size_t i = 0; i < len; i++) {
		const char *rule = NULL;
		if (v[i] == '+')
			rule = "value contains '+'";
		else if (v[i] == '=')
			rule = "value contains '='";
		else if (v[i] == '\n' || v[i] == '\r')
			rule = "value contains a line break";
		else if (v[i] == '\0')
			rule = "value contains NUL";
		else if (!is_print(v[i]))
			rule = "value contains a non-printable byte";
		if (rule) {
			*ret_off = i;
			return rule;
		}
	}
	return NULL;
}

struct sysctl_input {
	const char *name;
	size_t nlen;
	const char *value;
	size_t vlen;
};

/* Error for a sysctl value: quotes "name=value" (the form CRI-O handed to pinns). */
static int
sysctl_value_error(struct policy_error *reterr, const struct sysctl_input *in, size_t off,
		   const char *rule)
{
	/* One byte more than the message quotes, so it still ends in "..." when cut. */
	char buf[POLICY_ERROR_QUOTE_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i < in->nlen && n < sizeof(buf); i++)
		buf[n++] = in->name[i];
	if (n < sizeof(buf))
		buf[n++] = '=';
	for (size_t i = 0; i < in->vlen && n < sizeof(buf); i++)
		buf[n++] = in->value[i];
	return policy_error_set(reterr, "sysctl", buf, n, off, rule);
}

struct sysctl_parts {
	const char *c[3]; /* the first three components */
	size_t l[3];
	size_t n; /* number of components */
};

/* Split and check a sysctl name; fills the first components for classification. */
static const char *
sysctl_name_rule(const char *name, size_t len, struct sysctl_parts *p, size_t *ret_off)
{
	bool slash = memchr(name, '/', len) != NULL;
	char sep = slash ? '/' : '.';
	size_t start = 0;

	*p = (struct sysctl_parts){0};
	for (size_t i = 0; i <= len; i++) {
		if (i < len && name[i] != sep) {
			char c = name[i];
			*ret_off = i;
			if (!is_alnum(c) && c != '_' && c != '-' && !(slash && c == '.'))
				return c == '\0' ? "name contains NUL"
						 : "name has a byte outside [A-Za-z0-9_-]";
			continue;
		}
		size_t cl = i - start;
		*ret_off = start;
		if (cl == 0)
			return "name has an empty component";
		if (bytes_eq(name + start, cl, ".") || bytes_eq(name + start, cl, ".."))
			return "name has a '.' or '..' component";
		if (p->n < 3) {
			p->c[p->n] = name + start;
			p->l[p->n] = cl;
		}
		p->n++;
		start = i + 1;
	}
	return NULL;
}

/* Which private namespace a sysctl needs (enum validate_ns), 0 if it is not namespaced, or
 * sets *ret_rule for names crisp refuses outright. */
static unsigned
sysctl_namespace(const struct sysctl_parts *p, const char **ret_rule)
{
	*ret_rule = NULL;
	if (bytes_eq(p->c[0], p->l[0], "net"))
		return p->n >= 2 ? VALIDATE_NS_NET : 0;
	if (bytes_eq(p->c[0], p->l[0], "fs") && p->n == 3 && bytes_eq(p->c[1], p->l[1], "mqueue"))
		return VALIDATE_NS_IPC;
	if (!bytes_eq(p->c[0], p->l[0], "kernel") || p->n != 2)
		return 0;
	if (bytes_eq(p->c[1], p->l[1], "sem") || has_prefix(p->c[1], p->l[1], "shm") ||
	    has_prefix(p->c[1], p->l[1], "msg"))
		return VALIDATE_NS_IPC;
	if (bytes_eq(p->c[1], p->l[1], "domainname"))
		return VALIDATE_NS_UTS;
	if (bytes_eq(p->c[1], p->l[1], "hostname"))
		*ret_rule = "kernel.hostname is set from the CRI hostname field";
	return 0;
}

int
validate_sysctl(const char *name, size_t name_len, const char *value, size_t value_len,
		unsigned private_ns, struct policy_error *reterr)
{
	struct sysctl_parts parts;
	size_t off = 0;
	const char *rule;

	if (name_len == 0 || name_len > POLICY_SYSCTL_NAME_MAX)
		return policy_error_set(reterr, "sysctl", name, name_len, 0,
					"name must be 1..256 bytes");
	rule = sysctl_name_rule(name, name_len, &parts, &off);
	if (rule)
		return policy_error_set(reterr, "sysctl", name, name_len, off, rule);

	unsigned ns = sysctl_namespace(&parts, &rule);
	if (rule)
		return policy_error_set(reterr, "sysctl", name, name_len, 0, rule);
	if (ns == 0)
		return policy_error_set(reterr, "sysctl", name, name_len, 0,
					"not a namespaced sysctl");
	if (!(private_ns & ns))
		return policy_error_set(
		    reterr, "sysctl", name, name_len, 0,
		    ns == VALIDATE_NS_NET   ? "needs the pod's own network namespace"
		    : ns == VALIDATE_NS_IPC ? "needs the pod's own IPC namespace"
					    : "needs the pod's own UTS namespace");

	const struct sysctl_input in = {name, name_len, value, value_len};
	if (value_len == 0 || value_len > POLICY_SYSCTL_VALUE_MAX)
		return sysctl_value_error(reterr, &in, 0, "value must be 1..1024 bytes");
	rule = sysctl_value_rule(value, value_len, &off);
	if (rule)
		return sysctl_value_error(reterr, &in, off, rule);
	return 0;
}

/* ---- annotations ------------------------------------------------------------------------------
 */

#define CRISP_ANNOTATION_PREFIX "crisp.io/"

static int
parse_bool(const char *key, size_t klen, const char *v, size_t vlen, bool *ret,
	   struct policy_error *reterr)
{
	if (bytes_eq(v, vlen, "true")) {
		*ret = true;
		return 0;
	}
	if (bytes_eq(v, vlen, "false")) {
		*ret = false;
		return 0;
	}
	(void)key;
	(void)klen;
	return policy_error_set(reterr, "annotation", v, vlen, 0,
				"value must be \"true\" or \"false\"");
}

/* "64Mi" -> bytes. Digits, then an optional suffix; overflow-checked. */
static int
parse_size(const char *v, size_t vlen, uint64_t *ret, struct policy_error *reterr)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
	    {"", 1},          {"k", 1000},      {"M", 1000000},   {"G", 1000000000},
	    {"Ki", 1u << 10}, {"Mi", 1u << 20}, {"Gi", 1u << 30},
	};

	uint64_t n = 0;
	size_t i = 0;

	for (; i < vlen && v[i] >= '0' && v[i] <= '9'; i++)
		if (__builtin_mul_overflow(n, 10u, &n) ||
		    __builtin_add_overflow(n, (uint64_t)(v[i] - '0'), &n))
			return policy_error_set(reterr, "annotation", v, vlen, i, "size overflows");
	if (i == 0)
		return policy_error_set(reterr, "annotation", v, vlen, 0,
					"size must start with a digit");
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (!bytes_eq(v + i, vlen - i, units[u].suffix))
			continue;
		if (__builtin_mul_overflow(n, units[u].mult, &n) || n == 0 ||
		    n > POLICY_SHM_SIZE_MAX)
			return policy_error_set(reterr, "annotation", v, vlen, 0,
						"size must be 1 byte .. 64 GiB");
		*ret = n;
		return 0;
	}
	return policy_error_set(reterr, "annotation", v, vlen, i,
				"size suffix must be one of k, M, G, Ki, Mi, Gi");
}

static int
known_annotation(const char *key, size_t klen, const char *v, size_t vlen,
		 struct validate_annotation *a, struct policy_error *reterr)
{
	if (bytes_eq(key, klen, CRISP_ANNOTATION_PREFIX "allow-privilege-escalation")) {
		a->kind = VALIDATE_ANNOTATION_ALLOW_ESCALATION;
		return parse_bool(key, klen, v, vlen, &a->flag, reterr);
	}
	if (bytes_eq(key, klen, CRISP_ANNOTATION_PREFIX "skip-selinux-relabel")) {
		a->kind = VALIDATE_ANNOTATION_SKIP_SELINUX_RELABEL;
		return parse_bool(key, klen, v, vlen, &a->flag, reterr);
	}
	if (bytes_eq(key, klen, CRISP_ANNOTATION_PREFIX "shm-size")) {
		a->kind = VALIDATE_ANNOTATION_SHM_SIZE;
		return parse_size(v, vlen, &a->size, reterr);
	}
	return policy_error_set(reterr, "annotation", key, klen, 0, "unknown crisp.io/ annotation");
}

int
validate_annotation(const char *key, size_t key_len, const char *value, size_t value_len,
		    struct validate_annotation *ret, struct policy_error *reterr)
{
	struct validate_annotation a = {.kind = VALIDATE_ANNOTATION_INERT};

	if (key_len == 0 || key_len > POLICY_ANNOTATION_KEY_MAX)
		return policy_error_set(reterr, "annotation", key, key_len, 0,
					"key must be 1..317 bytes");
	for (size_t i = 0; i < key_len; i++)
		if (!is_print(key[i]) || key[i] == ' ')
			return policy_error_set(reterr, "annotation", key, key_len, i,
						"key has a space or non-printable byte");
	if (value_len > (size_t)POLICY_ANNOTATION_VALUE_MAX)
		return policy_error_set(reterr, "annotation", key, key_len, 0,
					"value longer than 256 KiB");
	const char *nul = memchr(value, '\0', value_len);
	if (nul)
		return policy_error_set(reterr, "annotation", key, key_len, (size_t)(nul - value),
					"value contains NUL");
	if (has_prefix(key, key_len, CRISP_ANNOTATION_PREFIX)) {
		int r = known_annotation(key, key_len, value, value_len, &a, reterr);
		if (r < 0)
			return r;
	}
	*ret = a;
	return 0;
}

/* ---- paths ---------------------------------------------------------------------------------- */

/* Check an absolute path's components; trailing_slash says whether one final '/' may end it. */
static const char *
path_rule(const char *p, size_t len, bool trailing_slash, size_t *ret_off)
{
	*ret_off = 0;
	if (len == 0 || len > POLICY_PATH_MAX)
		return "must be 1..4096 bytes";
	if (p[0] != '/')
		return "must be absolute";
	for (size_t i = 0; i < len; i++) {
		*ret_off = i;
		if (p[i] == '\0')
			return "contains NUL";
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return "contains a control byte";
	}
	size_t start = 1;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		size_t cl = i - start;
		*ret_off = start;
		if (cl == 0 && !(i == len && trailing_slash && len > 1))
			return i == len ? "ends in '/'" : "has an empty component";
		if (bytes_eq(p + start, cl, ".") || bytes_eq(p + start, cl, ".."))
			return "has a '.' or '..' component";
		start = i + 1;
	}
	return NULL;
}

/* Whether path is dir or lies beneath it (component-wise). */
static bool
path_under(const char *p, size_t len, const char *dir)
{
	size_t dl = strlen(dir);
	return has_prefix(p, len, dir) && (len == dl || p[dl] == '/');
}

int
validate_mount_destination(const char *path, size_t len, bool privileged,
			   struct policy_error *reterr)
{
	size_t off;
	const char *rule = path_rule(path, len, true, &off);

	if (len == 1 && path[0] == '/')
		return policy_error_set(reterr, "mount destination", path, len, 0,
					"must not be the root");
	if (rule)
		return policy_error_set(reterr, "mount destination", path, len, off, rule);
	if (path_under(path, len, "/proc"))
		return policy_error_set(reterr, "mount destination", path, len, 0,
					"must not be /proc or below (defeats masked paths)");
	if (!privileged && path_under(path, len, "/sys"))
		return policy_error_set(reterr, "mount destination", path, len, 0,
					"must not be /sys or below unless privileged");
	return 0;
}

int
validate_seccomp_localhost(const char *path, size_t len, const char *root,
			   struct policy_error *reterr)
{
	size_t off;
	const char *rule = path_rule(path, len, false, &off);

	if (rule)
		return policy_error_set(reterr, "seccomp localhost profile", path, len, off, rule);
	if (!root)
		return 0;
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	bool under =
	    rl == 1 ? len > 1 : len > rl + 1 && memcmp(path, root, rl) == 0 && path[rl] == '/';
	if (!under)
		return policy_error_set(reterr, "seccomp localhost profile", path, len, 0,
					"must lie beneath the configured profile root");
	return 0;
}

/* ---- environment ---------------------------------------------------------------------------- */

int
validate_env(const char *name, size_t name_len, const char *value, size_t value_len,
	     struct policy_error *reterr)
{
	if (name_len == 0)
		return policy_error_set(reterr, "env", name, name_len, 0, "name is empty");
	for (size_t i = 0; i < name_len; i++) {
		if (name[i] == '=')
			return policy_error_set(reterr, "env", name, name_len, i,
						"name contains '='");
		if (!is_print(name[i]))
			return policy_error_set(reterr, "env", name, name_len, i,
						"name has a non-printable byte");
	}
	const char *nul = memchr(value, '\0', value_len);
	if (nul)
		return policy_error_set(reterr, "env", name, name_len, (size_t)(nul - value),
					"value contains NUL");
	/* Each length is checked first, so the sum below cannot wrap. */
	const size_t max = POLICY_ENV_ENTRY_MAX;
	if (name_len > max || value_len > max || name_len + 1 + value_len + 1 > max)
		return policy_error_set(reterr, "env", name, name_len, 0,
					"NAME=value longer than 128 KiB (execve's limit)");
	return 0;
}

/* ---- names and IDs ----------------------------------------------------------------------------
 */

/* A CRI metadata name: data, never a path, argument or unescaped log text, so the rule is a
 * length cap and no control bytes (a newline or NUL must not split a record or a log line). */
static int
meta_name(const char *field, const char *s, size_t len, bool may_be_empty,
	  struct policy_error *reterr)
{
	if (len == 0 && !may_be_empty)
		return policy_error_set(reterr, field, s, len, 0, "must not be empty");
	if (len > POLICY_META_NAME_MAX)
		return policy_error_set(reterr, field, s, len, POLICY_META_NAME_MAX,
					"must be at most 1024 bytes");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return policy_error_set(reterr, field, s, len, i,
						"control bytes (0x00-0x1f, 0x7f) are not allowed");
	}
	return 0;
}

int
validate_container_name(const char *s, size_t len, struct policy_error *reterr)
{
	return meta_name("container name", s, len, false, reterr);
}

int
validate_pod_namespace(const char *s, size_t len, struct policy_error *reterr)
{
	return meta_name("pod namespace", s, len, false, reterr);
}

int
validate_pod_name(const char *s, size_t len, struct policy_error *reterr)
{
	return meta_name("pod name", s, len, false, reterr);
}

/* CRI-O and containerd accept an empty uid; kubelet always sends one. */
int
validate_pod_uid(const char *s, size_t len, struct policy_error *reterr)
{
	return meta_name("pod uid", s, len, true, reterr);
}

int
validate_id(const char *s, size_t len, bool prefix, struct policy_error *reterr)
{
	if (prefix ? (len == 0 || len > POLICY_ID_LEN) : len != POLICY_ID_LEN)
		return policy_error_set(reterr, "id", s, len, 0,
					prefix ? "prefix must be 1..64 hex digits"
					       : "must be 64 hex digits");
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return policy_error_set(reterr, "id", s, len, i,
						"only lowercase hex digits allowed");
	return 0;
}

/* ---- cgroup parents ------------------------------------------------------------------------- */

static bool
is_cgroup_byte(char c)
{
	return is_alnum(c) || c == '_' || c == '.' || c == ':' || c == '@';
}

static int
cgroupfs_parent(const char *s, size_t len, struct policy_error *reterr)
{
	size_t off;
	const char *rule = NULL;

	if (len > POLICY_CGROUP_PARENT_MAX)
		rule = "must be at most 4096 bytes";
	else if (len == 0 || s[0] != '/')
		rule = "must be absolute (cgroupfs driver)";
	else if (len == 1)
		rule = "must not be the root cgroup";
	if (rule)
		return policy_error_set(reterr, "cgroup parent", s, len, 0, rule);
	for (size_t i = 1; i < len; i++)
		if (s[i] != '/' && !is_cgroup_byte(s[i]) && s[i] != '-')
			return policy_error_set(reterr, "cgroup parent", s, len, i,
						"only [A-Za-z0-9_.:@-] and '/' allowed");
	rule = path_rule(s, len, false, &off);
	return rule ? policy_error_set(reterr, "cgroup parent", s, len, off, rule) : 0;
}

static int
systemd_parent(const char *s, size_t len, struct policy_error *reterr)
{
	static const char suffix[] = ".slice";
	size_t sl = sizeof(suffix) - 1;

	if (len > POLICY_SYSTEMD_UNIT_MAX || len <= sl || memcmp(s + len - sl, suffix, sl) != 0)
		return policy_error_set(
		    reterr, "cgroup parent", s, len, 0,
		    "must be a \"<name>.slice\" of at most 255 bytes (systemd)");
	size_t n = len - sl, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '-') {
			if (!is_cgroup_byte(s[i]))
				return policy_error_set(reterr, "cgroup parent", s, len, i,
							"only [A-Za-z0-9_.:@-] allowed");
			continue;
		}
		if (i == start)
			return policy_error_set(reterr, "cgroup parent", s, len, i,
						"empty slice name part (leading, trailing or "
						"doubled '-')");
		start = i + 1;
	}
	return 0;
}

int
validate_cgroup_parent(const char *s, size_t len, enum validate_cgroup_style style,
		       struct policy_error *reterr)
{
	switch (style) {
	case VALIDATE_CGROUP_CGROUPFS:
		return cgroupfs_parent(s, len, reterr);
	case VALIDATE_CGROUP_SYSTEMD:
		return systemd_parent(s, len, reterr);
	case VALIDATE_CGROUP_STYLE_COUNT:
		break;
	}
	return policy_error_set(reterr, "cgroup parent", s, len, 0, "unknown cgroup driver");
}
