# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The file-system helpers shared by the modules: the atomic write and the directory flush of those that replace
files (env_file, deployment_lock, config_files), the file helpers of AnsibleModule a backend is given
(:class:`ModuleFiles`: atomic move, backup, owner/group/mode), and the read of a one-value file (/proc, /sys) for
host_probe's parts."""

from __future__ import annotations

import os
import tempfile


def fsync_dir(directory):
    """Flush a directory's entries (a rename or unlink in it) to disk. Best effort: a file system that cannot open or
    fsync a directory (some network file systems) is left to its own guarantees."""
    try:
        dfd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def write_atomic(move, path, data):
    """Write ``data`` to ``path`` through a temporary file in the same directory (fsync, then ``move``:
    AnsibleModule.atomic_move, which keeps the old file's owner, mode and SELinux context).

    A file created here is never readable by others, not even for an instant: the umask is 077 while it is moved
    into place (file modes are applied afterwards by the caller).
    """
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0o077)
        try:
            move(tmp, path, unsafe_writes=False)
        finally:
            os.umask(umask)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
    fsync_dir(directory)


class ModuleFiles:
    """The file helpers of AnsibleModule that the file-writing backends use, and nothing else of the module: a
    backend is given this object, never the module (docs/architecture.md, "Backend contract")."""

    def __init__(self, module):
        self._module = module

    def write(self, path, data):
        """Replace ``path`` with ``data`` atomically (:func:`write_atomic`)."""
        write_atomic(self._module.atomic_move, path, data)

    def backup(self, path):
        """A timestamped copy of ``path`` beside it (AnsibleModule.backup_local); its path."""
        return self._module.backup_local(path)

    def set_attributes(self, path, mode=None, owner=None, group=None, changed=False, common=None):
        """Give ``path`` the mode (octal or symbolic), owner and group asked (None: kept), only where they differ,
        through Ansible's own helpers (as ansible.builtin.file does); ``changed`` or-ed with whether anything was
        (or in check mode would be) changed. ``common``: the other file arguments of a module that takes them all
        (add_file_common_args: SELinux context, attributes)."""
        args = dict(common or {}, path=path, mode=mode, owner=owner, group=group)
        return self._module.set_fs_attributes_if_different(self._module.load_file_common_arguments(args), changed)


def read_stripped(path):
    """The text of a small file (a /proc or /sys value) without surrounding white space, or None when it cannot be
    read (missing, a folder, not readable by this user)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None
