/* SPDX-License-Identifier: Apache-2.0 */
/* Pure validators of crisp-helper-rtstate replies: every field of an RtStateReply or
 * ConmonSyncReply re-checked before it reaches struct rt_state / struct conmon_msg.
 * runs in: daemon/privileged (pure, no I/O; fuzzed). */
#ifndef CRISP_DAEMON_RTSTATE_REPLY_H
#define CRISP_DAEMON_RTSTATE_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "helper.pb-c.h"
#include "parsers/base/limits.h"

enum rt_status {
	RT_STATUS_CREATING,
	RT_STATUS_CREATED,
	RT_STATUS_RUNNING,
	RT_STATUS_PAUSED,
	RT_STATUS_STOPPED,
	RT_STATUS_COUNT
};

struct rt_state {
	enum rt_status status;
	int pid;                /* 0 when stopped; else 1..4194304 */
	char id[RT_ID_MAX + 1]; /* the container id as the runtime reports it */
	char bundle[RT_PATH_MAX + 1];
	int64_t created; /* unix ns, 0 when absent */
};

struct conmon_msg {
	int has_pid;
	int pid; /* {"pid": N} */
	int has_data;
	int data; /* {"data": N}: -1 = failure, else an exit code or pid as conmon uses it */
	char message[CONMON_MSG_MAX + 1]; /* printable ASCII, "" when absent */
};

/* Check r and fill *ret (written only on success): status in range, pid 0 when stopped and
 * 1..RT_PID_MAX when created, running or paused (0 or that range when creating), id of
 * 1..RT_ID_MAX bytes of [A-Za-z0-9_+.-] and not "." or "..", bundle absolute, printable ASCII,
 * no ".." component and shorter than sizeof(ret->bundle), created_ns >= 0.
 * Errors: -EPROTO. */
int rtstate_reply_state(const Crisp__Helper__RtStateReply *r, struct rt_state *ret);

/* Check every message of r and copy them into ret[0..max): at most max (and at most
 * CONMON_SYNC_MAX_MSGS) messages, each with a pid or data, pid 1..RT_PID_MAX, data
 * CONMON_DATA_MIN..RT_PID_MAX, message printable ASCII shorter than sizeof(ret->message).
 * ret and *ret_n are written only on success. Errors: -EPROTO, -E2BIG (more than max). */
int rtstate_reply_conmon(const Crisp__Helper__ConmonSyncReply *r, struct conmon_msg *ret,
			 size_t max, size_t *ret_n);

#endif
