# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the exrp_image tests: the lab registry (real docker-registry, TLS + htpasswd), stand-in EXRP
archives made with ``docker import`` + ``docker save``, HTTPS and FTP servers for URL sources."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import exrp_image_helpers as h  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="module")
def registry(tmp_path_factory, pki):
    """A real registry on 127.0.0.1 with TLS (certificate from the test CA) and htpasswd auth."""
    cert = pki.issue("registry")
    reg = h.registry_mod().start_registry(tmp_path_factory.mktemp("registry"), cert=cert.cert_path,
                                          key=cert.key_path, ca_path=pki.ca_path)
    yield reg
    reg.stop()
    h.remove_local_images(reg.address)


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    """``archives.make(version, ...)`` builds a stand-in EXRP image and saves it as exrp-<version>.tgz."""
    factory = h.ArchiveFactory(tmp_path_factory.mktemp("archives"))
    yield factory
    factory.cleanup()


@pytest.fixture
def module_runner(registry, tmp_path):
    """``run(**args)`` runs the module's code as Ansible would (JSON args) and returns its JSON result."""
    return h.ModuleRunner(registry, tmp_path)
