# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight's network segment rule ("all EXEC VMs on the same local network segment") on VM-like hosts.

Three hosts made by lab/vmhost.py (systemd, reached over SSH as `deploy` with become) on a Docker network of the
test's own: an EXCS host, an EXRP host and a third host that acts as a router. On one network the pair passes; once
the EXRP host reaches the EXCS host only through the router (a host route via the third host, with forwarding on
there, so that traffic still flows), its preflight fails naming both hosts, the router and the route. Everything is
labelled engage-exec-test=1 and removed at the end, the network too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "lab"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "faults"))

import vmhost  # noqa: E402  pylint: disable=wrong-import-position
from cases import by_layer  # noqa: E402  pylint: disable=wrong-import-position

pytestmark = pytest.mark.slow

BIN = ROOT / ".venv" / "bin"
# Only the segment part runs: the hosts are not EXEC VMs (no Engage side, no services to probe).
ONLY_SEGMENT = {"preflight_check_requirements": False, "preflight_check_time": False,
                "preflight_check_connectivity": False, "preflight_check_exec_services": False,
                "preflight_check_inbound": False}


def _sh(name, script):
    proc = subprocess.run(["docker", "exec", name, "bash", "-c", script], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    assert proc.returncode == 0, "%s on %s:\n%s" % (script, name, proc.stdout)
    return proc.stdout


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """{names, facts, inventory, tmp}: t18b-prefixed hosts on their own network, the inventory of two EXEC hosts."""
    tag = uuid.uuid4().hex[:6]
    network = "t18b-seg-%s" % tag
    names = {"excs": "t18b-seg-excs-%s" % tag, "exrp": "t18b-seg-exrp-%s" % tag, "router": "t18b-seg-rt-%s" % tag}
    try:
        facts = vmhost.up([{"name": n} for n in names.values()], network=network,
                          labels={"engage-exec-test": "1"})
        tmp = tmp_path_factory.mktemp("segment")
        host = {n: dict(vmhost.inventory_vars(facts[n]), exec_address=n) for n in names.values()}
        inventory = {"all": {"children": {"exec": {"children": {
            "excs": {"hosts": {names["excs"]: host[names["excs"]]}},
            "exrp": {"hosts": {names["exrp"]: host[names["exrp"]]}}}}}}}
        (tmp / "hosts.yml").write_text(yaml.safe_dump(inventory))
        (tmp / "play.yml").write_text(yaml.safe_dump([{
            "name": "preflight", "hosts": "exec", "gather_facts": False, "become": True,
            "roles": [{"role": "engage_exec.recording.preflight"}]}]))
        yield {"names": names, "facts": facts, "tmp": tmp}
    finally:
        vmhost.remove(list(names.values()))
        subprocess.run(["docker", "network", "rm", network], capture_output=True, check=False)


def _preflight(site, report):
    extra = dict(ONLY_SEGMENT, preflight_report_dir=str(site["tmp"] / report))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH="%s:%s" % (BIN, os.environ.get("PATH", "")))
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(site["tmp"] / "hosts.yml"),
                           str(site["tmp"] / "play.yml"), "-e", json.dumps(extra)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    return proc, (site["tmp"] / report / "preflight.md").read_text()


def test_hosts_on_one_network_pass_and_the_pair_is_one_report_row(site):
    names = site["names"]
    proc, md = _preflight(site, "one-network")
    assert proc.returncode == 0, proc.stdout[-4000:]
    pair = "| %s - %s |" % (names["excs"], names["exrp"])
    rows = [line for line in md.splitlines() if line.startswith(pair)]
    assert len(rows) == 1 and rows[0].endswith("| ok |"), md
    # read from both sides: each sees the other's address on its own network, without a "via"
    for name in ("excs", "exrp"):
        peer = site["facts"][names["exrp" if name == "excs" else "excs"]]["address"]
        assert "%s dev eth0" % peer in rows[0] and "via" not in rows[0]


@pytest.mark.parametrize("case", by_layer("host"), ids=lambda c: c.id)
def test_a_host_behind_a_router_fails_naming_both_hosts_and_the_route(site, case):
    names, facts = site["names"], site["facts"]
    excs_ip, router_ip = facts[names["excs"]]["address"], facts[names["router"]]["address"]
    _sh(names["router"], "sysctl -qw net.ipv4.ip_forward=1")
    _sh(names["exrp"], "ip route replace %s/32 via %s" % (excs_ip, router_ip))
    try:
        # the route is real: traffic to the EXCS host goes through the router and still arrives
        assert "via %s" % router_ip in _sh(names["exrp"], "ip route get %s" % excs_ip)
        _sh(names["exrp"], "python3 -c 'import socket; socket.create_connection((\"%s\", 22), timeout=5).close()'"
            % excs_ip)
        proc, md = _preflight(site, "behind-a-router")
    finally:
        _sh(names["exrp"], "ip route del %s/32" % excs_ip)
    out = " ".join(proc.stdout.split())
    assert proc.returncode != 0, proc.stdout[-4000:]
    for fragment in case.fragments:
        assert fragment in out, "%r not in:\n%s" % (fragment, proc.stdout[-4000:])
    # the failure names both hosts, the peer's address, the router and the route seen; only the routed host fails
    assert ("%s and %s are not on the same network segment: %s reaches %s (%s, %s) through the router %s (route: %s "
            "via %s dev eth0" % (names["excs"], names["exrp"], names["exrp"], names["excs"], names["excs"], excs_ip,
                                 router_ip, excs_ip, router_ip)) in out
    assert "%s is not ready" % names["exrp"] in out and "%s is not ready" % names["excs"] not in out
    pair = [line for line in md.splitlines() if line.startswith("| %s - %s |" % (names["excs"], names["exrp"]))]
    assert len(pair) == 1 and pair[0].endswith("| FAIL |") and "via %s" % router_ip in pair[0], md
    assert "Result: **FAILED**" in md and "[segment]" in md
