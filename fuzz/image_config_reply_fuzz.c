/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for daemon/replies/image_config_reply.c: the input is a packed ConfigReply as a
 * compromised crisp-helper-config could send it; unpack it as the daemon does (byte budget),
 * validate, check what a success promises (env names, paths, counts, digests), free.
 * runs in: fuzzers and the replay driver only. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/replies/image_config_reply.h"
#include "fuzz/fuzz_check.h"
#include "parsers/base/budget.h"
#include "parsers/base/digest.h"
#include "parsers/base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_path(const char *p)
{
	FUZZ_ASSERT(p && p[0] == '/' && strlen(p) <= IMAGE_PATH_MAX && !strchr(p, '\n'));
	size_t n = strlen(p);
	FUZZ_ASSERT(!strstr(p, "/../") && !(n >= 3 && strcmp(p + n - 3, "/..") == 0));
}

static void
check_config(const struct img_config *c)
{
	FUZZ_ASSERT(c->os && c->os[0] && c->architecture && c->architecture[0]);
	FUZZ_ASSERT(!c->variant || c->variant[0]);
	FUZZ_ASSERT(
	    c->n_env <= IMAGE_CONFIG_MAX_ENV && c->n_cmd <= IMAGE_CONFIG_MAX_ARGS &&
	    c->n_entrypoint <= IMAGE_CONFIG_MAX_ARGS && c->n_volumes <= IMAGE_CONFIG_MAX_VOLUMES &&
	    c->n_exposed_ports <= IMAGE_CONFIG_MAX_PORTS &&
	    c->n_labels <= IMAGE_CONFIG_MAX_LABELS && c->n_diff_ids <= IMAGE_CONFIG_MAX_DIFF_IDS);
	for (size_t i = 0; i < c->n_env; i++) {
		const char *eq = strchr(c->env[i], '=');
		FUZZ_ASSERT(eq && eq != c->env[i]);
		for (const char *p = c->env[i]; p < eq; p++)
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	}
	FUZZ_ASSERT(c->env ? c->env[c->n_env] == NULL : c->n_env == 0);
	for (size_t i = 0; i < c->n_volumes; i++)
		check_path(c->volumes[i]);
	if (c->working_dir)
		check_path(c->working_dir);
	for (size_t i = 0; i < c->n_diff_ids; i++)
		FUZZ_ASSERT(digest_check(c->diff_ids[i], strlen(c->diff_ids[i]), NULL) == 0);
	for (size_t i = 0; i < c->n_exposed_ports; i++)
		FUZZ_ASSERT(strchr(c->exposed_ports[i], '/'));
	FUZZ_ASSERT(c->stop_signal ? c->stop_signal_num >= 1 && c->stop_signal_num <= 64
				   : c->stop_signal_num == 0);
	for (size_t i = 1; i < c->n_labels; i++)
		for (size_t k = 0; k < i && k < 64; k++)
			FUZZ_ASSERT(strcmp(c->labels[i].key, c->labels[k].key) != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct budget b = {.left = 8 * size + ((size_t)1 << 20)};
	ProtobufCAllocator a = {budget_alloc, budget_free, &b};
	Crisp__Helper__ConfigReply *rep = crisp__helper__config_reply__unpack(&a, size, data);
	if (!rep)
		return 0;
	struct img_config *c = NULL;
	int r = image_config_reply_validate(rep, &c);
	FUZZ_ASSERT(r == 0 || r == -EPROTO || r == -ENOMEM);
	if (r == 0) {
		check_config(c);
		img_config_free(c);
	}
	crisp__helper__config_reply__free_unpacked(rep, &a);
	return 0;
}
