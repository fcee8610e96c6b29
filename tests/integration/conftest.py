# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures: real services on loopback (see servers.py) and a runner for ansible-playbook."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

import servers  # noqa: E402  pylint: disable=wrong-import-position
# A skip not in tests/skip-allowlist.yml fails the run.
from skipguard import (  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import
    pytest_runtest_logreport, pytest_sessionfinish, pytest_terminal_summary)

ROOT = servers.ROOT


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


@pytest.fixture
def playbook():
    """``playbook(path, inventory, *args, extra_vars=..., env=..., check=...)`` runs ansible-playbook."""
    return servers.run_playbook
