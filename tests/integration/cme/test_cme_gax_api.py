# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's GAX stand-in follows the documented interface; the module verifies GAX's TLS certificate."""

from __future__ import annotations

import socket
import time

import psycopg2
import psycopg2.errors
import pytest
import requests

from cme_helpers import Gax


@pytest.fixture
def api(fresh, gax):
    session = requests.Session()
    base = gax.url + "/gax/api"
    resp = session.post(base + "/session/login",
                        json={"username": gax.user, "password": gax.password, "isPasswordEncrypted": False})
    assert resp.status_code == 200 and "JSESSIONID" in resp.cookies
    return session, base


def test_login_session_and_user_info(gax):
    base = gax.url + "/gax/api"
    bad = requests.post(base + "/session/login", json={"username": gax.user, "password": "nope"}, timeout=5)
    assert bad.status_code == 401 and bad.json()["status"]["code"] == 401 and "JSESSIONID" not in bad.cookies
    assert requests.get(base + "/user/info", timeout=5).status_code == 401
    assert requests.get(base + "/cfg/objects?type=CfgTenant", timeout=5).status_code == 401
    session = requests.Session()
    assert session.post(base + "/session/login", json={"username": gax.user, "password": gax.password}).ok
    assert session.get(base + "/user/info").json()["username"] == gax.user
    assert session.post(base + "/session/logout").ok
    assert session.get(base + "/user/info").status_code == 401


def test_objects_string_fields_one_per_tenant(api):
    session, base = api
    tenants = session.get(base + "/cfg/objects", params={"type": "CfgTenant", "name": "Environment"}).json()
    assert tenants == [{"dbid": "1", "type": "CfgTenant", "name": "Environment", "state": "CFGEnabled"}]
    for tenant, value in (("1", "env"), ("101", "b")):
        resp = session.post(base + "/cfg/objects", json={
            "type": "CfgTransaction", "name": "hybrid_integration", "alias": "hybrid_integration", "tenantdbid": tenant,
            "subtype": "CFGTRTList",
            "userproperties": {"property": [{"section": "agent_state_sync", "key": "client_id", "value": value}]}})
        assert resp.status_code == 200 and resp.json()["dbid"].isdigit()
    found = session.get(base + "/cfg/objects", params={"brief": "false", "type": "CfgTransaction",
                                                       "name": "hybrid_integration"}).json()
    assert sorted(o["tenantdbid"] for o in found) == ["1", "101"]
    assert all(isinstance(v, str) for o in found for k, v in o.items() if k != "userproperties")
    env = next(o for o in found if o["tenantdbid"] == "1")
    assert env["folderid"] == "201" and env["state"] == "CFGEnabled" and env["subtype"] == "CFGTRTList"
    assert env["alias"] == "hybrid_integration"
    assert env["userproperties"] == {"property": [{"section": "agent_state_sync", "key": "client_id",
                                                   "value": "env"}]}
    one = session.get(base + "/cfg/objects/CfgTransaction/" + env["dbid"], params={"brief": "false"}).json()
    assert one == env
    env["userproperties"]["property"][0]["value"] = "changed"
    assert session.put(base + "/cfg/objects/CfgTransaction/" + env["dbid"], json=env).ok
    assert session.get(base + "/cfg/objects/CfgTransaction/" + env["dbid"], params={"brief": "false"}).json() == env


