# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small file-system helpers shared by the modules that replace files atomically (env_file, deployment_lock)."""

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
