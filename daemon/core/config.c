/* SPDX-License-Identifier: Apache-2.0 */
/* crispd configuration: defaults, INI loading through libinih, validation and printing.
 * runs in: daemon/privileged. The file is the node admin's (trusted), but every value is
 * still checked so a typo is a line-numbered error instead of a surprise at run time. */
#include "daemon/core/config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

static const char *const cgroup_driver_names[CGROUP_DRIVER_COUNT] = {"cgroupfs", "systemd"};
static const char *const nnp_names[CONFIG_NNP_COUNT] = {"request", "always"};
static const char *const seccomp_unset_names[CONFIG_SECCOMP_UNSET_COUNT] = {"runtime-default",
									    "unconfined"};

const char *
config_nnp_name(enum config_nnp v)
{
	return (unsigned)v < CONFIG_NNP_COUNT ? nnp_names[v] : "?";
}

const char *
config_seccomp_unset_name(enum config_seccomp_unset v)
{
	return (unsigned)v < CONFIG_SECCOMP_UNSET_COUNT ? seccomp_unset_names[v] : "?";
}

const char *
config_cgroup_driver_name(enum cgroup_driver d)
{
	return (unsigned)d < CGROUP_DRIVER_COUNT ? cgroup_driver_names[d] : "?";
}

static void
strv_done(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int
strv_push(struct strv *s, const char *item)
{
	if (s->n >= CONFIG_MAX_LIST_ITEMS)
		return -E2BIG;
	char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->v = nv;
	s->v[s->n] = strdup(item);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

/* Replace s with the comma-separated items of value; blanks around items are dropped and
 * empty items are skipped, so "" is the empty list. */
static int
strv_set_csv(struct strv *s, const char *value)
{
	struct strv n = {0};
	cleanup_free char *copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		size_t l = strlen(tok);
		while (l > 0 && (tok[l - 1] == ' ' || tok[l - 1] == '\t'))
			tok[--l] = '\0';
		if (l == 0)
			continue;
		int r = strv_push(&n, tok);
		if (r < 0) {
			strv_done(&n);
			return r;
		}
	}
	strv_done(s);
	*s = n;
	return 0;
}

static int
set_str(char **dst, const char *v)
{
	char *n = strdup(v);
	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

static struct config_runtime *
runtime_get(struct config *c, const char *name, int create)
{
	for (size_t i = 0; i < c->n_runtimes; i++)
		if (strcmp(c->runtimes[i].name, name) == 0)
			return &c->runtimes[i];
	if (!create || c->n_runtimes >= CONFIG_MAX_RUNTIMES)
		return NULL;
	struct config_runtime *n = realloc(c->runtimes, (c->n_runtimes + 1) * sizeof(*n));
	if (!n)
		return NULL;
	c->runtimes = n;
	struct config_runtime *rt = &c->runtimes[c->n_runtimes];
	*rt = (struct config_runtime){0};
	rt->name = strdup(name);
	if (!rt->name)
		return NULL;
	c->n_runtimes++;
	return rt;
}

static int
add_runtime(struct config *c, const char *name, const char *path, const char *root)
{
	struct config_runtime *rt = runtime_get(c, name, 1);
	if (!rt)
		return -ENOMEM;
	if (set_str(&rt->path, path) < 0 || (root && set_str(&rt->root, root) < 0))
		return -ENOMEM;
	return 0;
}

int
config_fill_runtime_roots(struct config *c)
{
	for (size_t i = 0; i < c->n_runtimes; i++) {
		struct config_runtime *rt = &c->runtimes[i];
		if (rt->root)
			continue;
		if (asprintf(&rt->root, "%s/%s", c->runroot, rt->name) < 0) {
			rt->root = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

struct config *
config_new_defaults(void)
{
	struct config *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->log_level = LOG_LEVEL_INFO;
	c->cgroup_driver = CGROUP_DRIVER_CGROUPFS;
	c->no_new_privileges = CONFIG_NNP_REQUEST;
	c->seccomp_unset = CONFIG_SECCOMP_UNSET_RUNTIME_DEFAULT;
	c->layer_max_bytes = 16ull << 30;
	c->helper_timeout_s = 60;
	c->pull_timeout_s = 1800;
	c->shm_size_bytes = 64ull << 20;
	c->max_parallel_downloads = 3;
	if (set_str(&c->listen, "/run/crisp/crisp.sock") < 0 ||
	    set_str(&c->root, "/var/lib/crisp") < 0 || set_str(&c->runroot, "/run/crisp") < 0 ||
	    set_str(&c->conmon, "/usr/bin/conmon") < 0 || set_str(&c->helper_dir, "") < 0 ||
	    set_str(&c->certs_dir, "/etc/crisp/certs.d") < 0 ||
	    set_str(&c->seccomp_profile_root, "") < 0 || set_str(&c->default_runtime, "runc") < 0 ||
	    set_str(&c->cni_conf_dir, "/etc/cni/net.d") < 0 ||
	    strv_set_csv(&c->cni_bin_dirs, "/usr/lib/cni,/opt/cni/bin") < 0 ||
	    strv_set_csv(&c->unqualified_search, "docker.io") < 0 ||
	    add_runtime(c, "runc", "/usr/sbin/runc", NULL) < 0 ||
	    add_runtime(c, "crun", "/usr/bin/crun", NULL) < 0)
		return config_free(c);
	return c;
}

struct config *
config_free(struct config *c)
{
	if (!c)
		return NULL;
	free(c->listen);
	free(c->root);
	free(c->runroot);
	free(c->conmon);
	free(c->helper_dir);
	free(c->default_runtime);
	for (size_t i = 0; i < c->n_runtimes; i++) {
		free(c->runtimes[i].name);
		free(c->runtimes[i].path);
		free(c->runtimes[i].root);
	}
	free(c->runtimes);
	free(c->cni_conf_dir);
	strv_done(&c->cni_bin_dirs);
	strv_done(&c->unqualified_search);
	strv_done(&c->insecure);
	strv_done(&c->blocked);
	for (size_t i = 0; i < c->n_mirrors; i++) {
		free(c->mirrors[i].registry);
		strv_done(&c->mirrors[i].mirrors);
	}
	free(c->mirrors);
	free(c->certs_dir);
	free(c->seccomp_profile_root);
	free(c);
	return NULL;
}

/* ---- value parsers ---------------------------------------------------------------------- */

struct load_ctx {
	struct config *c;
	char msg[256]; /* first error, without the file:line prefix */
	int failed;
};

static int fail(struct load_ctx *x, const char *section, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct load_ctx *x, const char *section, const char *name, const char *fmt, ...)
{
	if (!x->failed) {
		char why[160];
		va_list ap;
		va_start(ap, fmt);
		(void)vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		snprintf(x->msg, sizeof(x->msg), "[%s] %s: %s", section, name, why);
		x->failed = 1;
	}
	return 0; /* inih: 0 marks this line as an error */
}

static int
parse_u64(const char *v, uint64_t min, uint64_t max, int allow_suffix, uint64_t *ret)
{
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	char *end = NULL;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno != 0 || end == v)
		return -EINVAL;
	unsigned shift = 0;
	if (allow_suffix && *end) {
		const char *sfx = "KMGT";
		const char *p = strchr(sfx, *end);
		if (!p || *end == '\0')
			return -EINVAL;
		shift = 10u * (unsigned)(p - sfx + 1);
		end++;
	}
	if (*end != '\0')
		return -EINVAL;
	if (shift && n > (UINT64_MAX >> shift))
		return -ERANGE;
	n <<= shift;
	if (n < min || n > max)
		return -ERANGE;
	*ret = n;
	return 0;
}

static int
path_ok(const char *v)
{
	return v[0] == '/' && strlen(v) < 4096 && !strstr(v, "/../") &&
	       strcmp(v + strlen(v) - (strlen(v) >= 3 ? 3 : 0), "/..") != 0;
}

/* Registry host names (with optional :port) and plain names: a strict alphabet. */
static int
host_ok(const char *v)
{
	size_t l = strlen(v);
	if (l == 0 || l > 255)
		return 0;
	for (size_t i = 0; i < l; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == ':' ||
		      ch == '[' || ch == ']' || ch == '_' || ch == '/'))
			return 0;
	}
	return 1;
}

static int
name_ok(const char *v)
{
	size_t l = strlen(v);
	if (l == 0 || l > 63)
		return 0;
	for (size_t i = 0; i < l; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '_' || ch == '.'))
			return 0;
	}
	return 1;
}

