# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import copy

from ansible_collections.engage_exec.recording.plugins.filter.inventory import exec_inventory_problems

GOOD_VARS = {
    "exec_configdb": {"host": "db", "port": 5432, "name": "config", "sslmode": "require"},
    "exec_stat_servers": [{"host": "ss1", "port": 2060}, {"host": "ss2", "port": "2060"}],
    "exec_sip_servers": [{"host": "sip1", "port": 8000}],
    "exec_redis": {"host": "redis", "port": 6379, "tls": True},
    "exec_gc_api_host": "api.example.com",
    "exec_registry": "registry:5000",
}
GROUPS = {"excs": ["a"], "exas": ["a"], "excp": ["a"], "exrp": ["r1", "r2"], "webdav": ["w"],
          "load_balancer": ["l"], "exec": ["a", "r1", "r2"]}


def _hostvars(**override):
    hv = copy.deepcopy(GOOD_VARS)
    hv.update(override)
    return {h: hv for h in ("a", "r1", "r2")}


def test_good_inventory_has_no_problem():
    assert exec_inventory_problems(GROUPS, _hostvars()) == []


def test_single_exrp_refused_unless_allowed():
    groups = dict(GROUPS, exrp=["r1"])
    problems = exec_inventory_problems(groups, _hostvars())
    assert len(problems) == 1 and "N+1" in problems[0]
    assert exec_inventory_problems(groups, _hostvars(), "True") == []


def test_every_problem_listed_once_with_hosts():
    hv = _hostvars(exec_redis={"host": "", "port": "x"}, exec_registry="nocolon")
    problems = exec_inventory_problems(GROUPS, hv)
    assert any(p.startswith("exec_redis.host is missing") and "(hosts: a, r1, r2)" in p for p in problems)
    assert any(p.startswith("exec_redis.port is 'x'") for p in problems)
    assert any(p.startswith("exec_registry is 'nocolon'") for p in problems)
    assert len(problems) == 3


def test_types_are_checked():
    hv = _hostvars(exec_configdb="db:5432", exec_stat_servers={"host": "x"},
                   exec_sip_servers=[{"host": "s", "port": True}])
    problems = " | ".join(exec_inventory_problems(GROUPS, hv))
    assert "exec_configdb must be a mapping" in problems
    assert "exec_stat_servers must be a non-empty list" in problems
    assert "exec_sip_servers[0].port is True" in problems


def test_missing_groups_named():
    groups = {k: v for k, v in GROUPS.items() if k not in ("webdav", "load_balancer")}
    problems = exec_inventory_problems(groups, _hostvars())
    assert [p.split("'")[1] for p in problems] == ["webdav", "load_balancer"]


def test_exec_addresses_follow_the_contract():
    from ansible_collections.engage_exec.recording.plugins.filter.inventory import exec_addresses
    hostvars = {"a": {"exec_address": "10.0.0.1", "ansible_host": "a.mgmt"}, "b": {"ansible_host": "b.mgmt"},
                "c": {}}
    assert exec_addresses(["a", "b", "c"], hostvars) == ["10.0.0.1", "b.mgmt", "c"]
    assert exec_addresses("c", hostvars) == ["c"]


def test_exrp_hosts_at_one_address_refused():
    hv = _hostvars()
    hv["r1"] = dict(hv["r1"], ansible_host="10.0.0.21")
    hv["r2"] = dict(hv["r2"], exec_address="10.0.0.21")
    problems = exec_inventory_problems(GROUPS, hv)
    assert len(problems) == 1 and "r1, r2 have the same address 10.0.0.21" in problems[0]
    hv["r2"] = dict(hv["r2"], exec_address="10.0.0.22")
    assert exec_inventory_problems(GROUPS, hv) == []
