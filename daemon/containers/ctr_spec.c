/* SPDX-License-Identifier: Apache-2.0 */
/* OCI config.json of a container (see ctr_spec.h): the top level, the process (args by
 * Docker's rules, env merge, user, cwd, capabilities, no_new_privs, oom_score_adj, rlimits)
 * and the JSON writing helpers shared with ctr_spec_{mounts,linux,devices,seccomp}.c.
 * runs in: daemon/privileged. */
#include "daemon/containers/ctr_spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "daemon/containers/ctr_spec_internal.h"
#include "daemon/core/log.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/str.h"
#include "policy/validate.h"

#define SPEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- helpers ------------------------------------------------------------------------------ */

int
spec_fail(struct spec_ctx *c, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (c->err && c->errsz)
		(void)vsnprintf(c->err, c->errsz, fmt, ap);
	va_end(ap);
	return r;
}

const char *
spec_quote(const char *s, char *buf)
{
	return log_escape(s ? s : "", s ? strlen(s) : 0, buf, SPEC_QUOTE_SZ);
}

json_t *
spec_strn(struct spec_ctx *c, const char *field, const char *s, size_t len, int *ret_r)
{
	char q[SPEC_QUOTE_SZ];
	if (str_has_nul(s, len) || !utf8_valid((const uint8_t *)s, len)) {
		log_escape(s, len, q, sizeof(q));
		*ret_r = spec_fail(c, -EINVAL, "%s \"%s\": not valid UTF-8 or holds a NUL byte",
				   field, q);
		return NULL;
	}
	json_t *j = json_stringn(s, len);
	if (!j)
		*ret_r = spec_fail(c, -ENOMEM, "out of memory writing %s", field);
	return j;
}

json_t *
spec_str(struct spec_ctx *c, const char *field, const char *s, int *ret_r)
{
	return spec_strn(c, field, s ? s : "", s ? strlen(s) : 0, ret_r);
}

int
spec_set(json_t *obj, const char *key, json_t *val)
{
	if (!val)
		return -ENOMEM;
	return json_object_set_new(obj, key, val) < 0 ? -ENOMEM : 0;
}

int
spec_append(json_t *arr, json_t *val)
{
	if (!val)
		return -ENOMEM;
	return json_array_append_new(arr, val) < 0 ? -ENOMEM : 0;
}

int
spec_append_str(struct spec_ctx *c, json_t *arr, const char *field, const char *s)
{
	int r = 0;
	json_t *j = spec_str(c, field, s, &r);
	return j ? spec_append(arr, j) : r;
}

int
spec_set_str(struct spec_ctx *c, json_t *obj, const char *key, const char *field, const char *s)
{
	int r = 0;
	json_t *j = spec_str(c, field, s, &r);
	return j ? spec_set(obj, key, j) : r;
}

static void
strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- args ---------------------------------------------------------------------------------- */

static int
args_fail(char *err, size_t errsz, int r, const char *msg)
{
	if (err && errsz)
		(void)snprintf(err, errsz, "%s", msg);
	return r;
}

int
ctr_spec_args(const Runtime__V1__ContainerConfig *cfg, const Crisp__State__ImageConfig *img,
	      char ***ret, size_t *ret_n, char *err, size_t errsz)
{
	/* Docker: CRI command replaces ENTRYPOINT and then drops CMD; CRI args replace CMD. */
	char *const *ep = NULL, *const *cmd = NULL;
	size_t n_ep = 0, n_cmd = 0;
	if (cfg->n_command > 0) {
		ep = cfg->command, n_ep = cfg->n_command;
	} else if (img) {
		ep = img->entrypoint, n_ep = img->n_entrypoint;
	}
	if (cfg->n_args > 0)
		cmd = cfg->args, n_cmd = cfg->n_args;
	else if (cfg->n_command == 0 && img)
		cmd = img->cmd, n_cmd = img->n_cmd;
	size_t n = n_ep + n_cmd;
	if (n == 0)
		return args_fail(err, errsz, -EINVAL,
				 "no command: the request has no command or args and the image no "
				 "ENTRYPOINT or CMD");
	if (n > CTR_SPEC_MAX_ARGS)
		return args_fail(err, errsz, -EINVAL, "command and args: too many arguments");
	char **v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *a = i < n_ep ? ep[i] : cmd[i - n_ep];
		if (!a || strlen(a) >= POLICY_ENV_ENTRY_MAX || (i == 0 && !a[0])) {
			strv_free(v, i);
			return args_fail(err, errsz, -EINVAL,
					 i == 0 ? "command: the first argument is empty"
						: "command and args: an argument is over 128 KiB");
		}
		v[i] = strdup(a);
		if (!v[i]) {
			strv_free(v, i);
			return -ENOMEM;
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int
process_args(struct spec_ctx *c, json_t *proc)
{
	char **v = NULL;
	size_t n = 0;
	int r = ctr_spec_args(c->in->cfg, c->in->image, &v, &n, c->err, c->errsz);
	if (r < 0)
		return r;
	json_t *a = json_array();
	r = a ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = spec_append_str(c, a, "command/args", v[i]);
	strv_free(v, n);
	if (r < 0) {
		json_decref(a);
		return r;
	}
	return spec_set(proc, "args", a);
}

/* ---- env ------------------------------------------------------------------------------------ */

struct env_entry {
	char *kv; /* "NAME=value" */
	size_t name_len;
	size_t pos; /* insertion order */
	bool dead;  /* replaced by a later entry of the same name */
};

struct env_list {
	struct env_entry *v;
	size_t n, cap;
};

static void
env_list_done(struct env_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].kv);
	free(l->v);
}

