/* SPDX-License-Identifier: Apache-2.0 */
/* Helper side of the protocol: the confinement prologue every crisp-helper-* main calls
 * before it reads a byte of input, and one-frame request/reply I/O on fds 3 and 4.
 * runs in: helper/untrusted. */
#ifndef CRISP_SANDBOX_HELPER_ENTER_H
#define CRISP_SANDBOX_HELPER_ENTER_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox/filter.h"
#include "sandbox/helper_exit.h"

/* Fixed fd layout (STYLE.md "Helper IPC"). */
#define HELPER_FD_LOG     2
#define HELPER_FD_REQUEST 3
#define HELPER_FD_REPLY   4
#define HELPER_FD_BULK    5

/* Confine the calling helper according to p, in this order:
 *   1. check what the spawner did: uid/gid/groups as p says, bounding set within keep_caps,
 *      pid 1 of its own pid namespace when p asks for one, fds 2..4 open;
 *   2. capabilities: effective/permitted/inheritable = keep_caps, ambient cleared (libcap-ng);
 *   3. rlimits FSIZE, NOFILE, NPROC, CORE, AS (not under ASan), CPU (only ever lowered);
 *   4. PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0;
 *   5. the seccomp filter of p (sanitizer variant in SAN=1 builds), default KILL_PROCESS.
 * Call it after library init (anything that opens files or reads randomness, e.g. jansson's
 * json_object_seed()) and before reading input. Returns only when confined; on any failure it
 * writes one line to fd 2 and _exit()s with HELPER_EXIT_IDENTITY or HELPER_EXIT_CONFINE. */
void sandbox_helper_enter(const struct sandbox_policy *p);

/* Read the one request frame (at most cap bytes) from fd 3; *ret_buf is malloc'ed.
 * Errors: as frame_read(). */
int sandbox_helper_recv(size_t cap, uint8_t **ret_buf, size_t *ret_len);

/* Write the one reply frame (1..cap bytes) to fd 4. Errors: as frame_write(). */
int sandbox_helper_send(const uint8_t *buf, size_t len, size_t cap);

/* Read the bulk stream on fd 5 to end of file into a malloc'ed buffer (*ret_len may be 0).
 * Errors: -EFBIG as soon as it holds more than cap bytes (nothing past cap+1 is read),
 * -ENOMEM, or -errno from read(2) (-EBADF when the daemon passed no bulk fd). */
int sandbox_helper_read_bulk(size_t cap, uint8_t **ret_buf, size_t *ret_len);

/* Write "crisp-helper: <msg>\n" to fd 2 (one write; cut at 512 bytes). Never fails. */
void sandbox_helper_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log msg and _exit(code) (enum helper_exit). */
_Noreturn void sandbox_helper_fail(int code, const char *msg);

#endif
