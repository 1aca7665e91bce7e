/* SPDX-License-Identifier: Apache-2.0 */
/* The config.json of daemon/containers/ctr_spec.c loads and runs in the real runc: a busybox-static
 * rootfs in a temporary bundle, `runc run` to completion, and the container's own view of
 * itself (CapEff/CapBnd/NoNewPrivs/Seccomp, masked /proc/kcore, env, read-only rootfs, image
 * volume, privileged). Host network/IPC/UTS, a new PID and mount namespace.
 * runs in: test (needs root, runc and /bin/busybox from busybox-static). */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/containers/ctr_spec.h"
#include "parsers/base/macro.h"

/* protobuf-c's *__INIT macros cast away const and name deprecated CRI fields. */
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define SV(...) ((char **)(uintptr_t)(const char *const[]){__VA_ARGS__, NULL})

struct env {
	char tmp[64];
	char bundle[128], rootfs[160], run[128], vol[128], state[128];
};

static int
rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void
write_file(const char *dir, const char *name, const char *data, size_t len, mode_t mode)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
copy_busybox(const char *rootfs)
{
	int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		fail_msg("/bin/busybox is missing (make deps installs busybox-static)");
	struct stat st;
	assert_int_equal(fstat(in, &st), 0);
	char *buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(read(in, buf, (size_t)st.st_size), st.st_size);
	(void)close(in);
	char bin[256];
	snprintf(bin, sizeof(bin), "%s/bin", rootfs);
	assert_int_equal(mkdir(bin, 0755), 0);
	write_file(bin, "busybox", buf, (size_t)st.st_size, 0755);
	free(buf);
	const char *links[] = {"sh", "cat", "grep", "wc", "echo", "id", "touch", "ls"};
	for (size_t i = 0; i < ELEMENTSOF(links); i++) {
		char l[300];
		snprintf(l, sizeof(l), "%s/%s", bin, links[i]);
		assert_int_equal(symlink("busybox", l), 0);
	}
}

static int
env_setup(void **state)
{
	if (geteuid() != 0) {
		print_message("runc tests need root\n");
		return -1;
	}
	struct env *e = calloc(1, sizeof(*e));
	assert_non_null(e);
	snprintf(e->tmp, sizeof(e->tmp), "/tmp/crisp-runc-XXXXXX");
	assert_non_null(mkdtemp(e->tmp));
	snprintf(e->bundle, sizeof(e->bundle), "%s/bundle", e->tmp);
	snprintf(e->rootfs, sizeof(e->rootfs), "%s/rootfs", e->bundle);
	snprintf(e->run, sizeof(e->run), "%s/run", e->tmp);
	snprintf(e->vol, sizeof(e->vol), "%s/vol", e->tmp);
	snprintf(e->state, sizeof(e->state), "%s/state", e->tmp);
	assert_int_equal(mkdir(e->bundle, 0700), 0);
	assert_int_equal(mkdir(e->rootfs, 0755), 0);
	assert_int_equal(mkdir(e->run, 0755), 0);
	copy_busybox(e->rootfs);
	const char *dirs[] = {"proc", "dev", "sys", "etc", "tmp"};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		char d[300];
		snprintf(d, sizeof(d), "%s/%s", e->rootfs, dirs[i]);
		assert_int_equal(mkdir(d, 0755), 0);
	}
	write_file(e->run, "hostname", "spec-test\n", 10, 0644);
	write_file(e->run, "hosts", "127.0.0.1 localhost\n", 20, 0644);
	write_file(e->run, "resolv.conf", "nameserver 127.0.0.1\n", 21, 0644);
	*state = e;
	return 0;
}

static int
env_teardown(void **state)
{
	struct env *e = *state;
	(void)nftw(e->tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(e);
	return 0;
}

/* "CapBnd:\t<hex>" of this process: what the daemon would pass as host_caps. */
static uint64_t
self_status_hex(const char *key)
{
	FILE *f = fopen("/proc/self/status", "re");
	assert_non_null(f);
	char line[256];
	uint64_t v = 0;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0)
			v = strtoull(line + kl, NULL, 16);
	(void)fclose(f);
	return v;
}

static int
self_oom_adj(void)
{
	FILE *f = fopen("/proc/self/oom_score_adj", "re");
	assert_non_null(f);
	char buf[32] = "", *end = NULL;
	assert_non_null(fgets(buf, sizeof(buf), f));
	(void)fclose(f);
	long v = strtol(buf, &end, 10);
	assert_true(end != buf && v >= -1000 && v <= 1000);
	return (int)v;
}

