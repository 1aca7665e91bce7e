#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Include-edge check of STYLE.md "Layout and allowed dependencies": every quoted #include in
# a folder must name a folder that folder may use. Also enforces the Rule of 2 on the daemon:
# no JSON/tar/HTTP parsing calls in daemon/.
set -eu
cd "$(dirname "$0")/.."
fail=0

# allowed <folder> <pattern of allowed include prefixes>
check() {
	dir=$1
	allowed=$2
	[ -d "$dir" ] || return 0
	find "$dir" -name '*.[ch]' | while read -r f; do
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
			inc=$(printf '%s' "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
			if ! printf '%s\n' "$inc" | grep -Eq "$allowed"; then
				echo "check-deps: $f: #include \"$inc\" is not an allowed edge for $dir/"
				echo x >> "$tmp"
			fi
		done
	done
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
check parsers/base '^parsers/base/'
# parsers/*_helper.c may use proto/ and sandbox/; the pure parsers may not.
for f in parsers/*.c parsers/*.h; do
	[ -e "$f" ] || continue
	case "$f" in
	*_helper.c | *_helper.h) allowed='^(parsers/|sandbox/|helper\.pb-c\.h$|helper_policies\.h$|proto/)' ;;
	*) allowed='^parsers/' ;;
	esac
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
		inc=$(printf '%s' "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
		printf '%s\n' "$inc" | grep -Eq "$allowed" || {
			echo "check-deps: $f: #include \"$inc\" is not an allowed edge for parsers/"
			echo x >> "$tmp"
		}
	done
done
check sandbox '^(sandbox/|parsers/base/|helper\.pb-c\.h$|helper_policies\.h$|policy/helpers/)'
check policy '^(policy/|parsers/base/)'
# The daemon: base, proto, sandbox, policy, and the one parser it may link (image references).
check daemon '^(daemon/|parsers/base/|parsers/image_ref\.h$|sandbox/|policy/|crisp_version\.h$|helper_policies\.h$|cri/api\.pb-c\.h$|helper\.pb-c\.h$|state\.pb-c\.h$)'
check fuzz '^(parsers/|policy/|daemon/[a-z_]+_reply\.h$|fuzz/)'

# Rule of 2: the daemon never parses JSON, tar or HTTP itself.
if grep -rnE '\b(json_loads|json_loadb|json_loadf|json_load_file|archive_read_[a-z_]+|curl_easy_[a-z_]+|curl_multi_[a-z_]+)[[:space:]]*\(' daemon; then
	echo "check-deps: daemon/ calls a parser or network library directly (only helpers may)"
	echo x >> "$tmp"
fi
if [ -s "$tmp" ]; then
	exit 1
fi
echo "check-deps: ok"
