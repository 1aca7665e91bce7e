/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/ctr_spec*.c: config.json built for many CRI requests and parsed back
 * with jansson (tests may read JSON; the daemon may not): args rules, env merge, caps, nnp,
 * masked paths, seccomp kinds, mounts (hostile ones too), image volumes, devices, oom clamp.
 * runs in: test. */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/containers/ctr_spec.h"
#include "parsers/base/macro.h"
#include "policy/container_policy.h"

#define B(c)      (UINT64_C(1) << (c))
#define SV(...)   ((char **)(uintptr_t)(const char *const[]){__VA_ARGS__, NULL})
#define BIN(n, s) ((ProtobufCBinaryData){(n), (uint8_t *)UNCONST(s)})
#define CRIO_SET                                                                                   \
	(B(CAP_CHOWN) | B(CAP_DAC_OVERRIDE) | B(CAP_FSETID) | B(CAP_FOWNER) | B(CAP_SETGID) |      \
	 B(CAP_SETUID) | B(CAP_SETPCAP) | B(CAP_NET_BIND_SERVICE) | B(CAP_KILL))

/* ---- fixture ------------------------------------------------------------------------------- */

struct fx {
	Runtime__V1__ContainerConfig cfg;
	Runtime__V1__LinuxContainerConfig lc;
	Runtime__V1__LinuxContainerSecurityContext sc;
	Runtime__V1__LinuxContainerResources res;
	Runtime__V1__Capability caps;
	Runtime__V1__SecurityProfile seccomp;
	Runtime__V1__PodSandboxConfig pod;
	Runtime__V1__PodSandboxConfig__AnnotationsEntry ann, *annp[1];
	Crisp__State__ImageConfig img;
	Crisp__State__ImageConfig__LabelsEntry label, *labelp[1];
	Runtime__V1__KeyValue env[4], *envp[4];
	Runtime__V1__Mount m[4], *mp[4];
	Runtime__V1__Device dev[2], *devp[2];
	char tmp[64];
	char voldir[128], rundir[128], path[128];
	struct ctr_spec_in in;
	char err[512];
	bool clamped;
};

static int
rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

/* protobuf-c's *__INIT macros cast away the const of protobuf_c_empty_string and name the
 * deprecated CRI fields. */
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/crisp-spec-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	snprintf(f->voldir, sizeof(f->voldir), "%s/volumes", f->tmp);
	snprintf(f->rundir, sizeof(f->rundir), "%s/run", f->tmp);
	f->cfg = (Runtime__V1__ContainerConfig)RUNTIME__V1__CONTAINER_CONFIG__INIT;
	f->lc = (Runtime__V1__LinuxContainerConfig)RUNTIME__V1__LINUX_CONTAINER_CONFIG__INIT;
	f->sc = (Runtime__V1__LinuxContainerSecurityContext)
	    RUNTIME__V1__LINUX_CONTAINER_SECURITY_CONTEXT__INIT;
	f->res = (Runtime__V1__LinuxContainerResources)RUNTIME__V1__LINUX_CONTAINER_RESOURCES__INIT;
	f->caps = (Runtime__V1__Capability)RUNTIME__V1__CAPABILITY__INIT;
	f->seccomp = (Runtime__V1__SecurityProfile)RUNTIME__V1__SECURITY_PROFILE__INIT;
	f->pod = (Runtime__V1__PodSandboxConfig)RUNTIME__V1__POD_SANDBOX_CONFIG__INIT;
	f->img = (Crisp__State__ImageConfig)CRISP__STATE__IMAGE_CONFIG__INIT;
	f->cfg.linux = &f->lc;
	f->lc.security_context = &f->sc;
	f->lc.resources = &f->res;
	f->sc.capabilities = &f->caps;
	f->img.os = UNCONST("linux");
	/* static: the fixture outlives this function */
	static const char *const ep[] = {"/bin/sh", NULL}, *const cmd[] = {"-c", "true", NULL};
	f->img.entrypoint = (char **)(uintptr_t)ep, f->img.n_entrypoint = 1;
	f->img.cmd = (char **)(uintptr_t)cmd, f->img.n_cmd = 2;
	f->pod.hostname = UNCONST("web-0");
	for (size_t i = 0; i < 4; i++) {
		f->env[i] = (Runtime__V1__KeyValue)RUNTIME__V1__KEY_VALUE__INIT,
		f->envp[i] = &f->env[i];
		f->m[i] = (Runtime__V1__Mount)RUNTIME__V1__MOUNT__INIT, f->mp[i] = &f->m[i];
	}
	for (size_t i = 0; i < 2; i++)
		f->dev[i] = (Runtime__V1__Device)RUNTIME__V1__DEVICE__INIT, f->devp[i] = &f->dev[i];
	f->cfg.envs = f->envp;
	f->cfg.mounts = f->mp;
	f->cfg.devices = f->devp;
	f->in = (struct ctr_spec_in){
	    .cfg = &f->cfg,
	    .pod = &f->pod,
	    .image = &f->img,
	    .rootfs = "/var/lib/crisp/ctr/rootfs",
	    .home = "/root",
	    .netns = "/run/crisp/ns/p/net",
	    .ipcns = "/run/crisp/ns/p/ipc",
	    .utsns = "/run/crisp/ns/p/uts",
	    .pod_run_dir = f->rundir,
	    .shm_path = "/run/crisp/pods/p/shm",
	    .volume_dir = f->voldir,
	    .cgroups_path = "/crisp/pod/ctr",
	    .min_oom_score_adj = -1000,
	    .host_caps = CONTAINER_POLICY_CAP_ALL,
	};
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;
	(void)nftw(f->tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Build, and parse the JSON back (strictly) on success. expect_err != NULL: must fail with
 * -EINVAL and a message containing it. */
static json_t *
build(struct fx *f, const char *expect_err)
{
	char *s = NULL;
	f->err[0] = '\0';
	f->clamped = false;
	int r = ctr_spec_build(&f->in, &s, &f->clamped, f->err, sizeof(f->err));
	if (expect_err) {
		if (r != -EINVAL || !strstr(f->err, expect_err))
			fail_msg("expected -EINVAL with \"%s\", got %d \"%s\"", expect_err, r,
				 f->err);
		return NULL;
	}
	if (r != 0)
		fail_msg("build failed: %d %s", r, f->err);
	json_error_t je;
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &je);
	free(s);
	if (!j)
		fail_msg("bad JSON: %s", je.text);
	return j;
}

