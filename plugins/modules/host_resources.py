#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_resources
version_added: 1.0.0
short_description: Read a host's CPUs, memory, free disk space and Docker engine version in one call
description:
  - Reads the online CPUs, C(MemTotal) of C(/proc/meminfo), the free space of the file system under each of O(paths)
    and, with O(docker=true), the version of the Docker engine (C(docker version), so the daemon must answer).
    Read-only; Linux only.
  - One call instead of gathering the C(hardware) fact subset (which also lists devices, mounts and DMI data),
    a C(docker version) task and a C(df) per path. The preflight role compares the result with the published VM
    sizing.
  - A path that does not exist yet is measured on its nearest existing parent (the role that creates it runs later).
author:
  - engage_exec.recording maintainers (@engage_exec)
options:
  paths:
    description: Paths whose file system's free space to read.
    type: list
    elements: path
    default: []
  docker:
    description: Also read the Docker engine version. A missing C(docker) command or a daemon that does not answer
      is reported in RV(docker.error), not as a failure.
    type: bool
    default: false
extends_documentation_fragment:
  - engage_exec.recording.read_only
seealso:
  - module: ansible.builtin.setup
  - module: engage_exec.recording.time_sync_check
"""

EXAMPLES = r"""
- name: Read the sizing of an EXEC host
  engage_exec.recording.host_resources:
    paths: [/var/lib/docker]
    docker: true
  register: resources

- name: At least 80 GB free for Docker
  ansible.builtin.assert:
    that: resources.disks[0].free_kb >= 80 * 1024 * 1024
"""

RETURN = r"""
cpus:
  description: CPUs the kernel has online.
  returned: always
  type: int
  sample: 4
memory_mb:
  description: Total memory in MiB (C(MemTotal)), 0 when it cannot be read.
  returned: always
  type: int
  sample: 7953
disks:
  description: One entry per path of O(paths), in order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The path as given.
      type: str
      sample: /var/lib/docker
    checked:
      description: The path measured (the nearest existing one).
      type: str
      sample: /var/lib
    mount:
      description: Mount point of the file system measured; null when it could not be read.
      type: str
      sample: /
    free_kb:
      description: KiB available to unprivileged users (as C(df -P)); null when it could not be read.
      type: int
      sample: 81920000
    error:
      description: Why the free space could not be read; null when it was.
      type: str
      sample: null
docker:
  description: The Docker engine's version, or why it could not be read. Null without O(docker).
  returned: always
  type: dict
  contains:
    version:
      description: Server version; null when it could not be read.
      type: str
      sample: "20.10.24"
    error:
      description: Why the version could not be read (command missing, daemon not answering); null when it was.
      type: str
      sample: null
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _host_resources


def main():
    module = AnsibleModule(argument_spec=_host_resources.argument_spec(), supports_check_mode=True)
    module.exit_json(changed=False, **_host_resources.read(module.params, module.run_command, module.get_bin_path))


if __name__ == "__main__":
    main()
