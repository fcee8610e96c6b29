# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""connectivity_check against real listeners on loopback: openssl s_server, PostgreSQL, Redis, Apache httpd,
a closed port and an iptables DROP rule."""

from __future__ import annotations

import json

LO = "127.0.0.1"


def _rows(result):
    return {r["name"]: r for r in result["results"]}


def test_tls_verify_expiry_and_names(run_module, tls_servers, pki):
    ca = str(pki.ca_path)
    r = run_module("engage_exec.recording.connectivity_check", {"fail_on_error": False, "timeout": 5, "checks": [
        {"name": "valid", "host": LO, "port": tls_servers["valid"].port, "protocol": "tls", "ca_path": ca},
        {"name": "system-store", "host": LO, "port": tls_servers["valid"].port, "protocol": "tls"},
        {"name": "expired", "host": LO, "port": tls_servers["expired"].port, "protocol": "tls", "ca_path": ca},
        {"name": "expired-unverified", "host": LO, "port": tls_servers["expired"].port, "protocol": "tls",
         "validate_certs": False},
        {"name": "soon", "host": LO, "port": tls_servers["soon"].port, "protocol": "tls", "ca_path": ca},
        {"name": "wrong-name", "host": LO, "port": tls_servers["valid"].port, "protocol": "tls", "ca_path": ca,
         "server_name": "configdb.example.com"},
        {"name": "by-name", "host": LO, "port": tls_servers["valid"].port, "protocol": "tls", "ca_path": ca,
         "server_name": "localhost"},
    ]})
    rows = _rows(r)
    assert r["changed"] is False and not r.get("failed")
    valid = rows["valid"]
    assert valid["ok"] and valid["details"]["subject"] == "commonName=tls-valid"
    assert valid["details"]["issuer"] == "commonName=engage-exec test CA"
    assert 363 <= valid["details"]["days_to_expiry"] <= 365 and valid["warnings"] == []
    assert rows["system-store"]["reason"] == "tls_verify"
    assert rows["expired"]["reason"] == "tls_verify" and "expired" in rows["expired"]["error"]
    assert rows["expired-unverified"]["ok"] and rows["expired-unverified"]["details"]["days_to_expiry"] < 0
    assert "expired" in rows["expired-unverified"]["warnings"][0]
    assert rows["soon"]["ok"] and "expires in 9 days" in rows["soon"]["warnings"][0]
    assert rows["wrong-name"]["reason"] == "tls_verify" and "configdb.example.com" in rows["wrong-name"]["error"]
    assert rows["by-name"]["ok"]
    assert sorted(r["failed_checks"]) == ["expired", "system-store", "wrong-name"]
    assert "certificate expires in 9 days" in r["_stdout"]  # the warning reaches the operator


def test_https_request_through_tls(run_module, tls_servers, pki):
    r = run_module("engage_exec.recording.connectivity_check", {"checks": [
        {"name": "https", "host": LO, "port": tls_servers["valid"].port, "protocol": "https",
         "ca_path": str(pki.ca_path), "status_codes": [200]}]})
    row = r["results"][0]
    assert row["ok"], row
    assert row["details"]["status"] == 200 and row["details"]["subject"] == "commonName=tls-valid"


def test_http_status_and_basic_auth(run_module, apache):
    base = {"host": LO, "port": apache.port, "protocol": "http"}
    r = run_module("engage_exec.recording.connectivity_check", {"fail_on_error": False, "checks": [
        dict(base, name="root"),
        dict(base, name="missing", path="/nope", status_codes=[200]),
        dict(base, name="private-anon", path="/private/"),
        dict(base, name="private-bad", path="/private/", url_username="mcp", url_password="wrong-pw-42"),
        dict(base, name="private-good", path="/private/", url_username="mcp", url_password=apache.password),
        dict(base, name="head-expect-401", path="/private/", method="HEAD", status_codes=[401]),
    ]})
    rows = _rows(r)
    assert rows["root"]["ok"] and rows["root"]["details"]["status"] == 200
    assert rows["missing"]["reason"] == "wrong_status" and "answered 404, expected 200" in rows["missing"]["error"]
    assert rows["private-anon"]["reason"] == "auth_failed"
    assert rows["private-bad"]["reason"] == "auth_failed" and "url_password" in rows["private-bad"]["error"]
    assert rows["private-good"]["ok"] and rows["private-good"]["details"]["status"] == 200
    assert rows["head-expect-401"]["ok"]
    text = json.dumps(r)
    assert apache.password not in text and "wrong-pw-42" not in text


def test_postgres_sslrequest_and_login(run_module, postgres_tls, postgres_plain, pki):
    ca = str(pki.ca_path)
    tls = {"host": LO, "port": postgres_tls.port, "protocol": "postgres", "ca_path": ca}
    plain = {"host": LO, "port": postgres_plain.port, "protocol": "postgres"}
    r = run_module("engage_exec.recording.connectivity_check", {"fail_on_error": False, "checks": [
        dict(tls, name="tls-offered", sslmode="verify-full"),
        dict(tls, name="tls-login", sslmode="verify-full", login_user=postgres_tls.user,
             login_password=postgres_tls.password),
        dict(tls, name="tls-bad-login", sslmode="require", login_user=postgres_tls.user,
             login_password="not-the-password"),
        dict(plain, name="plain-prefer"),
        dict(plain, name="plain-require", sslmode="require"),
        dict(tls, name="tls-untrusted", sslmode="verify-ca", ca_path=None),
    ]})
    rows = _rows(r)
    assert rows["tls-offered"]["ok"] and rows["tls-offered"]["details"]["tls_offered"] is True
    assert rows["tls-offered"]["details"]["subject"] == "commonName=postgres"
    login = rows["tls-login"]
    assert login["ok"] and login["details"]["login"] is True and login["details"]["login_ssl"] is True
    assert login["details"]["server_version"].startswith("PostgreSQL 15")
    assert rows["tls-bad-login"]["reason"] == "auth_failed"
    assert rows["plain-prefer"]["ok"] and rows["plain-prefer"]["details"]["tls_offered"] is False
    assert rows["plain-require"]["reason"] == "tls_not_offered"
    assert rows["tls-untrusted"]["reason"] == "tls_verify"
    assert "not-the-password" not in json.dumps(r) and postgres_tls.password not in json.dumps(r)


def test_redis_ping_auth_tls(run_module, redis_server, tmp_path, pki):
    import servers
    tls_redis = servers.start_redis(tmp_path / "redis-tls", password="tls-redis-pw", cert=pki.issue("redis"))
    try:
        base = {"host": LO, "port": redis_server.port, "protocol": "redis"}
        r = run_module("engage_exec.recording.connectivity_check", {"fail_on_error": False, "checks": [
            dict(base, name="good", login_password=redis_server.password),
            dict(base, name="no-password"),
            dict(base, name="bad-password", login_password="nope-nope"),
            {"name": "tls", "host": LO, "port": tls_redis.tls_port, "protocol": "redis", "tls": True,
             "ca_path": str(pki.ca_path), "login_password": "tls-redis-pw"},
            {"name": "tls-untrusted", "host": LO, "port": tls_redis.tls_port, "protocol": "redis", "tls": True,
             "login_password": "tls-redis-pw"},
        ]})
    finally:
        tls_redis.stop()
    rows = _rows(r)
    assert rows["good"]["ok"] and rows["good"]["details"]["redis_mode"] == "standalone"
    assert rows["no-password"]["reason"] == "auth_failed"
    assert rows["bad-password"]["reason"] == "auth_failed"
    assert rows["tls"]["ok"], rows["tls"]
    assert rows["tls-untrusted"]["reason"] == "tls_verify", rows["tls-untrusted"]
    assert redis_server.password not in json.dumps(r)


def test_refused_timeout_table_and_concurrency(run_module, closed_port, drop_port, apache):
    checks = [{"name": "dropped-%d" % i, "host": LO, "port": drop_port} for i in range(6)]
    checks += [{"name": "closed", "host": LO, "port": closed_port},
               {"name": "web", "host": LO, "port": apache.port, "protocol": "http"}]
    r = run_module("engage_exec.recording.connectivity_check", {"timeout": 2, "checks": checks})
    assert r["failed"] is True and r["changed"] is False
    rows = _rows(r)
    assert rows["closed"]["reason"] == "refused"
    assert all(rows["dropped-%d" % i]["reason"] == "timeout" for i in range(6))
    assert rows["web"]["ok"]
    # 6 timeouts of 2 s ran at once: about 2 s in total, not 12.
    assert 1.9 <= r["elapsed"] < 3.5, r["elapsed"]
    msg = r["msg"]
    assert msg.startswith("7 of 8 connectivity checks failed")
    header = [ln for ln in msg.splitlines() if ln.startswith("check ")][0]
    assert header.split() == ["check", "target", "proto", "reason", "detail"]
    assert "timed out" in msg and "refused" in msg and "127.0.0.1:%d" % closed_port in msg


def test_check_mode_probes_and_reports_no_change(run_module, closed_port, apache):
    r = run_module("engage_exec.recording.connectivity_check", {"checks": [
        {"name": "web", "host": LO, "port": apache.port, "protocol": "http"},
        {"name": "closed", "host": LO, "port": closed_port, "required": False}]}, check=True)
    assert r["changed"] is False and not r.get("failed")
    assert [row["ok"] for row in r["results"]] == [True, False]  # it really probed


def test_bad_input_names_the_check(run_module):
    r = run_module("engage_exec.recording.connectivity_check", {"checks": [
        {"name": "x", "host": LO, "port": 0}, {"name": "y", "host": LO, "port": 80, "protocol": "ftp"}]})
    assert r["failed"] is True
    assert "check 'x': port 0 is out of range" in r["msg"] and "check 'y': unknown protocol 'ftp'" in r["msg"]


def test_thousand_rows_stay_bounded(run_module, closed_port, apache):
    """1000 rows through the module: bounded threads (concurrency 64) and time; every row has its own result."""
    checks = [{"name": "row-%04d" % i, "host": LO, "port": closed_port if i % 2 else apache.port}
              for i in range(1000)]
    r = run_module("engage_exec.recording.connectivity_check", {"checks": checks, "concurrency": 64, "timeout": 2,
                                                                "fail_on_error": False})
    assert len(r["results"]) == 1000 and r["elapsed"] < 30
    assert [row["name"] for row in r["results"]] == [c["name"] for c in checks]
    assert len(r["failed_checks"]) == 500
    assert {row["reason"] for row in r["results"] if not row["ok"]} == {"refused"}
