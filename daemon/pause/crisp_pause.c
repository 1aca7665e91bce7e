/* SPDX-License-Identifier: Apache-2.0 */
/* crisp-pause: the infra process of a pod that shares one PID namespace. It is PID 1 there:
 * it reaps every orphan the pod's containers leave, and exits on SIGTERM or SIGINT. Static,
 * no libraries beyond libc, nothing to configure.
 * runs in: a container (the pod's PID namespace), as an unprivileged user. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void
on_child(int sig)
{
	(void)sig;
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int
main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return 1;
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return 1;
	while (!stop)
		(void)pause();
	return 0;
}
