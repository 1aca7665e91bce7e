/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's hostname, hosts and resolv.conf files and its /dev/shm (see pod_files.h).
 * runs in: daemon/privileged. Inputs come from kubelet and are validated here first. */
#include "daemon/pods/pod_files.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/store.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

/* RFC 1123 hostname as Kubernetes allows it: labels of [a-z0-9-] (no leading or trailing
 * '-'), dots between labels, at most 63 bytes in all (the UTS field is 64 with NUL). */
int
pod_files_check_hostname(const char *h, char *err, size_t errsz)
{
	size_t n = strlen(h);
	int ok =
	    n > 0 && n <= 63 && h[0] != '.' && h[0] != '-' && h[n - 1] != '.' && h[n - 1] != '-';
	for (size_t i = 0; ok && i < n; i++) {
		char c = h[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '-' || (c == '.' && h[i + 1] != '.');
	}
	if (!ok)
		snprintf(err, errsz,
			 "hostname: want 1-63 bytes of [a-zA-Z0-9.-], not starting or ending "
			 "with '-' or '.'");
	return ok ? 0 : -EINVAL;
}

static int
search_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > DNS_MAX_SEARCH_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_'))
			return 0;
	}
	return 1;
}

/* resolv.conf options are "name" or "name:value"; printable, no blanks. */
static int
option_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > DNS_MAX_OPTION_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '#' || s[i] == ';')
			return 0;
	return 1;
}

int
pod_files_check_dns(const Runtime__V1__DNSConfig *dns, char *err, size_t errsz)
{
	if (!dns)
		return 0;
	if (dns->n_servers > DNS_MAX_SERVERS || dns->n_searches > DNS_MAX_SEARCHES ||
	    dns->n_options > DNS_MAX_OPTIONS) {
		snprintf(err, errsz, "dns_config: at most %d servers, %d searches, %d options",
			 DNS_MAX_SERVERS, DNS_MAX_SEARCHES, DNS_MAX_OPTIONS);
		return -EINVAL;
	}
	for (size_t i = 0; i < dns->n_servers; i++) {
		unsigned char buf[16];
		if (inet_pton(AF_INET, dns->servers[i], buf) != 1 &&
		    inet_pton(AF_INET6, dns->servers[i], buf) != 1) {
			snprintf(err, errsz, "dns_config.servers[%zu]: not an IPv4 or IPv6 address",
				 i);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < dns->n_searches; i++)
		if (!search_ok(dns->searches[i])) {
			snprintf(err, errsz,
				 "dns_config.searches[%zu]: want a domain of [A-Za-z0-9._-], at "
				 "most %d bytes",
				 i, DNS_MAX_SEARCH_LEN);
			return -EINVAL;
		}
	for (size_t i = 0; i < dns->n_options; i++)
		if (!option_ok(dns->options[i])) {
			snprintf(err, errsz,
				 "dns_config.options[%zu]: want printable text without blanks, "
				 "'#' or ';', at most %d bytes",
				 i, DNS_MAX_OPTION_LEN);
			return -EINVAL;
		}
	return 0;
}

static int
copy_host_resolv(char **ret, size_t *ret_len)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r = store_read("/etc", "resolv.conf", HOST_RESOLV_MAX, &buf, &len);
	if (r == -ENOENT || r == -ELOOP) {
		/* A symlinked /etc/resolv.conf (systemd-resolved): follow it, still capped. */
		FILE *f = fopen("/etc/resolv.conf", "re");
		if (!f)
			return -errno;
		buf = malloc(HOST_RESOLV_MAX);
		len = buf ? fread(buf, 1, HOST_RESOLV_MAX, f) : 0;
		(void)fclose(f);
		if (!buf)
			return -ENOMEM;
		r = 0;
	}
	if (r < 0)
		return r;
	*ret = (char *)buf;
	*ret_len = len;
	return 0;
}

static int
build_resolv(const Runtime__V1__DNSConfig *dns, char **ret, size_t *ret_len)
{
	if (!dns || (dns->n_servers == 0 && dns->n_searches == 0 && dns->n_options == 0))
		return copy_host_resolv(ret, ret_len);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	if (dns->n_searches > 0) {
		fputs("search", f);
		for (size_t i = 0; i < dns->n_searches; i++)
			fprintf(f, " %s", dns->searches[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < dns->n_servers; i++)
		fprintf(f, "nameserver %s\n", dns->servers[i]);
	if (dns->n_options > 0) {
		fputs("options", f);
		for (size_t i = 0; i < dns->n_options; i++)
			fprintf(f, " %s", dns->options[i]);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	*ret_len = len;
	return 0;
}

int
pod_files_write(const char *run_dir, const char *hostname, const char *ip,
		const Runtime__V1__DNSConfig *dns, char *err, size_t errsz)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s\n", hostname);
	int r = store_write_atomic(run_dir, "hostname", buf, (size_t)n, 0644);
	if (r == 0) {
		n = snprintf(buf, sizeof(buf),
			     "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			     "%s%s%s%s",
			     ip ? ip : "", ip ? "\t" : "", ip ? hostname : "", ip ? "\n" : "");
		r = store_write_atomic(run_dir, "hosts", buf, (size_t)n, 0644);
	}
	cleanup_free char *resolv = NULL;
	size_t rlen = 0;
	if (r == 0)
		r = build_resolv(dns, &resolv, &rlen);
	if (r == 0)
		r = store_write_atomic(run_dir, "resolv.conf", resolv, rlen, 0644);
	if (r < 0)
		snprintf(err, errsz, "write pod files in %s: %s", run_dir, strerror(-r));
	return r;
}

int
pod_files_mount_shm(const char *run_dir, uint64_t size, char *err, size_t errsz)
{
	char path[CRISP_PATH_MAX], opts[64];
	int r = path_fmt(path, sizeof(path), "%s/shm", run_dir);
	if (r < 0) {
		snprintf(err, errsz, "%s/shm: %s", run_dir, strerror(-r));
		return r;
	}
	snprintf(opts, sizeof(opts), "mode=1777,size=%" PRIu64, size);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errsz, "create %s: %s", path, strerror(errno));
		return -errno;
	}
	if (mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
		int e = errno;
		snprintf(err, errsz, "mount tmpfs on %s: %s", path, strerror(e));
		(void)rmdir(path);
		return -e;
	}
	return 0;
}

int
pod_files_umount_shm(const char *run_dir)
{
	char path[CRISP_PATH_MAX];
	int r = path_fmt(path, sizeof(path), "%s/shm", run_dir);
	if (r < 0)
		return r;
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	return 0;
}