/* One NAME=value, as bytes (a CRI value may hold a NUL, which validate_env refuses). */
struct env_kv {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

static int
env_push(struct spec_ctx *c, struct env_list *l, struct env_kv e, const char *field)
{
	const char *name = e.name, *value = e.value;
	size_t name_len = e.name_len, value_len = e.value_len;
	struct policy_error pe;
	if (validate_env(name, name_len, value, value_len, &pe) < 0)
		return spec_fail(c, -EINVAL, "%s: %s", field, pe.message);
	if (!utf8_valid((const uint8_t *)value, value_len) ||
	    !utf8_valid((const uint8_t *)name, name_len)) {
		char q[SPEC_QUOTE_SZ];
		log_escape(name, name_len, q, sizeof(q));
		return spec_fail(c, -EINVAL, "%s \"%s\": not valid UTF-8", field, q);
	}
	if (l->n >= CTR_SPEC_MAX_ENV)
		return spec_fail(c, -EINVAL, "%s: more than %u variables", field, CTR_SPEC_MAX_ENV);
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		struct env_entry *nv = reallocarray(l->v, cap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	char *kv = malloc(name_len + value_len + 2);
	if (!kv)
		return -ENOMEM;
	memcpy(kv, name, name_len);
	kv[name_len] = '=';
	memcpy(kv + name_len + 1, value, value_len);
	kv[name_len + 1 + value_len] = '\0';
	l->v[l->n] = (struct env_entry){.kv = kv, .name_len = name_len, .pos = l->n};
	l->n++;
	return 0;
}

static int
env_cmp_name(const void *a, const void *b)
{
	const struct env_entry *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int d = memcmp(x->kv, y->kv, n);
	if (d)
		return d;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return x->pos < y->pos ? -1 : 1;
}

static int
env_cmp_pos(const void *a, const void *b)
{
	const struct env_entry *x = a, *y = b;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Later wins per NAME, at the position of the first: sort by (name, pos); in each run of one
 * name the first entry takes the last one's value; then restore the order. O(n log n). */
static void
env_merge(struct env_list *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), env_cmp_name);
	for (size_t i = 0; i < l->n;) {
		size_t j = i + 1;
		while (j < l->n && l->v[j].name_len == l->v[i].name_len &&
		       memcmp(l->v[j].kv, l->v[i].kv, l->v[i].name_len) == 0)
			j++;
		if (j - i > 1) {
			char *last = l->v[j - 1].kv;
			l->v[j - 1].kv = l->v[i].kv;
			l->v[i].kv = last;
			for (size_t k = i + 1; k < j; k++)
				l->v[k].dead = true;
		}
		i = j;
	}
	qsort(l->v, l->n, sizeof(*l->v), env_cmp_pos);
}

static bool
env_has(const struct env_list *l, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].dead && l->v[i].name_len == len && memcmp(l->v[i].kv, name, len) == 0)
			return true;
	return false;
}

