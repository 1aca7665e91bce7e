/* SPDX-License-Identifier: Apache-2.0 */
/* Frame I/O (sandbox/frame.c): length prefix, zero and oversized lengths, split reads, EINTR,
 * EAGAIN and end of file at every position, via -Wl,--wrap=read,--wrap=write scripts on a fake
 * fd, plus a real pipe with a frame larger than the pipe buffer.
 * runs in: tests. */
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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/base/macro.h"
#include "sandbox/frame.h"

#define MOCK_FD 1000

/* One scripted result: if err != 0 the call fails with it, else it moves at most max bytes
 * (0 = end of file for read). */
struct step {
	int err;
	size_t max;
};

static struct {
	const struct step *steps;
	size_t n_steps, next;
	const uint8_t *in; /* what reads return */
	size_t in_len, in_pos;
	uint8_t out[1 << 16]; /* what writes stored */
	size_t out_len;
} mock;

static void
mock_set(const struct step *steps, size_t n, const uint8_t *in, size_t in_len)
{
	memset(&mock, 0, sizeof(mock));
	mock.steps = steps;
	mock.n_steps = n;
	mock.in = in;
	mock.in_len = in_len;
}

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __real_write(int fd, const void *buf, size_t n);
ssize_t __wrap_write(int fd, const void *buf, size_t n);

/* After the script runs out, reads serve the rest of the input in one go. */
ssize_t
__wrap_read(int fd, void *buf, size_t n)
{
	if (fd != MOCK_FD)
		return __real_read(fd, buf, n);
	size_t max = SIZE_MAX;
	if (mock.next < mock.n_steps) {
		const struct step *s = &mock.steps[mock.next++];
		if (s->err) {
			errno = s->err;
			return -1;
		}
		max = s->max;
	}
	size_t left = mock.in_len - mock.in_pos;
	size_t k = n < max ? n : max;
	k = k < left ? k : left;
	memcpy(buf, mock.in + mock.in_pos, k);
	mock.in_pos += k;
	return (ssize_t)k;
}

ssize_t
__wrap_write(int fd, const void *buf, size_t n)
{
	if (fd != MOCK_FD)
		return __real_write(fd, buf, n);
	size_t max = SIZE_MAX;
	if (mock.next < mock.n_steps) {
		const struct step *s = &mock.steps[mock.next++];
		if (s->err) {
			errno = s->err;
			return -1;
		}
		max = s->max;
	}
	size_t k = n < max ? n : max;
	assert_true(mock.out_len + k <= sizeof(mock.out));
	memcpy(mock.out + mock.out_len, buf, k);
	mock.out_len += k;
	return (ssize_t)k;
}

static const uint8_t HELLO_FRAME[] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'};

static void
test_header(void **state)
{
	(void)state;

	static const struct {
		uint32_t len;
		uint8_t bytes[4];
	} cases[] = {
	    {0, {0, 0, 0, 0}},
	    {1, {0, 0, 0, 1}},
	    {0x01020304u, {1, 2, 3, 4}},
	    {UINT32_MAX, {0xff, 0xff, 0xff, 0xff}},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		uint8_t out[FRAME_HEADER_SIZE];
		frame_header_encode(cases[i].len, out);
		assert_memory_equal(out, cases[i].bytes, 4);
		assert_int_equal(frame_header_decode(cases[i].bytes), cases[i].len);
	}
}

/* ---- blocking write -----------------------------------------------------------------------------
 */

static void
test_write(void **state)
{
	(void)state;

	static const struct {
		const char *name;
		struct step steps[8];
		size_t n_steps;
		size_t len, cap;
		int want;
	} cases[] = {
	    {"one go", {{0}}, 0, 5, 16, 0},
	    {"byte by byte with EINTR",
	     {{0, 1}, {EINTR, 0}, {0, 1}, {0, 1}, {EINTR, 0}, {0, 2}, {0, 1}},
	     7,
	     5,
	     16,
	     0},
	    {"zero length", {{0}}, 0, 0, 16, -EMSGSIZE},
	    {"over cap", {{0}}, 0, 5, 4, -EMSGSIZE},
	    {"exactly cap", {{0}}, 0, 5, 5, 0},
	    {"EPIPE", {{EPIPE, 0}}, 1, 5, 16, -EPIPE},
	    {"EPIPE mid payload", {{0, 6}, {EPIPE, 0}}, 2, 5, 16, -EPIPE},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		mock_set(cases[i].steps, cases[i].n_steps, NULL, 0);
		int r = frame_write(MOCK_FD, (const uint8_t *)"hello", cases[i].len, cases[i].cap);
		if (r != cases[i].want)
			print_error("case %s: got %d\n", cases[i].name, r);
		assert_int_equal(r, cases[i].want);
		if (r == 0) {
			assert_int_equal(mock.out_len, sizeof(HELLO_FRAME));
			assert_memory_equal(mock.out, HELLO_FRAME, sizeof(HELLO_FRAME));
		} else if (r == -EMSGSIZE) {
			assert_int_equal(mock.out_len, 0); /* nothing written for a bad length */
		}
	}
}

