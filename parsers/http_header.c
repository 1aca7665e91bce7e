/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP response-header parsers for the fetcher (see http_header.h).
 * runs in: helper/untrusted (crisp-helper-fetch). */
#include "parsers/http_header.h"

#include <string.h>

#include "parsers/base/digest.h"
#include "parsers/base/str.h"

static bool
tchar(char c)
{
	return char_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int
http_header_split(const char *line, size_t len, const char **ret_name, size_t *ret_name_len,
		  const char **ret_value, size_t *ret_value_len)
{
	if (len > FETCH_MAX_HEADER_LEN)
		return -E2BIG;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	size_t n = 0;
	while (n < len && tchar(line[n]))
		n++;
	/* No name (a continuation line starts with a blank), or no colon right after it. */
	if (n == 0 || n >= len || line[n] != ':')
		return -EINVAL;
	size_t v = n + 1, end = len;
	while (v < end && (line[v] == ' ' || line[v] == '\t'))
		v++;
	while (end > v && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	for (size_t i = v; i < end; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			return -EINVAL;
	*ret_name = line;
	*ret_name_len = n;
	*ret_value = line + v;
	*ret_value_len = end - v;
	return 0;
}

bool
http_header_is(const char *name, size_t len, const char *want)
{
	size_t wl = strlen(want);
	if (len != wl)
		return false;
	for (size_t i = 0; i < len; i++) {
		char a = name[i], b = want[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* Decimal digits at v[*pos..) up to a byte not a digit. */
static int
number(const char *v, size_t len, size_t *pos, uint64_t *ret)
{
	size_t s = *pos;
	while (*pos < len && char_is_digit(v[*pos]))
		(*pos)++;
	return str_to_u64(v + s, *pos - s, INT64_MAX, ret);
}

int
http_content_range_parse(const char *v, size_t len, uint64_t *ret_first, uint64_t *ret_last,
			 uint64_t *ret_total, struct parse_error *reterr)
{
	uint64_t first, last, total = UINT64_MAX;
	size_t pos = 6;
	if (len < 6 || memcmp(v, "bytes ", 6) != 0)
		return parse_error_set(reterr, PARSE_ERR_SYNTAX, 0, NULL,
				       "Content-Range: unit is not bytes");
	if (number(v, len, &pos, &first) < 0 || pos >= len || v[pos++] != '-' ||
	    number(v, len, &pos, &last) < 0 || pos >= len || v[pos++] != '/')
		return parse_error_set(reterr, PARSE_ERR_SYNTAX, pos, NULL,
				       "Content-Range: expected first-last/total");
	if (pos + 1 == len && v[pos] == '*')
		pos++;
	else if (number(v, len, &pos, &total) < 0)
		return parse_error_set(reterr, PARSE_ERR_SYNTAX, pos, NULL,
				       "Content-Range: bad total");
	if (pos != len)
		return parse_error_set(reterr, PARSE_ERR_SYNTAX, pos, NULL,
				       "Content-Range: trailing bytes");
	if (last < first || (total != UINT64_MAX && last >= total))
		return parse_error_set(reterr, PARSE_ERR_RANGE, PARSE_OFFSET_NONE, NULL,
				       "Content-Range: inconsistent range");
	*ret_first = first;
	*ret_last = last;
	*ret_total = total;
	return 0;
}

static bool
mt_name_ok(const char *s, size_t len)
{
	if (len == 0 || len > 127 || !char_is_alnum(s[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		/* s[i] != 0 first: strchr() finds the terminator, so a NUL would pass. */
		if (!char_is_alnum(s[i]) && (s[i] == '\0' || !strchr("!#$&-^_.+", s[i])))
			return false;
	return true;
}

int
http_media_type_parse(const char *v, size_t len, char *out, size_t cap, struct parse_error *reterr)
{
	const char *semi = memchr(v, ';', len);
	size_t n = semi ? (size_t)(semi - v) : len;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	const char *slash = memchr(v, '/', n);
	if (!slash || !mt_name_ok(v, (size_t)(slash - v)) ||
	    !mt_name_ok(slash + 1, n - (size_t)(slash - v) - 1))
		return parse_error_set(reterr, PARSE_ERR_VALUE, 0, NULL,
				       "Content-Type is not a media type");
	if (n > MEDIA_TYPE_MAX_LEN || n >= cap)
		return parse_error_set(reterr, PARSE_ERR_LIMIT, 0, NULL, "Content-Type too long");
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int
http_digest_parse(const char *v, size_t len, char *out, size_t cap, struct parse_error *reterr)
{
	if (digest_check(v, len, NULL) < 0)
		return parse_error_set(reterr, PARSE_ERR_VALUE, 0, NULL,
				       "Docker-Content-Digest is not a digest");
	if (len >= cap)
		return parse_error_set(reterr, PARSE_ERR_LIMIT, 0, NULL, "digest too long");
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}
