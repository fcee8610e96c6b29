# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.engage_exec.recording.plugins.module_utils._routes import (
    parse_route, read, segment_peers, segment_rows)

HOSTS = ["excs1", "exrp1", "exrp2"]
ADDRESSES = {"excs1": "10.0.0.11", "exrp1": "10.0.0.21", "exrp2": "exrp2.example.com"}


def _direct(address, resolved=None):
    resolved = resolved or address
    return {"address": address, "resolved": resolved, "route": "%s dev eth0 src 10.0.0.1" % resolved, "via": None,
            "dev": "eth0", "kind": "unicast", "error": None}


def _routed(address, via="10.0.9.1", resolved=None):
    resolved = resolved or address
    return {"address": address, "resolved": resolved, "route": "%s via %s dev eth0 src 10.0.0.1" % (resolved, via),
            "via": via, "dev": "eth0", "kind": "unicast", "error": None}


@pytest.mark.parametrize("text,expected", [
    ("172.18.0.3 dev eth0 src 172.18.0.2 uid 0 \n    cache ",
     {"route": "172.18.0.3 dev eth0 src 172.18.0.2", "via": None, "dev": "eth0", "kind": "unicast"}),
    ("10.9.0.1 via 172.18.0.4 dev eth0 src 172.18.0.2 uid 0 \n    cache ",
     {"route": "10.9.0.1 via 172.18.0.4 dev eth0 src 172.18.0.2", "via": "172.18.0.4", "dev": "eth0",
      "kind": "unicast"}),
    ("local 127.0.0.1 dev lo src 127.0.0.1 uid 0 \n    cache <local> ",
     {"route": "local 127.0.0.1 dev lo src 127.0.0.1", "via": None, "dev": "lo", "kind": "local"}),
    ("192.0.2.1 via inet6 fe80::1 dev eth1 src 192.0.2.9 uid 1000",
     {"route": "192.0.2.1 via inet6 fe80::1 dev eth1 src 192.0.2.9", "via": "fe80::1", "dev": "eth1",
      "kind": "unicast"}),
    ("2001:db8::5 from :: via fe80::1 dev eth0 proto ra src 2001:db8::2 metric 100 pref medium",
     {"route": "2001:db8::5 from :: via fe80::1 dev eth0 proto ra src 2001:db8::2 metric 100 pref medium",
      "via": "fe80::1", "dev": "eth0", "kind": "unicast"}),
    ("", {"route": "", "via": None, "dev": None, "kind": "unicast"}),
])
def test_parse_route(text, expected):
    assert parse_route(text) == expected


def test_read_without_the_ip_command_says_so_per_peer():
    calls = []
    got = read(["127.0.0.1"], calls.append, lambda name: None)
    assert got[0]["error"] == "the ip command (iproute2) is not installed: install it to read routes"
    assert got[0]["resolved"] == "127.0.0.1" and calls == []


def test_read_resolves_names_and_asks_ip_for_the_address():
    calls = []

    def run(argv):
        calls.append(argv)
        return 0, "local %s dev lo src 127.0.0.1 uid 0\n    cache <local>\n" % argv[-1], ""
    got = read(["localhost"], run, lambda name: "/sbin/ip")
    assert calls == [["/sbin/ip", "route", "get", got[0]["resolved"]]]
    assert got[0]["kind"] == "local" and got[0]["via"] is None and got[0]["error"] is None


def test_segment_peers_are_the_other_hosts_without_its_own_address():
    addresses = dict(ADDRESSES, exas1="10.0.0.11")
    assert segment_peers("excs1", HOSTS + ["exas1"], addresses) == ["10.0.0.21", "exrp2.example.com"]
    assert segment_peers("exrp2", HOSTS + ["exas1"], addresses) == ["10.0.0.11", "10.0.0.21"]


