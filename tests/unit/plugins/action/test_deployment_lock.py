# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of deployment_lock: the owner of a run, and when a holder is a dead run of this controller."""

from __future__ import annotations

import os
import subprocess
import sys

from ansible_collections.engage_exec.recording.plugins.action.deployment_lock import (
    build_owner,
    controller_identity,
    dead_on_this_controller,
    process_start,
)


def test_identity_is_the_parent_process():
    identity = controller_identity()
    assert identity["pid"] == os.getppid()
    assert identity["pid_start"] == process_start(os.getppid()) and identity["pid_start"] > 0
    assert identity["boot_id"] and identity["pid_ns"].startswith("pid:[")
    assert identity["id"].endswith("/%d/%d" % (identity["pid"], identity["pid_start"]))
    assert controller_identity() == identity


def test_owner_keeps_labels_and_job_but_never_a_given_identity():
    identity = {"id": "x", "controller": "ctl1", "user": "alice", "pid": 7, "pid_start": 9, "boot_id": "b",
                "pid_ns": "pid:[1]"}
    task_vars = {"awx_job_id": 57, "awx_job_template_name": "Deploy", "ansible_run_tags": ["webdav"],
                 "ansible_limit": "webdav1"}
    owner = build_owner({"playbook": "site.yml", "pid": 1, "id": "forged"}, task_vars, identity)
    assert owner == dict(identity, playbook="site.yml", awx_job_id="57", awx_job_template_name="Deploy",
                         tags=["webdav"], limit="webdav1")
    owner = build_owner("from CI", {"ansible_run_tags": ["all"]}, identity)
    assert owner == dict(identity, label="from CI")
    assert build_owner({"playbook": ""}, {}, identity) == identity


def _identity(pid, start):
    mine = controller_identity()
    return dict(mine, pid=pid, pid_start=start, id="h/%s/%s" % (pid, start)), mine


def test_dead_only_when_same_controller_and_process_gone():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        start = process_start(child.pid)
        holder, mine = _identity(child.pid, start)
        assert not dead_on_this_controller(holder, mine)          # alive
        assert dead_on_this_controller(dict(holder, pid_start=start - 1), mine)   # pid reused by another process
        assert not dead_on_this_controller(dict(holder, controller="elsewhere"), mine)
        assert not dead_on_this_controller(dict(holder, boot_id="other boot"), mine)
        assert not dead_on_this_controller(dict(holder, pid_ns="pid:[1]"), mine)
    finally:
        child.kill()
        child.wait()
    assert dead_on_this_controller(holder, mine)                  # gone
    assert not dead_on_this_controller(dict(holder, controller="elsewhere"), mine)
    assert not dead_on_this_controller("a string owner", mine)
    assert not dead_on_this_controller({"controller": mine["controller"]}, mine)