def test_error_shapes(api):
    session, base = api
    missing = session.get(base + "/cfg/objects/CfgTransaction/999999")
    assert missing.status_code == 404 and missing.json()["status"]["code"] == 404
    body = {"type": "CfgTransaction", "name": "x", "alias": "x", "tenantdbid": "77"}
    unknown = session.post(base + "/cfg/objects", json=body)
    assert unknown.status_code == 400 and "tenant 77 does not exist" in unknown.json()["status"]["message"]
    assert session.post(base + "/cfg/objects", json=dict(body, tenantdbid="1")).ok
    dup = session.post(base + "/cfg/objects", json=dict(body, tenantdbid="1"))
    assert dup.status_code == 400 and "already exists" in dup.json()["status"]["message"]
    bad_json = session.post(base + "/cfg/objects", data="{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400
    wrong_folder = session.post(base + "/cfg/objects", json=dict(body, name="y", tenantdbid="1", folderid="203"))
    assert wrong_folder.status_code == 400 and "does not hold transactions of tenant 1" in wrong_folder.text


def test_fault_switch(api, gax):
    session, base = api
    gax.fault("503", methods=["GET"])
    assert session.get(base + "/user/info").status_code == 503
    gax.fault("slow", delay=1.0)
    start = time.monotonic()
    assert session.get(base + "/user/info").ok
    assert time.monotonic() - start >= 1.0
    gax.fault("close")
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/user/info", timeout=5)
    gax.fault("none")
    assert session.get(base + "/user/info").ok


def test_module_verifies_gax_certificate(fresh, configdb, pki, run_module, tmp_path):
    tls_gax = Gax(configdb, tmp_path, tls=pki.issue("gax"))
    idle = socket.create_connection(("127.0.0.1", tls_gax.port))  # never starts TLS: must not block other clients
    try:
        args = dict(tls_gax.module_args(), sections={"agent_state_sync": {"client_id": "tls"}}, retries=0)
        proc, r = run_module(args)
        assert r.get("failed") and "TLS verification of GAX" in r["msg"] and "ca_path" in r["msg"], proc.stdout
        assert fresh.transactions("hybrid_integration") == []
        proc, r = run_module(dict(args, ca_path=str(pki.ca_path)))
        assert r["changed"] is True and not r.get("failed"), proc.stdout
        assert fresh.annex("hybrid_integration") == {"agent_state_sync": {"client_id": "tls"}}
    finally:
        idle.close()
        tls_gax.stop()


def test_a_transaction_without_alias_is_refused(api, fresh):
    session, base = api
    body = {"type": "CfgTransaction", "name": "no_alias", "tenantdbid": "1", "subtype": "CFGTRTList"}
    for alias in (None, "", "  "):
        sent = body if alias is None else dict(body, alias=alias)
        resp = session.post(base + "/cfg/objects", json=sent)
        assert resp.status_code == 400 and "field 'alias' is required" in resp.json()["status"]["message"]
    assert fresh.transactions("no_alias") == []
    dbid = session.post(base + "/cfg/objects", json=dict(body, alias="NA")).json()["dbid"]
    resp = session.put(base + "/cfg/objects/CfgTransaction/" + dbid, json={"alias": ""})
    assert resp.status_code == 400 and "alias" in resp.json()["status"]["message"]
    assert fresh.alias("no_alias") == "NA"
    # an object saved before the rule has no alias: an update must give one, as Configuration Server wants
    legacy = fresh.legacy_without_alias("legacy_tx")
    resp = session.put(base + "/cfg/objects/CfgTransaction/%d" % legacy, json={"state": "CFGEnabled"})
    assert resp.status_code == 400 and "field 'alias' is required" in resp.text
    assert session.put(base + "/cfg/objects/CfgTransaction/%d" % legacy, json={"alias": "legacy_tx"}).ok
    assert fresh.alias("legacy_tx") == "legacy_tx"


def test_the_config_db_refuses_a_transaction_without_alias(fresh):
    with pytest.raises(psycopg2.errors.CheckViolation):
        fresh.query("INSERT INTO cfg_transaction (name, alias, tenant_dbid, folder_dbid) VALUES ('x', '', 1, 201)")
    with pytest.raises(psycopg2.errors.NotNullViolation):  # no default either: a writer must give one
        fresh.query("INSERT INTO cfg_transaction (name, tenant_dbid, folder_dbid) VALUES ('x', 1, 201)")


def test_folders_in_object_model_shape(api, gax):
    session, base = api
    folders = {f["dbid"]: f for f in session.get(base + "/cfg/objects", params={"type": "CfgFolder"}).json()}
    assert folders["201"] == {"dbid": "201", "type": "CfgFolder", "name": "Transactions", "subtype": "CFGTransaction",
                              "folderclass": "CFGFCDefault", "ownerid": {"type": "CFGTenant", "dbid": "1"},
                              "state": "CFGEnabled"}
    assert folders["206"]["folderid"] == "202" and folders["206"]["folderclass"] == "CFGFCUser"  # a user sub-folder
    assert folders["204"]["subtype"] == "CFGPerson" and folders["204"]["folderclass"] == "CFGFCDefault"
    assert folders["207"]["ownerid"] == {"type": "CFGTenant", "dbid": "101"}
    assert all("default" not in f and "tenantdbid" not in f for f in folders.values())
    gax.folder_shape("bare")
    bare = session.get(base + "/cfg/objects/CfgFolder/201").json()
    assert bare == {"dbid": "201", "type": "CfgFolder", "name": "Transactions",
                    "ownerid": {"type": "CFGTenant", "dbid": "1"}, "state": "CFGEnabled"}
