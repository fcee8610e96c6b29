# SPDX-License-Identifier: GPL-3.0-or-later
"""site.yml's first play refuses a broken inventory before any host is touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from servers import ROOT


def _inventory(tmp_path: Path, mutate) -> Path:
    """A copy of inventories/example whose hosts do not exist, changed by ``mutate(hosts, group_vars)``."""
    inv = tmp_path / "inv"
    shutil.copytree(ROOT / "inventories" / "example", inv)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    gvars = yaml.safe_load((inv / "group_vars" / "all.yml").read_text())
    mutate(hosts, gvars)
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    (inv / "group_vars" / "all.yml").write_text(yaml.safe_dump(gvars))
    return inv


def _exrp(hosts):
    return hosts["all"]["children"]["exec"]["children"]["exrp"]


CASES = {
    "one EXRP host": (lambda h, v: _exrp(h).update(hosts={"exrp1.example.com": None}),
                      ["group 'exrp' has 1 host", "exec_allow_single_exrp"]),
    "missing exec_configdb": (lambda h, v: v.pop("exec_configdb"), ["exec_configdb is not defined"]),
    "port out of range": (lambda h, v: v["exec_redis"].update(port=70000), ["exec_redis.port is 70000"]),
    "registry without port": (lambda h, v: v.update(exec_registry="registry.example.com"),
                              ["exec_registry is 'registry.example.com'", "host:port"]),
    "empty webdav group": (lambda h, v: h["all"]["children"].pop("webdav"), ["group 'webdav' is empty"]),
    "several problems at once": (lambda h, v: (v.pop("exec_gc_api_host"), v.update(exec_sip_servers=[]))
                                 , ["exec_gc_api_host is not defined", "exec_sip_servers must be a non-empty list"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_validation_refuses_broken_inventory(tmp_path, playbook, case):
    mutate, expected = CASES[case]
    inv = _inventory(tmp_path, mutate)
    run = playbook(ROOT / "site.yml", inv)
    assert run.returncode != 0, run.stdout
    assert "The inventory is not usable (nothing was changed on any host)" in run.stdout
    for text in expected:
        assert text in run.stdout, run.stdout[-3000:]
    # Stopped in the validation play: no later play started, no host was contacted.
    assert "Step 0 - preflight" not in run.stdout
    assert "UNREACHABLE" not in run.stdout


def test_validation_accepts_example_inventory(tmp_path, playbook):
    inv = _inventory(tmp_path, lambda h, v: None)
    run = playbook(ROOT / "playbooks" / "validate.yml", inv)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "ok=2" in run.stdout


def test_single_exrp_allowed_when_asked(tmp_path, playbook):
    inv = _inventory(tmp_path, lambda h, v: (_exrp(h).update(hosts={"exrp1.example.com": None}),
                                             v.update(exec_allow_single_exrp="true")))
    run = playbook(ROOT / "playbooks" / "validate.yml", inv)
    assert run.returncode == 0, run.stdout[-3000:]


def test_survey_strings_are_cast(tmp_path, playbook):
    """AWX surveys send strings: "false" must mean false (a single EXRP host is still refused)."""
    inv = _inventory(tmp_path, lambda h, v: _exrp(h).update(hosts={"exrp1.example.com": None}))
    run = playbook(ROOT / "playbooks" / "validate.yml", inv, extra_vars={"exec_allow_single_exrp": "false"})
    assert run.returncode != 0 and "group 'exrp' has 1 host" in run.stdout, run.stdout[-3000:]
    run = playbook(ROOT / "playbooks" / "validate.yml", inv, extra_vars={"exec_allow_single_exrp": "yes"})
    assert run.returncode == 0, run.stdout[-3000:]


def test_a_host_that_fails_step_5_stops_the_run_before_step_6(tmp_path, playbook):
    """Step 5 runs its three roles at the same time (strategy free, which does not stop the other hosts on a
    failure): the play after it fails the whole run, naming the host, and step 6 (exec_services) never starts.
    The WebDAV host runs on the controller (connection local) with a bad webdav_root, so its role fails in its own
    validation; every other host points at a closed loopback port, and would be unreachable if it were contacted."""
    def mutate(hosts, gvars):
        gvars.update(ansible_port=9, exec_lock_enabled=False)
        secrets = ("gc_client_id", "gc_client_secret", "redis_password", "webdav_exrp_password", "webdav_mcp_password")
        gvars.update({f"vault_{k}": "not-used-1" for k in secrets})
        groups = [hosts["all"]]
        address = iter(range(2, 100))
        while groups:  # every host its own loopback address (the validation play wants one machine per node)
            group = groups.pop()
            groups.extend(group.get("children", {}).values())
            for name in group.get("hosts") or {}:
                group["hosts"][name] = {"ansible_host": f"127.0.0.{next(address)}"}
        hosts["all"]["children"]["webdav"]["hosts"]["webdav1.example.com"].update(
            ansible_connection="local", ansible_python_interpreter="{{ ansible_playbook_python }}",
            webdav_root="/etc")
    inv = _inventory(tmp_path, mutate)
    run = playbook(ROOT / "site.yml", inv, "--tags", "webdav,exec_services")
    assert run.returncode != 0, run.stdout[-3000:]
    assert "webdav_root=/etc" in run.stdout, run.stdout[-3000:]
    assert "Step 5 did not finish on webdav1.example.com (its error is above)" in run.stdout, run.stdout[-3000:]
    assert "TASK [engage_exec.recording.exec_services" not in run.stdout, run.stdout[-3000:]
    assert "UNREACHABLE" not in run.stdout, run.stdout[-3000:]
