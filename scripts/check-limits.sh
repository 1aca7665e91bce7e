#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every size cap lives in parsers/base/limits.h (STYLE.md): fails on a #define whose name says
# it is a cap (a MAX, LIMIT or CAP word) outside limits.h, unless allowlisted below with its
# reason, and on path buffers sized by a bare number (char x[4400]) instead of CRISP_PATH_MAX.
set -eu
cd "$(dirname "$0")/.."
fail=0
# name: reason (protocol constants, enum bounds and formats, not limits)
allow='
FAILURE_MAX: an alias for the last FetchReply.Failure enum value, not a size
DIGEST_MAX_LEN: the longest string the digest grammar allows (sha512), a format constant
SANDBOX_MAX_PINS: the argument-pin array dimension of the generated filter tables
CONTAINER_POLICY_CAP_COUNT: Linux capabilities (CAP_*), not a cap on input
CONTAINER_POLICY_CAP_ALL: Linux capabilities (CAP_*), not a cap on input
'
defs=$(grep -rnE '^[[:space:]]*#[[:space:]]*define[[:space:]]+[A-Z0-9_]*(^|_)(MAX|LIMIT|CAP)(_[A-Z0-9_]*)?[[:space:](]' \
	daemon parsers sandbox policy --include='*.[ch]' | grep -v '^parsers/base/limits\.h:' || true)
printf '%s\n' "$defs" | while IFS= read -r line; do
	[ -n "$line" ] || continue
	name=$(printf '%s' "$line" | sed 's/.*#[[:space:]]*define[[:space:]]*\([A-Z0-9_]*\).*/\1/')
	printf '%s\n' "$allow" | grep -q "^$name:" && continue
	echo "check-limits: $line"
	echo "check-limits: $name is a cap: define it in parsers/base/limits.h (or allowlist it with a reason)"
	echo x
done > "${TMPDIR:-/tmp}/check-limits.$$"
if grep -q '^x$' "${TMPDIR:-/tmp}/check-limits.$$"; then
	grep -v '^x$' "${TMPDIR:-/tmp}/check-limits.$$"
	fail=1
fi
rm -f "${TMPDIR:-/tmp}/check-limits.$$"
# Path-sized buffers by hand: [4096]..[5999] as an array size.
if grep -rnE 'char[[:space:]][^;]*\[(4[0-9]{3}|5[0-9]{3})u?\]' daemon parsers sandbox policy --include='*.[ch]' |
	grep -v '^parsers/base/limits\.h:'; then
	echo "check-limits: size path buffers with CRISP_PATH_MAX (parsers/base/limits.h), not a literal"
	fail=1
fi
[ "$fail" = 0 ] && echo "check-limits: ok"
exit "$fail"
