# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fsync_dir: flushes a real directory; best effort (no exception) where a directory cannot be opened or synced."""

from __future__ import annotations

import os

from ansible_collections.engage_exec.recording.plugins.module_utils import _fsutil
from ansible_collections.engage_exec.recording.plugins.module_utils._fsutil import fsync_dir


def test_fsync_dir_syncs_the_directory_and_closes_it(tmp_path, monkeypatch):
    synced, closed = [], []
    real_fsync, real_close = os.fsync, os.close
    monkeypatch.setattr(_fsutil.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    monkeypatch.setattr(_fsutil.os, "close", lambda fd: (closed.append(fd), real_close(fd)))
    fsync_dir(str(tmp_path))
    assert len(synced) == 1 and synced == closed


def test_fsync_dir_is_best_effort(tmp_path, monkeypatch):
    fsync_dir(str(tmp_path / "missing"))  # cannot be opened: nothing to do, no error
    closed = []
    real_close = os.close

    def refuse(fd):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(_fsutil.os, "fsync", refuse)
    monkeypatch.setattr(_fsutil.os, "close", lambda fd: (closed.append(fd), real_close(fd)))
    fsync_dir(str(tmp_path))  # a file system that cannot sync a directory: no error, the descriptor is closed
    assert len(closed) == 1
