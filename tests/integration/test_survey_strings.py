# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX surveys send every value as a string: "false", "no", "0", "2" must behave exactly like false and 2.

Static: every boolean/integer input (role argument specs, playbook inputs) is cast where it is used (survey_scan.py).
Dynamic: roles and plays run with survey strings as extra vars and behave as with the native values. The validation
play (exec_allow_single_exrp) is covered in test_site_validation.py, the preflight toggles in
preflight/test_preflight_role.py (test_parts_can_be_switched_off).
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

import survey_scan
from servers import ROOT

ROLES = sorted(p.parent.parent.name for p in ROOT.glob("roles/*/meta/argument_specs.yml"))


def test_scanner_sees_every_role_and_playbook_input():
    inputs = survey_scan.typed_inputs()
    for role in ROLES:
        assert inputs.get("%s_enabled" % role) == "bool", role
    assert inputs["exec_exrp_serial"] == "int" and inputs["webdav_port"] == "int"
    assert inputs["preflight_timeout"] == "float"


@pytest.mark.parametrize("expression,printed,bad", [
    ("exrp_node_enabled", False, ["exrp_node_enabled"]),
    ("exrp_node_enabled | bool", False, []),
    ("exrp_node_enabled | default(false) | bool", False, []),
    ("exrp_node_enabled | default(x | default(true)) | bool", False, []),
    ("exrp_node_enabled | int", False, ["exrp_node_enabled"]),
    ("exrp_node_enabled is defined", False, []),
    ("'exrp_node_enabled' ~ exrp_node_port | int", False, []),
    ("exrp_node_port", True, []),            # a number printed into text
    ("exrp_node_enabled", True, ["exrp_node_enabled"]),  # "false" and false do not print the same
    ("exrp_node_port > 0", True, ["exrp_node_port"]),
    ("(exrp_node_port if a else webdav_port) | int", False, ["exrp_node_port", "webdav_port"]),
    ("x.exrp_node_port", False, []),         # an attribute of something else
])
def test_scanner_rules(expression, printed, bad):
    assert survey_scan.uncast_uses(expression, survey_scan.typed_inputs(), printed) == bad


def test_every_typed_input_is_cast_where_used():
    problems = survey_scan.scan()
    assert not problems, "AWX surveys send strings; cast these uses (| bool, | int):\n" + "\n".join(problems)


def _localhost_play(tmp_path, roles):
    play = [{"name": "Survey strings", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "roles": [{"role": "engage_exec.recording.%s" % r} for r in roles]}]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    return path


def _recap(stdout):
    m = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", stdout)
    assert m, stdout[-3000:]
    return dict(zip(("ok", "changed", "unreachable", "failed", "skipped"), map(int, m.groups())))


def _ran(stdout):
    """Names of the tasks that ran (not skipped) on localhost, in order."""
    ran, task = [], None
    for line in stdout.splitlines():
        m = re.match(r"TASK \[(.*)\] \*+", line)
        if m:
            task = m.group(1)
        elif task and re.match(r"(ok|changed|fatal|failed): \[localhost\]", line):
            ran.append(task)
    return ran


def test_disabled_roles_do_nothing_with_survey_strings(tmp_path, playbook):
    """<role>_enabled = "false" / "no" / "0" skips every role as false does (only the argument spec check runs)."""
    play = _localhost_play(tmp_path, ROLES)
    runs = {}
    for value in (False, "false", "no", "0"):
        run = playbook(play, "localhost,", extra_vars={"%s_enabled" % r: value for r in ROLES})
        assert run.returncode == 0, (value, run.stdout[-4000:])
        runs[value] = (_recap(run.stdout), _ran(run.stdout))
    native = runs[False]
    assert native[0]["changed"] == 0 and native[0]["ok"] == len(ROLES), native
    assert all("argument spec" in t.lower() or "validating arguments" in t.lower() for t in native[1]), native[1]
    for value, result in runs.items():
        assert result == native, "%r behaves unlike false: %s != %s" % (value, result, native)


@pytest.mark.parametrize("role", ["exec_services", "webdav"])
def test_enabled_survey_strings_run_the_role(tmp_path, playbook, role):
    """<role>_enabled = "true" / "yes" runs the role as true does: here it reaches the same input check and stops."""
    play = _localhost_play(tmp_path, [role])
    results = {}
    for value in (True, "true", "yes"):
        run = playbook(play, "localhost,", extra_vars={"%s_enabled" % role: value})
        results[value] = (run.returncode, _recap(run.stdout), _ran(run.stdout))
    native = results[True]
    assert native[1]["ok"] + native[1]["failed"] > 1, native  # the role did more than validate its arguments
    for value, result in results.items():
        assert result == native, "%r behaves unlike true: %s != %s" % (value, result, native)


# What inventories/example reads from a vault.
VAULT_VARS = ("vault_gc_client_id", "vault_gc_client_secret", "vault_redis_password", "vault_webdav_exrp_password",
              "vault_webdav_mcp_password")


def _local_inventory(tmp_path, exrp_hosts, serving=False):
    """inventories/example on localhost with these EXRP hosts; ``serving``: as if EXRP already ran on them and
    needed a change (the group the exrp_node role makes for the one-at-a-time play)."""
    inv = tmp_path / "inv"
    shutil.copytree(ROOT / "inventories" / "example", inv)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    hosts["all"]["children"]["exec"]["children"]["exrp"]["hosts"] = {h: None for h in exrp_hosts}
    if serving:
        hosts["all"]["children"]["exrp_node_rollout"] = {"hosts": {h: None for h in exrp_hosts}}
    hosts["all"]["vars"] = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return inv


@pytest.mark.parametrize("serial,batches", [(2, 2), ("2", 2), ("1", 3)])
def test_exrp_serial_survey_string(tmp_path, playbook, serial, batches):
    """exec_exrp_serial = "2" rolls three serving EXRP nodes in two batches, as 2 does (site.yml, step 4/5c)."""
    inv = _local_inventory(tmp_path, ["exrp1", "exrp2", "exrp3"], serving=True)
    extra = {"exec_exrp_serial": serial, "exrp_node_enabled": "false", "exrp_image_enabled": False,
             "preflight_enabled": False}
    extra.update({v: "not-a-secret" for v in VAULT_VARS})
    run = playbook(ROOT / "playbooks" / "site.yml", inv, "--tags", "exrp_node", "--limit", "localhost:exrp",
                   extra_vars=extra)
    assert run.returncode == 0, run.stdout[-4000:]
    step = run.stdout[run.stdout.index("PLAY [Steps 4 and 5c - EXRP nodes that serve"):]
    assert step.count("TASK [engage_exec.recording.exrp_node : Check the EXRP node inputs]") == batches, \
        step[-4000:]
