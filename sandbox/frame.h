/* SPDX-License-Identifier: Apache-2.0 */
/* Helper IPC framing: a u32 big-endian length, then exactly that many bytes, 0 < len <= cap.
 * Blocking read/write for helpers, incremental non-blocking reader/writer for the daemon.
 * runs in: daemon/privileged and helper/untrusted. */
#ifndef CRISP_SANDBOX_FRAME_H
#define CRISP_SANDBOX_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_SIZE 4u

/* Encode len as the 4-byte big-endian frame header. */
void frame_header_encode(uint32_t len, uint8_t out[FRAME_HEADER_SIZE]);
uint32_t frame_header_decode(const uint8_t in[FRAME_HEADER_SIZE]);

/* Write one frame to a blocking fd, looping over EINTR and short writes.
 * Errors: -EMSGSIZE if len is 0, over cap or over UINT32_MAX; -EPIPE and other -errno from
 * write(2). */
int frame_write(int fd, const uint8_t *buf, size_t len, size_t cap);

/* Read one frame from a blocking fd, looping over EINTR and short reads. On success
 * *ret_buf is a malloc'ed buffer of *ret_len bytes (caller frees).
 * Errors: -EMSGSIZE if the header says 0 or more than cap (nothing past the header is read),
 * -EPROTO on end of file inside a frame, -ENODATA on end of file before the first header byte,
 * -ENOMEM, or -errno from read(2). */
int frame_read(int fd, size_t cap, uint8_t **ret_buf, size_t *ret_len);

/* Incremental reader for a non-blocking fd: call frame_reader_feed() whenever the fd is
 * readable. Holds at most cap bytes of payload. */
struct frame_reader {
	size_t cap;
	uint8_t hdr[FRAME_HEADER_SIZE];
	size_t hdr_got;
	uint8_t *buf; /* owned; len bytes once the header is known */
	size_t len;
	size_t got;
	int eof;
};

enum frame_reader_state {
	FRAME_READER_MORE,     /* would block: call again when readable */
	FRAME_READER_COMPLETE, /* one whole frame is in buf */
	FRAME_READER_EOF,      /* end of file before the first header byte */
};

void frame_reader_init(struct frame_reader *r, size_t cap);
/* Release the buffer; the reader may be initialised again. */
void frame_reader_done(struct frame_reader *r);
/* Read as much as the fd gives without blocking, stopping at the end of the frame (bytes past
 * it stay in the fd). Returns an enum frame_reader_state (>= 0), or -EMSGSIZE (length 0 or
 * over cap), -EPROTO (end of file inside a frame), -ENOMEM, or -errno from read(2). */
int frame_reader_feed(struct frame_reader *r, int fd);
/* Move the completed payload out: *ret_buf is malloc'ed (never NULL), *ret_len > 0.
 * Only valid after FRAME_READER_COMPLETE. */
void frame_reader_take(struct frame_reader *r, uint8_t **ret_buf, size_t *ret_len);

/* Incremental writer for a non-blocking fd. Borrows buf, which must outlive the writer. */
struct frame_writer {
	uint8_t hdr[FRAME_HEADER_SIZE];
	const uint8_t *buf;
	size_t len;
	size_t off; /* over header + payload */
};

/* Errors: -EMSGSIZE if len is 0, over cap or over UINT32_MAX. */
int frame_writer_init(struct frame_writer *w, const uint8_t *buf, size_t len, size_t cap);
/* Write what the fd takes without blocking. Returns 1 when everything is written, 0 if more
 * remains, or -errno from write(2) (-EPIPE once the reader is gone). */
int frame_writer_feed(struct frame_writer *w, int fd);

#endif
