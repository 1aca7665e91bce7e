/* SPDX-License-Identifier: Apache-2.0 */
/* Formatting of policy refusals: the field, the quoted (escaped, truncated) value, the rule.
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#include "policy/policy_error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Append the escaped form of value to buf (size sz, NUL-terminated, silently truncated). */
static size_t
quote(char *buf, size_t sz, size_t pos, const char *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = len > POLICY_ERROR_QUOTE_MAX ? POLICY_ERROR_QUOTE_MAX : len;

	for (size_t i = 0; i < n && pos + 5 < sz; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			buf[pos++] = (char)c;
			continue;
		}
		buf[pos++] = '\\';
		buf[pos++] = 'x';
		buf[pos++] = hex[c >> 4];
		buf[pos++] = hex[c & 0xf];
	}
	if (n < len && pos + 4 < sz) {
		memcpy(buf + pos, "...", 3);
		pos += 3;
	}
	buf[pos] = '\0';
	return pos;
}

int
policy_error_set(struct policy_error *reterr, const char *field, const char *value, size_t len,
		 size_t offset, const char *rule)
{
	if (!reterr)
		return -EINVAL;
	reterr->field = field;
	reterr->rule = rule;
	reterr->offset = offset;

	char *m = reterr->message;
	size_t sz = sizeof(reterr->message);
	int r = snprintf(m, sz, "%s \"", field);
	size_t pos = r < 0 ? 0 : (size_t)r;
	if (pos >= sz)
		pos = sz - 1;
	pos = quote(m, sz, pos, value ? value : "", value ? len : 0);
	(void)snprintf(m + pos, sz - pos, "\": %s", rule);
	return -EINVAL;
}
