/* SPDX-License-Identifier: Apache-2.0 */
/* MCS category-pair allocation (a bitmap over all pairs of the range), its text state, and
 * SELinux label composition. See selinux_mcs.h for the contracts.
 * runs in: daemon/privileged (pure: no I/O; allocates only in _new and _serialize). */
#include "policy/selinux_mcs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"

/* Random probes before falling back to a scan from a random start. */
#define MCS_RANDOM_PROBES 32u
#define MCS_STATE_MAGIC   "crisp-mcs 1 "

struct selinux_mcs {
	unsigned cat_min;
	unsigned ncat; /* categories in the range */
	size_t capacity;
	size_t used;
	selinux_mcs_random_fn random;
	void *userdata;
	uint64_t bits[]; /* bit i: pair index i in use */
};

/* Index of the pair (a, b) of category offsets, a < b < ncat: row a holds ncat-1-a pairs. */
static size_t
pair_index(const struct selinux_mcs *m, unsigned a, unsigned b)
{
	size_t n = m->ncat;
	return (size_t)a * (2 * n - a - 1) / 2 + (b - a - 1);
}

static struct selinux_mcs_pair
index_pair(const struct selinux_mcs *m, size_t idx)
{
	unsigned a = 0;
	size_t row = m->ncat - 1;
	while (idx >= row) {
		idx -= row;
		row--;
		a++;
	}
	return (struct selinux_mcs_pair){m->cat_min + a, m->cat_min + a + 1 + (unsigned)idx};
}

static bool
bit_get(const struct selinux_mcs *m, size_t i)
{
	return (m->bits[i / 64] >> (i % 64)) & 1u;
}

static void
bit_set(struct selinux_mcs *m, size_t i, bool on)
{
	uint64_t mask = UINT64_C(1) << (i % 64);
	if (on)
		m->bits[i / 64] |= mask;
	else
		m->bits[i / 64] &= ~mask;
}

int
selinux_mcs_new(const struct selinux_mcs_options *opts, struct selinux_mcs **ret)
{
	if (!opts->random || opts->cat_min >= opts->cat_max ||
	    opts->cat_max >= POLICY_MCS_CATEGORIES)
		return -EINVAL;
	size_t n = opts->cat_max - opts->cat_min + 1;
	size_t capacity = n * (n - 1) / 2;
	size_t words = (capacity + 63) / 64;
	struct selinux_mcs *m = calloc(1, sizeof(*m) + words * sizeof(uint64_t));
	if (!m)
		return -ENOMEM;
	m->cat_min = opts->cat_min;
	m->ncat = (unsigned)n;
	m->capacity = capacity;
	m->random = opts->random;
	m->userdata = opts->userdata;
	*ret = m;
	return 0;
}

struct selinux_mcs *
selinux_mcs_free(struct selinux_mcs *m)
{
	free(m);
	return NULL;
}

/* Index of a pair, or -ERANGE if it is not c1 < c2 within the range. */
static int
checked_index(const struct selinux_mcs *m, const struct selinux_mcs_pair *p, size_t *ret)
{
	if (p->c1 < m->cat_min || p->c2 <= p->c1 || p->c2 - m->cat_min >= m->ncat)
		return -ERANGE;
	*ret = pair_index(m, p->c1 - m->cat_min, p->c2 - m->cat_min);
	return 0;
}

int
selinux_mcs_allocate(struct selinux_mcs *m, struct selinux_mcs_pair *ret)
{
	if (m->used >= m->capacity)
		return -ENOSPC;
	size_t idx = 0;
	bool found = false;
	for (unsigned i = 0; i < MCS_RANDOM_PROBES && !found; i++) {
		idx = (size_t)(m->random(m->userdata) % m->capacity);
		found = !bit_get(m, idx);
	}
	/* Nearly full: scan from a random start so the choice stays unpredictable-ish and the
	 * call always finishes in O(capacity). */
	for (size_t k = 0; k < m->capacity && !found; k++) {
		idx = (idx + 1) % m->capacity;
		found = !bit_get(m, idx);
	}
	if (!found)
		return -ENOSPC; /* unreachable while used < capacity */
	bit_set(m, idx, true);
	m->used++;
	*ret = index_pair(m, idx);
	return 0;
}

int
selinux_mcs_reserve(struct selinux_mcs *m, const struct selinux_mcs_pair *pair)
{
	size_t idx;
	int r = checked_index(m, pair, &idx);
	if (r < 0)
		return r;
	if (bit_get(m, idx))
		return -EEXIST;
	bit_set(m, idx, true);
	m->used++;
	return 0;
}

