#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Run `ansible-test <sanity|units> ...` offline. ansible-test wants the collection under
# .../ansible_collections/engage_exec/recording, so the files git knows (tracked and new, not ignored) are
# copied there first; the pip bootstrap script it would download is replaced by a local stand-in.
# ANSIBLE_TEST_VENV=<dir> runs the ansible-test of another venv (hack/oldest-core.sh: .venv-core217).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="${ANSIBLE_TEST_VENV:-$root/.venv}"
[ -x "$venv/bin/ansible-test" ] || { echo "ERROR: $venv/bin/ansible-test not found; run make venv (or hack/oldest-core.sh venv)." >&2; exit 1; }
py="$venv/bin/python"
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# Offline stand-in for the get-pip script ansible-test downloads (name depends on the pip version it bootstraps).
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
for name in get_pip_25_2.py get_pip_24_2.py get_pip_24_0.py get_pip_23_1.py get_pip_23_1_2.py; do
  [ -f "$cache/$name" ] && continue
  cat > "$cache/$name" <<PY
# Offline stand-in written by engage_exec.recording hack/ansible-test.sh: bootstrap pip from ensurepip,
# then install what was asked through the normal index configuration.
import ensurepip, os, subprocess, sys
env = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
if args:
    sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args, env=env))
PY
done

# Outside the checkout: ansible-test would otherwise find the git repository above and list files from it.
# One copy per run, so that several runs can go at once.
base=$(mktemp -d "${TMPDIR:-/tmp}/engage-exec-ansible-test.XXXXXX")
trap 'rm -rf "$base"' EXIT
dest="$base/ansible_collections/engage_exec/recording"
mkdir -p "$dest"
cd "$root"
git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$dest"
# Dependencies visible to the import and unit tests.
ln -sfn "$root/.cache/collections/ansible_collections/community" "$base/ansible_collections/community"
ln -sfn "$root/.cache/collections/ansible_collections/ansible" "$base/ansible_collections/ansible"
cd "$dest"
export PATH="$venv/bin:$PATH"
cmd=$1; shift
case "$cmd" in
  sanity) ansible-test sanity --local --python "$pyver" --color no "$@" ;;
  units)  ansible-test units --local --python "$pyver" --color no --requirements "$@" ;;
  *) echo "usage: $0 sanity|units [ansible-test args]" >&2; exit 2 ;;
esac
