# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""preflight_service_rows and preflight_inbound_rows: the preflight role's rows, built in Python."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.preflight_rows import (
    preflight_check_problems, preflight_connectivity_rows, preflight_inbound_rows, preflight_service_rows)

PORTS = {"excs": 3640, "excp": "3650"}


def test_service_rows_of_the_host_groups():
    assert preflight_service_rows(PORTS, ["excp", "exec"], "p1", "10.0.0.5") == [
        {"name": "EXCP service on p1", "host": "10.0.0.5", "port": 3650, "protocol": "tcp"}]
    assert preflight_service_rows(PORTS, ["webdav"], "w1", "10.0.0.6") == []


def test_inbound_rows_at_their_addresses_only_play_hosts():
    groups = {"excs": ["s1"], "excp": ["p1", "p2"], "webdav": ["w1"], "load_balancer": ["lb1"]}
    hostvars = {"s1": {"exec_address": "10.0.0.1"}, "p1": {"exec_address": "", "ansible_host": "10.0.0.2"},
                "p2": {}, "w1": {"ansible_host": "10.0.0.4"}, "lb1": {}}
    rows = preflight_inbound_rows(" prom ", groups, ["s1", "p1", "w1", "lb1"], hostvars, PORTS, "80", 8080, True)
    assert rows == [
        {"name": "prom -> EXCS metrics s1", "host": "10.0.0.1", "port": 3640, "protocol": "tcp"},
        # an empty exec_address falls through to ansible_host; p2 is not in the play
        {"name": "prom -> EXCP metrics p1", "host": "10.0.0.2", "port": 3650, "protocol": "tcp"},
        {"name": "prom (as MCP) -> WebDAV w1", "host": "10.0.0.4", "port": 80, "protocol": "tcp", "required": True},
        {"name": "prom (as MCP) -> load balancer lb1", "host": "lb1", "port": 8080, "protocol": "tcp",
         "required": True}]
    assert preflight_inbound_rows("prom", {}, [], {}, PORTS, 80, 8080, False) == []


def test_inbound_rows_unique_by_name():
    groups = {"excs": ["a", "a"]}
    assert len(preflight_inbound_rows("c", groups, ["a"], {}, {"excs": 1}, 80, 8080, False)) == 1


SETTINGS = {"validate_certs": "True", "ca_path": "", "configdb_user": "", "configdb_password": "", "redis_ping": False,
            "redis_password": "", "gc_port": "443", "gc_path": "/", "gc_status_codes": ["200", 401],
            "exec_service_ports": {"excs": 3640, "excp": 3650}, "webdav_port": 80,
            "require_recording_targets": "false", "extra_checks": []}
GROUPS = {"excs": ["s1"], "excp": ["p1"], "exrp": ["r1"], "webdav": ["w1"], "load_balancer": ["lb1"]}


def hostvars(**mine):
    hv = {"s1": {"group_names": ["excs", "exec"], "exec_address": "10.0.0.1"},
          "p1": {"group_names": ["excp", "exec"], "exec_address": "", "ansible_host": "10.0.0.2"},
          "r1": {"group_names": ["exrp", "exec"]},
          "w1": {"group_names": ["webdav"], "ansible_host": "10.0.0.4"},
          "lb1": {"group_names": ["load_balancer"]}}
    for host, extra in mine.items():
        hv[host].update(extra)
    return hv


def names(rows):
    return [r["name"] for r in rows]


def test_peer_rows_at_their_addresses():
    rows = preflight_connectivity_rows("lb1", hostvars(), GROUPS, SETTINGS)
    # an empty exec_address falls through to ansible_host (exec_addresses), as everywhere
    assert rows == [{"name": "load_balancer -> EXCP p1", "host": "10.0.0.2", "port": 3650, "protocol": "tcp"}]
    rows = preflight_connectivity_rows("r1", hostvars(), GROUPS, SETTINGS)
    assert rows == [{"name": "exrp -> WebDAV w1", "host": "10.0.0.4", "port": 80, "protocol": "http",
                     "required": False, "status_codes": [200, 204, 301, 302, 401, 403, 404, 405]}]