int
selinux_mcs_release(struct selinux_mcs *m, const struct selinux_mcs_pair *pair)
{
	size_t idx;
	int r = checked_index(m, pair, &idx);
	if (r < 0)
		return r;
	if (!bit_get(m, idx))
		return -ENOENT;
	bit_set(m, idx, false);
	m->used--;
	return 0;
}

bool
selinux_mcs_in_use(const struct selinux_mcs *m, const struct selinux_mcs_pair *pair)
{
	size_t idx;
	return checked_index(m, pair, &idx) == 0 && bit_get(m, idx);
}

size_t
selinux_mcs_count(const struct selinux_mcs *m)
{
	return m->used;
}

size_t
selinux_mcs_capacity(const struct selinux_mcs *m)
{
	return m->capacity;
}

/* ---- text state ------------------------------------------------------------------------------ */

/* Longest line: "c1023,c1023\n". */

int
selinux_mcs_serialize(const struct selinux_mcs *m, char **ret, size_t *ret_len)
{
	size_t cap = sizeof(MCS_STATE_MAGIC) + 16 + m->used * POLICY_MCS_LINE_MAX + 1;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	int n = snprintf(buf, cap, MCS_STATE_MAGIC "%u %u\n", m->cat_min, m->cat_min + m->ncat - 1);
	size_t pos = n < 0 ? 0 : (size_t)n;
	for (size_t i = 0; i < m->capacity; i++) {
		if (!bit_get(m, i))
			continue;
		struct selinux_mcs_pair p = index_pair(m, i);
		n = snprintf(buf + pos, cap - pos, "c%u,c%u\n", p.c1, p.c2);
		pos += n < 0 ? 0 : (size_t)n;
	}
	*ret = buf;
	*ret_len = pos;
	return 0;
}

/* Parse a decimal number without sign or leading zeros below limit at s[*pos..len). */
static bool
parse_uint(const char *s, size_t len, size_t *pos, unsigned limit, unsigned *ret)
{
	size_t i = *pos;
	unsigned v = 0;

	if (i >= len || s[i] < '0' || s[i] > '9')
		return false;
	if (s[i] == '0' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')
		return false;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v >= limit)
			return false;
	}
	*pos = i;
	*ret = v;
	return true;
}

static bool
expect(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos >= len || s[*pos] != c)
		return false;
	(*pos)++;
	return true;
}

/* "c<X>,c<Y>" at s[*pos..len). */
static bool
parse_pair(const char *s, size_t len, size_t *pos, struct selinux_mcs_pair *ret)
{
	return expect(s, len, pos, 'c') &&
	       parse_uint(s, len, pos, POLICY_MCS_CATEGORIES, &ret->c1) &&
	       expect(s, len, pos, ',') && expect(s, len, pos, 'c') &&
	       parse_uint(s, len, pos, POLICY_MCS_CATEGORIES, &ret->c2);
}

static int
state_error(struct policy_error *reterr, const char *buf, size_t len, size_t off, const char *rule)
{
	size_t from = off > len ? len : off;
	return policy_error_set(reterr, "mcs state", buf + from, len - from, off, rule);
}

/* Parse and apply the pair lines after the header; on error the caller clears m. */
static int
load_pairs(struct selinux_mcs *m, const char *buf, size_t len, size_t pos,
	   struct policy_error *reterr)
{
	size_t prev = 0;
	bool first = true;
	while (pos < len) {
		size_t line = pos, idx;
		struct selinux_mcs_pair p;
		if (!parse_pair(buf, len, &pos, &p) || !expect(buf, len, &pos, '\n'))
			return state_error(reterr, buf, len, line, "bad pair line");
		if (checked_index(m, &p, &idx) < 0)
			return state_error(reterr, buf, len, line, "pair outside the range");
		if (!first && idx <= prev)
			return state_error(reterr, buf, len, line, "pairs not in increasing order");
		bit_set(m, idx, true);
		m->used++;
		prev = idx;
		first = false;
	}
	return 0;
}

int
selinux_mcs_deserialize(struct selinux_mcs *m, const char *buf, size_t len,
			struct policy_error *reterr)
{
	size_t pos = sizeof(MCS_STATE_MAGIC) - 1;
	unsigned lo, hi;

