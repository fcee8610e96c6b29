# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""host_probe reads, in one call, what host_resources, time_sync_check, connectivity_check and tcp_listeners read,
kernel parameters and the installed packages."""

from __future__ import annotations

import json
import os
import socket
import time

import pytest

from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.engage_exec.recording.plugins.modules import connectivity_check
from ansible_collections.engage_exec.recording.plugins.modules import host_probe
from ansible_collections.engage_exec.recording.plugins.modules import host_resources
from ansible_collections.engage_exec.recording.plugins.modules import tcp_listeners
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
    out = _alone(host_probe.main, capsys)
    assert out["_rc"] == 0 and not out.get("failed") and out["changed"] is False
    assert out["resources"] is None and out["time"] is None and out["connectivity"] is None
    assert out["listeners"] is None and out["sysctls"] is None and out["packages"] is None
    assert out["units"] is None and out["ansible_facts"] == {}


def test_facts_part_sets_the_facts_the_roles_read(capsys):
    out = _alone(host_probe.main, capsys, facts=True)
    assert out["_rc"] == 0 and out["changed"] is False
    facts = out["ansible_facts"]
    assert facts["kernel"] == os.uname().release and facts["architecture"] == os.uname().machine
    assert facts["os_family"] == "Debian"  # this machine; the values are compared with setup's in test__facts.py
    assert facts["service_mgr"] and set(facts) == {"kernel", "architecture", "os_family", "service_mgr"}


def test_resources_part(capsys, tmp_path):
    out = _alone(host_probe.main, capsys, resources={"paths": [str(tmp_path), str(tmp_path / "later")]})
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
    out = _alone(host_probe.main, capsys, resources=args)
    combined = out["resources"]
    assert combined["docker"] == {"version": "24.0.7", "error": None}
    # other tests write to the same file system: the free space may move a little between the two reads
    assert abs(combined["disks"][0].pop("free_kb") - one["disks"][0].pop("free_kb")) < 65536
    assert combined == _without(one, "_rc", "changed", "invocation", "warnings")


def test_time_part_reads_chrony(capsys, chronyc, monkeypatch):
    monkeypatch.setenv("TIME_SYNC_CHRONYC_HOST", "/run/chrony-test.sock")
    out = _alone(host_probe.main, capsys, time={"method": "chrony"})
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
    out = _alone(host_probe.main, capsys, time=args)
    assert one["problems"] and "more than max_sync_age" in one["problems"][0]
    assert out["_rc"] == 0 and not out.get("failed")
    timing = ("checked_at", "last_sync_age")
    assert _without(out["time"], *timing) == _without(one, *timing + ("_rc", "changed", "invocation", "warnings"))


def test_time_part_method_not_usable(capsys, fake_bin):
    fake_bin("ntpq", "echo 'ntpq: read: Connection refused' >&2; exit 1")
    one = _alone(time_sync_check.main, capsys, method="ntpd")
    out = _alone(host_probe.main, capsys, time={"method": "ntpd"}, resources={})
    assert one["failed"] is True and one["msg"].startswith("ntpd is not usable on this host: ntpd: ntpq -pn failed")
    assert out["_rc"] == 0 and not out.get("failed") and out["resources"]["cpus"] >= 1
    assert out["time"] == {"failed": True, "msg": one["msg"], "problems": [one["msg"]], "synchronized": False,
                           "tried": one["tried"]}


def test_time_part_bad_parameter(capsys):
    one = _alone(time_sync_check.main, capsys, max_offset=-1)
    out = _alone(host_probe.main, capsys, time={"max_offset": -1})
    assert one["failed"] is True and one["msg"].startswith("max_offset and max_sync_age must be >= 0")
    assert out["time"] == {"failed": True, "msg": one["msg"], "problems": [one["msg"]], "synchronized": False,
                           "tried": []}


def test_time_part_sntp_needs_a_server(capsys):
    """The argument spec's rule inside the time option fails the module, as time_sync_check does."""
    out = _alone(host_probe.main, capsys, time={"method": "sntp"})
    assert out["failed"] is True and "ntp_server" in out["msg"]


