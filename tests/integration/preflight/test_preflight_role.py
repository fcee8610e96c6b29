# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role on loopback "hosts" (local connection) against real PostgreSQL (TLS), Redis (password),
openssl s_server (the GC API's place), Apache (WebDAV's place), chronyd and this machine's own kernel, Docker engine,
CPUs, RAM and disk. Stat/SIP Servers and the EXEC services are plain TCP listeners (vendor stand-ins)."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET

import pytest
import yaml

import servers


@pytest.fixture(scope="module")
def listeners():
    """TCP listeners standing in for Stat Servers, SIP Server, EXCS/EXAS/EXCP and the load balancer."""
    names = ["stat1", "stat2", "sip1", "excs", "exas", "excp", "lb"]
    socks = {}
    for n in names:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        socks[n] = s
    yield {n: s.getsockname()[1] for n, s in socks.items()}
    for s in socks.values():
        s.close()


@pytest.fixture(scope="module")
def redis_pw(tmp_path_factory):
    r = servers.start_redis(tmp_path_factory.mktemp("pf-redis"), password="pf-redis-pw-77")
    yield r
    r.stop()


def _inventory(tmp_path, postgres_tls, redis_pw, tls_servers, apache, listeners, chrony, pki, **over):
    py = str(servers.ROOT / ".venv" / "bin" / "python")
    local = {"ansible_connection": "local", "ansible_python_interpreter": py, "exec_address": "127.0.0.1"}
    hosts = {
        "all": {
            "vars": {
                "exec_configdb": {"host": "127.0.0.1", "port": postgres_tls.port, "name": "postgres",
                                  "sslmode": "verify-full"},
                "exec_stat_servers": [{"host": "127.0.0.1", "port": listeners["stat1"]},
                                      {"host": "127.0.0.1", "port": listeners["stat2"]}],
                "exec_sip_servers": [{"host": "127.0.0.1", "port": listeners["sip1"]}],
                "exec_redis": {"host": "127.0.0.1", "port": redis_pw.port, "tls": False},
                "exec_gc_api_host": "localhost",
                "exec_gc_login_host": "127.0.0.1",  # the same server under its other name, as login.<region>
                "exec_registry": "127.0.0.1:5000",
            },
            "children": {
                "exec": {"children": {"excs": {"hosts": {"pf-exec": local}}, "exas": {"hosts": {"pf-exec": local}},
                                      "excp": {"hosts": {"pf-exec": local}},
                                      # another address on this machine's loopback: a peer without a router
                                      "exrp": {"hosts": {"pf-exrp": dict(local, exec_address="127.0.0.2")}}}},
                "webdav": {"hosts": {"pf-webdav": local}},
                "load_balancer": {"hosts": {"pf-lb": local}},
            },
        }
    }
    inv = tmp_path / "hosts.yml"
    inv.write_text(yaml.safe_dump(hosts))
    extra = {
        "preflight_report_dir": str(tmp_path / "report"),
        "preflight_requirements": {
            "exec": {"kernel": "4.18", "docker": "20", "cpus": 1, "memory_mb": 256, "disk_gb": 1, "disk_path": "/tmp"},
            "webdav": {"kernel": "4.18", "docker": None, "cpus": 1, "memory_mb": 256, "disk_gb": 1,
                       "disk_path": "/srv/not/there/yet"},
        },
        "preflight_time_method": "chrony",
        "preflight_time_chronyc_host": str(chrony["synced"].socket_path),
        "preflight_ca_path": str(pki.ca_path),
        "preflight_configdb_user": postgres_tls.user,
        "preflight_configdb_password": postgres_tls.password,
        "preflight_redis_ping": True,
        "preflight_redis_password": "pf-redis-pw-77",
        "preflight_webdav_port": apache.port,
        "preflight_lb_port": listeners["lb"],
        "preflight_exec_service_ports": {"excs": listeners["excs"], "exas": listeners["exas"],
                                         "excp": listeners["excp"]},
        "preflight_timeout": 3,
    }
    # the GC API stand-in: openssl s_server answers GET / with 200 on a non-443 port
    extra["preflight_extra_checks"] = []
    extra.update(over)
    return inv, extra


PLAY = [{"name": "preflight", "hosts": "exec:webdav:load_balancer", "gather_facts": True,
         "roles": [{"role": "engage_exec.recording.preflight"}]}]


def _play(tmp_path):
    pb = tmp_path / "preflight.yml"
    pb.write_text(yaml.safe_dump(PLAY))
    return pb


@pytest.fixture
def env(tmp_path, postgres_tls, redis_pw, tls_servers, apache, listeners, chrony, pki):
    def make(**over):
        return _inventory(tmp_path, postgres_tls, redis_pw, tls_servers, apache, listeners, chrony, pki, **over)
    return make


def _managed_host_changes(stdout):
    """'changed' task lines that are not the report written on the controller."""
    return [ln for ln in stdout.splitlines() if ln.startswith("changed: [") and "-> localhost]" not in ln]


