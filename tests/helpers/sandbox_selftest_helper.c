/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-helper-selftest: a test-only helper (never installed) that confines itself exactly
 * like the parser helpers, then misbehaves on request so tests can prove the sandbox holds.
 * runs in: helper/untrusted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "helper.pb-c.h"
#include "helper_policies.h"
#include "parsers/base/macro.h"
#include "sandbox/frame.h"
#include "sandbox/helper_enter.h"

typedef Crisp__Helper__SelftestRequest SelftestRequest;
typedef Crisp__Helper__SelftestReply SelftestReply;

#define DECODE_BUDGET ((size_t)4 * 1024u * 1024u)
#define PROC_TEXT_MAX ((size_t)16 * 1024u)

/* Files opened before confinement and re-read after it: their contents are generated at read
 * time, so they show the confined state. */
struct preopened {
	int fds_at_start[16];
	size_t n_fds_at_start;
	int status, limits, net_dev;
	uint64_t ns[5]; /* net ipc uts mnt pid */
};

struct budget {
	ProtobufCAllocator a;
	size_t left;
};

static void *
budget_alloc(void *data, size_t size)
{
	struct budget *b = data;
	size_t total;
	if (__builtin_add_overflow(size, sizeof(size_t) * 2, &total) || total > b->left)
		return NULL;
	size_t *p = malloc(total);
	if (!p)
		return NULL;
	b->left -= total;
	p[0] = total;
	return p + 2;
}

static void
budget_free(void *data, void *ptr)
{
	struct budget *b = data;
	if (!ptr)
		return;
	size_t *p = (size_t *)ptr - 2;
	b->left += p[0];
	free(p);
}

/* Open above the fixed layout (fd 5 is the bulk slot even when unused): the policy allows
 * pread64 only on fds >= 6. */
static int
open_high(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fd > HELPER_FD_BULK)
		return fd;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, HELPER_FD_BULK + 1);
	(void)close(fd);
	return high;
}

/* Which fds did the spawner hand us? Everything above the fixed layout must be closed. */
static void
record_fds(struct preopened *pre)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		sandbox_helper_fail(HELPER_EXIT_INTERNAL, "cannot list /proc/self/fd");
	int own = dirfd(d);
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (e->d_name[0] == '.' || *end != '\0' || fd == own)
			continue;
		if (pre->n_fds_at_start < ELEMENTSOF(pre->fds_at_start))
			pre->fds_at_start[pre->n_fds_at_start++] = (int)fd;
	}
	(void)closedir(d);
	/* readdir order is not numeric order */
	for (size_t i = 1; i < pre->n_fds_at_start; i++)
		for (size_t j = i; j > 0 && pre->fds_at_start[j - 1] > pre->fds_at_start[j]; j--) {
			int t = pre->fds_at_start[j];
			pre->fds_at_start[j] = pre->fds_at_start[j - 1];
			pre->fds_at_start[j - 1] = t;
		}
}

static void
preopen(struct preopened *pre)
{
	static const char *const ns[] = {"net", "ipc", "uts", "mnt", "pid"};
	pre->status = open_high("/proc/self/status");
	pre->limits = open_high("/proc/self/limits");
	pre->net_dev = open_high("/proc/self/net/dev");
	if (pre->status < 0 || pre->limits < 0 || pre->net_dev < 0)
		sandbox_helper_fail(HELPER_EXIT_INTERNAL, "cannot open /proc/self files");
	for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
		char path[32];
		struct stat st;
		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
		pre->ns[i] = stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
	}
}

/* ---- replies -------------------------------------------------------------------------------- */

static _Noreturn void
send_reply(uint64_t request_id, SelftestReply *body)
{
	Crisp__Helper__HelperReply rep = CRISP__HELPER__HELPER_REPLY__INIT;
	rep.proto_version = CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1;
	rep.request_id = request_id;
	rep.body_case = CRISP__HELPER__HELPER_REPLY__BODY_SELFTEST;
	rep.selftest = body;
	size_t len = crisp__helper__helper_reply__get_packed_size(&rep);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "no memory for the reply");
	(void)crisp__helper__helper_reply__pack(&rep, buf);
	if (sandbox_helper_send(buf, len, POLICY_SELFTEST->reply_max) < 0)
		sandbox_helper_fail(HELPER_EXIT_SEND, "cannot send the reply");
	_exit(HELPER_EXIT_OK);
}

static _Noreturn void
echo(uint64_t request_id, const SelftestRequest *req)
{
	SelftestReply body;
	crisp__helper__selftest_reply__init(&body); /* the INIT macro casts away const */
	body.payload = req->payload;
	send_reply(request_id, &body);
}

static void
write_raw(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = write(HELPER_FD_REPLY, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			sandbox_helper_fail(HELPER_EXIT_SEND, "write to the reply pipe failed");
		p += n;
		len -= (size_t)n;
	}
}

