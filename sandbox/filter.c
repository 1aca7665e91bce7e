/* SPDX-License-Identifier: Apache-2.0 */
/* Build a libseccomp allowlist from a struct sandbox_policy: default kill, foreign
 * architectures killed, argument pins as seccomp comparisons.
 * runs in: helper/untrusted (before its first read of input) and at build time (policy-dump). */
#include "sandbox/filter.h"

#include <errno.h>

#include "parsers/base/macro.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif

static void
ctx_releasep(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

enum filter_variant
filter_variant_for_build(void)
{
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer) ||                           \
    __has_feature(undefined_behavior_sanitizer)
	return FILTER_VARIANT_SANITIZER;
#else
	return FILTER_VARIANT_NORMAL;
#endif
}

static int
pin_to_cmp(const struct sandbox_pin *pin, struct scmp_arg_cmp *ret)
{
	if (pin->arg > 5)
		return -EINVAL;
	switch ((enum sandbox_pin_op)pin->op) {
	case SANDBOX_PIN_EQ:
		*ret = (struct scmp_arg_cmp){pin->arg, SCMP_CMP_EQ, pin->value, 0};
		return 0;
	case SANDBOX_PIN_LE:
		*ret = (struct scmp_arg_cmp){pin->arg, SCMP_CMP_LE, pin->value, 0};
		return 0;
	case SANDBOX_PIN_GE:
		*ret = (struct scmp_arg_cmp){pin->arg, SCMP_CMP_GE, pin->value, 0};
		return 0;
	case SANDBOX_PIN_MASKED_EQ:
		*ret = (struct scmp_arg_cmp){pin->arg, SCMP_CMP_MASKED_EQ, pin->mask, pin->value};
		return 0;
	case SANDBOX_PIN_COUNT:
		break;
	}
	return -EINVAL;
}

static int
add_rules(scmp_filter_ctx ctx, const struct sandbox_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sandbox_rule *r = &rules[i];
		struct scmp_arg_cmp cmps[SANDBOX_MAX_PINS];
		if (r->n_pins > SANDBOX_MAX_PINS)
			return -EINVAL;
		for (unsigned j = 0; j < r->n_pins; j++) {
			int e = pin_to_cmp(&r->pins[j], &cmps[j]);
			if (e < 0)
				return e;
		}
		int e = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r->nr, r->n_pins, cmps);
		/* -EDOM: a pseudo syscall that does not exist on this architecture. */
		if (e < 0 && e != -EDOM)
			return e;
	}
	return 0;
}

int
filter_build(const struct sandbox_policy *p, enum filter_variant v, uint32_t default_action,
	     scmp_filter_ctx *ret)
{
	cleanup(ctx_releasep) scmp_filter_ctx ctx = seccomp_init(default_action);
	if (!ctx)
		return -ENOMEM;
	/* Without this a 32-bit or x32 syscall could reach numbers our allowlist never names. */
	int e = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (e < 0)
		return e;
	e = add_rules(ctx, p->rules, p->n_rules);
	if (e < 0)
		return e;
	if (v == FILTER_VARIANT_SANITIZER) {
		e = add_rules(ctx, p->san_rules, p->n_san_rules);
		if (e < 0)
			return e;
	}
	*ret = TAKE_PTR(ctx);
	return 0;
}

int
filter_export_pfc(const struct sandbox_policy *p, enum filter_variant v, int fd)
{
	cleanup(ctx_releasep) scmp_filter_ctx ctx = NULL;
	int e = filter_build(p, v, SCMP_ACT_KILL_PROCESS, &ctx);
	if (e < 0)
		return e;
	return seccomp_export_pfc(ctx, fd);
}
