# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""preflight_host does what host_resources, time_sync_check and connectivity_check do, in one call."""

from __future__ import annotations

import json
import socket
import time

import pytest

from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.engage_exec.recording.plugins.modules import connectivity_check
from ansible_collections.engage_exec.recording.plugins.modules import host_resources
from ansible_collections.engage_exec.recording.plugins.modules import preflight_host
from ansible_collections.engage_exec.recording.plugins.modules import time_sync_check

from ansible_collections.engage_exec.recording.tests.unit.plugins.modules.module_runner import run_main

# chrony 4.3's CSV lines (see test__timesync.py); the reference time is filled in so that the last sync is recent.
TRACKING = ("7F000001,127.0.0.1,9,%.9f,-0.000000985,0.000000143,0.000000482,-0.037,0.005,"
            "0.106,0.000006511,0.000000519,0.3,Normal")
SOURCES = "^,*,127.0.0.1,8,-2,377,0,0.000000492,0.000000635,0.000003290"


def _warnings(out):
    """Warning texts (core >= 2.19 returns them as dicts: a msg, or an event with a msg)."""
    return [w.get("msg") or w.get("event", {}).get("msg") if isinstance(w, dict) else w
            for w in out.get("warnings", [])]


def _alone(main, capsys, **args):
    """run_main()'s result, the warnings of earlier runs in this process forgotten (they are kept process-wide)."""
    module_warnings._global_warnings.clear()  # pylint: disable=protected-access
    return run_main(main, capsys, **args)[0]


def _without(result, *keys):
    return {k: v for k, v in result.items() if k not in keys}