/* A header claiming `claim` bytes, then `actual` bytes of 0x5a. */
static void
write_claim(uint64_t claim, uint64_t actual)
{
	uint8_t hdr[FRAME_HEADER_SIZE];
	static uint8_t chunk[64 * 1024];
	memset(chunk, 0x5a, sizeof(chunk));
	frame_header_encode(claim > UINT32_MAX ? UINT32_MAX : (uint32_t)claim, hdr);
	write_raw(hdr, sizeof(hdr));
	while (actual > 0) {
		size_t n = actual < sizeof(chunk) ? (size_t)actual : sizeof(chunk);
		write_raw(chunk, n);
		actual -= n;
	}
}

static _Noreturn void
reply_garbage(uint64_t size)
{
	size_t n = size > 0 && size <= POLICY_SELFTEST->reply_max ? (size_t)size : 16;
	uint8_t *buf = malloc(n);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "no memory");
	memset(buf, 0xff, n); /* a truncated varint tag: never a valid protobuf message */
	if (sandbox_helper_send(buf, n, POLICY_SELFTEST->reply_max) < 0)
		sandbox_helper_fail(HELPER_EXIT_SEND, "cannot send");
	_exit(HELPER_EXIT_OK);
}

/* ---- REPORT -----------------------------------------------------------------------------------
 */

static char *
read_text(int fd)
{
	char *buf = malloc(PROC_TEXT_MAX + 1);
	if (!buf)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "no memory");
	size_t got = 0;
	while (got < PROC_TEXT_MAX) {
		ssize_t n = pread(fd, buf + got, PROC_TEXT_MAX - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return buf;
}

static _Noreturn void
report(uint64_t request_id, const struct preopened *pre)
{
	SelftestReply body;
	crisp__helper__selftest_reply__init(&body); /* the INIT macro casts away const */
	uid_t u[3];
	gid_t g[3];
	uint32_t uids[3], gids[3];
	if (getresuid(&u[0], &u[1], &u[2]) < 0 || getresgid(&g[0], &g[1], &g[2]) < 0)
		sandbox_helper_fail(HELPER_EXIT_INTERNAL, "getresuid");
	for (int i = 0; i < 3; i++) {
		uids[i] = u[i];
		gids[i] = g[i];
	}
	body.pid = getpid();
	body.n_uids = body.n_gids = 3;
	body.uids = uids;
	body.gids = gids;
	body.no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	body.seccomp_mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
	for (unsigned long cap = 0; cap < 64; cap++) {
		int have = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (have < 0)
			break;
		if (have == 1)
			body.bounding_set |= UINT64_C(1) << cap;
	}
	body.proc_status = read_text(pre->status);
	body.proc_limits = read_text(pre->limits);
	body.net_dev = read_text(pre->net_dev);
	body.ns_net = pre->ns[0];
	body.ns_ipc = pre->ns[1];
	body.ns_uts = pre->ns[2];
	body.ns_mnt = pre->ns[3];
	body.ns_pid = pre->ns[4];
	int32_t fds[ELEMENTSOF(pre->fds_at_start)];
	for (size_t i = 0; i < pre->n_fds_at_start; i++)
		fds[i] = pre->fds_at_start[i];
	body.fds_at_start = fds;
	body.n_fds_at_start = pre->n_fds_at_start;
	send_reply(request_id, &body);
}

/* ---- FORBIDDEN: each of these must end in SIGSYS, never return -------------------------- */

static long
forbidden(Crisp__Helper__SelftestRequest__Forbidden which)
{
	static const char *const argv[] = {"true", NULL};
	static const char *const envp[] = {NULL};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
	switch (which) {
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__OPEN:
		return syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__SOCKET:
		return syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__EXECVE:
		return syscall(SYS_execve, "/bin/true", argv, envp);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__PTRACE:
		return syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__MOUNT:
		return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__UNSHARE:
		return syscall(SYS_unshare, CLONE_NEWUSER);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__MMAP_EXEC:
		return syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__WRITE_FD:
		return syscall(SYS_write, 9, "x", 1);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__CLONE:
		return syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__CONNECT:
		return syscall(SYS_connect, HELPER_FD_REQUEST, &sin, sizeof(sin));
	case CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN__X32_GETPID:
#if defined(__x86_64__)
		/* The x32 ABI shares AUDIT_ARCH_X86_64; only the bad-arch check stops it. */
		return syscall(0x40000000L | SYS_getpid);
#else
		return syscall(-1L); /* no foreign ABI to try: still not on the allowlist */
#endif
	case _CRISP__HELPER__SELFTEST_REQUEST__FORBIDDEN_IS_INT_SIZE:
		break;
	}
	return -2;
}

/* ---- dispatch ---------------------------------------------------------------------------------
 */

static _Noreturn void
sleep_then_echo(uint64_t id, const SelftestRequest *req)
{
	struct timespec ts = {.tv_sec = req->sleep_ms / 1000u,
			      .tv_nsec = (long)(req->sleep_ms % 1000u) * 1000000L};
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	echo(id, req);
}

static _Noreturn void
alloc_then_echo(uint64_t id, const SelftestRequest *req)
{
	uint8_t *p = malloc(req->size ? (size_t)req->size : 1);
	if (!p)
		sandbox_helper_fail(HELPER_EXIT_NOMEM, "allocation refused (RLIMIT_AS)");
	memset(p, 1, (size_t)req->size);
	echo(id, req);
}

static _Noreturn void
read_bulk(uint64_t id, const SelftestRequest *req)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int e = sandbox_helper_read_bulk(req->size ? (size_t)req->size : 65536, &buf, &len);
	if (e == -EFBIG)
		sandbox_helper_fail(HELPER_EXIT_RECV, "bulk stream over its cap");
	if (e < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "cannot read fd 5");
	SelftestReply body;
	crisp__helper__selftest_reply__init(&body);
	body.payload.data = buf;
	body.payload.len = len;
	send_reply(id, &body);
}

