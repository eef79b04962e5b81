#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, builds, runs the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec node scripts/run-tests.mjs "$@"
