/* SPDX-License-Identifier: Apache-2.0 */
/* Named locks: one mutex per key ("blob:sha256:...", "layer:sha256:..."), created on demand
 * and freed when no one holds or waits for it. Concurrent pulls of the same content queue on
 * the same key, and the second finds the work done.
 * runs in: daemon/privileged. */
#ifndef CRISP_DAEMON_KEYLOCK_H
#define CRISP_DAEMON_KEYLOCK_H

struct keylocks;
struct keylock;

struct keylocks *keylocks_new(void);
struct keylocks *keylocks_free(struct keylocks *k);

/* Block until key is ours. NULL only on ENOMEM. */
struct keylock *keylock_acquire(struct keylocks *k, const char *key);
void keylock_release(struct keylocks *k, struct keylock *l);

#endif
