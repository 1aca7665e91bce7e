#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the grpc-go interop client into <outdir>/crisp-interop, offline, from Debian's Go
# packages (golang-go, golang-google-grpc-dev) in GOPATH mode. Writes only under <outdir>.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 <outdir>" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

if ! command -v go >/dev/null 2>&1; then
	echo "$0: 'go' not found; install golang-go (make deps)" >&2
	exit 1
fi
if [ ! -d /usr/share/gocode/src/google.golang.org/grpc ]; then
	echo "$0: /usr/share/gocode/src/google.golang.org/grpc missing; install golang-google-grpc-dev" >&2
	exit 1
fi

# GOPATH mode, no network, no module downloads; the build cache lives in <outdir>, and the
# user's go env file and home are not read or written.
export GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOENV=off \
	GOCACHE="$out/.gocache" GOTMPDIR= CGO_ENABLED=0 HOME="$out"
cd "$here"
exec go build -trimpath -o "$out/crisp-interop" .