static int
all_ok(const struct strv *s, int (*ok)(const char *))
{
	for (size_t i = 0; i < s->n; i++)
		if (!ok(s->v[i]))
			return 0;
	return 1;
}

/* ---- sections ------------------------------------------------------------------------- */

static int
load_crisp(struct load_ctx *x, const char *s, const char *k, const char *v)
{
	struct config *c = x->c;
	/* A flag, not dst != NULL: &c->listen is c itself, and clang's analyzer then reads a
	 * NULL dst as a NULL c. */
	char **dst = NULL;
	bool path_key = true;
	if (strcmp(k, "listen") == 0)
		dst = &c->listen;
	else if (strcmp(k, "root") == 0)
		dst = &c->root;
	else if (strcmp(k, "runroot") == 0)
		dst = &c->runroot;
	else if (strcmp(k, "conmon") == 0)
		dst = &c->conmon;
	else
		path_key = false;
	if (strcmp(k, "helper_dir") == 0) {
		if (v[0] && !path_ok(v))
			return fail(x, s, k,
				    "not empty or an absolute path without '..': \"%.60s\"", v);
		return set_str(&c->helper_dir, v) == 0;
	}
	if (path_key) {
		if (!path_ok(v))
			return fail(x, s, k, "not an absolute path without '..': \"%.60s\"", v);
		return set_str(dst, v) == 0;
	}
	if (strcmp(k, "log_level") == 0) {
		if (log_level_from_string(v, &c->log_level) < 0)
			return fail(x, s, k, "\"%.60s\" is not one of error, warn, info, debug", v);
		return 1;
	}
	if (strcmp(k, "cgroup_driver") == 0) {
		for (int i = 0; i < CGROUP_DRIVER_COUNT; i++)
			if (strcmp(v, cgroup_driver_names[i]) == 0) {
				c->cgroup_driver = (enum cgroup_driver)i;
				return 1;
			}
		return fail(x, s, k, "\"%.60s\" is not one of cgroupfs, systemd", v);
	}
	return fail(x, s, k, "unknown key");
}

