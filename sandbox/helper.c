/* SPDX-License-Identifier: Apache-2.0 */
/* helper_run(): spawn a confined helper, feed it one request frame, collect one reply frame
 * and its stderr under a deadline (pidfd + poll), kill and reap it on any failure.
 * runs in: daemon/privileged (any worker thread; all state lives on the caller's stack). */
#include "sandbox/helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parsers/base/macro.h"
#include "sandbox/frame.h"
#include "sandbox/helper_exit.h"
#include "sandbox/spawn.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

enum reply_state {
	REPLY_READING,  /* frame not complete yet */
	REPLY_COMPLETE, /* frame complete; watching for bytes after it */
	REPLY_CLOSED,   /* end of file (after a frame or not), or abandoned */
};

struct log_sink {
	char line[HELPER_LOG_LINE_MAX];
	size_t len;
	unsigned lines;
	size_t bytes;
	size_t dropped;
};

struct run {
	const struct helper_spec *spec;
	uint64_t start_ns, deadline_ns;
	struct spawn_child child;
	int req_w, reply_r, log_r; /* our ends; -EBADF once closed */
	struct frame_writer w;
	struct frame_reader r;
	enum reply_state reply;
	int reply_err;                 /* -EPROTO for a truncated frame, 0 otherwise */
	enum helper_error_code killed; /* why we killed it; HELPER_ERR_NONE if we did not */
	int kill_err;
	int exited;
	int got_epipe;
	struct log_sink sink;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
close_fd(int *fd)
{
	closep(fd);
	*fd = -EBADF;
}

/* ---- helper stderr: split into lines, cap per run, forward to the callback ------------- */

static void
sink_emit(struct run *r, const char *line, size_t len)
{
	struct log_sink *s = &r->sink;
	if (s->lines >= HELPER_LOG_MAX_LINES || s->bytes + len > HELPER_LOG_MAX_BYTES) {
		s->dropped += len + 1;
		return;
	}
	s->lines++;
	s->bytes += len;
	if (r->spec->log_fn)
		r->spec->log_fn(r->spec->log_userdata, r->spec->policy->name, r->child.pid,
				r->spec->request_id, line, len);
}

static void
sink_feed(struct run *r, const uint8_t *buf, size_t n)
{
	struct log_sink *s = &r->sink;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			sink_emit(r, s->line, s->len);
			s->len = 0;
		} else if (s->len < sizeof(s->line)) {
			s->line[s->len++] = (char)buf[i];
		} else {
			s->dropped++; /* the rest of an over-long line */
		}
	}
}

static void
sink_finish(struct run *r)
{
	struct log_sink *s = &r->sink;
	if (s->len > 0)
		sink_emit(r, s->line, s->len);
	s->len = 0;
	if (s->dropped > 0 && r->spec->log_fn) {
		char note[96];
		int n = snprintf(note, sizeof(note), "[%zu bytes of helper output dropped]",
				 s->dropped);
		if (n > 0)
			r->spec->log_fn(r->spec->log_userdata, r->spec->policy->name, r->child.pid,
					r->spec->request_id, note, (size_t)n);
	}
}

