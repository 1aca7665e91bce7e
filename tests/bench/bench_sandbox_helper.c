/* SPDX-License-Identifier: Apache-2.0 */
/* Helper round trip: spawn crisp-helper-selftest confined (namespaces, ids, caps, rlimits,
 * seccomp), send an echo request, read the reply, reap. Prints median and p99 over N runs,
 * sequentially and with T threads. Usage: bench_sandbox_helper HELPER_DIR [N] [T]
 * runs in: tests/bench (as root). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "sandbox/helper.h"

static const char *dir;
static size_t runs_per_thread;

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void *
worker(void *arg)
{
	uint64_t *lat = arg;
	Crisp__Helper__SelftestRequest st = CRISP__HELPER__SELFTEST_REQUEST__INIT;
	Crisp__Helper__HelperRequest req = CRISP__HELPER__HELPER_REQUEST__INIT;
	req.proto_version = 1;
	req.request_id = 1;
	req.body_case = CRISP__HELPER__HELPER_REQUEST__BODY_SELFTEST;
	req.selftest = &st;
	uint8_t buf[256];
	size_t len = crisp__helper__helper_request__pack(&req, buf);
	struct helper_spec spec = {.policy = POLICY_SELFTEST, .helper_dir = dir};
	for (size_t i = 0; i < runs_per_thread; i++) {
		uint8_t *reply = NULL;
		size_t rlen = 0;
		struct helper_error e;
		uint64_t t0 = now_ns();
		if (helper_run(&spec, buf, len, &reply, &rlen, &e) < 0) {
			fprintf(stderr, "helper_run: %s\n", e.message);
			exit(1);
		}
		lat[i] = now_ns() - t0;
		free(reply);
	}
	return NULL;
}

static void
bench(size_t threads, size_t n)
{
	runs_per_thread = n;
	uint64_t *lat = calloc(threads * n, sizeof(*lat));
	pthread_t *t = calloc(threads, sizeof(*t));
	if (!lat || !t)
		exit(1);
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, lat + i * n);
	for (size_t i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	double wall = (double)(now_ns() - t0) / 1e9;
	qsort(lat, threads * n, sizeof(*lat), cmp_u64);
	size_t total = threads * n;
	size_t median = total / 2, p99 = total * 99 / 100;
	printf("helper round trip, %zu thread(s) x %zu: median %.2f ms, p99 %.2f ms, %.0f runs/s\n",
	       threads, n, (double)lat[median] / 1e6, (double)lat[p99] / 1e6, (double)total / wall);
	free(lat);
	free(t);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s HELPER_DIR [N] [THREADS]\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
	size_t threads = argc > 3 ? strtoul(argv[3], NULL, 10) : 8;
	bench(1, n);
	bench(threads, n);
	return 0;
}