static int
load_runtime(struct load_ctx *x, const char *s, const char *k, const char *v)
{
	if (strcmp(s, "runtime") == 0) {
		if (strcmp(k, "default") != 0)
			return fail(x, s, k, "unknown key");
		if (!name_ok(v))
			return fail(x, s, k, "\"%.60s\" is not a handler name ([a-z0-9._-], 1..63)",
				    v);
		return set_str(&x->c->default_runtime, v) == 0;
	}
	const char *name = s + strlen("runtime.");
	if (!name_ok(name))
		return fail(x, s, k, "section name must be runtime.<handler> with [a-z0-9._-]");
	struct config_runtime *rt = runtime_get(x->c, name, 1);
	if (!rt)
		return fail(x, s, k, "too many runtime handlers or out of memory");
	if (strcmp(k, "path") != 0 && strcmp(k, "root") != 0)
		return fail(x, s, k, "unknown key");
	if (!path_ok(v))
		return fail(x, s, k, "not an absolute path without '..': \"%.60s\"", v);
	return set_str(strcmp(k, "path") == 0 ? &rt->path : &rt->root, v) == 0;
}

static int
load_cni(struct load_ctx *x, const char *s, const char *k, const char *v)
{
	if (strcmp(k, "conf_dir") == 0) {
		if (!path_ok(v))
			return fail(x, s, k, "not an absolute path without '..': \"%.60s\"", v);
		return set_str(&x->c->cni_conf_dir, v) == 0;
	}
	if (strcmp(k, "bin_dirs") == 0) {
		if (strv_set_csv(&x->c->cni_bin_dirs, v) < 0)
			return fail(x, s, k, "more than 64 items");
		if (x->c->cni_bin_dirs.n == 0 || !all_ok(&x->c->cni_bin_dirs, path_ok))
			return fail(x, s, k,
				    "need a comma-separated list of absolute paths: \"%.60s\"", v);
		return 1;
	}
	return fail(x, s, k, "unknown key");
}

