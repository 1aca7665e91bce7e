/* SPDX-License-Identifier: Apache-2.0 */
/* Test driver for the registry fetcher: calls registry_get_manifest / registry_get_blob (the
 * daemon API, running the real crisp-helper-fetch under its real filter) and prints the
 * outcome as one JSON object for tests/integration/test_registry_fetch.py.
 * runs in: tests only (as root, like crispd). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/images/registry.h"

static void
json_str(const char *k, const char *v)
{
	printf("\"%s\": \"", k);
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	printf("\", ");
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: fetch_driver [options] manifest REGISTRY REPO REF OUT\n"
		"       fetch_driver [options] blob REGISTRY REPO DIGEST SIZE OUT\n"
		"options: --helper-dir D --plain --ca-dir D --user U --password P --auth B64\n"
		"         --identity-token T --registry-token T --timeout-ms N --retries N\n"
		"         --connect-ms N --low-speed BYTES --low-speed-s SECS --resume N\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"helper-dir", required_argument, NULL, 'd'},
					     {"plain", no_argument, NULL, 'p'},
					     {"ca-dir", required_argument, NULL, 'c'},
					     {"user", required_argument, NULL, 'u'},
					     {"password", required_argument, NULL, 'w'},
					     {"auth", required_argument, NULL, 'a'},
					     {"identity-token", required_argument, NULL, 'i'},
					     {"registry-token", required_argument, NULL, 'r'},
					     {"timeout-ms", required_argument, NULL, 't'},
					     {"retries", required_argument, NULL, 'R'},
					     {"connect-ms", required_argument, NULL, 'C'},
					     {"low-speed", required_argument, NULL, 'l'},
					     {"low-speed-s", required_argument, NULL, 'L'},
					     {"resume", required_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	struct helper_ctx h = {
	    .dir = getenv("CRISP_HELPER_DIR"), .timeout_ms = 60000, .request_id = 1};
	struct registry_auth a = {0};
	struct registry_tuning tu = {0};
	struct registry_target t = {.tuning = &tu};
	unsigned long long resume = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			h.dir = optarg;
			break;
		case 'p':
			t.plain_http = 1;
			break;
		case 'c':
			t.ca_dir = optarg;
			break;
		case 'u':
			a.username = optarg;
			break;
		case 'w':
			a.password = optarg;
			break;
		case 'a':
			a.auth = optarg;
			break;
		case 'i':
			a.identity_token = optarg;
			break;
		case 'r':
			a.registry_token = optarg;
			break;
		case 't':
			h.timeout_ms = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			tu.max_retries = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'C':
			tu.connect_timeout_ms = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			tu.low_speed_bytes = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'L':
			tu.low_speed_seconds = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			resume = strtoull(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (!h.dir || argc - optind < 5)
		usage();
	const char *mode = argv[optind];
	t.registry = argv[optind + 1];
	t.repository = argv[optind + 2];
	char err[1024] = "";
	int r = -EINVAL;
	printf("{");
	if (strcmp(mode, "manifest") == 0) {
		uint8_t *buf = NULL;
		size_t len = 0;
		char *mt = NULL, *dg = NULL;
		r = registry_get_manifest(&h, &t, &a, argv[optind + 3], &buf, &len, &mt, &dg, err,
					  sizeof(err));
		if (r == 0) {
			FILE *f = fopen(argv[optind + 4], "we");
			if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
				return 3;
			json_str("media_type", mt);
			json_str("digest", dg);
			printf("\"len\": %zu, ", len);
		}
		free(buf);
		free(mt);
		free(dg);
	} else if (strcmp(mode, "blob") == 0 && argc - optind >= 6) {
		int fd = open(argv[optind + 5], O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return 3;
		r = registry_get_blob(&h, &t, &a, argv[optind + 3],
				      strtoull(argv[optind + 4], NULL, 10), fd, resume, err,
				      sizeof(err));
		struct stat st;
		if (fstat(fd, &st) == 0)
			printf("\"file_size\": %lld, ", (long long)st.st_size);
		close(fd);
	} else {
		usage();
	}
	json_str("err", err);
	json_str("errno", r < 0 ? strerrorname_np(-r) : "");
	printf("\"rc\": %d}\n", r);
	return 0;
}