	if (m->used)
		return -EBUSY;
	if (len > (size_t)POLICY_MCS_STATE_MAX)
		return state_error(reterr, buf, len, 0, "larger than 8 MiB");
	if (len < pos || memcmp(buf, MCS_STATE_MAGIC, pos) != 0)
		return state_error(reterr, buf, len, 0, "bad header");
	if (!parse_uint(buf, len, &pos, POLICY_MCS_CATEGORIES, &lo) ||
	    !expect(buf, len, &pos, ' ') ||
	    !parse_uint(buf, len, &pos, POLICY_MCS_CATEGORIES, &hi) ||
	    !expect(buf, len, &pos, '\n'))
		return state_error(reterr, buf, len, 0, "bad header");
	if (lo != m->cat_min || hi != m->cat_min + m->ncat - 1)
		return state_error(reterr, buf, len, 0, "range differs from the configured one");

	int r = load_pairs(m, buf, len, pos, reterr);
	if (r < 0) {
		memset(m->bits, 0, (m->capacity + 63) / 64 * sizeof(uint64_t));
		m->used = 0;
	}
	return r;
}

/* ---- levels and labels ---------------------------------------------------------------------- */

int
selinux_mcs_format_level(const struct selinux_mcs_pair *pair, char *buf, size_t sz)
{
	int r = snprintf(buf, sz, "s0:c%u,c%u", pair->c1, pair->c2);
	return r < 0 || (size_t)r >= sz ? -ENOBUFS : r;
}

int
selinux_mcs_parse_level(const char *s, size_t len, struct selinux_mcs_pair *ret,
			struct policy_error *reterr)
{
	size_t pos = 0;
	struct selinux_mcs_pair p;

	if (!expect(s, len, &pos, 's') || !expect(s, len, &pos, '0') ||
	    !expect(s, len, &pos, ':') || !parse_pair(s, len, &pos, &p) || pos != len)
		return policy_error_set(reterr, "selinux level", s, len, pos,
					"must be \"s0:cX,cY\" with X < Y < 1024");
	if (p.c1 >= p.c2)
		return policy_error_set(reterr, "selinux level", s, len, 0,
					"categories must be increasing");
	*ret = p;
	return 0;
}

static bool
is_token(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

static const char *
pick(const char *requested, const char *fallback)
{
	return requested && requested[0] ? requested : fallback;
}

/* The level of the labels: the request's (checked) or the pod's pair. */
static int
label_level(const struct selinux_mcs_label_request *req, const struct selinux_mcs_pair *pod,
	    char *buf, size_t sz, struct policy_error *reterr)
{
	const char *lvl = req->level;
	if (!lvl || !lvl[0])
		return selinux_mcs_format_level(pod, buf, sz) < 0 ? -ENOBUFS : 0;
	size_t len = strlen(lvl);
	struct selinux_mcs_pair p;
	if (strcmp(lvl, "s0") != 0 && strcmp(lvl, "s0-s0:c0.c1023") != 0) {
		int r = selinux_mcs_parse_level(lvl, len, &p, reterr);
		if (r < 0)
			return r;
	}
	if (len >= sz)
		return -ENOBUFS;
	memcpy(buf, lvl, len + 1);
	return 0;
}

int
selinux_mcs_labels(const struct selinux_mcs_label_request *req, const struct selinux_mcs_pair *pod,
		   struct selinux_mcs_label_set *ret, struct policy_error *reterr)
{
	const char *user = pick(req->user, "system_u");
	const char *role = pick(req->role, "system_r");
	const char *type = pick(req->type, "container_t");
	struct selinux_mcs_label_set out;
	char level[32];

	if (!is_token(user))
		return policy_error_set(reterr, "selinux user", user, strlen(user), 0,
					"must be [A-Za-z0-9_]{1,64}");
	if (!is_token(role))
		return policy_error_set(reterr, "selinux role", role, strlen(role), 0,
					"must be [A-Za-z0-9_]{1,64}");
	if (!is_token(type))
		return policy_error_set(reterr, "selinux type", type, strlen(type), 0,
					"must be [A-Za-z0-9_]{1,64}");
	int r = label_level(req, pod, level, sizeof(level), reterr);
	if (r < 0)
		return r;
	/* Tokens are at most 64 bytes and the level 31, so both labels fit. */
	(void)snprintf(out.process, sizeof(out.process), "%s:%s:%s:%s", user, role, type, level);
	/* Files keep the default file type: a custom process type (say spc_t) still reads the
	 * container's own files through the policy's rules for container_file_t. */
	(void)snprintf(out.file, sizeof(out.file), "%s:object_r:container_file_t:%s", user, level);
	*ret = out;
	return 0;
}
