#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: config_files
version_added: 1.0.0
short_description: Write a set of directories, configuration files and links as one change, checked by one command
description:
  - Makes each path of O(directories) a directory (with the given owner, group and mode), each file of O(files) hold
    exactly the given content (with the given owner, group and mode) and each path of O(links) a symbolic link to its
    target, in one call and in that order, then runs the O(validate) command once.
  - When the command fails (non-zero exit) or a write fails half-way, every file and link this call changed is put
    back as it was (old bytes, mode, owner and group; removed when it did not exist), the directories it created are
    removed again (when empty) and those whose owner, group or mode it changed get them back; the task fails with the
    command's output. A service that reads the files later never sees a set the command refused.
  - The whole input is checked first; every problem (a missing directory, a path given twice, a link path that is a
    regular file or a directory, a directory path that is a file, a bad mode, an unknown owner or group, a validation
    program that is not installed) is reported at once and nothing is changed.
  - Only what differs is written. A file is written to a temporary file in its own directory and renamed over the
    old one; a link is made under a temporary name and renamed over the old link, so a reader sees the old or the new
    version of each, never half of one.
  - One call for the whole set, instead of a M(ansible.builtin.file) task per directory, a
    M(ansible.builtin.template) task per file, a M(ansible.builtin.file) task per link and a command task for the
    check.
author:
  - engage_exec.recording maintainers (@engage_exec)
options:
  directories:
    description:
      - Directories to make before the files and links are written, so that a file or link of the same call may go
        into a directory that does not exist yet. At least one of O(directories), O(files) and O(links) is required.
      - A missing directory is created with its missing parents, like C(mkdir -p). Only the directory named gets
        O(directories[].owner), O(directories[].group) and O(directories[].mode); the parents created with it get the
        mode of the umask and the owner and group of the user the module runs as. (M(ansible.builtin.file) with
        C(state=directory) gives every directory it creates the same owner, group and mode; to have that here, list
        each parent too, outermost first.)
      - An existing directory only gets its owner, group and mode corrected, where given and different. A path that
        is a symbolic link to a directory is followed (the directory it points to gets the attributes). A path that
        exists and is not a directory (a regular file, a symbolic link to something else) is an input error.
      - On rollback, the directories this call created (parents included) are removed again, deepest first, but
        only when empty; a directory into which something else put files in the meantime is left in place and
        named in the failure message. An existing directory gets its old owner, group and mode back.
      - O(backup) does not apply to directories.
    type: list
    elements: dict
    suboptions:
      path:
        description: Absolute path of the directory.
        type: path
        required: true
      owner:
        description: Owner of the directory (name or uid). When not set, an existing directory keeps its owner and a
          new one belongs to the user the module runs as.
        type: str
      group:
        description: Group of the directory (name or gid). When not set, an existing directory keeps its group.
        type: str
      mode:
        description:
          - Permissions of the directory, in octal, quoted (V('0750')) as for M(ansible.builtin.file). Symbolic modes
            are refused.
          - When not set, an existing directory keeps its mode and a new one gets the mode of the umask (usually
            V('0755')).
        type: raw
  files:
    description:
      - The files to write. At least one of O(directories), O(files) and O(links) is required.
      - A path that is a symbolic link to a file is followed; the file it points to is written.
    type: list
    elements: dict
    suboptions:
      path:
        description:
          - Absolute path of the file. Its directory must exist or be one of O(directories) (or a parent one of them
            creates). In check mode a missing directory is accepted and the file reported as to be created, since the
            task that creates the directory did not run either.
        type: path
        required: true
      content:
        description:
          - The whole content of the file, written as UTF-8 exactly as given (no newline is added). Typically
            rendered on the controller with C(lookup('ansible.builtin.template', ...)).
          - Compared with the bytes of the file; the file is written only when they differ.
        type: str
        required: true
      owner:
        description: Owner of the file (name or uid). When not set, an existing file keeps its owner and a new one
          belongs to the user the module runs as.
        type: str
      group:
        description: Group of the file (name or gid). When not set, an existing file keeps its group.
        type: str
      mode:
        description:
          - Permissions of the file, in octal, quoted (V('0644')) as for M(ansible.builtin.file). Symbolic modes are
            refused.
          - When not set, an existing file keeps its mode and a new one gets V('0644').
        type: raw
  links:
    description:
      - Symbolic links to make. At least one of O(directories), O(files) and O(links) is required.
      - A link with another target is replaced; a regular file or a directory at O(links[].path) is an error.
    type: list
    elements: dict
    suboptions:
      path:
        description: Absolute path of the link. Its directory must exist or be one of O(directories).
        type: path
        required: true
      src:
        description: What the link points to, written as given (may be relative to the link's directory; need not
          exist yet).
        type: str
        required: true
  validate:
    description:
      - A command that checks the files once they are all in place, as a list (program, then arguments); it is run
        without a shell. A non-zero exit code fails the task and puts back every directory, file and link this
        call changed.
      - Not run in check mode.
    type: list
    elements: str
  validate_when:
    description:
      - V(always) runs O(validate) on every run, also when nothing changed (the files on the host are proved valid
        each time); V(changed) runs it only when a directory, file or link changed.
    type: str
    choices: [always, changed]
    default: always
  backup:
    description:
      - Keep a timestamped copy (same directory, same mode) of each file whose content is replaced. A copy is removed
        again when the change is rolled back. Not for directories.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports the directories, files and links that would change, with the diff, creates and writes
      nothing and runs no command.
  diff_mode:
    support: full
    description:
      - A list of diffs, one per directory created (C(absent) before; C(directory), its mode, owner and group and
        the parents created with it after), one per directory or file whose owner, group or mode change (the old and
        new values), one per file whose content changes (old and new text) and one per link (C(link -> target)).
  idempotent:
    support: full
    description: A second run with the same directories, files and links changes nothing and reports
      C(changed=false).
  platform:
    support: full
    platforms: posix
    description: Any POSIX host with Python; the files are written where the module runs.