/* ---- blocking read --------------------------------------------------------------------------- */

static void
test_read(void **state)
{
	(void)state;
	static const uint8_t zero[] = {0, 0, 0, 0, 'x'};
	static const uint8_t huge[] = {0, 0, 0, 17, 'x'};
	static const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 'x'};

	static const struct {
		const char *name;
		const uint8_t *in;
		size_t in_len;
		struct step steps[8];
		size_t n_steps;
		int want;
		size_t consumed; /* input bytes read when it returns */
	} cases[] = {
	    {"one go", HELLO_FRAME, 9, {{0}}, 0, 0, 9},
	    {"split everywhere",
	     HELLO_FRAME,
	     9,
	     {{0, 1}, {0, 2}, {EINTR, 0}, {0, 1}, {0, 3}, {EINTR, 0}, {0, 1}},
	     7,
	     0,
	     9},
	    {"header split 3+1", HELLO_FRAME, 9, {{0, 3}, {0, 1}}, 2, 0, 9},
	    {"zero length", zero, 5, {{0}}, 0, -EMSGSIZE, 4},
	    {"over cap", huge, 5, {{0}}, 0, -EMSGSIZE, 4},
	    {"4 GiB claim", max, 5, {{0}}, 0, -EMSGSIZE, 4},
	    {"empty", HELLO_FRAME, 0, {{0}}, 0, -ENODATA, 0},
	    {"eof in header", HELLO_FRAME, 3, {{0}}, 0, -EPROTO, 3},
	    {"eof in payload", HELLO_FRAME, 7, {{0}}, 0, -EPROTO, 7},
	    {"EIO", HELLO_FRAME, 9, {{0, 2}, {EIO, 0}}, 2, -EIO, 2},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		mock_set(cases[i].steps, cases[i].n_steps, cases[i].in, cases[i].in_len);
		uint8_t *buf = NULL;
		size_t len = 0;
		int r = frame_read(MOCK_FD, 16, &buf, &len);
		if (r != cases[i].want)
			print_error("case %s: got %d\n", cases[i].name, r);
		assert_int_equal(r, cases[i].want);
		assert_int_equal(mock.in_pos, cases[i].consumed);
		if (r == 0) {
			assert_int_equal(len, 5);
			assert_memory_equal(buf, "hello", 5);
		} else {
			assert_null(buf);
		}
		free(buf);
	}
}

/* ---- incremental reader (the daemon's side) ----------------------------------------------------
 */

static void
test_reader(void **state)
{
	(void)state;
	static const uint8_t two[] = {0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 1, 'z'};
	static const uint8_t zero[] = {0, 0, 0, 0};
	static const uint8_t huge[] = {0, 0, 0x10, 0};

	static const struct {
		const char *name;
		const uint8_t *in;
		size_t in_len;
		struct step steps[8];
		size_t n_steps;
		int results[6]; /* one per feed call, the last one final */
		size_t n_results;
		size_t consumed;
	} cases[] = {
	    {"split with EAGAIN",
	     two,
	     14,
	     {{0, 2}, {EAGAIN, 0}, {0, 2}, {0, 1}, {EAGAIN, 0}, {0, 100}},
	     6,
	     {FRAME_READER_MORE, FRAME_READER_MORE, FRAME_READER_COMPLETE},
	     3,
	     9},
	    {"EINTR is retried",
	     two,
	     14,
	     {{EINTR, 0}, {0, 4}, {EINTR, 0}},
	     3,
	     {FRAME_READER_COMPLETE},
	     1,
	     9},
	    {"zero length", zero, 4, {{0}}, 0, {-EMSGSIZE}, 1, 4},
	    {"over cap", huge, 4, {{0}}, 0, {-EMSGSIZE}, 1, 4},
	    {"eof first", two, 0, {{0}}, 0, {FRAME_READER_EOF}, 1, 0},
	    {"eof in header", two, 2, {{0}}, 0, {-EPROTO}, 1, 2},
	    {"eof in payload", two, 6, {{0}}, 0, {-EPROTO}, 1, 6},
	    {"read error", two, 14, {{0, 5}, {EIO, 0}}, 2, {-EIO}, 1, 4},
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		mock_set(cases[i].steps, cases[i].n_steps, cases[i].in, cases[i].in_len);
		struct frame_reader r;
		frame_reader_init(&r, 1024);
		for (size_t k = 0; k < cases[i].n_results; k++) {
			int s = frame_reader_feed(&r, MOCK_FD);
			if (s != cases[i].results[k])
				print_error("case %s call %zu: got %d\n", cases[i].name, k, s);
			assert_int_equal(s, cases[i].results[k]);
		}
		/* Never reads past the end of its frame. */
		assert_int_equal(mock.in_pos, cases[i].consumed);
		if (cases[i].results[cases[i].n_results - 1] == FRAME_READER_COMPLETE) {
			uint8_t *buf;
			size_t len;
			frame_reader_take(&r, &buf, &len);
			assert_int_equal(len, 5);
			assert_memory_equal(buf, "hello", 5);
			free(buf);
		}
		frame_reader_done(&r);
	}
}

