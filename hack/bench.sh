#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make bench`: every benchmark in bench/, each to its end whatever the others did. A benchmark exits 0 when all
# its targets are met, 3 when one is missed, anything else when it could not measure (bench/benchlib.py).
# Ends non-zero when any benchmark did not meet its targets, listing which. BENCH=bench/bench_x.py runs one.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
missed=() broken=()
for b in ${BENCH:-bench/bench_*.py}; do
  echo "== $b"
  .venv/bin/python "$b"
  rc=$?
  case $rc in
    0) ;;
    3) missed+=("$b") ;;
    *) broken+=("$b (exit $rc)") ;;
  esac
done
echo
[ ${#missed[@]} -eq 0 ] && [ ${#broken[@]} -eq 0 ] && { echo "== every benchmark met its targets"; exit 0; }
for b in "${missed[@]}"; do echo "== target missed: $b" >&2; done
for b in "${broken[@]}"; do echo "== could not measure: $b" >&2; done
exit 1