/* A refusal that may carry another errno than EINVAL (an O_NOFOLLOW open: ELOOP, ENOTDIR). */
static void
build_neg(struct fx *f, const char *expect_err)
{
	char *s = NULL;
	f->err[0] = '\0';
	int r = ctr_spec_build(&f->in, &s, &f->clamped, f->err, sizeof(f->err));
	if (r >= 0 || !strstr(f->err, expect_err))
		fail_msg("expected an error with \"%s\", got %d \"%s\"", expect_err, r, f->err);
}

static bool
arr_has(json_t *a, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach (a, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

static uint64_t
caps_of(json_t *spec, const char *set)
{
	json_t *a =
	    json_object_get(json_object_get(json_object_get(spec, "process"), "capabilities"), set);
	assert_true(json_is_array(a));
	uint64_t m = 0;
	size_t i;
	json_t *v;
	json_array_foreach (a, i, v) {
		const char *n = json_string_value(v);
		int c = container_policy_cap_from_name(n, strlen(n));
		assert_true(c >= 0);
		m |= B(c);
	}
	return m;
}

static json_t *
find_mount(json_t *spec, const char *dest)
{
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(spec, "mounts"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "destination")), dest) == 0)
			return v;
	}
	return NULL;
}

static json_t *
jpath(json_t *j, const char *a, const char *b)
{
	json_t *x = json_object_get(j, a);
	return b ? json_object_get(x, b) : x;
}

/* ---- args ---------------------------------------------------------------------------------- */

struct args_case {
	char **command, **args, **ep, **cmd;
	const char *want; /* joined with '|'; NULL = error */
};

static size_t
strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static void
test_args(void **state)
{
	struct fx *f = *state;
	const struct args_case cases[] = {
	    {NULL, NULL, SV("/ep"), SV("c1", "c2"), "/ep|c1|c2"},
	    {SV("/cmd"), NULL, SV("/ep"), SV("c1"), "/cmd"},
	    {SV("/cmd", "x"), SV("a1"), SV("/ep"), SV("c1"), "/cmd|x|a1"},
	    {NULL, SV("a1", "a2"), SV("/ep"), SV("c1"), "/ep|a1|a2"},
	    {NULL, SV("/a1"), NULL, SV("c1"), "/a1"},
	    {NULL, NULL, NULL, SV("/c1", "x"), "/c1|x"},
	    {NULL, NULL, SV("/ep"), NULL, "/ep"},
	    {SV("/cmd"), NULL, NULL, NULL, "/cmd"},
	    {NULL, NULL, NULL, NULL, NULL},
	    {SV(""), NULL, NULL, NULL, NULL},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct args_case *c = &cases[i];
		f->cfg.command = c->command, f->cfg.n_command = strv_len(c->command);
		f->cfg.args = c->args, f->cfg.n_args = strv_len(c->args);
		f->img.entrypoint = c->ep, f->img.n_entrypoint = strv_len(c->ep);
		f->img.cmd = c->cmd, f->img.n_cmd = strv_len(c->cmd);
		char **v = NULL;
		size_t n = 0;
		int r = ctr_spec_args(&f->cfg, &f->img, &v, &n, f->err, sizeof(f->err));
		if (!c->want) {
			assert_int_equal(r, -EINVAL);
			continue;
		}
		assert_int_equal(r, 0);
		char joined[256] = "";
		size_t off = 0;
		for (size_t k = 0; k < n; k++) {
			off += (size_t)snprintf(joined + off, sizeof(joined) - off, "%s%s",
						k ? "|" : "", v[k]);
			free(v[k]);
		}
		free(v);
		assert_string_equal(joined, c->want);
		json_t *j = build(f, NULL);
		assert_int_equal(json_array_size(jpath(jpath(j, "process", NULL), "args", NULL)),
				 n);
		json_decref(j);
	}
}

/* ---- env, cwd, user ---------------------------------------------------------------------- */

