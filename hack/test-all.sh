#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make test`: every check, in order of speed, each stage timed. Stops at the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."
stage() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== $name"
  if "$@"; then
    echo "=== $name: ok ($((SECONDS - t0)) s)"
    timings+=("$(printf '%-16s %5d s' "$name" $((SECONDS - t0)))")
  else
    echo "=== $name: FAILED ($((SECONDS - t0)) s)" >&2
    exit 1
  fi
}
timings=()
stage changelog-lint make -s changelog-lint
stage docs-check make -s docs-check
stage dupcheck make -s dupcheck
stage lint make -s lint
stage sanity make -s sanity
stage units make -s units
stage docs-site make -s docs-site
stage publish-check make -s publish-check
stage sanity-oldest make -s sanity-oldest
stage pytest make -s pytest
stage molecule make -s molecule
echo "=== all stages passed"
printf '  %s\n' "${timings[@]}"
