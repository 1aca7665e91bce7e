/* SPDX-License-Identifier: Apache-2.0 */
/* Kill a process and everything it started: what ExecSync needs at its timeout, where the
 * command's children (a shell's background jobs, a script's sleep) must go too.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_PROCTREE_H
#define CRISP_DAEMON_PROCTREE_H

#include <sys/types.h>

/* The pid written in path (a `runc exec --pid-file`), opened as a pidfd: *ret_pidfd and
 * *ret_pid are written only on success. Taken while the runtime that wrote the file still
 * runs, the pid cannot have been reused (the runtime has not reaped it). Errors: -ENOENT (no
 * file or no pid yet), -ESRCH (already gone), -EINVAL (not a pid), other -errno. */
int proctree_open_pid_file(const char *path, int *ret_pidfd, pid_t *ret_pid);

/* Freeze root (through its pidfd) and its descendants with SIGSTOP, so none can fork or
 * exit meanwhile, collect the tree from /proc/<pid>/task/<tid>/children (at most
 * PROCTREE_MAX_PROCS processes, each file read with a bounded buffer), SIGKILL every member
 * (the root through its pidfd), then wait up to PROCTREE_EXIT_WAIT_MS for the root to exit.
 * Returns the number of processes signalled, or -errno when the root could not be signalled. */
int proctree_kill(int root_pidfd, pid_t root_pid);

#endif
