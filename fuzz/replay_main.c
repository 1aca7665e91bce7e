/* SPDX-License-Identifier: Apache-2.0 */
/* A main() for any libFuzzer target, for builds without libFuzzer (gcc, or clang with
 * ASan+UBSan): runs LLVMFuzzerTestOneInput once per file named on the command line or
 * found in a directory named there (dotfiles skipped). Also replays fuzz/regress/<x> when
 * the binary is called replay_<x> and that directory exists but was not named.
 * runs in: `make fuzz-replay` / `make check` only (reads files; not part of any product). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parsers/base/macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs larger than this are a corpus mistake, not a test. */
#define REPLAY_MAX_INPUT 67108864u /* 64 MiB */

static int
read_all(int fd, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf;
	size_t len, got = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > REPLAY_MAX_INPUT)
		return -EINVAL;
	len = (size_t)st.st_size;
	/* Exactly len bytes (at least 1 for malloc), so ASan sees any over-read. */
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return n < 0 ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int
replay_file(int dirfd, const char *name, const char *shown)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	int r;
	if (fd < 0) {
		fprintf(stderr, "replay: %s: %s\n", shown, strerror(errno));
		return -errno;
	}
	r = read_all(fd, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "replay: %s: %s\n", shown, strerror(-r));
		return r;
	}
	(void)LLVMFuzzerTestOneInput(buf, len);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every non-dot regular file of dir, in name order (deterministic runs). */
static int
replay_dir(const char *dir, size_t *count)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, NULL);
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names;
	int r = 0;
	if (n < 0 || dfd < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		for (int i = 0; i < n; i++)
			free(ents[i]);
		free(ents);
		return -errno;
	}
	names = calloc((size_t)n + 1, sizeof(*names));
	for (int i = 0; i < n; i++) {
		if (names)
			names[i] = ents[i]->d_name;
	}
	if (names)
		qsort(names, (size_t)n, sizeof(*names), name_cmp);
	for (int i = 0; names && i < n && r >= 0; i++) {
		char shown[4096];
		struct stat st;
		if (names[i][0] == '.')
			continue;
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		(void)snprintf(shown, sizeof(shown), "%s/%s", dir, names[i]);
		r = replay_file(dfd, names[i], shown);
		if (r >= 0)
			(*count)++;
	}
	free(names);
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return names ? r : -ENOMEM;
}

static int
replay_path(const char *path, size_t *count)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path, count);
	if (replay_file(AT_FDCWD, path, path) < 0)
		return -EIO;
	(*count)++;
	return 0;
}

/* fuzz/regress/<x> for a binary named replay_<x>, or NULL. */
static const char *
regress_dir(const char *argv0, char *buf, size_t size)
{
	const char *base = strrchr(argv0, '/');
	struct stat st;
	base = base ? base + 1 : argv0;
	if (strncmp(base, "replay_", 7) != 0)
		return NULL;
	if ((size_t)snprintf(buf, size, "fuzz/regress/%s", base + 7) >= size)
		return NULL;
	return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? buf : NULL;
}

int
main(int argc, char **argv)
{
	char rbuf[256];
	const char *regress = regress_dir(argv[0], rbuf, sizeof(rbuf));
	size_t count = 0;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (regress && strcmp(argv[i], regress) == 0)
			regress = NULL;
		if (replay_path(argv[i], &count) < 0)
			failed = 1;
	}
	if (regress && replay_path(regress, &count) < 0)
		failed = 1;
	printf("replay: %zu inputs, %s\n", count, failed ? "ERRORS" : "ok");
	return failed;
}
