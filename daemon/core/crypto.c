/* SPDX-License-Identifier: Apache-2.0 */
/* sha256 digests with mbedtls 2.28 (see crypto.h).
 * runs in: daemon/privileged. */
#include "daemon/core/crypto.h"

#include <errno.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
to_hex(const unsigned char sum[32], char out[CRYPTO_DIGEST_STR])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[sum[i] >> 4];
		out[8 + 2 * i] = hex[sum[i] & 15];
	}
	out[71] = '\0';
}

void
crypto_sha256_buf(const void *buf, size_t len, char out[CRYPTO_DIGEST_STR])
{
	unsigned char sum[32];
	(void)mbedtls_sha256_ret(buf, len, sum, 0);
	to_hex(sum, out);
}

int
crypto_sha256_fd(int fd, uint64_t len, char out[CRYPTO_DIGEST_STR])
{
	mbedtls_sha256_context ctx;
	mbedtls_sha256_init(&ctx);
	(void)mbedtls_sha256_starts_ret(&ctx, 0);
	static __thread unsigned char buf[1 << 16];
	uint64_t off = 0;
	int r = 0;
	while (off < len) {
		size_t want = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		(void)mbedtls_sha256_update_ret(&ctx, buf, (size_t)n);
		off += (uint64_t)n;
	}
	unsigned char sum[32];
	(void)mbedtls_sha256_finish_ret(&ctx, sum);
	mbedtls_sha256_free(&ctx);
	if (r == 0)
		to_hex(sum, out);
	return r;
}

int
crypto_digest_equal(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}
