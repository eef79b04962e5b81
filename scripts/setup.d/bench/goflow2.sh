#!/usr/bin/env bash
# goflow2, the collector the flow-collector benchmark measures beside ours, built from the Go module
# proxy into .cache/bench/bin/goflow2 of this checkout, with one file added to its main package:
# goflow2-buffered-file.go, a "bufferedfile" transport (its "file" transport costs two system calls
# per flow message, which on this VM outweigh the decoding; see that file). Run by scripts/bench.sh
# only (not by scripts/setup.sh: tests never need it). Idempotent: builds only when the pinned
# version (or the added file) changed. Skips with a note when Go is not installed (the benchmark
# then runs without the peer).
set -euo pipefail
cd "$(dirname "$0")/../../.."
version=v2.2.6
module=github.com/netsampler/goflow2/v2
added=scripts/setup.d/bench/goflow2-buffered-file.go
bin=.cache/bench/bin
stamp="$version with the bufferedfile transport ($(sha256sum "$added" | cut -c1-12))"
if [ -x "$bin/goflow2" ] && [ "$(cat "$bin/goflow2.version" 2>/dev/null)" = "$stamp" ]; then exit 0; fi
if ! command -v go >/dev/null; then
  echo "setup goflow2: no Go toolchain; the flow-collector benchmark will run without goflow2" >&2
  exit 0
fi
echo "setup goflow2: building $module/cmd/goflow2@$version with a buffered file transport"
mkdir -p "$bin"
# The module cache is read-only (and go build -overlay may not replace files in it): build a copy.
source=$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
work=.cache/bench/goflow2-src
rm -rf "$work"
cp -r "$source" "$work"
chmod -R u+w "$work"
cp "$added" "$work/cmd/goflow2/"
(cd "$work" && go build -o "../bin/goflow2" ./cmd/goflow2)
rm -rf "$work"
echo "$stamp" > "$bin/goflow2.version"
