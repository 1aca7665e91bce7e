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
# The daemon: base, proto, sandbox (daemon/helpers/ only, checked below), policy, and the one
# parser it may link (image references).
check daemon '^(daemon/|parsers/base/|parsers/image_ref\.h$|sandbox/|policy/|crisp_version\.h$|helper_policies\.h$|cri/api\.pb-c\.h$|helper\.pb-c\.h$|state\.pb-c\.h$)'
# Inside the daemon, the areas (images/, pods/, containers/, node/ and the wiring in daemon/*.c)
# may use each other; the layers under them may not reach up:
# - replies/: pure validators of helper replies (fuzzed): their own folder, base and the helper
#   protocol only; no I/O, logging, locks or clock (checked below).
check daemon/replies '^(daemon/replies/|parsers/base/|helper\.pb-c\.h$)'
# - core/: store, keylock, log, config, crypto, the program runner: no area, no gRPC.
check daemon/core '^(daemon/core/|parsers/base/)'
# - grpc/: the transport knows no service: core/ (log) and itself.
check daemon/grpc '^(daemon/grpc/|daemon/core/|parsers/base/|grpc_wire\.h$)'
# - helpers/: the daemon side of the helper boundary: core/, replies/, sandbox/, the protocol.
check daemon/helpers '^(daemon/helpers/|daemon/replies/|daemon/core/|parsers/base/|sandbox/|helper\.pb-c\.h$|helper_policies\.h$)'
check fuzz '^(parsers/|policy/|daemon/replies/|fuzz/)'

# Rule of 2: the daemon never parses JSON, tar or HTTP itself.
if grep -rnE '\b(json_loads|json_loadb|json_loadf|json_load_file|archive_read_[a-z_]+|curl_easy_[a-z_]+|curl_multi_[a-z_]+)[[:space:]]*\(' daemon; then
	echo "check-deps: daemon/ calls a parser or network library directly (only helpers may)"
	echo x >> "$tmp"
fi
# replies/ stays pure: no system calls, logging, locks, clock or randomness.
if grep -nE '\b(open|openat|openat2|read|write|close|pread|pwrite|fopen|socket|ioctl|log_[a-z]+|pthread_[a-z]+|clock_gettime|time|getrandom|rand|syslog|printf|fprintf)[[:space:]]*\(' daemon/replies/*.c; then
	echo "check-deps: daemon/replies/ must stay pure (no I/O, logging, locks, clock)"
	echo x >> "$tmp"
fi
# Only daemon/helpers/ (helper_call.c, the one daemon-side round trip) runs helpers: every other
# daemon folder reaches sandbox/ through it, so no second copy of the round trip can grow.
if grep -rnE --include='*.[ch]' '#[[:space:]]*include[[:space:]]*"sandbox/' daemon | grep -v '^daemon/helpers/'; then
	echo "check-deps: only daemon/helpers/ may include sandbox/ (use daemon/helpers/helper_call.h)"
	echo x >> "$tmp"
fi
# sandbox/ is generic process mechanics: it knows no daemon code.
if grep -nE '#[[:space:]]*include[[:space:]]*"daemon/' sandbox/*.[ch]; then
	echo "check-deps: sandbox/ includes daemon code"
	echo x >> "$tmp"
fi
# The Rule of 2 at the link step: libcrispd.a holds daemon objects and the image-reference
# parser, nothing else from parsers/ (checked when the archive has been built).
for lib in build/*/libcrispd.a; do
	[ -e "$lib" ] || continue
	bad=$(ar t "$lib" | grep -vE '^([a-z0-9_]+)\.o$' || true)
	pobj=$(ar t "$lib" | while read -r o; do
		case "$o" in image_ref.o) ;; *) [ -e "parsers/${o%.o}.c" ] && echo "$o" ;; esac
	done || true)
	if [ -n "$pobj$bad" ]; then
		echo "check-deps: $lib links parser objects other than image_ref.o: $pobj$bad"
		echo x >> "$tmp"
	fi
done
# Every cap in parsers/base/limits.h; path buffers sized CRISP_PATH_MAX, not by hand.
scripts/check-limits.sh || echo x >> "$tmp"
if [ -s "$tmp" ]; then
	exit 1
fi
echo "check-deps: ok"
