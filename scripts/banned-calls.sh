#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# STYLE.md's banned calls: sprintf strcpy strcat gets atoi atol system popen alloca dup(,
# and strtol-family calls without an end pointer.
set -eu
cd "$(dirname "$0")/.."
hits=$(grep -rnE '(^|[^a-z_])(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|system|popen|alloca|dup)[[:space:]]*\(' \
	daemon parsers sandbox policy fuzz --include='*.c' --include='*.h' 2>/dev/null |
	grep -vE '(snprintf|vsnprintf|asprintf|vasprintf)' |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)' || true) # comment lines are prose
nullend=$(grep -rnE 'strto(l|ll|ul|ull|imax|umax)[[:space:]]*\([^,]*,[[:space:]]*NULL' \
	daemon parsers sandbox policy --include='*.c' 2>/dev/null || true)
if [ -n "$hits$nullend" ]; then
	printf '%s\n%s\n' "$hits" "$nullend" | sed '/^$/d'
	echo "banned-calls: found banned calls (see STYLE.md)"
	exit 1
fi
echo "banned-calls: ok"
