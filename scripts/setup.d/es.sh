#!/usr/bin/env bash
# Elasticsearch for the es tests, benchmarks and demo: the integ-test-zip distribution of the
# newest 8.x and the newest 9.x, resolved by Maven itself (a version range in a throw-away POM,
# so Maven reads the repository's metadata; no repository address is named here), unpacked into
# .cache/elasticsearch/<version>/ (gitignored); .cache/elasticsearch/current points to the 8.x.
# Idempotent: a version already unpacked is kept. Needs java and mvn.
# ES_VERSION=8.x.y pins the 8.x; ES_MAJORS="8 9" (default) chooses the majors.
# Maven Central's metadata for this artifact lists 8.x only, so no range sees a 9.x even though the
# 9.x zips are served: when the range finds none, ES9_VERSION (default below, the newest 9.x zip seen
# served here) is fetched by its exact coordinates. Elasticsearch 9 needs Java 21 or later: the
# newest JDK under /usr/lib/jvm with JAVA_VERSION >= 21 (test/helpers/elasticsearch.ts looks the same way).
set -euo pipefail
cd "$(dirname "$0")/../.."

group=org.elasticsearch.distribution.integ-test-zip
artifact=elasticsearch
cache=.cache/elasticsearch
majors=${ES_MAJORS:-8 9}
es9_pinned=${ES9_VERSION:-9.2.0}

# The newest JDK under /usr/lib/jvm whose release file says JAVA_VERSION >= $1, or nothing.
jdk_at_least() {
  local best= best_major=0 release major
  for release in /usr/lib/jvm/*/release; do
    [ -x "${release%/release}/bin/java" ] || continue
    major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    if [ -n "$major" ] && [ "$major" -ge "$1" ] && [ "$major" -gt "$best_major" ]; then best=${release%/release}; best_major=$major; fi
  done
  echo "$best"
}

if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
  echo "setup es: java and mvn are needed to fetch Elasticsearch (apt: maven openjdk-17-jre-headless)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The newest version of a major that Maven resolves from the range [M.0.0, M.999999], or nothing.
resolve() {
  local major=$1 dir=$work/resolve-$1
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.wirescope</groupId><artifactId>es-$major</artifactId><version>0</version><packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>$group</groupId><artifactId>$artifact</artifactId><type>zip</type>
      <version>[$major.0.0,$major.999999]</version>
    </dependency>
  </dependencies>
</project>
EOF
  (cd "$dir" && mvn -q -B -U org.apache.maven.plugins:maven-dependency-plugin:3.6.1:list \
    -DexcludeTransitive=true -DoutputFile=list.txt >/dev/null 2>&1) || return 0
  grep -o "$group:$artifact:zip:$major\.[0-9]*\.[0-9]*" "$dir/list.txt" | head -1 | sed 's/.*://'
}

unpack() {
  local version=$1 target=$cache/$1
  [ -x "$target/bin/elasticsearch" ] && return 0
  echo "setup es: fetching $group:$artifact:$version:zip from Maven Central"
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="$group:$artifact:$version:zip" -DoutputDirectory="$work" -Dmdep.useBaseVersion=true
  mkdir -p "$cache"
  local dir
  dir=$(mktemp -d "$cache/.unpack.XXXXXX")
  unzip -q "$work/$artifact-$version.zip" -d "$dir"
  rm -f "$work/$artifact-$version.zip"
  mv "$dir/elasticsearch-$version" "$target"
  rmdir "$dir"
  echo "setup es: Elasticsearch $version in $target"
}

unpacked() { ls "$cache" 2>/dev/null | grep "^$1\." | sort -V | tail -1 || true; }

for major in $majors; do
  version=
  stamp=$cache/.resolved-$major
  [ "$major" = 8 ] && version=${ES_VERSION:-}
  # Maven's metadata is asked at most once a day (setup runs before every test run), also when it
  # found nothing (9.x: the pinned version below is used then, without asking Maven again).
  asked=
  if [ -z "$version" ] && [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
    version=$(cat "$stamp")
    asked=1
    [ -n "$version" ] || [ "$major" = 9 ] || continue
  fi
  if [ -z "$version" ] && [ -z "$asked" ]; then
    version=$(resolve "$major")
    mkdir -p "$cache" && echo "$version" >"$stamp"
  fi
  if [ -z "$version" ] && [ "$major" = 9 ]; then
    if [ -z "$(jdk_at_least 21)" ]; then
      echo "setup es: Elasticsearch 9 needs Java 21 or later and none is under /usr/lib/jvm; the es tests run without it" >&2
      continue
    fi
    version=$es9_pinned
  fi
  if [ -z "$version" ]; then
    # Offline, or no such major served: keep whatever of that major is already unpacked.
    version=$(unpacked "$major")
  fi
  if [ -z "$version" ]; then
    if [ "$major" = 8 ]; then echo "setup es: cannot find an Elasticsearch 8.x version" >&2; exit 1; fi
    echo "setup es: no Elasticsearch $major.x integ-test zip resolves from Maven here; the es tests run without it" >&2
    continue
  fi
  unpack "$version"
  [ "$major" = 8 ] && ln -sfn "$version" "$cache/current"
done
exit 0
