/* SPDX-License-Identifier: Apache-2.0 */
/* `make policy-dump`: print every helper's compiled seccomp filter (libseccomp PFC), normal and
 * sanitizer variants, plus its identity and limits, for review.
 * runs in: build time / a developer's shell (no privileges needed). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helper_policies.h"
#include "sandbox/filter.h"

static void
print_header(const struct sandbox_policy *p, enum filter_variant v)
{
	const struct sandbox_rlimits *l = &p->rlimits;
	printf("#\n# crisp-helper-%s (%s variant): uid %u gid %u keep_caps 0x%" PRIx64
	       " clone_flags 0x%x\n# rlimits as %" PRIu64 " cpu %" PRIu64 " fsize %" PRIu64
	       " nofile %" PRIu64 " nproc %" PRIu64 " core %" PRIu64 "\n# deadline %" PRIu64
	       " ms, request_max %" PRIu64 ", reply_max %" PRIu64 "\n#\n",
	       p->name, v == FILTER_VARIANT_SANITIZER ? "sanitizer" : "normal", p->uid, p->gid,
	       p->keep_caps, (unsigned)p->clone_flags, l->as, l->cpu, l->fsize, l->nofile, l->nproc,
	       l->core, p->deadline_ms, p->request_max, p->reply_max);
}

int
main(int argc, char **argv)
{
	int rc = 0;
	for (size_t i = 0; i < helper_policies_count; i++) {
		const struct sandbox_policy *p = helper_policies[i];
		if (argc > 1 && strcmp(argv[1], p->name) != 0)
			continue;
		for (int v = 0; v < FILTER_VARIANT_COUNT; v++) {
			print_header(p, (enum filter_variant)v);
			(void)fflush(stdout);
			int e = filter_export_pfc(p, (enum filter_variant)v, STDOUT_FILENO);
			if (e < 0) {
				fprintf(stderr, "policy-dump: %s: %s\n", p->name, strerror(-e));
				rc = 1;
			}
		}
	}
	return rc;
}
