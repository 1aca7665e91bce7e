/* SPDX-License-Identifier: Apache-2.0 */
/* Pinned pod namespaces (see pod_ns.h), made by a short-lived thread (no child process): every
 * path is built before the thread starts.
 * runs in: daemon/privileged. */
#include "daemon/pods/pod_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

static const char *const ns_names[3] = {"net", "ipc", "uts"};

/* What the child reports: which step failed (0 = none) and errno. */
enum child_step {
	STEP_OK,
	STEP_UNSHARE,
	STEP_HOSTNAME,
	STEP_LOOPBACK,
	STEP_SYSCTL_OPEN,
	STEP_SYSCTL_WRITE,
};

struct child_report {
	int step;
	int err;
	int index; /* sysctl index */
};

struct prepared {
	char sysctl_path[POD_NS_MAX_SYSCTLS][256];
	char pin[3][CRISP_PATH_MAX];
	char src[3][64];
};

static int
child_loopback_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (r == 0) {
		ifr.ifr_flags |= IFF_UP;
		r = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	int e = errno;
	(void)close(fd);
	return r < 0 ? -e : 0;
}

static struct child_report
child_setup(const struct pod_ns_opts *o, const struct prepared *p, int flags)
{
	struct child_report rep = {STEP_OK, 0, 0};
	if (unshare(flags) < 0)
		return (struct child_report){STEP_UNSHARE, errno, 0};
	if (o->new_uts && o->hostname && sethostname(o->hostname, strlen(o->hostname)) < 0)
		return (struct child_report){STEP_HOSTNAME, errno, 0};
	if (o->new_net) {
		int r = child_loopback_up();
		if (r < 0)
			return (struct child_report){STEP_LOOPBACK, -r, 0};
	}
	/* /proc/sys/net and the ipc sysctls resolve to the writer's namespaces, so these
	 * writes land in the pod's new namespaces and nowhere else. */
	for (size_t i = 0; i < o->n_sysctls; i++) {
		int fd = open(p->sysctl_path[i], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return (struct child_report){STEP_SYSCTL_OPEN, errno, (int)i};
		size_t l = strlen(o->sysctls[i].value);
		ssize_t n = write(fd, o->sysctls[i].value, l);
		int e = errno;
		(void)close(fd);
		if (n != (ssize_t)l)
			return (struct child_report){STEP_SYSCTL_WRITE, n < 0 ? e : EIO, (int)i};
	}
	return rep;
}

static int
prepare(const struct pod_ns_opts *o, struct prepared *p, char *err, size_t errsz)
{
	if (o->n_sysctls > POD_NS_MAX_SYSCTLS) {
		snprintf(err, errsz, "more than %d sysctls", POD_NS_MAX_SYSCTLS);
		return -E2BIG;
	}
	for (size_t i = 0; i < o->n_sysctls; i++) {
		int n = snprintf(p->sysctl_path[i], sizeof(p->sysctl_path[i]), "/proc/sys/%s",
				 o->sysctls[i].name);
		if (n < 0 || (size_t)n >= sizeof(p->sysctl_path[i]))
			return -ENAMETOOLONG;
		for (char *c = p->sysctl_path[i] + 10; *c; c++)
			if (*c == '.')
				*c = '/';
	}
	for (int i = 0; i < 3; i++)
		if (snprintf(p->pin[i], sizeof(p->pin[i]), "%s/%s", o->dir, ns_names[i]) >=
		    (int)sizeof(p->pin[i]))
			return -ENAMETOOLONG;
	return 0;
}

static void
report_error(const struct pod_ns_opts *o, const struct child_report *rep, char *err, size_t errsz)
{
	static const char *const what[] = {
	    "", "unshare", "sethostname", "bring up loopback", "open sysctl", "write sysctl"};
	if (rep->step >= STEP_SYSCTL_OPEN)
		snprintf(err, errsz, "%s %s=%s: %s", what[rep->step], o->sysctls[rep->index].name,
			 o->sysctls[rep->index].value, strerror(rep->err));
	else
		snprintf(err, errsz, "%s: %s", what[rep->step], strerror(rep->err));
}

/* The namespaces are made by a short-lived thread of the daemon, not a child process: unshare()
 * of net, ipc and uts applies to the calling thread only, the thread configures them, opens
 * /proc/thread-self/ns/<x> into the daemon's own fd table and exits. There is no fork, so no
 * process can inherit another request's pipes, crispd's lock or its socket, and nothing waits
 * for an EOF that depends on other processes (issue 13: concurrent forks wedged each other). */
struct ns_thread {
	const struct pod_ns_opts *o;
	const struct prepared *p;
	int flags;
	int fds[3]; /* opened ns files, -EBADF when not requested */
	struct child_report rep;
};

static void *
ns_thread_main(void *arg)
{
	struct ns_thread *t = arg;
	t->rep = child_setup(t->o, t->p, t->flags);
	const int want[3] = {t->o->new_net, t->o->new_ipc, t->o->new_uts};
	for (int i = 0; i < 3 && t->rep.step == STEP_OK; i++) {
		if (!want[i])
			continue;
		char path[64];
		snprintf(path, sizeof(path), "/proc/thread-self/ns/%s", ns_names[i]);
		t->fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (t->fds[i] < 0)
			t->rep = (struct child_report){STEP_UNSHARE, errno, 0};
	}
	return NULL; /* the thread's namespaces now live on in t->fds */
}

/* Run ns_thread_main and wait for it. Blocks every signal in the thread (the daemon's mask is
 * inherited; handlers never run there). */
static int
ns_thread_run(struct ns_thread *t)
{
	pthread_t th;
	sigset_t all, old;
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(&th, NULL, ns_thread_main, t);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0)
		return -e;
	e = pthread_join(th, NULL);
	return -e;
}