@pytest.fixture
def fake_bin(tmp_path, monkeypatch):
    """A folder first in PATH; ``add(name, script)`` writes an executable there. Each call's arguments go to
    <name>.args."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", "%s:/usr/bin:/bin" % folder)
    monkeypatch.delenv("TIME_SYNC_CHRONYC_HOST", raising=False)
    monkeypatch.delenv("TIME_SYNC_CHRONYC_PORT", raising=False)

    def add(name, script):
        path = folder / name
        path.write_text('#!/bin/sh\nprintf "%%s\\n" "$*" >> "%s.args"\n%s\n' % (path, script))
        path.chmod(0o755)
        return path
    return add


@pytest.fixture
def chronyc(fake_bin):
    """A chronyc that reports a clock synchronised 30 s ago."""
    return fake_bin("chronyc", 'case "$*" in\n  *tracking*) echo "%s" ;;\n  *sources*) echo "%s" ;;\n'
                               '  *) exit 1 ;;\nesac' % (TRACKING % (time.time() - 30), SOURCES))


def test_omitted_parts_are_not_run(capsys):
    out = _alone(preflight_host.main, capsys)
    assert out["_rc"] == 0 and not out.get("failed") and out["changed"] is False
    assert out["resources"] is None and out["time"] is None and out["connectivity"] is None


def test_resources_part(capsys, tmp_path):
    out = _alone(preflight_host.main, capsys, resources={"paths": [str(tmp_path), str(tmp_path / "later")]})
    res = out["resources"]
    assert res["cpus"] >= 1 and res["memory_mb"] > 0 and res["docker"] is None
    later = str(tmp_path / "later")
    assert [(d["path"], d["checked"]) for d in res["disks"]] == [(str(tmp_path), str(tmp_path)), (later, str(tmp_path))]
    assert all(d["free_kb"] > 0 and d["error"] is None for d in res["disks"])
    assert out["time"] is None and out["connectivity"] is None


def test_resources_part_equals_host_resources(capsys, tmp_path, fake_bin):
    fake_bin("docker", 'echo "24.0.7"')
    args = {"paths": [str(tmp_path)], "docker": True}
    one = _alone(host_resources.main, capsys, **args)
    out = _alone(preflight_host.main, capsys, resources=args)
    combined = out["resources"]
    assert combined["docker"] == {"version": "24.0.7", "error": None}
    # other tests write to the same file system: the free space may move a little between the two reads
    assert abs(combined["disks"][0].pop("free_kb") - one["disks"][0].pop("free_kb")) < 65536
    assert combined == _without(one, "_rc", "changed", "invocation", "warnings")


def test_time_part_reads_chrony(capsys, chronyc, monkeypatch):
    monkeypatch.setenv("TIME_SYNC_CHRONYC_HOST", "/run/chrony-test.sock")
    out = _alone(preflight_host.main, capsys, time={"method": "chrony"})
    clock = out["time"]
    assert out["_rc"] == 0 and not clock.get("failed"), clock
    assert clock["method"] == "chrony" and clock["synchronized"] is True and clock["source"] == "127.0.0.1"
    assert clock["offset"] == pytest.approx(0.000000985) and 29 <= clock["last_sync_age"] < 60
    assert clock["problems"] == [] and clock["tried"] == [] and clock["msg"].startswith("clock synchronised (chrony")
    assert [s["name"] for s in clock["sources"]] == ["127.0.0.1"]
    # the environment fallback of chronyc_host works inside the time option too
    calls = (chronyc.parent / "chronyc.args").read_text().splitlines()
    assert calls == ["-n -h /run/chrony-test.sock -c tracking", "-n -h /run/chrony-test.sock -c sources"]


def test_time_part_equals_time_sync_check(capsys, chronyc):
    args = {"method": "auto", "max_sync_age": 10}  # last sync 30 s ago: one broken rule
    one = _alone(time_sync_check.main, capsys, fail_on_error=False, **args)
    out = _alone(preflight_host.main, capsys, time=args)
    assert one["problems"] and "more than max_sync_age" in one["problems"][0]
    assert out["_rc"] == 0 and not out.get("failed")
    timing = ("checked_at", "last_sync_age")
    assert _without(out["time"], *timing) == _without(one, *timing + ("_rc", "changed", "invocation", "warnings"))


def test_time_part_method_not_usable(capsys, fake_bin):
    fake_bin("ntpq", "echo 'ntpq: read: Connection refused' >&2; exit 1")
    one = _alone(time_sync_check.main, capsys, method="ntpd")
    out = _alone(preflight_host.main, capsys, time={"method": "ntpd"}, resources={})
    assert one["failed"] is True and one["msg"].startswith("ntpd is not usable on this host: ntpd: ntpq -pn failed")
    assert out["_rc"] == 0 and not out.get("failed") and out["resources"]["cpus"] >= 1
    assert out["time"] == {"failed": True, "msg": one["msg"], "problems": [one["msg"]], "synchronized": False,
                           "tried": one["tried"]}


def test_time_part_bad_parameter(capsys):
    one = _alone(time_sync_check.main, capsys, max_offset=-1)
    out = _alone(preflight_host.main, capsys, time={"max_offset": -1})
    assert one["failed"] is True and one["msg"].startswith("max_offset and max_sync_age must be >= 0")
    assert out["time"] == {"failed": True, "msg": one["msg"], "problems": [one["msg"]], "synchronized": False,
                           "tried": []}


def test_time_part_sntp_needs_a_server(capsys):
    """The argument spec's rule inside the time option fails the module, as time_sync_check does."""
    out = _alone(preflight_host.main, capsys, time={"method": "sntp"})
    assert out["failed"] is True and "ntp_server" in out["msg"]


def test_connectivity_part(capsys, ports):
    up, down = ports
    out = _alone(preflight_host.main, capsys, timeout=2, checks=[
        {"name": "up", "host": "127.0.0.1", "port": up},
        {"name": "down", "host": "127.0.0.1", "port": down}])
    conn = out["connectivity"]
    assert out["_rc"] == 0 and not out.get("failed") and not conn.get("failed")
    assert [(r["name"], r["ok"], r["reason"]) for r in conn["results"]] == [("up", True, None),
                                                                            ("down", False, "refused")]
    assert conn["failed_checks"] == ["down"] and "refused" in conn["table"]
    assert conn["msg"].startswith("1 of 2 checks passed")


