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
        return MODEL_FOLDERS

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


# A tenant's folders as the object model has them: the default Transactions folder, user sub-folders, a user root
# folder, the default folder of another content type.
MODEL_FOLDERS = [_annex.folder(201, "Transactions", None, "CFGTransaction", "CFGFCDefault"),
                 _annex.folder(202, "EXEC", 201, "CFGTransaction", "CFGFCUser"),
                 _annex.folder(205, "EXEC", None, "CFGTransaction", "CFGFCUser"),
                 _annex.folder(206, "Recording", 202, "CFGTransaction", "CFGFCUser"),
                 _annex.folder(204, "Persons", None, "CFGPerson", "CFGFCDefault")]


def bare(folders):
    """The same folders from a GAX that gives neither content type nor folder class."""
    return [dict(f, content=None, folderclass=None) for f in folders]


def existing(sections, subtype="CFGTRTList", folderid=201, alias="hybrid_integration"):
    return {(1, "hybrid_integration"): {"dbid": 500, "name": "hybrid_integration", "alias": alias, "tenantdbid": 1,
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
    # purge: the given sections become exactly what is given; a section not given is never touched
    assert _annex.merge(current, wanted, purge=True) == {"a": {"x": "10", "n": "new"}, "b": {"z": "3"}}
    assert _annex.merge(current, {"a": {}}, purge=True) == {"b": {"z": "3"}}  # empty sections are dropped
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


def test_ensure_purge_removes_unlisted_keys_of_given_sections_only():
    general = {"base_auth_url": "https://auth.example", "base_service_url": "https://svc.example"}
    backend = FakeBackend(existing({"a": {"x": "1", "y": "2"}, "general": general}))
    result = _annex.ensure(backend, want({"a": {"x": "1"}}, purge=True), True)
    assert result["changed"] is True and result["changes"] == ["remove a.y"] and backend.writes == []
    result = _annex.ensure(backend, want({"a": {"x": "1"}}, purge=True), False)
    assert backend.writes[0][1]["sections"] == {"a": {"x": "1"}, "general": general}
    assert result["changes"] == ["remove a.y"] and "base_auth_url = https://auth.example" in result["diff"]["after"]
    assert _annex.ensure(backend, want({"a": {"x": "1"}}, purge=True), False)["changed"] is False


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
    assert _annex.resolve_folder(folders, "Transactions/EXEC/Recording", WHERE) == 206
    assert _annex.resolve_folder(folders, "Recording", WHERE) == 206
    assert _annex.resolve_folder(folders, "205", WHERE) == 205
    with pytest.raises(AnnexError, match="ambiguous") as exc:
        _annex.resolve_folder(folders, "EXEC", WHERE)
    assert "Transactions/EXEC (dbid 202, CFGFCUser)" in str(exc.value) and "EXEC (dbid 205" in str(exc.value)
    with pytest.raises(AnnexError, match="not found"):
        _annex.resolve_folder(folders, "Nope", WHERE)
    with pytest.raises(AnnexError, match="not found"):  # a folder of another content type is never taken
        _annex.resolve_folder(folders, "Persons", WHERE)
    with pytest.raises(AnnexError, match="dbid 204 is not a Transactions folder"):
        _annex.resolve_folder(folders, "204", WHERE)
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


def test_folder_fields_by_object_model_names():
    assert _annex.folder("7", "T", "0", "CfgTransaction", "cfgfcdefault") == {
        "dbid": 7, "name": "T", "parent": None, "content": "CFGTransaction", "folderclass": "CFGFCDefault"}
    assert _annex.folder(7, "T", 3, "", None) == {"dbid": 7, "name": "T", "parent": 3, "content": None,
                                                  "folderclass": None}


def test_default_folder_by_class_and_content_type_not_by_name():
    renamed = [dict(f, name="Transaktionen") if f["dbid"] == 201 else f for f in MODEL_FOLDERS]
    assert _annex.default_folder(renamed, WHERE) == 201
    # a user root folder named Transactions beside the default one does not make it ambiguous
    assert _annex.default_folder(MODEL_FOLDERS + [_annex.folder(208, "Transactions", None, "CFGTransaction",
                                                                "CFGFCUser")], WHERE) == 201


def test_default_folder_without_class_or_content_type_is_the_one_root_transactions_folder():
    assert _annex.default_folder(bare(MODEL_FOLDERS), WHERE) == 201
    nested = bare([_annex.folder(210, "X", None), _annex.folder(211, "Transactions", 210)])
    with pytest.raises(AnnexError, match="no root folder without a class is named Transactions"):
        _annex.default_folder(nested, WHERE)


@pytest.mark.parametrize("folders, why", [
    (bare(MODEL_FOLDERS) + [_annex.folder(208, "Transactions", None)], "2 root folders are named Transactions"),
    (MODEL_FOLDERS + [_annex.folder(208, "Old", None, "CFGTransaction", "CFGFCDefault")],
     "2 folders of class CFGFCDefault hold transactions"),
    ([f for f in MODEL_FOLDERS if f["dbid"] != 201] + [_annex.folder(209, "Transactions", None, "CFGTransaction",
                                                                     "CFGFCUser")],
     "no folder is of class CFGFCDefault with content type CFGTransaction, and no root folder without a class"),
])
def test_ambiguous_or_missing_default_folder_fails_listing_candidates(folders, why):
    with pytest.raises(AnnexError) as exc:
        _annex.default_folder(folders, WHERE)
    text = str(exc.value)
    assert WHERE in text and why in text and "Set folder to one of them (its path or dbid)" in text
    assert "EXEC (dbid 202, " in text and "EXEC/Recording (dbid 206, " in text
    if folders[0]["content"] is not None:
        assert "Persons" not in text  # another content type is no candidate


def test_alias_is_the_name_for_a_new_object_unless_given():
    backend = FakeBackend()
    result = _annex.ensure(backend, want({"s": {"k": "v"}}), False)
    assert backend.writes[0][1]["alias"] == "hybrid_integration" and result["object"]["alias"] == "hybrid_integration"
    assert "alias: hybrid_integration" in result["diff"]["after"] and result["alias_missing"] is False
    backend = FakeBackend()
    _annex.ensure(backend, want({"s": {"k": "v"}}, alias="HI"), False)
    assert backend.writes[0][1]["alias"] == "HI"


@pytest.mark.parametrize("alias", ["", "   "])
def test_empty_alias_is_refused_before_anything_is_written(alias):
    backend = FakeBackend(existing({"s": {"k": "v"}}))
    with pytest.raises(AnnexError, match="refuses a CfgTransaction without an alias. Give a non-empty alias"):
        _annex.ensure(backend, want({"s": {"k": "new"}}, alias=alias), False)
    assert backend.writes == []


def test_existing_alias_is_kept_unless_given():
    backend = FakeBackend(existing({"s": {"k": "v"}}, alias="site alias"))
    result = _annex.ensure(backend, want({"s": {"k": "new"}}), False)
    assert backend.writes[0][1]["alias"] == "site alias" and result["changes"] == ["change s.k"]
    backend = FakeBackend(existing({"s": {"k": "v"}}, alias="site alias"))
    result = _annex.ensure(backend, want({"s": {"k": "v"}}, alias="other"), True)
    assert result["changed"] is True and result["changes"] == ["change alias"] and backend.writes == []
    assert "-" not in result["diff"]["after"].split("alias: ")[1][:1] and "alias: other" in result["diff"]["after"]
    result = _annex.ensure(backend, want({"s": {"k": "v"}}, alias="other"), False)
    assert backend.writes[0][1]["alias"] == "other"


def test_existing_object_without_alias_is_reported_and_set_with_the_next_change():
    backend = FakeBackend(existing({"s": {"k": "v"}}, alias=""))
    result = _annex.ensure(backend, want({"s": {"k": "v"}}), False)
    assert result["changed"] is False and result["alias_missing"] is True and backend.writes == []
    assert result["object"]["alias"] == ""
    result = _annex.ensure(backend, want({"s": {"k": "v2"}}), True)
    assert result["changed"] is True and result["changes"] == ["set alias", "change s.k"] and backend.writes == []
    result = _annex.ensure(backend, want({"s": {"k": "v2"}}), False)
    assert result["alias_missing"] is True and backend.writes[0][1]["alias"] == "hybrid_integration"
    result = _annex.ensure(backend, want({"s": {"k": "v2"}}), False)
    assert result["changed"] is False and result["alias_missing"] is False
    backend = FakeBackend(existing({"s": {"k": "v"}}, alias=""))  # a folder move is a change too
    result = _annex.ensure(backend, want({"s": {"k": "v"}}, folder="Transactions/EXEC"), False)
    assert result["changes"] == ["set alias"] and backend.writes[0][1]["alias"] == "hybrid_integration"


def test_compare_readback_checks_the_alias():
    result = {"after": {"dbid": 5, "alias": "hi", "sections": {}}}
    assert _annex.compare_readback({}, result, {"dbid": 5, "alias": "hi", "sections": {}}, []) == []
    assert _annex.compare_readback({}, result, {"dbid": 5, "alias": "", "sections": {}}, []) == [
        "alias is '', expected 'hi'"]
