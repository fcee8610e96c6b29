# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prometheus file_sd targets and the monitoring role's input checks."""

from __future__ import annotations

import json

from ansible_collections.engage_exec.recording.plugins.filter.monitoring import (
    exec_prometheus_targets, exec_webdav_storage_bytes, monitoring_input_problems, monitoring_target_file)

GROUPS = {"excs": ["a"], "excp": ["a", "b"], "exrp": ["r1", "r2"], "webdav": ["w"], "exec": ["a", "b", "r1", "r2"]}
HOSTVARS = {"a": {"ansible_host": "192.0.2.1"}, "b": {"exec_address": "b.example.net", "ansible_host": "10.0.0.2"},
            "r1": {"ansible_host": "2001:db8::1"}, "r2": {}, "w": {}}


def test_one_entry_per_host_at_its_address_with_labels():
    jobs = [{"service": "excp", "groups": ["excp"], "port": "3650", "path": "/metrics"},
            {"service": "exrp", "groups": "exrp", "port": 3660}]
    out = exec_prometheus_targets(jobs, GROUPS, HOSTVARS, "paris")
    assert out["excp"] == [
        {"targets": ["192.0.2.1:3650"], "labels": {"service": "excp", "node": "a", "site": "paris",
                                                   "__metrics_path__": "/metrics"}},
        {"targets": ["b.example.net:3650"], "labels": {"service": "excp", "node": "b", "site": "paris",
                                                       "__metrics_path__": "/metrics"}}]
    # an IPv6 literal gets brackets; no path: no __metrics_path__ label (Prometheus' default /metrics)
    assert out["exrp"] == [{"targets": ["[2001:db8::1]:3660"], "labels": {"service": "exrp", "node": "r1", "site": "paris"}},
                           {"targets": ["r2:3660"], "labels": {"service": "exrp", "node": "r2", "site": "paris"}}]


def test_hosts_of_several_groups_once_in_order_and_missing_groups_empty():
    jobs = [{"service": "node", "groups": ["exec", "webdav", "excp"], "port": 9100},
            {"service": "apache", "groups": ["nope"], "port": 9117}]
    out = exec_prometheus_targets(jobs, GROUPS, HOSTVARS, "s")
    assert [e["labels"]["node"] for e in out["node"]] == ["a", "b", "r1", "r2", "w"]
    assert out["apache"] == []


def test_target_file_entry():
    entry = monitoring_target_file({"key": "exrp", "value": [{"targets": ["r2:3660"], "labels": {"node": "r2"}}]},
                                   "/etc/prometheus/exec/", "paris", "root", "prometheus")
    assert entry["path"] == "/etc/prometheus/exec/targets/paris-exrp.json"
    assert json.loads(entry["content"]) == [{"targets": ["r2:3660"], "labels": {"node": "r2"}}]
    assert entry["content"].endswith("\n") and entry["mode"] == "0644"
    assert (entry["owner"], entry["group"]) == ("root", "prometheus")
    assert "owner" not in monitoring_target_file({"key": "x", "value": []}, "/d", "s")


def test_webdav_threshold_from_the_sizing_rule():
    assert exec_webdav_storage_bytes(1000, 0.8) == 24 * 1000 ** 3
    assert exec_webdav_storage_bytes("10", "1") == 300 * 1000 ** 2


GOOD = {"monitoring_dir": "/etc/prometheus/exec", "monitoring_site": "exec",
        "monitoring_targets": [{"service": "excs", "groups": ["excs"], "port": 3640, "path": "/metrics"}],
        "monitoring_down_for": "2m", "monitoring_exrp_down_for": "1m", "monitoring_no_injection_window": "10m",
        "monitoring_clock_unsynced_for": "24h", "monitoring_clock_offset_for": "5m",
        "monitoring_webdav_storage_for": "1h30m", "monitoring_lb_backend_down_for": "30s",
        "monitoring_exrp_group": "exrp", "monitoring_exrp_min_healthy": "2",
        "monitoring_webdav_concurrent_calls": "1000", "monitoring_webdav_storage_ratio": "0.8",
        "monitoring_clock_max_offset_seconds": "0.5"}


def test_good_input_has_no_problem():
    assert monitoring_input_problems(GOOD, GROUPS) == []


def test_every_problem_listed_once():
    bad = dict(GOOD, monitoring_dir="relative", monitoring_site='a"b', monitoring_down_for="2 minutes",
               monitoring_exrp_min_healthy="3", monitoring_webdav_concurrent_calls="0",
               monitoring_webdav_storage_ratio="80", monitoring_clock_max_offset_seconds="-1",
               monitoring_targets=[{"service": "excs", "groups": ["excs"], "port": 3640},
                                   {"service": "excs", "groups": [], "port": "99999", "path": "metrics"},
                                   {"service": "Bad-Name", "groups": "x", "port": 1}, "not a dict"])
    problems = monitoring_input_problems(bad, GROUPS)
    expected = ["monitoring_site must be", "monitoring_dir must be an absolute path",
                "monitoring_targets[1].service 'excs' is listed twice", "monitoring_targets[1].groups must name",
                "monitoring_targets[1].port must be a TCP port", "monitoring_targets[1].path must start with '/'",
                "monitoring_targets[2].service must be a lower-case name", "monitoring_targets[3] must be a dict",
                "monitoring_down_for must be a Prometheus duration",
                "monitoring_exrp_min_healthy is 3 but the group exrp has 2 host(s)",
                "monitoring_webdav_concurrent_calls must be a whole number",
                "monitoring_webdav_storage_ratio must be a number above 0",
                "monitoring_clock_max_offset_seconds must be a number"]
    assert len(problems) == len(expected), problems
    for text in expected:
        assert sum(p.startswith(text) for p in problems) == 1, (text, problems)


def test_empty_targets_and_min_healthy_zero():
    problems = monitoring_input_problems(dict(GOOD, monitoring_targets=[], monitoring_exrp_min_healthy="0"), {})
    assert problems == ["monitoring_targets must be a non-empty list of {service, groups, port, path}.",
                        "monitoring_exrp_min_healthy must be a whole number >= 1 (N+1: at least 2 at a site), got '0'."]