/* ---- incremental writer ------------------------------------------------------------------------
 */

static void
test_writer(void **state)
{
	(void)state;
	struct frame_writer w;
	assert_int_equal(frame_writer_init(&w, (const uint8_t *)"hello", 0, 16), -EMSGSIZE);
	assert_int_equal(frame_writer_init(&w, (const uint8_t *)"hello", 5, 4), -EMSGSIZE);

	static const struct step steps[] = {{0, 3}, {EAGAIN, 0}, {EINTR, 0},
					    {0, 2}, {EAGAIN, 0}, {0, 100}};
	mock_set(steps, ELEMENTSOF(steps), NULL, 0);
	assert_int_equal(frame_writer_init(&w, (const uint8_t *)"hello", 5, 16), 0);
	assert_int_equal(frame_writer_feed(&w, MOCK_FD), 0);
	assert_int_equal(frame_writer_feed(&w, MOCK_FD), 0);
	assert_int_equal(frame_writer_feed(&w, MOCK_FD), 1);
	assert_int_equal(mock.out_len, sizeof(HELLO_FRAME));
	assert_memory_equal(mock.out, HELLO_FRAME, sizeof(HELLO_FRAME));

	static const struct step pipe_gone[] = {{0, 4}, {EPIPE, 0}};
	mock_set(pipe_gone, ELEMENTSOF(pipe_gone), NULL, 0);
	assert_int_equal(frame_writer_init(&w, (const uint8_t *)"hello", 5, 16), 0);
	assert_int_equal(frame_writer_feed(&w, MOCK_FD), -EPIPE);
}

/* ---- a real pipe: a frame 16 times the pipe buffer, written by another thread ------------- */

#define BIG (1u << 20)

static void *
big_writer(void *arg)
{
	int fd = *(int *)arg;
	uint8_t *buf = malloc(BIG);
	assert_non_null(buf);
	for (size_t i = 0; i < BIG; i++)
		buf[i] = (uint8_t)(i * 7u);
	intptr_t r = frame_write(fd, buf, BIG, BIG);
	free(buf);
	(void)close(fd);
	return (void *)r;
}

static void
test_real_pipe(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, big_writer, &p[1]), 0);
	uint8_t *buf = NULL;
	size_t len = 0;
	assert_int_equal(frame_read(p[0], BIG, &buf, &len), 0);
	void *wr;
	assert_int_equal(pthread_join(t, &wr), 0);
	assert_int_equal((intptr_t)wr, 0);
	assert_int_equal(len, BIG);
	for (size_t i = 0; i < BIG; i++)
		if (buf[i] != (uint8_t)(i * 7u))
			fail_msg("byte %zu differs", i);
	free(buf);
	/* The writer closed: the next frame is "no more frames", not an error. */
	assert_int_equal(frame_read(p[0], BIG, &buf, &len), -ENODATA);
	(void)close(p[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header), cmocka_unit_test(test_write),
	    cmocka_unit_test(test_read),   cmocka_unit_test(test_reader),
	    cmocka_unit_test(test_writer), cmocka_unit_test(test_real_pipe),
	};
	return cmocka_run_group_tests_name("sandbox_frame", tests, NULL, NULL);
}
