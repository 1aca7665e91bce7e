/* SPDX-License-Identifier: Apache-2.0 */
/* Leveled logging to stderr with request ids; untrusted strings are escaped first.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_LOG_H
#define CRISP_DAEMON_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_COUNT
};

/* Parse "error", "warn", "info" or "debug". Errors: -EINVAL. */
int log_level_from_string(const char *s, enum log_level *ret);
const char *log_level_to_string(enum log_level l);
void log_set_level(enum log_level l);
int log_enabled(enum log_level l);

/* Log one line: time, level, request id (0 = none) and the formatted message. Thread-safe. */
void log_msg(enum log_level l, uint64_t req, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copy an untrusted string for a log line: control bytes, '"', '\\' and non-ASCII become
 * \xHH, and the result is cut at LOG_MAX_UNTRUSTED input bytes with "..." appended.
 * out must hold 4 * LOG_MAX_UNTRUSTED + 4 bytes. Returns out. */
char *log_escape(const char *in, size_t len, char *out, size_t outsz);

#define log_error(req, ...) log_msg(LOG_LEVEL_ERROR, (req), __VA_ARGS__)
#define log_warn(req, ...)  log_msg(LOG_LEVEL_WARN, (req), __VA_ARGS__)
#define log_info(req, ...)  log_msg(LOG_LEVEL_INFO, (req), __VA_ARGS__)
#define log_debug(req, ...)                                                                        \
	do {                                                                                       \
		if (log_enabled(LOG_LEVEL_DEBUG))                                                  \
			log_msg(LOG_LEVEL_DEBUG, (req), __VA_ARGS__);                              \
	} while (0)

#endif
