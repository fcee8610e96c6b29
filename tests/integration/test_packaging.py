# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection as people install it: the built tarball, the installed playbooks, ansible-doc, the EE context."""

from __future__ import annotations

import os
import subprocess
import tarfile

import pytest
import yaml

from servers import ROOT

BIN = ROOT / ".venv" / "bin"
DEPS = ROOT / ".cache" / "collections"


def _run(cmd, cwd, env=None):
    full = dict(os.environ, PATH="%s:%s" % (BIN, os.environ["PATH"]), ANSIBLE_NOCOLOR="1")
    full.pop("ANSIBLE_CONFIG", None)
    full.update(env or {})
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=full, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    run = _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", out, ROOT], cwd=out)
    assert run.returncode == 0, run.stdout + run.stderr
    (path,) = out.glob("engage_exec-recording-*.tar.gz")
    return path


def test_tarball_ships_the_collection_not_the_lab(tarball):
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    assert tarball.name == "engage_exec-recording-%s.tar.gz" % version
    for wanted in ("MANIFEST.json", "playbooks/site.yml", "playbooks/validate.yml", "meta/runtime.yml",
                   "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
                   "plugins/filter/inventory.py", "roles/preflight/meta/argument_specs.yml", "README.md"):
        assert wanted in names, wanted
    for unwanted in ("tests", "lab", "molecule", "bench", "hack", ".cache", ".venv", ".venv-core217", "inventories/lab"):
        assert not any(n == unwanted or n.startswith(unwanted + "/") for n in names), unwanted


def test_installed_collection_runs_its_playbooks(tarball, tmp_path):
    dest = tmp_path / "collections"
    run = _run([BIN / "ansible-galaxy", "collection", "install", "--offline", "--no-deps", "-p", dest, tarball],
               cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    env = {"ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (dest, DEPS)}
    inventory = ROOT / "inventories" / "example"
    # Every play and role of site.yml resolves from the installed collection (not from the checkout).
    listed = _run([BIN / "ansible-playbook", "-i", inventory, "engage_exec.recording.site", "--list-tasks"],
                  cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for step in ("preflight", "hybrid_transaction", "exrp_image", "webdav", "load_balancer", "exrp_node",
                 "exec_services"):
        assert "engage_exec.recording.%s" % step in listed.stdout or step in listed.stdout, step
    validated = _run([BIN / "ansible-playbook", "-i", inventory, "engage_exec.recording.validate"], cwd=tmp_path,
                     env=env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "failed=0" in validated.stdout
    assert str(ROOT) not in validated.stdout


def test_ansible_doc_lists_the_collection_from_the_checkout():
    run = _run([BIN / "ansible-doc", "-t", "filter", "-l", "engage_exec.recording"], cwd=ROOT,
               env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
    assert run.returncode == 0, run.stderr
    assert "engage_exec.recording.exec_inventory_problems" in run.stdout
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    for module in modules:
        doc = _run([BIN / "ansible-doc", "engage_exec.recording.%s" % module], cwd=ROOT,
                   env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")})
        assert doc.returncode == 0 and "EXAMPLES" in doc.stdout and "RETURN VALUES" in doc.stdout, module + doc.stderr


def test_execution_environment_context(tmp_path):
    ctx = tmp_path / "context"
    run = _run([BIN / "ansible-builder", "create", "-f", ROOT / "execution-environment.yml", "-c", ctx], cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    (build_file,) = [p for p in (ctx / "Containerfile", ctx / "Dockerfile") if p.exists()]
    containerfile = build_file.read_text()
    assert "ansible-galaxy collection install --offline --no-deps /tmp/engage-exec-collection/" in containerfile
    assert (ctx / "_build" / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (ctx / "_build" / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert (ROOT / meta["dependencies"]["python"]).exists() and (ROOT / meta["dependencies"]["system"]).exists()
