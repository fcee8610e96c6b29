# SPDX-License-Identifier: GPL-3.0-or-later
"""Reboots are survived without Ansible (slow: `make test-faults`).

After site.yml, every lab host is rebooted in turn (`docker restart` of its container: systemd stops every unit and
boots again, as a VM does). Without any Ansible run, what the deployment needs comes back by itself - Apache,
HAProxy, chrony and the Docker engine as enabled systemd units, the EXEC and EXRP containers through their restart
policy - and the MCP driver proves that 50 recordings arrive after each reboot. While an EXRP node reboots, 100
recordings sent meanwhile all arrive (N+1). After all of it, site.yml has nothing to change.
"""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

import labctl as lab
from servers import ROOT

pytestmark = pytest.mark.slow

SITE = ROOT / "site.yml"
# One at a time, the EXRP node last but one (the next test reboots the other while recordings flow).
HOSTS = ("lab-webdav", "lab-lb", "lab-exec", "lab-exrp1")


@pytest.fixture(scope="module")
def converged():
    """A fresh lab, converged by site.yml."""
    lab.down()
    lab.up()
    result = lab.playbook(SITE)
    assert result.returncode == 0, result.stdout[-6000:]
    return result


@pytest.mark.parametrize("host", HOSTS)
def test_host_reboot_is_survived_without_ansible(converged, host):
    seconds = lab.reboot(host)
    summary = lab.mcp(50)
    assert summary["ok"] and summary["arrived"] == 50, (host, seconds, summary)


def test_exrp_node_reboot_while_recordings_flow(converged):
    """EXCP hands each recording to the node that answers: 100 sent while lab-exrp2 reboots all arrive."""
    results = {}
    sender = threading.Thread(target=lambda: results.setdefault("summary", lab.mcp(100, timeout=600)), daemon=True)
    sender.start()
    time.sleep(2)  # recordings are in flight when the node goes down
    seconds = lab.reboot("lab-exrp2")
    sender.join(timeout=660)
    summary = results.get("summary")
    assert summary and summary["ok"] and summary["arrived"] == 100, (seconds, summary)
    health = lab.dexec("lab-exrp2", "curl", "-fsS", "-m", "5", "http://127.0.0.1:3660/health", check=False)
    assert health.returncode == 0 and json.loads(health.stdout)["status"] == "ok", health.stdout + health.stderr


def test_site_has_nothing_to_change_after_the_reboots(converged):
    result = lab.playbook(SITE)
    assert result.returncode == 0, result.stdout[-6000:]
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", result.stdout, re.M)
    assert recap and all(changed == "0" for _host, changed in recap), result.stdout[-4000:]