def test_ready_site_passes_and_reports(tmp_path, playbook, env, tls_servers, pki):
    # Genesys Cloud is on 443 in production; here the HTTPS stand-in (openssl s_server -www) listens elsewhere.
    inv, extra = env(preflight_gc_status_codes=[200], preflight_gc_port=tls_servers["valid"].port)
    # a site addition, only from the EXRP host
    extra["preflight_extra_checks"] = [{"name": "exrp -> site proxy", "host": "127.0.0.1",
                                        "port": tls_servers["soon"].port, "protocol": "tls",
                                        "ca_path": str(pki.ca_path), "groups": ["exrp"]}]
    for check in (True, False):
        run = playbook(_play(tmp_path), inv, *(["--check"] if check else []), extra_vars=extra)
        assert run.returncode == 0, run.stdout[-6000:]
        assert _managed_host_changes(run.stdout) == [], run.stdout[-2000:]
        md = (tmp_path / "report" / "preflight.md").read_text()
        assert "Result: **PASSED**" in md and "(0 problem(s))" in md
        assert "Preflight report: %s" % (tmp_path / "report" / "preflight.md") in run.stdout
    # every part really ran, on the right host
    assert "| pf-exec | exas, excp, excs, exec |" in md or "| pf-exec |" in md
    assert "excs -> Config DB" in md and "login=True" in md
    assert "exas -> Stat Server 2" in md and "excp -> SIP Server 1" in md and "exec -> Redis" in md
    assert "exrp -> WebDAV pf-webdav" in md and "load_balancer -> EXCP pf-exec" in md
    assert "EXCS service on pf-exec" in md and "localhost -> EXCP metrics pf-exec" in md
    assert "| chrony | 127.0.0.1 | True |" in md
    assert "| exec | Docker engine | >= 20 |" in md
    assert md.count("exrp -> site proxy") == 1 and "expires in 9 days" in md  # only from pf-exrp, warning kept
    # Genesys Cloud's two hosts, each from every EXEC host
    assert md.count("| exec -> Genesys Cloud API | localhost:") == 2
    assert md.count("| exec -> Genesys Cloud login | 127.0.0.1:") == 2
    # the checklist opens the report, before the summary
    assert md.index("## Before you start") < md.index("## Summary") and "- [ ] The MCP is 9.0.052.00 or later" in md
    assert "GIR-based" in md and "QM (Quality Management) and STA" in md
    # one network segment: the pair, read from both sides (loopback routes, no router)
    segment = md[md.index("## Network segment"):]
    assert "| pf-exec - pf-exrp | local 127.0.0.2 dev lo" in segment and "| local 127.0.0.1 dev lo" in segment
    assert segment.split("\n## ")[0].rstrip().endswith("| ok |")
    suites = ET.parse(tmp_path / "report" / "preflight-junit.xml").getroot()
    assert {s.get("name") for s in suites} >= {"pf-exec", "pf-exrp", "pf-webdav", "pf-lb", "network segment"}
    assert all(s.get("failures") == "0" for s in suites)
    cases = [c.get("name") for c in suites.iter("testcase")]
    assert "exec: Docker engine" in cases and "clock synchronised" in cases
    assert not list(suites.iter("failure"))


def test_unready_site_lists_every_problem_and_changes_nothing(tmp_path, playbook, env, chrony, closed_port):
    inv, extra = env()
    extra["preflight_requirements"]["exec"].update(cpus=4096, kernel="99.1")
    extra["preflight_time_chronyc_host"] = str(chrony["unsynced"].socket_path)
    extra["exec_stat_servers"] = [{"host": "127.0.0.1", "port": closed_port}]
    extra["preflight_redis_password"] = "wrong-redis-pw"
    run = playbook(_play(tmp_path), inv, extra_vars=extra)
    out = run.stdout
    assert run.returncode != 0
    assert _managed_host_changes(out) == [], out[-3000:]  # a failing preflight changes nothing on any host
    assert "pf-exec is not ready for EXEC Recording Injection" in out
    for text in ("[requirements] exec: CPUs is", "needs >= 4096", "[requirements] exec: kernel is",
                 "needs >= 99.1", "[time] the clock is not synchronised according to chrony",
                 "exas -> Stat Server 1 -> 127.0.0.1:%d (tcp): refused" % closed_port,
                 "exec -> Redis", "auth failed",
                 # the GC rows point at localhost:443 and 127.0.0.1:443 where nothing listens
                 "exec -> Genesys Cloud API -> localhost:443", "exec -> Genesys Cloud login -> 127.0.0.1:443"):
        assert text in out, text
    assert "wrong-redis-pw" not in out
    md = (tmp_path / "report" / "preflight.md").read_text()
    assert "Result: **FAILED**" in md and "## Problems" in md and "needs >= 4096" in md
    assert "wrong-redis-pw" not in md
    suites = {s.get("name"): s for s in ET.parse(tmp_path / "report" / "preflight-junit.xml").getroot()}
    assert int(suites["pf-exec"].get("failures")) >= 5
    failing = [c.get("name") for c in suites["pf-exec"].iter("testcase") if c.find("failure") is not None]
    assert "exec: CPUs" in failing and "clock synchronised" in failing
    # the WebDAV host is fine (its disk path does not exist yet: the mount holding it counts)
    assert suites["pf-webdav"].get("failures") == "0"


def test_parts_can_be_switched_off(tmp_path, playbook, env):
    inv, extra = env()
    extra.update(preflight_check_requirements=False, preflight_check_time="false", preflight_check_connectivity="no",
                 preflight_check_exec_services=False, preflight_check_inbound=False)
    extra["preflight_requirements"]["exec"].update(cpus=4096)
    run = playbook(_play(tmp_path), inv, extra_vars=extra)
    assert run.returncode == 0, run.stdout[-4000:]
    md = (tmp_path / "report" / "preflight.md").read_text()
    assert "Result: **PASSED**" in md and "Not checked." in md
