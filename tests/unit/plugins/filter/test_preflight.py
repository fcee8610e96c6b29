# Copyright: engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight's findings: a host against its groups' requirements (versions by their leading numbers), and every
problem of a host as one line."""

from __future__ import annotations

import pytest

from ansible_collections.engage_exec.recording.plugins.filter.preflight import (
    preflight_problems, preflight_requirement_rows)

REQUIREMENTS = {
    "exec": {"kernel": "4.18", "docker": "20", "cpus": 2, "memory_mb": 7500, "disk_gb": 80,
             "disk_path": "/var/lib/docker"},
    "webdav": {"service_manager": "systemd", "kernel": None, "disk_gb": 1},
}
FACTS = {"kernel": "6.1.0-18-amd64", "architecture": "x86_64", "service_mgr": "systemd"}
RESOURCES = {"cpus": 2, "memory_mb": 8000, "docker": {"version": "20.10.24+dfsg1", "error": None},
             "disks": [{"path": "/var/lib/docker", "mount": "/", "free_kb": 90 * 1048576, "error": None},
                       {"path": "/", "mount": "/", "free_kb": 1048576 // 2, "error": None}]}
ARCH = ["x86_64", "aarch64"]


def _rows(groups, facts=None, resources=None):
    return preflight_requirement_rows(REQUIREMENTS, groups, FACTS if facts is None else facts,
                                      RESOURCES if resources is None else resources, ARCH)


def test_a_host_that_meets_its_group():
    rows = _rows(["exec", "exrp"])
    assert [(r["group"], r["item"], r["found"], r["ok"]) for r in rows] == [
        ("all", "64-bit architecture", "x86_64", True), ("exec", "kernel", "6.1.0-18-amd64", True),
        ("exec", "Docker engine", "20.10.24+dfsg1", True), ("exec", "CPUs", "2", True),
        ("exec", "RAM (MB)", "8000", True), ("exec", "free disk (GB) under /var/lib/docker", "90.0 on /", True)]
    assert rows[1]["wanted"] == ">= 4.18" and rows[5]["hint"] == "grow the file system holding /var/lib/docker"


def test_groups_in_requirement_order_and_unset_items_left_out():
    rows = _rows(["webdav", "exec"])
    assert [r["group"] for r in rows] == ["all"] + ["exec"] * 5 + ["webdav"] * 2
    webdav = rows[-2:]
    assert [(r["item"], r["ok"]) for r in webdav] == [("service manager", True), ("free disk (GB) under /", False)]
    assert webdav[1]["found"] == "0.5 on /"


@pytest.mark.parametrize("kernel, ok", [("4.18.0-553.el8", True), ("4.9.0", False), ("4.18", True), ("5", True),
                                        ("", False), ("unknown-kernel", False)])
def test_kernel_by_its_leading_numbers(kernel, ok):
    row = _rows(["exec"], facts=dict(FACTS, kernel=kernel))[1]
    assert row["item"] == "kernel" and row["ok"] is ok and row["found"] == (kernel or "unknown")


def test_docker_missing_says_why_and_cuts_a_long_reason():
    reason = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. " * 3
    row = _rows(["exec"], resources=dict(RESOURCES, docker={"version": None, "error": reason}))[2]
    assert row["ok"] is False and row["found"] == "not found: " + reason[:117] + "..."
    assert row["hint"] == "install Docker >= 20 and start the daemon"
    assert _rows(["exec"], resources=dict(RESOURCES, docker={"version": "19.03.15"}))[2]["ok"] is False


def test_unmeasured_disk_and_other_architecture():
    rows = _rows(["exec"], facts=dict(FACTS, architecture="armv7l"),
                 resources={"cpus": 1, "memory_mb": 2000, "disks": [], "msg": "df failed"})
    assert rows[0]["ok"] is False and rows[0]["wanted"] == "x86_64 or aarch64"
    assert rows[-1]["found"] == "0.0 (df failed)" and not rows[-1]["ok"]
    assert [r["ok"] for r in rows[3:5]] == [False, False]


def test_service_manager():
    row = _rows(["webdav"], facts=dict(FACTS, service_mgr="sysvinit"))[1]
    assert row["ok"] is False and row["found"] == "sysvinit"
    assert row["hint"] == ("use a host (VM) whose PID 1 is systemd: the role of this group starts, reloads and enables "
                           "its service through it")


REASONS = {"refused": "refused", "timeout": "timed out"}


def test_every_problem_one_line():
    rows = _rows(["exec"], resources=dict(RESOURCES, cpus=1))
    time = {"problems": ["last sync 90000 s ago (more than 86400 s)"]}
    connectivity = {"results": [
        {"name": "excs -> Config DB", "host": "db", "port": 5432, "protocol": "postgres", "ok": False,
         "required": True, "reason": "refused", "error": "connection refused"},
        {"name": "optional", "host": "x", "port": 1, "protocol": "tcp", "ok": False, "required": False,
         "reason": "timeout", "error": "t"},
        {"name": "ok", "host": "y", "port": 2, "protocol": "tcp", "ok": True, "required": True, "reason": None,
         "error": None}]}
    services = {"msg": "bad check table", "failed": True}
    segment = [{"problems": {"a": "a reaches b (10.0.0.2) through a router (via 10.0.0.1)"}},
               {"problems": {"b": "not mine"}}]
    assert preflight_problems(rows, time, connectivity, services, REASONS, segment, "a") == [
        "[requirements] exec: CPUs is 1, needs >= 2 (give the VM more vCPUs)",
        "[time] last sync 90000 s ago (more than 86400 s)",
        "[connectivity] excs -> Config DB -> db:5432 (postgres): refused - connection refused",
        "[services] bad check table",
        "[segment] a reaches b (10.0.0.2) through a router (via 10.0.0.1)"]


def test_nothing_checked_nothing_found():
    assert preflight_problems([], {}, {}, {}, REASONS) == []
    assert preflight_problems([], {"skipped": True}, {"skipped": True}, {}, REASONS) == []
    assert preflight_problems([], {"msg": "no time service"}, {}, {}, REASONS) == ["[time] no time service"]
    # a reason without words is shown as it is
    result = {"results": [{"name": "n", "host": "h", "port": 1, "protocol": "tcp", "ok": False, "required": True,
                           "reason": "dns", "error": "e"}]}
    assert preflight_problems([], {}, result, {}, REASONS) == ["[connectivity] n -> h:1 (tcp): dns - e"]
