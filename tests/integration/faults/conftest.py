# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the fault matrix: the real services of the cme, exrp_image and preflight tests (their fixtures,
reused), GAX with an expired certificate, Redis over TLS, and a runner that applies a role to a host nobody can
reach."""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "cme"))
sys.path.insert(0, str(HERE.parent / "exrp_image"))

from faults_helpers import RoleRunner  # noqa: E402  pylint: disable=wrong-import-position


def _fixtures_of(conftest: Path, *names):
    """The fixtures ``names`` of another folder's conftest.py (one definition, used here as well)."""
    spec = importlib.util.spec_from_file_location("faults_reuse_" + conftest.parent.name, conftest)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return [getattr(mod, n) for n in names]


configdb, gax = _fixtures_of(HERE.parent / "cme" / "conftest.py", "configdb", "gax")
registry, archives = _fixtures_of(HERE.parent / "exrp_image" / "conftest.py", "registry", "archives")
(tls_servers,) = _fixtures_of(HERE.parent / "preflight" / "conftest.py", "tls_servers")
(redis_tls,) = _fixtures_of(HERE.parent / "lab_standins" / "conftest.py", "redis_tls")


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture(scope="module")
def expired_cert(pki):
    return pki.issue("expired", days=-2, not_before_days=-40)


def _gax_https(configdb, workdir, cert):
    from cme_helpers import Gax  # pylint: disable=import-outside-toplevel
    return Gax(configdb, workdir, tls=cert)


@pytest.fixture(scope="module")
def gax_tls(configdb, tmp_path_factory, pki):
    """The GAX stand-in over HTTPS with a valid certificate from the test CA."""
    server = _gax_https(configdb, tmp_path_factory.mktemp("gax-tls"), pki.issue("gax"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gax_expired(configdb, tmp_path_factory, expired_cert):
    """The GAX stand-in over HTTPS with an expired certificate (signed by the test CA)."""
    server = _gax_https(configdb, tmp_path_factory.mktemp("gax-expired"), expired_cert)
    yield server
    server.stop()


@pytest.fixture
def role_runner(tmp_path, playbook):
    return RoleRunner(tmp_path, playbook)