static void
test_env(void **state)
{
	struct fx *f = *state;
	f->img.env = SV("A=1", "PATH=/img/bin", "C=img"), f->img.n_env = 3;
	f->env[0].key = UNCONST("A"), f->env[0].value = BIN(3, "two");
	f->env[1].key = UNCONST("B"), f->env[1].value = BIN(3, "x\ny");
	f->env[2].key = UNCONST("A"), f->env[2].value = BIN(5, "three");
	f->cfg.n_envs = 3;
	json_t *j = build(f, NULL);
	json_t *env = jpath(jpath(j, "process", NULL), "env", NULL);
	const char *want[] = {"A=three", "PATH=/img/bin", "C=img",
			      "B=x\ny",  "HOME=/root",    "HOSTNAME=web-0"};
	assert_int_equal(json_array_size(env), ELEMENTSOF(want));
	for (size_t i = 0; i < ELEMENTSOF(want); i++)
		assert_string_equal(json_string_value(json_array_get(env, i)), want[i]);
	json_decref(j);

	/* defaults: PATH when absent, HOME "/" without a home, TERM with a tty */
	f->img.n_env = 0, f->cfg.n_envs = 0, f->in.home = NULL, f->cfg.tty = 1;
	j = build(f, NULL);
	env = jpath(jpath(j, "process", NULL), "env", NULL);
	assert_true(
	    arr_has(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	assert_true(arr_has(env, "HOME=/"));
	assert_true(arr_has(env, "TERM=xterm"));
	assert_true(json_is_true(jpath(jpath(j, "process", NULL), "terminal", NULL)));
	json_decref(j);

	/* NUL in a value, '=' in a name, an empty name, invalid UTF-8: refused */
	f->cfg.n_envs = 1;
	f->env[0].key = UNCONST("X"), f->env[0].value = BIN(3, "a\0b");
	build(f, "env");
	f->env[0].key = UNCONST("X=Y"), f->env[0].value = BIN(1, "a");
	build(f, "env");
	f->env[0].key = UNCONST(""), f->env[0].value = BIN(1, "a");
	build(f, "env");
	f->env[0].key = UNCONST("X"), f->env[0].value = BIN(2, "\xff\xfe");
	build(f, "UTF-8");
}

static void
test_cwd_user(void **state)
{
	struct fx *f = *state;
	json_t *j = build(f, NULL);
	assert_string_equal(json_string_value(jpath(jpath(j, "process", NULL), "cwd", NULL)), "/");
	json_decref(j);
	f->img.working_dir = UNCONST("app");
	j = build(f, NULL);
	assert_string_equal(json_string_value(jpath(jpath(j, "process", NULL), "cwd", NULL)),
			    "/app");
	json_decref(j);
	f->cfg.working_dir = UNCONST("/work");
	f->in.uid = 1000, f->in.gid = 2000;
	uint32_t sg[] = {5, 6};
	f->in.sgids = sg, f->in.n_sgids = 2;
	j = build(f, NULL);
	json_t *p = jpath(j, "process", NULL);
	assert_string_equal(json_string_value(jpath(p, "cwd", NULL)), "/work");
	assert_int_equal(json_integer_value(jpath(jpath(p, "user", NULL), "uid", NULL)), 1000);
	assert_int_equal(json_integer_value(jpath(jpath(p, "user", NULL), "gid", NULL)), 2000);
	assert_int_equal(json_array_size(jpath(jpath(p, "user", NULL), "additionalGids", NULL)), 2);
	json_decref(j);
	f->cfg.working_dir = UNCONST("rel");
	build(f, "working_dir");
}

/* ---- capabilities, nnp, oom ------------------------------------------------------------ */

struct caps_case {
	const char *what;
	uint32_t uid;
	bool privileged;
	char **add, **drop;
	uint64_t host;
	uint64_t bounding, effective;
	bool clamped;
};

static void
test_caps(void **state)
{
	struct fx *f = *state;
	const uint64_t all = CONTAINER_POLICY_CAP_ALL;
	const uint64_t host = all & ~B(CAP_SYS_RESOURCE); /* like this machine */
	const struct caps_case cases[] = {
	    {"root", 0, false, NULL, NULL, all, CRIO_SET, CRIO_SET, false},
	    {"non-root", 1000, false, NULL, NULL, all, CRIO_SET, 0, false},
	    {"privileged", 0, true, NULL, NULL, host, host, host, false},
	    {"privileged non-root", 1000, true, NULL, NULL, host, host, 0, false},
	    {"add ALL", 0, false, SV("ALL"), NULL, all, all, all, false},
	    {"add ALL clamped", 0, false, SV("ALL"), NULL, host, host, host, true},
	    {"drop ALL", 0, false, NULL, SV("ALL"), all, 0, 0, false},
	    {"drop ALL add one", 0, false, SV("NET_RAW"), SV("ALL"), all, B(CAP_NET_RAW),
	     B(CAP_NET_RAW), false},
	    {"add/drop", 0, false, SV("CAP_NET_ADMIN"), SV("kill"), all,
	     (CRIO_SET | B(CAP_NET_ADMIN)) & ~B(CAP_KILL),
	     (CRIO_SET | B(CAP_NET_ADMIN)) & ~B(CAP_KILL), false},
	    {"host lacks one", 0, false, SV("SYS_RESOURCE"), NULL, host, CRIO_SET, CRIO_SET, true},
	};
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const struct caps_case *c = &cases[i];
		f->in.uid = c->uid;
		f->sc.privileged = c->privileged;
		f->caps.add_capabilities = c->add, f->caps.n_add_capabilities = strv_len(c->add);
		f->caps.drop_capabilities = c->drop,
		f->caps.n_drop_capabilities = strv_len(c->drop);
		f->in.host_caps = c->host;
		json_t *j = build(f, NULL);
		print_message("caps: %s\n", c->what);
		assert_int_equal(caps_of(j, "bounding"), c->bounding);
		assert_int_equal(caps_of(j, "effective"), c->effective);
		assert_int_equal(caps_of(j, "permitted"), c->effective);
		assert_int_equal(caps_of(j, "inheritable"), 0);
		assert_int_equal(caps_of(j, "ambient"), 0);
		assert_int_equal(f->clamped, c->clamped);
		json_decref(j);
	}
	f->sc.privileged = false;
	f->caps.add_capabilities = SV("NOT_A_CAP"), f->caps.n_add_capabilities = 1;
	build(f, "capabilit");
	f->caps.n_add_capabilities = 0;
	f->caps.add_ambient_capabilities = SV("NET_RAW"), f->caps.n_add_ambient_capabilities = 1;
	build(f, "ambient");
}

static void
test_nnp(void **state)
{
	struct fx *f = *state;

	struct {
		bool privileged, request, annotation;
		const char *value;
		enum config_nnp mode;
		bool want;
	} cases[] = {
	    /* [policy] no_new_privileges = request (default): the request decides */
	    {false, false, false, NULL, CONFIG_NNP_REQUEST, false},
	    {true, false, false, NULL, CONFIG_NNP_REQUEST, false},
	    {false, true, false, NULL, CONFIG_NNP_REQUEST, true},
	    {true, true, false, NULL, CONFIG_NNP_REQUEST, true},
	    {false, false, true, "true", CONFIG_NNP_REQUEST, false},
	    /* = always: on for unprivileged containers unless the pod opts out */
	    {false, false, false, NULL, CONFIG_NNP_ALWAYS, true},
	    {true, false, false, NULL, CONFIG_NNP_ALWAYS, false},
	    {false, false, true, "true", CONFIG_NNP_ALWAYS, false},
	    {false, true, true, "true", CONFIG_NNP_ALWAYS, true},
	    {false, false, true, "false", CONFIG_NNP_ALWAYS, true},
	};

	f->pod.annotations = f->annp;
	f->annp[0] = &f->ann;
	f->ann = (Runtime__V1__PodSandboxConfig__AnnotationsEntry)
	    RUNTIME__V1__POD_SANDBOX_CONFIG__ANNOTATIONS_ENTRY__INIT;
	f->ann.key = UNCONST("crisp.io/allow-privilege-escalation");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		f->sc.privileged = cases[i].privileged;
		f->sc.no_new_privs = cases[i].request;
		f->pod.n_annotations = cases[i].annotation;
		f->ann.value = UNCONST(cases[i].value);
		f->in.nnp = cases[i].mode;
		json_t *j = build(f, NULL);
		assert_int_equal(
		    json_is_true(jpath(jpath(j, "process", NULL), "noNewPrivileges", NULL)),
		    cases[i].want);
		json_decref(j);
	}
	f->pod.n_annotations = 1, f->ann.value = UNCONST("yes");
	build(f, "annotation");
	f->in.nnp = CONFIG_NNP_REQUEST;
}

