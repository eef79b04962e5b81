#!/usr/bin/env bash
# The demo's AS database (scripts/asn-mmdb.mjs): written once per @ip-location-db/asn version into
# .cache/mmdb/ (gitignored) from the npm package's CSV, about 8 s of one core. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
node scripts/asn-mmdb.mjs >/dev/null
