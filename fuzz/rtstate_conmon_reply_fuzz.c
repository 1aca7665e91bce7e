/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/rtstate_reply.c: the input is a packed ConmonSyncReply as a
 * compromised crisp-helper-rtstate could send it; unpack it as the daemon does (byte budget),
 * validate it with a roomy and a tight output array, check what a success promises, free.
 * runs in: fuzzers and the replay driver only. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/replies/rtstate_reply.h"
#include "fuzz/fuzz_check.h"
#include "parsers/base/budget.h"
#include "parsers/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_msg(const struct conmon_msg *m)
{
	FUZZ_ASSERT(m->has_pid || m->has_data);
	FUZZ_ASSERT(!m->has_pid || (m->pid >= 1 && m->pid <= RT_PID_MAX));
	FUZZ_ASSERT(!m->has_data || (m->data >= CONMON_DATA_MIN && m->data <= RT_PID_MAX));
	FUZZ_ASSERT(memchr(m->message, '\0', sizeof(m->message)));
	for (const char *p = m->message; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 8 * size + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__ConmonSyncReply *rep =
	    crisp__helper__conmon_sync_reply__unpack(&a, size, data);
	if (!rep)
		return 0;
	static const size_t maxes[] = {CONMON_SYNC_MAX_MSGS, 2};
	for (size_t k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
		struct conmon_msg out[CONMON_SYNC_MAX_MSGS];
		size_t n = 12345;
		int r = rtstate_reply_conmon(rep, out, maxes[k], &n);
		FUZZ_ASSERT(r == 0 || r == -EPROTO || r == -E2BIG);
		FUZZ_ASSERT(r == 0 || n == 12345);
		if (r != 0)
			continue;
		FUZZ_ASSERT(n <= maxes[k]);
		for (size_t i = 0; i < n; i++)
			check_msg(&out[i]);
	}
	crisp__helper__conmon_sync_reply__free_unpacked(rep, &a);
	return 0;
}