static void
test_oom(void **state)
{
	struct fx *f = *state;
	f->in.min_oom_score_adj = -500;
	f->res.oom_score_adj = -999;
	json_t *j = build(f, NULL);
	assert_int_equal(json_integer_value(jpath(jpath(j, "process", NULL), "oomScoreAdj", NULL)),
			 -500);
	assert_true(f->clamped);
	json_decref(j);
	f->res.oom_score_adj = 100;
	j = build(f, NULL);
	assert_int_equal(json_integer_value(jpath(jpath(j, "process", NULL), "oomScoreAdj", NULL)),
			 100);
	assert_false(f->clamped);
	json_t *rl = json_array_get(jpath(jpath(j, "process", NULL), "rlimits", NULL), 0);
	assert_string_equal(json_string_value(jpath(rl, "type", NULL)), "RLIMIT_NOFILE");
	assert_true(json_integer_value(jpath(rl, "hard", NULL)) <= 1048576);
	json_decref(j);
	f->res.oom_score_adj = 1001;
	build(f, "oom_score_adj");
}

/* ---- image metadata is data ---------------------------------------------------------------- */

static void
test_image(void **state)
{
	struct fx *f = *state;
	f->img.labels = f->labelp, f->img.n_labels = 1, f->labelp[0] = &f->label;
	f->label =
	    (Crisp__State__ImageConfig__LabelsEntry)CRISP__STATE__IMAGE_CONFIG__LABELS_ENTRY__INIT;
	f->label.key = UNCONST("io.kubernetes.cri-o.Devices");
	f->label.value = UNCONST("/dev/sda-EVIL-LABEL");
	f->img.stop_signal = UNCONST("SIGEVIL");
	char *s = NULL;
	assert_int_equal(ctr_spec_build(&f->in, &s, &f->clamped, f->err, sizeof(f->err)), 0);
	assert_null(strstr(s, "EVIL"));
	assert_null(strstr(s, "io.kubernetes"));
	free(s);
	f->img.os = UNCONST("windows");
	build(f, "linux");
	f->img.os = UNCONST("");
	json_decref(build(f, NULL)); /* old Docker configs may lack os */
}

/* ---- masked paths and seccomp ------------------------------------------------------------- */

static json_t *
seccomp_rule(json_t *sec, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach (json_object_get(sec, "syscalls"), i, v) {
		if (arr_has(json_object_get(v, "names"), name))
			return v;
	}
	return NULL;
}

