#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The oldest ansible-core that meta/runtime.yml claims, tested like the current one: build .venv-core217
# (Python 3.12, else 3.11, else 3.10: ansible-core 2.17 supports no other) with requirements/oldest-core.txt,
# then run `ansible-test sanity` (through hack/ansible-test.sh), `ansible-lint --profile production` and real
# playbooks (the validation play, and the integration tests that run roles and modules through ansible-playbook on
# localhost against real services) with that core. Reruns reuse the venv while requirements/oldest-core.txt,
# requirements/runtime-pins.txt and requirements.txt are unchanged. Offline: pip uses the configured index.
#   bash hack/oldest-core.sh            # all three
#   bash hack/oldest-core.sh sanity     # or any of: venv sanity lint playbook
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=.venv-core217
stamp="$venv/.requirements.sha256"
reqs=requirements/oldest-core.txt
claim=$(sed -n 's/^requires_ansible: *["'\'']>=\([0-9.]*\)["'\'']/\1/p' meta/runtime.yml)

pick_python() {
  local c pyroot
  pyroot=$(pyenv root 2>/dev/null || true)
  for c in "${OLDEST_CORE_PYTHON:-}" python3.12 \
           "$( [ -n "$pyroot" ] && find "$pyroot/versions" -path '*/3.12*/bin/python3' 2>/dev/null | sort -V | tail -n1)" \
           python3.11 \
           "$( [ -n "$pyroot" ] && find "$pyroot/versions" -path '*/3.11*/bin/python3' 2>/dev/null | sort -V | tail -n1)" \
           python3.10 \
           "$( [ -n "$pyroot" ] && find "$pyroot/versions" -path '*/3.10*/bin/python3' 2>/dev/null | sort -V | tail -n1)" \
           python3; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys, venv; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

core_version() {
  "$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)'
}

make_venv() {
  local want py
  want=$(cat "$reqs" requirements/runtime-pins.txt requirements.txt | sha256sum | cut -d" " -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    echo "oldest-core venv: up to date ($("$venv/bin/python" -V), ansible-core $(core_version))"
  else
    py=$(pick_python) || {
      echo "ERROR: ansible-core $claim needs Python 3.10, 3.11 or 3.12 and none was found" \
           "(looked for python3.12/3.11/3.10 on PATH and under \$(pyenv root)/versions). Install one, or set OLDEST_CORE_PYTHON." >&2
      exit 1
    }
    echo "oldest-core venv: creating with $py ($("$py" -V))"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip 2> >(grep -v 'is ignored: it is neither' >&2)
    "$venv/bin/pip" install -q -r "$reqs" 2> >(grep -v 'is ignored: it is neither' >&2)
    echo "$want" > "$stamp"
    echo "oldest-core venv: ready ($("$venv/bin/python" -V), ansible-core $(core_version))"
  fi
  # The installed core must be the oldest minor the collection claims, or this script tests the wrong thing.
  "$venv/bin/python" - "$claim" <<'PY'
import sys
from ansible.release import __version__
want = sys.argv[1].split(".")[:2]
if __version__.split(".")[:2] != want:
    sys.exit("ERROR: .venv-core217 has ansible-core %s but meta/runtime.yml claims >=%s; update requirements/oldest-core.txt"
             % (__version__, sys.argv[1]))
PY
  # Collections (community.docker, ansible.posix) and pytest (the playbook stage) come from hack/venv.sh.
  if [ ! -d .cache/collections/ansible_collections/community/docker ] || [ ! -x .venv/bin/pytest ]; then
    bash hack/venv.sh >/dev/null
  fi
}

run_sanity() {
  ANSIBLE_TEST_VENV="$root/$venv" bash hack/ansible-test.sh sanity "$@"
}

run_lint() {
  PATH="$root/$venv/bin:$PATH" ansible-lint --profile production --offline
}

run_playbook() {
  # The validation play, then the integration tests that drive the roles and modules through ansible-playbook
  # against real local services (preflight role, env_file, survey strings), with this core's ansible-playbook.
  PATH="$root/$venv/bin:$PATH" ansible-playbook -i inventories/example playbooks/validate.yml
  ENGAGE_EXEC_ANSIBLE_BIN="$root/$venv/bin" bash hack/pytest.sh -q -p no:cacheprovider \
    tests/integration/test_site_validation.py tests/integration/test_survey_strings.py \
    tests/integration/preflight/test_preflight_role.py tests/integration/env_file/test_env_file_playbook.py
}

timed() {
  local name=$1 t0=$SECONDS; shift
  "$@"
  echo "=== oldest-core $name: ok ($((SECONDS - t0)) s)"
}

make_venv
case "${1:-all}" in
  venv) ;;
  sanity) shift; timed sanity run_sanity "$@" ;;
  lint) timed lint run_lint ;;
  playbook) timed playbook run_playbook ;;
  all) timed sanity run_sanity; timed lint run_lint; timed playbook run_playbook ;;
  *) echo "usage: $0 [all|venv|sanity|lint|playbook]" >&2; exit 2 ;;
esac
