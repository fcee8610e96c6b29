# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the benchmarks share: their targets (target(), exit_code()) and, for those that deploy a role onto a
throwaway VM-like host (lab/vmhost.py), the host and the role run.

Every benchmark prints each target beside its figure and exits 0 when all are met, MISSED (3) when one is missed
(hack/bench.sh, `make bench`, lists the benchmarks that missed one), any other code when it could not measure (an
error, a traceback: 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "lab"))

import vmhost  # noqa: E402  pylint: disable=wrong-import-position


MISSED = 3
_TARGETS = []


def target(what, figure, wanted, met):
    """Print one figure beside its target (``wanted``, as text) and whether it is met; remember the verdict."""
    _TARGETS.append((what, bool(met)))
    print("TARGET %-44s %-14s target %-16s %s" % (what, figure, wanted, "met" if met else "MISSED"))
    return bool(met)


def exit_code():
    """0 when every target printed by target() was met, else MISSED (after naming the missed ones); 2 when none
    was measured."""
    missed = [what for what, met in _TARGETS if not met]
    if not _TARGETS:
        print("no target was measured")
        return 2
    if missed:
        print("missed %d of %d targets: %s" % (len(missed), len(_TARGETS), "; ".join(missed)))
        return MISSED
    print("all %d targets met" % len(_TARGETS))
    return 0


def host_up(name):
    """A host as a site's VM (systemd, sshd, the user deploy), labelled engage-exec-test=1; its facts (vmhost.up)."""
    try:
        return vmhost.up([{"name": name}], labels={"engage-exec-test": "1"})[name]
    except vmhost.VMHostError as exc:
        raise SystemExit("host %s: %s" % (name, exc)) from exc


def host_remove(name):
    """Remove the host, its volumes and the cgroups its systemd left."""
    vmhost.remove([name])


def sh(container, script, check=True):
    """Run a bash script in the container; its output (stdout and stderr)."""
    proc = subprocess.run(["docker", "exec", container, "bash", "-c", script], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    if check and proc.returncode != 0:
        raise SystemExit("in %s: %s\n%s" % (container, script, proc.stdout[-3000:]))
    return proc.stdout


def pct(values, q):
    """The q-th percentile (nearest rank) of values."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100.0 * (len(values) - 1))))]


def run_role(container, facts, playbook, what):
    """Apply ``playbook`` (YAML text, with become: true) to the host that host_up() returned ``facts`` for, over SSH
    as deploy, with the project's ansible-playbook; stop on failure."""
    with tempfile.TemporaryDirectory() as tmp:
        inv = Path(tmp) / "inventory.yml"
        inv.write_text(json.dumps({"all": {"hosts": {container: vmhost.inventory_vars(facts)}}}, indent=2))
        play = Path(tmp) / "play.yml"
        play.write_text(playbook)
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH="%s:%s" % (BIN, os.environ["PATH"]),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1")
        proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inv), str(play)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit("the %s role failed:\n%s" % (what, proc.stdout[-4000:]))
