/* SPDX-License-Identifier: Apache-2.0 */
/* Test driver: calls layer_unpack() (libcrispd.a, the real helper under its real filter)
 * on one blob and prints the outcome as one JSON object for tests/integration/
 * test_layer_unpack.py. Usage: unpack_driver HELPER_DIR BLOB DEST none|gzip|zstd MAX_BYTES
 * runs in: tests only (as root). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/helpers/helper_ctx.h"
#include "daemon/images/layer.h"

static void
json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\' || *p < 0x20 || *p > 0x7e)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

int
main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s HELPER_DIR BLOB DEST none|gzip|zstd MAX_BYTES\n",
			argv[0]);
		return 2;
	}
	enum layer_compression c = LAYER_COMPRESSION_COUNT;
	for (int i = 0; i < LAYER_COMPRESSION_COUNT; i++)
		if (strcmp(argv[4], layer_compression_to_string((enum layer_compression)i)) == 0)
			c = (enum layer_compression)i;
	char *end = NULL;
	unsigned long long max = strtoull(argv[5], &end, 10);
	int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || c == LAYER_COMPRESSION_COUNT || !end || *end) {
		fprintf(stderr, "unpack_driver: bad blob or arguments\n");
		return 2;
	}
	struct helper_ctx h = {.dir = argv[1], .timeout_ms = 0, .request_id = 1};
	struct layer_unpack_result res;
	char err[512] = "";
	int r = layer_unpack(&h, fd, argv[3], c, max, &res, err, sizeof(err));
	close(fd);
	if (r < 0) {
		printf("{\"ok\": false, \"errno\": %d, \"error\": ", -r);
		json_string(err);
		printf("}\n");
		return 0;
	}
	printf("{\"ok\": true, \"diff_id\": ");
	json_string(res.diff_id);
	printf(", \"size\": %llu, \"entries\": %llu}\n", (unsigned long long)res.uncompressed_size,
	       (unsigned long long)res.entries);
	return 0;
}