static void
test_masked(void **state)
{
	struct fx *f = *state;
	f->sc.masked_paths = SV("/proc/kcore", "/proc/extra");
	f->sc.n_masked_paths = 2;
	json_t *j = build(f, NULL);
	json_t *lin = jpath(j, "linux", NULL);
	assert_true(arr_has(jpath(lin, "maskedPaths", NULL), "/proc/kcore"));
	assert_true(arr_has(jpath(lin, "maskedPaths", NULL), "/proc/keys"));
	assert_true(arr_has(jpath(lin, "maskedPaths", NULL), "/proc/extra"));
	assert_true(arr_has(jpath(lin, "maskedPaths", NULL),
			    "/sys/devices/system/cpu/cpu0/thermal_throttle"));
	assert_true(arr_has(jpath(lin, "readonlyPaths", NULL), "/proc/sys"));
	json_decref(j);
	f->sc.n_masked_paths = 0;
	f->sc.privileged = true;
	j = build(f, NULL);
	lin = jpath(j, "linux", NULL);
	assert_int_equal(json_array_size(jpath(lin, "maskedPaths", NULL)), 0);
	assert_int_equal(json_array_size(jpath(lin, "readonlyPaths", NULL)), 0);
	assert_null(jpath(lin, "seccomp", NULL));
	/* all devices allowed, and the host's device nodes are there */
	json_t *d0 = json_array_get(jpath(jpath(lin, "resources", NULL), "devices", NULL), 0);
	assert_true(json_is_true(jpath(d0, "allow", NULL)));
	assert_string_equal(json_string_value(jpath(d0, "access", NULL)), "rwm");
	assert_true(json_array_size(jpath(lin, "devices", NULL)) > 0);
	json_decref(j);
	f->sc.privileged = false;
	f->sc.masked_paths = SV("/proc/../etc"), f->sc.n_masked_paths = 1;
	build(f, "masked_paths");
}

/* A validated Localhost profile (daemon/replies/seccomp_reply.h) as config.json carries it;
 * a privileged container ignores it. */
