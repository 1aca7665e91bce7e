/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/cni.c network configuration parsing: parse, check the result's
 * invariants (counts, names, each plugin conf a JSON object), free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/cni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_conf *c = NULL;
	struct parse_error e;
	int r = cni_conf_parse(data, size, &c, &e);
	if (r < 0) {
		fuzz_check_error(r, &e);
		return 0;
	}
	FUZZ_ASSERT(c->name && c->cni_version);
	FUZZ_ASSERT(c->n_plugins >= 1 && c->n_plugins <= CNI_MAX_PLUGINS);
	for (size_t i = 0; i < c->n_plugins; i++) {
		size_t l = strlen(c->plugins[i].conf);
		FUZZ_ASSERT(l >= 2 && c->plugins[i].conf[0] == '{' &&
			    c->plugins[i].conf[l - 1] == '}');
		FUZZ_ASSERT(strlen(c->plugins[i].type) >= 1 &&
			    strlen(c->plugins[i].type) <= CNI_MAX_TYPE);
		FUZZ_ASSERT(strchr(c->plugins[i].type, '/') == NULL);
	}
	cni_conf_free(c);
	return 0;
}