def test_configdb_redis_gc_rows_of_an_excs_host():
    hv = hostvars(s1={"exec_configdb": {"host": "db", "sslmode": "require"},
                      "exec_redis": {"host": "redis", "port": "6380", "tls": "true"},
                      "exec_gc_api_host": "api.example:8443", "exec_gc_login_host": "login.example"})
    settings = dict(SETTINGS, ca_path="/ca.pem", configdb_user="u", configdb_password="pw")
    rows = {r["name"]: r for r in preflight_connectivity_rows("s1", hv, GROUPS, settings)}
    assert rows["excs -> Config DB"] == {"name": "excs -> Config DB", "host": "db", "port": 5432,
                                         "protocol": "postgres", "sslmode": "require", "ca_path": "/ca.pem",
                                         "login_user": "u", "login_password": "pw", "database": "postgres"}
    # without redis_ping: a TLS handshake (tls: "true" read as a boolean), with the TLS options
    assert rows["exec -> Redis"] == {"name": "exec -> Redis", "host": "redis", "port": 6380, "protocol": "tls",
                                     "validate_certs": True, "ca_path": "/ca.pem"}
    assert rows["exec -> Genesys Cloud API"]["host"] == "api.example"
    assert rows["exec -> Genesys Cloud API"]["port"] == 8443
    assert rows["exec -> Genesys Cloud login"]["port"] == 443
    assert rows["exec -> Genesys Cloud login"]["status_codes"] == [200, 401]


def test_redis_ping_row_and_plain_tcp():
    hv = hostvars(p1={"exec_redis": {"host": "redis", "tls": "false"}, "exec_sip_servers": [{"host": "sip"}]})
    settings = dict(SETTINGS, redis_ping=True, redis_password="x")
    rows = {r["name"]: r for r in preflight_connectivity_rows("p1", hv, GROUPS, settings)}
    assert rows["exec -> Redis"] == {"name": "exec -> Redis", "host": "redis", "port": 6379, "protocol": "redis",
                                     "tls": False, "login_password": "x"}
    assert rows["excp -> SIP Server 1"] == {"name": "excp -> SIP Server 1", "host": "sip", "port": 8000,
                                            "protocol": "tcp"}
    assert rows["exas/excp -> EXCS API s1"]["host"] == "10.0.0.1"


def test_extra_checks_by_group_replace_built_in_rows():
    extras = [{"name": "load_balancer -> EXCP p1", "host": "x", "port": 1, "protocol": "tcp"},
              {"name": "only exrp", "host": "y", "port": 2, "protocol": "tcp", "groups": ["exrp"]}]
    rows = preflight_connectivity_rows("lb1", hostvars(), GROUPS, dict(SETTINGS, extra_checks=extras))
    assert rows == [extras[0]]
    assert names(preflight_connectivity_rows("r1", hostvars(), GROUPS, dict(SETTINGS, extra_checks=extras))) == [
        "exrp -> WebDAV w1", "load_balancer -> EXCP p1", "only exrp"]


def test_check_problems_lines():
    result = {"results": [
        {"name": "a", "host": "h", "port": 1, "protocol": "tcp", "ok": False, "required": True, "reason": "refused",
         "error": "no"},
        {"name": "b", "host": "h", "port": 2, "protocol": "tcp", "ok": False, "required": False, "reason": "timeout",
         "error": "slow"}]}
    assert preflight_check_problems(result, "inbound", {"refused": "refused!"}) == [
        "[inbound] a -> h:1 (tcp): refused! - no"]
    assert preflight_check_problems({"msg": "boom"}, "inbound", {}) == ["[inbound] boom"]
    assert preflight_check_problems({"skipped": True}, "inbound", {}) == []
    assert preflight_check_problems({}, "inbound", {}) == []


def test_site_variables_of_the_play_come_before_hostvars():
    """Role and play vars (an include_role's vars:) are not in hostvars: the role passes them as settings' site."""
    site = {"exec_sip_servers": [{"host": "sip.example", "port": 8001}], "exec_redis": None}
    rows = preflight_connectivity_rows("p1", hostvars(p1={"exec_sip_servers": [{"host": "old"}]}), GROUPS,
                                       dict(SETTINGS, site=site))
    assert [r for r in rows if r["name"].startswith("excp -> SIP")] == [
        {"name": "excp -> SIP Server 1", "host": "sip.example", "port": 8001, "protocol": "tcp"}]
    # a site value of None leaves the host's own (here: none) in place
    assert not [r for r in rows if r["name"] == "exec -> Redis"]
