/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for daemon/core/proctree.c: a real process tree (a child with grandchildren and
 * a great-grandchild) is killed whole; pid files with hostile contents are refused.
 * runs in: tests (forks real processes; this process is their subreaper). */
/* cmocka 1.1.5 needs these four before <cmocka.h>. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/core/proctree.h"

/* A child that forks two sleepers, one of which forks a third, then sleeps itself. */
static pid_t
spawn_tree(void)
{
	pid_t root = fork();
	assert_true(root >= 0);
	if (root == 0) {
		for (int i = 0; i < 2; i++) {
			if (fork() == 0) {
				if (i == 0 && fork() == 0)
					for (;;)
						pause();
				for (;;)
					pause();
			}
		}
		for (;;)
			pause();
	}
	return root;
}

/* The number of live (not zombie) processes whose parent is this one (the subreaper). */
static int
count_alive_children_of_self(void)
{
	int n = 0;
	char path[300], buf[512];
	DIR *d = opendir("/proc");
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, buf, sizeof(buf) - 1);
		(void)close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "pid (comm) S ppid ...": the state and the parent after the last ')' */
		char *rp = strrchr(buf, ')');
		if (!rp || strlen(rp) < 5)
			continue;
		char st = rp[2], *end = NULL;
		long ppid = strtol(rp + 4, &end, 10);
		if (end != rp + 4 && ppid == (long)getpid() && st != 'Z')
			n++;
	}
	(void)closedir(d);
	return n;
}

static void
reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void
test_kill_tree(void **state)
{
	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid_t root = spawn_tree();
	usleep(200 * 1000); /* let the tree fork */
	int pidfd = (int)syscall(SYS_pidfd_open, root, 0);
	assert_true(pidfd >= 0);
	int n = proctree_kill(pidfd, root);
	assert_int_equal(n, 4); /* root, two children, one grandchild */
	(void)close(pidfd);
	usleep(100 * 1000);
	/* Orphans land on this subreaper: none may be alive. */
	assert_int_equal(count_alive_children_of_self(), 0);
	reap_all();
}

static void
write_pid_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_pid_file(void **state)
{
	(void)state;
	char path[] = "/tmp/crisp-proctree-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	(void)close(fd);
	static const char *const bad[] = {"",   "abc",      "1",      "0",
					  "-5", "99999999", "12junk", "4194305"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_pid_file(path, bad[i]);
		int pfd = -1;
		pid_t pid = 0;
		assert_true(proctree_open_pid_file(path, &pfd, &pid) < 0);
		assert_int_equal(pfd, -1); /* untouched on failure */
	}
	char self[32];
	(void)snprintf(self, sizeof(self), "%d\n", (int)getpid());
	write_pid_file(path, self);
	int pfd = -1;
	pid_t pid = 0;
	assert_int_equal(proctree_open_pid_file(path, &pfd, &pid), 0);
	assert_int_equal(pid, getpid());
	(void)close(pfd);
	(void)unlink(path);
	assert_int_equal(proctree_open_pid_file(path, &pfd, &pid), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kill_tree),
	    cmocka_unit_test(test_pid_file),
	};
	return cmocka_run_group_tests_name("proctree", tests, NULL, NULL);
}