static int
load_mirror(struct load_ctx *x, const char *s, const char *k, const char *v)
{
	const char *reg = k + strlen("mirror.");
	if (!host_ok(reg))
		return fail(x, s, k, "\"%.60s\" is not a registry host", reg);
	struct config *c = x->c;
	struct config_mirror *m = NULL;
	for (size_t i = 0; i < c->n_mirrors; i++)
		if (strcmp(c->mirrors[i].registry, reg) == 0)
			m = &c->mirrors[i];
	if (!m) {
		if (c->n_mirrors >= CONFIG_MAX_LIST_ITEMS)
			return fail(x, s, k, "more than 64 mirrored registries");
		struct config_mirror *n = realloc(c->mirrors, (c->n_mirrors + 1) * sizeof(*n));
		if (!n)
			return 0;
		c->mirrors = n;
		m = &c->mirrors[c->n_mirrors];
		*m = (struct config_mirror){0};
		m->registry = strdup(reg);
		if (!m->registry)
			return 0;
		c->n_mirrors++;
	}
	if (strv_set_csv(&m->mirrors, v) < 0 || !all_ok(&m->mirrors, host_ok))
		return fail(x, s, k, "need a comma-separated list of registry hosts: \"%.60s\"", v);
	return 1;
}

static int
load_registries(struct load_ctx *x, const char *s, const char *k, const char *v)
{
	struct strv *dst = NULL;
	if (strcmp(k, "unqualified_search") == 0)
		dst = &x->c->unqualified_search;
	else if (strcmp(k, "insecure") == 0)
		dst = &x->c->insecure;
	else if (strcmp(k, "blocked") == 0)
		dst = &x->c->blocked;
	else if (strncmp(k, "mirror.", 7) == 0)
		return load_mirror(x, s, k, v);
	else if (strcmp(k, "certs_dir") == 0) {
		if (!path_ok(v))
			return fail(x, s, k, "not an absolute path without '..': \"%.60s\"", v);
		return set_str(&x->c->certs_dir, v) == 0;
	} else
		return fail(x, s, k, "unknown key");
	if (strv_set_csv(dst, v) < 0 || !all_ok(dst, host_ok))
		return fail(x, s, k, "need a comma-separated list of registry hosts: \"%.60s\"", v);
	return 1;
}

struct limit_key {
	const char *name;
	size_t off;
	int is_u32;
	uint64_t min, max;
};

static const struct limit_key limit_keys[] = {
    {"layer_max_bytes", offsetof(struct config, layer_max_bytes), 0, 1u << 20, 1ull << 42},
    {"helper_timeout_seconds", offsetof(struct config, helper_timeout_s), 1, 1, 3600},
    {"pull_timeout_seconds", offsetof(struct config, pull_timeout_s), 1, 10, 86400},
    {"shm_size_bytes", offsetof(struct config, shm_size_bytes), 0, 4096, 1ull << 40},
    {"max_parallel_downloads", offsetof(struct config, max_parallel_downloads), 1, 1, 64},
};

