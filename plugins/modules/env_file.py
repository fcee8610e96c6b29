#!/usr/bin/python
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: env_file
short_description: Manage some keys of a dotenv (C(.env)) file in place, keeping everything else
version_added: 1.0.0
description:
  - Sets and removes the keys you name in a C(.env) file of the kind C(docker run --env-file) and docker compose
    read, and leaves every other line exactly as it was, byte for byte (comments, blank lines, order, keys it does not
    manage, line endings, a last line without a newline).
  - A key already in the file is updated where it is. A key defined more than once is updated at its last
    definition (the one docker uses) and its earlier definitions are removed, with a warning. New keys are appended at
    the end of the file, or under O(marker).
  - "Format read: one C(KEY=VALUE) per line, split at the first C(=); leading blanks ignored; lines starting with
    C(#) and blank lines are comments; a bare C(KEY) line (docker takes its value from its own environment) counts as
    a definition of C(KEY); a leading C(export ) is accepted (docker compose and shells read it, C(docker run
    --env-file) refuses it) and kept when the line is updated; LF and CRLF line endings."
  - "Quotes: C(docker run --env-file) does not interpret quotes, escapes or inline comments: everything after the
    first C(=) is the value. This module does the same: a value is written and compared verbatim, quotes included,
    and never quoted for you. If the file is also read by docker compose (which strips quotes, cuts C( #) comments
    and expands C(${VAR})), give values that mean the same to both, or the quoted form compose expects."
  - The file is written only when its content changes, through a temporary file in the same directory (fsync, then
    rename), so a reader sees either the old or the new file. Nothing is written when any check fails.
  - A symbolic link is followed; the file it points to is updated.
author:
  - engage_exec.recording maintainers (@engage_exec)
options:
  path:
    description:
      - Path of the C(.env) file.
    type: path
    required: true
    aliases: [dest]
  values:
    description:
      - Keys to set and their values.
      - Key names must match C([A-Za-z_][A-Za-z0-9_]*).
      - Strings are written verbatim; booleans as C(true)/C(false); integers and floats in decimal. A null value is
        refused (use C('') for an empty value, or O(absent) to remove the key).
      - A value containing a newline, a carriage return or a NUL byte is refused (the env-file format cannot carry
        it), naming the key.
    type: dict
    default: {}
  absent:
    description:
      - Keys to remove, wherever and however many times they are defined.
      - A key cannot be both in O(values) and in O(absent).
    type: list
    elements: str
    default: []
  secret_keys:
    description:
      - Keys whose values are secrets. Their values are replaced by C(********) in the diff, and the module registers
        the values it sets as C(no_log) values, so that Ansible masks them in everything it prints for this task
        (C(-vvv) invocation included).
      - May name keys the module does not manage, to mask them in the diff.
    type: list
    elements: str
    default: []
  secret_key_pattern:
    description:
      - Keys matching this Python regular expression are treated as if they were in O(secret_keys). This protects
        the passwords of an existing C(.env) from C(--diff) output even when nobody listed them.
      - Set to an empty string to rely on O(secret_keys) only.
    type: str
    default: (?i)(passw|secret|token|private|credential|api_?key)
  marker:
    description:
      - A comment line (starting with C(#)) under which new keys are appended.
      - When the marker is in the file, new keys go after it and the key lines that follow it; otherwise the marker
        is appended (after a blank line) and the new keys under it.
      - When not set, new keys are appended at the end of the file.
    type: str
  state:
    description:
      - V(present) sets O(values) and removes O(absent); the file itself is kept.
    type: str
    choices: [present]
    default: present
  create:
    description:
      - Create the file when it does not exist (its directory must exist). Nothing is created when there is nothing
        to write.
      - When V(false), a missing file is an error.
    type: bool
    default: true
  mode:
    description:
      - Permissions of the file, octal (V('0600')) or symbolic (V(u=rw,go=)), as in M(ansible.builtin.file).
      - When not set, a file created by the module gets V('0600') and an existing file keeps its mode.
    type: raw
  owner:
    description:
      - Owner of the file (name or uid). When not set, an existing file keeps its owner.
    type: str
  group:
    description:
      - Group of the file (name or gid). When not set, an existing file keeps its group.
    type: str
  backup:
    description:
      - Keep a copy of the file as it was (timestamped, same directory, same mode) before changing it.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports what would change, with the diff, and writes nothing.
  diff_mode:
    support: full
    description: Before and after text of the file, with secret values shown as C(********).
  idempotent:
    support: full
    description: A second run with the same arguments changes nothing and reports C(changed=false).
  platform:
    support: full
    platforms: posix
    description: Any POSIX host with Python; the file is edited where the module runs.
notes:
  - A line docker would refuse (a blank inside the name, no name before C(=)) is kept as it is and reported in a
    warning; it is never managed.
  - The file is read and written as bytes; lines the module does not manage are kept even when they are not UTF-8.
seealso:
  - module: ansible.builtin.lineinfile
    description: Edits one line at a time; this module manages a set of keys in one atomic write.
  - name: docker run --env-file
    description: The format this module reads and writes.
    link: https://docs.docker.com/reference/cli/docker/container/run/#env
"""

EXAMPLES = r"""
- name: Add the recording settings to the EXEC .env, keeping every other key and comment
  engage_exec.recording.env_file:
    path: /opt/exec/.env
    values:
      HTTP_LB_EXCP_PORT: 8090
      RECORDING_ENABLED: true
      EXRP_HOSTS: "exrp1.example.com:8080,exrp2.example.com:8080"
      WEBDAV_PASSWORD: "{{ vault_webdav_password }}"
    secret_keys: [WEBDAV_PASSWORD]
    marker: "# Recording Injection (managed by Ansible)"
    backup: true
  register: exec_env

- name: Remove a key an older release used
  engage_exec.recording.env_file:
    path: /opt/exec/.env
    absent: [OLD_RECORDING_URL]
    create: false

- name: Create a new file for a container, readable by its group only
  engage_exec.recording.env_file:
    path: /opt/exrp/exrp.env
    values:
      ORG_ID: 7a1c2f4e-1111-2222-3333-444455556666
    mode: "0640"
    owner: root
    group: root
"""

RETURN = r"""
changed_keys:
  description: Keys whose lines were (or, in check mode, would be) added, updated or removed, in that order.
  returned: always
  type: list
  elements: str
  sample: [HTTP_LB_EXCP_PORT, WEBDAV_PASSWORD]
added:
  description: Keys that were not in the file and were appended.
  returned: always
  type: list
  elements: str
  sample: [WEBDAV_PASSWORD]
updated:
  description: Keys that were in the file with another value (or as a bare C(KEY) line) and were updated in place.
  returned: always
  type: list
  elements: str
  sample: [HTTP_LB_EXCP_PORT]
removed:
  description: Keys of O(absent) that were in the file and were removed.
  returned: always
  type: list
  elements: str
  sample: [OLD_RECORDING_URL]
duplicates:
  description: Managed keys that were defined more than once; their earlier definitions were removed.
  returned: always
  type: list
  elements: str
  sample: []
backup_file:
  description: Path of the backup copy, when O(backup=true) and the file was changed.
  returned: changed and backup requested
  type: str
  sample: /opt/exec/.env.12345.2026-11-24@20:41:07~
path:
  description: The path given.
  returned: always
  type: str
  sample: /opt/exec/.env
diff:
  description: Before and after text of the file, secret values replaced by C(********).
  returned: in diff mode (C(--diff))
  type: dict
  sample:
    before: "# EXEC\nORG_ID=42\nREDIS_PASSWORD=********\n"
    after: "# EXEC\nORG_ID=42\nREDIS_PASSWORD=********\nHTTP_LB_EXCP_PORT=8090\n"
    before_header: /opt/exec/.env
    after_header: /opt/exec/.env
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils._envfile import (
    DEFAULT_SECRET_KEY_PATTERN,
    EnvFileError,
    run,
)
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import module_result
from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import ModuleFiles


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True, aliases=["dest"]),
            values=dict(type="dict", default={}),
            absent=dict(type="list", elements="str", default=[]),
            secret_keys=dict(type="list", elements="str", default=[], no_log=False),
            secret_key_pattern=dict(type="str", default=DEFAULT_SECRET_KEY_PATTERN, no_log=False),
            marker=dict(type="str"),
            state=dict(type="str", default="present", choices=["present"]),
            create=dict(type="bool", default=True),
            mode=dict(type="raw"),
            owner=dict(type="str"),
            group=dict(type="str"),
            backup=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    try:
        result = run(module.params, module.check_mode, ModuleFiles(module), module.no_log_values.update)
    except EnvFileError as exc:
        module.fail_json(**module_result(module, exc.result()))
    module.exit_json(**module_result(module, result))


if __name__ == "__main__":
    main()