/* Run `runc run` on the bundle; returns the output (stdout+stderr) and the exit status. */
static char *
runc_run(struct env *e, const char *id, int *ret_status)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)dup2(p[1], 1);
		(void)dup2(p[1], 2);
		int null = open("/dev/null", O_RDONLY);
		(void)dup2(null, 0);
		execlp("timeout", "timeout", "60", "runc", "--root", e->state, "run", "--bundle",
		       e->bundle, id, (char *)NULL);
		_exit(127);
	}
	(void)close(p[1]);
	size_t cap = 65536, n = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	ssize_t r;
	while ((r = read(p[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	(void)close(p[0]);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return out;
}

struct run_case {
	const char *id;
	uint32_t uid;
	bool privileged, readonly;
	bool request_nnp;    /* the CRI no_new_privs field */
	enum config_nnp nnp; /* [policy] no_new_privileges */
	char **volumes;
	const char *script;
	const char *const *want; /* lines that must appear */
};

static void
run_case(struct env *e, const struct run_case *rc)
{
	Runtime__V1__ContainerConfig cfg = RUNTIME__V1__CONTAINER_CONFIG__INIT;
	Runtime__V1__LinuxContainerConfig lc = RUNTIME__V1__LINUX_CONTAINER_CONFIG__INIT;
	Runtime__V1__LinuxContainerSecurityContext sc =
	    RUNTIME__V1__LINUX_CONTAINER_SECURITY_CONTEXT__INIT;
	Runtime__V1__PodSandboxConfig pod = RUNTIME__V1__POD_SANDBOX_CONFIG__INIT;
	Crisp__State__ImageConfig img = CRISP__STATE__IMAGE_CONFIG__INIT;
	cfg.linux = &lc, lc.security_context = &sc;
	sc.privileged = rc->privileged, sc.readonly_rootfs = rc->readonly;
	sc.no_new_privs = rc->request_nnp;
	cfg.command = SV("/bin/sh", "-c", rc->script), cfg.n_command = 3;
	img.os = UNCONST("linux");
	img.env = SV("FOO=from image", "PATH=/bin"), img.n_env = 2;
	img.volumes = rc->volumes;
	for (img.n_volumes = 0; rc->volumes && rc->volumes[img.n_volumes];)
		img.n_volumes++;
	char cg[128];
	snprintf(cg, sizeof(cg), "/crisp-spec-test/%s-%d", rc->id, (int)getpid());
	struct ctr_spec_in in = {
	    .cfg = &cfg,
	    .pod = &pod,
	    .image = &img,
	    .rootfs = e->rootfs,
	    .uid = rc->uid,
	    .gid = rc->uid,
	    .home = "/",
	    .pod_run_dir = e->run,
	    .volume_dir = e->vol,
	    .cgroups_path = cg,
	    .min_oom_score_adj = self_oom_adj(),
	    .nnp = rc->nnp,
	    .host_caps = self_status_hex("CapBnd:"),
	};
	char *json = NULL, err[512] = "";
	bool clamped = false;
	int r = ctr_spec_build(&in, &json, &clamped, err, sizeof(err));
	if (r < 0)
		fail_msg("ctr_spec_build: %d %s", r, err);
	write_file(e->bundle, "config.json", json, strlen(json), 0600);
	free(json);
	int status = -1;
	char *out = runc_run(e, rc->id, &status);
	print_message("--- %s (exit %d)\n%s", rc->id, status, out);
	assert_int_equal(status, 0);
	for (size_t i = 0; rc->want[i]; i++)
		if (!strstr(out, rc->want[i]))
			fail_msg("%s: \"%s\" missing from the output", rc->id, rc->want[i]);
	free(out);
}

#define PROBE                                                                                      \
	"grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status; "  \
	"echo uid=$(id -u); echo foo=$FOO; echo home=$HOME; "                                      \
	"touch /probe 2>/dev/null && echo rootfs=rw || echo rootfs=ro; "

static void
test_runc_root(void **state)
{
	const struct run_case rc = {
	    .id = "crisp-spec-root",
	    .nnp = CONFIG_NNP_ALWAYS, /* no_new_privs from the node's policy, not the request */
	    /* /proc/kcore may be absent (this CI kernel has none): masked means "0 bytes or
	     * missing"; /proc/interrupts always exists and is never empty unmasked (see the
	     * privileged case). */
	    .script = PROBE "echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c); "
			    "echo interrupts=$(cat /proc/interrupts | wc -c); "
			    "echo x > /proc/sys/kernel/hostname 2>/dev/null || echo procsys=ro",
	    .want = (const char *const[]){"CapEff:\t00000000000005fb", "CapBnd:\t00000000000005fb",
					  "CapInh:\t0000000000000000", "CapAmb:\t0000000000000000",
					  "NoNewPrivs:\t1", "Seccomp:\t2", "uid=0",
					  "foo=from image", "home=/", "rootfs=rw", "kcore=0",
					  "interrupts=0", "procsys=ro", NULL},
	};
	run_case(*state, &rc);
}

static void
test_runc_nonroot(void **state)
{
	const struct run_case rc = {
	    .id = "crisp-spec-user",
	    .uid = 1000,
	    .readonly = true,
	    .request_nnp = true,
	    .volumes = SV("/data"),
	    .script = PROBE "touch /data/x && echo volume=rw",
	    .want =
		(const char *const[]){"CapEff:\t0000000000000000", "CapPrm:\t0000000000000000",
				      "CapBnd:\t00000000000005fb", "NoNewPrivs:\t1", "Seccomp:\t2",
				      "uid=1000", "rootfs=ro", "volume=rw", NULL},
	};
	run_case(*state, &rc);
}

static void
test_runc_privileged(void **state)
{
	char eff[64];
	snprintf(eff, sizeof(eff), "CapEff:\t%016llx",
		 (unsigned long long)self_status_hex("CapBnd:"));
	const struct run_case rc = {
	    .id = "crisp-spec-priv",
	    .privileged = true,
	    .script = PROBE "ls /dev/null >/dev/null && echo devnull=ok; "
			    "[ $(cat /proc/interrupts | wc -c) -gt 0 ] && echo interrupts=unmasked",
	    .want = (const char *const[]){eff, "NoNewPrivs:\t0", "Seccomp:\t0", "rootfs=rw",
					  "devnull=ok", "interrupts=unmasked", NULL},
	};
	run_case(*state, &rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_runc_root, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_runc_nonroot, env_setup, env_teardown),
	    cmocka_unit_test_setup_teardown(test_runc_privileged, env_setup, env_teardown),
	};
	return cmocka_run_group_tests_name("ctr_spec_runc", tests, NULL, NULL);
}
