# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest
import requests

from ansible_collections.engage_exec.recording.plugins.module_utils import _gax
from ansible_collections.engage_exec.recording.plugins.module_utils._annex import AnnexError

WHERE = "CfgTransaction 'hybrid_integration' of tenant 'Environment'"


class Resp:
    def __init__(self, status, payload=None):
        self.status_code = status
        self._payload = payload
        self.content = b"x" if payload is not None else b""
        self.reason = "reason"

    def json(self):
        if self._payload is None:
            raise ValueError("no body")
        return self._payload


class Session:
    """Answers from a script: each item a Resp or an exception to raise."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url))
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def backend(script, retries=3):
    gax = _gax.GaxBackend("http://127.0.0.1:1/", "u", "p", WHERE, retries=retries, backoff=0)
    gax.session = Session(script)
    return gax


def test_retries_connection_errors_and_5xx_then_succeeds():
    gax = backend([requests.exceptions.ConnectionError("refused"), Resp(503, {}), Resp(200, [])])
    assert gax.tenant_dbid("Environment") is None
    assert len(gax.session.calls) == 3
    assert gax.session.calls[0] == ("GET", "http://127.0.0.1:1/gax/api/cfg/objects")


def test_never_retries_4xx():
    gax = backend([Resp(400, {"status": {"code": 400, "message": "bad field"}}), Resp(200, [])])
    with pytest.raises(AnnexError, match=r"GAX refused GET /gax/api/cfg/objects \(400 bad field\)"):
        gax.tenant_dbid("Environment")
    assert len(gax.session.calls) == 1


def test_gives_up_after_retries_with_the_cause():
    gax = backend([Resp(503, {"status": {"message": "down"}})] * 3, retries=2)
    with pytest.raises(AnnexError) as exc:
        gax.tenant_dbid("Environment")
    assert "after 3 attempts: HTTP 503: down" in str(exc.value) and WHERE in str(exc.value)


def test_tls_error_names_ca_path_and_is_not_retried():
    gax = backend([requests.exceptions.SSLError("certificate verify failed"), Resp(200, [])])
    with pytest.raises(AnnexError, match="ca_path"):
        gax.tenant_dbid("Environment")
    assert len(gax.session.calls) == 1


def test_find_filters_by_tenant_and_converts_strings():
    objs = [{"dbid": "7", "name": "hybrid_integration", "tenantdbid": "101", "folderid": "203",
             "subtype": "CFGTRTList", "state": "CFGEnabled", "userproperties": {"property": []}},
            {"dbid": "5", "name": "hybrid_integration", "tenantdbid": "1", "folderid": "201", "subtype": "CFGTRTList",
             "state": "CFGEnabled", "userproperties": {"property": [
                 {"section": "s", "key": "k", "value": "v"}, {"section": "s", "key": "n", "value": "1"}]}}]
    found = backend([Resp(200, objs)]).find(1, "hybrid_integration")
    assert found == {"dbid": 5, "name": "hybrid_integration", "alias": "", "tenantdbid": 1, "folderid": 201,
                     "subtype": "CFGTRTList", "state": "CFGEnabled", "sections": {"s": {"k": "v", "n": "1"}}}
    assert backend([Resp(200, objs[:1])]).find(1, "hybrid_integration") is None


def test_to_gax_uses_string_fields_and_flat_properties():
    body = _gax.to_gax({"dbid": 5, "name": "n", "alias": "N", "tenantdbid": 1, "folderid": 201,
                        "subtype": "CFGTRTList", "state": "CFGEnabled", "sections": {"b": {"k": "2"}, "a": {"k": "1"}}})
    assert body["dbid"] == "5" and body["tenantdbid"] == "1" and body["folderid"] == "201" and body["alias"] == "N"
    assert body["userproperties"]["property"] == [{"section": "a", "key": "k", "value": "1"},
                                                  {"section": "b", "key": "k", "value": "2"}]


def test_folders_read_in_object_model_shape_and_without_the_fields():
    model = [
        {"dbid": "201", "type": "CfgFolder", "name": "Transactions", "subtype": "CFGTransaction",
         "folderclass": "CFGFCDefault", "ownerid": {"type": "CFGTenant", "dbid": "1"}, "state": "CFGEnabled"},
        {"dbid": "202", "type": "CfgFolder", "name": "EXEC", "subtype": "CFGTransaction", "folderclass": "CFGFCUser",
         "ownerid": {"type": "CFGTenant", "dbid": "1"}, "folderid": "201"},
        {"dbid": "206", "type": "CfgFolder", "name": "Recording", "folderid": "202"},  # no owner: its parent's
        {"dbid": "203", "type": "CfgFolder", "name": "Transactions", "subtype": "CFGTransaction",
         "folderclass": "CFGFCDefault", "ownerid": {"type": "CFGTenant", "dbid": "101"}},
        # other spellings: the object model's own names, the owner as a plain dbid
        {"dbid": "204", "Type": "CFGPerson", "folderClass": "CFGFCDefault", "name": "Persons", "ownerDBID": "1",
         "folderId": "0"},
    ]
    folders = backend([Resp(200, model)]).folders(1)
    assert [(f["dbid"], f["parent"], f["content"], f["folderclass"]) for f in folders] == [
        (201, None, "CFGTransaction", "CFGFCDefault"), (202, 201, "CFGTransaction", "CFGFCUser"),
        (204, None, "CFGPerson", "CFGFCDefault"), (206, 202, None, None)]
    assert "default" not in folders[0]
    bare = [{k: v for k, v in f.items() if k not in ("subtype", "folderclass", "Type", "folderClass")} for f in model]
    folders = backend([Resp(200, bare)]).folders(1)
    assert {f["dbid"]: (f["content"], f["folderclass"]) for f in folders} == {
        201: (None, None), 202: (None, None), 204: (None, None), 206: (None, None)}