static _Noreturn void
log_then_echo(uint64_t id, const SelftestRequest *req)
{
	for (uint64_t i = 0; i < req->size; i++)
		sandbox_helper_log("%.*s", (int)req->payload.len, (const char *)req->payload.data);
	echo(id, req);
}

static _Noreturn void
claim_then_exit(uint64_t claim, uint64_t actual)
{
	write_claim(claim, actual);
	_exit(HELPER_EXIT_OK);
}

static _Noreturn void
crash(void)
{
	volatile int *volatile nowhere = NULL;
	*nowhere = 1; /* NOLINT(clang-analyzer-core.NullDereference): the point */
	_exit(HELPER_EXIT_INTERNAL);
}

static _Noreturn void
dispatch(uint64_t id, const SelftestRequest *req, const struct preopened *pre)
{
	switch (req->action) {
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__ECHO:
		echo(id, req);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__REPORT:
		report(id, pre);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__FORBIDDEN:
		(void)forbidden(req->forbidden);
		sandbox_helper_fail(HELPER_EXIT_INTERNAL, "a forbidden syscall returned");
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__SLEEP:
		sleep_then_echo(id, req);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__SPIN:
		for (volatile unsigned long n = 0;; n++)
			;
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__REPLY_GARBAGE:
		reply_garbage(req->size);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__REPLY_ZERO_LENGTH:
		claim_then_exit(0, 0);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__REPLY_OVERSIZED:
		claim_then_exit(req->size, req->size);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__REPLY_TRUNCATED:
		claim_then_exit(req->size, req->size / 2);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__REPLY_TRAILING:
		claim_then_exit(8, 8 + 5);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__NO_REPLY:
		_exit(HELPER_EXIT_OK);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__EXIT_CODE:
		_exit(req->exit_code);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__CRASH:
		crash();
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__LOG:
		log_then_echo(id, req);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__ALLOC:
		alloc_then_echo(id, req);
	case CRISP__HELPER__SELFTEST_REQUEST__ACTION__READ_BULK:
		read_bulk(id, req);
	case _CRISP__HELPER__SELFTEST_REQUEST__ACTION_IS_INT_SIZE:
		break;
	}
	sandbox_helper_fail(HELPER_EXIT_DECODE, "unknown selftest action");
}

int
main(void)
{
	struct preopened pre = {.n_fds_at_start = 0};
	record_fds(&pre);
	preopen(&pre);
	sandbox_helper_enter(POLICY_SELFTEST);

	uint8_t *buf = NULL;
	size_t len = 0;
	if (sandbox_helper_recv(POLICY_SELFTEST->request_max, &buf, &len) < 0)
		sandbox_helper_fail(HELPER_EXIT_RECV, "no valid request frame");
	struct budget b = {.a = {budget_alloc, budget_free, NULL}, .left = DECODE_BUDGET};
	b.a.allocator_data = &b;
	Crisp__Helper__HelperRequest *req = crisp__helper__helper_request__unpack(&b.a, len, buf);
	/* Check the envelope before the body: version, a non-zero id, the one body we serve. */
	if (!req || req->proto_version != CRISP__HELPER__PROTO_VERSION__PROTO_VERSION_1 ||
	    req->request_id == 0 ||
	    req->body_case != CRISP__HELPER__HELPER_REQUEST__BODY_SELFTEST || !req->selftest)
		sandbox_helper_fail(HELPER_EXIT_DECODE, "bad request envelope");
	dispatch(req->request_id, req->selftest, &pre);
}
