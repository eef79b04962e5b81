#!/usr/bin/env bash
# Runs every benchmark in bench/ (or those named), each printing our figures beside a peer's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Peers only the benchmarks use (goflow2), kept out of scripts/setup.sh and so out of the tests.
for step in scripts/setup.d/bench/*.sh; do
  [ -e "$step" ] && bash "$step"
done
npm run --silent build
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(bench/*.bench.ts)
for f in "${files[@]}"; do
  echo "== $f"
  node --import tsx --expose-gc "$f"
done
