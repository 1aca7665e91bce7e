/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for parsers/runtime_state.c `runc state` / `crun state` parsing: parse,
 * check what a success promises (status, pid range, id alphabet, bundle shape), free.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/fuzz_check.h"
#include "parsers/base/limits.h"
#include "parsers/runtime_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_bundle(const char *b)
{
	size_t n = strlen(b);
	FUZZ_ASSERT(n >= 1 && n <= RT_PATH_MAX && b[0] == '/');
	FUZZ_ASSERT(!strstr(b, "/../") && !(n >= 3 && strcmp(b + n - 3, "/..") == 0));
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT(b[i] >= 0x20 && b[i] < 0x7f);
}

static void
check_state(const struct runtime_state *s)
{
	FUZZ_ASSERT(runtime_state_status_name(s->status) != NULL);
	FUZZ_ASSERT(s->pid >= 0 && s->pid <= RT_PID_MAX);
	FUZZ_ASSERT(s->status != RUNTIME_STATE_STATUS_STOPPED || s->pid == 0);
	FUZZ_ASSERT(s->pid > 0 || s->status == RUNTIME_STATE_STATUS_STOPPED ||
		    s->status == RUNTIME_STATE_STATUS_CREATING);
	size_t n = strlen(s->id);
	FUZZ_ASSERT(n >= 1 && n <= RT_ID_MAX && strcmp(s->id, "..") != 0 && !strchr(s->id, '/'));
	check_bundle(s->bundle);
	FUZZ_ASSERT(s->created_ns >= 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct runtime_state *s = NULL;
	struct parse_error e;
	fuzz_poison_error(&e);
	int r = runtime_state_parse(data, size, &s, &e);
	if (r < 0) {
		fuzz_check_error(r, &e);
		return 0;
	}
	FUZZ_ASSERT(r == 0 && s);
	check_state(s);
	runtime_state_free(s);
	return 0;
}
