# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils import _annex
from ansible_collections.engage_exec.recording.plugins.module_utils._annex import AnnexError, NameTaken

WHERE = "CfgTransaction 'hybrid_integration' of tenant 'Environment'"


class FakeBackend:
    """In-memory backend with the interface _annex.ensure uses; records writes."""

    def __init__(self, objects=None, steal_name=False):
        self.objects = objects or {}
        self.writes = []
        self.steal_name = steal_name

    def tenant_dbid(self, name):
        return {"Environment": 1, "Tenant_B": 101}.get(name)

    def folders(self, tenant_dbid):
        return [{"dbid": 201, "name": "Transactions", "parent": None, "default": True},
                {"dbid": 202, "name": "EXEC", "parent": 201, "default": False},
                {"dbid": 205, "name": "EXEC", "parent": None, "default": False}]

    def find(self, tenant_dbid, name):
        obj = self.objects.get((tenant_dbid, name))
        return None if obj is None else dict(obj, sections={s: dict(kv) for s, kv in obj["sections"].items()})

    def create(self, obj):
        if self.steal_name:  # another writer wins the race once
            self.steal_name = False
            self.objects[(obj["tenantdbid"], obj["name"])] = dict(obj, dbid=999, sections={"s": {"k": "other"}})
            raise NameTaken(obj["name"])
        self.writes.append(("create", obj))
        self.objects[(obj["tenantdbid"], obj["name"])] = dict(obj, dbid=1000)
        return 1000

    def update(self, current, obj):
        self.writes.append(("update", obj))
        self.objects[(obj["tenantdbid"], obj["name"])] = obj

    def delete(self, current):
        self.writes.append(("delete", current))
        del self.objects[(current["tenantdbid"], current["name"])]


def existing(sections, subtype="CFGTRTList", folderid=201):
    return {(1, "hybrid_integration"): {"dbid": 500, "name": "hybrid_integration", "tenantdbid": 1,
                                        "folderid": folderid, "subtype": subtype, "state": "CFGEnabled",
                                        "sections": sections}}


def want(sections, **extra):
    w = {"name": "hybrid_integration", "tenant": "Environment", "folder": None, "purge": False, "state": "present",
         "secret_keys": [], "sections": _annex.normalize_sections(sections, WHERE)}
    w.update(extra)
    return w


def test_values_become_strings_like_the_config_layer():
    assert _annex.normalize_sections({"s": {"a": 30, "b": True, "c": False, "d": 1.5, "e": "x"}}, WHERE) == {
        "s": {"a": "30", "b": "true", "c": "false", "d": "1.5", "e": "x"}}


@pytest.mark.parametrize("sections, message", [
    ({"s": ["a"]}, "section 's' is not a mapping"),
    ({"s": "a=b"}, "section 's' is not a mapping"),
    ({"s": {"k": "a\nb"}}, "contains a newline"),
    ({"s": {"k": "a\rb"}}, "contains a newline"),
    ({"s": {"k": None}}, "is null"),
    ({"s": {"k": {"x": 1}}}, "not a string or number"),
    ({"": {"k": "v"}}, "section name"),
    ({"s\n": {"k": "v"}}, "control character"),
    ({"s": {"": "v"}}, "key name"),
    (["s"], "sections must be a mapping"),
])
def test_bad_sections_are_refused_with_the_object_named(sections, message):
    with pytest.raises(AnnexError) as exc:
        _annex.normalize_sections(sections, WHERE)
    assert message in str(exc.value) and WHERE in str(exc.value)


def test_merge_add_change_keep_and_purge():
    current = {"a": {"x": "1", "y": "2"}, "b": {"z": "3"}}
    wanted = {"a": {"x": "10", "n": "new"}}
    assert _annex.merge(current, wanted, purge=False) == {"a": {"x": "10", "y": "2", "n": "new"}, "b": {"z": "3"}}
    assert _annex.merge(current, wanted, purge=True) == {"a": {"x": "10", "n": "new"}}
    assert _annex.merge(current, {"a": {}}, purge=True) == {}  # empty sections are dropped
    assert current == {"a": {"x": "1", "y": "2"}, "b": {"z": "3"}}  # not modified in place


def test_changes_lists_add_change_remove():
    before = {"a": {"x": "1", "y": "2"}, "b": {"z": "3"}}
    after = {"a": {"x": "10", "n": "new"}}
    assert _annex.changes(before, after) == [("add", "a", "n"), ("change", "a", "x"), ("remove", "a", "y"),
                                             ("remove", "b", "z")]
    assert _annex.changes(after, after) == []


def test_masking_client_secret_and_secret_keys():
    sections = {"agent_state_sync": {"client_id": "id", "client_secret": "S1"}, "rec": {"pw": "P", "user": "u"}}
    masked = _annex.masked(sections, ["pw"])
    assert masked == {"agent_state_sync": {"client_id": "id", "client_secret": "********"},
                      "rec": {"pw": "********", "user": "u"}}
    assert _annex.masked(sections, ["rec.pw"])["rec"]["pw"] == "********"
    assert _annex.secret_values(sections, ["pw"]) == {"S1", "P"}
    assert _annex.masked(sections, [])["rec"]["pw"] == "P"


