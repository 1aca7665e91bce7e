/* SPDX-License-Identifier: Apache-2.0 */
/* Helper IPC framing (u32 big-endian length + payload), blocking and incremental variants.
 * Every length is checked against the caller's cap before a byte of payload is read.
 * runs in: daemon/privileged and helper/untrusted. */
#include "sandbox/frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parsers/base/macro.h"

void
frame_header_encode(uint32_t len, uint8_t out[FRAME_HEADER_SIZE])
{
	out[0] = (uint8_t)(len >> 24);
	out[1] = (uint8_t)(len >> 16);
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
}

uint32_t
frame_header_decode(const uint8_t in[FRAME_HEADER_SIZE])
{
	return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

static int
frame_len_ok(size_t len, size_t cap)
{
	return len > 0 && len <= cap && len <= UINT32_MAX;
}

/* write(2) all of buf on a blocking fd. */
static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read(2) exactly len bytes on a blocking fd. Returns the bytes read before end of file
 * (== len on success) or -errno. */
static ssize_t
read_all(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
frame_write(int fd, const uint8_t *buf, size_t len, size_t cap)
{
	if (!frame_len_ok(len, cap))
		return -EMSGSIZE;
	uint8_t hdr[FRAME_HEADER_SIZE];
	frame_header_encode((uint32_t)len, hdr);
	int r = write_all(fd, hdr, sizeof(hdr));
	if (r < 0)
		return r;
	return write_all(fd, buf, len);
}

int
frame_read(int fd, size_t cap, uint8_t **ret_buf, size_t *ret_len)
{
	uint8_t hdr[FRAME_HEADER_SIZE];
	ssize_t n = read_all(fd, hdr, sizeof(hdr));
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENODATA;
	if ((size_t)n < sizeof(hdr))
		return -EPROTO;
	size_t len = frame_header_decode(hdr);
	/* An untrusted length: checked before it sizes an allocation or a read. */
	if (!frame_len_ok(len, cap))
		return -EMSGSIZE;
	cleanup_free uint8_t *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	n = read_all(fd, buf, len);
	if (n < 0)
		return (int)n;
	if ((size_t)n < len)
		return -EPROTO;
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

void
frame_reader_init(struct frame_reader *r, size_t cap)
{
	*r = (struct frame_reader){.cap = cap};
}

void
frame_reader_done(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* One non-blocking read into dst. Returns bytes read (0 at end of file), -EAGAIN or -errno. */
static ssize_t
read_some(int fd, uint8_t *dst, size_t want)
{
	for (;;) {
		ssize_t n = read(fd, dst, want);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

static int
frame_reader_feed_header(struct frame_reader *r, int fd)
{
	while (r->hdr_got < FRAME_HEADER_SIZE) {
		ssize_t n = read_some(fd, r->hdr + r->hdr_got, FRAME_HEADER_SIZE - r->hdr_got);
		if (n == -EAGAIN)
			return FRAME_READER_MORE;
		if (n < 0)
			return (int)n;
		if (n == 0) {
			r->eof = 1;
			return r->hdr_got == 0 ? FRAME_READER_EOF : -EPROTO;
		}
		r->hdr_got += (size_t)n;
	}
	size_t len = frame_header_decode(r->hdr);
	/* Untrusted length from the helper: over the cap, nothing more is read or allocated. */
	if (!frame_len_ok(len, r->cap))
		return -EMSGSIZE;
	r->buf = malloc(len);
	if (!r->buf)
		return -ENOMEM;
	r->len = len;
	return FRAME_READER_MORE;
}

int
frame_reader_feed(struct frame_reader *r, int fd)
{
	if (!r->buf) {
		int s = frame_reader_feed_header(r, fd);
		if (s != FRAME_READER_MORE || !r->buf)
			return s;
	}
	while (r->got < r->len) {
		ssize_t n = read_some(fd, r->buf + r->got, r->len - r->got);
		if (n == -EAGAIN)
			return FRAME_READER_MORE;
		if (n < 0)
			return (int)n;
		if (n == 0) {
			r->eof = 1;
			return -EPROTO;
		}
		r->got += (size_t)n;
	}
	return FRAME_READER_COMPLETE;
}

void
frame_reader_take(struct frame_reader *r, uint8_t **ret_buf, size_t *ret_len)
{
	*ret_buf = TAKE_PTR(r->buf);
	*ret_len = r->len;
	r->len = r->got = r->hdr_got = 0;
}

int
frame_writer_init(struct frame_writer *w, const uint8_t *buf, size_t len, size_t cap)
{
	if (!frame_len_ok(len, cap))
		return -EMSGSIZE;
	*w = (struct frame_writer){.buf = buf, .len = len};
	frame_header_encode((uint32_t)len, w->hdr);
	return 0;
}

int
frame_writer_feed(struct frame_writer *w, int fd)
{
	const size_t total = FRAME_HEADER_SIZE + w->len;
	while (w->off < total) {
		const uint8_t *src = w->off < FRAME_HEADER_SIZE
					 ? w->hdr + w->off
					 : w->buf + (w->off - FRAME_HEADER_SIZE);
		size_t want =
		    w->off < FRAME_HEADER_SIZE ? FRAME_HEADER_SIZE - w->off : total - w->off;
		ssize_t n = write(fd, src, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		w->off += (size_t)n;
	}
	return 1;
}
