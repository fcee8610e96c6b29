# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures: real services on loopback (see servers.py) and a runner for ansible-playbook."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import servers  # noqa: E402  pylint: disable=wrong-import-position

ROOT = servers.ROOT
# ENGAGE_EXEC_ANSIBLE_BIN runs the playbooks with another ansible-core (hack/oldest-core.sh: .venv-core217/bin).
VENV_BIN = Path(os.environ.get("ENGAGE_EXEC_ANSIBLE_BIN") or ROOT / ".venv" / "bin")


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A test CA; ``pki.issue(name)`` makes server certificates for localhost/127.0.0.1."""
    return servers.PKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def postgres_tls(pki):
    """Real PostgreSQL with TLS (certificate from ``pki``)."""
    workdir = servers.reachable_dir("pg-tls-")
    pg = servers.start_postgres(workdir, cert=pki.issue("postgres"))
    yield pg
    pg.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_plain():
    """Real PostgreSQL without TLS."""
    workdir = servers.reachable_dir("pg-plain-")
    pg = servers.start_postgres(workdir)
    yield pg
    pg.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """Real Redis with a password."""
    r = servers.start_redis(tmp_path_factory.mktemp("redis"))
    yield r
    r.stop()


def run_playbook(playbook, inventory, *args, extra_vars=None, env=None, check=False):
    """Run ansible-playbook from the checkout; returns the CompletedProcess (stdout+stderr in .stdout)."""
    cmd = [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), *args]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    full_env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
                    ANSIBLE_NOCOLOR="1", PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")))
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    if check and proc.returncode != 0:
        raise AssertionError("ansible-playbook failed (%d):\n%s" % (proc.returncode, proc.stdout[-6000:]))
    return proc


@pytest.fixture
def playbook():
    """``playbook(path, inventory, *args, extra_vars=..., env=..., check=...)`` runs ansible-playbook."""
    return run_playbook
