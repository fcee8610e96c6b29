#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: host_diagnostics
version_added: 1.1.0
short_description: Read one host's part of the support bundle, every secret masked before it leaves the host
description:
  - In one call, runs the status commands of O(commands), reads the files of O(files) and every C(.env) file under
    O(env_dirs), asks each URL of O(urls) (health and metrics endpoints) and, when O(container_logs) is set and
    Docker is installed, lists the containers and reads the last O(log_lines) lines of each one's log.
  - Every text returned is masked before it leaves the host - in a C(.env) file, the value of every key whose name
    says it is secret (a word of it is password, pass, pwd, secret, token, key, passphrase, credential(s)) becomes
    C(********); then every value of O(secret_values) and every value so found in the C(.env) files is replaced by
    C(********) wherever it appears (as written and URL-encoded; values shorter than 4 characters only by key).
  - It only reads; a command that fails, a file that is missing, a URL that does not answer is recorded in the
    bundle, not a failure. Used by C(playbooks/collect_diagnostics.yml).
author:
  - engage_exec.recording maintainers (@engage_exec)
options:
  commands:
    description: Status commands, each run without a shell; its output, exit code and errors are kept.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Its file in the bundle (C(commands/<name>.txt)).
        type: str
        required: true
      argv:
        description: The command and its arguments.
        type: list
        elements: str
        required: true
  files:
    description: Files to copy into the bundle (C(config/<path with / as _>)); a missing one is noted.
    type: list
    elements: path
    default: []
  env_dirs:
    description: Folders searched (recursively) for files named C(.env); each goes into C(env/), masked.
    type: list
    elements: path
    default: []
  urls:
    description: URLs to GET (health, metrics); the status and the body go into C(http/).
    type: list
    elements: str
    default: []
  url_timeout:
    description: Seconds to wait for each URL.
    type: int
    default: 5
  container_logs:
    description: List the containers (C(commands/containers.txt)) and keep the last lines of each one's log.
    type: bool
    default: false
  log_lines:
    description: Lines of each container log kept.
    type: int
    default: 200
  secret_values:
    description:
      - Secret values to mask wherever they appear (the inventory's; see the filter
        P(engage_exec.recording.exec_secret_values#filter)).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: It only reads; check mode reads the same and changes nothing.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
notes:
  - The playbook C(collect_diagnostics.yml) runs it with C(become), to read the C(.env) files and the logs.
"""

EXAMPLES = r"""
- name: This host's part of the support bundle
  engage_exec.recording.host_diagnostics:
    commands:
      - {name: kernel, argv: [uname, -a]}
    files: [/etc/haproxy/haproxy.cfg]
    env_dirs: [/opt/genesys/exec]
    urls: [http://127.0.0.1:3660/health]
    container_logs: true
    secret_values: "{{ hostvars[inventory_hostname] | engage_exec.recording.exec_secret_values }}"
  become: true
  register: part
"""

RETURN = r"""
files:
  description: Path in the bundle -> text, every secret masked.
  returned: always
  type: dict
  sample: {"commands/kernel.txt": "$ uname -a\n# rc=0\nLinux ...", "env/opt_genesys_exec_exrp_.env": "WEBDAV_PASSWORD=********"}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.engage_exec.recording.plugins.module_utils import _diagnostics


def main():
    module = AnsibleModule(argument_spec=dict(
        commands=dict(type="list", elements="dict", default=[], options=dict(
            name=dict(type="str", required=True), argv=dict(type="list", elements="str", required=True))),
        files=dict(type="list", elements="path", default=[]),
        env_dirs=dict(type="list", elements="path", default=[]),
        urls=dict(type="list", elements="str", default=[]),
        url_timeout=dict(type="int", default=5),
        container_logs=dict(type="bool", default=False),
        log_lines=dict(type="int", default=200),
        secret_values=dict(type="list", elements="str", default=[], no_log=True),
    ), supports_check_mode=True)
    params = module.params

    def run(argv):
        if not module.get_bin_path(argv[0]) and not argv[0].startswith("/"):
            return None, "", "%s: not installed" % argv[0]
        rc, out, err = module.run_command(argv, check_rc=False)
        return rc, out, err

    def read(path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def get(url):
        try:
            answer = open_url(url, timeout=params["url_timeout"], validate_certs=False)
            return answer.getcode(), answer.read().decode("utf-8", "replace"), None
        except Exception as exc:  # pylint: disable=broad-except  # recorded in the bundle, not a failure
            status = getattr(exc, "code", None)
            body = exc.read().decode("utf-8", "replace") if hasattr(exc, "read") else ""
            return status, body, "%s: %s" % (type(exc).__name__, exc)

    docker = module.get_bin_path("docker") if params["container_logs"] else None
    module.exit_json(changed=False, files=_diagnostics.collect(params, run, read, get, docker))


if __name__ == "__main__":
    main()
