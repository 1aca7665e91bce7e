/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/runtime_state.c conmon sync-pipe parsing: parse, check what a
 * success promises (message count, number ranges, printable bounded text), free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/limits.h"
#include "parsers/runtime_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_msg(const struct runtime_state_conmon_msg *m)
{
	FUZZ_ASSERT(m->has_pid || m->has_data);
	FUZZ_ASSERT(!m->has_pid || (m->pid >= 1 && m->pid <= RT_PID_MAX));
	FUZZ_ASSERT(!m->has_data || (m->data >= CONMON_DATA_MIN && m->data <= RT_PID_MAX));
	FUZZ_ASSERT(m->message && strlen(m->message) <= CONMON_MSG_MAX);
	for (const char *p = m->message; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runtime_state_conmon *c = NULL;
	struct parse_error e;
	fuzz_poison_error(&e);
	int r = runtime_state_conmon_parse(data, size, &c, &e);
	if (r < 0) {
		fuzz_check_error(r, &e);
		return 0;
	}
	FUZZ_ASSERT(r == 0 && c && c->n <= CONMON_SYNC_MAX_MSGS);
	for (size_t i = 0; i < c->n; i++)
		check_msg(&c->v[i]);
	runtime_state_conmon_free(c);
	return 0;
}
