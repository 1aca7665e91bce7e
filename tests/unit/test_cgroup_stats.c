/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/stats/: the pure cgroup v1/v2 and /proc/net/dev readers on fixture
 * trees of both hierarchies (tests/data/cgroup/), hostile and truncated contents, cgroup path
 * expansion for both drivers, the bounded layer walk and the stats cache.
 * runs in: tests. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/stats/cgroup_stats.h"
#include "daemon/stats/stats_cache.h"
#include "daemon/stats/stats_read.h"

#define DATA "tests/data/cgroup"
#define T(s) ((struct cgs_text){(s), sizeof(s) - 1})

static void
test_v1_tree(void **state)
{
	(void)state;
	struct stats_cg s;
	assert_int_equal(stats_cg_read(DATA "/v1", 0, "/crisp/crisp-0123", &s), 0);
	assert_true(s.have_cpu && s.have_mem && s.have_pids);
	assert_int_equal(s.cpu_ns, 1234567890u);
	assert_int_equal(s.mem.usage, 52428800u);
	assert_int_equal(s.mem.working_set, 52428800u - 10485760u); /* total_inactive_file */
	assert_int_equal(s.mem.rss, 31457280u); /* total_rss, not rss nor total_rss_huge */
	assert_int_equal(s.mem.pgfault, 4321u);
	assert_int_equal(s.mem.pgmajfault, 12u);
	assert_false(s.mem.limited); /* PAGE_COUNTER_MAX is no limit */
	assert_int_equal(s.pids, 7u);

	assert_int_equal(stats_cg_read(DATA "/v1", 0, "/crisp/crisp-limited", &s), 0);
	assert_true(s.have_cpu && s.have_mem && !s.have_pids);
	assert_true(s.mem.limited);
	assert_int_equal(s.mem.limit, 67108864u);
	assert_int_equal(s.mem.working_set, 60000000u - 4096u);
	assert_int_equal(stats_cg_read(DATA "/v1", 0, "/crisp/gone", &s), -ENOENT);
}

static void
test_v2_tree(void **state)
{
	(void)state;
	struct stats_cg s;
	assert_int_equal(stats_cg_read(DATA "/v2", 1, "/crisp/crisp-0123", &s), 0);
	assert_true(s.have_cpu && s.have_mem && s.have_pids);
	assert_int_equal(s.cpu_ns, 1234567000u); /* usage_usec * 1000 */
	assert_int_equal(s.mem.usage, 52428800u);
	assert_int_equal(s.mem.working_set, 52428800u - 10485760u);
	assert_int_equal(s.mem.rss, 31457280u); /* anon */
	assert_int_equal(s.mem.pgfault, 4321u);
	assert_int_equal(s.mem.pgmajfault, 12u);
	assert_false(s.mem.limited); /* "max" */
	assert_int_equal(s.pids, 3u);

	assert_int_equal(stats_cg_read(DATA "/v2", 1, "/crisp/crisp-limited", &s), 0);
	assert_true(s.mem.limited);
	assert_int_equal(s.mem.limit, 67108864u);
	assert_int_equal(s.mem.working_set, 0); /* inactive_file above usage: clamped, no wrap */
	assert_int_equal(stats_cg_read(DATA "/v2", 1, "/crisp/gone", &s), -ENOENT);
	/* The v1 tree read as v2 (and the reverse) finds nothing. */
	assert_int_equal(stats_cg_read(DATA "/v1", 1, "/crisp/crisp-0123", &s), -ENOENT);
	assert_int_equal(stats_cg_read(DATA "/v2", 0, "/crisp/crisp-0123", &s), -ENOENT);
}

