# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small file-system helpers shared by the modules: the directory flush of those that replace files atomically
(env_file, deployment_lock, config_files), and the read of a one-value file (/proc, /sys) for host_probe's parts."""

from __future__ import annotations

import os


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


def read_stripped(path):
    """The text of a small file (a /proc or /sys value) without surrounding white space, or None when it cannot be
    read (missing, a folder, not readable by this user)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return None
