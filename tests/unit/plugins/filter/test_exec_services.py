# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which EXEC services a host runs, and the check rows the exec_services role proves them with."""

from __future__ import annotations

from ansible_collections.engage_exec.recording.plugins.filter.exec_services import (
    exec_host_checks, exec_metric_sum, exec_services_metrics_checks, exec_services_on_host)

SERVICES = [{"name": "excs", "group": "excs", "port": 3640}, {"name": "exas", "port": 3630},
            {"name": "excp", "group": "front", "port": "3650"}]
GROUPS = {"excs": ["a"], "exas": ["a", "b"], "front": ["b"], "excp": ["a"]}


def test_services_of_a_host_by_group_else_name_in_order():
    assert [s["name"] for s in exec_services_on_host(SERVICES, GROUPS, "a")] == ["excs", "exas"]
    # excp's group is 'front': the group named like the service does not count
    assert [s["name"] for s in exec_services_on_host(SERVICES, GROUPS, "b")] == ["exas", "excp"]
    assert exec_services_on_host(SERVICES, GROUPS, "exrp1") == []
    assert exec_services_on_host(SERVICES, {}, "a") == []


def test_metrics_rows():
    assert exec_services_metrics_checks(SERVICES[2:], "/metrics") == [
        {"name": "excp metrics", "host": "127.0.0.1", "port": 3650, "protocol": "http", "path": "/metrics",
         "status_codes": [200]}]
    assert exec_services_metrics_checks([], "/metrics") == []


def test_host_rows_at_their_addresses():
    hostvars = {"r1": {"exec_address": "10.0.0.1"}, "r2": {"exec_address": "", "ansible_host": "192.0.2.2"}, "r3": {}}
    assert exec_host_checks(["r1", "r2", "r3"], hostvars, {"port": 3660}) == [
        {"name": "r1", "host": "10.0.0.1", "port": 3660}, {"name": "r2", "host": "192.0.2.2", "port": 3660},
        {"name": "r3", "host": "r3", "port": 3660}]
    assert exec_host_checks("r1", hostvars) == [{"name": "r1", "host": "10.0.0.1"}]


METRICS = """# HELP exrp_inflight Recordings being processed
# TYPE exrp_inflight gauge
exrp_inflight 3
exrp_inflight_max 9
exrp_recordings_total{result="injected"} 120
exrp_recordings_total{result="failed",reason="a b"} 2
"""


def test_metric_sum_reads_one_metric_over_its_label_sets():
    assert exec_metric_sum(METRICS, "exrp_inflight") == 3.0
    assert exec_metric_sum(METRICS, "exrp_recordings_total") == 122.0
    assert exec_metric_sum(METRICS.replace("exrp_inflight 3", "exrp_inflight 0"), "exrp_inflight") == 0.0


def test_metric_sum_is_none_when_the_metric_is_not_exposed():
    assert exec_metric_sum(METRICS, "exrp_queue") is None
    assert exec_metric_sum("", "exrp_inflight") is None
    assert exec_metric_sum(None, "exrp_inflight") is None
