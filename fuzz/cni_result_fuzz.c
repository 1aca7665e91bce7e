/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/cni.c plugin result parsing: parse, check the result's
 * invariants (IP count and syntax, printable error text), free.
 * runs in: fuzzers and the replay driver only. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/cni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_res *r = NULL;
	struct parse_error e;
	int rc = cni_result_parse(data, size, &r, &e);
	if (rc < 0) {
		fuzz_check_error(rc, &e);
		return 0;
	}
	FUZZ_ASSERT(r->json && r->json[0] == '{');
	FUZZ_ASSERT(r->n_ips <= CNI_MAX_IPS);
	for (size_t i = 0; i < r->n_ips; i++) {
		unsigned char b[16];
		FUZZ_ASSERT(inet_pton(AF_INET, r->ips[i], b) == 1 ||
			    inet_pton(AF_INET6, r->ips[i], b) == 1);
	}
	if (r->is_error)
		for (const char *p = r->error_msg; *p; p++)
			FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
	cni_res_free(r);
	return 0;
}
