#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Create .venv (Python 3.12 when present, else 3.11) with requirements/dev.txt, and install the
# collections the project depends on into .cache/collections, offline (no Galaxy): they are copied out of the
# `ansible` wheel from PyPI. Reruns are no-ops while the requirement files are unchanged.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=.venv
stamp="$venv/.requirements.sha256"

pick_python() {
  local c
  for c in "${PYTHON:-}" python3.12 "$(pyenv root 2>/dev/null)/versions/3.12.1/bin/python3" \
           "$(find "$(pyenv root 2>/dev/null)/versions" -path '*/3.12*/bin/python3' 2>/dev/null | sort | tail -n1)" \
           python3.13 python3.11 python3; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

want=$(cat requirements/dev.txt requirements/runtime-pins.txt requirements.txt | sha256sum | cut -d" " -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "venv: up to date ($("$venv/bin/python" -V), ansible-core $("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)'))"
else
  py=$(pick_python) || { echo "ERROR: no Python >= 3.11 found; install python3.12 (or 3.11) with venv support." >&2; exit 1; }
  # The interpreter itself, not a name: with .venv/bin on PATH, `python3.12` is the venv's own, removed below.
  py=$("$py" -c 'import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))')
  echo "venv: creating with $py ($("$py" -V))"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q -r requirements/dev.txt
  echo "$want" > "$stamp"
  echo "venv: ready ($("$venv/bin/python" -V), ansible-core $("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)'))"
fi

# Collections: community.docker, ansible.posix and their dependency, from the `ansible` wheel.
ANSIBLE_WHEEL_VERSION=14.5.0
cdir=.cache/collections/ansible_collections
cstamp=.cache/collections/.ansible-wheel-$ANSIBLE_WHEEL_VERSION
mkdir -p "$cdir/engage_exec"
# This checkout, visible as engage_exec.recording (ansible-doc, FQCN roles and playbooks from the checkout).
ln -sfn ../../../.. "$cdir/engage_exec/recording"
if [ ! -e "$cstamp" ]; then
  wheeldir=.cache/wheels
  mkdir -p "$wheeldir"
  whl=$(find "$wheeldir" -name "ansible-$ANSIBLE_WHEEL_VERSION-*.whl" | head -n1)
  if [ -z "$whl" ]; then
    "$venv/bin/pip" download -q --no-deps -d "$wheeldir" "ansible==$ANSIBLE_WHEEL_VERSION"
    whl=$(find "$wheeldir" -name "ansible-$ANSIBLE_WHEEL_VERSION-*.whl" | head -n1)
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$venv/bin/python" - "$whl" "$tmp" <<'PY'
import sys, zipfile
whl, dest = sys.argv[1], sys.argv[2]
keep = ("ansible_collections/community/docker/", "ansible_collections/ansible/posix/",
        "ansible_collections/community/library_inventory_filtering_v1/")
with zipfile.ZipFile(whl) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith(keep)])
PY
  "$venv/bin/ansible-galaxy" collection install --offline --force -p .cache/collections \
    "$tmp/ansible_collections/community/library_inventory_filtering_v1" \
    "$tmp/ansible_collections/community/docker" \
    "$tmp/ansible_collections/ansible/posix" >/dev/null
  touch "$cstamp"
fi
names=()
for c in "$cdir"/community/* "$cdir"/ansible/*; do names+=("$(basename "$(dirname "$c")").$(basename "$c")"); done
echo "collections: ${names[*]} + engage_exec.recording (this checkout)"
