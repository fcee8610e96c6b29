#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: tcp_listeners
version_added: 1.0.0
short_description: Tell which processes listen on some TCP ports
description:
  - Reads C(/proc/net/tcp), C(/proc/net/tcp6) and C(/proc/<pid>/fd) to find the processes that hold a listening socket
    on each of O(ports). Read-only; Linux only.
  - The webdav and load_balancer roles use it to refuse a port another program holds before they replace any
    configuration.
  - A listener whose process cannot be seen (a daemon that dropped root, without CAP_SYS_PTRACE) is reported as
    C(unknown[?]); RV(running) lists the names of every process, so that the caller can tell whether its own daemon
    may be that listener.
author:
  - engage_exec.recording maintainers (@engage_exec)
options:
  ports:
    description: TCP ports to look at.
    type: list
    elements: int
    required: true
extends_documentation_fragment:
  - engage_exec.recording.read_only
seealso:
  - module: engage_exec.recording.connectivity_check
"""

EXAMPLES = r"""
- name: Who holds the WebDAV port?
  engage_exec.recording.tcp_listeners:
    ports: [80, 443]
  register: listeners

- name: Refuse a port another program holds
  ansible.builtin.fail:
    msg: "Port 80 is used by {{ listeners.ports['80'] | join(', ') }}"
  when: listeners.ports['80'] is defined and listeners.ports['80'] | reject('match', '^apache2\\[') | list
"""

RETURN = r"""
ports:
  description: For each asked port something listens on, the listening processes as C(name[pid]).
  returned: always
  type: dict
  sample: {"80": ["apache2[812]", "apache2[815]"]}
running:
  description: Names of every process on the host.
  returned: always
  type: list
  elements: str
  sample: [apache2, haproxy, sshd]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _listeners
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import ModuleError


def main():
    module = AnsibleModule(argument_spec=dict(ports=dict(type="list", elements="int", required=True)),
                           supports_check_mode=True)
    try:
        _listeners.check_ports(module.params["ports"])
    except ModuleError as exc:
        module.fail_json(**exc.result())
    module.exit_json(changed=False, **_listeners.scan(module.params["ports"]))


if __name__ == "__main__":
    main()