notes:
  - "The content of the files is shown in the diff (C(--diff)). Set C(diff: false) on a task whose files hold
    secrets."
seealso:
  - module: ansible.builtin.template
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: The WebDAV site of Apache, checked by apachectl before Apache is reloaded
  engage_exec.recording.config_files:
    files:
      - path: /etc/apache2/sites-available/exec-webdav.conf
        content: "{{ lookup('ansible.builtin.template', 'exec-webdav.conf.j2') }}"
        mode: "0644"
      - path: /etc/apache2/conf-available/exec-webdav-limits.conf
        content: "{{ lookup('ansible.builtin.template', 'exec-webdav-limits.conf.j2') }}"
        mode: "0644"
      - path: /etc/apache2/ports.conf
        content: "{{ lookup('ansible.builtin.template', 'ports.conf.j2') }}"
        owner: root
        group: root
        mode: "0644"
    links:
      - path: /etc/apache2/sites-enabled/exec-webdav.conf
        src: ../sites-available/exec-webdav.conf
    validate: [apachectl, -t]
    backup: true
  notify: Reload apache

- name: WebDAV storage folders and the site file in a new folder, in one call
  engage_exec.recording.config_files:
    directories:
      - path: /srv/exec/recordings
        owner: www-data
        group: www-data
        mode: "0750"
      - path: /var/lib/exec-webdav/lock
        owner: www-data
        group: www-data
        mode: "0750"
      - path: /etc/apache2/exec-webdav.d
        mode: "0755"
    files:
      - path: /etc/apache2/exec-webdav.d/site.conf
        content: "{{ lookup('ansible.builtin.template', 'exec-webdav-site.conf.j2') }}"
        mode: "0644"
    validate: [apachectl, -t]
  notify: Reload apache

- name: HAProxy, checked only when its configuration changed
  engage_exec.recording.config_files:
    files:
      - path: /etc/haproxy/haproxy.cfg
        content: "{{ lookup('ansible.builtin.template', 'haproxy.cfg.j2') }}"
        owner: root
        group: haproxy
        mode: "0640"
    validate: [haproxy, -c, -f, /etc/haproxy/haproxy.cfg]
    validate_when: changed
  notify: Reload haproxy
