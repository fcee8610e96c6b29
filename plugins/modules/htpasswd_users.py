#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: htpasswd_users
version_added: 1.0.0
short_description: Keep the users of an Apache password file, with bcrypt hashes, in one call
description:
  - Makes an Apache password file (Basic auth) hold the users of O(users) and, with O(exclusive=true), no others.
  - A listed user's password is checked with C(htpasswd -v); only a user whose password no longer verifies gets a new
    hash, so a second run with the same passwords changes nothing (bcrypt salts every hash, so rewriting them would
    report a change on every run).
  - Passwords go to the C(htpasswd) program on standard input, never on its command line, and never appear in the
    result or the diff (which list user names only).
  - One call for the whole set, instead of a verification, an update and a removal task per user.
author:
  - engage_exec.recording maintainers (@engage_exec)
requirements:
  - The C(htpasswd) program on the managed host (Debian C(apache2-utils), RedHat C(httpd-tools)), when a user is
    already in the file or a change is to be made.
options:
  path:
    description: The password file. Its owner, group and mode are kept unless O(owner), O(group) or O(mode) are given.
    type: path
    required: true
  users:
    description:
      - User name to password. Names of 1 to 255 characters without C(:), blanks or a leading C(#); passwords not
        empty and on one line.
      - Every problem in it is reported at once and nothing is changed.
    type: dict
    required: true
  exclusive:
    description: Remove the users of the file that are not in O(users).
    type: bool
    default: true
  create:
    description: Create the file, empty and readable by its owner only (mode 0600 unless O(mode) is given), when it
      does not exist. With V(false), a missing file is an error.
    type: bool
    default: true
  htpasswd:
    description: Path of the C(htpasswd) program. Default, the one found in the PATH.
    type: path
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Verifies the passwords (read-only) and reports the users it would add, update or remove.
  diff_mode:
    support: full
    description: The user names before and after; a user whose password changes is marked C((new password)).
  idempotent:
    support: full
    description: A second run with the same users changes nothing and reports C(changed=false).
  platform:
    support: full
    platforms: posix
    description: Any POSIX host with the C(htpasswd) program of Apache.
seealso:
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: The WebDAV users, exactly
  engage_exec.recording.htpasswd_users:
    path: /etc/apache2/exec-webdav.htpasswd
    owner: root
    group: www-data
    mode: "0640"
    users:
      mcp: "{{ vault_mcp_webdav_password }}"
      exrp: "{{ vault_exrp_webdav_password }}"
  notify: Reload apache
"""

RETURN = r"""
added:
  description: Users that were (or, in check mode, would be) added.
  returned: always
  type: list
  elements: str
  sample: [mcp]
updated:
  description: Users whose password did not verify and got (or would get) a new hash.
  returned: always
  type: list
  elements: str
  sample: []
removed:
  description: Users removed (or that would be) because they are not in O(users) (O(exclusive=true) only).
  returned: always
  type: list
  elements: str
  sample: [old-exrp]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _htpasswd
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import module_result
from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import ModuleFiles


def main():
    module = AnsibleModule(argument_spec=dict(path=dict(type="path", required=True),
                                              users=dict(type="dict", required=True, no_log=True),
                                              exclusive=dict(type="bool", default=True),
                                              create=dict(type="bool", default=True),
                                              htpasswd=dict(type="path")),
                           add_file_common_args=True, supports_check_mode=True)
    try:
        result = _htpasswd.run(module.params, module.check_mode, module.run_command, module.get_bin_path,
                               ModuleFiles(module))
    except _htpasswd.HtpasswdError as exc:
        module.fail_json(**module_result(module, exc.result()))
    module.exit_json(**module_result(module, result))


if __name__ == "__main__":
    main()
