#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Integration and end-to-end tests with pytest, against real services started by the fixtures.
# pytest's exit code 5 (no test collected) is a failure here.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PYTHONPATH="$PWD/.cache/collections${PYTHONPATH:+:$PYTHONPATH}"
# Paths given as arguments narrow the run (make pytest PYTEST_ARGS="tests/integration/cme"); options alone keep
# the whole suite.
paths=0
for a in "$@"; do case $a in -*) ;; *) [ -e "${a%%::*}" ] && paths=1 ;; esac; done
if [ $paths -eq 1 ]; then
  .venv/bin/python -m pytest "$@"
else
  .venv/bin/python -m pytest tests/integration "$@"
fi
rc=$?
[ $rc -eq 5 ] && echo "ERROR: pytest collected no test" >&2
exit $rc