def test_connectivity_part_equals_connectivity_check(capsys, ports):
    up, down = ports
    args = {"timeout": 2.0, "concurrency": 4, "warn_days": 10, "checks": [
        {"name": "up", "host": "127.0.0.1", "port": up},
        {"name": "down", "host": "127.0.0.1", "port": down, "required": False},
        {"name": "web", "host": "127.0.0.1", "port": down, "protocol": "http", "url_password": "s3cr3t-pw"}]}
    one = _alone(connectivity_check.main, capsys, fail_on_error=False, **args)
    out = _alone(preflight_host.main, capsys, **args)
    conn = out["connectivity"]

    def rows(result):
        return [_without(r, "elapsed_ms") for r in result["results"]]
    assert rows(conn) == rows(one) and len(rows(conn)) == 3
    ignored = ("results", "elapsed", "msg")
    assert _without(conn, *ignored) == _without(one, *ignored + ("_rc", "changed", "invocation", "warnings"))
    assert conn["msg"].split(" in ")[0] == one["msg"].split(" in ")[0] == "1 of 3 checks passed"
    assert _warnings(out) == _warnings(one) == [
        "optional check down failed: connection refused (nothing listens on the port, or a firewall rejects it)"]
    assert "s3cr3t-pw" not in json.dumps(out)


def test_bad_check_table_fails_only_its_part(capsys, tmp_path, chronyc):
    checks = [{"name": "to-nowhere", "host": "h", "port": 1, "protocol": "gopher"},
              {"name": "big-port", "host": "h", "port": 65536}]
    one = _alone(connectivity_check.main, capsys, checks=checks)
    out = _alone(preflight_host.main, capsys, checks=checks, resources={"paths": [str(tmp_path)]},
                 time={"method": "chrony"})
    assert one["failed"] is True and "nothing was probed" in one["msg"]
    assert out["_rc"] == 0 and not out.get("failed")
    assert out["connectivity"] == {"failed": True, "msg": one["msg"], "problems": one["problems"]}
    assert len(out["connectivity"]["problems"]) == 2
    assert out["resources"]["disks"][0]["path"] == str(tmp_path) and out["time"]["synchronized"] is True


def test_checks_run_while_the_clock_is_read(capsys):
    """A check waiting for an answer and an NTP server that does not answer take the longer of the two, not the
    sum."""
    silent_tcp = socket.socket()
    silent_tcp.bind(("127.0.0.1", 0))
    silent_tcp.listen(4)  # accepts the connection, never answers the HTTP request
    silent_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent_udp.bind(("127.0.0.1", 0))
    try:
        start = time.monotonic()
        out = _alone(preflight_host.main, capsys,
                     time={"method": "sntp", "ntp_server": "127.0.0.1", "ntp_port": silent_udp.getsockname()[1],
                           "ntp_timeout": 1.5},
                     checks=[{"name": "slow", "host": "127.0.0.1", "port": silent_tcp.getsockname()[1],
                              "protocol": "http", "timeout": 1.5}])
        elapsed = time.monotonic() - start
    finally:
        silent_tcp.close()
        silent_udp.close()
    assert out["connectivity"]["results"][0]["reason"] == "timeout"
    assert out["time"]["failed"] is True and out["time"]["msg"].startswith("No local time service, and SNTP failed")
    assert 1.4 < elapsed < 2.7, elapsed


def test_check_mode_runs_every_part(capsys, tmp_path, ports):
    up, _down = ports
    out = _alone(preflight_host.main, capsys, _ansible_check_mode=True, resources={"paths": [str(tmp_path)]},
                 checks=[{"host": "127.0.0.1", "port": up}])
    assert out["changed"] is False and out["connectivity"]["results"][0]["ok"] is True
    assert out["connectivity"]["results"][0]["name"] == "tcp://127.0.0.1:%d" % up
