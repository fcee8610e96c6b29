# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the fault matrix: a runner that applies a role to a host nobody can reach (so that a refused input
provably changed nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

import servers

ROOT = servers.ROOT
VENV_PY = ROOT / ".venv" / "bin" / "python"


# ------------------------------------------------------------------------------------------ roles on no host
SECRETS = {"vault_gc_client_id": "fault-client", "vault_gc_client_secret": "fault-gc-secret-4242",
           "vault_redis_password": "fault-redis-secret-4242", "vault_webdav_mcp_password": "fault-mcp-pw-4242",
           "vault_webdav_exrp_password": "fault-exrp-pw-4242"}
# What each role needs besides inventories/example to get past its checks, so that only the case's input is bad.
GOOD = {
    "exrp_image": {"exrp_image_src": "/srv/exrp-100.0.100.5.tgz", "exrp_image_checksum": "sha256:" + "ab" * 32},
    "exrp_node": {"exrp_node_image_digest": "sha256:" + "cd" * 32},
    "webdav": {"webdav_concurrent_calls": 100},
    "load_balancer": {"load_balancer_backends": [{"name": "b1", "address": "127.0.0.2"}]},
    "hybrid_transaction": {},
    "preflight": {},
    "exec_services": {},
}

NEEDS_FACTS = ("webdav", "load_balancer")  # they load their OS family's vars before checking the input


class RoleRunner:
    """Applies one role to ``fault-target``, a host whose SSH port is closed: every task that reaches it ends
    UNREACHABLE. The facts of the controller (gathered locally, subset min) stand in for its facts, with the service
    manager of a site's VM (systemd) unless the case gives other ``facts``."""

    def __init__(self, workdir: Path, playbook):
        self.workdir, self.playbook = workdir, playbook
        self.port = servers.free_port()  # nothing listens there

    def __call__(self, role: str, variables: dict, facts: dict | None = None):
        gvars = yaml.safe_load((ROOT / "inventories" / "example" / "group_vars" / "all.yml").read_text())
        gvars.update(SECRETS)
        gvars.update(GOOD[role])
        target = {"ansible_host": "127.0.0.1", "ansible_port": self.port, "ansible_connection": "ssh",
                  "ansible_user": "nobody", "ansible_ssh_common_args": "-o ConnectTimeout=3 -o BatchMode=yes"}
        groups = {g: {"hosts": {"fault-target": None}} for g in ("excs", "exas", "excp", "exrp")}
        inventory = {"all": {
            "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_PY)},
                      "fault-target": target},
            "vars": gvars,
            "children": {"exec": {"children": groups}, "webdav": {"hosts": {"fault-target": None}},
                         "load_balancer": {"hosts": {"fault-target": None}}}}}
        inv = self.workdir / ("inventory-%s.yml" % role)
        inv.write_text(yaml.safe_dump(inventory))
        pre_tasks = [{"name": "Facts of the controller stand in for the target's", "ansible.builtin.setup":
                      {"gather_subset": ["min"]}, "delegate_to": "localhost"},
                     {"name": "The target is a VM run by systemd (unless the case says otherwise)",
                      "ansible.builtin.set_fact": dict({"service_mgr": "systemd"}, **(facts or {}), cacheable=True)},
                     ] if role in NEEDS_FACTS else []
        play = [{"name": "fault case", "hosts": "fault-target", "gather_facts": False, "pre_tasks": pre_tasks,
                 "roles": [{"role": "engage_exec.recording." + role}]}]
        path = self.workdir / ("play-%s.yml" % role)
        path.write_text(json.dumps(play))
        return self.playbook(path, inv, extra_vars=variables)
