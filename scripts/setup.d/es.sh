#!/usr/bin/env bash
# Elasticsearch for the es tests, benchmark and demo: the integ-test-zip distribution of the
# newest 8.x from Maven Central, unpacked into .cache/elasticsearch/<version>/ (gitignored).
# Idempotent: does nothing when that version is already unpacked. Needs java and mvn.
# ES_VERSION=8.x.y pins a version; otherwise the newest 8.x in Maven Central's metadata is used.
set -euo pipefail
cd "$(dirname "$0")/../.."

group=org.elasticsearch.distribution.integ-test-zip
artifact=elasticsearch
cache=.cache/elasticsearch

if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
  echo "setup es: java and mvn are needed to fetch Elasticsearch (apt: maven openjdk-17-jre-headless)" >&2
  exit 1
fi

version=${ES_VERSION:-}
if [ -z "$version" ]; then
  metadata=https://repo1.maven.org/maven2/${group//.//}/$artifact/maven-metadata.xml
  version=$(curl -fsS -m 30 "$metadata" | grep -o '<version>8\.[0-9]*\.[0-9]*</version>' \
    | sed 's/<[^>]*>//g' | sort -V | tail -1 || true)
  if [ -z "$version" ]; then
    # Offline: keep whatever 8.x is already unpacked.
    version=$(ls "$cache" 2>/dev/null | grep '^8\.' | sort -V | tail -1 || true)
  fi
  [ -n "$version" ] || { echo "setup es: cannot find an Elasticsearch 8.x version" >&2; exit 1; }
fi

target=$cache/$version
if [ -x "$target/bin/elasticsearch" ]; then
  ln -sfn "$version" "$cache/current"
  exit 0
fi

echo "setup es: fetching $group:$artifact:$version:zip from Maven Central"
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
  -Dartifact="$group:$artifact:$version:zip" -DoutputDirectory="$download" -Dmdep.useBaseVersion=true
mkdir -p "$cache"
unpack=$(mktemp -d "$cache/.unpack.XXXXXX")
unzip -q "$download/$artifact-$version.zip" -d "$unpack"
mv "$unpack/elasticsearch-$version" "$target"
rmdir "$unpack"
ln -sfn "$version" "$cache/current"
echo "setup es: Elasticsearch $version in $target"
