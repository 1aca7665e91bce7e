/* SPDX-License-Identifier: Apache-2.0 */
/* Start a helper process already confined by the kernel: born in fresh namespaces, with the
 * fixed fd layout, an unprivileged identity and no capabilities, before its first instruction.
 * runs in: daemon/privileged. */
#ifndef CRISP_SANDBOX_SPAWN_H
#define CRISP_SANDBOX_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

/* fds 0..5 of the helper: 0 and 1 /dev/null, 2 log, 3 request, 4 reply, 5 bulk (optional). */
#define SPAWN_NFDS 6

struct spawn_opts {
	const char *path;        /* absolute path of the binary to execve */
	const char *const *argv; /* NULL-terminated; the environment is empty */
	int fds[SPAWN_NFDS]; /* source fds for 2..5 (borrowed); 0 and 1 are ignored; -1 = closed */
	uint32_t uid, gid;   /* identity after setgroups(0)/setresgid/setresuid */
	uint64_t keep_caps;  /* capabilities kept across execve; requires uid 0 */
	int clone_flags;     /* CLONE_NEW* namespaces (no CLONE_NEWUSER) */
	const char *exec_label; /* SELinux context for the helper, or NULL */
};

/* The step of the child that failed (part of the error). */
enum spawn_step {
	SPAWN_STEP_NONE,
	SPAWN_STEP_CLONE,
	SPAWN_STEP_FDS,
	SPAWN_STEP_SIGNALS,
	SPAWN_STEP_PDEATHSIG,
	SPAWN_STEP_LABEL,
	SPAWN_STEP_BOUNDING,
	SPAWN_STEP_IDS,
	SPAWN_STEP_CAPS,
	SPAWN_STEP_EXEC,
	SPAWN_STEP_COUNT
};

struct spawn_child {
	pid_t pid;
	int pidfd; /* CLOEXEC; owned by the caller, who must reap through it */
};

/* Start o->path. Returns 0 with *ret filled once the child has called execve successfully.
 * On failure the child (if any) is already reaped, *reterr_step says where it failed and the
 * return value is -errno (-EINVAL for bad options). Safe to call from many threads at once:
 * the child shares the caller's memory until execve (CLONE_VM|CLONE_VFORK, like posix_spawn)
 * and therefore uses raw syscalls only. */
int spawn_start(const struct spawn_opts *o, struct spawn_child *ret, enum spawn_step *reterr_step);

const char *spawn_step_to_string(enum spawn_step s);

#endif
