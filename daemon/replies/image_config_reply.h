/* SPDX-License-Identifier: Apache-2.0 */
/* Re-validation of crisp-helper-config replies into struct img_config (image_docs.h declares
 * the struct and the contract).
 * runs in: daemon/privileged (pure, fuzzed: fuzz/image_config_reply_fuzz.c). */
#ifndef CRISP_DAEMON_IMAGE_CONFIG_REPLY_H
#define CRISP_DAEMON_IMAGE_CONFIG_REPLY_H

#include "daemon/replies/image_docs.h"
#include "helper.pb-c.h"

/* Check every field of a ConfigReply from a helper that may be compromised and copy it into
 * a new *ret (img_config_free): os and architecture non-empty printable lowercase words,
 * variant one or empty; env entries "NAME=value" with a non-empty NAME of printable
 * characters; arguments, labels and env bounded UTF-8; counts within limits.h; working dir
 * and volumes absolute without ".."; ports "<1..65535>/<tcp|udp|sctp>"; label keys unique;
 * stop signal 1..64 exactly when a name is given; diff IDs valid digests. Empty strings
 * become NULL where image_docs.h says "or NULL". Errors: -EPROTO, -ENOMEM. */
int image_config_reply_validate(const Crisp__Helper__ConfigReply *r, struct img_config **ret);

#endif