static int
load_limits(struct load_ctx *x, const char *s, const char *k, const char *v)
{
	for (size_t i = 0; i < ELEMENTSOF(limit_keys); i++) {
		const struct limit_key *lk = &limit_keys[i];
		if (strcmp(k, lk->name) != 0)
			continue;
		uint64_t n;
		if (parse_u64(v, lk->min, lk->max, !lk->is_u32, &n) < 0) {
			return fail(x, s, k,
				    "\"%.60s\" is not a whole number in %" PRIu64 "..%" PRIu64 "%s",
				    v, lk->min, lk->max,
				    lk->is_u32 ? "" : " (suffix K, M, G or T allowed)");
		}
		char *base = (char *)x->c;
		if (lk->is_u32)
			*(uint32_t *)(void *)(base + lk->off) = (uint32_t)n;
		else
			*(uint64_t *)(void *)(base + lk->off) = n;
		return 1;
	}
	return fail(x, s, k, "unknown key");
}

/* The index of v in names[0..n), or -1. */
static int
name_index(const char *const *names, int n, const char *v)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v, names[i]) == 0)
			return i;
	return -1;
}

static int
load_policy(struct load_ctx *x, const char *s, const char *k, const char *v)
{
	int i;
	if (strcmp(k, "no_new_privileges") == 0) {
		if ((i = name_index(nnp_names, CONFIG_NNP_COUNT, v)) < 0)
			return fail(x, s, k, "\"%.60s\" is not one of request, always", v);
		x->c->no_new_privileges = (enum config_nnp)i;
		return 1;
	}
	if (strcmp(k, "seccomp_unset") == 0) {
		if ((i = name_index(seccomp_unset_names, CONFIG_SECCOMP_UNSET_COUNT, v)) < 0)
			return fail(x, s, k, "\"%.60s\" is not one of runtime-default, unconfined",
				    v);
		x->c->seccomp_unset = (enum config_seccomp_unset)i;
		return 1;
	}
	if (strcmp(k, "seccomp_profile_root") == 0) {
		if (v[0] && !path_ok(v))
			return fail(x, s, k,
				    "not empty or an absolute path without '..': \"%.60s\"", v);
		return set_str(&x->c->seccomp_profile_root, v) == 0;
	}
	return fail(x, s, k, "unknown key");
}

static int
on_ini_line(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *x = user;
	if (x->failed)
		return 1; /* report only the first error */
	if (!name)
		return 1; /* a section header on its own */
	if (strlen(value) > CONFIG_MAX_VALUE_LEN)
		return fail(x, section, name, "value longer than 4096 bytes");
	if (strcmp(section, "crisp") == 0)
		return load_crisp(x, section, name, value);
	if (strcmp(section, "runtime") == 0 || strncmp(section, "runtime.", 8) == 0)
		return load_runtime(x, section, name, value);
	if (strcmp(section, "cni") == 0)
		return load_cni(x, section, name, value);
	if (strcmp(section, "registries") == 0)
		return load_registries(x, section, name, value);
	if (strcmp(section, "limits") == 0)
		return load_limits(x, section, name, value);
	if (strcmp(section, "policy") == 0)
		return load_policy(x, section, name, value);
	if (section[0] == '\0')
		return fail(x, "(none)", name, "keys must be inside a section such as [crisp]");
	return fail(x, section, name, "unknown section");
}

static int
finish_load(struct load_ctx *x, int r, const char *name, char *err, size_t errsz)
{
	if (r == 0 && !x->failed)
		return 0;
	if (r > 0)
		snprintf(err, errsz, "%s:%d: %s", name, r,
			 x->failed ? x->msg : "syntax error (expected [section] or key = value)");
	else
		snprintf(err, errsz, "%s: %s", name, x->failed ? x->msg : "out of memory");
	return -EINVAL;
}

int
config_load_string(struct config *c, const char *text, const char *name, char *err, size_t errsz)
{
	struct load_ctx x = {.c = c};
	int r = ini_parse_string(text, on_ini_line, &x);
	return finish_load(&x, r, name, err, errsz);
}

