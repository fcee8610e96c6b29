# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The deployment_lock module: four runs (check, real, check, real), refusal as a failure with held_by, diff."""

from __future__ import annotations

import json
import os


from ansible_collections.engage_exec.recording.plugins.modules import deployment_lock
from ansible_collections.engage_exec.recording.tests.unit.plugins.modules.module_runner import run_main

ME = {"id": "me", "user": "alice", "controller": "ctl1", "pid": 11, "playbook": "site.yml"}
OTHER = {"id": "other", "user": "bob", "controller": "ctl2", "pid": 22, "playbook": "upgrade_exrp.yml"}


def run_module(capsys, **args):
    return run_main(deployment_lock.main, capsys, **args)[0]


def test_four_runs_take_and_give_back(capsys, tmp_path):
    path = str(tmp_path / "d" / "deploy.lock")
    res = run_module(capsys, path=path, owner=ME, _ansible_check_mode=True)
    assert res["changed"] and res["action"] == "acquired" and res["lock_state"] == "free"
    assert not os.path.exists(os.path.dirname(path))
    res = run_module(capsys, path=path, owner=ME, ttl=60, _ansible_diff=True)
    assert res["changed"] and res["acquired"] and res["held_by"]["owner"] == ME
    assert res["diff"]["before"] == "" and '"owner"' in res["diff"]["after"]
    assert res["lock_host"] and res["lock_file"] == path and "mode" not in res
    assert json.loads(open(path).read())["ttl"] == 60
    res = run_module(capsys, path=path, owner=ME, state="absent", _ansible_check_mode=True)
    assert res["changed"] and res["action"] == "released" and os.path.exists(path)
    res = run_module(capsys, path=path, owner=ME, state="absent")
    assert res["changed"] and not os.path.exists(path)
    res = run_module(capsys, path=path, owner=ME, state="absent")
    assert not res["changed"] and res["action"] == "none"


def test_refusal_is_a_failure_naming_the_holder(capsys, tmp_path):
    path = str(tmp_path / "deploy.lock")
    run_module(capsys, path=path, owner=OTHER)
    res = run_module(capsys, path=path, owner=ME, hint="rerun with -e exec_lock_break=true.")
    assert res["_rc"] == 1 and res["failed"]
    assert "is held by another run: bob@ctl2 pid 22 (playbook upgrade_exrp.yml)" in res["msg"]
    assert res["msg"].endswith("rerun with -e exec_lock_break=true.")
    assert res["held_by"]["owner"] == OTHER and res["lock_state"] == "held"
    # break_lock: taken, with a warning naming who had it.
    res = run_module(capsys, path=path, owner=ME, break_lock=True)
    assert res["action"] == "broken" and res["previous"]["owner"] == OTHER and res["held_by"]["owner"] == ME


def test_takeover_argument(capsys, tmp_path):
    path = str(tmp_path / "deploy.lock")
    run_module(capsys, path=path, owner=OTHER)
    res = run_module(capsys, path=path, owner=ME, takeover=OTHER)
    assert res["action"] == "took_over" and res["held_by"]["owner"] == ME
