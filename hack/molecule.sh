#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run molecule scenarios (all, or the ones named) with the project's collections; their hosts are VM-like
# (lab/vmhost.py). Without names: every scenario on Debian 12 (bookworm), then the whole deployment (`default`) on
# Debian 13 (trixie) as well: the managed hosts the collection claims are exactly the ones tested.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_COLLECTIONS_PATH="$PWD/.cache/collections"
export MOLECULE_VENV_PYTHON="$PWD/.venv/bin/python"
suites=()
if [ $# -gt 0 ]; then scenarios=("$@"); else
  mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort)
  suites=(trixie)
fi
[ ${#scenarios[@]} -gt 0 ] || { echo "ERROR: no molecule scenario found" >&2; exit 1; }
for s in "${scenarios[@]}"; do
  echo "--- molecule scenario $s (${LAB_SUITE:-bookworm})"
  molecule test -s "$s"
done
for suite in "${suites[@]}"; do
  echo "--- molecule scenario default ($suite)"
  LAB_SUITE=$suite molecule test -s default
done
echo "molecule: ${#scenarios[@]} scenario(s) passed on ${LAB_SUITE:-bookworm}: ${scenarios[*]}${suites[*]:+; default on ${suites[*]}}"
