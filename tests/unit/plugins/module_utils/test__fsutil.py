# Copyright: (c) 2026, engage_exec.recording contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fsync_dir: flushes a real directory; best effort (no exception) where a directory cannot be opened or synced.
write_atomic: the new bytes in place through a private temporary file, nothing left behind when the move fails."""

from __future__ import annotations

import os
import shutil
import stat

import pytest

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


def test_write_atomic_moves_a_private_temporary_file_into_place(tmp_path):
    target = tmp_path / "app.conf"
    target.write_bytes(b"old\n")
    seen = []

    def move(src, dest, unsafe_writes=False):
        st = os.stat(src)
        with open(src, "rb") as handle:
            seen.append((os.path.dirname(src), stat.S_IMODE(st.st_mode), handle.read(), unsafe_writes))
        shutil.move(src, dest)

    _fsutil.write_atomic(move, str(target), b"new\n")
    assert target.read_bytes() == b"new\n"
    assert seen == [(str(tmp_path), 0o600, b"new\n", False)]
    assert os.listdir(tmp_path) == ["app.conf"]


def test_write_atomic_leaves_no_temporary_file_when_the_move_fails(tmp_path):
    def move(src, dest, unsafe_writes=False):
        raise Exception("Could not replace %r" % dest)

    with pytest.raises(Exception, match="Could not replace"):
        _fsutil.write_atomic(move, str(tmp_path / "app.conf"), b"new\n")
    assert os.listdir(tmp_path) == []
