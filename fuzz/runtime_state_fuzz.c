/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/runtime_state.c over both of its documents at once: the
 * same bytes go to the runtime state parser and to the conmon sync-pipe parser (the
 * dedicated rtstate and rtstate_conmon targets check each result's invariants in depth).
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz/fuzz_check.h"
#include "parsers/runtime_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runtime_state *s = NULL;
	struct parse_error e;
	int r = runtime_state_parse(data, size, &s, &e);
	if (r < 0)
		fuzz_check_error(r, &e);
	runtime_state_free(s);
	struct runtime_state_conmon *c = NULL;
	r = runtime_state_conmon_parse(data, size, &c, &e);
	if (r < 0)
		fuzz_check_error(r, &e);
	runtime_state_conmon_free(c);
	return 0;
}
