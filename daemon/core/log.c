/* SPDX-License-Identifier: Apache-2.0 */
/* Leveled logging to stderr; one write(2) per line so lines from threads never interleave.
 * runs in: daemon/privileged. */
#include "daemon/core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parsers/base/limits.h"

static atomic_int max_level = LOG_LEVEL_INFO;

static const char *const level_names[LOG_LEVEL_COUNT] = {"error", "warn", "info", "debug"};

int
log_level_from_string(const char *s, enum log_level *ret)
{
	for (int i = 0; i < LOG_LEVEL_COUNT; i++)
		if (strcmp(s, level_names[i]) == 0) {
			*ret = (enum log_level)i;
			return 0;
		}
	if (strcmp(s, "warning") == 0) {
		*ret = LOG_LEVEL_WARN;
		return 0;
	}
	return -EINVAL;
}

const char *
log_level_to_string(enum log_level l)
{
	return (unsigned)l < LOG_LEVEL_COUNT ? level_names[l] : "?";
}

void
log_set_level(enum log_level l)
{
	atomic_store(&max_level, (int)l);
}

int
log_enabled(enum log_level l)
{
	return (int)l <= atomic_load(&max_level);
}

void
log_msg(enum log_level l, uint64_t req, const char *fmt, ...)
{
	if (!log_enabled(l))
		return;
	char line[2048];
	struct timespec ts;
	struct tm tm;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, log_level_to_string(l));
	if (n < 0)
		return;
	if (req != 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "req=%llu ",
			      (unsigned long long)req);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
}

char *
log_escape(const char *in, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (outsz < 8) {
		if (outsz)
			out[0] = '\0';
		return out;
	}
	for (i = 0; i < len && i < LOG_MAX_UNTRUSTED; i++) {
		unsigned char c = (unsigned char)in[i];
		if (o + 8 >= outsz)
			break;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}
