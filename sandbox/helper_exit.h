/* SPDX-License-Identifier: Apache-2.0 */
/* Exit codes of crisp-helper-* binaries: part of the helper protocol (the daemon maps them to
 * errors; a helper that fails fast picks the code that names the failing step).
 * runs in: daemon/privileged and helper/untrusted. */
#ifndef CRISP_SANDBOX_HELPER_EXIT_H
#define CRISP_SANDBOX_HELPER_EXIT_H

enum helper_exit {
	HELPER_EXIT_OK = 0,        /* replied (a typed result or an Error body) */
	HELPER_EXIT_IDENTITY = 70, /* started with the wrong uid, groups, caps or namespaces */
	HELPER_EXIT_CONFINE = 71,  /* rlimits, no_new_privs, dumpable or seccomp setup failed */
	HELPER_EXIT_RECV = 72,     /* the request frame was missing, truncated or over its cap */
	HELPER_EXIT_DECODE = 73,   /* the request did not unpack, or wrong version or body */
	HELPER_EXIT_SEND = 74,     /* the reply could not be written */
	HELPER_EXIT_NOMEM = 75,    /* out of memory (the AS rlimit) */
	HELPER_EXIT_SECCOMP_TRAP = 76, /* debug builds only: a syscall outside the allowlist */
	HELPER_EXIT_INTERNAL = 77,     /* a helper bug caught by a check */
	HELPER_EXIT_SPAWN = 127,       /* the spawner's child failed before execve */
};

/* A short name for an exit code, or NULL for codes outside the protocol. */
static inline const char *
helper_exit_to_string(int code)
{
	switch (code) {
	case HELPER_EXIT_OK:
		return "ok";
	case HELPER_EXIT_IDENTITY:
		return "wrong identity at start";
	case HELPER_EXIT_CONFINE:
		return "confinement failed";
	case HELPER_EXIT_RECV:
		return "bad request frame";
	case HELPER_EXIT_DECODE:
		return "bad request message";
	case HELPER_EXIT_SEND:
		return "reply write failed";
	case HELPER_EXIT_NOMEM:
		return "out of memory";
	case HELPER_EXIT_SECCOMP_TRAP:
		return "syscall outside the allowlist (trap)";
	case HELPER_EXIT_INTERNAL:
		return "internal helper error";
	case HELPER_EXIT_SPAWN:
		return "spawn failed";
	default:
		return NULL;
	}
}

#endif
