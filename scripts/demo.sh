#!/usr/bin/env bash
# The demo: installs what is missing, builds, and starts Node-RED 4 on 127.0.0.1:1880 with the pack
# and every demo flow (demo/*.json) deployed, working on the data bundled in demo/data/.
set -euo pipefail
export WIRESCOPE_DEMO_STARTED_MS="$(date +%s%3N)"
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent build
exec node scripts/demo.mjs "$@"