static void
test_single_and_flat(void **state)
{
	(void)state;
	uint64_t v = 99;
	assert_int_equal(cgs_single(T("42\n"), &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cgs_single(T("42"), &v), 0);
	assert_int_equal(cgs_single(T("max\n"), &v), 0);
	assert_true(v == UINT64_MAX);
	static const struct cgs_text bad[] = {T(""),      T("\n"),        T("-1\n"), T("12a\n"),
					      T("1 2\n"), T("maximum\n"), T(" 5\n")};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cgs_single(bad[i], &v), -EINVAL);
	assert_int_equal(cgs_single(T("18446744073709551616\n"), &v), -ERANGE);

	struct cgs_text f = T("total_rss_huge 5\ntotal_rss 7\nrss 9\ntotal_x abc\ntotal_y");
	assert_int_equal(cgs_flat_get(f, "total_rss", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cgs_flat_get(f, "rss", &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(cgs_flat_get(f, "total_x", &v), -EINVAL);
	assert_int_equal(cgs_flat_get(f, "total_y", &v), -ENOENT); /* no value: not a match */
	assert_int_equal(cgs_flat_get(f, "total", &v), -ENOENT);
	assert_int_equal(cgs_flat_get(T("a 1 2\n"), "a", &v), -EINVAL);
	assert_int_equal(cgs_cpu_v2(T("usage_usec 18446744073709552\n"), &v), -ERANGE);
	/* A memory.stat without a needed key is not a reading. */
	struct cgs_mem m;
	assert_int_equal(
	    cgs_mem_v2(T("5\n"), T("anon 1\npgfault 2\npgmajfault 3\n"), T("max\n"), &m), -ENOENT);
	/* v1: a limit file that is absent or garbage means "not limited". */
	assert_int_equal(cgs_mem_v1(T("5\n"),
				    T("total_inactive_file 1\ntotal_rss 1\ntotal_pgfault 1\n"
				      "total_pgmajfault 1\n"),
				    T("x"), &m),
			 0);
	assert_false(m.limited);
	assert_int_equal(m.working_set, 4);
}

static void
test_netdev(void **state)
{
	(void)state;
	char buf[4096];
	FILE *f = fopen(DATA "/netdev/dev", "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct cgs_netif v[8];
	size_t k = 0;
	assert_int_equal(cgs_netdev_parse((struct cgs_text){buf, n}, v, 8, &k), 0);
	assert_int_equal(k, 3); /* lo, eth0, x\y; the 16-byte name and the short line are skipped */
	assert_string_equal(v[0].name, "lo");
	assert_string_equal(v[1].name, "eth0");
	assert_int_equal(v[1].rx_bytes, 9876543u);
	assert_int_equal(v[1].rx_errors, 2);
	assert_int_equal(v[1].tx_bytes, 123456u);
	assert_int_equal(v[1].tx_errors, 1);
	assert_string_equal(v[2].name, "x\\x5cy");
	assert_int_equal(cgs_netdev_parse((struct cgs_text){buf, n}, v, 1, &k), 0);
	assert_int_equal(k, 1);
	/* Names are data: control and high bytes come out escaped. */
	static const char odd[] = "h1\nh2\n a\x01\xff\x1b: 1 0 0 0 0 0 0 0 2 0 0 0 0 0 0 0\n";
	assert_int_equal(cgs_netdev_parse(T(odd), v, 8, &k), 0);
	assert_int_equal(k, 1);
	assert_string_equal(v[0].name, "a\\x01\\xff\\x1b");
	assert_int_equal(cgs_netdev_parse(T("only one line"), v, 8, &k), -EINVAL);
	assert_int_equal(cgs_netdev_parse(T("h1\nh2\n"), v, 8, &k), 0);
	assert_int_equal(k, 0);
}

static void
test_dir_of(void **state)
{
	(void)state;
	char b[256];
	assert_int_equal(cgs_dir_of("/crisp/crisp-ab", 0, b, sizeof(b)), 0);
	assert_string_equal(b, "/crisp/crisp-ab");
	assert_int_equal(cgs_dir_of("kubepods-burstable-pod1.slice:crisp:ab", 1, b, sizeof(b)), 0);
	assert_string_equal(b, "/kubepods.slice/kubepods-burstable.slice/"
			       "kubepods-burstable-pod1.slice/crisp-ab.scope");
	assert_int_equal(cgs_dir_of("system.slice:crisp:ab", 1, b, sizeof(b)), 0);
	assert_string_equal(b, "/system.slice/crisp-ab.scope");
	assert_int_equal(cgs_dir_of("-.slice:crisp:ab", 1, b, sizeof(b)), 0);
	assert_string_equal(b, "/crisp-ab.scope");
	assert_int_equal(cgs_dir_of("kubepods-besteffort.slice", 1, b, sizeof(b)), 0);
	assert_string_equal(b, "/kubepods.slice/kubepods-besteffort.slice");
	assert_int_equal(cgs_dir_of("-.slice", 1, b, sizeof(b)), 0);
	assert_string_equal(b, "/");
	static const char *const bad_fs[] = {"crisp/x", "/a/../b", "/a\nb", ""};
	for (size_t i = 0; i < sizeof(bad_fs) / sizeof(bad_fs[0]); i++)
		assert_int_equal(cgs_dir_of(bad_fs[i], 0, b, sizeof(b)), -EINVAL);
	static const char *const bad_sd[] = {"a--b.slice:c:d", "noslice:c:d",  "a.slice:c",
					     "a.slice:c:d:e",  "/a.slice:c:d", "-a.slice:c:d",
					     ".slice:c:d"};
	for (size_t i = 0; i < sizeof(bad_sd) / sizeof(bad_sd[0]); i++)
		assert_int_equal(cgs_dir_of(bad_sd[i], 1, b, sizeof(b)), -EINVAL);
	assert_int_equal(cgs_dir_of("/crisp/crisp-ab", 0, b, 8), -ENAMETOOLONG);
	assert_int_equal(cgs_dir_of("a-b-c.slice:crisp:ab", 1, b, 12), -ENAMETOOLONG);
}

static void
write_file(const char *dir, const char *name, size_t bytes)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	char blk[4096];
	memset(blk, 'x', sizeof(blk));
	for (size_t w = 0; w < bytes; w += sizeof(blk))
		assert_true(write(fd, blk, sizeof(blk)) == (ssize_t)sizeof(blk));
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static void
test_layer_walk_and_cache(void **state)
{
	(void)state;
	char dir[] = "/tmp/crisp-layer-XXXXXX", sub[64];
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(dir, "a", 64 * 1024);
	write_file(sub, "b", 128 * 1024);
	char lnk[96];
	snprintf(lnk, sizeof(lnk), "%s/l", dir);
	assert_int_equal(symlink("/", lnk), 0); /* not followed */
	uint64_t b, i, b2, i2;
	int64_t ts;
	assert_int_equal(stats_layer_walk(dir, &b, &i), 0);
	assert_int_equal(i, 5); /* dir, a, d, d/b, l */
	assert_true(b >= 192 * 1024 && b < 1024 * 1024);
	assert_int_equal(stats_layer_walk("/nonexistent/x", &b, &i), -ENOENT);

	const int64_t t0 = 1000000000000;
	assert_int_equal(stats_cache_layer("ctr-1", dir, t0, &b, &i, &ts), 0);
	assert_int_equal(i, 5);
	write_file(dir, "c", 256 * 1024);
	/* Within the refresh period: the cached walk, with its own timestamp. */
	assert_int_equal(stats_cache_layer("ctr-1", dir, t0 + 5000000000, &b2, &i2, &ts), 0);
	assert_int_equal(i2, 5);
	assert_true(b2 == b && ts == t0);
	/* After it: a new walk. */
	assert_int_equal(stats_cache_layer("ctr-1", dir, t0 + 10000000000, &b2, &i2, &ts), 0);
	assert_int_equal(i2, 6);
	assert_true(b2 >= b + 256 * 1024 && ts == t0 + 10000000000);
	static const char *const files[] = {"a", "c", "l", "d/b"};
	char p[128];
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[k]);
		assert_int_equal(unlink(p), 0);
	}
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_cpu_rate(void **state)
{
	(void)state;
	uint64_t nc = 7;
	const int64_t t0 = 5000000000;
	assert_int_equal(stats_cache_cpu("c1", 1000, t0, &nc), -ENOENT);
	assert_int_equal(nc, 7);
	/* half a core over one second */
	assert_int_equal(stats_cache_cpu("c1", 1000 + 500000000, t0 + 1000000000, &nc), 0);
	assert_int_equal(nc, 500000000);
	assert_int_equal(stats_cache_cpu("c2", 10, t0, &nc), -ENOENT); /* keys are separate */
	/* A counter that went back (a restarted cgroup) or no time passed: no rate. */
	assert_int_equal(stats_cache_cpu("c1", 10, t0 + 2000000000, &nc), -ENOENT);
	assert_int_equal(stats_cache_cpu("c1", 20, t0 + 2000000000, &nc), -ENOENT);
	/* Many keys: the table stays bounded and keeps working (LRU eviction). */
	char key[32];
	for (unsigned k = 0; k < 2 * STATS_CACHE_MAX; k++) {
		snprintf(key, sizeof(key), "k%u", k);
		(void)stats_cache_cpu(key, k, t0 + (int64_t)k, &nc);
	}
	assert_int_equal(stats_cache_cpu("k8191", 8191 + 1000000000, t0 + 8191 + 1000000000, &nc),
			 0);
	assert_int_equal(nc, 1000000000);
	assert_int_equal(stats_cache_cpu("k0", 1, t0 + 3000000000, &nc), -ENOENT); /* evicted */
}

/* The real kernel file of this process's netns, through /proc/<pid> and through setns. */
static void
test_netdev_read_live(void **state)
{
	(void)state;
	/* A pinned netns as crisp makes one: a bind mount of the nsfs file (the path is opened
	 * O_NOFOLLOW, so /proc/self/ns/net itself, a magic link, is refused). */
	char pin[] = "/tmp/crisp-netns-XXXXXX";
	int pfd = mkstemp(pin);
	assert_true(pfd >= 0);
	close(pfd);
	if (mount("/proc/self/ns/net", pin, NULL, MS_BIND, NULL) < 0) {
		unlink(pin);
		skip(); /* not root */
	}
	struct cgs_netif v[STATS_MAX_IFACES];
	size_t n = 0;
	assert_int_equal(stats_netdev_read("/proc/self/ns/net", 0, v, STATS_MAX_IFACES, &n),
			 -ELOOP);
	const int pids[] = {getpid(), 0, 0x3fffffff /* no such process: the setns way */};
	for (size_t k = 0; k < sizeof(pids) / sizeof(pids[0]); k++) {
		assert_int_equal(stats_netdev_read(pin, pids[k], v, STATS_MAX_IFACES, &n), 0);
		int lo = 0;
		for (size_t i = 0; i < n; i++)
			lo |= strcmp(v[i].name, "lo") == 0;
		assert_true(lo);
	}
	assert_int_equal(stats_netdev_read("/nonexistent", 0, v, STATS_MAX_IFACES, &n), -ENOENT);
	assert_int_equal(umount2(pin, MNT_DETACH), 0);
	unlink(pin);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v1_tree),         cmocka_unit_test(test_v2_tree),
	    cmocka_unit_test(test_single_and_flat), cmocka_unit_test(test_netdev),
	    cmocka_unit_test(test_dir_of),          cmocka_unit_test(test_layer_walk_and_cache),
	    cmocka_unit_test(test_cpu_rate),        cmocka_unit_test(test_netdev_read_live),
	};
	return cmocka_run_group_tests_name("cgroup_stats", tests, NULL, NULL);
}
