#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Build every lab stand-in image and the EXRP archives, idempotently.
#
#   lab/images/build.sh [--versions "100.0.100.99 100.0.100.100"] [--out DIR] [--no-archives]
#
# Images (each labelled engage.lab.key=<hash of its inputs>; rebuilt only when that hash changes):
#   engage-lab/standins:lab        common layer: base image + python3-redis + python3-psycopg2 + lab/standins/*.py
#   exec/excs:lab exec/exas:lab exec/excp:lab                        EXEC service stand-ins (ports 3640/3630/3650)
#   exec/exrp:<version>            EXRP stand-in, one per version (port 3660)
#   engage-lab/gc-api:lab engage-lab/engage-tcp:lab engage-lab/mcp:lab
# Archives, in --out (default .cache/lab): exrp-<version>.tgz (`docker save exec/exrp:<version> | gzip`), with
# exrp-<version>.tgz.sha256 (sha256sum format); rewritten only when the image's hash changes.
# Also the lab CA and the GC stand-in's certificate (lab/images/pki.sh, in .cache/lab/pki or $LAB_PKI_DIR), for the
# names in $LAB_GC_SANS (default "DNS:lab-gc DNS:lab-gc-login DNS:gc-api DNS:localhost IP:127.0.0.1").
# Environment: EXRP_VERSIONS, LAB_CACHE_DIR (= --out), LAB_BASE_IMAGE (engage-exec-base:latest), LAB_PKI_DIR.
# Writes <out>/images.env (what was built, as KEY=VALUE) and prints it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
versions=${EXRP_VERSIONS:-"100.0.100.99 100.0.100.100"}
out=${LAB_CACHE_DIR:-$root/.cache/lab}
base_image=${LAB_BASE_IMAGE:-engage-exec-base:latest}
archives=yes
while [ $# -gt 0 ]; do
  case $1 in
    --versions) versions=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-archives) archives=no; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "ERROR: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"

docker image inspect "$base_image" >/dev/null 2>&1 \
  || { echo "ERROR: base image $base_image is missing: run 'make image' (hack/base-image.sh) first" >&2; exit 1; }

hash() { sha256sum | cut -c1-16; }
label_of() { docker image inspect -f '{{index .Config.Labels "engage.lab.key"}}' "$1" 2>/dev/null || true; }

# build REF KEY DOCKERFILE_DIR [CONTEXT] [--build-arg ...]: docker build unless REF already carries KEY.
build() {
  local ref=$1 key=$2 dir=$3 context=$4
  shift 4
  if [ "$(label_of "$ref")" = "$key" ]; then
    echo "image $ref: cached ($key)" >&2
    return 0
  fi
  echo "image $ref: building ($key)" >&2
  local log
  log=$(mktemp)
  if ! docker build --pull=false --label "engage.lab.key=$key" -t "$ref" -f "$dir/Dockerfile" "$@" "$context" \
       > "$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    echo "ERROR: docker build of $ref failed" >&2
    return 1
  fi
  rm -f "$log"
}

# Common layer: its context is a temporary folder with the Dockerfile and the stand-in sources only.
base_id=$(docker image inspect -f '{{.Id}}' "$base_image")
sources=$(cd "$root/lab" && find standins -maxdepth 1 -name '*.py' -type f | LC_ALL=C sort)
standins_key=$( { echo "$base_id"; cat "$here/standins/Dockerfile"; for f in $sources; do echo "$f"; cat "$root/lab/$f"; done; } | hash)
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir "$context/standins"
for f in $sources; do cp "$root/lab/$f" "$context/standins/"; done
build engage-lab/standins:lab "$standins_key" "$here/standins" "$context" --build-arg "BASE_IMAGE=$base_image"

# derived REF DIR [--build-arg ...]: an image FROM the common layer (empty context: they only set ENV/CMD).
derived() {
  local ref=$1 dir=$2
  shift 2
  local key
  key=$( { echo "$standins_key"; cat "$dir/Dockerfile"; printf '%s\n' "$@"; } | hash)
  build "$ref" "$key" "$dir" "$dir" --build-arg "STANDINS_IMAGE=engage-lab/standins:lab" "$@"
  echo "$key"
}

summary=$out/images.env.tmp.$$
{
  echo "# written by lab/images/build.sh"
  echo "LAB_IMAGE_STANDINS=engage-lab/standins:lab"
} > "$summary"
for spec in EXCS:3640 EXAS:3630 EXCP:3650; do
  svc=${spec%%:*}
  port=${spec##*:}
  lower=$(echo "$svc" | tr '[:upper:]' '[:lower:]')
  derived "exec/$lower:lab" "$here/exec-service" --build-arg "EXEC_SERVICE=$svc" --build-arg "EXEC_PORT=$port" \
    --build-arg "EXEC_VERSION=lab" >/dev/null
  echo "LAB_IMAGE_$svc=exec/$lower:lab" >> "$summary"
done
derived engage-lab/gc-api:lab "$here/gc-api" >/dev/null
derived engage-lab/engage-tcp:lab "$here/engage-tcp" >/dev/null
derived engage-lab/mcp:lab "$here/mcp" >/dev/null
{
  echo "LAB_IMAGE_GC_API=engage-lab/gc-api:lab"
  echo "LAB_IMAGE_ENGAGE_TCP=engage-lab/engage-tcp:lab"
  echo "LAB_IMAGE_MCP=engage-lab/mcp:lab"
} >> "$summary"

exrp_refs=()
exrp_archives=()
for version in $versions; do
  [[ $version =~ ^[0-9]+(\.[0-9]+)+$ ]] || { echo "ERROR: EXRP version '$version' is not dotted numbers" >&2; exit 2; }
  ref=exec/exrp:$version
  key=$(derived "$ref" "$here/exec-service" --build-arg "EXEC_SERVICE=EXRP" --build-arg "EXEC_PORT=3660" \
          --build-arg "EXEC_VERSION=$version")
  exrp_refs+=("$ref")
  if [ "$archives" = yes ]; then
    archive=$out/exrp-$version.tgz
    if [ -s "$archive" ] && [ "$(cat "$archive.key" 2>/dev/null)" = "$key" ]; then
      echo "archive $archive: cached ($key)" >&2
    else
      echo "archive $archive: docker save | gzip" >&2
      tmp=$(mktemp "$archive.XXXXXX")
      docker save "$ref" | gzip -n -1 > "$tmp"
      chmod 0644 "$tmp"
      mv -f "$tmp" "$archive"
      (cd "$out" && sha256sum "exrp-$version.tgz" > "exrp-$version.tgz.sha256.tmp" \
        && mv -f "exrp-$version.tgz.sha256.tmp" "exrp-$version.tgz.sha256")
      echo "$key" > "$archive.key"
    fi
    exrp_archives+=("$archive")
  fi
done
{
  echo "LAB_EXRP_IMAGES=\"${exrp_refs[*]}\""
  echo "LAB_EXRP_ARCHIVES=\"${exrp_archives[*]}\""
} >> "$summary"

# shellcheck disable=SC2086  # LAB_GC_SANS is a space-separated list of DNS:/IP: entries
pki=$(bash "$here/pki.sh" gc-api ${LAB_GC_SANS:-DNS:lab-gc DNS:lab-gc-login DNS:gc-api DNS:localhost IP:127.0.0.1})
echo "LAB_PKI_DIR=$pki" >> "$summary"
mv -f "$summary" "$out/images.env"
cat "$out/images.env"
