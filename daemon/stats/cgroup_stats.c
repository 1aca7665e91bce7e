/* SPDX-License-Identifier: Apache-2.0 */
/* Pure readers of cgroup v1/v2 stat files and /proc/net/dev for the stats RPCs. The bytes
 * come from the kernel, but a parse here never trusts a length, a terminator or a digit count.
 * runs in: daemon/privileged. */
#include "daemon/stats/cgroup_stats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A decimal at t->p[*i] (no sign), advancing *i. -EINVAL without digits, -ERANGE on overflow. */
static int
parse_u64(struct cgs_text t, size_t *i, uint64_t *ret)
{
	uint64_t v = 0;
	size_t start = *i;
	while (*i < t.n && t.p[*i] >= '0' && t.p[*i] <= '9') {
		if (__builtin_mul_overflow(v, 10u, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(t.p[*i] - '0'), &v))
			return -ERANGE;
		(*i)++;
	}
	if (*i == start)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
cgs_single(struct cgs_text t, uint64_t *ret)
{
	size_t i = 0;
	uint64_t v;
	if (t.n >= 3 && memcmp(t.p, "max", 3) == 0) {
		i = 3;
		v = UINT64_MAX;
	} else {
		int r = parse_u64(t, &i, &v);
		if (r < 0)
			return r;
	}
	if (i < t.n && t.p[i] != '\n')
		return -EINVAL;
	*ret = v;
	return 0;
}

int
cgs_flat_get(struct cgs_text t, const char *key, uint64_t *ret)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < t.n;) {
		const char *nl = memchr(t.p + i, '\n', t.n - i);
		size_t end = nl ? (size_t)(nl - t.p) : t.n;
		if (end - i > kl && memcmp(t.p + i, key, kl) == 0 && t.p[i + kl] == ' ') {
			size_t j = i + kl + 1;
			uint64_t v;
			int r = parse_u64(t, &j, &v);
			if (r < 0 || j != end)
				return r < 0 ? r : -EINVAL;
			*ret = v;
			return 0;
		}
		i = end + 1;
	}
	return -ENOENT;
}

int
cgs_cpu_v1(struct cgs_text cpuacct_usage, uint64_t *ret_ns)
{
	return cgs_single(cpuacct_usage, ret_ns);
}

int
cgs_cpu_v2(struct cgs_text cpu_stat, uint64_t *ret_ns)
{
	uint64_t us;
	int r = cgs_flat_get(cpu_stat, "usage_usec", &us);
	if (r < 0)
		return r;
	if (__builtin_mul_overflow(us, 1000u, ret_ns))
		return -ERANGE;
	return 0;
}

/* The fields both versions share, once usage and the stat keys' names are known. */
static int
mem_common(uint64_t usage, struct cgs_text stat, const char *const keys[4], struct cgs_mem *ret)
{
	uint64_t inactive = 0, rss = 0, pgf = 0, pgmaj = 0;
	int r = cgs_flat_get(stat, keys[0], &inactive);
	if (r == 0)
		r = cgs_flat_get(stat, keys[1], &rss);
	if (r == 0)
		r = cgs_flat_get(stat, keys[2], &pgf);
	if (r == 0)
		r = cgs_flat_get(stat, keys[3], &pgmaj);
	if (r < 0)
		return r;
	*ret = (struct cgs_mem){.usage = usage,
				.working_set = usage > inactive ? usage - inactive : 0,
				.rss = rss,
				.pgfault = pgf,
				.pgmajfault = pgmaj};
	return 0;
}

int
cgs_mem_v1(struct cgs_text usage, struct cgs_text stat, struct cgs_text limit, struct cgs_mem *ret)
{
	static const char *const keys[4] = {"total_inactive_file", "total_rss", "total_pgfault",
					    "total_pgmajfault"};
	uint64_t u, l;
	struct cgs_mem m;
	int r = cgs_single(usage, &u);
	if (r == 0)
		r = mem_common(u, stat, keys, &m);
	if (r < 0)
		return r;
	/* v1 has no "max": an unlimited group shows PAGE_COUNTER_MAX in bytes (~2^63). */
	if (cgs_single(limit, &l) == 0 && l < (1ull << 62)) {
		m.limit = l;
		m.limited = 1;
	}
	*ret = m;
	return 0;
}

