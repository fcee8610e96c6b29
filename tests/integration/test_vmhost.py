# SPDX-License-Identifier: GPL-3.0-or-later
"""lab/vmhost.py: the hosts of the lab, molecule and the role tests boot and are reached like a site's VMs.

Two hosts on a network of their own: systemd is PID 1 and reports `running`; sshd lets in `deploy` with the lab key
(and passwordless sudo), never root and never a password; each host made its own SSH host keys; a second `up`
changes nothing; `docker restart` is a reboot that keeps the SSH port and the owner and mode of a host's own small
filesystem; `down` leaves no container, volume or cgroup.
And the platforms the collection claims are exactly the suites its tests deploy to.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "lab"))

import vmhost  # noqa: E402  pylint: disable=wrong-import-position


def ssh(facts, *command, user=vmhost.USER):
    return subprocess.run(vmhost.ssh_argv(facts, *command, user=user), capture_output=True, text=True, timeout=60,
                          check=False)


def dexec(name, *argv):
    return subprocess.run(["docker", "exec", name] + list(argv), capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def hosts():
    tag = uuid.uuid4().hex[:6]
    names = ["test-vm-%s-a" % tag, "test-vm-%s-b" % tag]
    network = "test-vm-%s" % tag
    specs = [{"name": names[0], "docker": True, "tmpfs": ["/srv/small:size=1m,uid=33,gid=33,mode=0750"]},
             {"name": names[1]}]
    try:
        yield names, specs, network, vmhost.up(specs, network=network, labels={"engage-exec-test": "1"})
    finally:
        ids = subprocess.run(["docker", "inspect", "-f", "{{.Id}}"] + names, capture_output=True, text=True,
                             check=False).stdout.split()
        vmhost.remove(names)
        subprocess.run(["docker", "network", "rm", network], capture_output=True, check=False)
        leftovers = subprocess.run(["find", "/sys/fs/cgroup", "-type", "d", "-name", "*%s*" % (ids or ["-"])[0]],
                                   capture_output=True, text=True, check=False).stdout
        assert not leftovers.strip(), leftovers
        volumes = subprocess.run(["docker", "volume", "ls", "-q"], capture_output=True, text=True, check=True).stdout
        assert not {names[0] + "-docker", names[0] + "-tmpfs0"} & set(volumes.split()), volumes


def test_boots_with_systemd_and_admits_only_deploy_by_key(hosts):
    names, _specs, _network, facts = hosts
    for name in names:
        assert dexec(name, "cat", "/proc/1/comm").stdout.strip() == "systemd"
        assert dexec(name, "systemctl", "is-system-running").stdout.strip() == "running"
        assert ssh(facts[name], "id", "-un").stdout.strip() == "deploy"
        assert ssh(facts[name], "sudo", "-n", "id", "-u").stdout.strip() == "0"
        assert ssh(facts[name], "true", user="root").returncode == 255  # PermitRootLogin no
        assert dexec(name, "sshd", "-T").stdout.count("passwordauthentication no") == 1
        assert dexec(name, "systemctl", "is-active", "chrony", "ssh").stdout.split() == ["active", "active"]
    keys = [dexec(n, "ssh-keygen", "-lf", "/etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1] for n in names]
    assert keys[0] != keys[1], "every host makes its own SSH host keys"


def test_docker_engine_only_where_asked(hosts):
    names, _specs, _network, facts = hosts
    assert ssh(facts[names[0]], "sudo", "systemctl", "enable", "--now", "docker").returncode == 0
    assert ssh(facts[names[0]], "sudo", "docker", "info", "-f", "{{.CgroupDriver}}").stdout.strip() == "systemd"
    assert dexec(names[1], "systemctl", "is-enabled", "docker").stdout.strip() == "disabled"


def test_second_up_changes_nothing(hosts):
    names, specs, network, facts = hosts
    again = vmhost.up(specs, network=network, labels={"engage-exec-test": "1"})
    assert {n: f["changed"] for n, f in again.items()} == {n: False for n in names}
    assert {n: f["ssh_port"] for n, f in again.items()} == {n: f["ssh_port"] for n, f in facts.items()}


def test_restart_is_a_reboot_that_keeps_the_ssh_port(hosts):
    names, _specs, _network, facts = hosts
    started = dexec(names[0], "systemctl", "show", "-p", "ActiveEnterTimestampMonotonic", "ssh").stdout
    small = ["stat", "-c", "%U:%G %a", "/srv/small"]
    assert dexec(names[0], *small).stdout.strip() == "www-data:www-data 750"
    subprocess.run(["docker", "restart", names[0]], check=True, capture_output=True)
    after = vmhost.wait(names[0])
    assert after["ssh_port"] == facts[names[0]]["ssh_port"]
    assert ssh(facts[names[0]], "systemctl", "is-active", "docker").stdout.strip() == "active"  # enabled at boot
    assert dexec(names[0], "systemctl", "show", "-p", "ActiveEnterTimestampMonotonic", "ssh").stdout != started
    assert dexec(names[0], *small).stdout.strip() == "www-data:www-data 750"  # a disk keeps them across a reboot


def test_claimed_platforms_are_the_tested_suites():
    """meta/main.yml of every role, the role READMEs and the README claim exactly the suites make test deploys to."""
    assert vmhost.SUITES == ("bookworm", "trixie")
    for meta in sorted(ROOT.glob("roles/*/meta/main.yml")):
        platforms = yaml.safe_load(meta.read_text())["galaxy_info"]["platforms"]
        assert platforms == [{"name": "Debian", "versions": list(vmhost.SUITES)}], meta
    molecule = (ROOT / "hack" / "molecule.sh").read_text()
    assert "suites=(trixie)" in molecule and "LAB_SUITE=$suite molecule test -s default" in molecule
    for readme in [ROOT / "README.md"] + sorted(ROOT.glob("roles/*/README.md")):
        text = readme.read_text()
        assert not re.search(r"\b(RHEL|EL ?[89]|RedHat|Rocky|Ubuntu)\b", text), readme
    assert "Debian 12 (bookworm) or 13 (trixie)" in (ROOT / "README.md").read_text()
