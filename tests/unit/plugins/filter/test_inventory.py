# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import copy

from ansible_collections.engage_exec.recording.plugins.filter.inventory import (
    exec_exrp_serving, exec_gc_hosts, exec_inventory_problems, exec_inventory_warnings)

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


def test_gc_region_replaces_the_api_host():
    hv = copy.deepcopy(GOOD_VARS)
    del hv["exec_gc_api_host"]
    hv["exec_gc_region"] = "mypurecloud.ie"
    assert exec_inventory_problems(GROUPS, {h: hv for h in ("a", "r1", "r2")}) == []
    assert exec_gc_hosts(hv)["login_host"] == "login.mypurecloud.ie"


def test_missing_gc_hosts_refused_naming_the_region():
    hv = copy.deepcopy(GOOD_VARS)
    del hv["exec_gc_api_host"]
    problems = exec_inventory_problems(GROUPS, {h: hv for h in ("a", "r1", "r2")})
    assert problems == ["exec_gc_region is not set: set the Genesys Cloud region of your EX org (for example "
                        "mypurecloud.com), or exec_gc_api_host and exec_gc_login_host (hosts: a, r1, r2)"]


def test_unknown_region_is_a_warning_not_a_problem():
    hv = _hostvars(exec_gc_region="xyz1.pure.cloud")
    assert exec_inventory_problems(GROUPS, hv) == []
    warnings = exec_inventory_warnings(GROUPS, hv)
    assert len(warnings) == 1 and "exec_gc_region xyz1.pure.cloud is not" in warnings[0]
    assert "mypurecloud.ie" in warnings[0]
    assert warnings[0].endswith("(hosts: a, r1, r2)")
    assert exec_inventory_warnings(GROUPS, _hostvars(exec_gc_region="mypurecloud.com")) == []


def test_two_tenants_on_one_org_refused_naming_org_tenants_and_hosts():
    hv = _hostvars(exec_org_id="ORG-1", exec_tenant_id="1")
    hv["r2"] = dict(hv["r2"], exec_tenant_id=2)
    problems = exec_inventory_problems(GROUPS, hv)
    assert problems == ["exec_org_id org-1 is given to 2 Engage tenants (exec_tenant_id 1 on a, r1; exec_tenant_id 2 "
                        "on r2): an EX org serves one Engage tenant only, give each tenant its own Genesys Cloud EX "
                        "org (exec_org_id)"]


def test_one_org_per_tenant_and_one_tenant_on_many_hosts_accepted():
    hv = _hostvars(exec_org_id="org-1", exec_tenant_id="1")
    assert exec_inventory_problems(GROUPS, hv) == []
    hv["r2"] = dict(hv["r2"], exec_org_id="org-2", exec_tenant_id="2")
    assert exec_inventory_problems(GROUPS, hv) == []
    hv["r1"] = dict(hv["r1"], exec_tenant_id=1)  # an int and a string of the same tenant are one tenant
    assert exec_inventory_problems(GROUPS, hv) == []


def _retiring(**states):
    """Hostvars of GROUPS with three EXRP nodes r1..r3, exrp_node_state set per node as given."""
    hv = _hostvars()
    for host in ("r1", "r2", "r3"):
        hv[host] = dict(hv.get(host, hv["a"]), **({"exrp_node_state": states[host]} if host in states else {}))
    return dict(GROUPS, exrp=["r1", "r2", "r3"], exec=["a", "r1", "r2", "r3"]), hv


def test_retiring_one_of_three_is_accepted_and_leaves_the_others_serving():
    groups, hv = _retiring(r3="absent")
    assert exec_inventory_problems(groups, hv) == []
    assert exec_exrp_serving(groups["exrp"], hv) == ["r1", "r2"]
    assert exec_exrp_serving("r3", hv) == []


def test_retiring_that_leaves_one_serving_node_is_refused_naming_both_sides():
    groups, hv = _retiring(r2="absent", r3="absent")
    problems = exec_inventory_problems(groups, hv)
    assert len(problems) == 1, problems
    assert "retiring r2, r3 (exrp_node_state: absent) would leave 1 serving EXRP node (r1)" in problems[0]
    assert "N+1" in problems[0] and "run site.yml first" in problems[0]
    # A lab that allows one node may retire down to one, never to none.
    assert exec_inventory_problems(groups, hv, True) == []
    groups, hv = _retiring(r1="absent", r2="absent", r3="absent")
    problems = exec_inventory_problems(groups, hv, True)
    assert len(problems) == 1 and "would leave 0 serving EXRP nodes:" in problems[0], problems


def test_unknown_exrp_node_state_is_refused_naming_value_and_host():
    groups, hv = _retiring(r2="retired")
    problems = exec_inventory_problems(groups, hv)
    assert problems == ["exrp_node_state is 'retired' on r2: use present (the default) or absent (retire the node)"]


def test_serving_is_every_node_when_none_is_marked():
    assert exec_exrp_serving(GROUPS["exrp"], _hostvars()) == ["r1", "r2"]
    assert exec_exrp_serving(["r1", "x"], {"r1": {"exrp_node_state": "present"}}) == ["r1", "x"]