"""

RETURN = r"""
changed_files:
  description:
    - Paths of the directories, files and links that changed (or, in check mode, would change), in input order,
      directories first, then files, then links.
    - A directory is listed when it was created or its owner, group or mode changed; the parents created with it are
      not listed separately (the diff names them).
  returned: always
  type: list
  elements: str
  sample: [/srv/exec/recordings, /etc/apache2/sites-available/exec-webdav.conf,
           /etc/apache2/sites-enabled/exec-webdav.conf]
backup_files:
  description: Path of each replaced file to the path of its backup (O(backup=true) only; empty otherwise).
  returned: always
  type: dict
  sample: {/etc/apache2/ports.conf: "/etc/apache2/ports.conf.4242.2026-11-24@20:41:07~"}
validate:
  description: Exit code and output of the O(validate) command.
  returned: when the command ran
  type: dict
  contains:
    rc:
      description: Exit code.
      type: int
      sample: 0
    stdout:
      description: Standard output.
      type: str
      sample: ""
    stderr:
      description: Standard error.
      type: str
      sample: Syntax OK
  sample: {rc: 0, stdout: "", stderr: "Syntax OK\n"}
rc:
  description: Exit code of the O(validate) command, when it failed (null when a write failed instead).
  returned: failure after the files were written
  type: int
  sample: 1
stdout:
  description: Standard output of the failed O(validate) command.
  returned: failure after the files were written
  type: str
  sample: ""
stderr:
  description: Standard error of the failed O(validate) command.
  returned: failure after the files were written
  type: str
  sample: "AH00526: Syntax error on line 12 of /etc/apache2/sites-enabled/exec-webdav.conf"
rolled_back:
  description:
    - Paths of the directories, files and links put back as they were (or removed when new) after a failure.
    - A created directory that could not be removed because it is no longer empty is not listed; the failure message
      names it.
  returned: failure after the files were written
  type: list
  elements: str
  sample: [/etc/apache2/sites-available/exec-webdav.conf]
diff:
  description:
    - One entry per created directory, directory or file owner/group/mode change, changed file content and link,
      each with C(before_header), C(after_header), C(before) and C(after).
  returned: diff mode
  type: list
  elements: dict
  sample:
    - before_header: /srv/exec/recordings
      after_header: /srv/exec/recordings
      before: "absent\n"
      after: "directory\nmode: 0750\nowner: www-data\ngroup: www-data\n"
    - before_header: /etc/apache2/sites-enabled/exec-webdav.conf
      after_header: /etc/apache2/sites-enabled/exec-webdav.conf
      before: ""
      after: "link -> ../sites-available/exec-webdav.conf\n"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.engage_exec.recording.plugins.module_utils import _config_files
from ansible_collections.engage_exec.recording.plugins.module_utils._errors import module_result
from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import ModuleFiles


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directories=dict(type="list", elements="dict", options=dict(
                path=dict(type="path", required=True),
                owner=dict(type="str"),
                group=dict(type="str"),
                mode=dict(type="raw"),
            )),
            files=dict(type="list", elements="dict", options=dict(
                path=dict(type="path", required=True),
                content=dict(type="str", required=True),
                owner=dict(type="str"),
                group=dict(type="str"),
                mode=dict(type="raw"),
            )),
            links=dict(type="list", elements="dict", options=dict(
                path=dict(type="path", required=True),
                src=dict(type="str", required=True),
            )),
            validate=dict(type="list", elements="str"),
            validate_when=dict(type="str", default="always", choices=["always", "changed"]),
            backup=dict(type="bool", default=False),
        ),
        required_one_of=[["directories", "files", "links"]],
        supports_check_mode=True,
    )
    try:
        result = _config_files.run(module.params, module.check_mode, ModuleFiles(module), module.run_command,
                                   module.get_bin_path)
    except _config_files.ConfigFilesError as exc:
        module.fail_json(**module_result(module, exc.result()))
    module.exit_json(**module_result(module, result))


if __name__ == "__main__":
    main()
