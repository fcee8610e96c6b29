#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Integration and end-to-end tests with pytest, against real services started by the fixtures.
# pytest's exit code 5 (no test collected) is a failure here.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export PYTHONPATH="$PWD/.cache/collections${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/python -m pytest tests/integration "$@"
rc=$?
[ $rc -eq 5 ] && echo "ERROR: pytest collected no test" >&2
exit $rc
