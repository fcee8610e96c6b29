# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os

from ansible_collections.engage_exec.recording.plugins.module_utils import _pg


def test_explicit_ca_path_wins():
    assert _pg.sslrootcert("verify-full", "/etc/site-ca.pem") == "/etc/site-ca.pem"


def test_non_verifying_modes_leave_libpq_alone():
    for mode in ("disable", "allow", "prefer", "require"):
        assert _pg.sslrootcert(mode) is None


def test_verifying_modes_use_the_system_bundle(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.postgresql/root.crt
    bundle = _pg.sslrootcert("verify-full")
    assert bundle and os.path.isfile(bundle)
    assert _pg.sslrootcert("verify-ca") == bundle


def test_per_user_root_cert_is_respected(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".postgresql").mkdir()
    (tmp_path / ".postgresql" / "root.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    assert _pg.sslrootcert("verify-full") is None
