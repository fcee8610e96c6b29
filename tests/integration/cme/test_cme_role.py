# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The hybrid_transaction role: two tenants, once for a play over several excs hosts, secrets never shown."""

from __future__ import annotations

import json
import re

import pytest

from cme_helpers import VENV_PY

SECRET_A, SECRET_B = "Role-Secret-Env-6621", "Role-Secret-TenB-7732"


@pytest.fixture
def site(tmp_path, gax):
    inventory = tmp_path / "hosts.yml"
    hosts = {h: {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_PY)}
             for h in ("excs-1", "excs-2")}
    inventory.write_text(json.dumps({"all": {
        "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_PY)}},
        "children": {"excs": {"hosts": hosts}}}}))
    play = tmp_path / "play.yml"
    play.write_text(json.dumps([{"hosts": "excs", "gather_facts": False,
                                 "roles": [{"role": "engage_exec.recording.hybrid_transaction"}]}]))
    return inventory, play


def role_vars(gax, **extra):
    data = {
        "hybrid_transaction_gax_url": gax.url,
        "hybrid_transaction_gax_username": gax.user,
        "hybrid_transaction_gax_password": gax.password,
        "hybrid_transaction_tenants": [
            {"tenant": "Environment", "client_id": "env-client", "client_secret": SECRET_A},
            {"tenant": "Tenant_B", "client_id": "b-client", "client_secret": SECRET_B, "agent_polling_interval": "15",
             "sections": {"recording": {"enabled": True}}},
        ],
    }
    data.update(extra)
    return data


def recap_changed(stdout):
    return sum(int(n) for n in re.findall(r"changed=(\d+)", stdout))


def test_role_check_real_check_real_two_tenants(fresh, gax, site, playbook):
    inventory, play = site
    runs = []
    for flags in (("--check", "--diff"), ("--diff", "-vvv"), ("--check",), ()):
        proc = playbook(play, inventory, *flags, extra_vars=role_vars(gax))
        assert proc.returncode == 0, proc.stdout[-5000:]
        assert SECRET_A not in proc.stdout and SECRET_B not in proc.stdout and gax.password not in proc.stdout
        runs.append(proc.stdout)
        if flags == ("--check", "--diff"):
            assert fresh.transactions("hybrid_integration") == []
    assert [recap_changed(out) for out in runs] == [1, 1, 0, 0]  # one task, run once, for both tenants
    assert runs[1].count("client_secret = ******** (changed)") >= 2
    assert fresh.annex("hybrid_integration", 1) == {"agent_state_sync": {
        "client_id": "env-client", "client_secret": SECRET_A, "agent_polling_interval": "30"}}
    assert fresh.annex("hybrid_integration", 101) == {
        "agent_state_sync": {"client_id": "b-client", "client_secret": SECRET_B, "agent_polling_interval": "15"},
        "recording": {"enabled": "true"}}
    assert len(fresh.transactions("hybrid_integration")) == 2  # run_once: not once per excs host
    assert fresh.alias("hybrid_integration", 1) == fresh.alias("hybrid_integration", 101) == "hybrid_integration"


def test_role_refuses_bad_tenant_items_early(fresh, gax, site, playbook):
    inventory, play = site
    bad = role_vars(gax, hybrid_transaction_tenants=[
        {"tenant": "Environment", "client_id": "", "client_secret": SECRET_A},
        {"tenant": "Environment", "client_id": "x", "client_secret": SECRET_B}])
    proc = playbook(play, inventory, "-vvv", extra_vars=bad)
    assert proc.returncode != 0
    assert "Fix the items of hybrid_transaction_tenants" in proc.stdout
    assert SECRET_A not in proc.stdout and SECRET_B not in proc.stdout
    proc = playbook(play, inventory, extra_vars=role_vars(gax, hybrid_transaction_tenants=[]))
    assert proc.returncode != 0 and "non-empty list" in proc.stdout
    assert fresh.transactions("hybrid_integration") == []


def test_role_passes_the_alias(fresh, gax, site, playbook):
    inventory, play = site
    tenants = [{"tenant": "Environment", "client_id": "env-client", "client_secret": SECRET_A}]
    proc = playbook(play, inventory, extra_vars=role_vars(gax, hybrid_transaction_tenants=tenants,
                                                          hybrid_transaction_alias="EXEC hybrid integration"))
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert fresh.alias("hybrid_integration", 1) == "EXEC hybrid integration"
