#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run molecule scenarios (all, or the ones named) with the project's base image and collections.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export NO_COLOR=1 PY_COLORS=0 ANSIBLE_FORCE_COLOR=0
export ANSIBLE_COLLECTIONS_PATH="$PWD/.cache/collections"
MOLECULE_BASE_IMAGE=$(bash hack/base-image.sh 2>/dev/null | tail -n1)
export MOLECULE_BASE_IMAGE
export MOLECULE_VENV_PYTHON="$PWD/.venv/bin/python"
if [ $# -gt 0 ]; then scenarios=("$@"); else
  mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | sort)
fi
[ ${#scenarios[@]} -gt 0 ] || { echo "ERROR: no molecule scenario found" >&2; exit 1; }
for s in "${scenarios[@]}"; do
  echo "--- molecule scenario $s"
  molecule test -s "$s"
done
echo "molecule: ${#scenarios[@]} scenario(s) passed: ${scenarios[*]}"
