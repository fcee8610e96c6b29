# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the cme_hybrid_transaction tests: a lab Config DB in real PostgreSQL and the GAX stand-in."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cme_helpers import Gax, ModuleRunner, make_configdb  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def configdb(postgres_plain):
    return make_configdb(postgres_plain, "plain")


@pytest.fixture(scope="module")
def configdb_tls(postgres_tls):
    return make_configdb(postgres_tls, "tls")


@pytest.fixture(scope="module")
def gax(configdb, tmp_path_factory):
    server = Gax(configdb, tmp_path_factory.mktemp("gax"))
    yield server
    server.stop()


@pytest.fixture
def fresh(configdb, gax):
    """Each test starts from the seed and a GAX without faults."""
    configdb.reset()
    gax.fault("none")
    gax.folder_shape("model")
    yield configdb
    gax.fault("none")
    gax.folder_shape("model")


@pytest.fixture
def run_module(tmp_path, playbook):
    return ModuleRunner(tmp_path, playbook)