def test_every_pair_on_one_segment_is_one_passing_row_per_pair():
    routes = {h: [_direct(a) for a in segment_peers(h, HOSTS, ADDRESSES)] for h in HOSTS}
    rows = segment_rows(HOSTS, ADDRESSES, routes)
    assert [r["hosts"] for r in rows] == [["excs1", "exrp1"], ["excs1", "exrp2"], ["exrp1", "exrp2"]]
    assert all(r["ok"] is True and r["problems"] == {} and len(r["checks"]) == 2 for r in rows)
    assert rows[0]["checks"][0] == {"from": "excs1", "to": "exrp1", "route": "10.0.0.21 dev eth0 src 10.0.0.1",
                                    "via": None, "error": None, "ok": True}


def test_a_host_behind_a_router_fails_its_pairs_naming_both_hosts_and_the_route():
    routes = {h: [_direct(a) for a in segment_peers(h, HOSTS, ADDRESSES)] for h in HOSTS}
    routes["exrp1"] = [_routed("10.0.0.11"), _direct("exrp2.example.com", "10.0.0.22")]
    rows = {tuple(r["hosts"]): r for r in segment_rows(HOSTS, ADDRESSES, routes)}
    bad = rows[("excs1", "exrp1")]
    assert bad["ok"] is False and list(bad["problems"]) == ["exrp1"]
    assert bad["problems"]["exrp1"] == (
        "excs1 and exrp1 are not on the same network segment: exrp1 reaches excs1 (10.0.0.11) through the router "
        "10.0.9.1 (route: 10.0.0.11 via 10.0.9.1 dev eth0 src 10.0.0.1); the EXEC deployment guide wants every EXEC "
        "VM on the same local network segment: put them in one subnet (VLAN), or remove the route through the router")
    assert [c["ok"] for c in bad["checks"]] == [True, False]
    assert rows[("exrp1", "exrp2")]["ok"] is True and rows[("excs1", "exrp2")]["ok"] is True


def test_a_peer_by_name_shows_the_address_it_resolved_to():
    routes = {"excs1": [_routed("exrp2.example.com", resolved="10.0.0.22")]}
    row = segment_rows(["excs1", "exrp2"], ADDRESSES, routes)[0]
    assert "reaches exrp2 (exrp2.example.com, 10.0.0.22) through the router 10.0.9.1" in row["problems"]["excs1"]


def test_unprobed_hosts_leave_the_pair_unchecked_and_a_missing_read_is_a_problem():
    rows = segment_rows(HOSTS, ADDRESSES, {"excs1": None, "exrp1": None, "exrp2": None})
    assert [r["ok"] for r in rows] == [None, None, None] and all(r["checks"] == [] for r in rows)
    rows = segment_rows(["excs1", "exrp1"], ADDRESSES, {"excs1": []})
    assert rows[0]["ok"] is False
    assert rows[0]["problems"]["excs1"] == ("excs1 and exrp1: the network segment could not be checked from excs1: "
                                            "excs1 did not read its route to exrp1 (10.0.0.21)")


def test_a_read_error_fails_the_pair_with_the_error():
    error = dict(_direct("10.0.0.21"), error="ip route get 10.0.0.21: RTNETLINK answers: Network is unreachable",
                 via=None, route=None)
    row = segment_rows(["excs1", "exrp1"], ADDRESSES, {"excs1": [error], "exrp1": [_direct("10.0.0.11")]})[0]
    assert row["ok"] is False and "Network is unreachable" in row["problems"]["excs1"]


def test_one_machine_under_two_names_and_repeated_hosts_are_no_pair():
    addresses = dict(ADDRESSES, exas1="10.0.0.11")
    rows = segment_rows(["excs1", "exas1", "excs1", "exrp1"], addresses,
                        {"excs1": [_direct("10.0.0.21")], "exas1": [_direct("10.0.0.21")],
                         "exrp1": [_direct("10.0.0.11")]})
    assert [r["hosts"] for r in rows] == [["excs1", "exrp1"], ["exas1", "exrp1"]]