int
cgs_mem_v2(struct cgs_text current, struct cgs_text stat, struct cgs_text max, struct cgs_mem *ret)
{
	static const char *const keys[4] = {"inactive_file", "anon", "pgfault", "pgmajfault"};
	uint64_t u, l;
	struct cgs_mem m;
	int r = cgs_single(current, &u);
	if (r == 0)
		r = mem_common(u, stat, keys, &m);
	if (r < 0)
		return r;
	if (cgs_single(max, &l) == 0 && l != UINT64_MAX) {
		m.limit = l;
		m.limited = 1;
	}
	*ret = m;
	return 0;
}

/* The name as data: printable ASCII other than '\\' kept, every other byte as \xNN. */
static void
escape_name(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > ' ' && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = '\0';
}

/* One "  name: rx_bytes rx_packets rx_errs ... tx_bytes tx_packets tx_errs ..." line. */
static int
netdev_line(struct cgs_text line, struct cgs_netif *ret)
{
	size_t i = 0;
	while (i < line.n && is_blank(line.p[i]))
		i++;
	const char *colon = memchr(line.p + i, ':', line.n - i);
	if (!colon)
		return -EINVAL;
	size_t nl = (size_t)(colon - (line.p + i));
	if (nl == 0 || nl > STATS_IFNAME_MAX)
		return -EINVAL;
	uint64_t f[16];
	size_t j = (size_t)(colon - line.p) + 1;
	for (size_t k = 0; k < 16; k++) {
		while (j < line.n && is_blank(line.p[j]))
			j++;
		if (parse_u64(line, &j, &f[k]) < 0)
			return -EINVAL;
	}
	escape_name(line.p + i, nl, ret->name);
	ret->rx_bytes = f[0];
	ret->rx_errors = f[2];
	ret->tx_bytes = f[8];
	ret->tx_errors = f[10];
	return 0;
}

int
cgs_netdev_parse(struct cgs_text t, struct cgs_netif *v, size_t max, size_t *ret_n)
{
	size_t n = 0, lineno = 0;
	for (size_t i = 0; i < t.n && n < max; lineno++) {
		const char *nl = memchr(t.p + i, '\n', t.n - i);
		size_t end = nl ? (size_t)(nl - t.p) : t.n;
		struct cgs_text line = {t.p + i, end - i};
		i = end + 1;
		if (lineno < 2)
			continue; /* the two header lines */
		if (netdev_line(line, &v[n]) == 0)
			n++;
	}
	if (lineno < 2)
		return -EINVAL;
	*ret_n = n;
	return 0;
}

/* "a-b-c.slice" as "/a.slice/a-b.slice/a-b-c.slice" appended at buf+*o (systemd's rule). */
static int
expand_slice(const char *slice, size_t len, char *buf, size_t sz, size_t *o)
{
	const size_t sfx = sizeof(".slice") - 1;
	if (len <= sfx || memcmp(slice + len - sfx, ".slice", sfx) != 0)
		return -EINVAL;
	if (len == sfx + 1 && slice[0] == '-')
		return 0; /* "-.slice" is the root */
	size_t base = len - sfx;
	for (size_t i = 0; i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		if (i == 0 || slice[i - 1] == '-')
			return -EINVAL; /* empty component */
		int w = snprintf(buf + *o, sz - *o, "/%.*s.slice", (int)i, slice);
		if (w < 0 || (size_t)w >= sz - *o)
			return -ENAMETOOLONG;
		*o += (size_t)w;
	}
	return 0;
}

int
cgs_dir_of(const char *cgroups_path, int systemd, char *buf, size_t sz)
{
	if (strstr(cgroups_path, "..") || strchr(cgroups_path, '\n') || sz == 0)
		return -EINVAL;
	if (!systemd) {
		if (cgroups_path[0] != '/')
			return -EINVAL;
		int w = snprintf(buf, sz, "%s", cgroups_path);
		return w < 0 || (size_t)w >= sz ? -ENAMETOOLONG : 0;
	}
	const char *c1 = strchr(cgroups_path, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if ((c1 && !c2) || strchr(cgroups_path, '/') || (c2 && strchr(c2 + 1, ':')))
		return -EINVAL;
	size_t o = 0;
	buf[0] = '\0';
	size_t sl = c1 ? (size_t)(c1 - cgroups_path) : strlen(cgroups_path);
	int r = expand_slice(cgroups_path, sl, buf, sz, &o);
	if (r < 0 || !c1) { /* a slice alone (a pod's cgroup parent): "-.slice" is "/" */
		if (r == 0 && o == 0)
			r = sz > 1 ? (buf[0] = '/', buf[1] = '\0', 0) : -ENAMETOOLONG;
		return r;
	}
	int w = snprintf(buf + o, sz - o, "/%.*s-%s.scope", (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	return w < 0 || (size_t)w >= sz - o ? -ENAMETOOLONG : 0;
}