static int
env_collect(struct spec_ctx *c, struct env_list *l)
{
	const Crisp__State__ImageConfig *img = c->in->image;
	int r = 0;
	for (size_t i = 0; r == 0 && img && i < img->n_env; i++) {
		const char *e = img->env[i], *eq = strchr(e, '=');
		if (!eq || eq == e)
			return spec_fail(c, -EINVAL, "image env entry %zu: no NAME=value", i);
		r = env_push(c, l, (struct env_kv){e, (size_t)(eq - e), eq + 1, strlen(eq + 1)},
			     "image env");
	}
	const Runtime__V1__ContainerConfig *cfg = c->in->cfg;
	for (size_t i = 0; r == 0 && i < cfg->n_envs; i++) {
		const Runtime__V1__KeyValue *kv = cfg->envs[i];
		const char *k = kv->key ? kv->key : "";
		r = env_push(
		    c, l,
		    (struct env_kv){k, strlen(k), (const char *)kv->value.data, kv->value.len},
		    "envs");
	}
	return r;
}

static int
env_defaults(struct spec_ctx *c, struct env_list *l)
{
	const char *hostname = c->in->pod ? c->in->pod->hostname : NULL;
	const char *home = c->in->home && c->in->home[0] ? c->in->home : "/";

	struct {
		const char *name, *value;
		bool want;
	} d[] = {
	    {"PATH", SPEC_DEFAULT_PATH, true},
	    {"HOME", home, true},
	    {"HOSTNAME", hostname, hostname && hostname[0]},
	    {"TERM", "xterm", c->in->cfg->tty},
	};

	for (size_t i = 0; i < ELEMENTSOF(d); i++) {
		if (!d[i].want || env_has(l, d[i].name))
			continue;
		int r = env_push(
		    c, l,
		    (struct env_kv){d[i].name, strlen(d[i].name), d[i].value, strlen(d[i].value)},
		    "default env");
		if (r < 0)
			return r;
	}
	return 0;
}

static int
process_env(struct spec_ctx *c, json_t *proc)
{
	struct env_list l = {0};
	int r = env_collect(c, &l);
	if (r == 0) {
		env_merge(&l);
		r = env_defaults(c, &l);
	}
	json_t *a = r == 0 ? json_array() : NULL;
	if (r == 0 && !a)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < l.n; i++)
		if (!l.v[i].dead)
			r = spec_append(a, json_string(l.v[i].kv));
	env_list_done(&l);
	if (r < 0) {
		json_decref(a);
		return r;
	}
	return spec_set(proc, "env", a);
}

/* ---- user, cwd, capabilities, limits ---------------------------------------------------- */

static int
process_user(struct spec_ctx *c, json_t *proc)
{
	json_t *u =
	    json_pack("{s:I, s:I}", "uid", (json_int_t)c->in->uid, "gid", (json_int_t)c->in->gid);
	if (!u)
		return -ENOMEM;
	if (c->in->n_sgids > 0) {
		json_t *g = json_array();
		int r = g ? 0 : -ENOMEM;
		for (size_t i = 0; r == 0 && i < c->in->n_sgids; i++)
			r = spec_append(g, json_integer((json_int_t)c->in->sgids[i]));
		if (r == 0)
			r = spec_set(u, "additionalGids", g);
		else
			json_decref(g);
		if (r < 0) {
			json_decref(u);
			return r;
		}
	}
	return spec_set(proc, "user", u);
}

/* CRI working_dir, else the image's (Docker makes a relative WORKDIR absolute), else "/".
 * runc resolves it inside the rootfs, so only the syntax matters here. */
static int
process_cwd(struct spec_ctx *c, json_t *proc)
{
	const char *w = c->in->cfg->working_dir;
	if (w && w[0]) {
		if (w[0] != '/') {
			char q[SPEC_QUOTE_SZ];
			return spec_fail(c, -EINVAL, "working_dir \"%s\": not an absolute path",
					 spec_quote(w, q));
		}
		return spec_set_str(c, proc, "cwd", "working_dir", w);
	}
	w = c->in->image ? c->in->image->working_dir : NULL;
	if (!w || !w[0] || w[0] == '/')
		return spec_set_str(c, proc, "cwd", "image working_dir", w && w[0] ? w : "/");
	char *abs = NULL;
	if (asprintf(&abs, "/%s", w) < 0)
		return -ENOMEM;
	int r = spec_set_str(c, proc, "cwd", "image working_dir", abs);
	free(abs);
	return r;
}

