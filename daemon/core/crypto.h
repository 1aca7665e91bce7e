/* SPDX-License-Identifier: Apache-2.0 */
/* Digests the daemon computes itself (mbedtls 2.28 behind this one file, so a move to 3.x
 * touches only it; parsers/base/digest.h holds digest syntax only): sha256 of buffers and of files.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_CRYPTO_H
#define CRISP_DAEMON_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* "sha256:" + 64 hex + NUL */
#define CRYPTO_DIGEST_STR 72

/* Digest of buf as "sha256:<hex>". */
void crypto_sha256_buf(const void *buf, size_t len, char out[CRYPTO_DIGEST_STR]);

/* Digest of the first len bytes of fd read from offset 0 (pread; fd's offset unchanged).
 * Errors: -EIO short file, other -errno. */
int crypto_sha256_fd(int fd, uint64_t len, char out[CRYPTO_DIGEST_STR]);

/* Constant-time-enough comparison of two digest strings (both are public values). */
int crypto_digest_equal(const char *a, const char *b);

#endif
