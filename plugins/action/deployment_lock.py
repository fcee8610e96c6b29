# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of ``deployment_lock``: who this run is, and the takeover of a dead run of this controller.

The owner of the lock is this ``ansible-playbook`` run: the controller's host name, the user, the pid of the
``ansible-playbook`` process (the parent of the worker process that runs this plugin) and that process's start time
(``/proc/<pid>/stat``, in clock ticks since boot), the boot id and pid namespace (so that a pid is only compared with
pids of the same kernel boot and namespace), the playbook, the AWX/Tower job. Its ``id`` is what the module compares.

When the module refuses because the lock is held by a run of this same controller (same host name, boot and pid
namespace) whose ``ansible-playbook`` process is gone or is another process now (the pid was reused), the run crashed
or was killed: the module is called again with ``takeover`` set to that owner, and takes the lock only if that owner
still holds it.
"""

from __future__ import annotations

import getpass
import os
import socket

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

MODULE = "engage_exec.recording.deployment_lock"
IDENTITY_KEYS = ("id", "controller", "user", "pid", "pid_start", "boot_id", "pid_ns")
JOB_VARS = ("awx_job_id", "tower_job_id", "awx_job_template_name", "tower_job_template_name", "awx_user_name",
            "tower_user_name")


def _read(path):
    try:
        with open(path, "r", encoding="ascii", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None


def process_start(pid):
    """Start time of ``pid`` in clock ticks since boot (field 22 of /proc/<pid>/stat); None when unknown."""
    stat = _read("/proc/%d/stat" % int(pid))
    if not stat:
        return None
    # The command name (field 2) is in parentheses and may hold blanks: split after the last ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def pid_namespace():
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return None


def controller_identity():
    """The identity keys of this run (see the module docstring)."""
    pid = os.getppid()
    start = process_start(pid)
    identity = {
        "controller": socket.gethostname(),
        "user": getpass.getuser(),
        "pid": pid,
        "pid_start": start,
        "boot_id": _read("/proc/sys/kernel/random/boot_id"),
        "pid_ns": pid_namespace(),
    }
    identity["id"] = "%(controller)s/%(boot_id)s/%(pid_ns)s/%(pid)s/%(pid_start)s" % identity
    return identity


def build_owner(given, task_vars, identity=None):
    """The owner sent to the module: ``given`` (dict or string label) completed with this run's identity."""
    owner = {}
    if isinstance(given, dict):
        owner.update(given)
    elif given not in (None, ""):
        owner["label"] = to_text(given)
    for key in JOB_VARS:
        value = task_vars.get(key)
        if value not in (None, "") and key not in owner:
            owner[key] = to_text(value)
    tags = [to_text(tag) for tag in task_vars.get("ansible_run_tags") or []]
    if "tags" not in owner and tags and tags != ["all"]:
        owner["tags"] = tags
    if "limit" not in owner and task_vars.get("ansible_limit"):
        owner["limit"] = to_text(task_vars["ansible_limit"])
    owner.update(identity or controller_identity())
    for key in [k for k, v in owner.items() if v is None or v == ""]:
        del owner[key]
    return owner


def dead_on_this_controller(holder, identity):
    """True when ``holder`` is a run of this controller (host, boot, pid namespace) whose process is gone."""
    if not isinstance(holder, dict) or holder.get("pid") is None:
        return False
    for key in ("controller", "boot_id", "pid_ns"):
        if holder.get(key) != identity.get(key):
            return False
    try:
        pid = int(holder["pid"])
    except (TypeError, ValueError):
        return False
    if pid == identity.get("pid"):
        # Our own pid: only another process if the start time differs (a pid reused after a reboot-less wrap).
        return holder.get("pid_start") != identity.get("pid_start")
    if os.path.isdir("/proc/self"):
        start = process_start(pid)
        if start is None:
            return True
        return holder.get("pid_start") is not None and start != holder.get("pid_start")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path", "state", "owner", "ttl", "break_lock", "takeover", "hint"))

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp

        args = dict(self._task.args)
        identity = controller_identity()
        args["owner"] = build_owner(args.get("owner"), task_vars, identity)
        res = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)

        holder = (res.get("held_by") or {}).get("owner") if isinstance(res.get("held_by"), dict) else None
        if (res.get("failed") and args.get("state", "present") == "present" and not args.get("takeover")
                and res.get("lock_state") == "held" and dead_on_this_controller(holder, identity)):
            args["takeover"] = holder
            retried = self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars)
            if not retried.get("failed"):
                Display().warning(
                    "Deployment lock %s: took over the lock of a run of this controller that is no longer running "
                    "(pid %s, since %s); this run holds it now and redoes what that run left half done." % (
                        retried.get("lock_file"), holder.get("pid"), (res.get("held_by") or {}).get("since")))
                retried["took_over"] = True
            res = retried

        result.update(res)
        return result