def test_ensure_creates_when_missing_and_check_mode_writes_nothing():
    backend = FakeBackend()
    result = _annex.ensure(backend, want({"agent_state_sync": {"client_id": "id", "client_secret": "S1"}}), True)
    assert result["changed"] is True and backend.writes == [] and result["dbid"] is None
    assert result["diff"]["before"] == ""
    assert "client_secret = ******** (changed)" in result["diff"]["after"] and "S1" not in result["diff"]["after"]
    result = _annex.ensure(backend, want({"agent_state_sync": {"client_id": "id", "client_secret": "S1"}}), False)
    assert result["changed"] is True and result["dbid"] == 1000
    assert backend.writes[0][0] == "create" and backend.writes[0][1]["folderid"] == 201
    assert result["object"]["sections"]["agent_state_sync"]["client_secret"] == "********"
    assert result["secrets"] == {"S1"}


def test_ensure_is_idempotent_and_keeps_unknown_keys():
    backend = FakeBackend(existing({"agent_state_sync": {"client_id": "id", "extra": "kept"}}))
    result = _annex.ensure(backend, want({"agent_state_sync": {"client_id": "id"}}), False)
    assert result["changed"] is False and backend.writes == [] and result["dbid"] == 500
    assert result["diff"]["before"] == result["diff"]["after"]


def test_ensure_change_shows_masked_secret_in_diff():
    backend = FakeBackend(existing({"agent_state_sync": {"client_secret": "OLD", "agent_polling_interval": "30"}}))
    result = _annex.ensure(backend, want({"agent_state_sync": {"client_secret": "NEW",
                                                               "agent_polling_interval": 60}}), False)
    assert result["changed"] is True
    diff = result["diff"]
    assert "agent_polling_interval = 30" in diff["before"] and "agent_polling_interval = 60" in diff["after"]
    assert "client_secret = ********\n" in diff["before"] and "client_secret = ******** (changed)" in diff["after"]
    assert "OLD" not in str(result["diff"]) and "NEW" not in str(result["diff"]) and "NEW" not in str(result["object"])
    assert result["secrets"] == {"OLD", "NEW"}
    assert sorted(result["changes"]) == ["change agent_state_sync.agent_polling_interval",
                                         "change agent_state_sync.client_secret"]


def test_ensure_purge_removes_unlisted_keys():
    backend = FakeBackend(existing({"a": {"x": "1", "y": "2"}, "b": {"z": "3"}}))
    result = _annex.ensure(backend, want({"a": {"x": "1"}}, purge=True), False)
    assert result["changed"] is True and backend.writes[0][1]["sections"] == {"a": {"x": "1"}}
    assert sorted(result["changes"]) == ["remove a.y", "remove b.z"]


def test_ensure_absent():
    backend = FakeBackend(existing({"a": {"x": "1"}}))
    assert _annex.ensure(backend, want({}, state="absent"), True)["changed"] is True and backend.writes == []
    result = _annex.ensure(backend, want({}, state="absent"), False)
    assert result["changed"] is True and backend.writes[0][0] == "delete" and result["diff"]["after"] == ""
    assert _annex.ensure(backend, want({}, state="absent"), False)["changed"] is False


def test_ensure_refuses_unknown_tenant_and_other_type():
    with pytest.raises(AnnexError, match="tenant 'Nope' does not exist"):
        _annex.ensure(FakeBackend(), want({}, tenant="Nope"), False)
    backend = FakeBackend(existing({}, subtype="CFGTRTRoutingStrategy"))
    with pytest.raises(AnnexError, match="exists with another type"):
        _annex.ensure(backend, want({"a": {"x": "1"}}), False)
    assert backend.writes == []


def test_ensure_retries_once_when_another_writer_creates_the_name():
    backend = FakeBackend(steal_name=True)
    result = _annex.ensure(backend, want({"s": {"k": "mine"}}), False)
    assert result["changed"] is True and backend.writes[0][0] == "update" and result["dbid"] == 999


def test_folder_resolution():
    folders = FakeBackend().folders(1)
    assert _annex.resolve_folder(folders, None, WHERE) == 201
    assert _annex.resolve_folder(folders, "Transactions/EXEC", WHERE) == 202
    assert _annex.resolve_folder(folders, "205", WHERE) == 205
    with pytest.raises(AnnexError, match="ambiguous"):
        _annex.resolve_folder(folders, "EXEC", WHERE)
    with pytest.raises(AnnexError, match="not found"):
        _annex.resolve_folder(folders, "Nope", WHERE)
    backend = FakeBackend(existing({"a": {"x": "1"}}))
    result = _annex.ensure(backend, want({"a": {"x": "1"}}, folder="Transactions/EXEC"), False)
    assert result["changed"] is True and backend.writes[0][1]["folderid"] == 202


def test_compare_readback():
    result = {"after": {"dbid": 5, "sections": {"a": {"x": "1", "client_secret": "S"}}}}
    assert _annex.compare_readback({}, result, {"dbid": 5, "sections": {"a": {"x": "1", "client_secret": "S"}}},
                                   []) == []
    problems = _annex.compare_readback({}, result, {"dbid": 5, "sections": {"a": {"x": "2", "client_secret": "T"}}},
                                       [])
    assert problems == ["a.client_secret: differs (value hidden)", "a.x: differs ('2')"]
    assert _annex.compare_readback({}, result, None, []) == ["the object is missing"]
    assert _annex.compare_readback({}, {"after": None}, None, []) == []
