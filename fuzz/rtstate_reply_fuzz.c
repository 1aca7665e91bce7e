/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/rtstate_reply.c: the input is a packed RtStateReply as a
 * compromised crisp-helper-rtstate could send it; unpack it as the daemon does (byte budget),
 * validate it, check what a success promises, free.
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
check_strings(const struct rt_state *st)
{
	FUZZ_ASSERT(memchr(st->id, '\0', sizeof(st->id)) && st->id[0]);
	FUZZ_ASSERT(!strchr(st->id, '/') && strcmp(st->id, "..") != 0);
	FUZZ_ASSERT(memchr(st->bundle, '\0', sizeof(st->bundle)) && st->bundle[0] == '/');
	for (const char *p = st->bundle; *p; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
}

static void
check_state(const struct rt_state *st)
{
	FUZZ_ASSERT((unsigned)st->status < RT_STATUS_COUNT);
	FUZZ_ASSERT(st->pid >= 0 && st->pid <= RT_PID_MAX);
	FUZZ_ASSERT(st->status != RT_STATUS_STOPPED || st->pid == 0);
	FUZZ_ASSERT(st->pid > 0 || st->status == RT_STATUS_STOPPED ||
		    st->status == RT_STATUS_CREATING);
	FUZZ_ASSERT(st->created >= 0);
	check_strings(st);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 8 * size + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__RtStateReply *rep = crisp__helper__rt_state_reply__unpack(&a, size, data);
	if (!rep)
		return 0;
	struct rt_state st;
	memset(&st, 0x5a, sizeof(st));
	int r = rtstate_reply_state(rep, &st);
	FUZZ_ASSERT(r == 0 || r == -EPROTO);
	if (r == 0)
		check_state(&st);
	crisp__helper__rt_state_reply__free_unpacked(rep, &a);
	return 0;
}