/* Read the log pipe until it would block or ends. */
static void
on_log(struct run *r)
{
	uint8_t buf[4096];
	for (;;) {
		ssize_t n = read(r->log_r, buf, sizeof(buf));
		if (n > 0) {
			sink_feed(r, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN)
			close_fd(&r->log_r);
		return;
	}
}

/* ---- killing, request and reply ---------------------------------------------------------- */

/* Kill the helper for a reason of ours; the first reason wins. The pidfd names exactly our
 * child, so a recycled pid can never be hit. */
static void
run_kill(struct run *r, enum helper_error_code why, int err)
{
	if (r->killed == HELPER_ERR_NONE) {
		r->killed = why;
		r->kill_err = err;
	}
	(void)pidfd_send_signal(r->child.pidfd, SIGKILL, NULL, 0);
}

static void
on_request(struct run *r)
{
	int e = frame_writer_feed(&r->w, r->req_w);
	if (e == 0)
		return;
	/* Done, or the helper stopped reading (EPIPE): either way the request side is over. Its
	 * exit status will say why it stopped. */
	if (e == -EPIPE)
		r->got_epipe = 1;
	close_fd(&r->req_w);
}

/* After a complete frame, any further byte is a protocol violation. */
static void
reply_check_trailing(struct run *r)
{
	uint8_t b;
	ssize_t n;
	do
		n = read(r->reply_r, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		run_kill(r, HELPER_ERR_PROTOCOL, -EPROTO);
		r->reply = REPLY_CLOSED;
	} else if (n == 0 || errno != EAGAIN) {
		r->reply = REPLY_CLOSED;
	}
}

static void
on_reply(struct run *r)
{
	if (r->reply == REPLY_COMPLETE) {
		reply_check_trailing(r);
		return;
	}
	int s = frame_reader_feed(&r->r, r->reply_r);
	if (s == FRAME_READER_MORE)
		return;
	if (s == FRAME_READER_COMPLETE) {
		r->reply = REPLY_COMPLETE;
		reply_check_trailing(r);
		return;
	}
	r->reply = REPLY_CLOSED;
	if (s == -EMSGSIZE) {
		/* The length header is untrusted: zero is garbage, too large is cut here, before
		 * a byte of it is buffered. */
		int zero = frame_header_decode(r->r.hdr) == 0;
		run_kill(r, zero ? HELPER_ERR_PROTOCOL : HELPER_ERR_TOO_BIG,
			 zero ? -EPROTO : -EMSGSIZE);
	} else if (s == -EPROTO) {
		r->reply_err = -EPROTO; /* end of file inside the frame */
	} else if (s < 0) {
		run_kill(r, HELPER_ERR_INTERNAL, s);
	}
}

/* ---- the event loop ------------------------------------------------------------------------ */

static int
poll_timeout_ms(uint64_t left_ns)
{
	uint64_t ms = (left_ns + 999999u) / 1000000u;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static void
run_dispatch(struct run *r, const struct pollfd p[4])
{
	if (p[3].revents && r->req_w >= 0)
		on_request(r);
	if (p[1].revents && r->reply != REPLY_CLOSED)
		on_reply(r);
	if (p[2].revents && r->log_r >= 0)
		on_log(r);
	if (p[0].revents)
		r->exited = 1;
}

/* Run until the helper exits or we kill it. */
static void
run_loop(struct run *r)
{
	while (!r->exited && r->killed == HELPER_ERR_NONE) {
		uint64_t now = now_ns();
		if (now >= r->deadline_ns) {
			run_kill(r, HELPER_ERR_TIMEOUT, -ETIMEDOUT);
			return;
		}
		struct pollfd p[4] = {
		    {.fd = r->child.pidfd, .events = POLLIN},
		    {.fd = r->reply != REPLY_CLOSED ? r->reply_r : -1, .events = POLLIN},
		    {.fd = r->log_r, .events = POLLIN},
		    {.fd = r->req_w, .events = POLLOUT},
		};
		int n = poll(p, ELEMENTSOF(p), poll_timeout_ms(r->deadline_ns - now));
		if (n < 0 && errno != EINTR) {
			run_kill(r, HELPER_ERR_INTERNAL, -errno);
			return;
		}
		if (n > 0)
			run_dispatch(r, p);
	}
}

/* The helper has exited: everything it wrote is in the pipes, followed by end of file. One
 * pass reads the rest of the frame, a second one checks that nothing follows it. */
static void
run_drain(struct run *r)
{
	for (int i = 0; i < 2 && r->reply != REPLY_CLOSED && r->killed == HELPER_ERR_NONE; i++)
		on_reply(r);
	if (r->reply == REPLY_READING)
		r->reply_err = -EPROTO; /* would block: some other process holds the pipe */
	if (r->log_r >= 0)
		on_log(r);
	sink_finish(r);
}

/* ---- outcome --------------------------------------------------------------------------------- */

static int fail(struct helper_error *e, enum helper_error_code code, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct helper_error *e, enum helper_error_code code, int err, const char *fmt, ...)
{
	e->code = code;
	e->err = err;
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return err;
}

static int
classify_status(const struct run *r, const siginfo_t *si, struct helper_error *e)
{
	const char *name = r->spec->policy->name;
	if (si->si_code == CLD_KILLED || si->si_code == CLD_DUMPED) {
		e->signal = si->si_status;
		if (si->si_status == SIGSYS)
			return fail(e, HELPER_ERR_SECCOMP, -ECHILD,
				    "helper %s made a syscall outside its allowlist (SIGSYS)",
				    name);
		return fail(e, HELPER_ERR_SIGNALED, -ECHILD, "helper %s killed by signal %d (%s)",
			    name, si->si_status, sigabbrev_np(si->si_status) ?: "?");
	}
	if (si->si_code == CLD_EXITED && si->si_status != 0) {
		e->exit_status = si->si_status;
		const char *what = helper_exit_to_string(si->si_status);
		return fail(e, HELPER_ERR_EXIT, -ECHILD, "helper %s exited with status %d (%s)",
			    name, si->si_status, what ? what : "not a protocol exit code");
	}
	if (si->si_code != CLD_EXITED)
		return fail(e, HELPER_ERR_INTERNAL, -ECHILD, "helper %s: unexpected wait status",
			    name);
	return 0;
}

static int
classify(const struct run *r, const siginfo_t *si, struct helper_error *e)
{
	const char *name = r->spec->policy->name;
	switch (r->killed) {
	case HELPER_ERR_TIMEOUT:
		return fail(e, r->killed, r->kill_err, "helper %s overran its %llu ms deadline",
			    name, (unsigned long long)((r->deadline_ns - r->start_ns) / 1000000u));
	case HELPER_ERR_TOO_BIG:
		return fail(e, r->killed, r->kill_err, "helper %s reply frame of %u bytes over cap",
			    name, frame_header_decode(r->r.hdr));
	case HELPER_ERR_PROTOCOL:
		return fail(e, r->killed, r->kill_err,
			    "helper %s broke the framing (zero length or bytes after the frame)",
			    name);
	case HELPER_ERR_INTERNAL:
		return fail(e, r->killed, r->kill_err, "helper %s: daemon-side I/O failed", name);
	case HELPER_ERR_NONE:
	case HELPER_ERR_INVALID:
	case HELPER_ERR_SPAWN:
	case HELPER_ERR_SECCOMP:
	case HELPER_ERR_SIGNALED:
	case HELPER_ERR_EXIT:
	case HELPER_ERR_COUNT:
		break;
	}
	int s = classify_status(r, si, e);
	if (s < 0)
		return s;
	if (r->reply_err < 0)
		return fail(e, HELPER_ERR_PROTOCOL, -EPROTO, "helper %s reply frame truncated",
			    name);
	if (r->reply != REPLY_COMPLETE && r->reply != REPLY_CLOSED)
		return fail(e, HELPER_ERR_PROTOCOL, -EPROTO, "helper %s: reply incomplete", name);
	if (!r->r.buf)
		return fail(e, HELPER_ERR_PROTOCOL, -EPROTO, "helper %s exited 0 without a reply",
			    name);
	return 0;
}

/* Reap through the pidfd. With SIGCHLD ignored by the process the kernel reaps for us and the
 * status is lost (ECHILD); that is reported as an internal error, never as success. */
static int
run_reap(struct run *r, siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	for (;;) {
		if (waitid((idtype_t)P_PIDFD, (id_t)r->child.pidfd, si, WEXITED) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* ---- SIGPIPE: a helper that dies before reading its request must not kill the daemon ---- */

struct sigpipe_guard {
	sigset_t old;
	int was_pending;
};

static void
sigpipe_block(struct sigpipe_guard *g)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &set, &g->old);
	g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

/* Consume the SIGPIPE our own write raised (only if none was pending before), then restore. */
static void
sigpipe_restore(const struct sigpipe_guard *g, int got_epipe)
{
	if (got_epipe && !g->was_pending) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGPIPE);
		const struct timespec zero = {0, 0};
		while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	(void)pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* ---- setup ------------------------------------------------------------------------------------
 */

static int
name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* Our ends are non-blocking (the event loop), the helper's stay blocking; all CLOEXEC. */
static int
make_pipe(int fds[2], int ours)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	int fl = fcntl(fds[ours], F_GETFL);
	if (fl < 0 || fcntl(fds[ours], F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = -errno;
		(void)close(fds[0]);
		(void)close(fds[1]);
		return e;
	}
	return 0;
}

static int
run_start(struct run *r, const char *path, struct helper_error *e)
{
	int lp[2], qp[2], rp[2];
	int err = make_pipe(lp, 0);
	if (err < 0)
		return fail(e, HELPER_ERR_INTERNAL, err, "pipe2: %s", strerrorname_np(-err));
	r->log_r = lp[0];
	cleanup_close int log_w = lp[1];
	if ((err = make_pipe(qp, 1)) < 0)
		return fail(e, HELPER_ERR_INTERNAL, err, "pipe2: %s", strerrorname_np(-err));
	r->req_w = qp[1];
	cleanup_close int req_r = qp[0];
	if ((err = make_pipe(rp, 0)) < 0)
		return fail(e, HELPER_ERR_INTERNAL, err, "pipe2: %s", strerrorname_np(-err));
	r->reply_r = rp[0];
	cleanup_close int reply_w = rp[1];

	const struct sandbox_policy *p = r->spec->policy;
	char argv0[64];
	(void)snprintf(argv0, sizeof(argv0), "crisp-helper-%s", p->name);
	const char *argv[] = {argv0, NULL};
	struct spawn_opts o = {
	    .path = path,
	    .argv = argv,
	    .fds = {-1, -1, log_w, req_r, reply_w, r->spec->bulk_fd > 0 ? r->spec->bulk_fd : -1},
	    .uid = p->uid,
	    .gid = p->gid,
	    .keep_caps = p->keep_caps,
	    .clone_flags = p->clone_flags,
	    .exec_label = r->spec->exec_label,
	};
	enum spawn_step step = SPAWN_STEP_NONE;
	err = spawn_start(&o, &r->child, &step);
	if (err < 0) {
		e->spawn_step = (int)step;
		return fail(e, HELPER_ERR_SPAWN, err, "cannot start helper %s: %s at %s", p->name,
			    strerrorname_np(-err) ?: "?", spawn_step_to_string(step));
	}
	return 0; /* the helper's pipe ends close here: EOF works once it exits */
}

static int
spec_check(const struct helper_spec *spec, size_t req_len, char *path, size_t pathsz,
	   struct helper_error *e)
{
	const struct sandbox_policy *p = spec->policy;
	if (!p || !p->name || !name_ok(p->name))
		return fail(e, HELPER_ERR_INVALID, -EINVAL, "bad helper policy or name");
	if (!spec->helper_dir || spec->helper_dir[0] != '/' ||
	    strnlen(spec->helper_dir, HELPER_DIR_MAX) >= HELPER_DIR_MAX)
		return fail(e, HELPER_ERR_INVALID, -EINVAL, "helper directory must be absolute");
	if (req_len == 0 || req_len > p->request_max || req_len > UINT32_MAX)
		return fail(e, HELPER_ERR_INVALID, -EMSGSIZE,
			    "request of %zu bytes outside 1..%llu for helper %s", req_len,
			    (unsigned long long)p->request_max, p->name);
	int n = snprintf(path, pathsz, "%s/crisp-helper-%s", spec->helper_dir, p->name);
	if (n < 0 || (size_t)n >= pathsz)
		return fail(e, HELPER_ERR_INVALID, -ENAMETOOLONG, "helper path too long");
	return 0;
}

static void
run_done(struct run *r)
{
	if (r->child.pidfd >= 0) {
		/* Every exit path kills and reaps: no helper outlives its call, no zombie stays. */
		siginfo_t si;
		(void)pidfd_send_signal(r->child.pidfd, SIGKILL, NULL, 0);
		(void)run_reap(r, &si);
	}
	close_fd(&r->child.pidfd);
	close_fd(&r->req_w);
	close_fd(&r->reply_r);
	close_fd(&r->log_r);
	frame_reader_done(&r->r);
}

static int
run_finish(struct run *r, uint8_t **ret_reply, size_t *ret_len, struct helper_error *e)
{
	siginfo_t si;
	int err = run_reap(r, &si);
	if (err < 0) {
		run_done(r);
		return fail(e, HELPER_ERR_INTERNAL, err, "helper %s: exit status lost: %s",
			    r->spec->policy->name, strerrorname_np(-err) ?: "?");
	}
	close_fd(&r->child.pidfd); /* reaped: nothing left to kill */
	if (r->killed == HELPER_ERR_NONE)
		run_drain(r);
	else
		sink_finish(r);
	err = classify(r, &si, e);
	if (err < 0)
		return err;
	frame_reader_take(&r->r, ret_reply, ret_len);
	return 0;
}

int
helper_run(const struct helper_spec *spec, const uint8_t *req, size_t req_len, uint8_t **ret_reply,
	   size_t *ret_len, struct helper_error *reterr)
{
	struct helper_error e = {.code = HELPER_ERR_NONE};
	char path[HELPER_DIR_MAX + 64];
	int err = spec_check(spec, req_len, path, sizeof(path), &e);
	if (err < 0) {
		*reterr = e;
		return err;
	}
	const struct sandbox_policy *p = spec->policy;
	struct run r = {.spec = spec,
			.child = {.pidfd = -EBADF},
			.req_w = -EBADF,
			.reply_r = -EBADF,
			.log_r = -EBADF};
	(void)frame_writer_init(&r.w, req, req_len, p->request_max);
	/* The policy's cap is the ceiling: a caller may only tighten it. */
	size_t cap = spec->reply_max && spec->reply_max < p->reply_max ? spec->reply_max
								       : (size_t)p->reply_max;
	frame_reader_init(&r.r, cap);
	r.start_ns = now_ns();
	uint64_t ms = spec->deadline_ms ? spec->deadline_ms : p->deadline_ms;
	r.deadline_ns =
	    r.start_ns + (ms < HELPER_DEADLINE_MAX_MS ? ms : HELPER_DEADLINE_MAX_MS) * 1000000u;
	struct sigpipe_guard g;
	sigpipe_block(&g);
	err = run_start(&r, path, &e);
	if (err == 0) {
		run_loop(&r);
		err = run_finish(&r, ret_reply, ret_len, &e);
	}
	run_done(&r);
	sigpipe_restore(&g, r.got_epipe);
	if (err < 0) {
		e.elapsed_ms = (now_ns() - r.start_ns) / 1000000u;
		*reterr = e;
	}
	return err;
}

const char *
helper_error_code_to_string(enum helper_error_code c)
{
	static const char *const names[HELPER_ERR_COUNT] = {
	    "none",     "invalid", "spawn",   "timeout",  "seccomp",
	    "signaled", "exit",    "too big", "protocol", "internal",
	};
	return (unsigned)c < HELPER_ERR_COUNT ? names[c] : "?";
}
