/* SPDX-License-Identifier: Apache-2.0 */
/* Pinned pod namespaces (see pod_ns.h). The child is forked from a threaded daemon, so it
 * uses only async-signal-safe calls: every path is built before fork().
 * runs in: daemon/privileged. */
#include "daemon/pods/pod_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parsers/base/macro.h"

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
	char pin[3][4200];
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

/* Bind-mount the child's namespaces onto the pin files. */
static int
pin_all(const struct pod_ns_opts *o, struct prepared *p, pid_t child, char *err, size_t errsz)
{
	const int want[3] = {o->new_net, o->new_ipc, o->new_uts};
	for (int i = 0; i < 3; i++) {
		if (!want[i])
			continue;
		snprintf(p->src[i], sizeof(p->src[i]), "/proc/%d/ns/%s", (int)child, ns_names[i]);
		int fd =
		    open(p->pin[i], O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
		if (fd < 0 || close(fd) < 0 ||
		    mount(p->src[i], p->pin[i], NULL, MS_BIND, NULL) < 0) {
			snprintf(err, errsz, "pin %s namespace at %s: %s", ns_names[i], p->pin[i],
				 strerror(errno));
			return -errno;
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
	int flags = (o->new_net ? CLONE_NEWNET : 0) | (o->new_ipc ? CLONE_NEWIPC : 0) |
		    (o->new_uts ? CLONE_NEWUTS : 0);
	int rep_pipe[2], go_pipe[2];
	if (pipe2(rep_pipe, O_CLOEXEC) < 0 || pipe2(go_pipe, O_CLOEXEC) < 0) {
		(void)rmdir(o->dir);
		return -errno;
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* Drop our copies of the parent's ends, or the read below never sees EOF. */
		(void)close(rep_pipe[0]);
		(void)close(go_pipe[1]);
		struct child_report rep = child_setup(o, &p, flags);
		(void)!write(rep_pipe[1], &rep, sizeof(rep));
		char c;
		(void)!read(go_pipe[0], &c, 1); /* stay alive until the parent pinned us */
		_exit(rep.step == STEP_OK ? 0 : 1);
	}
	closep(&rep_pipe[1]);
	closep(&go_pipe[0]);
	struct child_report rep = {STEP_UNSHARE, ECHILD, 0};
	r = pid < 0 ? -errno : 0;
	if (r == 0 && read(rep_pipe[0], &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
		rep = (struct child_report){STEP_UNSHARE, ECHILD, 0};
	if (r == 0 && rep.step != STEP_OK) {
		report_error(o, &rep, err, errsz);
		r = -rep.err;
	}
	if (r == 0)
		r = pin_all(o, &p, pid, err, errsz);
	closep(&go_pipe[1]); /* lets the child exit */
	closep(&rep_pipe[0]);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (r < 0)
		(void)pod_ns_remove(o->dir);
	return r;
}

int
pod_ns_remove(const char *dir)
{
	int first = 0;
	for (int i = 0; i < 3; i++) {
		char pin[4200];
		snprintf(pin, sizeof(pin), "%s/%s", dir, ns_names[i]);
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