static void
test_seccomp_localhost(struct fx *f)
{
	struct seccomp_reply_arg args[] = {
	    {.index = 0, .op = "SCMP_CMP_MASKED_EQ", .value = 2114060288, .value_two = 0}};
	char *names[] = {UNCONST("sethostname"), UNCONST("clone")};
	struct seccomp_reply_rule rules[] = {
	    {.names = names, .n_names = 1, .action = "SCMP_ACT_ERRNO", .errno_ret = 99},
	    {.names = names + 1,
	     .n_names = 1,
	     .action = "SCMP_ACT_ALLOW",
	     .args = args,
	     .n_args = 1}};
	struct seccomp_reply_profile prof = {.default_action = "SCMP_ACT_ERRNO",
					     .default_errno_ret = 1,
					     .arches = {"SCMP_ARCH_X86_64"},
					     .n_arches = 1,
					     .flags = {"SECCOMP_FILTER_FLAG_LOG"},
					     .n_flags = 1,
					     .rules = rules,
					     .n_rules = 2};
	f->in.seccomp_local = &prof;
	json_t *j = build(f, NULL);
	json_t *sec = jpath(jpath(j, "linux", NULL), "seccomp", NULL);
	assert_string_equal(json_string_value(jpath(sec, "defaultAction", NULL)), "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(jpath(sec, "defaultErrnoRet", NULL)), 1);
	assert_true(arr_has(jpath(sec, "architectures", NULL), "SCMP_ARCH_X86_64"));
	assert_true(arr_has(jpath(sec, "flags", NULL), "SECCOMP_FILTER_FLAG_LOG"));
	assert_int_equal(json_array_size(jpath(sec, "syscalls", NULL)), 2);
	json_t *sh = seccomp_rule(sec, "sethostname");
	assert_string_equal(json_string_value(jpath(sh, "action", NULL)), "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(jpath(sh, "errnoRet", NULL)), 99);
	assert_null(jpath(sh, "args", NULL));
	json_t *cl = seccomp_rule(sec, "clone");
	assert_null(jpath(cl, "errnoRet", NULL));
	json_t *a0 = json_array_get(jpath(cl, "args", NULL), 0);
	assert_int_equal(json_integer_value(jpath(a0, "value", NULL)), 2114060288);
	assert_string_equal(json_string_value(jpath(a0, "op", NULL)), "SCMP_CMP_MASKED_EQ");
	json_decref(j);
	f->sc.privileged = true;
	j = build(f, NULL);
	assert_null(jpath(jpath(j, "linux", NULL), "seccomp", NULL));
	json_decref(j);
	f->sc.privileged = false;
	f->in.seccomp_local = NULL;
}

static void
test_seccomp(void **state)
{
	struct fx *f = *state;
	json_t *j = build(f, NULL); /* no profile at all: RuntimeDefault */
	json_t *sec = jpath(jpath(j, "linux", NULL), "seccomp", NULL);
	assert_non_null(sec);
	assert_string_equal(json_string_value(jpath(sec, "defaultAction", NULL)), "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(jpath(sec, "defaultErrnoRet", NULL)), 38);
	assert_true(arr_has(jpath(sec, "architectures", NULL), "SCMP_ARCH_X86_64"));
	json_t *k = seccomp_rule(sec, "keyctl");
	assert_non_null(k);
	assert_string_equal(json_string_value(jpath(k, "action", NULL)), "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(jpath(k, "errnoRet", NULL)), EPERM);
	json_t *rd = seccomp_rule(sec, "read");
	assert_string_equal(json_string_value(jpath(rd, "action", NULL)), "SCMP_ACT_ALLOW");
	/* ptrace is gated on CAP_SYS_PTRACE in the bounding set */
	assert_string_equal(json_string_value(jpath(seccomp_rule(sec, "ptrace"), "action", NULL)),
			    "SCMP_ACT_ERRNO");
	json_decref(j);
	f->caps.add_capabilities = SV("SYS_PTRACE"), f->caps.n_add_capabilities = 1;
	j = build(f, NULL);
	sec = jpath(jpath(j, "linux", NULL), "seccomp", NULL);
	assert_string_equal(json_string_value(jpath(seccomp_rule(sec, "ptrace"), "action", NULL)),
			    "SCMP_ACT_ALLOW");
	json_decref(j);

	/* [policy] seccomp_unset = unconfined: an unset profile gets no filter */
	f->in.seccomp_unset = CONFIG_SECCOMP_UNSET_UNCONFINED;
	j = build(f, NULL);
	assert_null(jpath(jpath(j, "linux", NULL), "seccomp", NULL));
	json_decref(j);
	f->sc.seccomp = &f->seccomp;
	f->seccomp.profile_type = RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__RuntimeDefault;
	j = build(f, NULL); /* ...but an explicit RuntimeDefault still does */
	assert_non_null(jpath(jpath(j, "linux", NULL), "seccomp", NULL));
	json_decref(j);
	f->in.seccomp_unset = CONFIG_SECCOMP_UNSET_RUNTIME_DEFAULT;

	f->seccomp.profile_type = RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__Unconfined;
	j = build(f, NULL);
	assert_null(jpath(jpath(j, "linux", NULL), "seccomp", NULL));
	json_decref(j);
	f->seccomp.profile_type = RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__Localhost;
	f->seccomp.localhost_ref = UNCONST("/etc/crisp/seccomp/x.json");
	/* Localhost without a loaded profile (ctr_seccomp_load failed or was skipped): an
	 * error, never unconfined. */
	build(f, "the Localhost profile was not loaded");
	test_seccomp_localhost(f);
	f->seccomp.profile_type = RUNTIME__V1__SECURITY_PROFILE__PROFILE_TYPE__RuntimeDefault;
	j = build(f, NULL);
	assert_non_null(jpath(jpath(j, "linux", NULL), "seccomp", NULL));
	json_decref(j);
}

/* ---- mounts -------------------------------------------------------------------------------- */

static void
test_default_mounts(void **state)
{
	struct fx *f = *state;
	json_t *j = build(f, NULL);
	const char *dests[] = {
	    "/proc",          "/dev",     "/dev/pts",      "/dev/mqueue", "/sys",
	    "/sys/fs/cgroup", "/dev/shm", "/etc/hostname", "/etc/hosts",  "/etc/resolv.conf"};
	for (size_t i = 0; i < ELEMENTSOF(dests); i++)
		assert_non_null(find_mount(j, dests[i]));
	assert_true(arr_has(jpath(find_mount(j, "/sys"), "options", NULL), "ro"));
	assert_true(arr_has(jpath(find_mount(j, "/sys/fs/cgroup"), "options", NULL), "ro"));
	assert_string_equal(json_string_value(jpath(find_mount(j, "/dev/shm"), "source", NULL)),
			    "/run/crisp/pods/p/shm");
	assert_true(arr_has(jpath(find_mount(j, "/etc/hosts"), "options", NULL), "rw"));
	char want[256];
	snprintf(want, sizeof(want), "%s/resolv.conf", f->rundir);
	assert_string_equal(
	    json_string_value(jpath(find_mount(j, "/etc/resolv.conf"), "source", NULL)), want);
	/* namespaces: the pod's by path, a new pid and mount namespace, no hostname */
	json_t *ns = jpath(jpath(j, "linux", NULL), "namespaces", NULL);
	assert_int_equal(json_array_size(ns), 5);
	assert_null(jpath(j, "hostname", NULL));
	assert_string_equal(json_string_value(jpath(jpath(j, "linux", NULL), "cgroupsPath", NULL)),
			    "/crisp/pod/ctr");
	assert_false(json_is_true(jpath(jpath(j, "root", NULL), "readonly", NULL)));
	json_decref(j);

	/* host namespaces, host /dev/shm, read-only rootfs makes the pod files ro */
	f->in.netns = f->in.ipcns = f->in.utsns = NULL, f->in.shm_path = NULL,
	f->in.pid_host = true;
	f->sc.readonly_rootfs = true;
	j = build(f, NULL);
	assert_int_equal(json_array_size(jpath(jpath(j, "linux", NULL), "namespaces", NULL)), 1);
	assert_string_equal(json_string_value(jpath(find_mount(j, "/dev/shm"), "source", NULL)),
			    "/dev/shm");
	assert_true(arr_has(jpath(find_mount(j, "/etc/hosts"), "options", NULL), "ro"));
	assert_true(json_is_true(jpath(jpath(j, "root", NULL), "readonly", NULL)));
	json_decref(j);
}

struct mount_case {
	const char *dest, *host;
	int prop;
	bool privileged;
	const char *err; /* NULL = accepted */
};

static void
test_cri_mounts(void **state)
{
	struct fx *f = *state;
	snprintf(f->path, sizeof(f->path), "%s/link", f->tmp);
	assert_int_equal(symlink("/etc/shadow", f->path), 0);
	char dangling[160], dir[160];
	snprintf(dangling, sizeof(dangling), "%s/dangling", f->tmp);
	assert_int_equal(symlink("/nonexistent/x", dangling), 0);
	snprintf(dir, sizeof(dir), "%s/data", f->tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	const struct mount_case cases[] = {
	    {"/data", dir, 0, false, NULL},
	    {"/proc/sys", dir, 0, false, "/proc"},
	    {"/proc", dir, 0, true, "/proc"},
	    {"../etc", dir, 0, false, "mounts"},
	    {"relative", dir, 0, false, "mounts"},
	    {"/a/../etc", dir, 0, false, "mounts"},
	    {"/a\nb", dir, 0, false, "mounts"},
	    {"/", dir, 0, false, "mounts"},
	    {"/sys/kernel", dir, 0, false, "mounts"},
	    {"/sys/kernel", dir, 0, true, NULL},
	    {"/data", "relative/host", 0, false, "not absolute"},
	    {"/data", "/nonexistent/crisp", 0, false, "does not resolve"},
	    {"/data", dangling, 0, false, "does not resolve"},
	    {"/data", dir, RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_BIDIRECTIONAL, false,
	     "privileged"},
	    {"/data", dir, 7, false, "propagation"},
	};
	f->cfg.n_mounts = 1;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		print_message("mount %zu: %s\n", i, cases[i].dest);
		f->m[0].container_path = UNCONST(cases[i].dest);
		f->m[0].host_path = UNCONST(cases[i].host);
		f->m[0].propagation = (Runtime__V1__MountPropagation)cases[i].prop;
		f->sc.privileged = cases[i].privileged;
		json_decref(build(f, cases[i].err));
	}
	f->sc.privileged = false;

	/* ro, propagation, the symlink resolved once (the spec names its target), ordering */
	f->cfg.n_mounts = 4;
	f->m[0] = (Runtime__V1__Mount)RUNTIME__V1__MOUNT__INIT;
	f->m[0].container_path = UNCONST("/data/sub"), f->m[0].host_path = dir;
	f->m[0].readonly = 1;
	f->m[1].container_path = UNCONST("/data"), f->m[1].host_path = dir;
	f->m[1].propagation = RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_HOST_TO_CONTAINER;
	f->m[2].container_path = UNCONST("/shadow"), f->m[2].host_path = f->path;
	f->m[3].container_path = UNCONST("/etc/hosts"), f->m[3].host_path = dir;
	json_t *j = build(f, NULL);
	json_t *sub = find_mount(j, "/data/sub"), *data = find_mount(j, "/data");
	assert_true(arr_has(jpath(sub, "options", NULL), "ro"));
	assert_true(arr_has(jpath(sub, "options", NULL), "rprivate"));
	assert_true(arr_has(jpath(data, "options", NULL), "rw"));
	assert_true(arr_has(jpath(data, "options", NULL), "rslave"));
	assert_string_equal(json_string_value(jpath(find_mount(j, "/shadow"), "source", NULL)),
			    "/etc/shadow");
	assert_string_equal(
	    json_string_value(jpath(jpath(j, "linux", NULL), "rootfsPropagation", NULL)), "rslave");
	/* the CRI /etc/hosts replaces the pod's */
	assert_string_equal(json_string_value(jpath(find_mount(j, "/etc/hosts"), "source", NULL)),
			    dir);
	size_t i_data = 0, i_sub = 0, i;
	json_t *v;
	json_array_foreach (jpath(j, "mounts", NULL), i, v) {
		if (v == data)
			i_data = i;
		if (v == sub)
			i_sub = i;
	}
	assert_true(i_data < i_sub);
	json_decref(j);
	/* a CRI mount of /etc: the pod's files are not mounted into the host directory */
	f->cfg.n_mounts = 1;
	f->m[0].container_path = UNCONST("/etc"), f->m[0].readonly = 0;
	j = build(f, NULL);
	assert_null(find_mount(j, "/etc/hosts"));
	assert_null(find_mount(j, "/etc/resolv.conf"));
	json_decref(j);
	f->cfg.n_mounts = 4;
	f->m[0].container_path = UNCONST("/data/sub"), f->m[0].readonly = 1;
	/* the same destination twice */
	f->m[3].container_path = UNCONST("/data/");
	build(f, "twice");
	/* bidirectional for privileged: rshared */
	f->cfg.n_mounts = 1;
	f->sc.privileged = true;
	f->m[0].propagation = RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_BIDIRECTIONAL;
	j = build(f, NULL);
	assert_string_equal(
	    json_string_value(jpath(jpath(j, "linux", NULL), "rootfsPropagation", NULL)),
	    "rshared");
	json_decref(j);
	f->sc.privileged = false;
	f->m[0].propagation = 0, f->m[0].recursive_read_only = 1;
	build(f, "recursive_read_only");
}

static void
test_volumes(void **state)
{
	struct fx *f = *state;
	f->in.uid = 1234, f->in.gid = 4321;
	f->img.volumes = SV("/data", "/var/lib/db/", "/data"), f->img.n_volumes = 3;
	json_t *j = build(f, NULL);
	json_t *m = find_mount(j, "/data");
	assert_non_null(m);
	const char *src = json_string_value(jpath(m, "source", NULL));
	assert_int_equal(strncmp(src, f->voldir, strlen(f->voldir)), 0);
	assert_null(strchr(src + strlen(f->voldir) + 1, '/'));
	struct stat st;
	assert_int_equal(lstat(src, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_uid, 1234);
	assert_non_null(find_mount(j, "/var/lib/db"));
	json_decref(j);

	/* a CRI mount over (a parent of) the volume wins */
	char dir[160];
	snprintf(dir, sizeof(dir), "%s/crimnt", f->tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	f->cfg.n_mounts = 1;
	f->m[0].container_path = UNCONST("/var/lib"), f->m[0].host_path = dir;
	j = build(f, NULL);
	assert_null(find_mount(j, "/var/lib/db"));
	assert_non_null(find_mount(j, "/data"));
	json_decref(j);
	f->cfg.n_mounts = 0;

	/* hostile VOLUMEs: refused, and nothing created outside volume_dir */
	char **hostile = SV("/../../etc", "../x", "relative", "/proc/x", "/sys/x", "/a/./b");
	for (size_t i = 0; hostile[i]; i++) {
		f->img.volumes = &hostile[i], f->img.n_volumes = 1;
		build(f, "image volume");
	}
	/* volume_dir itself a symlink: refused (O_NOFOLLOW) */
	char ln[160];
	snprintf(ln, sizeof(ln), "%s/vlink", f->tmp);
	assert_int_equal(symlink(dir, ln), 0);
	f->in.volume_dir = ln;
	f->img.volumes = SV("/data"), f->img.n_volumes = 1;
	build_neg(f, "image volumes");
	/* a planted symlink in place of a volume dir: refused */
	f->in.volume_dir = f->voldir;
	char vol0[200];
	snprintf(vol0, sizeof(vol0), "%s/vol-0", f->voldir);
	assert_int_equal(remove(vol0), 0);
	assert_int_equal(symlink("/etc", vol0), 0);
	build_neg(f, "image volume");
	assert_int_equal(lstat("/etc", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

/* ---- devices and resources ---------------------------------------------------------------- */

static void
test_devices(void **state)
{
	struct fx *f = *state;
	f->cfg.n_devices = 1;
	f->dev[0].container_path = UNCONST("/dev/mynull");
	f->dev[0].host_path = UNCONST("/dev/null");
	f->dev[0].permissions = UNCONST("wr");
	json_t *j = build(f, NULL);
	json_t *lin = jpath(j, "linux", NULL);
	json_t *d = json_array_get(jpath(lin, "devices", NULL), 0);
	assert_string_equal(json_string_value(jpath(d, "path", NULL)), "/dev/mynull");
	assert_int_equal(json_integer_value(jpath(d, "major", NULL)), 1);
	assert_int_equal(json_integer_value(jpath(d, "minor", NULL)), 3);
	json_t *rules = jpath(jpath(lin, "resources", NULL), "devices", NULL);
	json_t *r0 = json_array_get(rules, 0),
	       *rl = json_array_get(rules, json_array_size(rules) - 1);
	assert_false(json_is_true(jpath(r0, "allow", NULL))); /* deny all first */
	assert_true(json_is_true(jpath(rl, "allow", NULL)));
	assert_string_equal(json_string_value(jpath(rl, "access", NULL)), "rw");
	json_decref(j);
	f->dev[0].permissions = UNCONST("rwx");
	build(f, "devices");
	f->dev[0].permissions = UNCONST("r");
	f->dev[0].host_path = UNCONST("/etc/passwd");
	build(f, "not a device");
	f->dev[0].host_path = UNCONST("/dev/null");
	f->dev[0].container_path = UNCONST("/proc/x");
	build(f, "devices");
}

static void
test_resources(void **state)
{
	struct fx *f = *state;
	f->res.cpu_shares = 512, f->res.cpu_quota = 50000, f->res.cpu_period = 100000;
	f->res.cpuset_cpus = UNCONST("0-1,3"), f->res.memory_limit_in_bytes = 64 << 20;
	Runtime__V1__HugepageLimit h = RUNTIME__V1__HUGEPAGE_LIMIT__INIT, *hp[] = {&h};
	h.page_size = UNCONST("2MB"), h.limit = 1 << 22;
	f->res.hugepage_limits = hp, f->res.n_hugepage_limits = 1;
	json_t *j = build(f, NULL);
	json_t *res = jpath(jpath(j, "linux", NULL), "resources", NULL);
	assert_int_equal(json_integer_value(jpath(jpath(res, "cpu", NULL), "shares", NULL)), 512);
	assert_int_equal(json_integer_value(jpath(jpath(res, "cpu", NULL), "quota", NULL)), 50000);
	assert_string_equal(json_string_value(jpath(jpath(res, "cpu", NULL), "cpus", NULL)),
			    "0-1,3");
	assert_int_equal(json_integer_value(jpath(jpath(res, "memory", NULL), "limit", NULL)),
			 64 << 20);
	struct stat st;
	if (stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", &st) == 0)
		assert_int_equal(
		    json_integer_value(jpath(jpath(res, "memory", NULL), "swap", NULL)), 64 << 20);
	assert_int_equal(json_array_size(jpath(res, "hugepageLimits", NULL)), 1);
	json_decref(j);
	f->res.cpuset_cpus = UNCONST("0\n1");
	build(f, "cpuset_cpus");
	f->res.cpuset_cpus = NULL;
	h.page_size = UNCONST("2MB\n");
	build(f, "hugepage");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_args, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_env, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_cwd_user, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_caps, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_nnp, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_oom, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_image, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_masked, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_seccomp, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_default_mounts, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_cri_mounts, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_volumes, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_devices, fx_setup, fx_teardown),
	    cmocka_unit_test_setup_teardown(test_resources, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests_name("ctr_spec", tests, NULL, NULL);
}