static json_t *
caps_array(uint64_t set)
{
	json_t *a = json_array();
	for (unsigned i = 0; a && i < CONTAINER_POLICY_CAP_COUNT; i++)
		if ((set & (UINT64_C(1) << i)) &&
		    json_array_append_new(a, json_string(container_policy_cap_name(i))) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The five sets from policy/, then clamped to what the daemon holds: runc cannot grant a
 * capability its parent lacks (it would fail the container), and a silent grant of less than
 * asked must be visible, so the caller logs *ret_clamped. Privileged means "everything the
 * host has", so no clamp is reported for it. */
static int
compute_caps(struct spec_ctx *c)
{
	const Runtime__V1__Capability *rc = c->sc ? c->sc->capabilities : NULL;
	if (rc && rc->n_add_ambient_capabilities > 0)
		return spec_fail(c, -EINVAL,
				 "capabilities.add_ambient_capabilities: not supported");
	struct container_policy_caps_request req = {
	    .privileged = c->privileged,
	    .root = c->in->uid == 0,
	    .defaults = container_policy_default_caps,
	    .add = rc ? (const char *const *)rc->add_capabilities : NULL,
	    .n_add = rc ? rc->n_add_capabilities : 0,
	    .drop = rc ? (const char *const *)rc->drop_capabilities : NULL,
	    .n_drop = rc ? rc->n_drop_capabilities : 0,
	};
	struct policy_error pe;
	if (container_policy_caps(&req, &c->caps, &pe) < 0)
		return spec_fail(c, -EINVAL, "capabilities: %s", pe.message);
	uint64_t host = c->in->host_caps & CONTAINER_POLICY_CAP_ALL;
	uint64_t want = c->caps.bounding | c->caps.effective | c->caps.permitted;
	if (!c->privileged && (want & ~host))
		c->clamped = true;
	c->caps.bounding &= host;
	c->caps.effective &= host;
	c->caps.permitted &= host;
	c->caps.inheritable = 0; /* CVE-2022-24769 */
	c->caps.ambient = 0;
	return 0;
}

static int
process_caps(struct spec_ctx *c, json_t *proc)
{
	json_t *o =
	    json_pack("{s:o, s:o, s:o, s:o, s:o}", "bounding", caps_array(c->caps.bounding),
		      "effective", caps_array(c->caps.effective), "inheritable", json_array(),
		      "permitted", caps_array(c->caps.permitted), "ambient", json_array());
	return spec_set(proc, "capabilities", o);
}

static bool
allow_escalation(struct spec_ctx *c, int *ret_r)
{
	const Runtime__V1__PodSandboxConfig *pod = c->in->pod;
	*ret_r = 0;
	for (size_t i = 0; pod && i < pod->n_annotations; i++) {
		const char *k = pod->annotations[i]->key, *v = pod->annotations[i]->value;
		struct validate_annotation va;
		struct policy_error pe;
		if (!k || strcmp(k, "crisp.io/allow-privilege-escalation") != 0)
			continue;
		if (validate_annotation(k, strlen(k), v ? v : "", v ? strlen(v) : 0, &va, &pe) <
		    0) {
			*ret_r = spec_fail(c, -EINVAL, "pod annotations: %s", pe.message);
			return false;
		}
		return va.flag;
	}
	return false;
}

/* oom_score_adj: -1000..1000; lower than the daemon may set is raised to that (reported). */
static int
process_oom(struct spec_ctx *c, json_t *proc)
{
	int64_t v = c->res ? c->res->oom_score_adj : 0;
	if (v < -1000 || v > 1000)
		return spec_fail(c, -EINVAL, "resources.oom_score_adj %lld: not in -1000..1000",
				 (long long)v);
	if (v < c->in->min_oom_score_adj) {
		v = c->in->min_oom_score_adj;
		c->clamped = true;
	}
	return spec_set(proc, "oomScoreAdj", json_integer((json_int_t)v));
}

/* RLIMIT_NOFILE soft = hard = min(CTR_SPEC_NOFILE, the daemon's hard limit): what CRI-O's
 * unit gives its containers (LimitNOFILE=1048576), without ever asking runc to raise a hard
 * limit (that needs CAP_SYS_RESOURCE, which this host's daemon may lack). */
static int
process_rlimits(json_t *proc)
{
	struct rlimit rl;
	uint64_t n = CTR_SPEC_NOFILE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max < n)
		n = rl.rlim_max;
	return spec_set(proc, "rlimits",
			json_pack("[{s:s, s:I, s:I}]", "type", "RLIMIT_NOFILE", "hard",
				  (json_int_t)n, "soft", (json_int_t)n));
}

static int
build_process(struct spec_ctx *c, json_t **ret)
{
	json_t *proc = json_object();
	if (!proc)
		return -ENOMEM;
	int r = 0;
	bool esc = allow_escalation(c, &r);
	bool nnp = container_policy_no_new_privs(c->privileged, c->sc && c->sc->no_new_privs,
						 c->in->nnp == CONFIG_NNP_ALWAYS, esc);
	if (r == 0)
		r = spec_set(proc, "terminal", json_boolean(c->in->cfg->tty));
	if (r == 0)
		r = process_user(c, proc);
	if (r == 0)
		r = process_args(c, proc);
	if (r == 0)
		r = process_env(c, proc);
	if (r == 0)
		r = process_cwd(c, proc);
	if (r == 0)
		r = process_caps(c, proc);
	if (r == 0)
		r = spec_set(proc, "noNewPrivileges", json_boolean(nnp));
	if (r == 0)
		r = process_oom(c, proc);
	if (r == 0)
		r = process_rlimits(proc);
	if (r < 0) {
		json_decref(proc);
		return r;
	}
	*ret = proc;
	return 0;
}

/* ---- top level ------------------------------------------------------------------------------ */

static int
check_input(struct spec_ctx *c)
{
	const struct ctr_spec_in *in = c->in;
	if (!in->cfg || !in->rootfs || in->rootfs[0] != '/')
		return spec_fail(c, -EINVAL, "container spec: missing config or rootfs");
	/* "Image metadata is data": only its os is checked, and only to refuse. */
	const char *os = in->image ? in->image->os : NULL;
	if (os && os[0] && strcmp(os, "linux") != 0) {
		char q[SPEC_QUOTE_SZ];
		return spec_fail(c, -EINVAL, "image os \"%s\": only linux images can run",
				 spec_quote(os, q));
	}
	return 0;
}

static int
build_root(struct spec_ctx *c, json_t *spec, json_t *proc)
{
	int r = spec_set(spec, "ociVersion", json_string("1.0.2"));
	if (r == 0)
		r = spec_set(spec, "process", proc);
	else
		json_decref(proc);
	json_t *root = r == 0 ? json_object() : NULL;
	if (r == 0)
		r = root ? spec_set_str(c, root, "path", "rootfs", c->in->rootfs) : -ENOMEM;
	if (r == 0)
		r = spec_set(root, "readonly", json_boolean(c->sc && c->sc->readonly_rootfs));
	if (r == 0)
		return spec_set(spec, "root", root);
	json_decref(root);
	return r;
}

static int
build_spec(struct spec_ctx *c, json_t *spec)
{
	int r = check_input(c);
	if (r == 0)
		r = compute_caps(c);
	json_t *proc = NULL, *mounts = NULL, *linux_obj = NULL;
	if (r == 0)
		r = build_process(c, &proc);
	if (r == 0)
		r = build_root(c, spec, TAKE_PTR(proc));
	if (r == 0)
		r = spec_mounts(c, &mounts);
	if (r == 0)
		r = spec_set(spec, "mounts", TAKE_PTR(mounts));
	if (r == 0)
		r = spec_linux(c, &linux_obj);
	if (r == 0)
		r = spec_set(spec, "linux", TAKE_PTR(linux_obj));
	return r;
}

int
ctr_spec_build(const struct ctr_spec_in *in, char **ret_json, bool *ret_clamped, char *err,
	       size_t errsz)
{
	const Runtime__V1__LinuxContainerConfig *lc = in->cfg ? in->cfg->linux : NULL;
	struct spec_ctx c = {
	    .in = in,
	    .sc = lc ? lc->security_context : NULL,
	    .res = lc ? lc->resources : NULL,
	    .err = err,
	    .errsz = errsz,
	};
	c.privileged = c.sc && c.sc->privileged;
	json_t *spec = json_object();
	if (!spec)
		return -ENOMEM;
	int r = build_spec(&c, spec);
	char *s = r == 0 ? json_dumps(spec, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	json_decref(spec);
	if (r == 0 && !s)
		r = -ENOMEM;
	if (r == -ENOMEM && err && errsz)
		(void)snprintf(err, errsz, "out of memory writing the container spec");
	if (r < 0)
		return r;
	*ret_json = s;
	*ret_clamped = c.clamped;
	return 0;
}