/* Bind-mount the namespaces held by fds onto the pin files. */
static int
pin_all(struct prepared *p, const int fds[3], char *err, size_t errsz)
{
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0)
			continue;
		snprintf(p->src[i], sizeof(p->src[i]), "/proc/self/fd/%d", fds[i]);
		int fd =
		    open(p->pin[i], O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
		if (fd < 0 || close(fd) < 0 ||
		    mount(p->src[i], p->pin[i], NULL, MS_BIND, NULL) < 0) {
			int e = errno;
			snprintf(err, errsz, "pin %s namespace at %s: %s", ns_names[i], p->pin[i],
				 strerror(e));
			return -e;
		}
	}
	return 0;
}

int
pod_ns_create(const struct pod_ns_opts *o, char *err, size_t errsz)
{
	struct prepared p;
	int r = prepare(o, &p, err, errsz);
	if (r < 0)
		return r;
	if (mkdir(o->dir, 0700) < 0) {
		snprintf(err, errsz, "create %s: %s", o->dir, strerror(errno));
		return -errno;
	}
	struct ns_thread t = {.o = o,
			      .p = &p,
			      .flags = (o->new_net ? CLONE_NEWNET : 0) |
				       (o->new_ipc ? CLONE_NEWIPC : 0) |
				       (o->new_uts ? CLONE_NEWUTS : 0),
			      .fds = {-EBADF, -EBADF, -EBADF}};
	r = ns_thread_run(&t);
	if (r < 0)
		snprintf(err, errsz, "start the namespace thread: %s", strerror(-r));
	else if (t.rep.step != STEP_OK) {
		report_error(o, &t.rep, err, errsz);
		r = -t.rep.err;
	}
	if (r == 0)
		r = pin_all(&p, t.fds, err, errsz);
	for (int i = 0; i < 3; i++)
		closep(&t.fds[i]);
	if (r < 0)
		(void)pod_ns_remove(o->dir);
	return r;
}

int
pod_ns_remove(const char *dir)
{
	int first = 0;
	for (int i = 0; i < 3; i++) {
		char pin[CRISP_PATH_MAX];
		if (path_fmt(pin, sizeof(pin), "%s/%s", dir, ns_names[i]) < 0) {
			first = first ? first : -ENAMETOOLONG;
			continue;
		}
		if (umount2(pin, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
		    errno != ENOENT && !first)
			first = -errno;
		if (unlink(pin) < 0 && errno != ENOENT && !first)
			first = -errno;
	}
	if (rmdir(dir) < 0 && errno != ENOENT && !first)
		first = -errno;
	return first;
}

int
pod_ns_prepare_root(const char *ns_root)
{
	if (mkdir(ns_root, 0700) < 0 && errno != EEXIST)
		return -errno;
	/* Making it private fails with EINVAL when it is not a mount point yet. */
	if (mount(NULL, ns_root, NULL, MS_PRIVATE, NULL) == 0)
		return 0;
	if (mount(ns_root, ns_root, NULL, MS_BIND, NULL) < 0)
		return -errno;
	return mount(NULL, ns_root, NULL, MS_PRIVATE, NULL) < 0 ? -errno : 0;
}
