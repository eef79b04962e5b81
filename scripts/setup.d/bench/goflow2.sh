#!/usr/bin/env bash
# goflow2, the collector the flow-collector benchmark measures beside ours, built from the Go module
# proxy into .cache/bench/bin/goflow2 of this checkout. Run by scripts/bench.sh only (not by
# scripts/setup.sh: tests never need it). Idempotent: builds only when the pinned version is missing.
# Skips with a note when Go is not installed (the benchmark then runs without the peer).
set -euo pipefail
cd "$(dirname "$0")/../../.."
version=v2.2.6
bin=.cache/bench/bin
if [ -x "$bin/goflow2" ] && [ "$(cat "$bin/goflow2.version" 2>/dev/null)" = "$version" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "setup goflow2: no Go toolchain; the flow-collector benchmark will run without goflow2" >&2
  exit 0
fi
echo "setup goflow2: building github.com/netsampler/goflow2/v2/cmd/goflow2@$version"
mkdir -p "$bin"
GOBIN=$(pwd)/$bin GOFLAGS=-mod=mod go install "github.com/netsampler/goflow2/v2/cmd/goflow2@$version"
echo "$version" > "$bin/goflow2.version"