def test_connectivity_part(capsys, ports):
    up, down = ports
    out = _alone(host_probe.main, capsys, timeout=2, checks=[
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
    out = _alone(host_probe.main, capsys, **args)
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
    out = _alone(host_probe.main, capsys, checks=checks, resources={"paths": [str(tmp_path)]},
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
        out = _alone(host_probe.main, capsys,
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
    out = _alone(host_probe.main, capsys, _ansible_check_mode=True, resources={"paths": [str(tmp_path)]},
                 checks=[{"host": "127.0.0.1", "port": up}])
    assert out["changed"] is False and out["connectivity"]["results"][0]["ok"] is True
    assert out["connectivity"]["results"][0]["name"] == "tcp://127.0.0.1:%d" % up


# ------------------------------------------------------------------------------------------------------- listeners
def test_listeners_part_equals_tcp_listeners(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        me = "%s[%d]" % (open("/proc/self/comm", encoding="utf-8").read().strip(), os.getpid())
        # the list of running process names may change between two reads (other tests start programs): retry
        for _attempt in range(5):
            one = _without(_alone(tcp_listeners.main, capsys, ports=[port, 1]), "_rc", "changed", "invocation",
                           "warnings")
            out = _alone(host_probe.main, capsys, listeners=[port, 1])
            if out["listeners"] == one:
                break
    assert out["_rc"] == 0 and not out.get("failed") and out["changed"] is False
    assert out["listeners"] == one
    assert one["ports"] == {str(port): [me]} and me.split("[")[0] in one["running"]
    assert out["resources"] is None and out["sysctls"] is None and out["packages"] is None


def test_listeners_out_of_range_fail_before_reading(capsys, fake_bin):
    dpkg = fake_bin("dpkg-query", "exit 0")
    one = _alone(tcp_listeners.main, capsys, ports=[80, 0, 70000])
    out = _alone(host_probe.main, capsys, listeners=[80, 0, 70000], packages=["dpkg"])
    assert one["failed"] is True and one["msg"] == "ports 0, 70000 are not TCP ports (1-65535)."
    assert out["failed"] is True and out["msg"] == "listeners 0, 70000 are not TCP ports (1-65535). Nothing was read."
    assert not (dpkg.parent / "dpkg-query.args").exists()


# --------------------------------------------------------------------------------------------------------- sysctls
def test_sysctls_part_reads_proc_sys(capsys):
    with open("/proc/sys/net/core/somaxconn", encoding="ascii") as handle:
        somaxconn = handle.read().strip()
    names = ["net.core.somaxconn", "net.ipv4.ip_local_port_range", "net.core.no_such_parameter", "net.core"]
    out = _alone(host_probe.main, capsys, sysctls=names)
    assert out["_rc"] == 0 and not out.get("failed") and out["changed"] is False
    low, high = out["sysctls"]["net.ipv4.ip_local_port_range"].split("\t")
    assert int(low) < int(high)
    assert out["sysctls"] == {"net.core.somaxconn": somaxconn, "net.ipv4.ip_local_port_range": "%s\t%s" % (low, high),
                              "net.core.no_such_parameter": None, "net.core": None}
    assert int(somaxconn) > 0 and out["listeners"] is None


def test_sysctls_bad_names_fail_before_reading(capsys, fake_bin):
    dpkg = fake_bin("dpkg-query", "exit 0")
    bad = ["../etc/passwd", "net..x", "net/core/somaxconn", "", ".net", "net.core.somaxconn.", "kernel.host name"]
    out = _alone(host_probe.main, capsys, sysctls=["net.core.somaxconn"] + bad, packages=["dpkg"],
                 resources={"paths": ["/"]})
    assert out["failed"] is True and out.get("changed") in (None, False)
    assert out["msg"] == ("sysctls %s are not kernel parameter names: give dotted names such as net.core.somaxconn "
                          "(letters, digits, _ and - between single dots). Nothing was read."
                          % ", ".join("'%s'" % n for n in bad))
    assert "resources" not in out and "sysctls" not in out
    assert not (dpkg.parent / "dpkg-query.args").exists()


def test_every_bad_argument_is_listed(capsys):
    out = _alone(host_probe.main, capsys, listeners=[0], sysctls=["a/b"], packages=["--admindir=/tmp", "ok", "a b"])
    assert out["failed"] is True
    assert out["msg"].startswith("listeners 0 are not TCP ports (1-65535). sysctls 'a/b' are not kernel parameter ")
    assert "packages '--admindir=/tmp', 'a b' are not package names" in out["msg"]
    assert out["msg"].endswith(". Nothing was read.")


# -------------------------------------------------------------------------------------------------------- packages
# What dpkg-query prints for the names below, in its own order, each known package once; the names it does not know
# go to stderr (rc 1).
DPKG_SHOW = """\
if [ "$1 $2 $3 $4" != '--show --showformat ${Package} ${Architecture} ${db:Status-Abbrev}
 --' ]; then echo "dpkg-query: unexpected arguments: $*" >&2; exit 2; fi
printf 'libc6 amd64 ii \\n'
printf 'apache2 amd64 ii \\n'
printf 'cron amd64 rc \\n'
printf 'libfoo i386 ii \\n'
printf 'heldpkg amd64 hi \\n'
printf 'halfpkg amd64 iU \\n'
echo 'dpkg-query: no packages found matching nosuch' >&2
exit 1"""


@pytest.fixture
def only_fake_bin(fake_bin, monkeypatch):
    """fake_bin without the host's /usr/bin and /bin in PATH: the real dpkg-query is not found."""
    folder = fake_bin("true", "exit 0").parent
    monkeypatch.setenv("PATH", str(folder))
    return fake_bin


def test_packages_part_with_dpkg(capsys, fake_bin):
    dpkg = fake_bin("dpkg-query", DPKG_SHOW)
    names = ["apache2", "cron", "nosuch", "libc6:amd64", "libfoo:amd64", "libfoo:i386", "heldpkg", "halfpkg",
             "apache2"]
    out = _alone(host_probe.main, capsys, packages=names)
    assert out["_rc"] == 0 and not out.get("failed") and out["changed"] is False
    assert out["packages"] == {
        "manager": "dpkg", "error": None,
        "installed": {"apache2": True, "cron": False, "nosuch": False, "libc6:amd64": True, "libfoo:amd64": False,
                      "libfoo:i386": True, "heldpkg": True, "halfpkg": False},
        "missing": ["cron", "nosuch", "libfoo:amd64", "halfpkg"]}
    # one command, every name as a name after "--"
    calls = (dpkg.parent / "dpkg-query.args").read_text().splitlines()
    assert calls == ["--show --showformat ${Package} ${Architecture} ${db:Status-Abbrev}",
                     " -- " + " ".join(names)]


def test_packages_part_dpkg_fails(capsys, fake_bin):
    fake_bin("dpkg-query", "echo 'dpkg-query: error: parsing file /var/lib/dpkg/status' >&2; exit 2")
    out = _alone(host_probe.main, capsys, packages=["apache2", "cron"])
    assert out["_rc"] == 0 and not out.get("failed")
    assert out["packages"] == {
        "manager": "dpkg", "installed": {"apache2": False, "cron": False}, "missing": ["apache2", "cron"],
        "error": "dpkg-query exited with 2: dpkg-query: error: parsing file /var/lib/dpkg/status"}


def test_packages_part_with_rpm(capsys, only_fake_bin):
    rpm = only_fake_bin("rpm", "printf 'bash x86_64\\nglibc x86_64\\nglibc i686\\n'; "
                               "echo 'package nosuch is not installed'; exit 1")
    out = _alone(host_probe.main, capsys, packages=["bash", "glibc.i686", "glibc.aarch64", "nosuch", "glibc"])
    assert out["_rc"] == 0 and not out.get("failed")
    assert out["packages"] == {
        "manager": "rpm", "error": None, "missing": ["glibc.aarch64", "nosuch"],
        "installed": {"bash": True, "glibc.i686": True, "glibc.aarch64": False, "nosuch": False, "glibc": True}}
    calls = (rpm.parent / "rpm.args").read_text().splitlines()
    assert calls == ["--query --queryformat %{NAME} %{ARCH}", " -- bash glibc.i686 glibc.aarch64 nosuch glibc"]


def test_packages_part_rpm_fails(capsys, only_fake_bin):
    only_fake_bin("rpm", "echo 'error: cannot open Packages database in /var/lib/rpm' >&2; exit 1")
    out = _alone(host_probe.main, capsys, packages=["bash"])
    assert out["packages"] == {"manager": "rpm", "installed": {"bash": False}, "missing": ["bash"],
                               "error": "rpm -q exited with 1: error: cannot open Packages database in /var/lib/rpm"}


def test_packages_part_without_a_package_manager(capsys, only_fake_bin):
    out = _alone(host_probe.main, capsys, packages=["bash"], sysctls=["net.core.somaxconn"])
    assert out["_rc"] == 0 and not out.get("failed") and out["sysctls"]["net.core.somaxconn"]
    assert out["packages"] == {"manager": None, "installed": {"bash": False}, "missing": ["bash"],
                               "error": "no dpkg-query or rpm on this host"}


def test_packages_part_empty_list_runs_nothing(capsys, fake_bin):
    dpkg = fake_bin("dpkg-query", "echo 'every package' ; exit 0")
    out = _alone(host_probe.main, capsys, packages=[])
    assert out["packages"] == {"manager": "dpkg", "installed": {}, "missing": [], "error": None}
    assert not (dpkg.parent / "dpkg-query.args").exists()


def test_packages_part_real_dpkg(capsys):
    if not os.path.exists("/var/lib/dpkg/status"):
        pytest.skip("not a Debian host")
    out = _alone(host_probe.main, capsys, packages=["dpkg", "engage-exec-no-such-package"])
    assert out["packages"] == {"manager": "dpkg", "installed": {"dpkg": True, "engage-exec-no-such-package": False},
                               "missing": ["engage-exec-no-such-package"], "error": None}


def test_units_part_one_systemctl_show(capsys, fake_bin):
    systemctl = fake_bin("systemctl", "printf 'LoadState=loaded\\nActiveState=active\\nUnitFileState=enabled\\n\\n"
                                      "LoadState=not-found\\nActiveState=inactive\\nUnitFileState=\\n'")
    out = _alone(host_probe.main, capsys, units=["apache2", "nosuch"])
    assert out["_rc"] == 0 and not out.get("failed") and out["changed"] is False
    assert out["units"] == {"error": None, "units": {
        "apache2": {"load": "loaded", "active": "active", "enabled": "enabled"},
        "nosuch": {"load": "not-found", "active": "inactive", "enabled": ""}}}
    calls = (systemctl.parent / "systemctl.args").read_text().splitlines()
    assert calls == ["show --no-pager --property=LoadState,ActiveState,UnitFileState -- apache2 nosuch"]


def test_units_bad_names_fail_before_reading(capsys, fake_bin):
    systemctl = fake_bin("systemctl", "exit 0")
    out = _alone(host_probe.main, capsys, units=["apache2", "--root=/"], packages=["apache2"])
    assert out["failed"] and "'--root=/' are not systemd unit names" in out["msg"]
    assert out["msg"].endswith("Nothing was read.")
    assert not (systemctl.parent / "systemctl.args").exists()


def test_routes_part_reads_the_kernel_route_of_each_peer(capsys):
    """The real ip command: loopback peers, by address and by name, are reached without a router."""
    out = _alone(host_probe.main, capsys, routes=["127.0.0.1", "localhost"])
    assert out["_rc"] == 0 and not out.get("failed") and out["changed"] is False
    first, second = out["routes"]
    assert first["address"] == "127.0.0.1" and first["resolved"] == "127.0.0.1" and first["error"] is None
    assert first["via"] is None and first["dev"] == "lo" and first["kind"] == "local"
    assert first["route"].startswith("local 127.0.0.1 dev lo") and "uid" not in first["route"]
    assert second["address"] == "localhost" and second["resolved"] in ("127.0.0.1", "::1") and second["via"] is None


def test_routes_part_tells_a_router_hop_and_what_it_could_not_read(capsys, fake_bin):
    ip = fake_bin("ip", 'case "$3" in\n'
                        '  192.0.2.7) echo "192.0.2.7 via 10.1.0.1 dev eth0 src 10.1.0.5 uid 0"; echo "    cache" ;;\n'
                        '  *) echo "RTNETLINK answers: Network is unreachable" >&2; exit 2 ;;\nesac')
    out = _alone(host_probe.main, capsys, routes=["192.0.2.7", "198.51.100.1", "no-such-host.invalid"])
    assert out["_rc"] == 0 and not out.get("failed")
    routed, unreachable, unknown = out["routes"]
    assert routed == {"address": "192.0.2.7", "resolved": "192.0.2.7", "via": "10.1.0.1", "dev": "eth0",
                      "kind": "unicast", "route": "192.0.2.7 via 10.1.0.1 dev eth0 src 10.1.0.5", "error": None}
    assert unreachable["error"] == "ip route get 198.51.100.1: RTNETLINK answers: Network is unreachable"
    assert unreachable["via"] is None and unreachable["route"] is None
    assert unknown["error"].startswith("cannot resolve no-such-host.invalid") and unknown["resolved"] is None
    # one command per resolved peer, nothing for the name that does not resolve
    assert (ip.parent / "ip.args").read_text().splitlines() == ["route get 192.0.2.7", "route get 198.51.100.1"]
