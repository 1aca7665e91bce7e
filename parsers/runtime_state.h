/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime output: the JSON of `runc state <id>` / `crun state <id>`, and the JSON messages
 * conmon writes on its sync pipe. Pure: bytes in, validated struct out.
 * runs in: helper/untrusted (crisp-helper-rtstate). */
#ifndef CRISP_PARSERS_RUNTIME_STATE_H
#define CRISP_PARSERS_RUNTIME_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/parse_error.h"

enum runtime_state_status {
	RUNTIME_STATE_STATUS_CREATING,
	RUNTIME_STATE_STATUS_CREATED,
	RUNTIME_STATE_STATUS_RUNNING,
	RUNTIME_STATE_STATUS_PAUSED,
	RUNTIME_STATE_STATUS_STOPPED,
	RUNTIME_STATE_STATUS_COUNT
};

struct runtime_state {
	enum runtime_state_status status;
	int32_t pid;  /* 0 when stopped (whatever the runtime printed) or creating without one;
		       * created, running and paused need 1..RT_PID_MAX */
	char *id;     /* 1..RT_ID_MAX bytes of [A-Za-z0-9_+.-], not "." or ".." */
	char *bundle; /* absolute, printable ASCII, no ".." component, <= RT_PATH_MAX bytes */
	int64_t created_ns; /* unix ns from the RFC 3339 "created"; 0 when absent */
};

/* Parse `<runtime> state` stdout: one JSON object of at most RT_STATE_MAX_BYTES, duplicate keys
 * (and keys that differ from a known one only in case) refused. Required: ociVersion, id, pid,
 * status (exactly one of "creating", "created", "running", "paused", "stopped"), bundle.
 * Optional, checked and dropped: rootfs, owner, annotations (an object of strings). Other keys
 * are ignored (crun adds "systemd-scope"). "created" is RFC 3339 (Go's RFC3339Nano: 0..9
 * fraction digits, "Z" or a numeric offset), between 1970 and 2262 (int64 ns).
 * On success *ret owns the result (runtime_state_free). Errors: -errno of the parse class. */
int runtime_state_parse(const uint8_t *buf, size_t len, struct runtime_state **ret,
			struct parse_error *reterr);
struct runtime_state *runtime_state_free(struct runtime_state *s);

/* "creating", ... for an enum value, NULL outside the enum. */
const char *runtime_state_status_name(enum runtime_state_status s);

struct runtime_state_conmon_msg {
	bool has_pid;
	int32_t pid; /* "pid": 1..RT_PID_MAX */
	bool has_data;
	int32_t
	    data; /* "data" (or conmon's api-version 0 "exit_code"): CONMON_DATA_MIN..RT_PID_MAX */
	char *message; /* printable ASCII (anything else became '?'), cut at CONMON_MSG_MAX bytes;
			* "" when absent */
};

struct runtime_state_conmon {
	struct runtime_state_conmon_msg *v;
	size_t n;
};

/* Parse what conmon wrote on a sync pipe: zero or more JSON objects, separated by nothing or
 * by blanks (conmon ends each with "\n"), at most CONMON_SYNC_MAX_BYTES in all and
 * CONMON_SYNC_MAX_MSGS objects. Each object needs "pid", "data" or "exit_code" (an integer;
 * "data" and "exit_code" together are refused) and may have "message" (a string); duplicate
 * and case-twin keys are refused, other keys ignored.
 * conmon 2.1.6 does not escape byte 0x1f nor bytes >= 0x80 of the runtime's stderr it quotes,
 * so inside strings every raw byte outside 0x20..0x7e becomes '?' before JSON decoding (the
 * message would be sanitised to that anyway); a raw NUL anywhere is refused, as is \u0000.
 * A trailing incomplete object is a syntax error. On success *ret owns the result
 * (runtime_state_conmon_free). */
int runtime_state_conmon_parse(const uint8_t *buf, size_t len, struct runtime_state_conmon **ret,
			       struct parse_error *reterr);
struct runtime_state_conmon *runtime_state_conmon_free(struct runtime_state_conmon *c);

#endif
