#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, builds, runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
# Types at every boundary: the tests and benchmarks are type-checked with the code they use.
node node_modules/typescript/bin/tsc -p tsconfig.test.json --noEmit
exec node scripts/run-tests.mjs "$@"
