/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-rtstate replies (see rtstate_reply.h). The helper parsed
 * bytes a runtime printed about a container the workload controls, so treat it as compromised:
 * a pid the daemon signals, an id and a bundle it compares, text it logs.
 * runs in: daemon/privileged (pure, fuzzed). */
#include "daemon/replies/rtstate_reply.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/base/str.h"

/* The length of s if it is at most max bytes, else SIZE_MAX (a reply string can be long). */
static size_t
bounded_len(const char *s, size_t max)
{
	if (!s)
		return SIZE_MAX;
	size_t n = strnlen(s, max + 1);
	return n > max ? SIZE_MAX : n;
}

static bool
printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* Without this an id of "../x" would name another directory under the runtime's root. */
static bool
id_ok(const char *s)
{
	size_t n = bounded_len(s, RT_ID_MAX);
	if (n == SIZE_MAX || n == 0 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!char_is_alnum(s[i]) && !strchr("_+-.", s[i]))
			return false;
	return true;
}

static bool
bundle_ok(const char *s, size_t cap)
{
	size_t n = bounded_len(s, cap - 1);
	if (n == SIZE_MAX || n == 0 || s[0] != '/' || !printable(s, n))
		return false;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && s[j] != '/')
			j++;
		if (j - i == 2 && s[i] == '.' && s[i + 1] == '.')
			return false;
		i = j + 1;
	}
	return true;
}

static bool
status_from_proto(Crisp__Helper__RtStateReply__Status p, enum rt_status *ret)
{
	switch (p) {
	case CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_CREATING:
		*ret = RT_STATUS_CREATING;
		return true;
	case CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_CREATED:
		*ret = RT_STATUS_CREATED;
		return true;
	case CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_RUNNING:
		*ret = RT_STATUS_RUNNING;
		return true;
	case CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_PAUSED:
		*ret = RT_STATUS_PAUSED;
		return true;
	case CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_STOPPED:
		*ret = RT_STATUS_STOPPED;
		return true;
	case CRISP__HELPER__RT_STATE_REPLY__STATUS__STATUS_UNSPECIFIED:
	case _CRISP__HELPER__RT_STATE_REPLY__STATUS_IS_INT_SIZE:
		break;
	}
	return false;
}

/* A pid the daemon may signal: never 0 (the caller's process group) or negative (a group)
 * for a live container, and 0 for a stopped one (its pid may be reused by now). */
static bool
pid_ok(enum rt_status st, int32_t pid)
{
	if (st == RT_STATUS_STOPPED)
		return pid == 0;
	if (st == RT_STATUS_CREATING && pid == 0)
		return true;
	return pid >= 1 && pid <= RT_PID_MAX;
}

int
rtstate_reply_state(const Crisp__Helper__RtStateReply *r, struct rt_state *ret)
{
	enum rt_status st;
	if (!status_from_proto(r->status, &st) || !pid_ok(st, r->pid) || !id_ok(r->id) ||
	    !bundle_ok(r->bundle, sizeof(ret->bundle)) || r->created_ns < 0)
		return -EPROTO;
	_Static_assert(RT_ID_MAX < sizeof(ret->id), "rt_state.id holds RT_ID_MAX bytes");
	memset(ret, 0, sizeof(*ret));
	ret->status = st;
	ret->pid = r->pid;
	memcpy(ret->id, r->id, strlen(r->id) + 1);
	memcpy(ret->bundle, r->bundle, strlen(r->bundle) + 1);
	ret->created = r->created_ns;
	return 0;
}

static bool
conmon_msg_ok(const Crisp__Helper__ConmonSyncReply__Msg *m, size_t msg_cap)
{
	if (!m || (!m->has_pid && !m->has_data))
		return false;
	if (m->has_pid ? (m->pid < 1 || m->pid > RT_PID_MAX) : m->pid != 0)
		return false;
	if (m->has_data ? (m->data < CONMON_DATA_MIN || m->data > RT_PID_MAX) : m->data != 0)
		return false;
	size_t n = bounded_len(m->message, msg_cap - 1);
	return n != SIZE_MAX && printable(m->message, n);
}

int
rtstate_reply_conmon(const Crisp__Helper__ConmonSyncReply *r, struct conmon_msg *ret, size_t max,
		     size_t *ret_n)
{
	if (r->n_messages > CONMON_SYNC_MAX_MSGS || (r->n_messages > 0 && !r->messages))
		return -EPROTO;
	for (size_t i = 0; i < r->n_messages; i++)
		if (!conmon_msg_ok(r->messages[i], sizeof(ret->message)))
			return -EPROTO;
	if (r->n_messages > max)
		return -E2BIG;
	for (size_t i = 0; i < r->n_messages; i++) {
		const Crisp__Helper__ConmonSyncReply__Msg *m = r->messages[i];
		memset(&ret[i], 0, sizeof(ret[i]));
		ret[i].has_pid = m->has_pid;
		ret[i].pid = m->pid;
		ret[i].has_data = m->has_data;
		ret[i].data = m->data;
		memcpy(ret[i].message, m->message, strlen(m->message) + 1);
	}
	*ret_n = r->n_messages;
	return 0;
}