int
config_load_file(struct config *c, const char *path, char *err, size_t errsz)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (!f) {
		int e = errno;
		snprintf(err, errsz, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > CONFIG_MAX_FILE_SIZE) {
		snprintf(err, errsz, "%s: larger than %u bytes", path, CONFIG_MAX_FILE_SIZE);
		return -EFBIG;
	}
	struct load_ctx x = {.c = c};
	int r = ini_parse_file(f, on_ini_line, &x);
	return finish_load(&x, r, path, err, errsz);
}

int
config_validate(const struct config *c, char *err, size_t errsz)
{
	if (!config_find_runtime(c, c->default_runtime)) {
		snprintf(err, errsz, "[runtime] default = %s: no [runtime.%s] section defines it",
			 c->default_runtime, c->default_runtime);
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_runtimes; i++) {
		const struct config_runtime *rt = &c->runtimes[i];
		if (!rt->path) { /* a missing root defaults under the runroot */
			snprintf(err, errsz, "[runtime.%s]: needs a path", rt->name);
			return -EINVAL;
		}
	}
	return 0;
}

const struct config_runtime *
config_find_runtime(const struct config *c, const char *name)
{
	if (!name || !*name)
		name = c->default_runtime;
	for (size_t i = 0; name && i < c->n_runtimes; i++)
		if (strcmp(c->runtimes[i].name, name) == 0)
			return &c->runtimes[i];
	return NULL;
}

static void
print_strv(FILE *f, const char *key, const struct strv *s)
{
	fprintf(f, "%s = ", key);
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? "," : "", s->v[i]);
	fputc('\n', f);
}

int
config_print(const struct config *c, FILE *f)
{
	fprintf(f, "# crisp effective configuration (crispd config)\n[crisp]\n");
	fprintf(f, "listen = %s\nroot = %s\nrunroot = %s\nlog_level = %s\ncgroup_driver = %s\n",
		c->listen, c->root, c->runroot, log_level_to_string(c->log_level),
		config_cgroup_driver_name(c->cgroup_driver));
	fprintf(f, "conmon = %s\nhelper_dir = %s\n\n[runtime]\ndefault = %s\n", c->conmon,
		c->helper_dir, c->default_runtime);
	for (size_t i = 0; i < c->n_runtimes; i++) {
		fprintf(f, "\n[runtime.%s]\npath = %s\n", c->runtimes[i].name, c->runtimes[i].path);
		if (c->runtimes[i].root) /* unset until config_fill_runtime_roots */
			fprintf(f, "root = %s\n", c->runtimes[i].root);
	}
	fprintf(f, "\n[cni]\nconf_dir = %s\n", c->cni_conf_dir);
	print_strv(f, "bin_dirs", &c->cni_bin_dirs);
	fprintf(f, "\n[registries]\n");
	print_strv(f, "unqualified_search", &c->unqualified_search);
	print_strv(f, "insecure", &c->insecure);
	print_strv(f, "blocked", &c->blocked);
	fprintf(f, "certs_dir = %s\n", c->certs_dir);
	for (size_t i = 0; i < c->n_mirrors; i++) {
		char key[300];
		snprintf(key, sizeof(key), "mirror.%s", c->mirrors[i].registry);
		print_strv(f, key, &c->mirrors[i].mirrors);
	}
	fprintf(f, "\n[policy]\nno_new_privileges = %s\nseccomp_unset = %s\n",
		config_nnp_name(c->no_new_privileges), config_seccomp_unset_name(c->seccomp_unset));
	fprintf(f, "seccomp_profile_root = %s\n", c->seccomp_profile_root);
	fprintf(f, "\n[limits]\n");
	for (size_t i = 0; i < ELEMENTSOF(limit_keys); i++) {
		const char *base = (const char *)c;
		uint64_t v = limit_keys[i].is_u32
				 ? *(const uint32_t *)(const void *)(base + limit_keys[i].off)
				 : *(const uint64_t *)(const void *)(base + limit_keys[i].off);
		fprintf(f, "%s = %" PRIu64 "\n", limit_keys[i].name, v);
	}
	return ferror(f) ? -EIO : 0;
}
