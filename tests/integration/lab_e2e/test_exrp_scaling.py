# SPDX-License-Identifier: GPL-3.0-or-later
"""Adding and retiring EXRP nodes while recordings flow, on the lab (slow: `make test-faults`).

A third EXRP host is added with site.yml (the host in group exrp, nothing else) while 200 recordings are sent; then
one of the three is retired (`exrp_node_state: absent` in its host vars) with site.yml while 200 more are sent.
Every recording arrives both times; the retired node's container and .env are gone and EXCP no longer lists it;
check mode before showed what would go and changed nothing, a rerun after changes nothing.
"""

from __future__ import annotations

import json
import re
import threading

import pytest

import labctl as lab
from servers import ROOT

pytestmark = pytest.mark.slow

SITE = ROOT / "site.yml"
NEW, RETIRED = "lab-exrp3", "lab-exrp2"
EXCP_ENV = "/opt/genesys/exec/excp/.env"
EXRP_ENV = "/opt/genesys/exec/exrp/.env"
# The steps a node change touches: the image digest the nodes run, the nodes, EXCP's hand-over list and the
# retirement (the other steps are proven elsewhere and do not depend on the EXRP group's size).
NODE_STEPS = ("--tags", "exrp_image,exrp_node,exec_services")


def output(result):
    return result.stdout[-6000:]


def extra_inventory(path, host_vars=None):
    """An inventory source beside inventories/lab that puts NEW in group exrp (host_vars: {host: vars})."""
    hosts = {NEW: None}
    hosts.update(host_vars or {})
    doc = {"all": {"children": {"lab": {"children": {"exec": {"children": {"exrp": {"hosts": hosts}}}}}}}}
    path.write_text(json.dumps(doc))  # YAML is a superset of JSON
    return path


class Recordings(threading.Thread):
    """MCP traffic while a run is going on; .summary holds the verify result."""

    def __init__(self, count):
        super().__init__(daemon=True)
        self.count, self.summary = count, None

    def run(self):
        self.summary = lab.mcp(self.count, timeout=600)


def excp_exrp_urls():
    line = lab.dexec("lab-exec", "grep", "^EXRP_URLS=", EXCP_ENV).stdout.strip()
    return line.partition("=")[2].split(",")


def exrp_containers(node):
    return lab.dexec(node, "docker", "ps", "-a", "--filter", "name=^exrp$", "--format", "{{.Names}}").stdout.split()


def injected_by():
    """{node: recordings it injected}, from the Genesys Cloud stand-in's lab listing."""
    listing = json.loads(lab.dexec("lab-exrp1", "curl", "-fsS", "-m", "20", "https://lab-gc/lab/recordings").stdout)
    counts = {}
    for rec in listing["recordings"]:
        counts[rec["injected_by"]] = counts.get(rec["injected_by"], 0) + 1
    return counts


def task(result, name):
    """The output of the first task whose name starts with ``name`` (up to the next task or play)."""
    for block in re.split(r"\n(?=TASK \[|PLAY )", result.stdout):
        if re.match(r"TASK \[(?:[\w.]+ : )?%s" % re.escape(name), block):
            return block
    return ""


def unchanged(result):
    return re.findall(r"changed=(\d+)", result.stdout) and not re.search(r"changed=[1-9]", result.stdout)


@pytest.fixture(scope="module")
def site():
    """A fresh lab converged by site.yml with its two EXRP nodes."""
    lab.down()
    lab.up()
    lab.playbook(SITE, check=True)
    yield
    lab.down()


def test_a_third_node_added_with_site_yml_while_200_recordings_flow(site, tmp_path):
    """Host lab-exrp3 added to exrp: site.yml deploys it while 200 recordings flow; 200/200 arrive, EXCP lists 3
    nodes and the new one takes its share.
    """
    inventory = extra_inventory(tmp_path / "exrp3.yml")
    # The new VM, as a site's team prepares one (lab/up.yml: systemd, sshd, Docker), before the deployment.
    lab.playbook(ROOT / "lab" / "up.yml", "-i", str(inventory), check=True)
    # Its clock synchronised before the preflight checks it (the 24 h rule), as on a site's new VM.
    lab.dexec(NEW, "chronyc", "waitsync", "60", "0", "0", "1")
    before = injected_by()
    traffic = Recordings(200)
    traffic.start()
    added = lab.playbook(SITE, "-i", str(inventory))
    traffic.join()
    assert added.returncode == 0, output(added)
    assert traffic.summary["ok"] and traffic.summary["arrived"] == 200, traffic.summary
    assert [u.split("//")[1].split(":")[0] for u in excp_exrp_urls()] == ["lab-exrp1", "lab-exrp2", NEW]
    assert exrp_containers(NEW) == ["exrp"]
    assert injected_by().get(NEW, 0) > before.get(NEW, 0), "lab-exrp3 injected no recording"


def test_one_of_three_retired_with_site_yml_while_200_recordings_flow(site, tmp_path):
    """lab-exrp2 marked exrp_node_state: absent: check mode shows what would go and changes nothing; site.yml while
    200 recordings flow: 200/200 arrive, EXCP lists the two others, lab-exrp2's container and .env are gone; a
    rerun changes nothing.
    """
    inventory = extra_inventory(tmp_path / "retire.yml", {RETIRED: {"exrp_node_state": "absent"}})
    assert exrp_containers(RETIRED) == ["exrp"], "the node to retire must serve before"

    check = lab.playbook(SITE, "-i", str(inventory), *NODE_STEPS, "--check", "--diff")
    assert check.returncode == 0, output(check)
    assert "changed: [%s]" % RETIRED in task(check, "Remove the EXRP container"), output(check)
    assert "changed: [%s]" % RETIRED in task(check, "Remove the EXRP .env and its backups"), output(check)
    excp_env = task(check, "Recording settings in the .env (other keys and comments kept) of EXCP")
    assert "changed: [lab-exec]" in excp_env, output(check)
    assert exrp_containers(RETIRED) == ["exrp"] and "lab-exrp2" in ",".join(excp_exrp_urls())
    assert lab.dexec(RETIRED, "test", "-f", EXRP_ENV, check=False).returncode == 0

    traffic = Recordings(200)
    traffic.start()
    retired = lab.playbook(SITE, "-i", str(inventory))
    traffic.join()
    assert retired.returncode == 0, output(retired)
    assert traffic.summary["ok"] and traffic.summary["arrived"] == 200, traffic.summary
    assert [u.split("//")[1].split(":")[0] for u in excp_exrp_urls()] == ["lab-exrp1", NEW]
    assert exrp_containers(RETIRED) == []
    leftovers = lab.dexec(RETIRED, "find", "/opt/genesys/exec/exrp", "-name", ".env*").stdout.split()
    assert leftovers == [], leftovers

    rerun = lab.playbook(SITE, "-i", str(inventory), *NODE_STEPS)
    assert rerun.returncode == 0, output(rerun)
    assert unchanged(rerun), output(rerun)
