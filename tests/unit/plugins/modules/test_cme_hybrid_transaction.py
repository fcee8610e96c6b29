# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.engage_exec.recording.plugins.modules import cme_hybrid_transaction as module
from ansible_collections.engage_exec.recording.plugins.module_utils import _configdb, _gax
from ansible_collections.engage_exec.recording.plugins.module_utils import _annex
from ansible_collections.engage_exec.recording.plugins.module_utils._annex import AnnexError

GAX = {"gax_url": "http://127.0.0.1:1", "gax_username": "u", "gax_password": "gax-pass-123"}
SECRET = "client-Secret-xyz"


class Backend:
    """Stands in for a GAX/Config DB backend; records the transaction calls."""

    instances = []
    preset = {}

    def __init__(self, *args, **kwargs):
        self.calls = []
        self.objects = dict(Backend.preset)
        self.fail_on = kwargs.pop("fail_on", None)
        Backend.instances.append(self)

    def open(self):
        self.calls.append("open")

    def close(self):
        self.calls.append("close")

    def commit(self):
        self.calls.append("commit")

    def rollback(self):
        self.calls.append("rollback")

    def tenant_dbid(self, name):
        if name == "Boom":
            raise AnnexError("CfgTransaction 'x' of tenant 'Boom': backend failure")
        return 1 if name == "Environment" else None

    def folders(self, tenant_dbid):
        return [_annex.folder(201, "Transactions", None, "CFGTransaction", "CFGFCDefault")]

    def find(self, tenant_dbid, name):
        return self.objects.get(name)

    def create(self, obj):
        self.calls.append("create")
        return 1000

    def update(self, current, obj):
        self.calls.append("update")

    def delete(self, current):
        self.calls.append("delete")


def run(monkeypatch, capsys, args, check=False):
    Backend.instances = []
    monkeypatch.setattr(_gax, "GaxBackend", Backend)
    monkeypatch.setattr(_configdb, "ConfigDbBackend", Backend)
    if check:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    return json.loads(out), out


def sections(secret=SECRET):
    return {"agent_state_sync": {"client_id": "id", "client_secret": secret, "agent_polling_interval": 30}}


def test_required_gax_options(monkeypatch, capsys):
    for var in ("GAX_URL", "GAX_USERNAME", "GAX_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    result, _out = run(monkeypatch, capsys, {"sections": sections()})
    assert result["failed"] and "gax_url" in result["msg"]


def test_gax_options_from_environment(monkeypatch, capsys):
    monkeypatch.setenv("GAX_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("GAX_USERNAME", "u")
    monkeypatch.setenv("GAX_PASSWORD", "env-pass-456")
    result, out = run(monkeypatch, capsys, {"sections": sections()})
    assert result["changed"] is True and "env-pass-456" not in out


def test_create_commits_and_masks(monkeypatch, capsys):
    result, out = run(monkeypatch, capsys, dict(GAX, sections=sections()))
    assert result["changed"] is True and result["dbid"] == 1000
    assert Backend.instances[0].calls == ["open", "create", "commit", "close"]
    assert result["object"]["sections"]["agent_state_sync"]["client_secret"] == "********"
    assert SECRET not in out and "gax-pass-123" not in out


def test_check_mode_rolls_back_and_writes_nothing(monkeypatch, capsys):
    result, out = run(monkeypatch, capsys, dict(GAX, sections=sections()), check=True)
    assert result["changed"] is True and result["dbid"] is None
    assert Backend.instances[0].calls == ["open", "rollback", "close"]
    assert SECRET not in out


def test_configdb_backend_warns_about_the_cache(monkeypatch, capsys):
    args = {"backend": "configdb", "configdb_host": "127.0.0.1", "configdb_name": "config", "configdb_user": "u",
            "configdb_password": "db-pass-789", "sections": sections()}
    result, out = run(monkeypatch, capsys, args)
    assert result["changed"] is True
    assert "Configuration Server caches configuration" in json.dumps(result["warnings"])
    assert "db-pass-789" not in out and SECRET not in out


def test_invalid_value_fails_without_secret(monkeypatch, capsys):
    bad = {"agent_state_sync": {"client_secret": SECRET, "client_id": "a\nb"}}
    result, out = run(monkeypatch, capsys, dict(GAX, sections=bad))
    assert result["failed"] and "contains a newline" in result["msg"] and "hybrid_integration" in result["msg"]
    assert SECRET not in out and Backend.instances == []  # refused before any connection


def test_backend_error_rolls_back(monkeypatch, capsys):
    result, _out = run(monkeypatch, capsys, dict(GAX, tenant="Boom", sections=sections()))
    assert result["failed"] and result["changed"] is False and "backend failure" in result["msg"]
    assert Backend.instances[0].calls == ["open", "rollback", "close"]


def test_secret_keys_are_masked(monkeypatch, capsys):
    args = dict(GAX, sections={"rec": {"webdav_password": "WebDav-Pass-1", "user": "rec"}},
                secret_keys=["webdav_password"])
    result, out = run(monkeypatch, capsys, args)
    assert result["object"]["sections"]["rec"] == {"webdav_password": "********", "user": "rec"}
    assert "WebDav-Pass-1" not in out


def test_empty_alias_is_refused_before_any_connection(monkeypatch, capsys):
    result, _out = run(monkeypatch, capsys, dict(GAX, alias=" ", sections=sections()))
    assert result["failed"] and "refuses a CfgTransaction without an alias" in result["msg"]
    assert Backend.instances == []


def test_existing_object_without_alias_is_reported_with_a_warning(monkeypatch, capsys):
    legacy = {"dbid": 500, "name": "hybrid_integration", "alias": "", "tenantdbid": 1, "folderid": 201,
              "subtype": "CFGTRTList", "state": "CFGEnabled", "sections": {"s": {"k": "v"}}}
    monkeypatch.setattr(Backend, "preset", {"hybrid_integration": legacy})
    result, _out = run(monkeypatch, capsys, dict(GAX, sections={"s": {"k": "v"}}))
    assert result["changed"] is False and result["alias_missing"] is True
    assert "has no alias" in json.dumps(result["warnings"])
    result, _out = run(monkeypatch, capsys, dict(GAX, sections={"s": {"k": "v2"}}))
    assert result["changed"] is True and result["alias_missing"] is True and result["changes"][0] == "set alias"
    assert result["object"]["alias"] == "hybrid_integration"
