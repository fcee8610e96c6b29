# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.segment import exec_segment_peers, exec_segment_rows

HOSTVARS = {"exec1": {"exec_address": "10.0.0.11"}, "exrp1": {"ansible_host": "10.0.0.21"}, "exrp2": {}}


def _route(address, via=None):
    return {"address": address, "resolved": address, "via": via, "dev": "eth0", "kind": "unicast", "error": None,
            "route": "%s%s dev eth0" % (address, " via %s" % via if via else "")}


def test_peers_are_the_other_hosts_addresses():
    assert exec_segment_peers(["exec1", "exrp1", "exrp2"], "exrp1", HOSTVARS) == ["10.0.0.11", "exrp2"]
    # a host that is not in the list still gets the others
    assert exec_segment_peers(["exrp1", "exrp2"], "exec1", HOSTVARS) == ["10.0.0.21", "exrp2"]


def test_rows_read_each_hosts_routes_variable():
    hostvars = {h: dict(v) for h, v in HOSTVARS.items()}
    hostvars["exec1"]["r"] = [_route("10.0.0.21"), _route("exrp2")]
    hostvars["exrp1"]["r"] = [_route("10.0.0.11", via="10.0.0.1"), _route("exrp2")]
    rows = exec_segment_rows(["exec1", "exrp1", "exrp2"], hostvars, "r")
    assert [(r["hosts"], r["ok"]) for r in rows] == [
        (["exec1", "exrp1"], False), (["exec1", "exrp2"], True), (["exrp1", "exrp2"], True)]
    assert "exrp1 reaches exec1 (10.0.0.11) through the router 10.0.0.1" in rows[0]["problems"]["exrp1"]
    # exrp2 was not probed: only the directions read from exec1 and exrp1 are judged
    assert [len(r["checks"]) for r in rows] == [2, 1, 1]
