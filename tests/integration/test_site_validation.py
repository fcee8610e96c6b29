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
    "several problems at once": (lambda h, v: (v.pop("exec_gc_region"), v.update(exec_sip_servers=[]))
                                 , ["exec_gc_region is not set", "exec_sip_servers must be a non-empty list"]),
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
