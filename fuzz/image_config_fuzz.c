/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/image_config.c: parse, check the result's invariants (diff
 * IDs, paths, env, ports, signal), free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"
#include "parsers/image_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_config(const struct image_config *c)
{
	const struct image_exec_config *x = &c->config;
	FUZZ_ASSERT(c->os && c->architecture && c->rootfs_type);
	FUZZ_ASSERT(strcmp(c->rootfs_type, "layers") == 0);
	FUZZ_ASSERT(c->diff_ids.n <= IMAGE_CONFIG_MAX_DIFF_IDS);
	for (size_t i = 0; i < c->diff_ids.n; i++)
		FUZZ_ASSERT(digest_check(c->diff_ids.v[i], strlen(c->diff_ids.v[i]), NULL) == 0);
	for (size_t i = 0; i < x->env.n; i++)
		FUZZ_ASSERT(strchr(x->env.v[i], '=') && x->env.v[i][0] != '=');
	for (size_t i = 0; i < x->exposed_ports.n; i++) {
		uint16_t port;
		enum port_protocol proto;
		FUZZ_ASSERT(image_config_port(x->exposed_ports.v[i], &port, &proto) == 0);
		FUZZ_ASSERT(port > 0 && proto < PORT_PROTOCOL_COUNT);
	}
	for (size_t i = 0; i < x->volumes.n; i++)
		FUZZ_ASSERT(x->volumes.v[i][0] == '/');
	if (x->working_dir)
		FUZZ_ASSERT(x->working_dir[0] == '/');
	FUZZ_ASSERT(x->stop_signal >= 0 && x->stop_signal <= 64);
	FUZZ_ASSERT(!x->stop_signal_str || x->stop_signal > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_config *c = NULL;
	struct parse_error err;
	int r;

	fuzz_poison_error(&err);
	r = image_config_parse(data, size, NULL, &c, &err);
	if (r < 0) {
		fuzz_check_error(r, &err);
		FUZZ_ASSERT(c == NULL);
		return 0;
	}
	check_config(c);
	c = image_config_free(c);
	return 0;
}
